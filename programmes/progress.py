"""THE rule for a closure programme's progress: computed from the records, never typed in.

For every standard stage (``StageKind``) a rule in ``RULES`` reads the programme's records
(activities held, census rounds, site statuses, repatriations, training enrolments, assistance
paid, follow-up visits, monitoring visits…) and says when the stage started, whether and when it
was done, how many records prove it, and a one-line evidence text. ``late`` follows from the
stage's planned end. A feature that lands later adds its records to ``ProgrammeRecords`` (one
aggregate query in ``_collect``) and its rule to ``RULES``.

The people of a programme are those registered at its sites (``Person.registered_site``): their
cases' repatriations, training enrolments and follow-up visits, and the assistance paid to them
(``Entitlement.site``, the registered site copied at the proposal). A site closed, reopened and
closed again belongs to several programmes over the years; a record counts for the one in whose
period it falls (``record_window``).

Everything is computed for many programmes at once with a fixed handful of aggregate queries
(``for_programmes``), so the list page costs the same for 2 or 200 programmes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import Activity, ActivityKind, ActivityStatus
from assistance.models import EntitlementStatus
from census.models import CensusRound, RoundKind, RoundStatus
from monitoring.models import MonitoringVisit
from repatriation.models import RepatriationStatus
from sites.models import SiteStatus
from training.models import EnrolmentStatus

from .models import ClosureProgramme, ProgrammeSite, Stage, StageKind

# Site statuses that mean the site no longer operates.
CLOSED_SITE_STATUSES = frozenset({SiteStatus.CLOSED, SiteStatus.MONITORED})


# --- What the records say ---------------------------------------------------------------------


@dataclass
class HeldActivities:
    """Held activities of one kind: how many, the first and the last date."""

    count: int = 0
    first: dt.date | None = None
    last: dt.date | None = None

    def add(self, count: int, first: dt.date, last: dt.date) -> None:
        self.count += count
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)


@dataclass
class SiteRecords:
    site_id: int
    status: str
    # Census rounds of the site that belong to this programme: (kind, status, held_on).
    rounds: list[tuple[str, str, dt.date]] = field(default_factory=list)
    # First held closure activity naming this site.
    closure_held_on: dt.date | None = None

    @property
    def final_closed_on(self) -> dt.date | None:
        """The first closed final round of the site (None when there is none)."""
        dates = [on for kind, status, on in self.rounds if kind == RoundKind.FINAL and status == RoundStatus.CLOSED]
        return min(dates) if dates else None


@dataclass
class Tally:
    """What one feature's records say about a programme's people (see each rule for the meaning
    of each figure): how many count as done, how many are still pending, the first and the last
    date."""

    count: int = 0
    pending: int = 0
    first: dt.date | None = None
    last: dt.date | None = None


@dataclass
class ProgrammeRecords:
    """Everything the rules read about one programme."""

    programme_id: int
    held: dict[str, HeldActivities] = field(default_factory=lambda: defaultdict(HeldActivities))
    sites: list[SiteRecords] = field(default_factory=list)
    monitoring_count: int = 0
    monitoring_first: dt.date | None = None
    monitoring_last: dt.date | None = None
    repatriations: Tally = field(default_factory=Tally)
    training: Tally = field(default_factory=Tally)
    grants: Tally = field(default_factory=Tally)
    follow_ups: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class Evidence:
    """What one rule found for one stage."""

    started_on: dt.date | None
    done_on: dt.date | None
    done: bool
    count: int
    text: str
    # The text with counts of one to four people shown as "<5", for those who may not see person
    # records (DOMAIN.md "Small numbers identify"); empty when the text counts no people.
    coarse_text: str = ""
    # Begun without a known date (a site closed by its status): None means "started_on is set".
    started: bool | None = None


@dataclass
class StageProgress:
    kind: str
    label: str
    applies: bool
    planned_start: dt.date | None
    planned_end: dt.date | None
    evidence: Evidence
    today: dt.date

    @property
    def started_on(self) -> dt.date | None:
        return self.evidence.started_on

    @property
    def done_on(self) -> dt.date | None:
        return self.evidence.done_on

    @property
    def done(self) -> bool:
        return self.evidence.done

    @property
    def started(self) -> bool:
        if self.evidence.started is not None:
            return self.evidence.started
        return self.evidence.started_on is not None or self.evidence.done

    @property
    def count(self) -> int:
        return self.evidence.count

    @property
    def text(self) -> str:
        return self.evidence.text

    @property
    def coarse_text(self) -> str:
        """The evidence text for those who may not see person records."""
        return self.evidence.coarse_text or self.evidence.text

    @property
    def coarse_count(self) -> str:
        """The count for those who may not see person records: one to four shown as "<5"."""
        return _coarse(self.count)

    @property
    def late(self) -> bool:
        """The planned end has passed and the records do not show the stage done."""
        return bool(self.applies and not self.done and self.planned_end is not None and self.planned_end < self.today)

    @property
    def days_late(self) -> int:
        return (self.today - self.planned_end).days if self.late else 0


@dataclass
class ProgrammeProgress:
    programme_id: int
    stages: list[StageProgress]

    @property
    def applicable(self) -> list[StageProgress]:
        return [stage for stage in self.stages if stage.applies]

    @property
    def done_count(self) -> int:
        return sum(1 for stage in self.applicable if stage.done)

    @property
    def applicable_count(self) -> int:
        return len(self.applicable)

    @property
    def late_count(self) -> int:
        return sum(1 for stage in self.applicable if stage.late)

    @property
    def percent(self) -> int:
        if not self.applicable_count:
            return 0
        return round(100 * self.done_count / self.applicable_count)

    def stage(self, kind: str) -> StageProgress:
        return next(stage for stage in self.stages if stage.kind == kind)

    @property
    def by_kind(self) -> dict[str, StageProgress]:
        """The stages by kind, for templates (``progress.by_kind.repatriation``)."""
        return {stage.kind: stage for stage in self.stages}


# --- The rules, one per stage kind --------------------------------------------------------------

Rule = Callable[[ProgrammeRecords, "StagePlan"], Evidence]


@dataclass(frozen=True)
class StagePlan:
    kind: str
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    applies: bool = True


def _held_rule(kind: str, singular: Callable[[int], str], none: Callable[[], str]) -> Rule:
    """Done when at least one activity of ``kind`` was held; started and done on the first one."""

    def rule(records: ProgrammeRecords, plan: StagePlan) -> Evidence:
        held = records.held.get(kind) or HeldActivities()
        if not held.count:
            return Evidence(None, None, False, 0, none())
        return Evidence(held.first, held.first, True, held.count, singular(held.count))

    return rule


coordination_rule = _held_rule(
    ActivityKind.COORDINATION,
    lambda n: ngettext("%(n)d rakor terlaksana", "%(n)d rakor terlaksana", n) % {"n": n},
    lambda: _("Belum ada rakor terlaksana"),
)

socialisation_rule = _held_rule(
    ActivityKind.SOCIALISATION,
    lambda n: ngettext("%(n)d sosialisasi terlaksana", "%(n)d sosialisasi terlaksana", n) % {"n": n},
    lambda: _("Belum ada sosialisasi terlaksana"),
)


def census_rule(records: ProgrammeRecords, plan: StagePlan) -> Evidence:
    """Done when every site of the programme has a closed final census round; started with the
    first round at any of its sites."""
    sites = records.sites
    if not sites:
        return Evidence(None, None, False, 0, _("Belum ada lokalisasi dalam program"))
    round_dates = [held_on for site in sites for _kind, _status, held_on in site.rounds]
    started_on = min(round_dates) if round_dates else None
    finals = [site.final_closed_on for site in sites]
    finished = [on for on in finals if on is not None]
    done = len(finished) == len(sites)
    text = _("Pendataan akhir selesai di %(done)d dari %(total)d lokalisasi") % {
        "done": len(finished),
        "total": len(sites),
    }
    if round_dates:
        text += " · " + ngettext("%(n)d putaran tercatat", "%(n)d putaran tercatat", len(round_dates)) % {
            "n": len(round_dates)
        }
    return Evidence(started_on, max(finished) if done else None, done, len(round_dates), text)


def closure_rule(records: ProgrammeRecords, plan: StagePlan) -> Evidence:
    """Done when every site is closed or monitored, or a closure activity was held for it. A
    closure activity that names no site counts for a single-site programme only (in a phased
    programme it cannot say which site it closed)."""
    sites = records.sites
    held = records.held.get(ActivityKind.CLOSURE) or HeldActivities()
    if not sites:
        return Evidence(held.first, None, False, 0, _("Belum ada lokalisasi dalam program"), started=bool(held.count))
    closed_on = {site.site_id: site.closure_held_on for site in sites}
    if len(sites) == 1 and held.count and closed_on[sites[0].site_id] is None:
        closed_on[sites[0].site_id] = held.first
    closed = [site for site in sites if site.status in CLOSED_SITE_STATUSES or closed_on[site.site_id]]
    done = len(closed) == len(sites)
    # The day the last site closed is known only when every site's closure was a dated activity.
    dates = list(closed_on.values())
    done_on = max(dates) if done and all(dates) else None
    text = _("Ditutup: %(done)d dari %(total)d lokalisasi") % {"done": len(closed), "total": len(sites)}
    if held.count:
        text += " · " + ngettext(
            "%(n)d kegiatan penutupan terlaksana", "%(n)d kegiatan penutupan terlaksana", held.count
        ) % {"n": held.count}
    # A site closed by its status (no dated activity) still means the stage has begun.
    return Evidence(held.first, done_on, done, len(closed), text, started=bool(closed or held.count))


def monitoring_rule(records: ProgrammeRecords, plan: StagePlan) -> Evidence:
    """Started with the first monitoring visit. Monitoring goes on after closure, so it is done
    only once a visit took place on or after the stage's planned end."""
    n = records.monitoring_count
    if not n:
        return Evidence(None, None, False, 0, _("Belum ada kunjungan pemantauan"))
    done = plan.planned_end is not None and records.monitoring_last >= plan.planned_end
    text = ngettext("%(n)d kunjungan pemantauan", "%(n)d kunjungan pemantauan", n) % {"n": n}
    return Evidence(records.monitoring_first, records.monitoring_last if done else None, done, n, text)


