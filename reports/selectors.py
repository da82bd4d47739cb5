"""Dashboard and origin figures: counts computed in the database with GROUP BY, a fixed handful
of queries whatever the number of sites or people — never a person loaded into Python.

Where each figure is located:

- sites by their own region; people by the region of the site they were registered at;
- cases, follow-ups, repatriations and training by the responsible Dinsos's region (they move
  with a transferred case); grants by the site of the person paid; follow-up actions by their
  programme's region; budget lines by their owner's region.

The breakdown goes one level down from the region looked at: the whole country by province, a
province by kabupaten/kota, a kabupaten/kota (or a programme, or a kecamatan) by site.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import Substr, TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import policy
from access.policy import Perm
from activities.models import ActionStatus, FollowUpAction
from cases.models import Case, FollowUp, Pathway, Stage
from people.models import OriginClass, Person
from people.origin import origin_class_expression
from programmes.models import ClosureProgramme, ProgrammeSite
from regions.models import Region, within_q
from repatriation.models import Repatriation, RepatriationStatus
from sites.models import Site, SiteStatus
from training.models import Enrolment, EnrolmentStatus

from . import budget, disclosure
from .disclosure import Cell
from .links import link

NATIONAL, PROVINCE, REGENCY = "national", "province", "regency"
# The unit of the breakdown below each level.
UNIT_OF = {NATIONAL: "province", PROVINCE: "regency", REGENCY: "site"}
UNIT_LABELS = {
    "province": gettext_lazy("Provinsi"),
    "regency": gettext_lazy("Kabupaten/kota"),
    "site": gettext_lazy("Lokalisasi"),
}
NO_PATHWAY = ""
REPATRIATED_STATUSES = (RepatriationStatus.TRAVELLING, RepatriationStatus.HANDED_OVER)
CLOSED_STATUSES = (SiteStatus.CLOSED, SiteStatus.MONITORED)


@dataclass(frozen=True)
class Filters:
    region: Region | None = None
    programme: ClosureProgramme | None = None
    site: Site | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    # The owning team previewing what leaves it: the protected figures.
    publication: bool = False

    def site_ids(self):
        """Sites the figures are limited to (a subquery), or None for every site in the region."""
        if self.site is not None:
            return [self.site.pk]
        if self.programme is not None:
            return ProgrammeSite.objects.filter(programme=self.programme).values("site_id")
        return None

    @property
    def has_period(self) -> bool:
        return bool(self.start or self.end)


def region_level(code: str | None) -> str:
    if not code:
        return NATIONAL
    return PROVINCE if len(code) == 2 else REGENCY


def effective_region(user, filters: Filters) -> str | None:
    """The region looked at: the one chosen, else the user's own scope (None: national)."""
    if filters.region is not None:
        return filters.region.code
    if filters.programme is not None:
        return filters.programme.region_id
    if filters.site is not None:
        return filters.site.region_id
    return user.region_id


def unit_for(user, filters: Filters) -> str:
    if filters.site is not None or filters.programme is not None:
        return "site"
    return UNIT_OF[region_level(effective_region(user, filters))]


def protects(user, filters: Filters) -> bool:
    """Suppress small numbers: everyone outside the owning team, and the team's publication view."""
    return filters.publication or not policy.sees_small_numbers(user)


@dataclass(frozen=True)
class Source:
    """How one kind of record is located: its region code, its site, its province and kabupaten/kota."""

    code: str
    site: str | None
    province: str | None = None
    regency: str | None = None

    def unit(self, unit: str):
        if unit == "site":
            return F(self.site) if self.site else None
        if unit == "province":
            return F(self.province) if self.province else Substr(self.code, 1, 2)
        return F(self.regency) if self.regency else Substr(self.code, 1, 5)

    def where(self, user, filters: Filters) -> Q:
        q = policy.report_region_q(user, self.code)
        if filters.region is not None:
            q &= within_q(self.code, filters.region.code)
        site_ids = filters.site_ids()
        if site_ids is not None and self.site:
            q &= Q(**{f"{self.site}__in": site_ids})
        return q


