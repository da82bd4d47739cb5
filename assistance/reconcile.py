"""Does every rupiah add up? The ledger against the entitlements, at every level.

What each entitlement's status says the ledger must hold for it (A = its amount):

    proposed   nothing                       approved  commit A
    disbursed  commit A, disburse A          reversed  commit A, disburse A, reverse −A
    cancelled  nothing, or commit A and release −A (cancelled after approval)

Checked per entitlement, then as totals per budget line, programme and site (committed and
disbursed from the ledger = what the entitlements' statuses say), plus: every entry's line,
programme, site and person are its entitlement's; signs are right; no line is overspent.
A handful of GROUP BY queries, whatever the size of the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lokal import format_rupiah

from . import ledger
from .bulk import no_jit
from .models import BudgetLine, Entitlement, EntitlementStatus, LedgerEntry, LedgerKind

ZERO = Decimal("0")


def rp(value) -> str:
    return format_rupiah(Decimal(value), decimals=True)


@dataclass
class Result:
    lines: list[tuple[BudgetLine, ledger.LineFigures]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    entitlements_checked: int = 0
    entries_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _expected(status: str, amount: Decimal, got: ledger.Totals) -> bool:
    """Does the ledger of one entitlement match its status?"""
    if status == EntitlementStatus.PROPOSED:
        return got == ledger.Totals()
    if status == EntitlementStatus.APPROVED:
        return got == ledger.Totals(commit=amount)
    if status == EntitlementStatus.DISBURSED:
        return got == ledger.Totals(commit=amount, disburse=amount)
    if status == EntitlementStatus.REVERSED:
        return got == ledger.Totals(commit=amount, disburse=amount, reverse=-amount)
    if status == EntitlementStatus.CANCELLED:
        return got in (ledger.Totals(), ledger.Totals(commit=amount, release=-amount))
    return False


def _expected_by(field_name: str) -> dict:
    """{group: (committed, disbursed)} as the entitlements' statuses say."""
    rows = (
        Entitlement.objects.order_by()
        .values(field_name)
        .annotate(
            committed=Sum("amount", filter=Q(status=EntitlementStatus.APPROVED)),
            disbursed=Sum("amount", filter=Q(status=EntitlementStatus.DISBURSED)),
        )
    )
    return {row[field_name]: (row["committed"] or ZERO, row["disbursed"] or ZERO) for row in rows}


LEVELS = (
    ("budget_line", gettext_lazy("mata anggaran")),
    ("programme", gettext_lazy("program")),
    ("site", gettext_lazy("lokalisasi")),
)


def reconcile(*, limit: int = 50) -> Result:
    """Every difference found (the first ``limit`` per kind are listed)."""
    with no_jit():
        return _reconcile(limit)


def _reconcile(limit: int) -> Result:
    result = Result()
    lines = list(BudgetLine.objects.order_by("fiscal_year", "code"))
    figures = ledger.figures_for_lines(lines)
    for line in lines:
        fig = figures[line.pk]
        result.lines.append((line, fig))
        if fig.remaining < 0:
            result.problems.append(
                _("Mata anggaran %(code)s (TA %(year)d) terlampaui: terpakai %(used)s dari pagu %(amount)s.")
                % {"code": line.code, "year": line.fiscal_year, "used": rp(fig.totals.used), "amount": rp(line.amount)}
            )
        if fig.committed < 0 or fig.disbursed < 0:
            result.problems.append(
                _("Mata anggaran %(code)s: komitmen %(c)s atau pembayaran %(d)s negatif.")
                % {"code": line.code, "c": rp(fig.committed), "d": rp(fig.disbursed)}
            )

    # Signs and denormalised columns of each entry.
    wrong_sign = LedgerEntry.objects.filter(
        Q(kind__in=(LedgerKind.COMMIT, LedgerKind.DISBURSE), amount__lte=0)
        | Q(kind__in=(LedgerKind.RELEASE, LedgerKind.REVERSE), amount__gte=0)
    )
    for entry_id, kind in wrong_sign.values_list("pk", "kind")[:limit]:
        result.problems.append(
            _("Catatan buku kas #%(id)d (%(kind)s): tanda jumlahnya salah.") % {"id": entry_id, "kind": kind}
        )
    mismatched = LedgerEntry.objects.exclude(
        budget_line=F("entitlement__budget_line"),
        programme=F("entitlement__programme"),
        site=F("entitlement__site"),
        person=F("entitlement__person"),
    )
    for entry_id, entitlement_id in mismatched.values_list("pk", "entitlement_id")[:limit]:
        result.problems.append(
            _("Catatan buku kas #%(id)d: mata anggaran, program, lokalisasi atau orangnya bukan milik hak #%(e)d.")
            % {"id": entry_id, "e": entitlement_id}
        )
    result.entries_checked = LedgerEntry.objects.count()
    copies = Entitlement.objects.exclude(
        cycle=F("run__cycle"), programme=F("run__programme"), budget_line=F("run__budget_line")
    )
    for entitlement_id, run_id in copies.values_list("pk", "run_id")[:limit]:
        result.problems.append(
            _("Hak #%(id)d: siklus, program atau mata anggarannya bukan milik usulan #%(run)d.")
            % {"id": entitlement_id, "run": run_id}
        )

    # Each entitlement against its own entries.
    by_entitlement = ledger.totals_by("entitlement")
    listed = 0
    rows = Entitlement.objects.order_by("pk").values_list("pk", "status", "amount", "person__case_code")
    seen: set[int] = set()
    for pk, status, amount, case_code in rows.iterator(chunk_size=5000):
        seen.add(pk)
        got = by_entitlement.get(pk, ledger.Totals())
        if not _expected(status, amount, got):
            listed += 1
            if listed <= limit:
                result.problems.append(
                    _("Hak #%(id)d (%(code)s) berstatus %(status)s %(amount)s, tetapi buku kas mencatat komitmen "
                      "%(committed)s dan pembayaran %(disbursed)s.")
                    % {
                        "id": pk,
                        "code": case_code,
                        "status": EntitlementStatus(status).label.lower(),
                        "amount": rp(amount),
                        "committed": rp(got.committed),
                        "disbursed": rp(got.disbursed),
                    }
                )  # fmt: skip
    if listed > limit:
        result.problems.append(_("… dan %(n)d hak lain yang tidak cocok.") % {"n": listed - limit})
    result.entitlements_checked = len(seen)

    # Totals per budget line, programme and site.
    for field_name, label in LEVELS:
        from_ledger = ledger.totals_by(field_name)
        expected = _expected_by(field_name)
        for key in sorted(set(from_ledger) | set(expected), key=str):
            got = from_ledger.get(key, ledger.Totals())
            want_committed, want_disbursed = expected.get(key, (ZERO, ZERO))
            if (got.committed, got.disbursed) != (want_committed, want_disbursed):
                result.problems.append(
                    _("Jumlah per %(level)s #%(key)s tidak cocok: buku kas komitmen %(c)s / dibayar %(d)s, "
                      "menurut status hak %(wc)s / %(wd)s.")
                    % {
                        "level": label,
                        "key": key,
                        "c": rp(got.committed),
                        "d": rp(got.disbursed),
                        "wc": rp(want_committed),
                        "wd": rp(want_disbursed),
                    }
                )  # fmt: skip
    return result
