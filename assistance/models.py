"""Assistance and budget: budget lines, assistance programmes with declarative eligibility rules,
cycles, entitlement runs (propose → approve → disburse), and the append-only money ledger.

Money figures of a budget line are never typed in or cached: committed, disbursed and remaining
are sums over ``LedgerEntry`` (``assistance.ledger``). Every approval, payment, cancellation and
reversal appends entries while the budget line row is locked, so two approvals can never spend
the same rupiah. ``manage.py reconcile_budget`` checks the ledger against the entitlements.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}


class FundingSource(models.TextChoices):
    APBD_REGENCY = "apbd_kabkota", _("APBD kabupaten/kota")
    APBD_PROVINCE = "apbd_provinsi", _("APBD provinsi")
    APBN_KEMENSOS = "apbn_kemensos", _("APBN melalui Kemensos")
    OTHER = "other", _("Lainnya")


class BudgetLine(models.Model):
    """One line of a budget (mata anggaran) for one fiscal year, e.g. Kota Kupang's
    Rp 300.000.000 from APBD 2019 for repatriation."""

    code = models.CharField(_("kode rekening"), max_length=60)
    name = models.CharField(_("uraian"), max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(_("tahun anggaran"), db_index=True)
    source = models.CharField(_("sumber dana"), max_length=16, choices=FundingSource.choices)
    amount = models.DecimalField(_("pagu"), **MONEY)
    owner_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="budget_lines",
        verbose_name=_("pengelola"),
    )
    # The owner's region: who sees and manages the line (access.policy.scope_budget_lines).
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)
    # Receipt numbers run per budget line; taken under the same row lock as the payment.
    next_receipt_number = models.PositiveIntegerField(default=1, editable=False)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-fiscal_year", "code"]
        verbose_name = _("mata anggaran")
        verbose_name_plural = _("mata anggaran")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_organisation", "fiscal_year", "code"], name="budget_line_code_unique_per_owner_year"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.fiscal_year})"

    def audit_label(self) -> str:
        return str(self)[:200]


class AmountRule(models.TextChoices):
    FIXED = "fixed", _("Jumlah tetap per orang")
    PER_DAY = "per_day", _("Tarif per hari × jumlah hari")
    ACTUAL_CAPPED = "actual_capped", _("Biaya riil, paling banyak batas atas")


class AssistanceProgramme(models.Model):
    """E.g. "Dana PEM Kota Kupang 2019", "Paket bantuan Kemensos", "Transport pemulangan"."""

    name = models.CharField(_("nama program bantuan"), max_length=200)
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("mata anggaran")
    )
    description = models.TextField(_("keterangan"), blank=True)
    amount_rule = models.CharField(_("aturan jumlah"), max_length=16, choices=AmountRule.choices)
    # Fixed: the amount per person; per day: the daily rate; actual cost: the cap.
    amount = models.DecimalField(_("jumlah/tarif/batas atas"), **MONEY)
    days = models.PositiveSmallIntegerField(_("jumlah hari"), null=True, blank=True)
    # Optional breakdown printed on the receipt: [{"label": "Jaminan hidup 3 bulan", "amount": "1800000.00"}].
    components = models.JSONField(_("rincian"), default=list, blank=True)
    # The eligibility rule tree (assistance.rules): {"op": "and", "conditions": [...]}.
    eligibility = models.JSONField(_("syarat penerima"), default=dict, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("program bantuan")
        verbose_name_plural = _("program bantuan")
        constraints = [
            models.UniqueConstraint(fields=["budget_line", "name"], name="assistance_programme_name_unique_in_line"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="assistance_programme_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name[:200]

    @property
    def per_person_amount(self) -> Decimal | None:
        """The same for everyone (fixed, per day × days); None when it is each person's actual cost."""
        if self.amount_rule == AmountRule.FIXED:
            return self.amount
        if self.amount_rule == AmountRule.PER_DAY:
            return self.amount * (self.days or 0)
        return None