SITE = Source("region__code", "id", "province_code", "regency_code")
PERSON = Source("scope_region_code", "registered_site_id")
CASE = Source("scope_region_code", "site_id")
FOLLOW_UP = Source("scope_region_code", "case__site_id")
REPATRIATION = Source("scope_region_code", "case__site_id")
ENROLMENT = Source("case__scope_region_code", "case__site_id")
ENTITLEMENT = Source("site__region__code", "site_id", "site__province_code", "site__regency_code")
ACTION = Source("region_code", None)


def _period(qs, field: str, filters: Filters):
    if filters.start:
        qs = qs.filter(**{f"{field}__gte": filters.start})
    if filters.end:
        qs = qs.filter(**{f"{field}__lte": filters.end})
    return qs


def _month(value) -> dt.date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def _grouped(qs, unit_expr, fields: tuple = (), extra: dict | None = None, **aggregates) -> list[dict]:
    """One GROUP BY: by unit (when there is one), the ``fields`` and the ``extra`` expressions."""
    keys = dict(extra or {})
    if unit_expr is not None:
        keys["unit"] = unit_expr
    if not keys and not fields:
        return [qs.order_by().aggregate(**aggregates)]
    return list(qs.order_by().values(*fields, **keys).annotate(**aggregates))


# --- Dashboard --------------------------------------------------------------------------------


@dataclass
class Figure:
    """One labelled count with the list behind it."""

    label: str
    cell: Cell
    href: str | None = None
    hint: str = ""
    unit: str = ""


@dataclass
class Series:
    """A 1-D table (rows and their total), protected as a whole."""

    title: str
    labels: list[str]
    cells: list[Cell]
    total: Cell
    hrefs: list[str | None] = field(default_factory=list)
    keys: list = field(default_factory=list)

    @property
    def rows(self):
        hrefs = self.hrefs or [None] * len(self.cells)
        return list(zip(self.labels, self.cells, hrefs, strict=True))

    def chart(self, kind: str = "bar") -> dict:
        # Suppressed cells go to the chart as null: it can never show what the table hides.
        return {"type": kind, "labels": self.labels, "series": [{"label": self.title, "data": _values(self.cells)}]}


@dataclass
class Table2D:
    title: str
    row_labels: list[str]
    col_labels: list[str]
    grid: disclosure.Grid
    hrefs: list[list[str | None]] = field(default_factory=list)
    row_hrefs: list[str | None] = field(default_factory=list)
    col_hrefs: list[str | None] = field(default_factory=list)

    @property
    def rows(self):
        hrefs = self.hrefs or [[None] * len(self.col_labels) for _ in self.row_labels]
        row_hrefs = self.row_hrefs or [None] * len(self.row_labels)
        return [
            (label, list(zip(cells, links, strict=True)), total, row_href)
            for label, cells, links, total, row_href in zip(
                self.row_labels, self.grid.cells, hrefs, self.grid.row_totals, row_hrefs, strict=True
            )
        ]

    @property
    def totals(self):
        col_hrefs = self.col_hrefs or [None] * len(self.col_labels)
        return list(zip(self.grid.col_totals, col_hrefs, strict=True))

    def chart(self) -> dict:
        """Stacked bars: one bar per row, one colour per column."""
        return {
            "type": "stacked",
            "labels": self.row_labels,
            "series": [
                {"label": col, "data": _values([row[c] for row in self.grid.cells])}
                for c, col in enumerate(self.col_labels)
            ],
        }


def _values(cells: list[Cell]) -> list[int | None]:
    return [None if cell.suppressed else cell.value for cell in cells]


@dataclass
class BreakdownRow:
    key: object
    label: str
    href: str | None
    cells: list[Cell]
    # The site's own page, for a breakdown by site.
    site_href: str | None = None


@dataclass
class Breakdown:
    unit: str
    columns: list[str]
    rows: list[BreakdownRow]
    totals: list[Cell]

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS[self.unit])


