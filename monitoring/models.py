"""Post-closure monitoring of ex-lokalisasi: visits and observations per village over time
(Kabupaten Kediri: 9 villages where covert activity continues). Observations are about places,
never about named people."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Finding(models.TextChoices):
    NONE = "none", _("Tidak ada aktivitas")
    SIGNS = "signs", _("Ada tanda-tanda aktivitas terselubung")
    ACTIVE = "active", _("Aktivitas terselubung berlangsung")


class MonitoringVisit(models.Model):
    programme = models.ForeignKey(
        "programmes.ClosureProgramme", on_delete=models.PROTECT, null=True, blank=True, related_name="monitoring_visits"
    )
    site = models.ForeignKey("sites.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    village = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, related_name="+", verbose_name=_("desa/kelurahan")
    )
    visited_on = models.DateField(_("tanggal kunjungan"), db_index=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("pelaksana")
    )
    finding = models.CharField(_("temuan"), max_length=8, choices=Finding.choices)
    # Estimates, not names: how many places/people appear active.
    active_places = models.PositiveIntegerField(_("perkiraan tempat aktif"), default=0)
    active_people = models.PositiveIntegerField(_("perkiraan orang terlibat"), default=0)
    observation = models.TextField(_("catatan pengamatan"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("kunjungan pemantauan")
        verbose_name_plural = _("kunjungan pemantauan")
        indexes = [models.Index(fields=["village", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.village_id} {self.visited_on}"
