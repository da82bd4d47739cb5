"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

import datetime as dt

from accounts.models import Role

# PROGRAMMES_VIEW. The target programme is Kota Kupang's (in every viewer's region scope; the
# analyst is national) and lists the partner user's LKS as a partner, so "mitra" sees it too.
VIEWERS = frozenset(
    {
        Role.KEMENSOS_ANALYST,
        Role.PROVINCE_OFFICER,
        Role.HEAD_OF_DINSOS,
        Role.CASE_WORKER,
        Role.REGISTRAR,
        Role.FINANCE_OFFICER,
        Role.PARTNER_USER,
    }
)
# PROGRAMMES_MANAGE: the head of Dinsos only.
MANAGERS = frozenset({Role.HEAD_OF_DINSOS})

ENTRIES: dict = {
    "programmes:list": (None, "get", VIEWERS, {}),
    "programmes:detail": ("programme", "get", VIEWERS, {}),
    "programmes:create": (None, "get", MANAGERS, {}),
    "programmes:edit": ("programme", "get", MANAGERS, {}),
    "programmes:stages_edit": ("programme", "get", MANAGERS, {}),
    "programmes:phase_add": ("programme", "get", MANAGERS, {}),
    "programmes:phase_edit": ("phase", "get", MANAGERS, {}),
    # Empty phase: take the site out of any phase (redirects back to the programme).
    "programmes:site_phase": ("programme_site", "post", MANAGERS, {"phase": ""}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    from programmes.models import ClosureProgramme, Phase, ProgrammeSite, Stage, StageKind

    programme = ClosureProgramme.objects.create(
        name="Penutupan Lokalisasi Karang Dempel",
        owner_organisation=orgs["dinsos_kupang"],
        region_id="53.71",
        deadline=dt.date(2019, 1, 1),
    )
    programme.partners.set([orgs["lks_kupang"]])
    phase = Phase.objects.create(programme=programme, number=1, name="Karang Dempel")
    ProgrammeSite.objects.create(programme=programme, site=site, phase=phase)
    Stage.objects.bulk_create([Stage(programme=programme, kind=kind) for kind in StageKind.values])
    return {
        "programme": {"pk": programme.pk},
        "phase": {"pk": phase.pk},
        "programme_site": {"pk": programme.pk, "site_pk": site.pk},
    }