@dataclass
class Dashboard:
    scope_label: str
    level: str
    unit: str
    protect: bool
    as_of: dt.date
    filters: Filters
    kpis: list[Figure]
    sites_by_status: Series
    stages: Table2D
    trend: list[Series]
    trend_months: list[str]
    breakdown: Breakdown
    budget: budget.BudgetSummary

    @property
    def trend_rows(self) -> list[tuple[str, list[Cell]]]:
        return [(month, [s.cells[i] for s in self.trend]) for i, month in enumerate(self.trend_months)]

    def charts(self) -> dict:
        data = {
            "sites": self.sites_by_status.chart("doughnut"),
            "stages": self.stages.chart(),
            "trend": {
                "type": "line",
                "labels": self.trend_months,
                "series": [{"label": s.title, "data": _values(s.cells)} for s in self.trend],
            },
        }
        if self.budget and self.budget.lines:
            data["budget"] = {
                "type": "hbar",
                "labels": [f"{line.code} ({line.fiscal_year})" for line in self.budget.lines],
                "series": [
                    {"label": _("Terserap (%)"), "data": [line.absorbed_percent for line in self.budget.lines]},
                ],
                "max": 100,
            }
        return data


def scope_label(user, filters: Filters) -> str:
    if filters.site is not None:
        return filters.site.name
    if filters.programme is not None:
        return filters.programme.name
    code = effective_region(user, filters)
    if not code:
        return _("Seluruh Indonesia")
    region = filters.region if filters.region is not None and filters.region.code == code else None
    if region is None:
        region = Region.objects.filter(code=code).only("path").first()
    return region.path if region else code


