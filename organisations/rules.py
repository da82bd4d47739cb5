"""Rules other features ask about organisations: is this LKS verified, and why not.

Repatriation escorts, referrals and training places may only use an LKS that is accredited
(Permensos 17/2012) — call ``is_verified_lks`` before accepting one, and show the reason
from ``lks_accreditation_status`` when refusing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Organisation


def lks_accreditation_status(organisation: Organisation, on: dt.date | None = None) -> tuple[bool, str]:
    """(is_verified, reason in plain Indonesian). An LKS is verified on a day when it is active
    and its newest accreditation is valid that day; an older accreditation never counts."""
    day = on or timezone.localdate()
    if not organisation.is_lks:
        return False, _("bukan LKS")
    if not organisation.is_active:
        return False, _("organisasi nonaktif")
    accreditation = organisation.current_accreditation()
    if accreditation is None:
        return False, _("belum terakreditasi")
    if day < accreditation.granted_on:
        return False, _("akreditasi baru berlaku mulai %(date)s") % {"date": date_format(accreditation.granted_on)}
    if day > accreditation.valid_until:
        return False, _("akreditasi berakhir pada %(date)s") % {"date": date_format(accreditation.valid_until)}
    return True, _("terakreditasi %(grade)s, berlaku sampai %(date)s") % {
        "grade": accreditation.grade,
        "date": date_format(accreditation.valid_until),
    }


def is_verified_lks(organisation: Organisation, on: dt.date | None = None) -> bool:
    return lks_accreditation_status(organisation, on)[0]
