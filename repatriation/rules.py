"""Rules of repatriation that other parts ask about: who may escort a trip, how a cost is read,
which Dinsos receives people going home to a region.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lokal import parse_rupiah

from organisations.models import Organisation, OrgKind
from organisations.rules import is_verified_lks, lks_accreditation_status

# The kind of organisation that receives people at home: the Dinas Sosial of the kabupaten/kota.
RECEIVING_KIND = OrgKind.DINSOS_KABKOTA
MAX_COST = Decimal("999999999999.99")  # max_digits=14, decimal_places=2


def escort_refusal(escort: Organisation | None, on: dt.date) -> str | None:
    """Why ``escort`` may not accompany a trip departing ``on``, or None when it may.

    An LKS must hold a valid Kemensos accreditation on the departure day (Permensos 17/2012):
    people being sent home are in its care for days. Government escorts (Dinsos, Satpol PP,
    Polri, TNI…) need no accreditation."""
    if escort is None:
        return None
    if not escort.is_active:
        return _("%(name)s sudah nonaktif dan tidak dapat menjadi pendamping.") % {"name": escort.name}
    if escort.kind == OrgKind.LKS and not is_verified_lks(escort, on=on):
        _verified, reason = lks_accreditation_status(escort, on)
        return _(
            "LKS pendamping harus memiliki akreditasi Kemensos yang berlaku pada tanggal keberangkatan. "
            "%(name)s: %(reason)s."
        ) % {"name": escort.name, "reason": reason}
    return None


def parse_cost(text) -> Decimal:
    """A cost per person as Indonesians type it ("250.000", "Rp 1.500.000", "1,5 jt"), in rupiah.
    Negative or approximate amounts ("2 jutaan") are refused: a cost is a figure for the report."""
    if isinstance(text, Decimal | int):
        value = Decimal(text)
    else:
        raw = (text or "").strip()
        if not raw:
            raise ValidationError(_("Isi biaya per orang (boleh 0)."), code="required")
        if raw.startswith("-"):
            raise ValidationError(_("Biaya tidak boleh negatif."), code="negative")
        parsed = parse_rupiah(raw)
        if parsed is None:
            raise ValidationError(_("Tulis biaya sebagai angka rupiah, misalnya 250.000."), code="invalid")
        if parsed.approximate:
            raise ValidationError(_("Tulis biaya yang pasti, bukan perkiraan."), code="approximate")
        try:
            value = Decimal(str(parsed.amount))
        except InvalidOperation as exc:  # pragma: no cover - parse_rupiah returns numbers
            raise ValidationError(_("Tulis biaya sebagai angka rupiah, misalnya 250.000."), code="invalid") from exc
    if value < 0:
        raise ValidationError(_("Biaya tidak boleh negatif."), code="negative")
    if value > MAX_COST:
        raise ValidationError(_("Biaya terlalu besar."), code="too_large")
    return value.quantize(Decimal("0.01"))


def regency_code(region_code: str | None) -> str:
    """The kabupaten/kota a region lies in ("35.06.01.2001" → "35.06"); "" for a province."""
    if not region_code or len(region_code) < 5:
        return ""
    return region_code[:5]


def receiving_dinsos(regency_codes) -> dict[str, Organisation]:
    """The active Dinsos of each kabupaten/kota that has one registered, in one query. Two
    registered for one region (a data error) → the oldest record."""
    codes = {code for code in regency_codes if code}
    found: dict[str, Organisation] = {}
    qs = Organisation.objects.filter(kind=RECEIVING_KIND, is_active=True, region_id__in=codes).order_by("pk")
    for organisation in qs:
        found.setdefault(organisation.region_id, organisation)
    return found