def _unit_labels(unit: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if not keys:
        return {}
    if unit == "site":
        return dict(Site.objects.filter(pk__in=keys).values_list("pk", "name"))
    return dict(Region.objects.filter(code__in=keys).values_list("code", "name"))


def dashboard(user, filters: Filters, *, today: dt.date) -> Dashboard:
    """Every figure of the dashboard page, in about a dozen aggregate queries."""
    protect = protects(user, filters)
    unit = unit_for(user, filters)
    region_code = effective_region(user, filters)
    as_of = min(filters.end, today) if filters.end else today
    start, end = filters.start, filters.end

    # 1. Sites by status, per unit.
    site_rows = _grouped(
        Site.objects.filter(SITE.where(user, filters), is_active=True),
        SITE.unit(unit),
        ("status",),
        n=Count("id"),
    )
    # 2. People registered (by the end of the period), per unit.
    people = Person.objects.filter(PERSON.where(user, filters))
    if end:
        people = people.filter(registered_at__date__lte=end)
    new_in_period = Q(registered_at__date__gte=start) if start else Q()
    person_rows = _grouped(people, PERSON.unit(unit), n=Count("id"), new=Count("id", filter=new_in_period))
    # 3. Cases open at some time in the period, by stage and pathway, per unit.
    cases = Case.objects.filter(CASE.where(user, filters))
    if end:
        cases = cases.filter(opened_on__lte=end)
    if start:
        cases = cases.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))
    case_rows = _grouped(cases, CASE.unit(unit), ("stage", "pathway"), n=Count("id"))
    # 4. Repatriated (departed) per unit and month.
    repatriations = _period(
        Repatriation.objects.filter(REPATRIATION.where(user, filters), status__in=REPATRIATED_STATUSES),
        "trip__departure_on",
        filters,
    ).filter(trip__isnull=False)
    repatriation_rows = _grouped(
        repatriations, REPATRIATION.unit(unit), extra={"month": TruncMonth("trip__departure_on")}, n=Count("id")
    )
    # 5. Training completed per unit and month.
    completed = _period(
        Enrolment.objects.filter(ENROLMENT.where(user, filters), status=EnrolmentStatus.COMPLETED),
        "completed_on",
        filters,
    ).filter(completed_on__isnull=False)
    training_rows = _grouped(
        completed, ENROLMENT.unit(unit), extra={"month": TruncMonth("completed_on")}, n=Count("id")
    )
    # 6. Grants: people paid per unit, payments per month (the assistance ledger's entitlements).
    entitlement_where = ENTITLEMENT.where(user, filters)
    funded = budget.funded_people_by(ENTITLEMENT.unit(unit), where=entitlement_where, start=start, end=end)
    payments = budget.payments_by_month(where=entitlement_where, start=start, end=end)
    # 7. Follow-ups overdue on the day looked at, per unit.
    overdue_q = Q(due_on__lt=as_of) & (Q(done_on__isnull=True) | Q(done_on__gt=as_of))
    follow_up_rows = _grouped(
        FollowUp.objects.filter(FOLLOW_UP.where(user, filters)).filter(overdue_q), FOLLOW_UP.unit(unit), n=Count("id")
    )
    # 8. Follow-up actions overdue (decisions of meetings: no people in them).
    actions = FollowUpAction.objects.filter(ACTION.where(user, filters), due_on__lt=as_of).filter(
        Q(status=ActionStatus.OPEN) | Q(status=ActionStatus.DONE, done_on__gt=as_of)
    )
    if filters.programme is not None:
        actions = actions.filter(programme=filters.programme)
    elif filters.site is not None:
        actions = actions.filter(programme__in=ProgrammeSite.objects.filter(site=filters.site).values("programme_id"))
    overdue_actions = actions.count()
    # 9. Budget absorption (budget lines of the region; not divided per programme or site).
    years = (start.year if start else 1900, end.year if end else 9999) if filters.has_period else None
    budget_summary = budget.budget_summary(
        user, region_code=filters.region.code if filters.region else None, fiscal_years=years, until=end
    )

    # Per unit, per measure.
    per_unit: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    by_status: dict[str, int] = defaultdict(int)
    for row in site_rows:
        by_status[row["status"]] += row["n"]
        per_unit["sites"][row.get("unit")] += row["n"]
        if row["status"] in CLOSED_STATUSES:
            per_unit["closed"][row.get("unit")] += row["n"]
    for row in person_rows:
        per_unit["registered"][row.get("unit")] += row["n"] or 0
    stage_pathway: dict[tuple[str, str], int] = defaultdict(int)
    for row in case_rows:
        stage_pathway[(row["stage"], row["pathway"] or NO_PATHWAY)] += row["n"]
        per_unit["cases"][row.get("unit")] += row["n"]
    months: dict[str, dict[dt.date, int]] = {"repatriated": defaultdict(int), "trained": defaultdict(int)}
    for name, rows in (("repatriated", repatriation_rows), ("trained", training_rows)):
        for row in rows:
            per_unit[name][row.get("unit")] += row["n"]
            months[name][_month(row["month"])] += row["n"]
    for key, n in funded.items():
        per_unit["funded"][key] += n
    for row in follow_up_rows:
        per_unit["overdue"][row.get("unit")] += row["n"] or 0

    breakdown = _breakdown(user, filters, unit, per_unit, protect=protect)
    totals = dict(zip(BREAKDOWN_MEASURES, breakdown.totals, strict=True))

    statuses = list(SiteStatus.choices)
    sites_series = Series(
        title=_("Lokalisasi"),
        labels=[str(label) for _value, label in statuses],
        cells=[Cell(by_status.get(value, 0)) for value, _label in statuses],
        total=Cell(sum(by_status.values())),
        hrefs=[
            link(
                user, Perm.SITES_VIEW, "sites:list", status=value, region=filters.region.code if filters.region else ""
            )
            for value, _label in statuses
        ],
    )
    stages_table = _stage_table(user, stage_pathway, protect=protect)
    trend, trend_months = _trend(months, payments, protect=protect)

    kpis = [
        Figure(
            _("Lokalisasi"),
            Cell(sites_series.total.value),
            link(user, Perm.SITES_VIEW, "sites:list", region=filters.region.code if filters.region else ""),
            _("%(n)s ditutup atau dipantau") % {"n": totals["closed"].text},
        ),
        Figure(
            _("Penerima manfaat terdaftar"),
            totals["registered"],
            link(user, Perm.PEOPLE_VIEW, "people:list") if not totals["registered"].suppressed else None,
        ),
        Figure(
            _("Kasus"),
            totals["cases"],
            link(user, Perm.CASES_VIEW, "cases:list") if not totals["cases"].suppressed else None,
        ),
        Figure(
            _("Dipulangkan"),
            totals["repatriated"],
            link(user, Perm.CASES_VIEW, "repatriation:trip_list") if not totals["repatriated"].suppressed else None,
        ),
        Figure(
            _("Lulus pelatihan"),
            totals["trained"],
            link(user, Perm.TRAINING_VIEW, "training:course_list") if not totals["trained"].suppressed else None,
        ),
        Figure(
            _("Menerima bantuan"),
            totals["funded"],
            link(user, Perm.BUDGET_VIEW, "assistance:report") if not totals["funded"].suppressed else None,
        ),
        Figure(
            _("Bimbingan lanjut terlambat"),
            totals["overdue"],
            link(user, Perm.CASES_VIEW, "cases:followups_overdue") if not totals["overdue"].suppressed else None,
        ),
        Figure(
            _("Tindak lanjut rapat terlambat"),
            Cell(overdue_actions),
            link(user, Perm.PROGRAMMES_VIEW, "activities:action_list", overdue="1"),
        ),
    ]
    if budget_summary is not None:
        kpis.append(
            Figure(
                _("Serapan anggaran"),
                Cell(budget_summary.absorbed_percent),
                link(user, Perm.BUDGET_VIEW, "assistance:index"),
                _("dari pagu, sudah dibayarkan"),
                unit="%",
            )
        )
    return Dashboard(
        scope_label=scope_label(user, filters),
        level=region_level(region_code),
        unit=unit,
        protect=protect,
        as_of=as_of,
        filters=filters,
        kpis=kpis,
        sites_by_status=sites_series,
        stages=stages_table,
        trend=trend,
        trend_months=trend_months,
        breakdown=breakdown,
        budget=budget_summary,
    )


