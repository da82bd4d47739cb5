"""The people registry (penerima manfaat).

Identity (name, aliases, NIK, KK, place and date of birth, phone, origin address) is one
encrypted blob, readable only through ``people.identity`` which checks the policy and audits.
Everything else here is non-identifying and kept in clear for statistics. Exact lookups use
keyed hashes (blind indexes), never plain values.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "P", _("Perempuan")
    MALE = "L", _("Laki-laki")


class Education(models.TextChoices):
    NONE = "none", _("Tidak/belum sekolah")
    SD = "sd", _("SD/sederajat")
    SMP = "smp", _("SMP/sederajat")
    SMA = "sma", _("SMA/SMK/sederajat")
    HIGHER = "higher", _("Diploma/Sarjana")
    UNKNOWN = "unknown", _("Tidak diketahui")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Belum kawin")
    MARRIED = "married", _("Kawin")
    DIVORCED = "divorced", _("Cerai hidup")
    WIDOWED = "widowed", _("Cerai mati")
    UNKNOWN = "unknown", _("Tidak diketahui")


class LegalBasis(models.TextChoices):
    """UU 27/2022 Pasal 20."""

    CONSENT = "consent", _("Persetujuan")
    LEGAL_OBLIGATION = "legal_obligation", _("Kewajiban hukum")
    VITAL_INTEREST = "vital_interest", _("Pelindungan kepentingan vital")
    PUBLIC_TASK = "public_task", _("Pelaksanaan tugas pelayanan publik")


class OriginClass(models.TextChoices):
    LOCAL = "local", _("Warga kabupaten/kota setempat")
    SAME_PROVINCE = "same_province", _("Dari kabupaten/kota lain di provinsi yang sama")
    OTHER_PROVINCE = "other_province", _("Dari provinsi lain")
    UNKNOWN = "unknown", _("Tidak diketahui")


class Person(models.Model):
    case_code = models.CharField(_("kode kasus"), max_length=24, unique=True)
    identity_ciphertext = models.TextField(editable=False)
    # Blind indexes (HMAC under PULIH_INDEX_KEY): exact NIK lookup and duplicate checks.
    nik_hash = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    name_dob_hash = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    phone_hash = models.CharField(max_length=40, blank=True, db_index=True, editable=False)

    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("tahun lahir"), null=True, blank=True, db_index=True)
    origin_province = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provinsi asal"),
    )
    origin_regency = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kabupaten/kota asal"),
    )
    education = models.CharField(_("pendidikan"), max_length=8, choices=Education.choices, default=Education.UNKNOWN)
    marital_status = models.CharField(
        _("status perkawinan"), max_length=9, choices=MaritalStatus.choices, default=MaritalStatus.UNKNOWN
    )
    dependent_children = models.PositiveSmallIntegerField(_("jumlah anak tanggungan"), null=True, blank=True)

    legal_basis = models.CharField(
        _("dasar pemrosesan"), max_length=16, choices=LegalBasis.choices, default=LegalBasis.PUBLIC_TASK
    )
    # Current consent to share with partners; the history is in ConsentRecord.
    share_consent = models.BooleanField(_("setuju dibagikan ke mitra"), null=True, blank=True)

    is_child = models.BooleanField(_("anak (di bawah 18)"), default=False, db_index=True)
    trafficking_indicators = models.JSONField(_("indikator TPPO"), default=list, blank=True)
    trafficking_flag = models.BooleanField(_("indikasi TPPO"), default=False, db_index=True)

    # Where the person was registered; the region code decides who may see the record.
    registered_site = models.ForeignKey(
        "sites.Site", on_delete=models.PROTECT, related_name="registered_people", verbose_name=_("lokalisasi")
    )
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the record is anonymised at the end of retention: identity gone, statistics kept.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case_code"]
        verbose_name = _("penerima manfaat")
        verbose_name_plural = _("penerima manfaat")
        # Foreign keys are indexed already; this one serves the per-site list ordered by case code.
        indexes = [models.Index(fields=["registered_site", "case_code"])]

    def __str__(self) -> str:
        return self.case_code

    def audit_label(self) -> str:
        return self.case_code


class NameToken(models.Model):
    """Keyed hash of one canonical name token (from the full name or an alias).
    Lets "sri rahayu" find a person without a plain name anywhere in the database."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_tokens")
    token_hash = models.CharField(max_length=40, db_index=True)
    is_alias = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["token_hash", "person"])]
        constraints = [models.UniqueConstraint(fields=["person", "token_hash", "is_alias"], name="name_token_unique")]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.token_hash[:8]}"