def _coarse(n: int) -> str:
    return "<5" if 0 < n < 5 else str(n)


def _people_evidence(
    tally: Tally, done: bool, none: Callable[[], str], text: Callable[[Callable[[int], str]], str]
) -> Evidence:
    """Evidence of a stage whose records count people: ``text(show)`` writes the evidence with
    ``show`` formatting each count, once exact and once coarsened."""
    if not tally.count and not tally.pending:
        return Evidence(None, None, False, 0, none())
    return Evidence(tally.first, tally.last if done else None, done, tally.count, text(str), coarse_text=text(_coarse))


def repatriation_rule(records: ProgrammeRecords, plan: StagePlan) -> Evidence:
    """Counts the people handed over to the Dinsos of their region of origin (repatriations of
    the programme's people, cancelled ones left out). Started on the first departure of someone
    who set off (travelling or handed over); done when at least one person was handed over and
    nobody is still planned or travelling, on the last handover."""
    tally = records.repatriations

    def text(show: Callable[[int], str]) -> str:
        line = ngettext("%(n)s orang dipulangkan", "%(n)s orang dipulangkan", tally.count) % {"n": show(tally.count)}
        if tally.pending:
            line += " · " + ngettext(
                "%(n)s orang masih direncanakan atau dalam perjalanan",
                "%(n)s orang masih direncanakan atau dalam perjalanan",
                tally.pending,
            ) % {"n": show(tally.pending)}
        return line

    done = bool(tally.count and not tally.pending)
    return _people_evidence(tally, done, lambda: _("Belum ada orang dipulangkan"), text)


