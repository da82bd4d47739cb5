"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

import datetime as dt

from accounts.models import Role

# MONITORING_VIEW: the Dinsos team. MONITORING_MANAGE: those who run a programme day to day.
VIEWERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.REGISTRAR})
MANAGERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER})

ENTRIES: dict = {
    "monitoring:list": (None, "get", VIEWERS, {}),
    "monitoring:trend": (None, "get", VIEWERS, {}),
    "monitoring:create": (None, "get", MANAGERS, {}),
    "monitoring:edit": ("monitoring_visit", "get", MANAGERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    from monitoring.models import Finding, MonitoringVisit
    from regions.models import Region

    village = Region.objects.filter(code__startswith="53.71.", level=4).first()
    visit = MonitoringVisit.objects.create(
        village=village,
        visited_on=dt.date(2019, 3, 12),
        organisation=orgs["dinsos_kupang"],
        finding=Finding.SIGNS,
        active_places=2,
        active_people=3,
        observation="Dua rumah di gang belakang pasar masih ramai setelah pukul 22.00.",
    )
    return {"monitoring_visit": {"pk": visit.pk}}