class Cycle(models.Model):
    """A period of a programme (e.g. "Tahap 1 2019"): one entitlement per person per cycle."""

    programme = models.ForeignKey(AssistanceProgramme, on_delete=models.PROTECT, related_name="cycles")
    name = models.CharField(_("nama siklus"), max_length=100)
    starts_on = models.DateField(_("mulai"))
    ends_on = models.DateField(_("selesai"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["programme", "-starts_on", "-id"]
        verbose_name = _("siklus")
        verbose_name_plural = _("siklus")
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="cycle_name_unique_in_programme"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="cycle_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name} — {self.name}"

    def audit_label(self) -> str:
        return str(self)[:200]


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", _("Diusulkan")
    APPROVED = "approved", _("Disetujui")
    CANCELLED = "cancelled", _("Dibatalkan")


class EntitlementRun(models.Model):
    """One proposal of entitlements for a cycle, approved as a whole by the head of Dinsos."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="runs")
    programme = models.ForeignKey(AssistanceProgramme, on_delete=models.PROTECT, related_name="runs")
    budget_line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PROPOSED, db_index=True
    )
    # The figures as proposed (the entitlements stay the record of what happened since).
    people_count = models.PositiveIntegerField(_("jumlah orang"), default=0)
    total_amount = models.DecimalField(_("jumlah usulan"), default=Decimal("0"), **MONEY)
    # The eligibility rule as it stood when the run was proposed: the proof of why these people.
    rule_snapshot = models.JSONField(default=dict, blank=True)
    proposed_at = models.DateTimeField(_("diusulkan pada"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("disetujui pada"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("alasan pembatalan"), max_length=300, blank=True)
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("usulan penerima")
        verbose_name_plural = _("usulan penerima")

    def __str__(self) -> str:
        return f"{self.cycle} #{self.pk}"

    def audit_label(self) -> str:
        return str(self)[:200]


class EntitlementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Diusulkan")
    APPROVED = "approved", _("Disetujui")
    DISBURSED = "disbursed", _("Dibayarkan")
    CANCELLED = "cancelled", _("Dibatalkan")
    REVERSED = "reversed", _("Pembayaran dibatalkan")


# An entitlement in one of these holds the person's place in the cycle.
ACTIVE_STATUSES = (EntitlementStatus.PROPOSED, EntitlementStatus.APPROVED, EntitlementStatus.DISBURSED)


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Tunai")
    TRANSFER = "transfer", _("Transfer bank")


class Entitlement(models.Model):
    """One person's assistance in one cycle. A run writes up to 100,000 of these in one statement
    and approving it updates them all: only the indexes the pages and checks use are kept (the
    composite ones below serve the foreign keys left without their own)."""

    run = models.ForeignKey(EntitlementRun, on_delete=models.PROTECT, related_name="entitlements", db_index=False)
    # Copies of the run's cycle, programme and budget line: the cycle so the database itself refuses a
    # second entitlement in it, the others for grouping without a join. Copies, so no foreign-key
    # constraint of their own (one check fewer per row of a 100,000-row run): the run's is enforced,
    # and ``reconcile_budget`` checks that every copy equals its run's.
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="entitlements", db_index=False, db_constraint=False
    )
    programme = models.ForeignKey(
        AssistanceProgramme,
        on_delete=models.PROTECT,
        related_name="entitlements",
        db_index=False,
        db_constraint=False,
    )
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="entitlements", db_constraint=False
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="entitlements", db_index=False)
    # The NIK blind index when known, else "p<person id>": the same NIK registered at two sites
    # is one person for the cycle (unique constraint below).
    identity_key = models.CharField(max_length=64)
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="entitlements", db_index=False)
    amount = models.DecimalField(_("jumlah"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=EntitlementStatus.choices, default=EntitlementStatus.PROPOSED
    )
    method = models.CharField(_("cara bayar"), max_length=8, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField(_("nomor referensi"), max_length=100, blank=True)
    paid_on = models.DateField(_("tanggal bayar"), null=True, blank=True)
    receipt_number = models.CharField(_("nomor kuitansi"), max_length=80, blank=True)
    disbursed_at = models.DateTimeField(null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Cancelled (before payment) or reversed (after): who, when, why.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    end_reason = models.CharField(_("alasan"), max_length=300, blank=True)
    # Entitlements are always reached through their run or by id, then scoped: no index needed.
    scope_region_code = models.CharField(max_length=13, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "id"]
        verbose_name = _("hak bantuan")
        verbose_name_plural = _("hak bantuan")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "person"],
                condition=models.Q(status__in=["proposed", "approved", "disbursed"]),
                name="one_entitlement_per_person_per_cycle",
            ),
            models.UniqueConstraint(
                fields=["cycle", "identity_key"],
                condition=models.Q(status__in=["proposed", "approved", "disbursed"]),
                name="one_entitlement_per_identity_per_cycle",
            ),
            models.UniqueConstraint(
                fields=["budget_line", "receipt_number"],
                condition=~models.Q(receipt_number=""),
                name="receipt_number_unique_in_line",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="entitlement_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["run", "status"]),
            models.Index(fields=["person", "programme"]),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.person_id}"

    def audit_label(self) -> str:
        # Case code and programme, never a name.
        return f"{self.person.case_code} — {self.programme.name}"[:200]


class LedgerKind(models.TextChoices):
    COMMIT = "commit", _("Komitmen (disetujui)")
    RELEASE = "release", _("Pelepasan komitmen (dibatalkan)")
    DISBURSE = "disburse", _("Pembayaran")
    REVERSE = "reverse", _("Pembatalan pembayaran")


class LedgerEntry(models.Model):
    """One money movement. Append-only: a mistake is corrected by a new entry (a release or a
    reversal, with a negative amount), never by editing one.

    Signs: commit +, release −, disburse +, reverse −. Hence, per budget line,
    committed = commit + release − disburse, disbursed = disburse + reverse,
    remaining = pagu − (commit + release + reverse).
    """

    kind = models.CharField(_("jenis"), max_length=8, choices=LedgerKind.choices)
    amount = models.DecimalField(_("jumlah"), **MONEY)
    # An approval appends one entry per person, up to 100,000 in one statement: indexed through the
    # composite indexes below (or not at all). Line, programme, site and person are copies of the
    # entitlement's, for totals without joins: the entitlement's foreign key is enforced, the copies
    # are checked by ``reconcile_budget`` instead of one constraint check each per row.
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False, db_constraint=False
    )
    programme = models.ForeignKey(
        AssistanceProgramme, on_delete=models.PROTECT, related_name="ledger_entries", db_constraint=False
    )
    site = models.ForeignKey(
        "sites.Site", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    # When it was recorded in Pulih…
    at = models.DateTimeField(_("waktu pencatatan"))
    # …and when it took effect: the payment date for a payment (a payment made in March 2019 and
    # recorded later belongs to March 2019), the recording day for the others. Reports by period use this.
    value_date = models.DateField(_("tanggal transaksi"))
    note = models.CharField(_("keterangan"), max_length=300, blank=True)
    scope_region_code = models.CharField(max_length=13, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("catatan buku kas")
        verbose_name_plural = _("buku kas bantuan")
        indexes = [
            models.Index(fields=["budget_line", "kind"]),
            models.Index(fields=["budget_line", "value_date"]),
            models.Index(fields=["entitlement", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.entitlement_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Ledger entries are append-only.")