def training_rule(records: ProgrammeRecords, plan: StagePlan) -> Evidence:
    """Counts the people who completed a course (lulus). Started on the first day a course of a
    participant (enrolled, completed or dropped) began; done when at least one person completed
    a course and nobody is still enrolled or on a waiting list, on the last completion."""
    tally = records.training

    def text(show: Callable[[int], str]) -> str:
        line = ngettext("%(n)s orang menyelesaikan pelatihan", "%(n)s orang menyelesaikan pelatihan", tally.count) % {
            "n": show(tally.count)
        }
        if tally.pending:
            line += " · " + ngettext(
                "%(n)s orang masih mengikuti atau menunggu pelatihan",
                "%(n)s orang masih mengikuti atau menunggu pelatihan",
                tally.pending,
            ) % {"n": show(tally.pending)}
        return line

    done = bool(tally.count and not tally.pending)
    return _people_evidence(tally, done, lambda: _("Belum ada peserta pelatihan"), text)


def grants_rule(records: ProgrammeRecords, plan: StagePlan) -> Evidence:
    """Counts the people paid assistance (an entitlement disbursed; cancelled and reversed ones do
    not count), whatever the assistance programme. Started on the first payment; done when at
    least one person was paid and no approved entitlement is left unpaid, on the last payment."""
    tally = records.grants

    def text(show: Callable[[int], str]) -> str:
        line = ngettext("%(n)s orang menerima bantuan", "%(n)s orang menerima bantuan", tally.count) % {
            "n": show(tally.count)
        }
        if tally.pending:
            line += " · " + ngettext(
                "%(n)s orang disetujui, belum dibayar", "%(n)s orang disetujui, belum dibayar", tally.pending
            ) % {"n": show(tally.pending)}
        return line

    done = bool(tally.count and not tally.pending)
    return _people_evidence(tally, done, lambda: _("Belum ada bantuan dibayarkan"), text)


