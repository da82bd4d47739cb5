"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

from accounts.models import Role

# CASES_VIEW / CASES_MANAGE: the Dinsos casework team (province, head, case worker). The finance
# officer, registrar, analyst, partners (they see referrals, not cases), administrators and
# auditors have no case files.
CASEWORK = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER})
# Reassignment: the supervisors (CASES_SUPERVISE) in scope.
SUPERVISORS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS})

ENTRIES: dict = {
    "cases:caseload": (None, "get", CASEWORK, {}),
    "cases:list": (None, "get", CASEWORK, {}),
    # The person already has an open case here: the page redirects to it.
    "cases:open": ("person", "get", CASEWORK, {}),
    "cases:detail": ("case", "get", CASEWORK, {}),
    "cases:edit": ("case", "get", CASEWORK, {}),
    "cases:reassign": ("case", "post", SUPERVISORS, {}),
    "cases:assessment_add": ("case", "get", CASEWORK, {}),
    "cases:assessment_detail": ("assessment", "get", CASEWORK, {}),
    "cases:plan_set": ("case", "get", CASEWORK, {}),
    "cases:service_update": ("service", "post", CASEWORK, {"status": "planned"}),
    "cases:followups_schedule": ("case", "post", CASEWORK, {"start": "2019-01-01"}),
    "cases:followup_record": ("follow_up", "get", CASEWORK, {}),
    "cases:followups_overdue": (None, "get", CASEWORK, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    import datetime as dt

    from cases.models import Assessment, Case, FollowUp, Service, ServiceKind

    case = Case.objects.create(
        person=person,
        site=site,
        number=f"{person.case_code}/1",
        responsible_organisation=orgs["dinsos_kupang"],
        scope_region_code="53.71",
        case_worker=users[Role.CASE_WORKER],
        supervisor=users[Role.HEAD_OF_DINSOS],
        opened_on=dt.date(2018, 11, 1),
    )
    assessment = Assessment.objects.create(
        case=case, version=1, assessed_on=dt.date(2018, 11, 5), assessor=users[Role.CASE_WORKER]
    )
    service = Service.objects.create(case=case, kind=ServiceKind.TRAINING, created_by=users[Role.CASE_WORKER])
    follow_up = FollowUp.objects.create(
        case=case, months_after=1, due_on=dt.date(2019, 2, 1), scope_region_code=case.scope_region_code
    )
    return {
        "case": {"pk": case.pk},
        "assessment": {"pk": assessment.pk},
        "service": {"pk": service.pk},
        "follow_up": {"pk": follow_up.pk},
    }
