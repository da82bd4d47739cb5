"""Menu by role: shows only sections the policy allows (views enforce it again)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from access.policy import is_two_factor_satisfied, visible_sections

# (section, url name, label) in menu order.
NAV = [
    ("programmes", "programmes:list", _("Program")),
    ("calendar", "activities:calendar", _("Kalender")),
    ("sites", "sites:list", _("Lokalisasi")),
    ("people", "people:list", _("Penerima manfaat")),
    ("census", "census:round_list", _("Pendataan")),
    ("alerts", "people:alert_list", _("Peringatan")),
    ("cases", "cases:caseload", _("Kasus")),
    ("referrals", "cases:referral_inbox", _("Rujukan")),
    ("repatriation", "repatriation:trip_list", _("Pemulangan")),
    ("training", "training:course_list", _("Pelatihan")),
    ("monitoring", "monitoring:list", _("Pemantauan")),
    ("matching", "matching:queue", _("Pencocokan")),
    ("assistance", "assistance:index", _("Bantuan")),
    ("reports", "reports:dashboard", _("Dasbor")),
    ("subject_requests", "people:subject_requests", _("Permintaan data")),
    ("grievances", "grievances:list", _("Pengaduan")),
    ("regions", "regions:index", _("Wilayah")),
    ("organisations", "organisations:list", _("Organisasi")),
    ("users", "accounts:user_list", _("Pengguna")),
    ("audit", "audit:list", _("Audit")),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_two_factor_satisfied(user):
        return {"nav_items": []}
    sections = visible_sections(user)
    items = []
    for section, url_name, label in NAV:
        if section in sections:
            url = reverse(url_name)
            items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"nav_items": items}