def follow_up_rule(records: ProgrammeRecords, plan: StagePlan) -> Evidence:
    """Counts the follow-up visits (bimbingan lanjut) that took place, after a case closed or the
    person went home. Started with the first visit; like monitoring, follow-up goes on for a year,
    so it is done only once a visit took place on or after the stage's planned end."""
    tally = records.follow_ups
    done = bool(tally.count and plan.planned_end is not None and tally.last >= plan.planned_end)

    def text(show: Callable[[int], str]) -> str:
        return ngettext("%(n)s kunjungan tindak lanjut", "%(n)s kunjungan tindak lanjut", tally.count) % {
            "n": show(tally.count)
        }

    return _people_evidence(tally, done, lambda: _("Belum ada kunjungan tindak lanjut"), text)


# One rule per stage kind. Every stage is computed from its feature's records: activities,
# census rounds and site statuses, repatriations, training enrolments, assistance paid,
# follow-up visits and monitoring visits.
RULES: dict[str, Rule] = {
    StageKind.COORDINATION: coordination_rule,
    StageKind.SOCIALISATION: socialisation_rule,
    StageKind.CENSUS: census_rule,
    StageKind.CLOSURE: closure_rule,
    StageKind.REPATRIATION: repatriation_rule,
    StageKind.TRAINING: training_rule,
    StageKind.GRANTS: grants_rule,
    StageKind.FOLLOW_UP: follow_up_rule,
    StageKind.MONITORING: monitoring_rule,
}


# --- Reading the records for many programmes at once ---------------------------------------------


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value is not None else None


# From a programme's site link to the records of the people registered at the site.
PEOPLE = "site__registered_people"
REPATRIATIONS = f"{PEOPLE}__cases__repatriations"
ENROLMENTS = f"{PEOPLE}__cases__enrolments"
FOLLOW_UPS = f"{PEOPLE}__cases__follow_ups"
# Assistance names the site itself (the person's registered site, copied at the proposal).
ENTITLEMENTS = "site__entitlements"


