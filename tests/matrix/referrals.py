"""Access-matrix entries for referrals and transfers (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): a case in Kota Kupang and a pending referral of it to the partner's LKS.
"""

from accounts.models import Role

# CASES_MANAGE: the Dinsos team that sends referrals (the province follows its kabupaten/kota).
SENDERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER})
# REFERRALS_RESPOND: the team, and the partner answering what was referred to its organisation.
RESPONDERS = SENDERS | {Role.PARTNER_USER}
# Only the receiving organisation answers and completes (here: the partner's LKS).
RECEIVER = frozenset({Role.PARTNER_USER})

ENTRIES: dict = {
    "cases:referral_create": ("case_for_referral", "get", SENDERS, {}),
    "cases:referral_inbox": (None, "get", RESPONDERS, {}),
    # The sending team sees its case's referral; the partner sees it without identity (pending).
    "cases:referral_detail": ("referral", "get", RESPONDERS, {}),
    # The partner is sent back (identity only after accepting); the team may reveal, audited.
    "cases:referral_identity": ("referral", "post", RESPONDERS, {}),
    "cases:referral_respond": ("referral", "post", RECEIVER, {"decision": "accept"}),
    "cases:referral_withdraw": ("referral", "post", SENDERS, {}),
    # Pending, so the partner is sent back with a message; the sender may not complete at all.
    "cases:referral_complete": ("referral", "post", RECEIVER, {"outcome": "Selesai"}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    import datetime as dt

    from django.utils import timezone

    from cases.models import Case, ConsentBasis, Referral, ReferralKind, ServiceKind
    from people.identity import Identity
    from people.services import PersonAttributes, build_person, next_case_code

    # A person of its own: the shared ``person`` may get an open case from another area's
    # targets, and a person has at most one open case.
    referred = build_person(
        site=site,
        identity=Identity(full_name="Rujukan Uji"),
        attrs=PersonAttributes(share_consent=True),
        actor=None,
        case_code=next_case_code(site),
    )
    referred.save()
    case = Case.objects.create(
        person=referred,
        site=site,
        number=f"{referred.case_code}/1",
        responsible_organisation=orgs["dinsos_kupang"],
        scope_region_code=orgs["dinsos_kupang"].region_id,
        case_worker=users[Role.CASE_WORKER],
        supervisor=users[Role.HEAD_OF_DINSOS],
        opened_on=dt.date(2018, 11, 1),
    )
    referral = Referral.objects.create(
        case=case,
        kind=ReferralKind.REFERRAL,
        service_kind=ServiceKind.HEALTH_REFERRAL,
        from_organisation=orgs["dinsos_kupang"],
        to_organisation=orgs["lks_kupang"],
        reason="Perlu pemeriksaan kesehatan",
        shared_fields=["identity"],
        consent_basis=ConsentBasis.CONSENT,
        respond_by=timezone.localdate() + dt.timedelta(days=14),
        created_by=users[Role.CASE_WORKER],
    )
    return {"case_for_referral": {"pk": case.pk}, "referral": {"pk": referral.pk}}