BREAKDOWN_MEASURES = ("sites", "closed", "registered", "cases", "repatriated", "trained", "funded", "overdue")
# Counts of people are protected; counts of sites are places, not people.
PEOPLE_MEASURES = frozenset({"registered", "cases", "repatriated", "trained", "funded", "overdue"})


def breakdown_columns() -> list[str]:
    return [
        _("Lokalisasi"),
        _("Ditutup"),
        _("Terdaftar"),
        _("Kasus"),
        _("Dipulangkan"),
        _("Lulus pelatihan"),
        _("Menerima bantuan"),
        _("Bimbingan lanjut terlambat"),
    ]


def _breakdown(user, filters: Filters, unit: str, per_unit, *, protect: bool) -> Breakdown:
    keys = set()
    for measure in BREAKDOWN_MEASURES:
        keys |= set(per_unit[measure])
    labels = _unit_labels(unit, keys)
    none_label = _("Tanpa lokalisasi") if unit == "site" else _("Tidak diketahui")
    ordered = sorted(keys, key=lambda k: (k is None, str(labels.get(k, k) or "")))
    columns = []
    for measure in BREAKDOWN_MEASURES:
        values = [per_unit[measure].get(k, 0) for k in ordered]
        columns.append(disclosure.column(values, protect=protect and measure in PEOPLE_MEASURES))
    rows = []
    for i, key in enumerate(ordered):
        if key is None:
            href = None
        elif unit == "site":
            href = link(user, Perm.DASHBOARD_VIEW, "reports:dashboard", site=key)
        else:
            href = link(user, Perm.DASHBOARD_VIEW, "reports:dashboard", region=key)
        cells = [col.cells[i] for col in columns]
        site_href = link(user, Perm.SITES_VIEW, "sites:detail", key) if unit == "site" and key else None
        rows.append(
            BreakdownRow(
                key=key,
                label=labels.get(key) or none_label,
                href=href,
                cells=cells,
                site_href=site_href,
            )
        )
    totals = [col.total for col in columns]
    return Breakdown(unit=unit, columns=breakdown_columns(), rows=rows, totals=totals)


def _stage_table(user, counts: dict[tuple[str, str], int], *, protect: bool) -> Table2D:
    stages = list(Stage.choices)
    pathways = [*Pathway.choices, (NO_PATHWAY, _("Belum ditentukan"))]
    values = [[counts.get((s, p), 0) for p, _l in pathways] for s, _l in stages]
    grid = disclosure.grid(values, protect=protect)

    def cases_link(**params):
        return link(user, Perm.CASES_VIEW, "cases:list", **params)

    hrefs = [
        [
            None if grid.cells[r][c].suppressed or not grid.cells[r][c].value else cases_link(stage=s, pathway=p)
            for c, (p, _l) in enumerate(pathways)
        ]
        for r, (s, _l) in enumerate(stages)
    ]
    return Table2D(
        title=_("Penerima manfaat menurut tahap dan jalur (kasus)"),
        row_labels=[str(label) for _v, label in stages],
        col_labels=[str(label) for _v, label in pathways],
        grid=grid,
        hrefs=hrefs,
        row_hrefs=[None if grid.row_totals[r].suppressed else cases_link(stage=s) for r, (s, _l) in enumerate(stages)],
        col_hrefs=[
            None if grid.col_totals[c].suppressed or not p else cases_link(pathway=p)
            for c, (p, _l) in enumerate(pathways)
        ],
    )