def _collect(programmes: list[ClosureProgramme], today: dt.date) -> dict[int, ProgrammeRecords]:
    """Eight aggregate queries, whatever the number of programmes."""
    by_id = {programme.pk: programme for programme in programmes}
    records = {pk: ProgrammeRecords(programme_id=pk) for pk in by_id}
    if not by_id:
        return records

    # 1. Held activities per programme, kind and site.
    held_rows = (
        Activity.objects.filter(programme_id__in=by_id, status=ActivityStatus.HELD)
        .values("programme_id", "kind", "site_id")
        .annotate(n=Count("id"), first=Min("starts_at"), last=Max("starts_at"))
        .order_by()
    )
    closure_by_site: dict[tuple[int, int], dt.date] = {}
    for row in held_rows:
        first, last = _local_date(row["first"]), _local_date(row["last"])
        records[row["programme_id"]].held[row["kind"]].add(row["n"], first, last)
        if row["kind"] == ActivityKind.CLOSURE and row["site_id"] is not None:
            closure_by_site[(row["programme_id"], row["site_id"])] = first

    # 2. The sites of these programmes, and every programme each of those sites belongs to
    #    (to tell which census rounds belong to which programme).
    site_ids_here = ProgrammeSite.objects.filter(programme_id__in=by_id).values("site_id")
    links = (
        ProgrammeSite.objects.filter(site_id__in=site_ids_here)
        .values_list("pk", "programme_id", "site_id", "site__status", "programme__deadline", "programme__launched_on")
        .order_by("site__name", "site_id")
    )
    deadlines_by_site: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    periods_by_site: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
    here: list[tuple[int, SiteRecords]] = []
    link_ids: dict[tuple[int, int], int] = {}
    for link_id, programme_id, site_id, status, deadline, launched_on in links:
        deadlines_by_site[site_id].append((programme_id, deadline))
        periods_by_site[site_id].append((programme_id, deadline, launched_on))
        if programme_id in records:
            site = SiteRecords(
                site_id=site_id, status=status, closure_held_on=closure_by_site.get((programme_id, site_id))
            )
            here.append((programme_id, site))
            records[programme_id].sites.append(site)
            link_ids[(programme_id, site_id)] = link_id
    # Per site: (first day a round may count from, the programme's record of the site).
    windows: dict[int, list[tuple[dt.date, SiteRecords]]] = defaultdict(list)
    for programme_id, site in here:
        start = round_window_start(by_id[programme_id], deadlines_by_site[site.site_id])
        windows[site.site_id].append((start, site))

    # 3. Census rounds of those sites (a handful per site).
    rounds = CensusRound.objects.filter(site_id__in=list(windows)).values_list("site_id", "kind", "status", "held_on")
    for site_id, kind, status, held_on in rounds:
        for start, site in windows[site_id]:
            if held_on > start:
                site.rounds.append((kind, status, held_on))

    # 4. Monitoring visits per programme.
    visits = (
        MonitoringVisit.objects.filter(programme_id__in=by_id)
        .values("programme_id")
        .annotate(n=Count("id"), first=Min("visited_on"), last=Max("visited_on"))
        .order_by()
    )
    for row in visits:
        record = records[row["programme_id"]]
        record.monitoring_count, record.monitoring_first, record.monitoring_last = row["n"], row["first"], row["last"]

    # 5–8. The people's records, one query per feature: see each rule for what counts.
    periods = {
        link_id: record_window(by_id[programme_id], periods_by_site[site_id])
        for (programme_id, site_id), link_id in link_ids.items()
    }
    repatriation = Q(**{f"{REPATRIATIONS}__status": RepatriationStatus.HANDED_OVER})
    to_receiver = Q(
        **{f"{REPATRIATIONS}__trip__handovers__receiving_organisation": F(f"{REPATRIATIONS}__receiving_organisation")}
    )
    tallies = {
        "repatriations": _tallies(
            by_id,
            periods,
            REPATRIATIONS,
            f"{REPATRIATIONS}__trip__departure_on",
            count=Count(PEOPLE, distinct=True, filter=repatriation),
            pending=Count(
                PEOPLE,
                distinct=True,
                filter=Q(
                    **{
                        f"{REPATRIATIONS}__status__in": (
                            RepatriationStatus.PLANNED,
                            RepatriationStatus.TRAVELLING,
                        )
                    }
                ),
            ),
            first=Min(
                f"{REPATRIATIONS}__trip__departure_on",
                filter=Q(
                    **{
                        f"{REPATRIATIONS}__status__in": (
                            RepatriationStatus.TRAVELLING,
                            RepatriationStatus.HANDED_OVER,
                        )
                    }
                ),
            ),
            last=Max(f"{REPATRIATIONS}__trip__handovers__handed_over_on", filter=repatriation & to_receiver),
        ),
        "training": _tallies(
            by_id,
            periods,
            ENROLMENTS,
            f"{ENROLMENTS}__course__starts_on",
            count=Count(PEOPLE, distinct=True, filter=Q(**{f"{ENROLMENTS}__status": EnrolmentStatus.COMPLETED})),
            pending=Count(
                PEOPLE,
                distinct=True,
                filter=Q(**{f"{ENROLMENTS}__status__in": (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)}),
            ),
            first=Min(
                f"{ENROLMENTS}__course__starts_on",
                filter=Q(
                    **{
                        f"{ENROLMENTS}__status__in": (
                            EnrolmentStatus.ENROLLED,
                            EnrolmentStatus.COMPLETED,
                            EnrolmentStatus.DROPPED,
                        ),
                        f"{ENROLMENTS}__course__starts_on__lte": today,
                    }
                ),
            ),
            last=Max(f"{ENROLMENTS}__completed_on", filter=Q(**{f"{ENROLMENTS}__status": EnrolmentStatus.COMPLETED})),
        ),
        "grants": _tallies(
            by_id,
            periods,
            ENTITLEMENTS,
            f"{ENTITLEMENTS}__cycle__starts_on",
            count=Count(
                f"{ENTITLEMENTS}__person",
                distinct=True,
                filter=Q(**{f"{ENTITLEMENTS}__status": EntitlementStatus.DISBURSED}),
            ),
            pending=Count(
                f"{ENTITLEMENTS}__person",
                distinct=True,
                filter=Q(**{f"{ENTITLEMENTS}__status": EntitlementStatus.APPROVED}),
            ),
            first=Min(f"{ENTITLEMENTS}__paid_on", filter=Q(**{f"{ENTITLEMENTS}__status": EntitlementStatus.DISBURSED})),
            last=Max(f"{ENTITLEMENTS}__paid_on", filter=Q(**{f"{ENTITLEMENTS}__status": EntitlementStatus.DISBURSED})),
        ),
        "follow_ups": _tallies(
            by_id,
            periods,
            FOLLOW_UPS,
            f"{FOLLOW_UPS}__due_on",
            count=Count(FOLLOW_UPS, distinct=True, filter=Q(**{f"{FOLLOW_UPS}__done_on__isnull": False})),
            first=Min(f"{FOLLOW_UPS}__done_on"),
            last=Max(f"{FOLLOW_UPS}__done_on"),
        ),
    }
    for name, by_programme in tallies.items():
        for programme_id, tally in by_programme.items():
            setattr(records[programme_id], name, tally)
    return records


