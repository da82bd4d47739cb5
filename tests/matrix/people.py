"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

from accounts.models import Role

# PEOPLE_VIEW: the Dinsos team (and the finance officer, who needs names to pay). The Kemensos
# analyst (aggregates only), partners (nothing until a referral), administrators and auditors
# have no person records.
VIEWERS = frozenset(
    {Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.REGISTRAR, Role.FINANCE_OFFICER}
)
# PEOPLE_REGISTER (all of whom also have IDENTITY_VIEW in their region).
REGISTRARS = frozenset({Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.REGISTRAR})
# ALERTS_VIEW: the supervisors.
SUPERVISORS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS})
# DATA_SUBJECT_REQUESTS: only the head of Dinsos answers requests to see, correct or delete data.
SUBJECT_REQUESTS = frozenset({Role.HEAD_OF_DINSOS})

ENTRIES: dict = {
    "people:list": (None, "get", VIEWERS, {}),
    "people:detail": ("person", "get", VIEWERS, {}),
    "people:reveal": ("person", "post", VIEWERS, {}),
    "people:register": (None, "get", REGISTRARS, {}),
    # A structurally valid NIK (Kota Kupang, woman born 5 March 1995), offered back to the form.
    "people:nik_check": (None, "post", REGISTRARS, {"nik": "5371014503950002", "apply": "1"}),
    "people:edit_identity": ("person", "get", REGISTRARS, {}),
    "people:edit_attributes": ("person", "get", REGISTRARS, {}),
    "people:consent_add": ("person", "get", REGISTRARS, {}),
    "people:consent_withdraw": ("person", "post", REGISTRARS, {}),
    "people:alert_list": (None, "get", SUPERVISORS, {}),
    "people:alert_acknowledge": ("alert", "post", SUPERVISORS, {}),
    "people:subject_requests": (None, "get", SUBJECT_REQUESTS, {}),
    "people:subject_request": ("subject_request", "get", SUBJECT_REQUESTS, {}),
    "people:subject_request_answer": (
        "subject_request",
        "post",
        SUBJECT_REQUESTS,
        {"status": "answered", "note": "Salinan data diserahkan langsung."},
    ),
    "people:subject_request_new": ("person", "get", SUBJECT_REQUESTS, {}),
    "people:subject_export": ("person", "post", SUBJECT_REQUESTS, {}),
    "people:subject_delete": ("subject_deletion", "post", SUBJECT_REQUESTS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    from django.utils import timezone

    from people.models import AlertKind, SafeguardingAlert, SubjectRequest
    from people.subject_requests import due_at

    alert = SafeguardingAlert.objects.create(
        person=person, kind=AlertKind.CHILD, reason="uji", scope_region_code=person.scope_region_code
    )
    now = timezone.now()
    access, deletion = (
        SubjectRequest.objects.create(
            person=person,
            kind=kind,
            channel="in_person",
            received_at=now,
            due_at=due_at(now),
            created_by=users[Role.HEAD_OF_DINSOS],
        )
        for kind in ("access", "deletion")
    )
    return {
        "person": {"case_code": person.case_code},
        "alert": {"pk": alert.pk},
        "subject_request": {"pk": access.pk},
        "subject_deletion": {"case_code": person.case_code, "pk": deletion.pk},
    }
