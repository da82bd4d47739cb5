"""Reading cases: the caseload sorted by what needs attention, the case list, one case's file,
the overdue follow-ups. Everything per row is an annotation, never a query per row."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from access import policy
from access.policy import Perm
from people.models import SafeguardingAlert

from . import rules
from .models import Case, CaseStatus, FollowUp, Referral


def scope_follow_ups(user, qs: QuerySet) -> QuerySet:
    """Follow-ups of the responsible Dinsos's region (they move with a transferred case).
    Local until access.policy has ``scope_follow_ups`` (same rule as ``scope_cases``)."""
    if not policy.has_perm(user, Perm.CASES_VIEW):
        return qs.none()
    return qs.filter(policy.region_scope_q(user, "scope_region_code"))


def _overdue_follow_ups(today: dt.date) -> QuerySet:
    return FollowUp.objects.filter(case=OuterRef("pk"), done_on__isnull=True, due_on__lt=today)


def _live_required_referral() -> QuerySet:
    return Referral.objects.filter(
        case=OuterRef("pk"),
        service_kind=OuterRef("required_referral_kind"),
        status__in=rules.LIVE_REFERRAL_STATUSES,
    )


def with_attention(qs: QuerySet, today: dt.date) -> QuerySet:
    """Annotate what needs attention, as 0/1 ranks (portable ordering on every database):
    ``overdue_rank`` (a follow-up past due), ``referral_rank`` (a required referral not made),
    ``safeguarding_rank`` (child, trafficking flag or an open alert), ``stage_since`` (the day the
    case entered its stage) and ``oldest_overdue`` (the earliest missed follow-up date)."""
    overdue = _overdue_follow_ups(today)
    open_alert = SafeguardingAlert.objects.filter(person=OuterRef("person_id"), acknowledged_at__isnull=True)
    return qs.annotate(
        overdue_rank=SqlCase(When(Exists(overdue), then=Value(1)), default=Value(0), output_field=IntegerField()),
        oldest_overdue=Subquery(overdue.order_by("due_on").values("due_on")[:1]),
        referral_rank=SqlCase(
            When(required_referral_kind="", then=Value(0)),
            When(Exists(_live_required_referral()), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        safeguarding_rank=SqlCase(
            When(Q(person__is_child=True) | Q(person__trafficking_flag=True), then=Value(1)),
            When(Exists(open_alert), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        stage_since=Coalesce("stage_changed_on", "opened_on"),
    )


ATTENTION_ORDER = ("-overdue_rank", "-referral_rank", "-safeguarding_rank", "stage_since", "pk")


def _list_related(qs: QuerySet) -> QuerySet:
    return qs.select_related("person", "case_worker", "site", "responsible_organisation")


def caseload(user, *, today: dt.date, everyone: bool = False, stage: str = "", pathway: str = "") -> QuerySet:
    """Open cases of the signed-in worker (or, ``everyone``, all open cases in the user's scope),
    sorted by what needs attention first."""
    qs = policy.scope_cases(user, Case.objects.filter(status=CaseStatus.OPEN))
    if not everyone:
        qs = qs.filter(case_worker=user)
    if stage:
        qs = qs.filter(stage=stage)
    if pathway:
        qs = qs.filter(pathway=pathway)
    return _list_related(with_attention(qs, today)).order_by(*ATTENTION_ORDER)


def worker_counts(user, *, today: dt.date) -> list[dict]:
    """Per case worker: open cases and how many of them have an overdue follow-up (one query)."""
    qs = policy.scope_cases(user, Case.objects.filter(status=CaseStatus.OPEN))
    rows = (
        qs.annotate(has_overdue=Exists(_overdue_follow_ups(today)))
        .values("case_worker", "case_worker__username", "case_worker__first_name", "case_worker__last_name")
        .annotate(open_cases=Count("pk"), overdue=Count("pk", filter=Q(has_overdue=True)))
        .order_by("-overdue", "-open_cases", "case_worker__username")
    )
    result = []
    for row in rows:
        full = f"{row['case_worker__first_name']} {row['case_worker__last_name']}".strip()
        result.append(
            {
                "worker_id": row["case_worker"],
                "name": full or row["case_worker__username"] or "",
                "open_cases": row["open_cases"],
                "overdue": row["overdue"],
            }
        )
    return result


def case_list(
    user,
    *,
    q: str = "",
    stage: str = "",
    status: str = "",
    pathway: str = "",
    worker=None,
    site=None,
) -> QuerySet:
    qs = _list_related(policy.scope_cases(user, Case.objects.all()))
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(person__case_code__icontains=q))
    if stage:
        qs = qs.filter(stage=stage)
    if status:
        qs = qs.filter(status=status)
    if pathway:
        qs = qs.filter(pathway=pathway)
    if worker is not None:
        qs = qs.filter(case_worker=worker)
    if site is not None:
        qs = qs.filter(site=site)
    return qs.order_by("-opened_on", "-pk")


def case_for_user(user, pk: int) -> Case:
    return policy.get_for_user(
        user,
        Case.objects.select_related(
            "person", "site", "responsible_organisation", "case_worker", "supervisor", "created_by"
        ),
        policy.scope_cases,
        pk=pk,
    )


def required_referral_met(case: Case) -> bool:
    if not case.required_referral_kind:
        return True
    return Referral.objects.filter(
        case=case, service_kind=case.required_referral_kind, status__in=rules.LIVE_REFERRAL_STATUSES
    ).exists()


def open_case_for(person, user=None) -> Case | None:
    """The person's open case, if any; with ``user``, only if that user may see it (for the
    person page's link: a case transferred to another Dinsos is not theirs to open)."""
    qs = Case.objects.filter(person=person, status=CaseStatus.OPEN)
    if user is not None:
        qs = policy.scope_cases(user, qs)
    return qs.first()


def follow_ups_overdue(user, *, today: dt.date) -> QuerySet:
    """Follow-ups past their date and not done, in the user's scope, oldest first."""
    qs = scope_follow_ups(user, FollowUp.objects.filter(done_on__isnull=True, due_on__lt=today))
    return qs.select_related("case", "case__person", "case__case_worker", "case__responsible_organisation").order_by(
        "due_on", "pk"
    )