def _tallies(
    programme_ids: Iterable[int],
    periods: dict[int, tuple[dt.date | None, dt.date | None]],
    path: str,
    dated: str,
    *,
    count: Count,
    first: Min,
    last: Max,
    pending: Count | None = None,
) -> dict[int, Tally]:
    """One aggregate query: a ``Tally`` per programme over the records at ``path`` (from a
    programme's site link) that fall in the programme's period at that site, ``dated`` being the
    record's date that decides it (``periods``: per site link, see ``record_window``)."""
    in_period = Q()
    bounded = {link_id: period for link_id, period in periods.items() if period != (None, None)}
    if bounded:
        in_period = ~Q(pk__in=list(bounded))
        for link_id, (start, end) in bounded.items():
            within = Q(pk=link_id)
            if start is not None:
                within &= Q(**{f"{dated}__gte": start})
            if end is not None:
                within &= Q(**{f"{dated}__lt": end})
            in_period |= within
    figures = {"count": count, "first": first, "last": last}
    if pending is not None:
        figures["pending"] = pending
    # One filter() call: every condition on the records uses the same joins, and so do the figures.
    rows = (
        ProgrammeSite.objects.filter(
            Q(programme_id__in=list(programme_ids)), Q(**{f"{path}__isnull": False}), in_period
        )
        .values("programme_id")
        .annotate(**figures)
        .order_by()
    )
    return {
        row["programme_id"]: Tally(
            count=row["count"], pending=row.get("pending", 0), first=row["first"], last=row["last"]
        )
        for row in rows
    }