class ConsentKind(models.TextChoices):
    SHARE_WITH_PARTNERS = "share", _("Berbagi data dengan mitra")
    PROCESSING = "processing", _("Pemrosesan data")


class ConsentRecord(models.Model):
    """Append-only history of consent and legal basis (UU PDP Pasal 22, 24: provable)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=10, choices=ConsentKind.choices)
    legal_basis = models.CharField(max_length=16, choices=LegalBasis.choices, blank=True)
    given = models.BooleanField(null=True)
    recorded_on = models.DateField(_("tanggal"))
    withdrawn_on = models.DateField(_("tanggal penarikan"), null=True, blank=True)
    # A child's consent is given by a guardian (UU PDP Pasal 25).
    by_guardian = models.BooleanField(_("oleh wali"), default=False)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.given}"


class AlertKind(models.TextChoices):
    CHILD = "child", _("Anak (di bawah 18)")
    TRAFFICKING = "trafficking", _("Indikasi perdagangan orang (TPPO)")


class SafeguardingAlert(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=12, choices=AlertKind.choices, db_index=True)
    reason = models.CharField(max_length=300)
    raised_at = models.DateTimeField(auto_now_add=True, db_index=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copied from the person for scoping the supervisor's alert list without a join.
    scope_region_code = models.CharField(max_length=13, db_index=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="one_open_alert_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id}"


class SubjectRequestKind(models.TextChoices):
    """The data subject's rights under UU PDP: see (and get a copy of), correct, and delete."""

    ACCESS = "access", _("Melihat/meminta salinan data")
    CORRECTION = "correction", _("Memperbaiki data")
    DELETION = "deletion", _("Menghapus data")


class SubjectRequestChannel(models.TextChoices):
    IN_PERSON = "in_person", _("Datang langsung")
    CASE_WORKER = "case_worker", _("Melalui pekerja sosial")
    LETTER = "letter", _("Surat")
    PHONE = "phone", _("Telepon/WhatsApp")
    EMAIL = "email", _("Surel")
    PROXY = "proxy", _("Melalui wali/kuasa")
    OTHER = "other", _("Lainnya")


class SubjectRequestStatus(models.TextChoices):
    OPEN = "open", _("Belum dijawab")
    ANSWERED = "answered", _("Dijawab")
    # A refusal with its reason is an answer too (e.g. deletion under a legal hold).
    REFUSED = "refused", _("Ditolak dengan alasan")


class SubjectRequest(models.Model):
    """A person's request to see, correct or delete their data, answered within 3×24 hours
    (UU PDP Pasal 32). Notes must not carry identity: they are blanked at anonymisation."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="subject_requests")
    kind = models.CharField(_("jenis permintaan"), max_length=10, choices=SubjectRequestKind.choices)
    channel = models.CharField(_("saluran"), max_length=12, choices=SubjectRequestChannel.choices)
    received_at = models.DateTimeField(_("diterima"))
    due_at = models.DateTimeField(_("batas jawaban"), db_index=True)
    note = models.CharField(_("catatan permintaan"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=SubjectRequestStatus.choices,
        default=SubjectRequestStatus.OPEN,
        db_index=True,
    )
    answered_at = models.DateTimeField(_("dijawab"), null=True, blank=True)
    answer_note = models.CharField(_("jawaban"), max_length=1000, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("permintaan subjek data")
        verbose_name_plural = _("permintaan subjek data")
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"

    def audit_label(self) -> str:
        # The case code and the kind of request, never a name.
        return f"{self.person.case_code} · {self.get_kind_display()}"
