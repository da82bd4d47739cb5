"""Budget absorption and grants from the assistance ledger.

The assistance app owns the money (``assistance.ledger``: committed, disbursed and remaining are
sums over its append-only ledger). Reports only read its totals, through these functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from access import policy
from assistance import ledger
from assistance.models import BudgetLine, Entitlement, EntitlementStatus, LedgerEntry
from regions.models import within_q

ZERO = Decimal("0")


@dataclass(frozen=True)
class LineRow:
    pk: int
    code: str
    name: str
    fiscal_year: int
    source: str
    amount: Decimal
    committed: Decimal
    disbursed: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed - self.disbursed

    @property
    def absorbed_percent(self) -> int:
        """Disbursed out of the ceiling (pagu): the absorption reported upwards."""
        return int(self.disbursed * 100 / self.amount) if self.amount else 0


@dataclass(frozen=True)
class BudgetSummary:
    lines: list[LineRow]

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def committed(self) -> Decimal:
        return sum((line.committed for line in self.lines), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum((line.disbursed for line in self.lines), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed - self.disbursed

    @property
    def absorbed_percent(self) -> int:
        return int(self.disbursed * 100 / self.amount) if self.amount else 0


def _effective(qs, *, start: dt.date | None = None, until: dt.date | None = None):
    """Ledger entries that took effect in the period, by their value date: a payment made in
    March and recorded in April belongs to March."""
    if start is not None:
        qs = qs.filter(value_date__gte=start)
    if until is not None:
        qs = qs.filter(value_date__lte=until)
    return qs


def budget_summary(
    user, *, region_code: str | None, fiscal_years: tuple[int, int] | None, until: dt.date | None
) -> BudgetSummary:
    """Budget lines in the user's scope (and ``region_code``), with the ledger's totals up to the
    end of ``until``: two queries. ``user`` None: no
    scope (the scheduled monthly report, whose caller chose the region)."""

    # No user: the scheduled monthly report, whose caller decided the region.
    lines = BudgetLine.objects.filter(policy.report_region_q(user, "scope_region_code") if user is not None else Q())
    if region_code:
        lines = lines.filter(within_q("scope_region_code", region_code))
    if fiscal_years:
        lines = lines.filter(fiscal_year__gte=fiscal_years[0], fiscal_year__lte=fiscal_years[1])
    lines = list(lines.order_by("-fiscal_year", "code").values("pk", "code", "name", "fiscal_year", "source", "amount"))
    entries = _effective(LedgerEntry.objects.filter(budget_line__in=[line["pk"] for line in lines]), until=until)
    totals = ledger.totals_by("budget_line", entries) if lines else {}
    rows = []
    for line in lines:
        t = totals.get(line["pk"]) or ledger.Totals()
        rows.append(
            LineRow(
                pk=line["pk"],
                code=line["code"],
                name=line["name"],
                fiscal_year=line["fiscal_year"],
                source=line["source"],
                amount=line["amount"],
                committed=t.committed,
                disbursed=t.disbursed,
            )
        )
    return BudgetSummary(rows)


def funded_people_by(group, *, where: Q, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """{group value: people paid} (one GROUP BY; ``group`` None: {None: total}). A person counts
    once per group, however many payments."""

    qs = Entitlement.objects.filter(where, status=EntitlementStatus.DISBURSED)
    if start:
        qs = qs.filter(paid_on__gte=start)
    if end:
        qs = qs.filter(paid_on__lte=end)
    if group is None:
        return {None: qs.aggregate(n=Count("person", distinct=True))["n"] or 0}
    rows = qs.order_by().values(g=_expr(group)).annotate(n=Count("person", distinct=True))
    return {row["g"]: row["n"] for row in rows}


def payments_by_month(*, where: Q, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """{first day of month: payments} of disbursed entitlements (one GROUP BY)."""

    qs = Entitlement.objects.filter(where, status=EntitlementStatus.DISBURSED, paid_on__isnull=False)
    if start:
        qs = qs.filter(paid_on__gte=start)
    if end:
        qs = qs.filter(paid_on__lte=end)
    rows = qs.order_by().values(m=TruncMonth("paid_on")).annotate(n=Count("pk"))
    return {_as_date(row["m"]): row["n"] for row in rows}


def disbursed_by(group: str, *, where: Q, until: dt.date | None = None, start: dt.date | None = None) -> dict:
    """{group value: rupiah disbursed (payments net of reversals)} from the ledger, one GROUP BY."""

    qs = _effective(LedgerEntry.objects.filter(where), start=start, until=until)
    return {key: totals.disbursed for key, totals in ledger.totals_by(group, qs).items()}


def _expr(group):
    """A field name or an expression (e.g. the first two digits of a region code)."""
    return F(group) if isinstance(group, str) else group


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
