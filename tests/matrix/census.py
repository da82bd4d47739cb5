"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

from accounts.models import Role

# Roles with CENSUS_VIEW (the Dinsos team) and with CENSUS_MANAGE (head of Dinsos, registrar).
VIEWERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.REGISTRAR})
MANAGERS = frozenset({Role.HEAD_OF_DINSOS, Role.REGISTRAR})

# POST data naming the registry person; build_targets fills in the case code, which is only
# known once the person exists.
_PERSON_CODES = {"case_codes": ""}
_PERSON_CODE = {"case_code": ""}

ENTRIES: dict = {
    "census:round_list": (None, "get", VIEWERS, {}),
    "census:round_create": ("site_for_round", "get", MANAGERS, {}),
    "census:round_detail": ("census_round", "get", VIEWERS, {}),
    "census:round_add": ("census_round", "post", MANAGERS, _PERSON_CODES),
    "census:round_remove": ("census_round", "post", MANAGERS, _PERSON_CODE),
    "census:round_carry_over": ("census_round", "post", MANAGERS, {}),
    "census:round_status": ("census_round", "post", MANAGERS, {"status": "closed"}),
    # Without ?identity=1; the identity variant is tested in tests/test_census_rounds.py.
    "census:round_export": ("census_round", "get", VIEWERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    _PERSON_CODES["case_codes"] = person.case_code
    _PERSON_CODE["case_code"] = person.case_code
    return {"census_round": {"pk": census_round.pk}, "site_for_round": {"site_pk": site.pk}}
