"""Skills training (e.g. UPT RSBKW Kediri: tata rias, tata boga, tata busana; about 4 months,
about 60 places): courses, enrolment from case plans, waiting list, attendance, completion,
certificate and the tool kit handed over at the end."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Skill(models.TextChoices):
    BEAUTY = "tata_rias", _("Tata rias")
    CATERING = "tata_boga", _("Tata boga")
    TAILORING = "tata_busana", _("Tata busana")
    HANDICRAFT = "kerajinan", _("Kerajinan tangan")
    LAUNDRY = "laundry", _("Usaha laundry")
    SMALL_BUSINESS = "usaha_kecil", _("Kewirausahaan/usaha kecil")
    OTHER = "other", _("Lainnya")


class Course(models.Model):
    name = models.CharField(_("nama pelatihan"), max_length=200)
    skill = models.CharField(_("keterampilan"), max_length=12, choices=Skill.choices, db_index=True)
    provider = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="courses", verbose_name=_("penyelenggara")
    )
    starts_on = models.DateField(_("mulai"))
    ends_on = models.DateField(_("selesai"))
    capacity = models.PositiveSmallIntegerField(_("kuota"), default=60)
    place = models.CharField(_("tempat"), max_length=200)
    toolkit = models.CharField(_("paket alat usaha"), max_length=200, blank=True)
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("pelatihan")
        verbose_name_plural = _("pelatihan")

    def __str__(self) -> str:
        return self.name


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Peserta")
    WAITING = "waiting", _("Daftar tunggu")
    COMPLETED = "completed", _("Lulus")
    DROPPED = "dropped", _("Tidak menyelesaikan")
    WITHDRAWN = "withdrawn", _("Dibatalkan")


class Enrolment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices, db_index=True)
    # Position on the waiting list (first come, first served); null once enrolled.
    waiting_position = models.PositiveIntegerField(null=True, blank=True)
    enrolled_on = models.DateField(_("tanggal daftar"))
    completed_on = models.DateField(_("tanggal lulus"), null=True, blank=True)
    certificate_number = models.CharField(_("nomor sertifikat"), max_length=60, blank=True)
    toolkit_handed_on = models.DateField(_("alat usaha diserahkan"), null=True, blank=True)
    sessions_attended = models.PositiveSmallIntegerField(_("hadir (pertemuan)"), default=0)
    sessions_total = models.PositiveSmallIntegerField(_("jumlah pertemuan"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["course", "status", "waiting_position", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "case"], name="one_enrolment_per_course")]
        indexes = [models.Index(fields=["course", "status"])]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.case_id}"
