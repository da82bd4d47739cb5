"""Lokalisasi (sites). Issue #4 adds closure programmes, wisma and activities around them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteStatus(models.TextChoices):
    OPERATING = "operating", _("Beroperasi")
    SOCIALISING = "socialising", _("Sosialisasi")
    CLOSED = "closed", _("Ditutup")
    MONITORED = "monitored", _("Pemantauan pascapenutupan")


class Site(models.Model):
    name = models.CharField(_("nama lokalisasi"), max_length=150)
    # "KD" for Karang Dempel: part of every case code registered here.
    short_code = models.CharField(
        _("kode singkat"), max_length=8, help_text=_("Huruf kapital, mis. KD. Dipakai dalam kode kasus.")
    )
    region = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, related_name="+", verbose_name=_("wilayah")
    )
    # The kabupaten/kota and province of the site, kept as codes for counting and scoping without joins.
    regency_code = models.CharField(max_length=5, db_index=True, editable=False)
    province_code = models.CharField(max_length=2, db_index=True, editable=False)
    owner_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="sites",
        verbose_name=_("Dinas Sosial penanggung jawab"),
    )
    address = models.CharField(_("alamat/kawasan"), max_length=300, blank=True)
    year_opened = models.PositiveSmallIntegerField(_("tahun berdiri"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SiteStatus.choices, default=SiteStatus.OPERATING, db_index=True
    )
    estimated_residents = models.PositiveIntegerField(_("perkiraan penghuni"), null=True, blank=True)
    # Next number for case codes of people registered at this site; incremented under a row lock.
    next_case_number = models.PositiveIntegerField(default=1, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("lokalisasi")
        verbose_name_plural = _("lokalisasi")
        constraints = [
            models.UniqueConstraint(fields=["regency_code", "short_code"], name="site_short_code_unique_in_regency")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        code = self.region_id or ""
        self.regency_code = code[:5]
        self.province_code = code[:2]
        super().save(*args, **kwargs)