def _trend(months: dict, payments: dict, *, protect: bool) -> tuple[list[Series], list[str]]:
    """Month by month: repatriated, trained, paid — each column protected with its total."""
    all_months = sorted(set(months["repatriated"]) | set(months["trained"]) | set(payments))
    labels = [date_format(m, "M Y") for m in all_months]  # "Feb 2019", in the reader's language
    series = []
    sources = [
        (_("Dipulangkan"), months["repatriated"]),
        (_("Lulus pelatihan"), months["trained"]),
        (_("Pembayaran bantuan"), payments),
    ]
    for title, by_month in sources:
        col = disclosure.column([by_month.get(m, 0) for m in all_months], protect=protect)
        series.append(Series(title=title, labels=labels, cells=col.cells, total=col.total, keys=all_months))
    return series, labels


# --- Origin flows -----------------------------------------------------------------------------

# Rows shown per origin table before the rest is summed up as "others".
ORIGIN_ROWS = 25


@dataclass
class Origins:
    scope_label: str
    protect: bool
    unit: str
    classes: Series
    provinces: Series
    regencies: Series
    by_unit: Table2D
    destination_provinces: Series
    destination_regencies: Series

    def charts(self) -> dict:
        return {
            "origin-classes": self.classes.chart("doughnut"),
            "origin-provinces": self.provinces.chart("hbar"),
            "destination-provinces": self.destination_provinces.chart("hbar"),
        }


def _split(counts: dict, labels: dict, limit: int = ORIGIN_ROWS) -> tuple[list, list]:
    """Known codes largest first: the rows shown, and the tail summed up as "others"."""
    known = sorted(
        ((k, n) for k, n in counts.items() if k and n), key=lambda kv: (-kv[1], str(labels.get(kv[0], kv[0])))
    )
    return known[:limit], known[limit:]


class _Ranked:
    """One ranked table (regencies or provinces) as cells of a disclosure system: its rows, an
    "others" row standing for the tail (whose members stay latent, per province), the unknown
    row and the shared total."""

    def __init__(self, system, name: str, counts: dict, labels: dict, total_key, *, province_of):
        self.name, self.labels = name, labels
        head, tail = _split(counts, labels)
        self.rows = [(system.cell((name, code), n), str(labels.get(code, code)), code) for code, n in head]
        self.cells_by_code = {code: (name, code) for code, _n in head}
        members = [key for key, _label, _code in self.rows]
        self.others = None
        if tail:
            self.others = system.cell((name, "others"), sum(n for _c, n in tail))
            members.append(self.others)
            # The tail, summed per province: enough to tie "others" to the province table.
            tail_by_province: dict[str, int] = defaultdict(int)
            for code, n in tail:
                tail_by_province[province_of(code)] += n
            tail_keys = []
            for province, n in tail_by_province.items():
                key = system.cell((name, "tail", province), n, latent=True)
                self.cells_by_code.setdefault(("tail", province), key)
                tail_keys.append(key)
            system.line(tail_keys, self.others)
            self.tail_count = len(tail)
        self.unknown = system.cell((name, "unknown"), counts.get(None, 0))
        members.append(self.unknown)
        system.line(members, total_key)

    def series(self, title: str, solved: dict, total_key) -> Series:
        labels = [label for _key, label, _code in self.rows]
        keys = [key for key, _label, _code in self.rows]
        codes = [code for _key, _label, code in self.rows]
        if self.others is not None:
            labels.append(_("Lainnya (%(n)d wilayah)") % {"n": self.tail_count})
            keys.append(self.others)
            codes.append(None)
        if solved[self.unknown].value != 0:
            labels.append(_("Tidak diketahui"))
            keys.append(self.unknown)
            codes.append(None)
        return Series(title=title, labels=labels, cells=[solved[k] for k in keys], total=solved[total_key], keys=codes)


