"""Access-matrix entries for skills training (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): a course of Dinsos Kota Kupang with one enrolled case, and a course run by the
partner's LKS (the partner user is its provider's staff).
"""

from accounts.models import Role

# TRAINING_MANAGE: the casework team (province, head of Dinsos, case worker).
MANAGERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER})
# TRAINING_VIEW adds the registrar; partner users see the courses their own organisation runs.
VIEWERS = MANAGERS | {Role.REGISTRAR}
WITH_PROVIDER = VIEWERS | {Role.PARTNER_USER}

ENTRIES: dict = {
    "training:course_list": (None, "get", WITH_PROVIDER, {}),
    "training:course_create": (None, "get", MANAGERS, {}),
    # The partner's LKS runs this one: its staff see it (case codes only).
    "training:course_detail": ("provider_course", "get", WITH_PROVIDER, {}),
    "training:course_edit": ("course", "get", MANAGERS, {}),
    "training:enrol": ("course", "get", MANAGERS, {}),
    "training:attendance": ("course", "get", MANAGERS, {}),
    "training:complete": ("enrolment", "get", MANAGERS, {}),
    "training:drop": ("enrolment", "post", MANAGERS, {"reason": "work"}),
    "training:withdraw": ("enrolment", "get", MANAGERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    import datetime as dt

    from django.utils import timezone

    from cases.models import Case
    from people.identity import Identity
    from people.services import PersonAttributes, build_person, next_case_code
    from training.models import Course, Enrolment, EnrolmentStatus, Skill

    # A person of its own: the shared ``person`` gets an open case from the cases matrix, and a
    # person has at most one open case.
    trainee = build_person(
        site=site,
        identity=Identity(full_name="Peserta Pelatihan Uji"),
        attrs=PersonAttributes(),
        actor=None,
        case_code=next_case_code(site),
    )
    trainee.save()
    case = Case.objects.create(
        person=trainee,
        site=site,
        number=f"{trainee.case_code}/1",
        responsible_organisation=orgs["dinsos_kupang"],
        scope_region_code="53.71",
        opened_on=dt.date(2018, 11, 1),
        pathway="local_empowerment",
    )
    course = Course.objects.create(
        name="Pelatihan tata boga uji",
        skill=Skill.CATERING,
        provider=orgs["dinsos_kupang"],
        # Running now, so the enrolment page offers its form.
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        ends_on=timezone.localdate() + dt.timedelta(days=90),
        capacity=20,
        place="Aula Dinas Sosial Kota Kupang",
        scope_region_code="53.71",
    )
    provider_course = Course.objects.create(
        name="Pelatihan tata rias uji",
        skill=Skill.BEAUTY,
        provider=orgs["lks_kupang"],
        starts_on=dt.date(2019, 2, 1),
        ends_on=dt.date(2019, 5, 31),
        capacity=20,
        place="LKS Uji Kupang",
        scope_region_code=orgs["lks_kupang"].region_id,
    )
    enrolment = Enrolment.objects.create(
        course=course, case=case, status=EnrolmentStatus.ENROLLED, enrolled_on=timezone.localdate()
    )
    Enrolment.objects.create(
        course=provider_course, case=case, status=EnrolmentStatus.ENROLLED, enrolled_on=dt.date(2019, 1, 20)
    )
    return {
        "course": {"pk": course.pk},
        "provider_course": {"pk": provider_course.pk},
        "enrolment": {"pk": enrolment.pk},
    }
