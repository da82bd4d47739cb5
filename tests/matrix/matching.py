"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

from accounts.models import Role

# PEOPLE_VIEW: the Dinsos team and the finance officer (who pays each person once) see the
# queue, the pairs and may ask "known elsewhere?"; the Kemensos analyst, partners,
# administrators and auditors have no person records.
VIEWERS = frozenset(
    {Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.REGISTRAR, Role.FINANCE_OFFICER}
)
# PEOPLE_REGISTER: decide, undo, run.
DECIDERS = frozenset({Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.REGISTRAR})

ENTRIES: dict = {
    "matching:queue": (None, "get", VIEWERS, {}),
    "matching:pair": ("match_pair", "get", VIEWERS, {}),
    # The first allowed role merges the pair; the next ones see "already decided" (200).
    "matching:decide": ("match_pair", "post", DECIDERS, {"decision": "same"}),
    "matching:undo": ("match_pair", "post", DECIDERS, {}),
    "matching:run": (None, "post", DECIDERS, {}),
    "matching:known_elsewhere": ("match_person", "post", VIEWERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    import datetime as dt

    from matching.models import MatchCandidate
    from people.identity import Identity
    from people.services import PersonAttributes, build_person, next_case_code, replace_name_tokens

    def register(name: str):
        identity = Identity(full_name=name, birth_date=dt.date(1991, 3, 14))
        other = build_person(
            site=site,
            identity=identity,
            attrs=PersonAttributes(origin_regency="35.78"),
            actor=None,
            case_code=next_case_code(site),
        )
        other.save()
        replace_name_tokens(other, identity)
        return other

    a, b = register("Sri Rahayoe"), register("Sri Rahayu")
    candidate = MatchCandidate.objects.create(
        person_a=a, person_b=b, score=0.99, weight=12.0, status="proposed", explanation={"fields": {}}
    )
    return {"match_pair": {"pk": candidate.pk}, "match_person": {"case_code": a.case_code}}
