"""Reads: the review queue in a user's scope, the person groups, "same person" ids."""

from __future__ import annotations

from django.db.models import QuerySet

from access import policy

from .models import OPEN_STATUSES, CandidateStatus, GroupMembership, MatchCandidate, MatchRun

# The rules live in access.policy; these names keep the app's call sites short.
scope_candidates = policy.scope_match_candidates
can_decide = policy.can_decide_match


def queue(user, *, status: str = "open", q: str = "") -> QuerySet:
    qs = MatchCandidate.objects.select_related(
        "person_a__registered_site", "person_b__registered_site", "decided_by"
    ).order_by("-score", "id")
    qs = scope_candidates(user, qs)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in CandidateStatus.values:
        qs = qs.filter(status=status)
    if q:
        code = q.strip().upper()
        qs = qs.filter(person_a__case_code__icontains=code) | qs.filter(person_b__case_code__icontains=code)
    return qs


def status_counts(user) -> dict[str, int]:
    from django.db.models import Count

    rows = scope_candidates(user, MatchCandidate.objects.all()).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def last_runs(user, limit: int = 3) -> list[MatchRun]:
    """Recent runs that covered the user's region: national runs, runs of a region containing
    the user's, runs inside it."""
    runs = MatchRun.objects.select_related("started_by").order_by("-started_at")[:50]
    region = user.region_id or ""

    def covers(code: str) -> bool:
        if not region or not code:
            return True
        return region == code or region.startswith(f"{code}.") or code.startswith(f"{region}.")

    return [run for run in runs if covers(run.scope_region_code)][:limit]


def group_members(person) -> list[GroupMembership]:
    membership = GroupMembership.objects.filter(person=person, left_at__isnull=True).first()
    if membership is None:
        return []
    return list(
        GroupMembership.objects.filter(group_id=membership.group_id, left_at__isnull=True).select_related("person")
    )


def same_person_groups() -> list[set[int]]:
    """Every set of person records currently merged into one person, in one query. Only merged
    records have memberships, so this stays small whatever the registry's size."""
    members: dict[int, set[int]] = {}
    for group_id, person_id in GroupMembership.objects.filter(left_at__isnull=True).values_list(
        "group_id", "person_id"
    ):
        members.setdefault(group_id, set()).add(person_id)
    return [group for group in members.values() if len(group) > 1]


def same_person_ids(person) -> set[int]:
    """Ids of every person record merged with ``person`` (its own id included): pay one of them
    once. A record never merged gives just its own id."""
    person_id = getattr(person, "pk", person)
    group_ids = GroupMembership.objects.filter(person_id=person_id, left_at__isnull=True).values("group_id")
    ids = set(
        GroupMembership.objects.filter(group_id__in=group_ids, left_at__isnull=True).values_list("person_id", flat=True)
    )
    return ids | {person_id}
