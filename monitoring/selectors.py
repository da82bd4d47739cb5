"""Reading monitoring visits: the filtered list, and the trend per village and year computed in
one aggregate query."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import ExtractYear

from access import policy
from programmes.models import ClosureProgramme
from regions.models import Region, within_q

from .models import Finding, MonitoringVisit

# Findings that count as "activity seen" in the trend.
ACTIVITY_FINDINGS = (Finding.SIGNS, Finding.ACTIVE)

UP, DOWN, SAME = "up", "down", "same"


def _filtered(
    user, *, region: Region | None = None, programme: ClosureProgramme | None = None
) -> QuerySet[MonitoringVisit]:
    qs = policy.scope_monitoring_visits(user, MonitoringVisit.objects.all())
    if region is not None:
        qs = qs.filter(within_q("village__code", region.code))
    if programme is not None:
        qs = qs.filter(programme=programme)
    return qs


def visit_list(
    user,
    *,
    region: Region | None = None,
    finding: str = "",
    year: int | None = None,
    programme: ClosureProgramme | None = None,
) -> QuerySet[MonitoringVisit]:
    """Visits the user may see, newest first, with what each row shows (no query per row)."""
    qs = _filtered(user, region=region, programme=programme)
    if finding:
        qs = qs.filter(finding=finding)
    if year:
        qs = qs.filter(visited_on__year=year)
    return qs.select_related("village", "organisation", "programme", "site").order_by("-visited_on", "-id")


def visit_years(user) -> list[int]:
    """Years with at least one visit in the user's scope, newest first (the list's year filter)."""
    dates = policy.scope_monitoring_visits(user, MonitoringVisit.objects.all()).dates("visited_on", "year", "DESC")
    return [d.year for d in dates]


# --- Trend ----------------------------------------------------------------------------------------


@dataclass
class TrendCell:
    year: int
    visits: int
    with_activity: int
    max_places: int
    # Against the previous calendar year's highest estimate; None when that year had no visit.
    change: str | None = None
    bar_percent: int = 0


@dataclass
class VillageTrend:
    code: str
    name: str
    path: str
    cells: list[TrendCell | None] = field(default_factory=list)

    @property
    def parent_path(self) -> str:
        return self.path.split(", ", 1)[1] if ", " in self.path else ""

    @property
    def latest(self) -> TrendCell | None:
        return next((cell for cell in reversed(self.cells) if cell is not None), None)


@dataclass
class Trend:
    years: list[int]
    villages: list[VillageTrend]
    max_places: int

    @property
    def total_visits(self) -> int:
        return sum(cell.visits for village in self.villages for cell in village.cells if cell)


def _change(current: int, previous: int) -> str:
    if current > previous:
        return UP
    if current < previous:
        return DOWN
    return SAME


def trend(user, *, region: Region | None = None, programme: ClosureProgramme | None = None) -> Trend:
    """Per village and calendar year: number of visits, visits that saw activity (signs or
    active) and the highest estimate of active places — one grouped query; the table's shape,
    the arrows and the bar widths are worked out here from its rows."""
    rows = (
        _filtered(user, region=region, programme=programme)
        .annotate(year=ExtractYear("visited_on"))
        .values("village", "village__name", "village__path", "year")
        .annotate(
            visits=Count("id"),
            with_activity=Count("id", filter=Q(finding__in=ACTIVITY_FINDINGS)),
            max_places=Max("active_places"),
        )
        .order_by("village", "year")
    )
    by_village: dict[str, VillageTrend] = {}
    cells: dict[tuple[str, int], TrendCell] = {}
    for row in rows:
        code = row["village"]
        if code not in by_village:
            by_village[code] = VillageTrend(code=code, name=row["village__name"], path=row["village__path"])
        year = int(row["year"])
        cells[(code, year)] = TrendCell(
            year=year, visits=row["visits"], with_activity=row["with_activity"], max_places=row["max_places"] or 0
        )
    if not cells:
        return Trend(years=[], villages=[], max_places=0)

    seen_years = {year for _code, year in cells}
    # Every calendar year between the first and the last visit, so a year without visits shows as a gap.
    years = list(range(min(seen_years), max(seen_years) + 1))
    highest = max(cell.max_places for cell in cells.values())
    for code, village in by_village.items():
        for year in years:
            cell = cells.get((code, year))
            if cell is not None:
                previous = cells.get((code, year - 1))
                if previous is not None:
                    cell.change = _change(cell.max_places, previous.max_places)
                cell.bar_percent = round(100 * cell.max_places / highest) if highest else 0
            village.cells.append(cell)
    villages = sorted(by_village.values(), key=lambda v: (v.name.lower(), v.code))
    return Trend(years=years, villages=villages, max_places=highest)
