"""Skills training: courses, enrolment from case plans with a waiting list that never exceeds the
capacity (also under concurrent enrolments on PostgreSQL), promotion when a place frees up,
attendance, completion that completes the case's training service, unique certificates, the
provider's view (case codes only), scope, query counts, and the demo's courses."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import Action, AuditEvent
from cases.models import CaseNote, CaseStatus, Pathway, Service, ServiceKind, ServiceStatus
from people.identity import unseal
from training import services
from training.models import Course, Enrolment, EnrolmentStatus, LeaveReason, Skill

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def worker(users):
    return users[Role.CASE_WORKER]


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def make_course(orgs):
    def _make(name: str = "Pelatihan tata boga Kupang", *, provider=None, capacity: int = 60, **extra) -> Course:
        provider = provider or orgs["dinsos_kupang"]
        # Running now: enrolment closes when a course has ended.
        extra.setdefault("starts_on", TODAY - dt.timedelta(days=30))
        extra.setdefault("ends_on", TODAY + dt.timedelta(days=90))
        extra.setdefault("skill", Skill.CATERING)
        extra.setdefault("place", "Aula Dinas Sosial Kota Kupang")
        return Course.objects.create(
            name=name, provider=provider, capacity=capacity, scope_region_code=provider.region_id, **extra
        )

    return _make


@pytest.fixture
def trainee(make_case, worker):
    """An open case whose plan has a training service still to do."""

    def _make(**extra):
        case = make_case(pathway=Pathway.LOCAL_EMPOWERMENT, **extra)
        Service.objects.create(case=case, kind=ServiceKind.TRAINING, created_by=worker)
        return case

    return _make


def detail_url(course: Course) -> str:
    return reverse("training:course_detail", kwargs={"pk": course.pk})


def statuses(course: Course) -> list[tuple[str, str, int | None]]:
    return list(
        Enrolment.objects.filter(course=course).order_by("pk").values_list("case__number", "status", "waiting_position")
    )


# --- Capacity and the waiting list ------------------------------------------------------------------


def test_a_full_course_puts_new_cases_on_the_waiting_list_in_order(make_course, trainee, worker):
    course = make_course(capacity=2)
    cases = [trainee() for _ in range(4)]
    results = [services.enrol(actor=worker, course=course, case=case) for case in cases]

    assert [(e.status, e.waiting_position) for e in results] == [
        ("enrolled", None),
        ("enrolled", None),
        ("waiting", 1),
        ("waiting", 2),
    ]
    # The case history says where she went; the audit log has the enrolment.
    assert CaseNote.objects.filter(case=cases[2], summary__contains="daftar tunggu").exists()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="training.enrolment").count() == 4
    # A place taken by someone who completed stays taken.
    services.complete(actor=worker, enrolment=results[0], completed_on=TODAY)
    fifth = services.enrol(actor=worker, course=course, case=trainee())
    assert (fifth.status, fifth.waiting_position) == ("waiting", 3)


def test_the_page_shows_places_and_the_waiting_list_in_order(login, make_course, trainee, worker):
    course = make_course(capacity=1)
    first, second, third = (trainee() for _ in range(3))
    for case in (first, second, third):
        services.enrol(actor=worker, course=course, case=case)

    response = login(worker).get(detail_url(course))
    participants = response.context["participants"]
    assert [e.case for e in participants.places] == [first]
    assert [e.case for e in participants.waiting] == [second, third]
    html = response.content.decode()
    assert "1 dari 1 tempat terisi, sisa 0" in html
    assert html.index(second.number) < html.index(third.number)


def test_withdrawing_a_participant_promotes_the_first_waiting(make_course, trainee, worker):
    course = make_course(capacity=1)
    first, second, third = (trainee() for _ in range(3))
    enrolments = [services.enrol(actor=worker, course=course, case=c) for c in (first, second, third)]

    services.withdraw(actor=worker, enrolment=enrolments[0], reason=LeaveReason.WENT_HOME)

    assert statuses(course) == [
        (first.number, "withdrawn", None),
        (second.number, "enrolled", None),
        (third.number, "waiting", 2),
    ]
    # The promoted case's training service is now running; the withdrawn one's is planned again.
    assert second.services.get().status == ServiceStatus.IN_PROGRESS
    assert first.services.get().status == ServiceStatus.PLANNED
    assert CaseNote.objects.filter(case=second, summary__contains="naik dari daftar tunggu").exists()


def test_the_case_team_withdraws_through_the_page(login, make_course, trainee, worker, kadis):
    course = make_course(capacity=1)
    first, second = trainee(), trainee()
    enrolment = services.enrol(actor=worker, course=course, case=first)
    services.enrol(actor=worker, course=course, case=second)
    client = login(kadis)
    url = reverse("training:withdraw", kwargs={"pk": enrolment.pk})
    assert url in client.get(detail_url(course)).content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": LeaveReason.WENT_HOME})
    assert response.status_code == 302
    assert statuses(course) == [(first.number, "withdrawn", None), (second.number, "enrolled", None)]
    left = client.get(detail_url(course)).content.decode()
    assert "Pulang ke daerah asal" in left


def test_withdrawing_from_the_waiting_list_promotes_nobody(make_course, trainee, worker):
    course = make_course(capacity=1)
    first, second, third = (trainee() for _ in range(3))
    enrolments = [services.enrol(actor=worker, course=course, case=c) for c in (first, second, third)]

    services.withdraw(actor=worker, enrolment=enrolments[1], reason=LeaveReason.OTHER_COURSE)

    assert statuses(course) == [
        (first.number, "enrolled", None),
        (second.number, "withdrawn", None),
        (third.number, "waiting", 2),
    ]
    # Once a place frees up, the next in line gets it.
    services.withdraw(actor=worker, enrolment=enrolments[0], reason=LeaveReason.WORK)
    assert Enrolment.objects.get(pk=enrolments[2].pk).status == EnrolmentStatus.ENROLLED


def test_dropping_out_ends_the_service_and_promotes_through_the_page(login, make_course, trainee, worker):
    course = make_course(capacity=1, name="Tata busana")
    first, second = trainee(), trainee()
    dropped = services.enrol(actor=worker, course=course, case=first)
    services.enrol(actor=worker, course=course, case=second)

    client = login(worker)
    url = reverse("training:drop", kwargs={"pk": dropped.pk})
    assert client.post(url, {"reason": ""}).status_code == 200  # reason required, nothing changed
    assert Enrolment.objects.get(pk=dropped.pk).status == EnrolmentStatus.ENROLLED

    response = client.post(url, {"reason": LeaveReason.FAMILY})
    assert response.status_code == 302
    assert statuses(course) == [(first.number, "dropped", None), (second.number, "enrolled", None)]
    service = first.services.get()
    assert service.status == ServiceStatus.CANCELLED
    assert service.outcome == "Tidak menyelesaikan Tata busana (Alasan keluarga)"
    assert second.services.get().status == ServiceStatus.IN_PROGRESS
    # A second click finds her already dropped.
    assert client.post(url, {"reason": LeaveReason.FAMILY}).status_code == 302
    assert Enrolment.objects.filter(course=course, status="enrolled").count() == 1


def test_a_larger_capacity_promotes_a_smaller_one_cannot_drop_anyone(make_course, trainee, worker):
    course = make_course(capacity=1)
    enrolments = [services.enrol(actor=worker, course=course, case=trainee()) for _ in range(3)]
    fields = {
        "name": course.name,
        "skill": course.skill,
        "provider": course.provider,
        "starts_on": course.starts_on,
        "ends_on": course.ends_on,
        "place": course.place,
        "toolkit": "",
    }
    services.course_update(actor=worker, course=course, capacity=2, **fields)
    assert Enrolment.objects.get(pk=enrolments[1].pk).status == EnrolmentStatus.ENROLLED
    assert Enrolment.objects.get(pk=enrolments[2].pk).waiting_position == 2

    with pytest.raises(ValidationError) as exc:
        services.course_update(actor=worker, course=course, capacity=1, **fields)
    assert "capacity" in exc.value.message_dict
    assert Course.objects.get(pk=course.pk).capacity == 2


# --- Refusals -----------------------------------------------------------------------------------------


def test_a_case_already_in_the_course_is_refused_but_may_return_after_withdrawing(login, make_course, trainee, worker):
    course = make_course(capacity=1)
    enrolled, waiting = trainee(), trainee()
    first = services.enrol(actor=worker, course=course, case=enrolled)
    services.enrol(actor=worker, course=course, case=waiting)

    client = login(worker)
    url = reverse("training:enrol", kwargs={"pk": course.pk})
    response = client.post(url, {"case_number": enrolled.number})
    assert response.status_code == 200
    assert "sudah terdaftar sebagai peserta" in response.content.decode()
    response = client.post(url, {"case_number": waiting.person.case_code})
    assert "sudah ada di daftar tunggu" in response.content.decode()
    assert Enrolment.objects.filter(course=course).count() == 2

    services.withdraw(actor=worker, enrolment=first, reason=LeaveReason.DECLINED)
    again = services.enrol(actor=worker, course=course, case=enrolled)
    assert (again.status, again.waiting_position) == ("waiting", 1)  # the other took her place meanwhile


def test_a_closed_case_is_refused(login, make_course, trainee, worker):
    course = make_course()
    case = trainee(status=CaseStatus.CLOSED, closed_on=dt.date(2019, 2, 1), closing_reason="goals_met")
    with pytest.raises(ValidationError) as exc:
        services.enrol(actor=worker, course=course, case=case)
    assert "ditutup" in exc.value.message_dict["case"][0]

    response = login(worker).post(reverse("training:enrol", kwargs={"pk": course.pk}), {"case_number": case.number})
    assert response.status_code == 200 and "sudah ditutup" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_finished_course_takes_no_more_enrolments(login, make_course, trainee, worker):
    course = make_course(starts_on=dt.date(2019, 1, 14), ends_on=dt.date(2019, 5, 10))
    case = trainee()
    with pytest.raises(ValidationError) as exc:
        services.enrol(actor=worker, course=course, case=case)
    assert "sudah selesai" in exc.value.message_dict["case"][0]
    # Recording an enrolment made back then still works (the demo's 2019 courses).
    assert services.enrol(actor=worker, course=course, case=case, on=dt.date(2019, 1, 7)).status == "enrolled"
    response = login(worker).get(reverse("training:enrol", kwargs={"pk": course.pk}))
    assert "pendaftaran ditutup" in response.content.decode()
    assert (
        reverse("training:enrol", kwargs={"pk": course.pk})
        not in login(worker).get(detail_url(course)).content.decode()
    )


def test_enrolment_only_for_cases_in_scope(login, make_course, trainee, make_case, orgs, worker, users):
    course = make_course()
    kukar_case = make_case(organisation=orgs["dinsos_kukar"], case_worker=None, pathway=Pathway.REHAB_CENTRE)
    client = login(worker)
    url = reverse("training:enrol", kwargs={"pk": course.pk})

    # Picked by id from outside the scope: not found, like any guessed URL.
    assert client.post(url, {"case": kukar_case.pk}).status_code == 404
    # Typed: the same answer as a number that does not exist.
    response = client.post(url, {"case_number": kukar_case.number})
    assert "Tidak ada kasus dengan nomor ini di wilayah Anda" in response.content.decode()
    assert not Enrolment.objects.exists()
    with pytest.raises(PermissionDenied):
        services.enrol(actor=worker, course=course, case=kukar_case)
    # The registrar may look at courses but not enrol anyone.
    assert login(users[Role.REGISTRAR]).get(url).status_code == 403


def test_the_enrol_page_proposes_cases_whose_plan_leads_to_training(login, make_course, trainee, make_case, worker):
    course = make_course()
    planned = trainee()
    rehab = make_case(pathway=Pathway.REHAB_CENTRE)
    going_home = make_case(pathway=Pathway.REPATRIATION)
    already = trainee()
    services.enrol(actor=worker, course=course, case=already)

    client = login(worker)
    url = reverse("training:enrol", kwargs={"pk": course.pk})
    response = client.get(url)
    proposed = set(response.context["candidates"])
    assert proposed == {planned, rehab}
    assert going_home not in proposed

    response = client.post(url, {"case": planned.pk})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(course=course, case=planned)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    # Linked to the plan's training service, which is now running.
    assert enrolment.service == planned.services.get()
    assert enrolment.service.status == ServiceStatus.IN_PROGRESS
    assert enrolment.service.provider == course.provider


# --- Attendance and completion -------------------------------------------------------------------------


def test_attendance_grid_records_sessions_per_participant(login, make_course, trainee, worker):
    course = make_course()
    a, b = (services.enrol(actor=worker, course=course, case=trainee()) for _ in range(2))
    client = login(worker)
    url = reverse("training:attendance", kwargs={"pk": course.pk})
    assert client.get(url).status_code == 200

    response = client.post(url, {"sessions_total": 10, f"attended_{a.pk}": 11, f"attended_{b.pk}": 7})
    assert response.status_code == 200
    assert "Lebih dari jumlah pertemuan" in response.content.decode()

    response = client.post(url, {"sessions_total": 10, f"attended_{a.pk}": 9, f"attended_{b.pk}": 7})
    assert response.status_code == 302
    assert Course.objects.get(pk=course.pk).sessions_total == 10
    assert list(
        Enrolment.objects.filter(course=course).order_by("pk").values_list("sessions_attended", "sessions_total")
    ) == [(9, 10), (7, 10)]
    assert "9 / 10" in client.get(detail_url(course)).content.decode()


def test_completion_completes_the_training_service(login, make_course, trainee, worker):
    course = make_course(name="Pelatihan tata boga Kupang", toolkit="Peralatan masak")
    case = trainee()
    enrolment = services.enrol(actor=worker, course=course, case=case)

    response = login(worker).post(
        reverse("training:complete", kwargs={"pk": enrolment.pk}),
        {
            "completed_on": TODAY.isoformat(),
            "certificate_number": " TB/2019/001 ",
            "toolkit_handed_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.certificate_number == "TB/2019/001"
    assert enrolment.toolkit_handed_on == TODAY
    service = case.services.get()
    assert service.status == ServiceStatus.COMPLETED
    assert service.outcome == "Lulus Pelatihan tata boga Kupang"
    assert service.ended_on == TODAY
    assert CaseNote.objects.filter(case=case, summary="Lulus Pelatihan tata boga Kupang").exists()


def test_completion_dates_are_checked(make_course, trainee, worker):
    course = make_course()
    enrolment = services.enrol(actor=worker, course=course, case=trainee())
    with pytest.raises(ValidationError) as exc:
        services.complete(
            actor=worker,
            enrolment=enrolment,
            completed_on=dt.date(2019, 1, 1),
            toolkit_handed_on=TODAY + dt.timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"completed_on", "toolkit_handed_on"}
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED


def test_certificate_numbers_are_unique_within_a_course(login, make_course, trainee, worker):
    course, other_course = make_course(), make_course("Pelatihan tata rias")
    a, b = (services.enrol(actor=worker, course=course, case=trainee()) for _ in range(2))
    services.complete(actor=worker, enrolment=a, completed_on=TODAY, certificate_number="TB-001")

    response = login(worker).post(
        reverse("training:complete", kwargs={"pk": b.pk}),
        {"completed_on": TODAY.isoformat(), "certificate_number": "tb-001"},
    )
    assert response.status_code == 200
    assert "sudah dipakai peserta lain" in response.content.decode()
    assert Enrolment.objects.get(pk=b.pk).status == EnrolmentStatus.ENROLLED

    # The same number in another course is fine, and so are several empty ones.
    c = services.enrol(actor=worker, course=other_course, case=trainee())
    services.complete(actor=worker, enrolment=c, completed_on=TODAY, certificate_number="TB-001")
    services.complete(actor=worker, enrolment=b, completed_on=TODAY)
    d = services.enrol(actor=worker, course=course, case=trainee())
    services.complete(actor=worker, enrolment=d, completed_on=TODAY)


# --- Courses ---------------------------------------------------------------------------------------------


def test_create_a_course_through_the_form(login, orgs, kadis):
    client = login(kadis)
    url = reverse("training:course_create")
    data = {
        "name": "Pelatihan tata rias 2019",
        "skill": Skill.BEAUTY,
        "provider": orgs["lks_kupang"].pk,
        "starts_on": "2019-02-04",
        "ends_on": "2019-02-04",
        "capacity": 501,
        "place": "LKS Uji Kupang",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "ends_on" in errors and "capacity" in errors
    assert response.context["form"]["name"].value() == "Pelatihan tata rias 2019"  # input kept

    response = client.post(url, data | {"ends_on": "2019-05-31", "capacity": 60})
    course = Course.objects.get()
    assert response.status_code == 302 and response.url == detail_url(course)
    assert course.scope_region_code == "53.71" and course.created_by == kadis
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="training.course").exists()

    # Same name, provider and start date: a duplicate.
    response = client.post(url, data | {"ends_on": "2019-05-31", "capacity": 60})
    assert "sudah punya pelatihan dengan nama" in response.content.decode()

    edit = reverse("training:course_edit", kwargs={"pk": course.pk})
    assert client.get(edit).context["form"]["capacity"].value() == 60
    response = client.post(edit, data | {"ends_on": "2019-05-31", "capacity": 40, "place": "Aula Kelurahan Alak"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.capacity, course.place) == (40, "Aula Kelurahan Alak")
    update = AuditEvent.objects.get(action=Action.UPDATE, object_type="training.course")
    assert update.detail["fields"] == ["capacity", "place"]


def test_a_provider_outside_the_scope_is_not_offered(login, orgs, kadis):
    client = login(kadis)
    form = client.get(reverse("training:course_create")).context["form"]
    offered = set(form.fields["provider"].queryset)
    assert orgs["lks_kupang"] in offered and orgs["dinsos_kukar"] not in offered
    with pytest.raises(PermissionDenied):
        services.course_create(
            actor=kadis,
            name="Di luar wilayah",
            skill=Skill.OTHER,
            provider=orgs["dinsos_kukar"],
            starts_on=TODAY,
            ends_on=TODAY + dt.timedelta(days=120),
            place="Tenggarong",
        )


def test_course_list_filters_and_counts(login, make_course, trainee, worker, orgs):
    full = make_course("Tata rias penuh", skill=Skill.BEAUTY, capacity=1)
    make_course(
        "Tata boga akan datang", starts_on=TODAY + dt.timedelta(days=10), ends_on=TODAY + dt.timedelta(days=130)
    )
    make_course("Tata busana LKS", skill=Skill.TAILORING, provider=orgs["lks_kupang"])
    make_course("Tata busana 2019", skill=Skill.TAILORING, starts_on=dt.date(2019, 9, 2), ends_on=dt.date(2019, 12, 27))
    for _ in range(3):
        services.enrol(actor=worker, course=full, case=trainee())

    client = login(worker)
    url = reverse("training:course_list")
    rows = list(client.get(url, {"skill": Skill.BEAUTY}).context["page_obj"])
    assert [(c.name, c.places_taken, c.waiting_count) for c in rows] == [("Tata rias penuh", 1, 2)]
    rows = client.get(url, {"period": "upcoming"}).context["page_obj"]
    assert [c.name for c in rows] == ["Tata boga akan datang"]
    rows = client.get(url, {"provider": orgs["lks_kupang"].pk}).context["page_obj"]
    assert [c.name for c in rows] == ["Tata busana LKS"]
    rows = client.get(url, {"period": "running", "q": "penuh"}).context["page_obj"]
    assert [c.name for c in rows] == ["Tata rias penuh"]
    rows = client.get(url, {"period": "finished"}).context["page_obj"]
    assert [c.name for c in rows] == ["Tata busana 2019"]
    # HTMX asks for the rows only.
    response = client.get(url, {"q": "busana"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b"Tata busana LKS" in response.content


# --- Provider's view and scope -----------------------------------------------------------------------------


def test_provider_staff_see_their_course_participants_by_case_code_only(
    login, make_course, trainee, worker, users, orgs
):
    lks_course = make_course("Tata rias di LKS", provider=orgs["lks_kupang"])
    other_course = make_course("Tata boga Dinsos")
    case = trainee()
    services.enrol(actor=worker, course=lks_course, case=case)
    partner = users[Role.PARTNER_USER]
    client = login(partner)

    listed = [c.name for c in client.get(reverse("training:course_list")).context["page_obj"]]
    assert listed == ["Tata rias di LKS"]
    response = client.get(detail_url(lks_course))
    html = response.content.decode()
    assert response.status_code == 200
    assert case.number in html
    assert unseal(case.person.identity_ciphertext).full_name not in html
    assert reverse("cases:detail", kwargs={"pk": case.pk}) not in html  # no way into the case file
    assert "hanya dapat dilihat melalui rujukan" in html
    # Nothing to manage, and other providers' courses do not exist for them.
    assert client.get(detail_url(other_course)).status_code == 404
    assert client.get(reverse("training:course_edit", kwargs={"pk": lks_course.pk})).status_code == 403
    assert client.get(reverse("training:attendance", kwargs={"pk": lks_course.pk})).status_code == 403
    assert client.get(reverse("training:enrol", kwargs={"pk": lks_course.pk})).status_code == 403
    # Other roles without training rights are refused outright.
    assert login(users[Role.FINANCE_OFFICER]).get(reverse("training:course_list")).status_code == 403


def test_other_regions_see_only_their_own_cases_in_a_course(login, make_course, trainee, make_user, orgs, worker):
    """A Kukar team may find a Kupang course, but the Kupang participants stay hidden."""
    course = make_course()
    services.enrol(actor=worker, course=course, case=trainee())
    kukar = make_user(Role.CASE_WORKER, organisation=orgs["dinsos_kukar"], region="64.02")
    client = login(kukar)
    response = client.get(detail_url(course))
    assert response.context["participants"].places == []
    assert response.context["participants"].hidden == 1
    assert not response.context["can_manage"]
    assert client.get(reverse("training:course_edit", kwargs={"pk": course.pk})).status_code == 403
    enrolment = Enrolment.objects.get()
    assert client.post(reverse("training:drop", kwargs={"pk": enrolment.pk}), {"reason": "work"}).status_code == 403
    assert client.get(reverse("training:withdraw", kwargs={"pk": enrolment.pk})).status_code == 403


# --- Query counts -------------------------------------------------------------------------------------------


def test_course_list_has_no_query_per_row(login, make_course, trainee, worker, django_assert_max_num_queries):
    for day in range(1, 21):
        course = make_course(f"Pelatihan {day:02d}", starts_on=dt.date(2019, 1, day), capacity=1)
        services.enrol(actor=worker, course=course, case=trainee())
    client = login(worker)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("training:course_list"))
    rows = list(response.context["page_obj"])
    assert len(rows) == 20 and all(c.places_taken == 1 for c in rows)


def test_course_detail_has_no_query_per_participant(login, make_course, trainee, worker, django_assert_max_num_queries):
    course = make_course(capacity=55)
    for _ in range(60):
        services.enrol(actor=worker, course=course, case=trainee())
    client = login(worker)
    with django_assert_max_num_queries(10):
        response = client.get(detail_url(course))
    participants = response.context["participants"]
    assert len(participants.places) == 55 and len(participants.waiting) == 5
    assert response.content.decode().count('data-testid="participant"') == 55


# --- Concurrency (PostgreSQL) -------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_enrolments_never_exceed_the_capacity(make_course, trainee, worker):
    course = make_course(capacity=3)
    with transaction.atomic():  # case codes are numbered under a row lock
        cases = [trainee() for _ in range(10)]
    barrier = threading.Barrier(len(cases))
    errors: list[BaseException] = []

    def enrol(case):
        try:
            barrier.wait(timeout=30)
            services.enrol(actor=worker, course=Course.objects.get(pk=course.pk), case=case)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    rows = Enrolment.objects.filter(course=course)
    assert rows.filter(status=EnrolmentStatus.ENROLLED).count() == 3
    positions = sorted(rows.filter(status=EnrolmentStatus.WAITING).values_list("waiting_position", flat=True))
    assert positions == list(range(1, 8))


# --- Demo ---------------------------------------------------------------------------------------------------


def test_demo_courses_in_kupang_and_at_upt_rsbkw_kediri(regions):
    from demo.scenario import load_scenario, seed_organisations
    from demo.training import KUPANG_COURSE, seed_training

    load_scenario()
    orgs = seed_organisations()
    seed_training(orgs)

    kupang = Course.objects.get(name=KUPANG_COURSE)
    graduates = kupang.enrolments.select_related("case", "case__person", "service")
    assert graduates.count() == 3
    for enrolment in graduates:
        assert enrolment.status == EnrolmentStatus.COMPLETED
        assert enrolment.certificate_number and enrolment.toolkit_handed_on
        assert enrolment.case.person.origin_regency_id == "53.71"
        assert enrolment.case.pathway == Pathway.LOCAL_EMPOWERMENT
        assert enrolment.service.status == ServiceStatus.COMPLETED

    upt = Course.objects.filter(provider=orgs["upt_rsbkw"]).order_by("starts_on")
    assert [c.skill for c in upt] == [Skill.BEAUTY, Skill.CATERING, Skill.TAILORING]
    assert {(c.capacity, c.place, c.starts_on.year) for c in upt} == {(60, "UPT RSBKW Kediri", 2019)}
    for course in upt:
        assert 110 <= (course.ends_on - course.starts_on).days <= 125  # about four months
        women = Enrolment.objects.filter(course=course).select_related("case__person")
        assert {e.case.responsible_organisation_id for e in women} == {orgs["dinsos_kediri"].pk}
        assert {e.case.person.sex for e in women} == {"P"}
        assert women.filter(status="completed").exists() and women.filter(status="dropped").exists()
    tailoring = upt.get(skill=Skill.TAILORING)
    taken = tailoring.enrolments.filter(status__in=["enrolled", "completed"]).count()
    waiting = tailoring.enrolments.filter(status="waiting").values_list("waiting_position", flat=True)
    assert taken == 60 and len(waiting) == 4 and len(set(waiting)) == 4
    # Most of the women come from outside Kabupaten Kediri (seed 004).
    origins = Enrolment.objects.filter(course__in=upt).values_list("case__person__origin_regency_id", flat=True)
    outside = [code for code in origins if code != "35.06"]
    assert len(outside) > len(origins) / 2

    before = (Course.objects.count(), Enrolment.objects.count(), Service.objects.count())
    seed_training(orgs)
    assert (Course.objects.count(), Enrolment.objects.count(), Service.objects.count()) == before
