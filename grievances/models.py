"""Grievances (pengaduan): complaints and suggestions from residents, wisma owners or the
community. A named complainant's name and contact are identity: encrypted, revealed through the
policy like a resident's."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("Datang langsung")
    PHONE = "phone", _("Telepon")
    WHATSAPP = "whatsapp", _("WhatsApp/SMS")
    LETTER = "letter", _("Surat")
    MEDIA = "media", _("Media massa/media sosial")
    MEETING = "meeting", _("Dalam rapat/sosialisasi")
    OTHER = "other", _("Lainnya")


class Category(models.TextChoices):
    COMPLAINT = "complaint", _("Keluhan")
    SUGGESTION = "suggestion", _("Saran")
    QUESTION = "question", _("Pertanyaan")
    REPORT = "report", _("Laporan kejadian")


class FromGroup(models.TextChoices):
    RESIDENT = "resident", _("Penghuni")
    WISMA_OWNER = "wisma_owner", _("Pemilik wisma")
    COMMUNITY = "community", _("Masyarakat")
    ORGANISATION = "organisation", _("Organisasi/lembaga")
    OTHER = "other", _("Lainnya")


class GrievanceStatus(models.TextChoices):
    NEW = "new", _("Baru")
    IN_PROGRESS = "in_progress", _("Ditangani")
    ANSWERED = "answered", _("Sudah dijawab")
    CLOSED = "closed", _("Selesai")


class Grievance(models.Model):
    programme = models.ForeignKey(
        "programmes.ClosureProgramme", on_delete=models.PROTECT, null=True, blank=True, related_name="grievances"
    )
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reference = models.CharField(_("nomor pengaduan"), max_length=24, unique=True)
    received_on = models.DateField(_("tanggal diterima"), db_index=True)
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("kategori"), max_length=10, choices=Category.choices)
    from_group = models.CharField(_("pengadu"), max_length=12, choices=FromGroup.choices)
    anonymous = models.BooleanField(_("anonim"), default=True)
    # Name and contact of a named complainant, encrypted (people.crypto); empty when anonymous.
    complainant_ciphertext = models.TextField(blank=True, editable=False)
    summary = models.TextField(_("isi pengaduan"))
    handler_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("penangan")
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("petugas penangan"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=GrievanceStatus.choices, default=GrievanceStatus.NEW, db_index=True
    )
    due_on = models.DateField(_("batas waktu jawaban"), db_index=True)
    response = models.TextField(_("tanggapan"), blank=True)
    responded_on = models.DateField(_("tanggal dijawab"), null=True, blank=True)
    closed_on = models.DateField(_("tanggal selesai"), null=True, blank=True)
    region_code = models.CharField(max_length=13, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("pengaduan")
        verbose_name_plural = _("pengaduan")
        indexes = [models.Index(fields=["region_code", "status", "due_on"])]

    def __str__(self) -> str:
        return self.reference
