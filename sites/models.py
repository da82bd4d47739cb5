"""Lokalisasi (sites), their dated status history and the wisma inside them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
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


# Closing a site moves forward through these; going back (a site re-opened) needs a note.
STATUS_ORDER = (SiteStatus.OPERATING, SiteStatus.SOCIALISING, SiteStatus.CLOSED, SiteStatus.MONITORED)


class SiteStatusChange(models.Model):
    """One dated change of a site's status. Append-only: the timeline is evidence of when the
    site was socialised and closed, so a mistake is corrected by a new row, not by editing."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=12, choices=SiteStatus.choices)
    on = models.DateField(_("tanggal"))
    note = models.TextField(_("catatan"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        verbose_name = _("perubahan status lokalisasi")
        verbose_name_plural = _("riwayat status lokalisasi")
        indexes = [models.Index(fields=["site", "on"], name="site_status_change_site_on")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.on:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A site status change is never edited; record a new one.")
        super().save(*args, **kwargs)


class Wisma(models.Model):
    """A boarding house inside a site. Its name is a business name; its owner's name, phone and
    address identify a person, so they are one encrypted blob (``sites.owners``), revealed only
    through ``sites.owners.reveal_owner`` (policy check + audit)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="wisma", verbose_name=_("lokalisasi"))
    name = models.CharField(_("nama wisma"), max_length=150)
    # JSON {"name", "phone", "address"} encrypted with people.crypto; empty when the owner is unknown.
    owner_ciphertext = models.TextField(blank=True, editable=False)
    estimated_residents = models.PositiveIntegerField(_("perkiraan penghuni"), null=True, blank=True)
    # A wisma that closed (before or with its site) stays recorded, marked inactive.
    is_active = models.BooleanField(_("masih beroperasi"), default=True)
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("wisma")
        verbose_name_plural = _("wisma")
        constraints = [models.UniqueConstraint(Lower("name"), "site", name="wisma_name_unique_in_site")]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        # The business name only: never the owner.
        return self.name
