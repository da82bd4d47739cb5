"""Indonesia's three time zones, by province code, and a middleware that shows each user the
time of their own region: a rakor typed as 09.00 in Kupang is 09.00 WITA, not WIB.

Provinces not listed are WIB (Sumatra, Java, West and Central Kalimantan).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

WIB = "Asia/Jakarta"
WITA = "Asia/Makassar"
WIT = "Asia/Jayapura"

# Bali, NTB, NTT, South/East/North Kalimantan, all of Sulawesi: WITA. Maluku and Papua: WIT.
PROVINCE_ZONES = {
    **dict.fromkeys(["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"], WITA),
    **dict.fromkeys(["81", "82", "91", "92", "93", "94", "95", "96"], WIT),
}


def zone_for_region(code: str | None) -> str:
    if not code:
        return settings.TIME_ZONE
    return PROVINCE_ZONES.get(code[:2], WIB)


class RegionTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(ZoneInfo(zone_for_region(user.region_id)))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
