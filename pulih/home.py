"""What a signed-in user should look at today, by role: overdue actions of their organisation,
their caseload, open safeguarding alerts, programmes near their deadline. Each block appears only
when the policy gives the user that area; every figure comes through the same scope functions
as the list it links to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from access import policy
from access.policy import Perm

# How many items each block lists before "see all".
BLOCK_SIZE = 5


@dataclass
class Today:
    today: dt.date
    overdue_actions: list = field(default_factory=list)
    overdue_action_count: int = 0
    due_soon_actions: list = field(default_factory=list)
    caseload_count: int | None = None
    overdue_follow_up_count: int | None = None
    open_alert_count: int | None = None
    pending_referral_count: int | None = None
    programmes: list = field(default_factory=list)


def today_for(user) -> Today:
    from activities.selectors import actions_due_soon, overdue_actions_for_organisation

    today = timezone.localdate()
    result = Today(today=today)
    if policy.has_perm(user, Perm.PROGRAMMES_VIEW):
        overdue = overdue_actions_for_organisation(user, today=today)
        result.overdue_action_count = overdue.count()
        result.overdue_actions = list(overdue[:BLOCK_SIZE])
        result.due_soon_actions = list(actions_due_soon(user, today=today)[:BLOCK_SIZE])
        result.programmes = _active_programmes(user, today)
    if policy.has_perm(user, Perm.CASES_VIEW):
        from cases.models import Case, CaseStatus
        from cases.selectors import follow_ups_overdue

        result.caseload_count = Case.objects.filter(case_worker=user, status=CaseStatus.OPEN).count()
        result.overdue_follow_up_count = follow_ups_overdue(user, today=today).count()
    if policy.has_perm(user, Perm.ALERTS_VIEW):
        from people.models import SafeguardingAlert

        result.open_alert_count = policy.scope_alerts(
            user, SafeguardingAlert.objects.filter(acknowledged_at__isnull=True)
        ).count()
    if policy.has_perm(user, Perm.REFERRALS_RESPOND):
        from cases.models import Referral, ReferralStatus

        result.pending_referral_count = policy.scope_referrals_received(
            user, Referral.objects.filter(status=ReferralStatus.PENDING)
        ).count()
    return result


def _active_programmes(user, today: dt.date) -> list:
    from programmes.models import ClosureProgramme, ProgrammeStatus
    from programmes.selectors import days_to

    qs = policy.scope_programmes(user, ClosureProgramme.objects.select_related("owner_organisation"))
    qs = qs.filter(Q(status=ProgrammeStatus.ACTIVE) | Q(status=ProgrammeStatus.PLANNED)).order_by("deadline")
    programmes = list(qs[:BLOCK_SIZE])
    for programme in programmes:
        programme.days_left = days_to(programme.deadline, today)
    return programmes
