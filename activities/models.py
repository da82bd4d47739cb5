"""Activities of a closure programme and the follow-up actions decided in them.

Joint patrols and enforcement operations are recorded as aggregate counts only: there is no
link from an activity to a person record, by design (DOMAIN.md "Do no harm")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    COORDINATION = "coordination", _("Rapat koordinasi (rakor)")
    SOCIALISATION = "socialisation", _("Sosialisasi")
    LAUNCH = "launch", _("Pencanangan")
    CLOSURE = "closure", _("Penutupan")
    ENFORCEMENT = "enforcement", _("Patroli/operasi bersama")
    MONITORING = "monitoring", _("Kunjungan pemantauan")
    OTHER = "other", _("Lainnya")


class Audience(models.TextChoices):
    MEDIA = "media", _("Media")
    PUBLIC = "public", _("Masyarakat umum")
    VILLAGE_HEADS = "village_heads", _("Kepala desa/lurah")
    WISMA_OWNERS = "wisma_owners", _("Pemilik wisma")
    RESIDENTS = "residents", _("Penghuni")
    GOVERNMENT = "government", _("OPD dan Forkopimda")
    PARTNERS = "partners", _("LSM/LKS")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    HELD = "held", _("Terlaksana")
    CANCELLED = "cancelled", _("Dibatalkan")


class Activity(models.Model):
    programme = models.ForeignKey(
        "programmes.ClosureProgramme", on_delete=models.PROTECT, related_name="activities", verbose_name=_("program")
    )
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="activities")
    kind = models.CharField(_("jenis kegiatan"), max_length=14, choices=ActivityKind.choices, db_index=True)
    title = models.CharField(_("judul"), max_length=200)
    starts_at = models.DateTimeField(_("mulai"), db_index=True)
    ends_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    venue = models.CharField(_("tempat"), max_length=200, blank=True)
    organiser = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="organised_activities",
        verbose_name=_("penyelenggara"),
    )
    participants = models.ManyToManyField(
        "organisations.Organisation", blank=True, related_name="activities", verbose_name=_("organisasi peserta")
    )
    audience = models.JSONField(_("sasaran"), default=list, blank=True)
    attendance_female = models.PositiveIntegerField(_("hadir perempuan"), default=0)
    attendance_male = models.PositiveIntegerField(_("hadir laki-laki"), default=0)
    minutes = models.TextField(_("notulen"), blank=True)
    decisions = models.TextField(_("keputusan"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED, db_index=True
    )
    # Copied from the programme for scoping lists and the calendar without a join.
    region_code = models.CharField(max_length=13, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("kegiatan")
        verbose_name_plural = _("kegiatan")
        indexes = [
            models.Index(fields=["programme", "kind", "status"]),
            models.Index(fields=["region_code", "starts_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def attendance_total(self) -> int:
        return self.attendance_female + self.attendance_male


class Attachment(models.Model):
    """Minutes, attendance lists, photos of an activity. Files live in the default storage under
    a random name (an uploaded file's own name may name someone); ``name`` is what users see."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="kegiatan/%Y/%m/")
    name = models.CharField(_("nama berkas"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(_("ukuran"), default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.name


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Belum selesai")
    DONE = "done", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class FollowUpAction(models.Model):
    """A decision of a meeting that someone must carry out by a date (tindak lanjut)."""

    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="actions", verbose_name=_("rapat")
    )
    programme = models.ForeignKey("programmes.ClosureProgramme", on_delete=models.PROTECT, related_name="actions")
    description = models.CharField(_("tindak lanjut"), max_length=300)
    owner_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("penanggung jawab"),
    )
    due_on = models.DateField(_("batas waktu"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN, db_index=True
    )
    done_on = models.DateField(_("tanggal selesai"), null=True, blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    region_code = models.CharField(max_length=13, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("tindak lanjut")
        verbose_name_plural = _("tindak lanjut")
        indexes = [models.Index(fields=["owner_organisation", "status", "due_on"])]

    def __str__(self) -> str:
        return self.description


class CalendarFeed(models.Model):
    """A user's secret iCalendar address, for calendar apps that cannot sign in.

    Only a SHA-256 of the token is stored: the address is shown once, when it is made. The feed
    is evaluated with the owner's role and scope at each fetch, so a changed role or a
    deactivated account takes effect at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feed kalender")
        verbose_name_plural = _("feed kalender")

    def __str__(self) -> str:
        return f"feed {self.pk}"

    def audit_label(self) -> str:
        return f"feed kalender {self.user.username}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
