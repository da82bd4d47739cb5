"""Writes: budget lines, programmes and their rules, cycles, and the life of an entitlement:
propose → approve (commit) → disburse → (reverse); or cancel (release).

Money rules:
- Every approval, payment, cancellation and reversal locks the budget line row
  (``select_for_update``) inside one transaction, reads the ledger and appends to it: two
  approvals at once are served one after the other, so the line can never go below zero.
- One person, one entitlement per cycle: database constraints on (cycle, person) and (cycle,
  NIK blind index), plus resolved duplicates checked once per run (``assistance.duplicates``).
- The ledger is append-only: corrections are new entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from lokal import format_rupiah

from access import policy
from access.policy import Perm
from audit.models import Action
from audit.services import audit_record

from . import bulk, ledger, rules, selectors
from .models import (
    AmountRule,
    AssistanceProgramme,
    BudgetLine,
    Cycle,
    Entitlement,
    EntitlementRun,
    EntitlementStatus,
    FundingSource,
    LedgerEntry,
    LedgerKind,
    PaymentMethod,
    RunStatus,
)

BULK = 2000
MAX_AMOUNT = Decimal("99999999999999.99")


def rp(value) -> str:
    return format_rupiah(Decimal(value), decimals=True)


# --- Budget lines ----------------------------------------------------------------------------


def _validate_budget_line(line: BudgetLine, *, actor) -> None:
    errors: dict[str, list[str]] = {}
    if not line.code.strip():
        errors["code"] = [_("Kode rekening wajib diisi.")]
    if not line.name.strip():
        errors["name"] = [_("Uraian wajib diisi.")]
    if line.source not in FundingSource.values:
        errors["source"] = [_("Sumber dana tidak dikenal.")]
    if not 2000 <= (line.fiscal_year or 0) <= timezone.localdate().year + 5:
        errors["fiscal_year"] = [_("Tahun anggaran tidak masuk akal.")]
    if line.amount is None or line.amount < 0 or line.amount > MAX_AMOUNT:
        errors["amount"] = [_("Pagu harus nol atau lebih.")]
    if not policy.can_create_budget_line_in(actor, line.owner_organisation.region_id):
        errors["owner_organisation"] = [_("Pengelola ini di luar cakupan wilayah Anda.")]
    duplicate = BudgetLine.objects.filter(
        owner_organisation=line.owner_organisation, fiscal_year=line.fiscal_year, code=line.code.strip()
    ).exclude(pk=line.pk)
    if duplicate.exists():
        errors["code"] = [_("Kode rekening ini sudah ada untuk pengelola dan tahun yang sama.")]
    if errors:
        raise ValidationError(errors)


def budget_line_create(*, actor, request=None, **fields) -> BudgetLine:
    if not policy.has_perm(actor, Perm.BUDGET_MANAGE):
        raise PermissionDenied
    line = BudgetLine(created_by=actor, **fields)
    line.code = line.code.strip()
    _validate_budget_line(line, actor=actor)
    line.scope_region_code = line.owner_organisation.region_id
    line.save()
    audit_record(Action.CREATE, request=request, actor=actor, obj=line, detail={"amount": str(line.amount)})
    return line


@transaction.atomic
def budget_line_update(*, actor, budget_line: BudgetLine, request=None, **fields) -> BudgetLine:
    """The owner and year stay; the amount may change (APBD-P) but never below what is used."""
    if not policy.can_manage_budget_line(actor, budget_line):
        raise PermissionDenied
    line = BudgetLine.objects.select_for_update().get(pk=budget_line.pk)
    before = {name: str(getattr(line, name)) for name in fields}
    for name, value in fields.items():
        setattr(line, name, value)
    line.code = line.code.strip()
    _validate_budget_line(line, actor=actor)
    used = ledger.line_figures(line).totals.used
    if line.amount < used:
        raise ValidationError(
            {"amount": [_("Pagu tidak boleh lebih kecil dari yang sudah terpakai (%(used)s).") % {"used": rp(used)}]}
        )
    line.save(update_fields=[*fields])
    changed = {k: [before[k], str(getattr(line, k))] for k in fields if before[k] != str(getattr(line, k))}
    audit_record(Action.UPDATE, request=request, actor=actor, obj=line, detail={"changed": changed})
    return line


# --- Programmes, rules, cycles ---------------------------------------------------------------


def parse_components(text: str) -> list[dict]:
    """ "Jaminan hidup 3 bulan = 1800000" per line → [{"label", "amount"}]."""
    components = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        label, sep, amount = line.rpartition("=")
        if not sep or not label.strip():
            raise ValidationError(
                {"components": [_("Baris %(n)d: tulis “uraian = jumlah”, mis. “UEP = 3000000”.") % {"n": number}]}
            )
        try:
            value = Decimal(amount.strip().replace("Rp", "").replace(".", "").replace(",", ".").strip())
        except InvalidOperation:
            raise ValidationError(
                {"components": [_("Baris %(n)d: jumlah “%(v)s” bukan angka.") % {"n": number, "v": amount.strip()}]}
            ) from None
        if value <= 0:
            raise ValidationError({"components": [_("Baris %(n)d: jumlah harus lebih dari nol.") % {"n": number}]})
        components.append({"label": label.strip()[:120], "amount": str(value.quantize(Decimal("0.01")))})
    return components


def components_text(components: list[dict]) -> str:
    return "\n".join(f"{c['label']} = {Decimal(c['amount']):.0f}" for c in components or [])


def _validate_programme(programme: AssistanceProgramme, *, actor) -> None:
    errors: dict[str, list[str]] = {}
    if not programme.name.strip():
        errors["name"] = [_("Nama program wajib diisi.")]
    if programme.amount_rule not in AmountRule.values:
        errors["amount_rule"] = [_("Aturan jumlah tidak dikenal.")]
    if programme.amount is None or programme.amount <= 0 or programme.amount > MAX_AMOUNT:
        errors["amount"] = [_("Jumlah harus lebih dari nol.")]
    if programme.amount_rule == AmountRule.PER_DAY:
        if not programme.days:
            errors["days"] = [_("Isi jumlah hari untuk tarif per hari.")]
    else:
        programme.days = None
    if programme.components:
        if programme.amount_rule == AmountRule.ACTUAL_CAPPED:
            errors["components"] = [_("Rincian hanya untuk jumlah tetap atau tarif per hari.")]
        elif "amount" not in errors and programme.per_person_amount is not None:
            parts = sum(Decimal(c["amount"]) for c in programme.components)
            if parts != programme.per_person_amount:
                errors["components"] = [
                    _("Jumlah rincian %(parts)s tidak sama dengan jumlah per orang %(total)s.")
                    % {"parts": rp(parts), "total": rp(programme.per_person_amount)}
                ]
    if not policy.in_region_scope(actor, programme.budget_line.scope_region_code):
        errors["budget_line"] = [_("Mata anggaran ini di luar cakupan wilayah Anda.")]
    duplicate = AssistanceProgramme.objects.filter(budget_line=programme.budget_line, name=programme.name.strip())
    if duplicate.exclude(pk=programme.pk).exists():
        errors["name"] = [_("Program dengan nama ini sudah ada pada mata anggaran yang sama.")]
    if errors:
        raise ValidationError(errors)


def programme_create(*, actor, request=None, **fields) -> AssistanceProgramme:
    if not policy.has_perm(actor, Perm.ASSISTANCE_MANAGE):
        raise PermissionDenied
    programme = AssistanceProgramme(created_by=actor, **fields)
    programme.name = programme.name.strip()
    _validate_programme(programme, actor=actor)
    programme.scope_region_code = programme.budget_line.scope_region_code
    programme.eligibility = rules.validate_rule(programme.eligibility)
    programme.save()
    audit_record(Action.CREATE, request=request, actor=actor, obj=programme)
    return programme


def programme_update(*, actor, programme: AssistanceProgramme, request=None, **fields) -> AssistanceProgramme:
    """The budget line and amount rule change only while nothing was proposed under the programme:
    entitlements already record what they were computed from."""
    if not policy.can_manage_assistance_programme(actor, programme):
        raise PermissionDenied
    locked = {"budget_line", "amount_rule", "amount", "days", "components"}
    has_runs = programme.runs.exists()
    if has_runs:
        changed = [
            name for name in locked & set(fields) if _comparable(fields[name]) != _comparable(getattr(programme, name))
        ]
        if changed:
            raise ValidationError(
                {
                    name: [_("Tidak dapat diubah: sudah ada usulan penerima untuk program ini. Buat program baru.")]
                    for name in changed
                }
            )
    for name, value in fields.items():
        setattr(programme, name, value)
    programme.name = programme.name.strip()
    _validate_programme(programme, actor=actor)
    programme.scope_region_code = programme.budget_line.scope_region_code
    programme.save(update_fields=[*fields, "scope_region_code", "updated_at"])
    audit_record(Action.UPDATE, request=request, actor=actor, obj=programme, detail={"fields": sorted(fields)})
    return programme


def _comparable(value):
    return getattr(value, "pk", value)


def programme_set_rule(*, actor, programme: AssistanceProgramme, rule, request=None) -> AssistanceProgramme:
    """Validate and store the eligibility rule. Runs already proposed keep their own snapshot."""
    if not policy.can_manage_assistance_programme(actor, programme):
        raise PermissionDenied
    normal = rules.validate_rule(rule)
    before = programme.eligibility
    programme.eligibility = normal
    programme.save(update_fields=["eligibility", "updated_at"])
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=programme,
        detail={"eligibility": {"before": before, "after": normal}},
    )
    return programme


def cycle_create(*, actor, programme: AssistanceProgramme, name: str, starts_on, ends_on, request=None) -> Cycle:
    if not policy.can_manage_assistance_programme(actor, programme):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Nama siklus wajib diisi.")]
    elif programme.cycles.filter(name=name).exists():
        errors["name"] = [_("Siklus dengan nama ini sudah ada.")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("Tanggal selesai tidak boleh sebelum tanggal mulai.")]
    if starts_on and starts_on.year != programme.budget_line.fiscal_year:
        errors["starts_on"] = [
            _("Siklus harus dimulai pada tahun anggaran %(year)d.") % {"year": programme.budget_line.fiscal_year}
        ]
    if errors:
        raise ValidationError(errors)
    cycle = Cycle.objects.create(programme=programme, name=name, starts_on=starts_on, ends_on=ends_on, created_by=actor)
    audit_record(Action.CREATE, request=request, actor=actor, obj=cycle)
    return cycle


# --- Entitlement runs --------------------------------------------------------------------------


def run_propose(*, actor, cycle: Cycle, request=None) -> EntitlementRun:
    """Propose everyone eligible now (who holds no place in the cycle yet) for approval. The
    database selects them and writes their entitlements in one statement."""
    programme = cycle.programme
    if not policy.can_propose_entitlements(actor, programme):
        raise PermissionDenied
    if not programme.is_active:
        raise ValidationError(_("Program ini tidak aktif."))
    now = timezone.now()
    try:
        with transaction.atomic(), bulk.no_jit():
            run = EntitlementRun.objects.create(
                cycle=cycle,
                programme=programme,
                budget_line=programme.budget_line,
                rule_snapshot=programme.eligibility or {},
                proposed_at=now,
                proposed_by=actor,
                scope_region_code=programme.scope_region_code,
            )
            inserted = bulk.insert_select(
                Entitlement,
                selectors.candidates(cycle),
                {"person": F("pk"), "identity_key": F("_key"), "site": F("registered_site_id"), "amount": F("_amount")},
                constants={
                    "run": run.pk,
                    "cycle": cycle.pk,
                    "programme": programme.pk,
                    "budget_line": programme.budget_line_id,
                    "status": EntitlementStatus.PROPOSED,
                    "method": "",
                    "reference": "",
                    "receipt_number": "",
                    "end_reason": "",
                    "scope_region_code": programme.scope_region_code,
                    "created_at": now,
                },
            )
            if not inserted:
                raise ValidationError(_("Tidak ada orang yang memenuhi syarat dan belum diusulkan pada siklus ini."))
            figures = run.entitlements.aggregate(n=Count("pk"), total=Sum("amount"))
            remaining = ledger.line_figures(programme.budget_line).remaining
            if figures["total"] > remaining:
                raise ValidationError(
                    _("Jumlah usulan %(total)s melebihi sisa anggaran %(remaining)s.")
                    % {"total": rp(figures["total"]), "remaining": rp(remaining)}
                )
            run.people_count, run.total_amount = figures["n"], figures["total"]
            run.save(update_fields=["people_count", "total_amount"])
    except IntegrityError:
        # Another proposal for the same cycle got there first: nobody is proposed twice.
        raise ValidationError(
            _("Sebagian orang baru saja diusulkan oleh pengguna lain pada siklus ini. Muat ulang pratinjau.")
        ) from None
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=run,
        detail={"people": run.people_count, "total": str(run.total_amount), "cycle": cycle.pk},
    )
    return run


def _locked_line(budget_line_id: int) -> BudgetLine:
    """The budget line row, locked until the end of the transaction: every money movement on
    it waits here, so the balance it reads next is the balance it changes."""
    return BudgetLine.objects.select_for_update().get(pk=budget_line_id)


def _entry(
    entitlement: Entitlement, kind: str, amount: Decimal, *, actor, at, note: str = "", value_date=None
) -> LedgerEntry:
    return LedgerEntry(
        kind=kind,
        amount=amount,
        budget_line_id=entitlement.budget_line_id,
        programme_id=entitlement.programme_id,
        site_id=entitlement.site_id,
        person_id=entitlement.person_id,
        entitlement_id=entitlement.pk,
        actor=actor,
        at=at,
        value_date=value_date or timezone.localdate(at),
        note=note[:300],
        scope_region_code=entitlement.scope_region_code,
    )


def run_approve(*, actor, run: EntitlementRun, request=None) -> EntitlementRun:
    """The head of Dinsos commits the money for every proposed entitlement of the run, all or
    nothing, if the budget line still has it."""
    if not policy.has_perm(actor, Perm.ENTITLEMENT_APPROVE) or not policy.in_region_scope(actor, run.scope_region_code):
        raise PermissionDenied
    if run.proposed_by_id == actor.pk:
        raise ValidationError(_("Usulan ini Anda sendiri yang membuat: persetujuan harus oleh pejabat lain."))
    now = timezone.now()
    with transaction.atomic():
        line = _locked_line(run.budget_line_id)
        run = EntitlementRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.PROPOSED:
            raise ValidationError(_("Usulan ini sudah %(status)s.") % {"status": run.get_status_display().lower()})
        pending = Entitlement.objects.filter(run=run, status=EntitlementStatus.PROPOSED)
        figures = pending.aggregate(n=Count("pk"), total=Sum("amount"))
        if not figures["n"]:
            raise ValidationError(_("Tidak ada penerima yang diusulkan dalam usulan ini."))
        total = figures["total"]
        remaining = ledger.line_figures(line).remaining
        if total > remaining:
            raise ValidationError(
                _("Sisa anggaran %(remaining)s tidak cukup untuk %(total)s. Tidak ada yang disetujui.")
                % {"remaining": rp(remaining), "total": rp(total)}
            )
        # One commit entry per entitlement, copied by the database in one statement.
        bulk.insert_select(
            LedgerEntry,
            pending,
            {
                "amount": F("amount"),
                "budget_line": F("budget_line_id"),
                "programme": F("programme_id"),
                "site": F("site_id"),
                "person": F("person_id"),
                "entitlement": F("pk"),
                "scope_region_code": F("scope_region_code"),
            },
            constants={
                "kind": LedgerKind.COMMIT,
                "actor": actor.pk,
                "at": now,
                "value_date": timezone.localdate(now),
                "note": _("Disetujui"),
            },
        )
        pending.update(status=EntitlementStatus.APPROVED)
        run.status = RunStatus.APPROVED
        run.approved_at = now
        run.approved_by = actor
        run.save(update_fields=["status", "approved_at", "approved_by"])
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=run,
            detail={"approved": figures["n"], "total": str(total), "remaining_before": str(remaining)},
        )
    return run


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Tuliskan alasannya (paling sedikit 5 huruf).")]})
    return reason[:300]


def _may_cancel(actor, entitlement_status: str, scope_region_code: str) -> bool:
    if not policy.in_region_scope(actor, scope_region_code):
        return False
    if entitlement_status == EntitlementStatus.PROPOSED:
        return policy.has_perm(actor, Perm.ENTITLEMENT_PROPOSE) or policy.has_perm(actor, Perm.ENTITLEMENT_APPROVE)
    # Money was committed: only the approver's role may release it.
    return policy.has_perm(actor, Perm.ENTITLEMENT_APPROVE)


def entitlement_cancel(*, actor, entitlement: Entitlement, reason: str, request=None) -> Entitlement:
    """Cancel before payment. An approved entitlement releases its commitment (a negative entry)."""
    reason = _check_reason(reason)
    now = timezone.now()
    with transaction.atomic():
        _locked_line(entitlement.budget_line_id)
        entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
        if entitlement.status not in (EntitlementStatus.PROPOSED, EntitlementStatus.APPROVED):
            raise ValidationError(
                _("Hak ini berstatus %(status)s: tidak dapat dibatalkan. Pembayaran dibatalkan lewat pembalikan.")
                % {"status": entitlement.get_status_display().lower()}
            )
        if not _may_cancel(actor, entitlement.status, entitlement.scope_region_code):
            raise PermissionDenied
        was = entitlement.status
        if was == EntitlementStatus.APPROVED:
            _entry(entitlement, LedgerKind.RELEASE, -entitlement.amount, actor=actor, at=now, note=reason).save()
        entitlement.status = EntitlementStatus.CANCELLED
        entitlement.ended_at, entitlement.ended_by, entitlement.end_reason = now, actor, reason
        entitlement.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=entitlement,
            detail={"status": [was, entitlement.status], "reason": reason},
        )
    return entitlement


def run_cancel(*, actor, run: EntitlementRun, reason: str, request=None) -> EntitlementRun:
    """Cancel what is not paid yet: proposed ones, and approved ones (their money released).
    The run itself is cancelled when nothing of it was paid."""
    reason = _check_reason(reason)
    now = timezone.now()
    with transaction.atomic():
        _locked_line(run.budget_line_id)
        run = EntitlementRun.objects.select_for_update().get(pk=run.pk)
        if run.status == RunStatus.CANCELLED:
            raise ValidationError(_("Usulan ini sudah dibatalkan."))
        open_ = Entitlement.objects.select_for_update().filter(
            run=run, status__in=(EntitlementStatus.PROPOSED, EntitlementStatus.APPROVED)
        )
        statuses = set(open_.values_list("status", flat=True))
        if not statuses and run.status == RunStatus.APPROVED:
            raise ValidationError(_("Semua hak dalam usulan ini sudah dibayar atau dibatalkan."))
        for status in statuses or {EntitlementStatus.PROPOSED}:
            if not _may_cancel(actor, status, run.scope_region_code):
                raise PermissionDenied
        approved = list(open_.filter(status=EntitlementStatus.APPROVED))
        LedgerEntry.objects.bulk_create(
            (_entry(e, LedgerKind.RELEASE, -e.amount, actor=actor, at=now, note=reason) for e in approved),
            batch_size=BULK,
        )
        count = open_.update(status=EntitlementStatus.CANCELLED, ended_at=now, ended_by=actor, end_reason=reason)
        if not run.entitlements.filter(status__in=(EntitlementStatus.DISBURSED, EntitlementStatus.REVERSED)).exists():
            run.status = RunStatus.CANCELLED
        run.cancelled_at, run.cancelled_by, run.cancel_reason = now, actor, reason
        run.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=run,
            detail={"cancelled": count, "released": len(approved), "reason": reason},
        )
    return run


def _validate_payment(method: str, reference: str, paid_on: dt.date | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if method not in PaymentMethod.values:
        errors["method"] = [_("Pilih cara bayar.")]
    if method == PaymentMethod.TRANSFER and not reference.strip():
        errors["reference"] = [_("Isi nomor referensi transfer bank.")]
    if paid_on is None:
        errors["paid_on"] = [_("Isi tanggal bayar.")]
    elif paid_on > timezone.localdate():
        errors["paid_on"] = [_("Tanggal bayar tidak boleh di masa depan.")]
    return errors


def entitlements_disburse(
    *,
    actor,
    entitlements: Iterable[Entitlement],
    method: str,
    reference: str = "",
    paid_on: dt.date | None,
    request=None,
) -> list[Entitlement]:
    """Record payment of approved entitlements (cash or bank transfer), each with its receipt
    number. The commitment becomes a disbursement; nothing is paid twice."""
    if not policy.has_perm(actor, Perm.DISBURSE):
        raise PermissionDenied
    errors = _validate_payment(method, reference, paid_on)
    if errors:
        raise ValidationError(errors)
    ids = sorted({e.pk for e in entitlements})
    if not ids:
        raise ValidationError(_("Pilih hak yang akan dibayar."))
    now = timezone.now()
    paid: list[Entitlement] = []
    with transaction.atomic():
        line_ids = sorted(set(Entitlement.objects.filter(pk__in=ids).values_list("budget_line_id", flat=True)))
        # Lines locked in id order: two payments touching the same lines never deadlock.
        lines = {pk: _locked_line(pk) for pk in line_ids}
        locked = list(Entitlement.objects.select_for_update().filter(pk__in=ids).select_related("person", "programme"))
        for entitlement in locked:
            if not policy.can_disburse(actor, entitlement):
                raise PermissionDenied
            if entitlement.status != EntitlementStatus.APPROVED:
                raise ValidationError(
                    _("%(code)s: berstatus %(status)s, tidak dapat dibayar.")
                    % {"code": entitlement.person.case_code, "status": entitlement.get_status_display().lower()}
                )
        for line in lines.values():
            due = sum((e.amount for e in locked if e.budget_line_id == line.pk), Decimal("0"))
            committed = ledger.line_figures(line).committed
            if committed < due:
                # Only possible if the ledger was tampered with: refuse rather than pay.
                raise ValidationError(
                    _("Komitmen pada mata anggaran %(code)s (%(committed)s) kurang dari yang dibayar (%(due)s). "
                      "Jalankan rekonsiliasi.")
                    % {"code": line.code, "committed": rp(committed), "due": rp(due)}
                )  # fmt: skip
        entries = []
        for entitlement in sorted(locked, key=lambda e: e.person.case_code):
            line = lines[entitlement.budget_line_id]
            entitlement.receipt_number = f"KW/{line.fiscal_year}/{line.pk}/{line.next_receipt_number:05d}"
            line.next_receipt_number += 1
            entitlement.status = EntitlementStatus.DISBURSED
            entitlement.method = method
            entitlement.reference = reference.strip()[:100]
            entitlement.paid_on = paid_on
            entitlement.disbursed_at, entitlement.disbursed_by = now, actor
            entries.append(
                _entry(entitlement, LedgerKind.DISBURSE, entitlement.amount, actor=actor, at=now, value_date=paid_on)
            )
            paid.append(entitlement)
        LedgerEntry.objects.bulk_create(entries, batch_size=BULK)
        Entitlement.objects.bulk_update(
            paid,
            ["receipt_number", "status", "method", "reference", "paid_on", "disbursed_at", "disbursed_by"],
            batch_size=BULK,
        )
        for line in lines.values():
            line.save(update_fields=["next_receipt_number"])
        for entitlement in paid:
            audit_record(
                Action.UPDATE,
                request=request,
                actor=actor,
                obj=entitlement,
                detail={
                    "disbursed": str(entitlement.amount),
                    "method": method,
                    "receipt": entitlement.receipt_number,
                },
            )
    return paid


def entitlement_reverse(*, actor, entitlement: Entitlement, reason: str, request=None) -> Entitlement:
    """A payment that did not reach the person (returned transfer, paid in error): a negative
    entry restores the budget line. The person may be proposed again in the same cycle."""
    reason = _check_reason(reason)
    now = timezone.now()
    with transaction.atomic():
        _locked_line(entitlement.budget_line_id)
        entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
        if not policy.can_disburse(actor, entitlement):
            raise PermissionDenied
        if entitlement.status != EntitlementStatus.DISBURSED:
            raise ValidationError(_("Hanya pembayaran yang sudah tercatat yang dapat dibalik."))
        _entry(entitlement, LedgerKind.REVERSE, -entitlement.amount, actor=actor, at=now, note=reason).save()
        entitlement.status = EntitlementStatus.REVERSED
        entitlement.ended_at, entitlement.ended_by, entitlement.end_reason = now, actor, reason
        entitlement.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=entitlement,
            detail={"status": ["disbursed", "reversed"], "reversed": str(entitlement.amount), "reason": reason},
        )
    return entitlement