def _province_tie(system, regencies: _Ranked, provinces: _Ranked, *, extra: dict | None = None) -> None:
    """Each province = its kabupaten/kota shown + its share of "others" (+ its people whose
    kabupaten/kota is unknown, ``extra``): the equations a reader can write between the tables."""
    provinces_seen = {code[:2] for code in regencies.cells_by_code if isinstance(code, str)}
    provinces_seen |= {code[1] for code in regencies.cells_by_code if isinstance(code, tuple)}
    provinces_seen |= set(extra or {})
    for province in sorted(provinces_seen):
        members = [
            key for code, key in regencies.cells_by_code.items() if isinstance(code, str) and code[:2] == province
        ]
        tail = regencies.cells_by_code.get(("tail", province))
        if tail is not None:
            members.append(tail)
        if extra and province in extra:
            members.append(extra[province])
        total = provinces.cells_by_code.get(province) or provinces.cells_by_code.get(("tail", province))
        if total is None:
            continue
        system.line(members, total)


def origins(user, filters: Filters) -> Origins:
    """Where the people registered in the scope (by the end of the period) come from, and where
    repatriations went: four GROUP BY queries and two small ones (names, site regencies). All the
    origin tables are protected together, and so are the destination tables."""
    protect = protects(user, filters)
    unit = unit_for(user, filters)
    people = Person.objects.filter(PERSON.where(user, filters))
    if filters.end:
        people = people.filter(registered_at__date__lte=filters.end)
    with_class = people.annotate(
        origin_class=origin_class_expression(
            site_regency="registered_site__regency_code", site_province="registered_site__province_code"
        )
    )
    class_rows = _grouped(with_class, PERSON.unit(unit), ("origin_class",), n=Count("id"))
    origin_rows = people.order_by().values("origin_province_id", "origin_regency_id").annotate(n=Count("id"))
    repatriations = _period(
        Repatriation.objects.filter(REPATRIATION.where(user, filters), status__in=REPATRIATED_STATUSES),
        "trip__departure_on",
        filters,
    )
    destination_rows = list(repatriations.order_by().values("destination_regency_code").annotate(n=Count("id")))
    site_regencies = set(
        Site.objects.filter(SITE.where(user, filters)).order_by().values_list("regency_code", flat=True).distinct()
    )

    provinces: dict[str | None, int] = defaultdict(int)
    regencies: dict[str | None, int] = defaultdict(int)
    # People whose province is known but not their kabupaten/kota, per province.
    province_only: dict[str, int] = defaultdict(int)
    for row in origin_rows:
        regency, province = (
            row["origin_regency_id"],
            row["origin_province_id"] or (row["origin_regency_id"][:2] if row["origin_regency_id"] else None),
        )
        provinces[province] += row["n"]
        regencies[regency] += row["n"]
        if regency is None and province:
            province_only[province] += row["n"]
    destination_regencies = {row["destination_regency_code"] or None: row["n"] for row in destination_rows}
    destination_provinces: dict[str | None, int] = defaultdict(int)
    for code, n in destination_regencies.items():
        destination_provinces[code[:2] if code else None] += n
    codes = set(provinces) | set(regencies) | set(destination_regencies) | set(destination_provinces)
    names = dict(Region.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))

    class_values = [value for value, _label in OriginClass.choices]
    per_unit: dict[object, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in class_rows:
        per_unit[row.get("unit")][row["origin_class"]] += row["n"]
    unit_labels = _unit_labels(unit, per_unit)
    unit_keys = sorted(per_unit, key=lambda k: (k is None, str(unit_labels.get(k, k) or "")))
    total = sum(sum(by_class.values()) for by_class in per_unit.values())

    # --- One system for every origin table.
    system = disclosure.System()
    grand = system.cell("total", total)
    system.fixed.add(grand)
    for u in unit_keys:
        for c in class_values:
            system.cell(("grid", u, c), per_unit[u].get(c, 0))
        system.cell(("unit", u), sum(per_unit[u].values()))
        system.line([("grid", u, c) for c in class_values], ("unit", u))
    for c in class_values:
        system.cell(("class", c), sum(per_unit[u].get(c, 0) for u in unit_keys))
        system.line([("grid", u, c) for u in unit_keys], ("class", c))
    system.line([("unit", u) for u in unit_keys], grand)
    system.line([("class", c) for c in class_values], grand)
    # The people per unit are on the dashboard too (its "registered" column): the same marks here.
    unit_column = disclosure.column([sum(per_unit[u].values()) for u in unit_keys], protect=protect)
    if protect:
        system.frozen.update({("unit", u): cell.mark for u, cell in zip(unit_keys, unit_column.cells, strict=True)})
    regency_table = _Ranked(system, "regency", regencies, names, grand, province_of=lambda code: code[:2])
    province_table = _Ranked(system, "province", provinces, names, grand, province_of=lambda code: code)
    unknown_by_province = {p: system.cell(("province-only", p), n, latent=True) for p, n in province_only.items()}
    # People with a province but no kabupaten/kota, and those with neither, are the unknown row.
    system.line([*unknown_by_province.values(), province_table.unknown], regency_table.unknown)
    _province_tie(system, regency_table, province_table, extra=unknown_by_province)
    if len(site_regencies) == 1:
        # Every site in one kabupaten/kota: "local" is that kabupaten/kota's row, "same province"
        # the rest of its province, "unknown" the people without a province.
        (site_regency,) = site_regencies
        local_key = regency_table.cells_by_code.get(site_regency)
        if local_key is None:
            # Not among the rows shown: a latent part of its province's share of "others".
            local_n = regencies.get(site_regency, 0)
            local_key = system.cell(("regency", site_regency), local_n, latent=True)
            tail = regency_table.cells_by_code.get(("tail", site_regency[:2]))
            if tail is not None and local_n:
                rest = system.cell(("regency", "rest", site_regency[:2]), system.values[tail] - local_n, latent=True)
                system.line([local_key, rest], tail)
        system.line([local_key], ("class", OriginClass.LOCAL))
        province_key = province_table.cells_by_code.get(site_regency[:2]) or province_table.cells_by_code.get(
            ("tail", site_regency[:2])
        )
        if province_key is not None:
            system.line([("class", OriginClass.SAME_PROVINCE), local_key], province_key)
        system.line([province_table.unknown], ("class", OriginClass.UNKNOWN))
    solved = system.solve(protect=protect)

    classes = Series(
        title=_("Asal"),
        labels=[str(label) for _v, label in OriginClass.choices],
        cells=[solved[("class", c)] for c in class_values],
        total=solved[grand],
        keys=class_values,
    )
    grid = disclosure.Grid(
        cells=[[solved[("grid", u, c)] for c in class_values] for u in unit_keys],
        row_totals=[solved[("unit", u)] for u in unit_keys],
        col_totals=classes.cells,
        grand=solved[grand],
        suppressed_count=sum(1 for cell in solved.values() if cell.suppressed),
    )
    none_label = _("Tanpa lokalisasi") if unit == "site" else _("Tidak diketahui")
    by_unit = Table2D(
        title=_("Asal penghuni per %(unit)s") % {"unit": str(UNIT_LABELS[unit]).lower()},
        row_labels=[str(unit_labels.get(k) or none_label) for k in unit_keys],
        col_labels=[str(label) for _v, label in OriginClass.choices],
        grid=grid,
        row_hrefs=[
            link(user, Perm.DASHBOARD_VIEW, "reports:origins", **({"site": k} if unit == "site" else {"region": k}))
            if k
            else None
            for k in unit_keys
        ],
    )

    # --- And one for the destinations.
    destinations = disclosure.System()
    sent = destinations.cell("total", sum(destination_regencies.values()))
    destinations.fixed.add(sent)
    destination_regency_table = _Ranked(
        destinations, "regency", destination_regencies, names, sent, province_of=lambda code: code[:2]
    )
    destination_province_table = _Ranked(
        destinations, "province", destination_provinces, names, sent, province_of=lambda code: code
    )
    _province_tie(destinations, destination_regency_table, destination_province_table)
    solved_destinations = destinations.solve(protect=protect)

    result = Origins(
        scope_label=scope_label(user, filters),
        protect=protect,
        unit=unit,
        classes=classes,
        provinces=province_table.series(_("Provinsi asal"), solved, grand),
        regencies=regency_table.series(_("Kabupaten/kota asal"), solved, grand),
        by_unit=by_unit,
        destination_provinces=destination_province_table.series(
            _("Provinsi tujuan pemulangan"), solved_destinations, sent
        ),
        destination_regencies=destination_regency_table.series(
            _("Kabupaten/kota tujuan pemulangan"), solved_destinations, sent
        ),
    )
    return result
