"""Reading the audit log: filtering, the object types present, checking one row's hash.

Callers pass a queryset already narrowed by ``access.policy.scope_audit_events``.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent
from .services import compute_hash


def _start_of_day(day: datetime.date) -> datetime.datetime:
    # Days are days in the office's time zone (Asia/Jakarta by default), not UTC.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events_filtered(
    events: QuerySet[AuditEvent],
    *,
    action: str = "",
    username: str = "",
    object_type: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """Narrow ``events``; each empty criterion is ignored. ``date_to`` includes the whole day.
    Dates become a range on ``at`` (not ``at__date``) so the index on ``at`` is used."""
    if action:
        events = events.filter(action=action)
    if username:
        events = events.filter(actor_username__icontains=username)
    if object_type:
        events = events.filter(object_type=object_type)
    if date_from:
        events = events.filter(at__gte=_start_of_day(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of_day(date_to + datetime.timedelta(days=1)))
    return events


def audit_object_types(events: QuerySet[AuditEvent]) -> list[tuple[str, str]]:
    """(object_type, label) of the object types present in ``events``, for a filter menu.
    The label adds the model's name when ``object_type`` is a model label (``accounts.user``)."""
    types = events.exclude(object_type="").order_by("object_type").values_list("object_type", flat=True).distinct()
    return [(object_type, object_type_label(object_type)) for object_type in types]


def object_type_label(object_type: str) -> str:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return f"{model._meta.verbose_name} ({object_type})"


def audit_event_hash_matches(event: AuditEvent) -> bool:
    """Does this row still match its own hash? (Only the row: `verify_audit` checks the chain.)"""
    return compute_hash(event.prev_hash, event) == event.hash
