"""Figures from the ledger: committed, disbursed and remaining are sums over ``LedgerEntry``,
never typed in or cached, so a page, the approval check and the reconciliation all read the
same truth.

Signs (see ``LedgerEntry``): commit +, release −, disburse +, reverse −.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from .models import MONEY, LedgerEntry, LedgerKind

ZERO = Decimal("0")


def _sum(kind: str):
    return Coalesce(Sum("amount", filter=Q(kind=kind)), Value(ZERO), output_field=DecimalField(**MONEY))


SUMS = {
    "commit": _sum(LedgerKind.COMMIT),
    "release": _sum(LedgerKind.RELEASE),
    "disburse": _sum(LedgerKind.DISBURSE),
    "reverse": _sum(LedgerKind.REVERSE),
}


@dataclass(frozen=True)
class Totals:
    commit: Decimal = ZERO
    release: Decimal = ZERO
    disburse: Decimal = ZERO
    reverse: Decimal = ZERO

    @property
    def committed(self) -> Decimal:
        """Approved and not yet paid (a payment consumes its commitment)."""
        return self.commit + self.release - self.disburse

    @property
    def disbursed(self) -> Decimal:
        return self.disburse + self.reverse

    @property
    def used(self) -> Decimal:
        return self.committed + self.disbursed

    @classmethod
    def from_row(cls, row: dict | None) -> Totals:
        if not row:
            return cls()
        return cls(**{key: row.get(key) or ZERO for key in SUMS})

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(getattr(self, k) + getattr(other, k) for k in SUMS))


@dataclass(frozen=True)
class LineFigures:
    amount: Decimal
    totals: Totals

    @property
    def committed(self) -> Decimal:
        return self.totals.committed

    @property
    def disbursed(self) -> Decimal:
        return self.totals.disbursed

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.totals.used

    @property
    def used_percent(self) -> int:
        return int(self.totals.used * 100 / self.amount) if self.amount else 0


def totals(qs: QuerySet[LedgerEntry] | None = None) -> Totals:
    qs = LedgerEntry.objects.all() if qs is None else qs
    return Totals.from_row(qs.order_by().aggregate(**SUMS))


def totals_by(field: str, qs: QuerySet[LedgerEntry] | None = None) -> dict:
    """{value of ``field``: Totals} in one GROUP BY query."""
    qs = LedgerEntry.objects.all() if qs is None else qs
    rows = qs.order_by().values(field).annotate(**SUMS)
    return {row[field]: Totals.from_row(row) for row in rows}


def line_figures(budget_line) -> LineFigures:
    return LineFigures(budget_line.amount, totals(LedgerEntry.objects.filter(budget_line=budget_line)))


def figures_for_lines(lines) -> dict[int, LineFigures]:
    """Figures for many budget lines in one query."""
    lines = list(lines)
    by_line = totals_by("budget_line", LedgerEntry.objects.filter(budget_line__in=[line.pk for line in lines]))
    return {line.pk: LineFigures(line.amount, by_line.get(line.pk, Totals())) for line in lines}
