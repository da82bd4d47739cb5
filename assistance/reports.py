"""Finance report: committed, disbursed and remaining per budget line, programme, site and
province of origin — sums over the ledger, people counts from the entitlements.

Outside the Dinsos team (the Kemensos analyst sees aggregates only) small cells are coarsened:
1–4 people become "<5", and per-site / per-origin amounts of such cells are withheld, since a
fixed amount per person would give the count back (DOMAIN.md, "Small numbers identify").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from access import policy
from access.policy import Perm
from regions.models import Region
from sites.models import Site

from . import ledger
from .models import AssistanceProgramme, BudgetLine, Entitlement, EntitlementStatus, LedgerEntry

SMALL = 5
GROUPS = {
    "budget_line": ("budget_line", "budget_line"),
    "programme": ("programme", "programme"),
    "site": ("site", "site"),
    "origin": ("person__origin_province", "person__origin_province"),
}


@dataclass
class Row:
    key: object
    label: str
    committed: Decimal | None
    disbursed: Decimal | None
    paid_people: int | None
    waiting_people: int | None
    amount: Decimal | None = None
    remaining: Decimal | None = None
    small: bool = False
    extra: dict = field(default_factory=dict)


@dataclass
class Report:
    by: str
    rows: list[Row]
    total: Row
    coarsened: bool


def _labels(by: str, keys: set) -> dict:
    keys = {k for k in keys if k is not None}
    if by == "budget_line":
        return {line.pk: f"{line.code} — {line.name}" for line in BudgetLine.objects.filter(pk__in=keys)}
    if by == "programme":
        return dict(AssistanceProgramme.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "site":
        return dict(Site.objects.filter(pk__in=keys).values_list("pk", "name"))
    return dict(Region.objects.filter(code__in=keys).values_list("code", "name"))


def finance_report(user, *, by: str = "budget_line", fiscal_year: int | None = None) -> Report:
    """Four queries whatever the number of rows: lines, ledger sums, people counts, labels."""
    by = by if by in GROUPS else "budget_line"
    lines = policy.scope_budget_lines(user, BudgetLine.objects.all())
    if fiscal_year:
        lines = lines.filter(fiscal_year=fiscal_year)
    lines = list(lines.order_by("-fiscal_year", "code"))
    line_ids = [line.pk for line in lines]
    ledger_field, entitlement_field = GROUPS[by]
    sums = ledger.totals_by(ledger_field, LedgerEntry.objects.filter(budget_line__in=line_ids))
    counts = {
        row[entitlement_field]: row
        for row in Entitlement.objects.filter(budget_line__in=line_ids)
        .order_by()
        .values(entitlement_field)
        .annotate(
            paid=Count("pk", filter=Q(status=EntitlementStatus.DISBURSED)),
            waiting=Count("pk", filter=Q(status=EntitlementStatus.APPROVED)),
        )
    }
    keys = set(sums) | set(counts)
    if by == "budget_line":
        keys |= set(line_ids)
    labels = _labels(by, keys) if by != "budget_line" else {line.pk: f"{line.code} — {line.name}" for line in lines}
    coarsen = not policy.has_perm(user, Perm.ASSISTANCE_VIEW)
    amounts = {line.pk: line.amount for line in lines}
    rows = []
    for key in keys:
        totals = sums.get(key, ledger.Totals())
        count = counts.get(key, {})
        row = Row(
            key=key,
            label=labels.get(key) or _("Tidak diketahui"),
            committed=totals.committed,
            disbursed=totals.disbursed,
            paid_people=count.get("paid", 0),
            waiting_people=count.get("waiting", 0),
        )
        if by == "budget_line":
            row.amount = amounts[key]
            row.remaining = amounts[key] - totals.used
        if coarsen:
            _coarsen(row, hide_amounts=by in ("site", "origin"))
        rows.append(row)
    rows.sort(key=lambda r: r.label)
    grand = sum((sums.get(k, ledger.Totals()) for k in keys), ledger.Totals())
    total = Row(
        key=None,
        label=_("Jumlah"),
        committed=grand.committed,
        disbursed=grand.disbursed,
        paid_people=sum(c.get("paid", 0) for c in counts.values()),
        waiting_people=sum(c.get("waiting", 0) for c in counts.values()),
        amount=sum(amounts.values(), Decimal("0")) if by == "budget_line" else None,
    )
    if total.amount is not None:
        total.remaining = total.amount - grand.used
    if coarsen:
        _coarsen(total, hide_amounts=False)
    return Report(by=by, rows=rows, total=total, coarsened=coarsen)


def _coarsen(row: Row, *, hide_amounts: bool) -> None:
    small = any(0 < (n or 0) < SMALL for n in (row.paid_people, row.waiting_people))
    if not small:
        return
    row.small = True
    if row.paid_people and row.paid_people < SMALL:
        row.paid_people = None
    if row.waiting_people and row.waiting_people < SMALL:
        row.waiting_people = None
    if hide_amounts:
        row.committed = row.disbursed = None
