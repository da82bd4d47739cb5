"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

import datetime as dt

from accounts.models import Role

# GRIEVANCES_VIEW: the Dinsos team. GRIEVANCES_MANAGE: those who run a programme day to day;
# they alone (with IDENTITY_VIEW) may open a named complainant's name and contact.
VIEWERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.REGISTRAR})
MANAGERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER})

# The handler to assign is only known once the users exist; build_targets fills it in.
_ASSIGN = {"handler": ""}

ENTRIES: dict = {
    "grievances:list": (None, "get", VIEWERS, {}),
    "grievances:create": (None, "get", MANAGERS, {}),
    "grievances:detail": ("grievance", "get", VIEWERS, {}),
    "grievances:reveal_complainant": ("grievance", "post", MANAGERS, {}),
    "grievances:respond": ("grievance", "post", MANAGERS, {"status": "in_progress"}),
    "grievances:assign": ("grievance", "post", MANAGERS, _ASSIGN),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    from grievances.models import Category, Channel, FromGroup, Grievance
    from grievances.services import seal_complainant

    grievance = Grievance.objects.create(
        reference="ADU-5371-2018-0001",
        received_on=dt.date(2018, 10, 24),
        channel=Channel.IN_PERSON,
        category=Category.COMPLAINT,
        from_group=FromGroup.COMMUNITY,
        # Named, so the reveal has something to show to those allowed.
        anonymous=False,
        complainant_ciphertext=seal_complainant("Warga Uji Oesapa", "0812 0000 0000"),
        summary="Minta pemerintah adil: penertiban juga di hotel, tidak hanya di lokalisasi.",
        handler_organisation=orgs["dinsos_kupang"],
        due_on=dt.date(2018, 11, 7),
        region_code="53.71",
    )
    _ASSIGN["handler"] = str(users[Role.HEAD_OF_DINSOS].pk)
    return {"grievance": {"pk": grievance.pk}}