def record_window(
    programme: ClosureProgramme, site_programmes: Iterable[tuple[int, dt.date, dt.date | None]]
) -> tuple[dt.date | None, dt.date | None]:
    """The period of a site's people's records (repatriation, training, grants, follow-up: they
    come after the closure) that belongs to ``programme``, as (first day, day after the last);
    None is open. Like ``round_window_start``, a programme of the same site that ended before
    another was launched is the earlier one: the later programme's period starts at its launch,
    and the earlier one's ends there. Without a launch date nothing is excluded."""
    start = end = None
    for other_id, deadline, launched_on in site_programmes:
        if other_id == programme.pk:
            continue
        if programme.launched_on is not None and deadline < programme.launched_on:
            start = programme.launched_on
        if launched_on is not None and programme.deadline < launched_on:
            end = launched_on if end is None else min(end, launched_on)
    return start, end


def round_window_start(programme: ClosureProgramme, site_programmes: Iterable[tuple[int, dt.date]]) -> dt.date:
    """A site may be in several programmes over the years (closed, reopened covertly, closed
    again). A census round held on or before the deadline of an earlier programme of the site
    that ended before this one was launched belongs to that earlier programme. Without a
    launch date nothing is excluded."""
    start = dt.date.min
    if programme.launched_on is None:
        return start
    for other_id, deadline in site_programmes:
        if other_id != programme.pk and deadline < programme.launched_on:
            start = max(start, deadline)
    return start


def _plans(programmes: list[ClosureProgramme]) -> dict[int, dict[str, StagePlan]]:
    """Planned dates per programme and stage kind (one query). A programme without stage rows
    has every stage applying, unplanned."""
    plans: dict[int, dict[str, StagePlan]] = {programme.pk: {} for programme in programmes}
    for stage in Stage.objects.filter(programme_id__in=plans):
        plans[stage.programme_id][stage.kind] = StagePlan(
            kind=stage.kind, planned_start=stage.planned_start, planned_end=stage.planned_end, applies=stage.applies
        )
    return plans


def for_programmes(
    programmes: Iterable[ClosureProgramme], *, today: dt.date | None = None
) -> dict[int, ProgrammeProgress]:
    """Progress of each programme, keyed by its pk: nine queries in all."""
    programmes = list(programmes)
    today = today or timezone.localdate()
    records = _collect(programmes, today)
    plans = _plans(programmes)
    result = {}
    for programme in programmes:
        stages = []
        for kind, label in StageKind.choices:
            plan = plans[programme.pk].get(kind) or StagePlan(kind=kind)
            stages.append(
                StageProgress(
                    kind=kind,
                    label=label,
                    applies=plan.applies,
                    planned_start=plan.planned_start,
                    planned_end=plan.planned_end,
                    evidence=RULES[kind](records[programme.pk], plan),
                    today=today,
                )
            )
        result[programme.pk] = ProgrammeProgress(programme_id=programme.pk, stages=stages)
    return result


def for_programme(programme: ClosureProgramme, *, today: dt.date | None = None) -> ProgrammeProgress:
    return for_programmes([programme], today=today)[programme.pk]
