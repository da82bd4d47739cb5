"""Child and trafficking safeguards: flag at once, alert the supervisor.

A person under 18 (UU 35/2014) is always a child-protection case. Trafficking (UU 21/2007) is
process + means + purpose; the person's consent does not matter.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

TRAFFICKING_INDICATORS: list[tuple[str, str]] = [
    ("recruited_by_others", _("Direkrut atau dibawa oleh orang lain (calo/penyalur)")),
    ("transported_by_others", _("Perjalanan diatur dan dibiayai orang lain")),
    ("debt_bondage", _("Terjerat utang kepada pemilik/pengelola (jeratan utang)")),
    ("documents_confiscated", _("KTP/dokumen ditahan orang lain")),
    ("confinement", _("Tidak bebas keluar atau dikurung")),
    ("deception", _("Dijanjikan pekerjaan lain (ditipu)")),
    ("violence_threats", _("Mengalami kekerasan atau ancaman")),
    ("wages_withheld", _("Penghasilan ditahan atau dipotong sepihak")),
    ("recruited_as_child", _("Mulai dieksploitasi saat masih anak")),
]
INDICATOR_CODES = {code for code, _label in TRAFFICKING_INDICATORS}
CHILD_AGE = 18


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_child(birth_date: dt.date | None, *, today: dt.date | None = None) -> bool:
    if birth_date is None:
        return False
    return age_on(birth_date, today or dt.date.today()) < CHILD_AGE


def trafficking_flagged(indicators: list[str]) -> bool:
    # Any single indicator warrants a closer look by the supervisor; it is a flag, not a finding.
    return bool(set(indicators) & INDICATOR_CODES)
