"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

from accounts.models import Role

# Roles with SITES_VIEW; the standing site (Karang Dempel, Kota Kupang) is in each one's scope.
SITE_VIEWERS = frozenset(
    {
        Role.KEMENSOS_ANALYST,
        Role.PROVINCE_OFFICER,
        Role.HEAD_OF_DINSOS,
        Role.CASE_WORKER,
        Role.REGISTRAR,
        Role.FINANCE_OFFICER,
    }
)
SITE_MANAGERS = frozenset({Role.HEAD_OF_DINSOS})

ENTRIES: dict = {
    "sites:list": (None, "get", SITE_VIEWERS, {}),
    "sites:detail": ("site", "get", SITE_VIEWERS, {}),
    "sites:create": (None, "get", SITE_MANAGERS, {}),
    "sites:edit": ("site", "get", SITE_MANAGERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    return {"site": {"pk": site.pk}}
