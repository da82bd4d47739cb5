"""Reading grievances: the list with overdue ones first, without a query per row."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When

from access import policy

from . import rules
from .models import Grievance


def overdue_q(today: dt.date) -> Q:
    return Q(status__in=rules.OPEN_STATUSES, due_on__lt=today)


def with_overdue(qs: QuerySet[Grievance], today: dt.date) -> QuerySet[Grievance]:
    return qs.annotate(
        is_overdue=Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def grievance_list(
    user,
    *,
    today: dt.date,
    q: str = "",
    status: str = "",
    category: str = "",
    channel: str = "",
    overdue: bool = False,
) -> QuerySet[Grievance]:
    """Grievances the user may see. Overdue ones first, the longest overdue at the top; then the
    newest received."""
    qs = policy.scope_grievances(user, Grievance.objects.all())
    if q:
        qs = qs.filter(reference__icontains=q)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if channel:
        qs = qs.filter(channel=channel)
    if overdue:
        qs = qs.filter(overdue_q(today))
    qs = with_overdue(qs, today).select_related("handler_organisation", "handler", "programme", "site")
    return qs.order_by(
        F("is_overdue").desc(),
        Case(When(overdue_q(today), then=F("due_on"))).asc(nulls_last=True),
        "-received_on",
        "-id",
    )


def overdue_count(user, today: dt.date) -> int:
    return policy.scope_grievances(user, Grievance.objects.filter(overdue_q(today))).count()


def grievance_for_detail(user, pk: int, today: dt.date) -> Grievance:
    qs = with_overdue(
        Grievance.objects.select_related("handler_organisation", "handler", "programme", "site", "created_by"), today
    )
    return policy.get_for_user(user, qs, policy.scope_grievances, pk=pk)
