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
# SITES_VIEW and IDENTITY_VIEW (policy.can_view_wisma_owner): not the analyst, who sees aggregates only.
WISMA_OWNER_VIEWERS = SITE_VIEWERS - {Role.KEMENSOS_ANALYST}

ENTRIES: dict = {
    "sites:list": (None, "get", SITE_VIEWERS, {}),
    "sites:detail": ("site", "get", SITE_VIEWERS, {}),
    "sites:create": (None, "get", SITE_MANAGERS, {}),
    "sites:edit": ("site", "get", SITE_MANAGERS, {}),
    "sites:status_change": (
        "site",
        "post",
        SITE_MANAGERS,
        {"status": "socialising", "on": "2018-10-08", "note": ""},
    ),
    "sites:wisma_add": ("site", "get", SITE_MANAGERS, {}),
    "sites:wisma_edit": ("wisma", "get", SITE_MANAGERS, {}),
    "sites:wisma_owner": ("wisma", "post", WISMA_OWNER_VIEWERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    from sites.models import Wisma
    from sites.owners import WismaOwner, seal_owner

    wisma = Wisma.objects.create(
        site=site,
        name="Wisma Matriks",
        estimated_residents=12,
        owner_ciphertext=seal_owner(WismaOwner(name="Pemilik Uji Matriks", phone="+6281234567890")),
    )
    return {"site": {"pk": site.pk}, "wisma": {"pk": wisma.pk}}
