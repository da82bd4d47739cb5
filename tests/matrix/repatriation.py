"""Access-matrix entries for repatriation (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): a planned trip of Dinsos Kota Kupang with one person going to a test kabupaten,
a handover to that kabupaten's Dinsos, and a handover to Dinsos Kota Kupang itself (so the
standing users of that organisation are the receivers who may acknowledge it).
"""

from accounts.models import Role

# CASES_VIEW and REPATRIATION_MANAGE: the Dinsos casework team (the province follows its
# kabupaten/kota). Registrars, finance officers, partners, analysts, administrators and auditors
# have no case files and organise no trips.
CASEWORK = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER})
# Acknowledging a handover: REFERRALS_RESPOND *and* a user of the receiving organisation (Dinsos
# Kota Kupang here). The province officer (Dinsos NTT) and the partner (an LKS) may respond to
# referrals but are not the receiver: 403.
RECEIVERS = frozenset({Role.HEAD_OF_DINSOS, Role.CASE_WORKER})

ENTRIES: dict = {
    "repatriation:trip_list": (None, "get", CASEWORK, {}),
    "repatriation:trip_create": (None, "get", CASEWORK, {}),
    "repatriation:trip_detail": ("trip", "get", CASEWORK, {}),
    "repatriation:trip_edit": ("trip", "get", CASEWORK, {}),
    # Names for those who may see identity (every CASEWORK role), each revealed and audited.
    "repatriation:trip_manifest": ("trip", "get", CASEWORK, {}),
    "repatriation:add": ("trip", "get", CASEWORK, {}),
    "repatriation:remove": ("repatriation", "post", CASEWORK, {}),
    "repatriation:handover": ("trip_receiver", "get", CASEWORK, {}),
    "repatriation:handover_acknowledge": ("handover_to_kupang", "post", RECEIVERS, {}),
    "repatriation:incoming": (None, "get", CASEWORK, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    import datetime as dt
    from decimal import Decimal

    from cases.models import Case, Pathway
    from organisations.models import Organisation
    from people.identity import Identity
    from people.services import PersonAttributes, build_person, next_case_code
    from repatriation.models import Handover, Repatriation, Trip

    # A person of its own: the shared ``person`` may already have an open case from another
    # area's targets, and a person has at most one open case.
    going_home = build_person(
        site=site,
        identity=Identity(full_name="Pemulangan Uji"),
        attrs=PersonAttributes(origin_province="53", origin_regency="53.01"),
        actor=None,
        case_code=next_case_code(site),
    )
    going_home.save()
    case = Case.objects.create(
        person=going_home,
        site=site,
        number=f"{going_home.case_code}/1",
        responsible_organisation=orgs["dinsos_kupang"],
        scope_region_code="53.71",
        case_worker=users[Role.CASE_WORKER],
        supervisor=users[Role.HEAD_OF_DINSOS],
        opened_on=dt.date(2018, 11, 1),
        pathway=Pathway.REPATRIATION,
    )
    receiver = Organisation.objects.create(name="Dinas Sosial Kabupaten Uji", kind="dinsos_kabkota", region_id="53.01")
    trip = Trip.objects.create(
        organiser=orgs["dinsos_kupang"],
        departure_on=dt.date(2019, 10, 4),
        mode="land",
        route="Kupang – Oelamasi (darat)",
        scope_region_code="53.71",
    )
    repatriation = Repatriation.objects.create(
        case=case,
        trip=trip,
        destination_id="53.01",
        destination_regency_code="53.01",
        receiving_organisation=receiver,
        cost=Decimal("250000"),
        scope_region_code="53.71",
    )
    Handover.objects.create(
        trip=trip, receiving_organisation=receiver, handed_over_on=dt.date(2019, 10, 4), signed_by_name="Pejabat Uji"
    )
    to_kupang = Handover.objects.create(
        trip=trip,
        receiving_organisation=orgs["dinsos_kupang"],
        handed_over_on=dt.date(2019, 10, 4),
        signed_by_name="Pejabat Kupang",
    )
    return {
        "trip": {"pk": trip.pk},
        "trip_receiver": {"pk": trip.pk, "organisation_pk": receiver.pk},
        "repatriation": {"pk": repatriation.pk},
        "handover_to_kupang": {"pk": to_kupang.pk},
    }
