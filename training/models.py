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
    # Sessions held so far, recorded with the attendance grid; each participant's total follows it.
    sessions_total = models.PositiveSmallIntegerField(_("jumlah pertemuan"), default=0)
    # The provider's region: who manages the course (policy.can_manage_course).
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("pelatihan")
        verbose_name_plural = _("pelatihan")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=500), name="course_capacity_1_500"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="course_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Peserta")
    WAITING = "waiting", _("Daftar tunggu")
    COMPLETED = "completed", _("Lulus")
    DROPPED = "dropped", _("Tidak menyelesaikan")
    WITHDRAWN = "withdrawn", _("Dibatalkan")


# Statuses that hold the case in the course: a second enrolment of the same case is refused.
ACTIVE_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING, EnrolmentStatus.COMPLETED)


class LeaveReason(models.TextChoices):
    """Why a participant left (dropped) or was taken off the list (withdrawn). A choice, not free
    text: the reason is shown in lists and case history, so it must never carry a diagnosis or a name."""

    WENT_HOME = "went_home", _("Pulang ke daerah asal")
    WORK = "work", _("Mendapat pekerjaan")
    HEALTH = "health", _("Alasan kesehatan")
    FAMILY = "family", _("Alasan keluarga")
    ABSENT = "absent", _("Tidak hadir berturut-turut")
    OTHER_COURSE = "other_course", _("Pindah ke pelatihan lain")
    DECLINED = "declined", _("Tidak bersedia melanjutkan")
    OTHER = "other", _("Lainnya")


class Enrolment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="enrolments")
    # The case plan's training service this enrolment carries out (in progress, then completed).
    service = models.ForeignKey(
        "cases.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices, db_index=True)
    # Position on the waiting list (first come, first served); null once enrolled.
    waiting_position = models.PositiveIntegerField(null=True, blank=True)
    enrolled_on = models.DateField(_("tanggal daftar"))
    completed_on = models.DateField(_("tanggal lulus"), null=True, blank=True)
    certificate_number = models.CharField(_("nomor sertifikat"), max_length=60, blank=True)
    toolkit_handed_on = models.DateField(_("alat usaha diserahkan"), null=True, blank=True)
    sessions_attended = models.PositiveSmallIntegerField(_("hadir (pertemuan)"), default=0)
    sessions_total = models.PositiveSmallIntegerField(_("jumlah pertemuan"), default=0)
    # Dropped or withdrawn: when and why (a choice, see LeaveReason).
    left_on = models.DateField(_("tanggal keluar"), null=True, blank=True)
    leave_reason = models.CharField(_("alasan"), max_length=12, choices=LeaveReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["course", "status", "waiting_position", "id"]
        constraints = [
            # A dropped or withdrawn enrolment stays as history; the case may be enrolled again.
            models.UniqueConstraint(
                fields=["course", "case"],
                condition=models.Q(status__in=["enrolled", "waiting", "completed"]),
                name="one_active_enrolment_per_course",
            ),
            models.UniqueConstraint(
                fields=["course", "waiting_position"],
                condition=models.Q(waiting_position__isnull=False),
                name="one_waiting_position_per_course",
            ),
            models.UniqueConstraint(
                fields=["course", "certificate_number"],
                condition=~models.Q(certificate_number=""),
                name="certificate_number_unique_in_course",
            ),
        ]
        indexes = [models.Index(fields=["course", "status"])]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.case_id}"

    def audit_label(self) -> str:
        # The case number (case code + counter), never a name.
        return f"{self.case.number} — {self.course.name}"[:200]
