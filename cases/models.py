"""Case management (Kemensos casework stages), assessments, plans, services, referrals and
transfers (Primero's model), and follow-ups after repatriation or closure.

Narrative text written by case workers (work history, family situation, notes) can name people:
it is stored encrypted like identity (``*_ciphertext``) and read through ``cases.narrative``.
A case's region scope is its *responsible organisation's* region: a transfer moves the case,
with its history, into the receiving Dinsos's scope.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    FIRST_APPROACH = "first_approach", _("Pendekatan awal")
    ASSESSMENT = "assessment", _("Asesmen")
    PLAN = "plan", _("Rencana intervensi")
    INTERVENTION = "intervention", _("Intervensi")
    REINTEGRATION = "reintegration", _("Reintegrasi")
    TERMINATION = "termination", _("Terminasi")
    FOLLOW_UP = "follow_up", _("Bimbingan lanjut")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Aktif")
    CLOSED = "closed", _("Ditutup")


class ClosingReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Tujuan tercapai")
    TRANSFERRED_OUT = "transferred", _("Dialihkan dan diterima daerah lain")
    MOVED = "moved", _("Pindah, tidak dapat dihubungi")
    DECLINED = "declined", _("Menolak layanan")
    DECEASED = "deceased", _("Meninggal dunia")
    DUPLICATE = "duplicate", _("Kasus ganda")
    OTHER = "other", _("Lainnya")


class Pathway(models.TextChoices):
    REPATRIATION = "repatriation", _("Pemulangan ke daerah asal")
    LOCAL_EMPOWERMENT = "local_empowerment", _("Pemberdayaan di daerah setempat")
    REHAB_CENTRE = "rehab_centre", _("Rehabilitasi di UPT/balai provinsi")
    CHILD_PROTECTION = "child_protection", _("Perlindungan anak")
    TRAFFICKING_SERVICES = "trafficking_services", _("Layanan korban TPPO")
    OTHER = "other", _("Lainnya")


class ServiceKind(models.TextChoices):
    TRAINING = "training", _("Pelatihan keterampilan")
    HEALTH_REFERRAL = "health", _("Rujukan layanan kesehatan")
    PSYCHOSOCIAL = "psychosocial", _("Dukungan psikososial")
    CIVIL_DOCUMENTS = "civil_documents", _("Dokumen kependudukan (KTP/KK)")
    LEGAL_AID = "legal_aid", _("Bantuan hukum")
    SHELTER = "shelter", _("Rumah aman/penampungan")
    CHILD_PROTECTION = "child_protection", _("Layanan perlindungan anak")
    TRAFFICKING_VICTIM = "trafficking_victim", _("Layanan korban TPPO")
    OTHER = "other", _("Lainnya")


class Case(models.Model):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    # "5371-KD-0042/1": the person's case code and the case's number for that person.
    number = models.CharField(_("nomor kasus"), max_length=32, unique=True)
    responsible_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("Dinas Sosial penanggung jawab"),
    )
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)
    case_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("pekerja sosial"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_cases",
        verbose_name=_("supervisor"),
    )
    stage = models.CharField(
        _("tahap"), max_length=16, choices=Stage.choices, default=Stage.FIRST_APPROACH, db_index=True
    )
    status = models.CharField(
        _("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True
    )
    # The current plan's pathway, kept here for lists and statistics without a join.
    pathway = models.CharField(_("jalur"), max_length=24, choices=Pathway.choices, blank=True, db_index=True)
    opened_on = models.DateField(_("tanggal dibuka"))
    closed_on = models.DateField(_("tanggal ditutup"), null=True, blank=True, db_index=True)
    closing_reason = models.CharField(_("alasan penutupan"), max_length=12, choices=ClosingReason.choices, blank=True)
    # When the case entered its current stage: the caseload sorts long-stalled cases up.
    stage_changed_on = models.DateField(_("tahap sejak"), null=True, blank=True)
    # A child or trafficking flag requires a referral of this service kind by this date
    # (cases.rules); the requirement is met once such a referral exists.
    required_referral_kind = models.CharField(
        _("rujukan wajib"), max_length=20, choices=ServiceKind.choices, blank=True
    )
    required_referral_by = models.DateField(_("batas rujukan wajib"), null=True, blank=True)
    # Optimistic locking: every change increments it; a save with a stale version is a conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("kasus")
        verbose_name_plural = _("kasus")
        indexes = [
            models.Index(fields=["case_worker", "status", "stage"]),
            models.Index(fields=["scope_region_code", "status"]),
            models.Index(fields=["responsible_organisation", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="open"), name="one_open_case_per_person"
            )
        ]

    def __str__(self) -> str:
        return self.number


class Wish(models.TextChoices):
    GO_HOME = "go_home", _("Pulang ke daerah asal")
    STAY_AND_TRAIN = "stay_train", _("Tinggal dan ikut pelatihan")
    OTHER = "other", _("Lainnya")
    UNDECIDED = "undecided", _("Belum memutuskan")


class Assessment(models.Model):
    """Versioned: a new assessment never overwrites an earlier one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    version = models.PositiveSmallIntegerField()
    assessed_on = models.DateField(_("tanggal asesmen"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    needs = models.JSONField(_("kebutuhan"), default=list, blank=True)
    wish = models.CharField(_("keinginan"), max_length=10, choices=Wish.choices, default=Wish.UNDECIDED)
    dependent_children = models.PositiveSmallIntegerField(_("anak tanggungan"), null=True, blank=True)
    has_ktp = models.BooleanField(_("memiliki KTP"), null=True, blank=True)
    has_kk = models.BooleanField(_("memiliki KK"), null=True, blank=True)
    # A referral need only — never a diagnosis (health data is specific personal data, UU PDP Pasal 4).
    health_referral_needed = models.BooleanField(_("perlu rujukan layanan kesehatan"), default=False)
    risk_flags = models.JSONField(_("tanda risiko"), default=list, blank=True)
    # Skills and work history, family situation, wishes in her words, notes: encrypted JSON.
    narrative_ciphertext = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="assessment_version_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version}"


class CasePlan(models.Model):
    """Versioned intervention plan; the newest is the current one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField()
    pathway = models.CharField(_("jalur"), max_length=24, choices=Pathway.choices)
    goals = models.TextField(_("tujuan"), blank=True)
    # Why the pathway was forced (child/trafficking), shown on the plan.
    forced_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} plan v{self.version}"


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    IN_PROGRESS = "in_progress", _("Berjalan")
    COMPLETED = "completed", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class Service(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("jenis layanan"), max_length=20, choices=ServiceKind.choices, db_index=True)
    provider = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services_provided",
        verbose_name=_("penyedia"),
    )
    planned_start = models.DateField(_("rencana mulai"), null=True, blank=True)
    planned_end = models.DateField(_("rencana selesai"), null=True, blank=True)
    started_on = models.DateField(_("mulai"), null=True, blank=True)
    ended_on = models.DateField(_("selesai"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED, db_index=True
    )
    outcome = models.CharField(_("hasil"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "planned_start", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"


class ReferralKind(models.TextChoices):
    REFERRAL = "referral", _("Rujukan layanan")
    TRANSFER = "transfer", _("Pengalihan tanggung jawab")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu jawaban")
    ACCEPTED = "accepted", _("Diterima")
    DECLINED = "declined", _("Ditolak")
    WITHDRAWN = "withdrawn", _("Ditarik")
    COMPLETED = "completed", _("Selesai")


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", _("Persetujuan orang yang bersangkutan")
    GUARDIAN = "guardian", _("Persetujuan wali (anak)")
    OVERRIDE = "override", _("Keputusan supervisor tanpa persetujuan")


class Referral(models.Model):
    """A referral shares the case with another organisation for one service; a transfer hands
    the whole case to another Dinsos. Both need consent or a supervisor's recorded override."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("jenis"), max_length=8, choices=ReferralKind.choices, db_index=True)
    service_kind = models.CharField(_("layanan"), max_length=20, choices=ServiceKind.choices, blank=True)
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals")
    from_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("organisasi tujuan"),
    )
    reason = models.TextField(_("alasan/kebutuhan"))
    # Which parts of the case the receiver may see (need to know): e.g. ["identity", "assessment"].
    shared_fields = models.JSONField(_("data yang dibagikan"), default=list, blank=True)
    consent_basis = models.CharField(_("dasar berbagi"), max_length=10, choices=ConsentBasis.choices)
    consent_record = models.ForeignKey(
        "people.ConsentRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(_("alasan tanpa persetujuan"), max_length=300, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Legal deadline for the receiver's response (7 days for trafficking victims, UU 21/2007).
    respond_by = models.DateField(_("batas jawaban"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING, db_index=True
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(_("alasan penolakan"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["to_organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id} → {self.to_organisation_id}"


class FollowUpOutcome(models.TextChoices):
    WORKING = "working", _("Bekerja/berusaha")
    IN_TRAINING = "in_training", _("Sedang pelatihan")
    IN_SCHOOL = "in_school", _("Bersekolah")
    MOVED = "moved", _("Pindah tempat tinggal")
    UNREACHABLE = "unreachable", _("Tidak dapat dihubungi")
    # Worded with care: a fact for the plan, never a judgement.
    RETURNED = "returned", _("Kembali ke pekerjaan semula")
    OTHER = "other", _("Lainnya")


class FollowUp(models.Model):
    """Bimbingan lanjut at 1, 3, 6 and 12 months after repatriation or closure."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    months_after = models.PositiveSmallIntegerField(_("bulan ke"))
    due_on = models.DateField(_("jadwal"), db_index=True)
    done_on = models.DateField(_("dilaksanakan"), null=True, blank=True)
    outcome = models.CharField(_("hasil"), max_length=12, choices=FollowUpOutcome.choices, blank=True)
    note_ciphertext = models.TextField(blank=True, editable=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copied from the case so the overdue list of the responsible Dinsos needs no join.
    scope_region_code = models.CharField(max_length=13, db_index=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "months_after"], name="follow_up_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.months_after}m"


class CaseNote(models.Model):
    """Case history: every change of stage, worker, plan, referral, as one line, plus free notes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=16, default="note")
    summary = models.CharField(max_length=300)
    text_ciphertext = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.summary
