"""Closure programmes (program penutupan): one site or a group of sites, a deadline, phases
and the standard stages. Progress is never typed in: ``programmes.progress`` computes it from
activities, census rounds, repatriations, training, payments and follow-ups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    ACTIVE = "active", _("Berjalan")
    COMPLETED = "completed", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class ClosureProgramme(models.Model):
    name = models.CharField(_("nama program"), max_length=200)
    owner_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="owned_programmes",
        verbose_name=_("Dinas Sosial penanggung jawab"),
    )
    # The owner's region: decides who may see the programme (prefix scope, no join).
    region = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, related_name="+", verbose_name=_("wilayah")
    )
    legal_basis = models.TextField(
        _("dasar hukum"), blank=True, help_text=_("Mis. Instruksi Kemensos, SK Wali Kota/Bupati; satu per baris.")
    )
    description = models.TextField(_("uraian"), blank=True)
    launched_on = models.DateField(_("tanggal pencanangan"), null=True, blank=True)
    deadline = models.DateField(_("batas waktu penutupan"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.ACTIVE, db_index=True
    )
    # Organisations taking part (partners see the programmes they take part in, nothing else).
    partners = models.ManyToManyField(
        "organisations.Organisation", blank=True, related_name="partner_programmes", verbose_name=_("mitra")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "name"]
        verbose_name = _("program penutupan")
        verbose_name_plural = _("program penutupan")
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    """Kukar closed its 12 sites in phases: KM 10 in Loa Janan first, then Kitadin…"""

    programme = models.ForeignKey(ClosureProgramme, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("tahap ke"))
    name = models.CharField(_("nama tahap"), max_length=150)
    planned_start = models.DateField(_("rencana mulai"), null=True, blank=True)
    planned_end = models.DateField(_("rencana selesai"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="phase_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class ProgrammeSite(models.Model):
    programme = models.ForeignKey(ClosureProgramme, on_delete=models.CASCADE, related_name="programme_sites")
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, related_name="programme_links")
    phase = models.ForeignKey(Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="sites")

    class Meta:
        ordering = ["programme", "phase__number", "site__name"]
        constraints = [models.UniqueConstraint(fields=["programme", "site"], name="programme_site_unique")]

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.site_id}"


class StageKind(models.TextChoices):
    """The standard stages (DOMAIN.md "The process"), in order."""

    COORDINATION = "coordination", _("Koordinasi")
    SOCIALISATION = "socialisation", _("Sosialisasi")
    CENSUS = "census", _("Pendataan")
    CLOSURE = "closure", _("Penutupan")
    REPATRIATION = "repatriation", _("Pemulangan")
    TRAINING = "training", _("Pelatihan")
    GRANTS = "grants", _("Bantuan usaha")
    FOLLOW_UP = "follow_up", _("Pendampingan lanjutan")
    MONITORING = "monitoring", _("Pemantauan")


class Stage(models.Model):
    """Planned dates of a stage. Whether it started or is done comes from the records."""

    programme = models.ForeignKey(ClosureProgramme, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(_("tahapan"), max_length=14, choices=StageKind.choices)
    planned_start = models.DateField(_("rencana mulai"), null=True, blank=True)
    planned_end = models.DateField(_("rencana selesai"), null=True, blank=True)
    # Stages that do not apply (a programme without repatriation) are switched off, not deleted.
    applies = models.BooleanField(_("berlaku"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "kind"], name="stage_kind_unique")]

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.kind}"
