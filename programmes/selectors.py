"""Reading closure programmes: the list, and what the programme page shows, without a query per
row. Progress comes from ``programmes.progress``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.policy import Perm
from activities.models import ActionStatus, Activity, ActivityStatus, FollowUpAction
from census.models import CensusRound
from grievances.models import Grievance
from monitoring.models import MonitoringVisit
from organisations.models import Organisation

from . import progress
from .models import ClosureProgramme, Phase, ProgrammeSite

# How far ahead the programme page looks for follow-up actions coming due.
UPCOMING_DAYS = 14
TIMELINE_LIMIT = 50


def days_to(deadline: dt.date, today: dt.date) -> int:
    """Days from ``today`` to ``deadline``: negative when the deadline has passed."""
    return (deadline - today).days


def programme_list(user, *, q: str = "", status: str = "") -> QuerySet[ClosureProgramme]:
    """Programmes the user may see (a partner: only those it takes part in), filtered, with the
    number of sites, soonest deadline first."""
    qs = policy.scope_programmes(user, ClosureProgramme.objects.select_related("owner_organisation"))
    if q:
        site_named = ProgrammeSite.objects.filter(programme=OuterRef("pk")).filter(
            Q(site__name__icontains=q) | Q(site__short_code__iexact=q)
        )
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(owner_organisation__name__icontains=q)
            | Q(legal_basis__icontains=q)
            | Exists(site_named)
        )
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(site_count=Count("programme_sites")).order_by("deadline", "name", "pk")


def attach_progress(programmes, *, today: dt.date) -> None:
    """Set ``progress`` and ``days_left`` on each programme of a page (nine queries in all, whatever their number)."""
    programmes = list(programmes)
    results = progress.for_programmes(programmes, today=today)
    for programme in programmes:
        programme.progress = results[programme.pk]
        programme.days_left = days_to(programme.deadline, today)


def programme_for_detail(user, pk: int) -> ClosureProgramme:
    qs = ClosureProgramme.objects.select_related("owner_organisation", "region", "created_by").prefetch_related(
        Prefetch("partners", queryset=Organisation.objects.order_by("name"))
    )
    return policy.get_for_user(user, qs, policy.scope_programmes, pk=pk)


def programme_sites(programme: ClosureProgramme) -> list[ProgrammeSite]:
    return list(
        programme.programme_sites.select_related("site", "site__region", "phase").order_by(
            "phase__number", "site__name", "site_id"
        )
    )


def phases(programme: ClosureProgramme) -> list[Phase]:
    return list(programme.phases.annotate(site_count=Count("sites")).order_by("number"))


# --- Counts ---------------------------------------------------------------------------------------


@dataclass
class RoundCount:
    round: CensusRound
    present: int


def census_counts(programme: ClosureProgramme, sites: list[ProgrammeSite]) -> dict[int, list[RoundCount]]:
    """Residents counted present in each census round of each site of the programme (rounds
    that belong to an earlier programme of the site are left out, as in the progress rule).
    One query."""
    site_ids = [link.site_id for link in sites]
    others = ProgrammeSite.objects.filter(site_id__in=site_ids).values_list(
        "site_id", "programme_id", "programme__deadline"
    )
    by_site: dict[int, list[tuple[int, dt.date]]] = {}
    for site_id, programme_id, deadline in others:
        by_site.setdefault(site_id, []).append((programme_id, deadline))
    starts = {site_id: progress.round_window_start(programme, by_site.get(site_id, [])) for site_id in site_ids}
    rounds = (
        CensusRound.objects.filter(site_id__in=site_ids)
        .annotate(present=Count("entries"))
        .select_related("site")
        .order_by("site__name", "held_on", "id")
    )
    counts: dict[int, list[RoundCount]] = {site_id: [] for site_id in site_ids}
    for census_round in rounds:
        if census_round.held_on > starts[census_round.site_id]:
            counts[census_round.site_id].append(RoundCount(census_round, census_round.present))
    return counts


def open_actions(user, programme: ClosureProgramme, *, today: dt.date) -> tuple[list, list]:
    """Open follow-up actions of the programme: (overdue, due in the next UPCOMING_DAYS days)."""
    qs = policy.scope_actions(
        user,
        FollowUpAction.objects.filter(
            programme=programme, status=ActionStatus.OPEN, due_on__lte=today + dt.timedelta(days=UPCOMING_DAYS)
        ),
    ).select_related("owner_organisation", "activity")
    overdue, upcoming = [], []
    for action in qs.order_by("due_on", "id"):
        if action.due_on < today:
            action.days_overdue = (today - action.due_on).days
            overdue.append(action)
        else:
            action.days_left = (action.due_on - today).days
            upcoming.append(action)
    return overdue, upcoming


# --- Timeline ---------------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    on: dt.date
    kind: str  # activity, census, action, monitoring, grievance
    label: str
    title: str
    detail: str = ""
    # For a link to the other area's page; the template resolves the URL (guarded).
    activity_pk: int | None = None
    round_pk: int | None = None
    sort_key: tuple = ()


def timeline(
    user,
    programme: ClosureProgramme,
    *,
    rounds: list[RoundCount],
    suppress_small: bool,
    limit: int = TIMELINE_LIMIT,
) -> list[TimelineEntry]:
    """Everything that happened in the programme, newest first: activities held, census rounds,
    actions completed, monitoring visits and grievances received — each only when the user may
    see that kind of record. Each source gives at most ``limit`` rows (one query each)."""
    entries: list[TimelineEntry] = []

    activities = policy.scope_activities(
        user, Activity.objects.filter(programme=programme, status=ActivityStatus.HELD)
    ).order_by("-starts_at")[:limit]
    for activity in activities:
        on = timezone.localdate(activity.starts_at)
        entries.append(
            TimelineEntry(
                on=on,
                kind="activity",
                label=activity.get_kind_display(),
                title=activity.title,
                detail=activity.venue,
                activity_pk=activity.pk,
                sort_key=(on, activity.starts_at.timestamp(), 4, activity.pk),
            )
        )

    for count in rounds:
        census_round = count.round
        present = count.present
        shown = "<5" if suppress_small and 0 < present < 5 else str(present)
        entries.append(
            TimelineEntry(
                on=census_round.held_on,
                kind="census",
                label=census_round.get_kind_display(),
                title=f"{census_round.name} — {census_round.site.name}",
                detail=_("%(n)s orang hadir · %(status)s") % {"n": shown, "status": census_round.get_status_display()},
                round_pk=census_round.pk,
                sort_key=(census_round.held_on, 0, 3, census_round.pk),
            )
        )

    done = (
        policy.scope_actions(user, FollowUpAction.objects.filter(programme=programme, status=ActionStatus.DONE))
        .exclude(done_on=None)
        .select_related("owner_organisation")
        .order_by("-done_on", "-id")[:limit]
    )
    for action in done:
        entries.append(
            TimelineEntry(
                on=action.done_on,
                kind="action",
                label=_("Tindak lanjut selesai"),
                title=action.description,
                detail=action.owner_organisation.name,
                activity_pk=action.activity_id,
                sort_key=(action.done_on, 0, 2, action.pk),
            )
        )

    if policy.has_perm(user, Perm.MONITORING_VIEW):
        visits = (
            policy.scope_monitoring_visits(user, MonitoringVisit.objects.filter(programme=programme))
            .select_related("village")
            .order_by("-visited_on", "-id")[:limit]
        )
        for visit in visits:
            entries.append(
                TimelineEntry(
                    on=visit.visited_on,
                    kind="monitoring",
                    label=_("Kunjungan pemantauan"),
                    title=visit.village.name,
                    detail=visit.get_finding_display(),
                    sort_key=(visit.visited_on, 0, 1, visit.pk),
                )
            )

    if policy.has_perm(user, Perm.GRIEVANCES_VIEW):
        # Reference and category only: the complaint's text may name people.
        grievances = policy.scope_grievances(user, Grievance.objects.filter(programme=programme)).order_by(
            "-received_on", "-id"
        )[:limit]
        for grievance in grievances:
            entries.append(
                TimelineEntry(
                    on=grievance.received_on,
                    kind="grievance",
                    label=_("Pengaduan diterima"),
                    title=f"{grievance.reference} · {grievance.get_category_display()}",
                    detail=_("Dari: %(group)s · %(channel)s")
                    % {"group": grievance.get_from_group_display(), "channel": grievance.get_channel_display()},
                    sort_key=(grievance.received_on, 0, 0, grievance.pk),
                )
            )

    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    return entries[:limit]
