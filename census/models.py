"""Census rounds (pendataan) per site: who was present in each round.

"New" and "left" are not stored: they follow from comparing a round with the site's previous
round, so they can never disagree with the presence lists.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundKind(models.TextChoices):
    INITIAL = "initial", _("Pendataan awal")
    VERIFICATION = "verification", _("Verifikasi")
    FINAL = "final", _("Pendataan akhir")
    OTHER = "other", _("Lainnya")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Berlangsung")
    CLOSED = "closed", _("Selesai")


class CensusRound(models.Model):
    site = models.ForeignKey(
        "sites.Site", on_delete=models.PROTECT, related_name="census_rounds", verbose_name=_("lokalisasi")
    )
    kind = models.CharField(_("jenis"), max_length=12, choices=RoundKind.choices)
    name = models.CharField(_("nama putaran"), max_length=120)
    held_on = models.DateField(_("tanggal pendataan"))
    status = models.CharField(_("status"), max_length=6, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["site", "held_on", "id"]
        verbose_name = _("putaran pendataan")
        verbose_name_plural = _("putaran pendataan")
        indexes = [models.Index(fields=["site", "held_on"])]

    def __str__(self) -> str:
        return f"{self.site} — {self.name}"

    def previous(self) -> CensusRound | None:
        return (
            CensusRound.objects.filter(site_id=self.site_id)
            .filter(models.Q(held_on__lt=self.held_on) | models.Q(held_on=self.held_on, id__lt=self.id))
            .order_by("-held_on", "-id")
            .first()
        )


class EntrySource(models.TextChoices):
    FORM = "form", _("Formulir")
    IMPORT = "import", _("Impor berkas")


class CensusEntry(models.Model):
    """One person counted present in one round."""

    round = models.ForeignKey(CensusRound, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="census_entries")
    source = models.CharField(max_length=6, choices=EntrySource.choices, default=EntrySource.FORM)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="one_entry_per_person_per_round")]
        indexes = [models.Index(fields=["person", "round"])]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.person_id}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Diunggah")
    PARSING = "parsing", _("Sedang dibaca")
    READY = "ready", _("Siap diperiksa")
    FAILED = "failed", _("Berkas tidak dapat dibaca")
    APPLIED = "applied", _("Diterapkan")
    CANCELLED = "cancelled", _("Dibatalkan")


class ImportBatch(models.Model):
    """An uploaded census file, checked row by row before anything is saved.

    The file and each parsed row hold identities, so both are stored encrypted and
    deleted once the batch is applied or cancelled."""

    round = models.ForeignKey(CensusRound, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=200)
    file_ciphertext = models.BinaryField(editable=False)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED, db_index=True)
    total_rows = models.PositiveIntegerField(default=0)
    rows_read = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    # File-level problem (wrong headers, not a spreadsheet): shown instead of the row table.
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)
    # What applying did, for the page after it: {"new": 12, "existing": 3, "added": 15, "already": 0}.
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    def audit_label(self) -> str:
        # The file name is typed by the user and could name a person: never in the audit log.
        return f"impor #{self.pk}"

    @property
    def progress_percent(self) -> int:
        return int(100 * self.rows_read / self.total_rows) if self.total_rows else 0


class RowStatus(models.TextChoices):
    OK = "ok", _("Baik")
    WARNING = "warning", _("Peringatan")
    ERROR = "error", _("Galat")


class Resolution(models.TextChoices):
    PENDING = "", _("Belum diputuskan")
    SAME = "same", _("Orang yang sama")
    DIFFERENT = "different", _("Orang yang berbeda")


class DuplicateReason(models.TextChoices):
    NIK = "nik", _("NIK sama")
    NAME_DOB = "name_dob", _("Nama dan tanggal lahir sama")
    CASE_CODE = "case_code", _("Kode kasus diisi")
    # Found by the matching engine: spelling, a typo or a date differ, so no blind index is equal.
    PROBABLE = "probable", _("Kemungkinan orang yang sama")


class ImportRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    status = models.CharField(max_length=7, choices=RowStatus.choices, db_index=True)
    # [{"column": "NIK", "level": "error", "message": "..."}]: no identity in messages.
    issues = models.JSONField(default=list)
    data_ciphertext = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duplicate_of_row = models.PositiveIntegerField(null=True, blank=True)
    duplicate_reason = models.CharField(max_length=120, blank=True, choices=DuplicateReason.choices)
    # Match probability (0..1) of a PROBABLE duplicate; empty for exact ones.
    duplicate_score = models.FloatField(null=True, blank=True)
    resolution = models.CharField(max_length=9, choices=Resolution.choices, default=Resolution.PENDING, blank=True)
    # Blind indexes of the row (as on Person) for finding duplicates within the file, chunk by chunk.
    nik_hash = models.CharField(max_length=40, blank=True)
    name_dob_hash = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="import_row_unique")]
        indexes = [
            models.Index(fields=["batch", "status"]),
            models.Index(fields=["batch", "nik_hash"]),
            models.Index(fields=["batch", "name_dob_hash"]),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_number}"

    @property
    def duplicate_percent(self) -> int | None:
        """The score as a whole percentage, rounded down (99.7 % is not "100 %")."""
        return None if self.duplicate_score is None else int(self.duplicate_score * 100)

    @property
    def needs_decision(self) -> bool:
        return bool(self.duplicate_of_id or self.duplicate_of_row) and self.resolution == Resolution.PENDING
