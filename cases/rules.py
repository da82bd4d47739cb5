"""Case rules that are facts, not screens: which pathway a person must follow, which referral
is required and by when, what an assessment may record, when follow-ups fall due."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.models import OriginClass
from people.origin import origin_class

from .models import Pathway, ServiceKind

# UU 21/2007 (TPPO) Pasal 52 ayat (1): rehabilitation, repatriation and reintegration of a
# trafficking victim must be provided at the latest 7 days after it is requested. The Dinsos
# makes that request by referring the case, so the referral is due within the same 7 days.
TRAFFICKING_REFERRAL_DAYS = 7

# UU 35/2014 (Perlindungan Anak) Pasal 59A asks for prompt handling ("penanganan yang cepat") of a
# child needing special protection, without a day count. A child is never handled slower than an
# adult trafficking victim, so the same 7 days apply.
CHILD_REFERRAL_DAYS = 7

# Referrals that still answer the requirement: a declined or withdrawn one does not.
LIVE_REFERRAL_STATUSES = ("pending", "accepted", "completed")

# Needs recorded in an assessment (checkbox list). Codes are stored; labels may change.
NEEDS: list[tuple[str, str]] = [
    ("housing", gettext_lazy("Tempat tinggal")),
    ("income", gettext_lazy("Penghasilan/modal usaha")),
    ("skills_training", gettext_lazy("Pelatihan keterampilan")),
    ("health_service", gettext_lazy("Layanan kesehatan")),
    ("civil_documents", gettext_lazy("Dokumen kependudukan (KTP/KK)")),
    ("childcare", gettext_lazy("Pengasuhan anak")),
    ("legal_aid", gettext_lazy("Bantuan hukum")),
    ("psychosocial", gettext_lazy("Dukungan psikososial")),
    ("transport_home", gettext_lazy("Biaya/pendampingan pulang")),
]
NEED_CODES = {code for code, _label in NEEDS}

# Risk flags: facts the plan must take into account, never a judgement of the person.
RISK_FLAGS: list[tuple[str, str]] = [
    ("no_safe_housing", gettext_lazy("Tidak punya tempat tinggal yang aman")),
    ("violence", gettext_lazy("Mengalami kekerasan atau ancaman")),
    ("debt", gettext_lazy("Terlilit utang")),
    ("pressure_to_stay", gettext_lazy("Ditekan untuk tetap bekerja di lokasi")),
    ("family_rejection", gettext_lazy("Khawatir ditolak keluarga/lingkungan")),
    ("children_without_care", gettext_lazy("Anak tanpa pengasuh")),
    ("no_documents", gettext_lazy("Tidak memiliki dokumen identitas")),
]
RISK_FLAG_CODES = {code for code, _label in RISK_FLAGS}

DEFAULT_FOLLOW_UP_MONTHS = (1, 3, 6, 12)


@dataclass(frozen=True)
class ForcedPathway:
    pathway: str
    referral_kind: str
    referral_days: int
    reason: str


def forced_pathway(person) -> ForcedPathway | None:
    """A child must follow child protection, a person with trafficking indicators the trafficking
    victim services; any other pathway is refused. A child who is also flagged stays a child
    protection case (UU 35/2014): child protection services handle child trafficking victims too."""
    if person.is_child:
        reason = _("Berusia di bawah 18 tahun: wajib jalur perlindungan anak (UU 35/2014).")
        days = CHILD_REFERRAL_DAYS
        if person.trafficking_flag:
            reason = _("Anak dengan indikasi TPPO: wajib jalur perlindungan anak (UU 35/2014, UU 21/2007).")
            days = min(CHILD_REFERRAL_DAYS, TRAFFICKING_REFERRAL_DAYS)
        return ForcedPathway(Pathway.CHILD_PROTECTION, ServiceKind.CHILD_PROTECTION, days, reason)
    if person.trafficking_flag:
        return ForcedPathway(
            Pathway.TRAFFICKING_SERVICES,
            ServiceKind.TRAFFICKING_VICTIM,
            TRAFFICKING_REFERRAL_DAYS,
            _("Indikasi TPPO: wajib jalur layanan korban TPPO (UU 21/2007)."),
        )
    return None


def suggested_pathway(person, site) -> str:
    """The default offered on the plan form, never forced: residents of the site's own
    kabupaten/kota are guided locally (the city's empowerment fund is for them); everyone else
    goes home to the region of origin, whose Dinsos continues the guidance (DOMAIN.md §5)."""
    forced = forced_pathway(person)
    if forced:
        return forced.pathway
    if site is None:
        return ""
    cls = origin_class(
        origin_regency=person.origin_regency_id, origin_province=person.origin_province_id, site_region=site.region_id
    )
    if cls == OriginClass.LOCAL:
        return Pathway.LOCAL_EMPOWERMENT
    if cls == OriginClass.UNKNOWN:
        return ""
    return Pathway.REPATRIATION


def referral_due(opened_on: dt.date, forced: ForcedPathway) -> dt.date:
    return opened_on + dt.timedelta(days=forced.referral_days)


def follow_up_months() -> list[int]:
    """Months after repatriation or closure at which a follow-up visit is due (configurable)."""
    months = getattr(settings, "PULIH_FOLLOW_UP_MONTHS", DEFAULT_FOLLOW_UP_MONTHS)
    return sorted({int(m) for m in months if int(m) > 0})


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
