"""The monthly progress report for the level above: per site, the cases in each stage, people
registered, repatriated, trained and paid, and the region's budget — computed with one GROUP BY
per figure, then protected for publication (``reports.disclosure``) before anything is written.

The result is a plain JSON document (``figures``): the XLSX and the PDF are drawn from it, and a
stored report keeps it, so what was signed is exactly what the files say.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.models import Case, Stage
from people.models import Person
from programmes.models import ClosureProgramme, ProgrammeSite
from regions.models import Region, within_q
from repatriation.models import Repatriation
from sites.models import Site
from training.models import Enrolment, EnrolmentStatus

from . import budget, disclosure
from .selectors import REPATRIATED_STATUSES

FORMAT_VERSION = 1
WITHHELD = "–"


def parse_month(value: str | None) -> dt.date | None:
    """``2019-01`` → 1 January 2019; None for anything else."""
    try:
        year, month = (int(part) for part in (value or "").strip().split("-"))
        if 2000 <= year <= 2100:
            return dt.date(year, month, 1)
    except (TypeError, ValueError):
        pass
    return None


def month_last_day(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def month_label(first: dt.date) -> str:
    with translation.override("id"):
        return date_format(first, "F Y")


def _sites(region_code: str | None, programme: ClosureProgramme | None) -> list[tuple[int, str]]:
    qs = Site.objects.filter(within_q("region__code", region_code)) if region_code else Site.objects.all()
    if programme is not None:
        qs = qs.filter(pk__in=ProgrammeSite.objects.filter(programme=programme).values("site_id"))
    return list(qs.order_by("name", "pk").values_list("pk", "name"))


def _by_site(qs, site_field: str, **aggregates) -> dict[int, dict]:
    return {row[site_field]: row for row in qs.order_by().values(site_field).annotate(**aggregates)}


def build(*, region: Region | None, programme: ClosureProgramme | None, month: dt.date, protect: bool) -> dict:
    """The figures of one monthly report. ``region`` limits the sites (None: the whole country;
    a programme narrows them further); access has been checked by the caller."""
    first, last = month, month_last_day(month)
    region_code = region.code if region is not None else None
    sites = _sites(region_code, programme)
    site_ids = [pk for pk, _name in sites]

    # Cases active at some time in the month, by site and current stage.
    cases = Case.objects.filter(site_id__in=site_ids, opened_on__lte=last).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=first)
    )
    stage_counts: dict[tuple[int, str], int] = {
        (row["site_id"], row["stage"]): row["n"]
        for row in cases.order_by().values("site_id", "stage").annotate(n=Count("id"))
    }
    people = _by_site(
        Person.objects.filter(registered_site_id__in=site_ids, registered_at__date__lte=last),
        "registered_site_id",
        total=Count("id"),
        new=Count("id", filter=Q(registered_at__date__gte=first)),
    )
    repatriated = _by_site(
        Repatriation.objects.filter(
            case__site_id__in=site_ids, status__in=REPATRIATED_STATUSES, trip__departure_on__lte=last
        ),
        "case__site_id",
        total=Count("id"),
        month=Count("id", filter=Q(trip__departure_on__gte=first)),
    )
    trained = _by_site(
        Enrolment.objects.filter(case__site_id__in=site_ids, status=EnrolmentStatus.COMPLETED, completed_on__lte=last),
        "case__site_id",
        total=Count("id"),
        month=Count("id", filter=Q(completed_on__gte=first)),
    )
    site_q = Q(site_id__in=site_ids)
    funded_total = budget.funded_people_by("site_id", where=site_q, end=last)
    funded_month = budget.funded_people_by("site_id", where=site_q, start=first, end=last)
    disbursed = budget.disbursed_by("site", where=site_q, until=last)

    stages = list(Stage.choices)
    stage_grid = disclosure.grid(
        [[stage_counts.get((pk, s), 0) for s, _l in stages] for pk, _n in sites], protect=protect, width=len(stages)
    )

    progress_measures = [
        (_("Terdaftar (kumulatif)"), [people.get(pk, {}).get("total", 0) for pk, _n in sites]),
        (_("Terdaftar bulan ini"), [people.get(pk, {}).get("new", 0) for pk, _n in sites]),
        (_("Dipulangkan bulan ini"), [repatriated.get(pk, {}).get("month", 0) for pk, _n in sites]),
        (_("Dipulangkan (kumulatif)"), [repatriated.get(pk, {}).get("total", 0) for pk, _n in sites]),
        (_("Lulus pelatihan bulan ini"), [trained.get(pk, {}).get("month", 0) for pk, _n in sites]),
        (_("Lulus pelatihan (kumulatif)"), [trained.get(pk, {}).get("total", 0) for pk, _n in sites]),
        (_("Menerima bantuan bulan ini"), [funded_month.get(pk, 0) for pk, _n in sites]),
        (_("Menerima bantuan (kumulatif)"), [funded_total.get(pk, 0) for pk, _n in sites]),
    ]
    columns = [disclosure.column(values, protect=protect) for _label, values in progress_measures]
    # A fixed amount per person turns rupiah back into a count: withhold the amount wherever
    # the cumulative count of people paid is hidden (primary or complementary alike).
    funded_col = columns[-1]
    amounts = [
        WITHHELD if funded_col.cells[i].suppressed else str(disbursed.get(pk, Decimal("0")))
        for i, (pk, _n) in enumerate(sites)
    ]
    amount_total = str(sum((disbursed.get(pk, Decimal("0")) for pk, _n in sites), Decimal("0")))

    summary = budget.budget_summary(None, region_code=region_code, fiscal_years=(first.year, first.year), until=last)
    figures = {
        "version": FORMAT_VERSION,
        "scope_label": programme.name if programme is not None else (region.path if region else _("Seluruh Indonesia")),
        "region": region_code or "",
        "programme": programme.pk if programme is not None else None,
        "month": first.strftime("%Y-%m"),
        "month_label": month_label(first),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "protected": protect,
        "stages": {
            "columns": [str(label) for _v, label in stages],
            "rows": [
                {
                    "site": name,
                    "cells": [cell.export for cell in stage_grid.cells[i]],
                    "total": stage_grid.row_totals[i].export,
                }
                for i, (_pk, name) in enumerate(sites)
            ],
            "totals": [cell.export for cell in stage_grid.col_totals],
            "grand": stage_grid.grand.export,
        },
        "progress": {
            "columns": [str(label) for label, _values in progress_measures] + [_("Dana disalurkan (Rp, kumulatif)")],
            "rows": [
                {
                    "site": name,
                    "cells": [col.cells[i].export for col in columns] + [amounts[i]],
                }
                for i, (_pk, name) in enumerate(sites)
            ],
            "totals": [col.total.export for col in columns] + [amount_total],
        },
        "budget": _budget_figures(summary),
        "notes": _notes(protect),
    }
    return figures


def _budget_figures(summary: budget.BudgetSummary) -> dict:
    def row(item) -> dict:
        return {
            "amount": str(item.amount),
            "committed": str(item.committed),
            "disbursed": str(item.disbursed),
            "remaining": str(item.remaining),
            "percent": item.absorbed_percent,
        }

    return {
        "rows": [
            {"code": line.code, "name": line.name, "fiscal_year": line.fiscal_year, "source": line.source, **row(line)}
            for line in summary.lines
        ],
        "total": row(summary),
    }


def _notes(protect: bool) -> list[str]:
    notes = [
        _("Tahap kasus: kasus yang aktif dalam bulan ini, menurut tahapnya saat laporan dibuat."),
        _("Dipulangkan: menurut tanggal keberangkatan perjalanan; lulus pelatihan: menurut tanggal lulus."),
    ]
    if protect:
        notes.append(str(disclosure.NOTE))
        notes.append(_("Dana per lokalisasi tidak ditampilkan (–) bila jumlah penerimanya disembunyikan."))
    return notes
