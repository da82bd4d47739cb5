"""Organisations that take part in a closure programme, and LKS accreditations."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    DINSOS_KABKOTA = "dinsos_kabkota", _("Dinas Sosial kabupaten/kota")
    DINSOS_PROVINSI = "dinsos_provinsi", _("Dinas Sosial provinsi")
    KEMENSOS = "kemensos", _("Kementerian Sosial")
    OPD = "opd", _("OPD (perangkat daerah)")
    LSM = "lsm", _("LSM")
    LKS = "lks", _("LKS")
    UPT = "upt", _("UPT")
    TNI = "tni", _("TNI")
    POLRI = "polri", _("Polri")
    FORKOPIMDA = "forkopimda", _("Anggota Forkopimda")
    VILLAGE_GOVERNMENT = "village_government", _("Pemerintah desa/kelurahan")
    OTHER = "other", _("Lainnya")


class Organisation(models.Model):
    name = models.CharField(_("nama"), max_length=200)
    short_name = models.CharField(_("singkatan"), max_length=60, blank=True)
    kind = models.CharField(_("jenis"), max_length=24, choices=OrgKind.choices, db_index=True)
    region = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("wilayah"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("organisasi induk"),
        help_text=_("Misalnya UPT RSBKW Kediri di bawah Dinas Sosial Provinsi Jawa Timur."),
    )
    # Office contacts of the institution (not of a person).
    address = models.CharField(_("alamat kantor"), max_length=300, blank=True)
    phone = models.CharField(_("telepon kantor"), max_length=40, blank=True)
    email = models.EmailField(_("email kantor"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True, db_index=True)
    deactivated_at = models.DateTimeField(_("dinonaktifkan pada"), null=True, blank=True)
    deactivation_reason = models.CharField(_("alasan penonaktifan"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisasi")
        verbose_name_plural = _("organisasi")
        constraints = [
            models.UniqueConstraint(fields=["name", "region"], name="organisation_unique_name_in_region"),
        ]
        indexes = [models.Index(fields=["is_active", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_lks(self) -> bool:
        return self.kind == OrgKind.LKS

    def current_accreditation(self) -> Accreditation | None:
        return self.accreditations.order_by("-granted_on", "-id").first()


class Grade(models.TextChoices):
    A = "A", _("A (Sangat baik)")
    B = "B", _("B (Baik)")
    C = "C", _("C (Cukup)")


class Accreditation(models.Model):
    """One accreditation of an LKS by BALKS (Permensos 17/2012). History is kept:
    a re-accreditation adds a row; the newest one decides."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="accreditations", verbose_name=_("LKS")
    )
    number = models.CharField(_("nomor sertifikat"), max_length=100)
    grade = models.CharField(_("peringkat"), max_length=1, choices=Grade.choices)
    granted_on = models.DateField(_("tanggal akreditasi"))
    valid_until = models.DateField(_("berlaku sampai"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("akreditasi")
        verbose_name_plural = _("akreditasi")

    def __str__(self) -> str:
        return f"{self.number} ({self.grade})"

    def audit_label(self) -> str:
        return f"{self.organisation.name}: {self.number} ({self.grade})"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.granted_on <= day <= self.valid_until
