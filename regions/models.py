"""Kemendagri administrative regions: provinsi → kabupaten/kota → kecamatan → desa/kelurahan."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Provinsi")
    REGENCY = 2, _("Kabupaten/Kota")
    DISTRICT = 3, _("Kecamatan")
    VILLAGE = 4, _("Desa/Kelurahan")


class Kind(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    DISTRIK = "distrik", _("Distrik")
    KELURAHAN = "kelurahan", _("Kelurahan")
    DESA = "desa", _("Desa")
    DESA_ADAT = "desa_adat", _("Desa adat")


class Region(models.Model):
    """One region. Other models point at it by its Kemendagri code (``to_field="code"``),
    so "everything inside Kota Kupang" is a prefix filter on the code, with no join."""

    code = models.CharField(_("kode"), max_length=13, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=Level.choices, db_index=True)
    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("induk"),
    )
    # "Kota Kupang, Nusa Tenggara Timur": shown in pickers and lists without walking parents.
    path = models.CharField(_("lokasi lengkap"), max_length=300)
    # Lower-case name for type-ahead search ("kota kupang").
    search_name = models.CharField(max_length=120, db_index=True)
    postal_code = models.CharField(_("kode pos"), max_length=5, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """Name with its place in the hierarchy, for pickers: "Kota Kupang — Nusa Tenggara Timur"."""
        return self.path

    @property
    def parent_path(self) -> str:
        """ "Nusa Tenggara Timur" for Kota Kupang: where the region lies, without its own name."""
        return self.path.split(", ", 1)[1] if ", " in self.path else ""

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def regency_code(self) -> str | None:
        return self.code[:5] if self.level >= Level.REGENCY else None


def within_q(field: str, code: str) -> Q:
    """Q for rows whose region code ``field`` lies inside region ``code`` (or is it).

    The dot matters: "53.7" must not match "53.71". Codes are fixed-width per level,
    so ``startswith(code + ".")`` is exact and uses the code index. For a foreign key to
    Region pass ``"region__code"``: Django trims the join (the key *is* the code), so the
    filter runs on the referencing table's own column.
    """
    return Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})
