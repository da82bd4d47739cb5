"""Closure programmes: who may see and change them, the rules on saving, phases and stage plans,
progress computed from the records (never typed in), and the page a Head of Dinsos opens every
morning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from activities.models import ActionStatus, Activity, ActivityKind, ActivityStatus, FollowUpAction
from assistance.models import (
    AmountRule,
    AssistanceProgramme,
    BudgetLine,
    Cycle,
    Entitlement,
    EntitlementRun,
    EntitlementStatus,
    FundingSource,
)
from audit.models import Action, AuditEvent
from cases.models import FollowUp
from census.models import RoundKind, RoundStatus
from grievances.models import Category, Channel, FromGroup, Grievance
from monitoring.models import Finding, MonitoringVisit
from organisations.models import OrgKind
from programmes import progress, services
from programmes.models import ClosureProgramme, Phase, ProgrammeSite, ProgrammeStatus, Stage, StageKind
from regions.models import Region
from repatriation.models import Handover, Repatriation, RepatriationStatus, Trip, TripStatus
from sites.models import SiteStatus
from training.models import Course, Enrolment, EnrolmentStatus, Skill

LIST = reverse("programmes:list")
CREATE = reverse("programmes:create")
TODAY = timezone.localdate()


def detail_url(programme) -> str:
    return reverse("programmes:detail", kwargs={"pk": programme.pk})


def edit_url(programme) -> str:
    return reverse("programmes:edit", kwargs={"pk": programme.pk})


def stages_url(programme) -> str:
    return reverse("programmes:stages_edit", kwargs={"pk": programme.pk})


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def kukar_head(make_user, orgs):
    return make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")


@pytest.fixture
def kukar_site(make_site, orgs):
    return make_site("KM 10 Loa Janan", short_code="KM10", region="64.02", owner_organisation=orgs["dinsos_kukar"])


@pytest.fixture
def second_site(make_site):
    return make_site("Lokalisasi Uji Kedua", short_code="LU")


@pytest.fixture
def record_activity(orgs):
    def _record(programme, kind, day, *, status=ActivityStatus.HELD, site=None, title=""):
        return Activity.objects.create(
            programme=programme,
            site=site,
            kind=kind,
            title=title or f"{ActivityKind(kind).label} {day}",
            starts_at=at(day),
            organiser=orgs["dinsos_kupang"],
            status=status,
            region_code=programme.region_id,
        )

    return _record


@pytest.fixture
def record_action(orgs):
    def _record(programme, description, due_on, *, status=ActionStatus.OPEN, done_on=None, owner=None):
        return FollowUpAction.objects.create(
            programme=programme,
            description=description,
            owner_organisation=owner or orgs["dinsos_kupang"],
            due_on=due_on,
            status=status,
            done_on=done_on,
            region_code=programme.region_id,
        )

    return _record


class PeopleRecords:
    """The records of the people of a programme (repatriation, training, assistance, follow-up),
    written as the features store them."""

    def __init__(self, orgs, receiver, head):
        self.orgs, self.receiver, self.head = orgs, receiver, head

    # Repatriation
    def trip(self, departure_on, status=TripStatus.DEPARTED) -> Trip:
        return Trip.objects.create(
            organiser=self.orgs["dinsos_kupang"],
            departure_on=departure_on,
            mode="sea",
            route="Kupang – Surabaya (KM Awu)",
            status=status,
            scope_region_code="53.71",
        )

    def repatriate(self, case, trip, status=RepatriationStatus.TRAVELLING, receiver=None) -> Repatriation:
        return Repatriation.objects.create(
            case=case,
            trip=trip,
            destination_id="35.06",
            destination_regency_code="35.06",
            receiving_organisation=receiver or self.receiver,
            status=status,
            scope_region_code="53.71",
        )

    def hand_over(self, trip, on, receiver=None) -> Handover:
        receiver = receiver or self.receiver
        trip.repatriations.filter(receiving_organisation=receiver, status__in=("planned", "travelling")).update(
            status=RepatriationStatus.HANDED_OVER
        )
        return Handover.objects.create(
            trip=trip, receiving_organisation=receiver, handed_over_on=on, signed_by_name="Kepala Dinas Sosial"
        )

    # Training
    def course(self, starts_on, name="Tata boga") -> Course:
        return Course.objects.create(
            name=name,
            skill=Skill.CATERING,
            provider=self.orgs["dinsos_kupang"],
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=120),
            place="UPT RSBKW Kediri",
            scope_region_code="53.71",
        )

    def enrol(self, case, course, status=EnrolmentStatus.ENROLLED, completed_on=None) -> Enrolment:
        return Enrolment.objects.create(
            course=course, case=case, status=status, enrolled_on=course.starts_on, completed_on=completed_on
        )

    # Assistance
    def cycle(self, starts_on, name="Tahap 1") -> Cycle:
        line, _created = BudgetLine.objects.get_or_create(
            owner_organisation=self.orgs["dinsos_kupang"],
            fiscal_year=2019,
            code="5.1.02.01",
            defaults={
                "name": "Bantuan eks penghuni",
                "source": FundingSource.APBN_KEMENSOS,
                "amount": Decimal("300000000"),
                "scope_region_code": "53.71",
            },
        )
        programme, _created = AssistanceProgramme.objects.get_or_create(
            budget_line=line,
            name="Paket bantuan Kemensos",
            defaults={"amount_rule": AmountRule.FIXED, "amount": Decimal("5050000"), "scope_region_code": "53.71"},
        )
        return Cycle.objects.create(
            programme=programme, name=name, starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=90)
        )

    def entitle(self, person, cycle, status=EntitlementStatus.APPROVED, paid_on=None) -> Entitlement:
        run = EntitlementRun.objects.create(
            cycle=cycle,
            programme=cycle.programme,
            budget_line=cycle.programme.budget_line,
            status="approved",
            proposed_at=at(cycle.starts_on),
            proposed_by=self.head,
            scope_region_code="53.71",
        )
        return Entitlement.objects.create(
            run=run,
            cycle=cycle,
            programme=cycle.programme,
            budget_line=cycle.programme.budget_line,
            person=person,
            identity_key=f"p{person.pk}",
            site=person.registered_site,
            amount=Decimal("5050000"),
            status=status,
            paid_on=paid_on,
            scope_region_code="53.71",
        )

    # Follow-up
    def follow_up(self, case, months, due_on, done_on=None) -> FollowUp:
        return FollowUp.objects.create(
            case=case,
            months_after=months,
            due_on=due_on,
            done_on=done_on,
            outcome="working" if done_on else "",
            scope_region_code="53.71",
        )


@pytest.fixture
def people_records(orgs, make_org, users):
    receiver = make_org("Dinas Sosial Kabupaten Kediri", kind=OrgKind.DINSOS_KABKOTA, region="35.06")
    return PeopleRecords(orgs, receiver, users[Role.HEAD_OF_DINSOS])


def final_round(make_round, site, held_on=dt.date(2018, 12, 20), *, closed=True, people=()):
    census_round = make_round(site=site, kind=RoundKind.FINAL, held_on=held_on, people=people)
    if closed:
        census_round.status = RoundStatus.CLOSED
        census_round.save()
    return census_round


def form_data(site, **overrides) -> dict:
    data = {
        "name": "Penutupan Lokalisasi Karang Dempel",
        "owner_organisation": "",
        "legal_basis": "Instruksi Kemensos\nSK Wali Kota Kupang",
        "description": "",
        "launched_on": "2018-10-01",
        "deadline": "2019-01-01",
        "status": ProgrammeStatus.ACTIVE,
        "sites": [site.pk],
        "partners": [],
    }
    data.update(overrides)
    return data


def programme_data(orgs, sites, **overrides) -> services.ProgrammeData:
    values = {
        "name": "Penutupan Uji",
        "owner_organisation": orgs["dinsos_kupang"],
        "deadline": dt.date(2019, 1, 1),
        "launched_on": dt.date(2018, 10, 1),
        "sites": tuple(sites),
    }
    values.update(overrides)
    return services.ProgrammeData(**values)


# --- Creating and editing ---------------------------------------------------------------------------


def test_head_of_dinsos_creates_a_programme_with_every_stage_and_an_audit_event(client, login, kadis, orgs, site_kd):
    login(kadis)
    form = client.get(CREATE)
    assert form.context["form"]["owner_organisation"].value() == orgs["dinsos_kupang"].pk
    response = client.post(
        CREATE,
        form_data(site_kd, owner_organisation=orgs["dinsos_kupang"].pk, partners=[orgs["lks_kupang"].pk]),
    )
    programme = ClosureProgramme.objects.get(name="Penutupan Lokalisasi Karang Dempel")
    assert response.status_code == 302 and response.url == detail_url(programme)
    assert programme.region_id == "53.71" and programme.created_by == kadis
    assert list(programme.partners.all()) == [orgs["lks_kupang"]]
    assert list(programme.programme_sites.values_list("site_id", flat=True)) == [site_kd.pk]
    stages = programme.stages.all()
    assert sorted(stage.kind for stage in stages) == sorted(StageKind.values)
    assert all(stage.applies and stage.planned_end is None for stage in stages)
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="programmes.closureprogramme")
    assert event.object_id == str(programme.pk) and event.detail["sites"] == [site_kd.pk]


def test_the_deadline_must_come_after_the_launch_and_the_input_is_kept(client, login, kadis, orgs, site_kd):
    login(kadis)
    data = form_data(site_kd, owner_organisation=orgs["dinsos_kupang"].pk, launched_on="2019-02-01")
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert response.context["form"].errors["deadline"] == ["Batas waktu penutupan harus sesudah tanggal pencanangan."]
    assert 'value="2019-02-01"' in response.content.decode()
    assert not ClosureProgramme.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.programme_create(actor=kadis, data=programme_data(orgs, [site_kd], launched_on=dt.date(2019, 1, 1)))
    assert "deadline" in exc.value.message_dict


def test_a_programme_needs_a_site(client, login, kadis, orgs, site_kd):
    login(kadis)
    response = client.post(CREATE, form_data(site_kd, owner_organisation=orgs["dinsos_kupang"].pk, sites=[]))
    assert response.context["form"].errors["sites"] == ["Pilih sedikitnya satu lokalisasi."]
    with pytest.raises(ValidationError) as exc:
        services.programme_create(actor=kadis, data=programme_data(orgs, []))
    assert "sites" in exc.value.message_dict


def test_kukar_head_cannot_create_a_programme_in_kupang(client, login, kukar_head, orgs, site_kd, kukar_site):
    login(kukar_head)
    form = client.get(CREATE).context["form"]
    assert list(form.fields["owner_organisation"].queryset) == [orgs["dinsos_kukar"]]
    assert list(form.fields["sites"].queryset) == [kukar_site]
    response = client.post(CREATE, form_data(site_kd, owner_organisation=orgs["dinsos_kupang"].pk))
    assert response.status_code == 200
    assert response.context["form"].errors["owner_organisation"] and response.context["form"].errors["sites"]
    with pytest.raises(PermissionDenied):
        services.programme_create(actor=kukar_head, data=programme_data(orgs, [site_kd]))
    assert not ClosureProgramme.objects.exists()


def test_sites_must_lie_in_the_owners_region_and_in_the_actors_scope(users, orgs, site_kd, kukar_site):
    officer_ntt = users[Role.PROVINCE_OFFICER]
    kadis = users[Role.HEAD_OF_DINSOS]
    with pytest.raises(ValidationError) as outside_owner:
        services.programme_create(actor=kadis, data=programme_data(orgs, [site_kd, kukar_site]))
    messages = outside_owner.value.message_dict["sites"]
    assert any("di luar cakupan wilayah Anda" in m for m in messages)
    assert any("KM 10 Loa Janan" in m for m in messages)
    with pytest.raises(PermissionDenied):
        # The province officer sees programmes but may not run them.
        services.programme_create(actor=officer_ntt, data=programme_data(orgs, [site_kd]))


def test_a_site_belongs_to_a_programme_only_once_but_to_several_programmes_over_the_years(kadis, orgs, site_kd):
    with pytest.raises(ValidationError) as exc:
        services.programme_create(actor=kadis, data=programme_data(orgs, [site_kd, site_kd]))
    assert exc.value.message_dict["sites"] == ["Satu lokalisasi hanya dapat dicantumkan sekali dalam satu program."]
    first = services.programme_create(actor=kadis, data=programme_data(orgs, [site_kd], name="Penutupan 2018"))
    later = services.programme_create(
        actor=kadis,
        data=programme_data(
            orgs,
            [site_kd],
            name="Penutupan ulang 2024",
            launched_on=dt.date(2024, 1, 1),
            deadline=dt.date(2024, 12, 31),
        ),
    )
    assert ProgrammeSite.objects.filter(site=site_kd).count() == 2
    assert first.pk != later.pk


def test_the_owner_is_not_its_own_partner_and_inactive_partners_are_refused(kadis, orgs, make_org, site_kd):
    closed = make_org("LSM Uji Bubar", kind=OrgKind.LSM, is_active=False)
    programme = services.programme_create(
        actor=kadis, data=programme_data(orgs, [site_kd], partners=(orgs["dinsos_kupang"], orgs["lks_kupang"]))
    )
    assert list(programme.partners.all()) == [orgs["lks_kupang"]]
    with pytest.raises(ValidationError) as exc:
        services.programme_update(
            actor=kadis, programme=programme, data=programme_data(orgs, [site_kd], partners=(closed,))
        )
    assert "partners" in exc.value.message_dict


def test_editing_saves_changes_keeps_phases_and_audits_the_changed_fields(
    client, login, kadis, orgs, make_programme, site_kd, second_site
):
    programme = make_programme(launched_on=dt.date(2018, 10, 1))
    phase = Phase.objects.create(programme=programme, number=1, name="Karang Dempel")
    ProgrammeSite.objects.filter(programme=programme, site=site_kd).update(phase=phase)
    login(kadis)
    response = client.post(
        edit_url(programme),
        form_data(
            site_kd,
            name="Penutupan Karang Dempel dan sekitarnya",
            owner_organisation=orgs["dinsos_kupang"].pk,
            sites=[site_kd.pk, second_site.pk],
            partners=[orgs["inspektorat_kupang"].pk],
        ),
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.name == "Penutupan Karang Dempel dan sekitarnya"
    assert ProgrammeSite.objects.get(programme=programme, site=site_kd).phase == phase
    assert ProgrammeSite.objects.get(programme=programme, site=second_site).phase is None
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(programme.pk))
    assert {"name", "legal_basis", "partners", "sites"} <= set(event.detail["fields"])
    assert event.detail["sites_added"] == [second_site.pk]


def test_only_the_head_of_dinsos_in_the_region_may_edit(client, login, users, kukar_head, make_programme):
    programme = make_programme()
    for role in (Role.CASE_WORKER, Role.PROVINCE_OFFICER, Role.PARTNER_USER):
        login(users[role])
        assert client.get(edit_url(programme)).status_code == 403
    login(kukar_head)
    # Outside the Kukar head's scope the programme does not exist for them.
    assert client.get(edit_url(programme)).status_code == 404
    assert client.get(detail_url(programme)).status_code == 404


# --- Who sees which programmes -----------------------------------------------------------------------


def test_a_partner_sees_only_the_programmes_it_takes_part_in(client, login, users, orgs, make_programme):
    with_partner = make_programme("Program dengan LKS", partners=[orgs["lks_kupang"]])
    without = make_programme("Program tanpa LKS")
    login(users[Role.PARTNER_USER])
    listing = client.get(LIST)
    assert [p.name for p in listing.context["page_obj"]] == ["Program dengan LKS"]
    assert client.get(detail_url(with_partner)).status_code == 200
    assert client.get(detail_url(without)).status_code == 404
    assert CREATE not in listing.content.decode()


def test_regional_users_see_their_region_and_the_analyst_sees_everything(
    client, login, users, kukar_head, orgs, make_programme, kukar_site
):
    make_programme("Program Kupang")
    make_programme("Program Kukar", owner=orgs["dinsos_kukar"], sites=[kukar_site])
    for user, expected in (
        (users[Role.CASE_WORKER], ["Program Kupang"]),
        (users[Role.PROVINCE_OFFICER], ["Program Kupang"]),
        (kukar_head, ["Program Kukar"]),
        (users[Role.KEMENSOS_ANALYST], ["Program Kukar", "Program Kupang"]),
    ):
        login(user)
        assert sorted(p.name for p in client.get(LIST).context["page_obj"]) == expected


def test_list_search_and_status_filter(client, login, kadis, make_programme, second_site):
    make_programme("Penutupan Karang Dempel")
    make_programme("Program Lain", sites=[second_site], status=ProgrammeStatus.COMPLETED)
    login(kadis)
    assert [p.name for p in client.get(LIST, {"q": "kedua"}).context["page_obj"]] == ["Program Lain"]
    assert [p.name for p in client.get(LIST, {"q": "dempel"}).context["page_obj"]] == ["Penutupan Karang Dempel"]
    assert [p.name for p in client.get(LIST, {"status": "completed"}).context["page_obj"]] == ["Program Lain"]
    empty = client.get(LIST, {"q": "tidak ada"})
    assert "Tidak ada program yang cocok" in empty.content.decode()


def test_list_rows_show_sites_deadline_and_computed_progress(
    client, login, kadis, make_programme, second_site, record_activity
):
    programme = make_programme(sites=None, deadline=TODAY - dt.timedelta(days=3))
    ProgrammeSite.objects.create(programme=programme, site=second_site)
    record_activity(programme, ActivityKind.COORDINATION, TODAY - dt.timedelta(days=30))
    login(kadis)
    response = client.get(LIST)
    row = response.context["page_obj"][0]
    assert row.site_count == 2 and row.days_left == -3
    assert (row.progress.done_count, row.progress.applicable_count) == (1, 9)
    page = response.content.decode()
    assert "terlambat 3 hari" in page and "1 dari 9 tahapan selesai" in page


def test_the_list_of_twenty_programmes_takes_a_bounded_number_of_queries(
    client,
    login,
    kadis,
    orgs,
    make_programme,
    make_site,
    make_round,
    make_person,
    make_case,
    record_activity,
    people_records,
    django_assert_max_num_queries,
):
    course, cycle = people_records.course(dt.date(2019, 2, 1)), people_records.cycle(dt.date(2019, 1, 1))
    for i in range(20):
        site = make_site(f"Lokalisasi Uji {i}", short_code=f"U{i}")
        programme = make_programme(f"Program {i:02d}", sites=[site], partners=[orgs["lks_kupang"]])
        record_activity(programme, ActivityKind.COORDINATION, dt.date(2018, 10, 30))
        record_activity(programme, ActivityKind.CLOSURE, dt.date(2018, 12, 31), site=site)
        final_round(make_round, site)
        MonitoringVisit.objects.create(
            programme=programme,
            village_id="53.71",
            visited_on=dt.date(2019, 6, 1),
            organisation=orgs["dinsos_kupang"],
            finding=Finding.NONE,
        )
        case = make_case(make_person(f"Penghuni {i}", site=site))
        trip = people_records.trip(dt.date(2019, 10, 4))
        people_records.repatriate(case, trip)
        people_records.hand_over(trip, dt.date(2019, 10, 6))
        people_records.enrol(case, course, EnrolmentStatus.COMPLETED, completed_on=dt.date(2019, 5, 31))
        people_records.entitle(case.person, cycle, EntitlementStatus.DISBURSED, paid_on=dt.date(2019, 3, 1))
        people_records.follow_up(case, 1, dt.date(2019, 11, 6), done_on=dt.date(2019, 11, 4))
    login(kadis)
    with django_assert_max_num_queries(18):
        response = client.get(LIST)
    assert len(response.context["page_obj"]) == 20
    # Coordination, census, closure, repatriation, training and grants (follow-up and monitoring
    # have no planned end here, so they go on).
    assert [p.progress.done_count for p in response.context["page_obj"]] == [6] * 20


# --- Progress: computed from the records ------------------------------------------------------------


def stage(programme, kind, today=TODAY) -> progress.StageProgress:
    return progress.for_programme(programme, today=today).stage(kind)


def test_nothing_is_done_before_anything_is_recorded(make_programme):
    result = progress.for_programme(make_programme())
    assert [s.kind for s in result.stages] == list(StageKind.values)
    assert result.done_count == 0 and result.applicable_count == 9 and result.percent == 0
    assert stage(make_programme("Lain"), StageKind.COORDINATION).text == "Belum ada rakor terlaksana"


def test_coordination_and_socialisation_are_done_by_held_activities_only(make_programme, record_activity):
    programme = make_programme()
    record_activity(programme, ActivityKind.COORDINATION, dt.date(2018, 11, 5), status=ActivityStatus.PLANNED)
    assert not stage(programme, StageKind.COORDINATION).done
    record_activity(programme, ActivityKind.COORDINATION, dt.date(2018, 10, 30))
    record_activity(programme, ActivityKind.COORDINATION, dt.date(2018, 9, 1))
    record_activity(programme, ActivityKind.COORDINATION, dt.date(2018, 11, 20))
    coordination = stage(programme, StageKind.COORDINATION)
    assert coordination.done and coordination.started_on == dt.date(2018, 9, 1)
    assert coordination.done_on == dt.date(2018, 9, 1) and coordination.count == 3
    assert coordination.text == "3 rakor terlaksana"
    socialisation = stage(programme, StageKind.SOCIALISATION)
    assert not socialisation.done and not socialisation.started
    record_activity(programme, ActivityKind.SOCIALISATION, dt.date(2018, 11, 2))
    socialisation = stage(programme, StageKind.SOCIALISATION)
    assert socialisation.done and socialisation.text == "1 sosialisasi terlaksana"


def test_census_is_done_when_every_site_has_a_closed_final_round(make_programme, make_round, site_kd, second_site):
    programme = make_programme(sites=[site_kd, second_site])
    assert not stage(programme, StageKind.CENSUS).started
    make_round(site=site_kd, kind=RoundKind.INITIAL, held_on=dt.date(2018, 10, 1))
    census = stage(programme, StageKind.CENSUS)
    assert census.started and census.started_on == dt.date(2018, 10, 1) and not census.done
    final_round(make_round, site_kd, dt.date(2018, 12, 20))
    final_round(make_round, second_site, dt.date(2018, 12, 22), closed=False)
    census = stage(programme, StageKind.CENSUS)
    assert not census.done
    assert census.text.startswith("Pendataan akhir selesai di 1 dari 2 lokalisasi")
    final_round(make_round, second_site, dt.date(2018, 12, 23))
    census = stage(programme, StageKind.CENSUS)
    assert census.done and census.done_on == dt.date(2018, 12, 23)


def test_closure_is_done_by_site_status_or_a_held_closure_activity_per_site(
    make_programme, record_activity, site_kd, second_site
):
    programme = make_programme(sites=[site_kd, second_site])
    # A closure event that names no site cannot say which of two sites it closed.
    record_activity(programme, ActivityKind.CLOSURE, dt.date(2018, 12, 31))
    closure = stage(programme, StageKind.CLOSURE)
    assert closure.started and not closure.done and closure.text.startswith("Ditutup: 0 dari 2 lokalisasi")
    site_kd.status = SiteStatus.CLOSED
    site_kd.save()
    assert not stage(programme, StageKind.CLOSURE).done
    record_activity(programme, ActivityKind.CLOSURE, dt.date(2019, 1, 2), site=second_site)
    closure = stage(programme, StageKind.CLOSURE)
    assert closure.done and closure.text.startswith("Ditutup: 2 dari 2 lokalisasi")
    single = make_programme("Satu lokalisasi", sites=[second_site])
    second_site.status = SiteStatus.OPERATING
    second_site.save()
    record_activity(single, ActivityKind.CLOSURE, dt.date(2019, 1, 1))
    assert stage(single, StageKind.CLOSURE).done_on == dt.date(2019, 1, 1)


def test_a_monitored_site_counts_as_closed(make_programme, site_kd):
    site_kd.status = SiteStatus.MONITORED
    site_kd.save()
    assert stage(make_programme(), StageKind.CLOSURE).done


def test_a_stage_is_late_when_its_planned_end_passed_and_the_records_do_not_show_it_done(
    make_programme, record_activity
):
    programme = make_programme()
    Stage.objects.create(
        programme=programme, kind=StageKind.COORDINATION, planned_end=dt.date(2018, 10, 31), applies=True
    )
    Stage.objects.create(programme=programme, kind=StageKind.SOCIALISATION, planned_end=dt.date(2018, 11, 30))
    late = stage(programme, StageKind.COORDINATION, today=dt.date(2018, 11, 5))
    assert late.late and late.days_late == 5
    assert not stage(programme, StageKind.COORDINATION, today=dt.date(2018, 10, 31)).late
    record_activity(programme, ActivityKind.COORDINATION, dt.date(2018, 11, 3))
    assert not stage(programme, StageKind.COORDINATION, today=dt.date(2018, 11, 5)).late
    result = progress.for_programme(programme, today=dt.date(2018, 12, 1))
    assert result.late_count == 1 and result.stage(StageKind.SOCIALISATION).late


PEOPLE_STAGES = (StageKind.REPATRIATION, StageKind.TRAINING, StageKind.GRANTS, StageKind.FOLLOW_UP)


def test_without_records_the_people_stages_are_not_started_and_late_once_their_end_passed(make_programme):
    programme = make_programme()
    for kind in PEOPLE_STAGES:
        Stage.objects.create(programme=programme, kind=kind, planned_end=dt.date(2019, 12, 31))
    result = progress.for_programme(programme, today=dt.date(2020, 1, 5))
    texts = {kind: result.stage(kind).text for kind in PEOPLE_STAGES}
    assert texts == {
        StageKind.REPATRIATION: "Belum ada orang dipulangkan",
        StageKind.TRAINING: "Belum ada peserta pelatihan",
        StageKind.GRANTS: "Belum ada bantuan dibayarkan",
        StageKind.FOLLOW_UP: "Belum ada kunjungan tindak lanjut",
    }
    for kind in PEOPLE_STAGES:
        item = result.stage(kind)
        assert not item.started and not item.done and item.count == 0
        assert item.late and item.days_late == 5
    assert result.late_count == 4


def test_repatriation_counts_the_people_handed_over_and_is_done_when_nobody_is_still_on_the_way(
    make_programme, make_case, make_person, make_site, people_records, make_org
):
    programme = make_programme()
    records = people_records
    sri, maria, nona = make_case(), make_case(), make_case()
    trip = records.trip(dt.date(2019, 10, 4))
    records.repatriate(sri, trip)
    records.repatriate(maria, trip)
    # Taken off the trip: she stays, nothing to wait for.
    records.repatriate(nona, trip, status=RepatriationStatus.CANCELLED)
    # Someone registered at a site outside the programme does not count, nor hold it up.
    elsewhere = make_case(make_person("Warga Lain", site=make_site("Lokalisasi Lain", short_code="LL")))
    records.repatriate(elsewhere, records.trip(dt.date(2019, 9, 1)), status=RepatriationStatus.PLANNED)

    on_the_way = stage(programme, StageKind.REPATRIATION)
    assert on_the_way.started and on_the_way.started_on == dt.date(2019, 10, 4)
    assert not on_the_way.done and on_the_way.count == 0
    assert on_the_way.text == "0 orang dipulangkan · 2 orang masih direncanakan atau dalam perjalanan"

    # Sri and Maria are handed over; the same trip's handover to another region later on is not theirs.
    records.hand_over(trip, dt.date(2019, 10, 6))
    other_region = make_org("Dinas Sosial Kota Surabaya", kind=OrgKind.DINSOS_KABKOTA, region="35.06")
    Handover.objects.create(
        trip=trip, receiving_organisation=other_region, handed_over_on=dt.date(2019, 10, 9), signed_by_name="Kadis"
    )
    repatriation = stage(programme, StageKind.REPATRIATION)
    assert repatriation.done and repatriation.count == 2
    assert (repatriation.started_on, repatriation.done_on) == (dt.date(2019, 10, 4), dt.date(2019, 10, 6))
    assert repatriation.text == "2 orang dipulangkan"

    # Nona goes later after all: the stage is open again until she is handed over.
    later_trip = records.trip(dt.date(2019, 12, 1), TripStatus.PLANNED)
    records.repatriate(nona, later_trip, RepatriationStatus.PLANNED)
    again = stage(programme, StageKind.REPATRIATION)
    assert not again.done and again.done_on is None and again.count == 2
    assert again.started_on == dt.date(2019, 10, 4)
    assert again.text == "2 orang dipulangkan · 1 orang masih direncanakan atau dalam perjalanan"


def test_training_counts_the_people_who_completed_a_course_and_is_done_when_nobody_is_still_in_one(
    make_programme, make_case, people_records
):
    programme = make_programme()
    records = people_records
    beauty = records.course(dt.date(2019, 2, 1), "Tata rias")
    catering = records.course(dt.date(2019, 6, 3), "Tata boga")
    sri, maria, nona = make_case(), make_case(), make_case()
    records.enrol(sri, beauty, EnrolmentStatus.COMPLETED, completed_on=dt.date(2019, 5, 31))
    # A second course of the same person: she is one person trained.
    records.enrol(sri, catering, EnrolmentStatus.COMPLETED, completed_on=dt.date(2019, 9, 30))
    records.enrol(maria, catering)
    records.enrol(nona, beauty, EnrolmentStatus.WITHDRAWN)

    # Before the first course began, the places taken do not make the stage started.
    waiting = stage(programme, StageKind.TRAINING, today=dt.date(2019, 1, 15))
    assert not waiting.started and waiting.started_on is None

    training = stage(programme, StageKind.TRAINING, today=dt.date(2019, 10, 1))
    assert training.started and training.started_on == dt.date(2019, 2, 1)
    assert not training.done and training.count == 1
    assert training.text == "1 orang menyelesaikan pelatihan · 1 orang masih mengikuti atau menunggu pelatihan"

    Enrolment.objects.filter(case=maria).update(status=EnrolmentStatus.DROPPED, left_on=dt.date(2019, 7, 1))
    training = stage(programme, StageKind.TRAINING, today=dt.date(2019, 10, 1))
    assert training.done and training.done_on == dt.date(2019, 9, 30) and training.count == 1
    assert training.text == "1 orang menyelesaikan pelatihan"

    # Someone on the waiting list of a later course keeps the stage open.
    records.enrol(nona, records.course(dt.date(2020, 2, 3), "Tata busana"), EnrolmentStatus.WAITING)
    assert not stage(programme, StageKind.TRAINING, today=dt.date(2019, 10, 1)).done


def test_grants_count_the_people_paid_and_are_done_when_no_approved_entitlement_is_unpaid(
    make_programme, make_person, make_site, people_records
):
    programme = make_programme()
    records = people_records
    first, second = records.cycle(dt.date(2019, 1, 1)), records.cycle(dt.date(2019, 4, 1), "Tahap 2")
    sri, maria, nona, yuli = (make_person(name) for name in ("Sri", "Maria", "Nona", "Yuli"))
    records.entitle(sri, first, EntitlementStatus.DISBURSED, paid_on=dt.date(2019, 3, 1))
    # Paid twice (two cycles): one person funded.
    records.entitle(sri, second, EntitlementStatus.DISBURSED, paid_on=dt.date(2019, 4, 15))
    waiting = records.entitle(maria, first)
    records.entitle(nona, first, EntitlementStatus.REVERSED, paid_on=dt.date(2019, 3, 1))
    records.entitle(yuli, first, EntitlementStatus.CANCELLED)
    # Paid to someone registered at a site outside the programme.
    stranger = make_person("Warga Lain", site=make_site("Lokalisasi Lain", short_code="LL"))
    records.entitle(stranger, first, EntitlementStatus.DISBURSED, paid_on=dt.date(2019, 2, 1))

    grants = stage(programme, StageKind.GRANTS)
    assert grants.started and grants.started_on == dt.date(2019, 3, 1)
    assert not grants.done and grants.count == 1
    assert grants.text == "1 orang menerima bantuan · 1 orang disetujui, belum dibayar"

    waiting.status, waiting.paid_on = EntitlementStatus.DISBURSED, dt.date(2019, 5, 2)
    waiting.save()
    grants = stage(programme, StageKind.GRANTS)
    assert grants.done and grants.count == 2 and grants.done_on == dt.date(2019, 5, 2)
    assert grants.text == "2 orang menerima bantuan"


def test_approved_assistance_not_yet_paid_starts_nothing(make_programme, make_person, people_records):
    programme = make_programme()
    people_records.entitle(make_person(), people_records.cycle(dt.date(2019, 1, 1)))
    grants = stage(programme, StageKind.GRANTS)
    assert not grants.started and not grants.done and grants.count == 0
    assert grants.text == "0 orang menerima bantuan · 1 orang disetujui, belum dibayar"


def test_follow_up_starts_with_a_visit_and_is_done_once_visits_reach_the_planned_end(
    make_programme, make_case, people_records
):
    programme = make_programme()
    Stage.objects.create(programme=programme, kind=StageKind.FOLLOW_UP, planned_end=dt.date(2020, 10, 31))
    case = make_case()
    handed_over = dt.date(2019, 10, 6)
    visits = [
        people_records.follow_up(case, months, handed_over + dt.timedelta(days=30 * months)) for months in (1, 3, 6, 12)
    ]
    # Scheduled visits are not visits.
    assert not stage(programme, StageKind.FOLLOW_UP).started

    def visit(follow_up, on):
        follow_up.done_on = on
        follow_up.save()

    visit(visits[0], dt.date(2019, 11, 4))
    visit(visits[1], dt.date(2020, 1, 8))
    follow_up = stage(programme, StageKind.FOLLOW_UP, today=dt.date(2020, 11, 2))
    assert follow_up.started and follow_up.started_on == dt.date(2019, 11, 4)
    assert not follow_up.done and follow_up.late and follow_up.count == 2
    assert follow_up.text == "2 kunjungan tindak lanjut"
    visit(visits[3], dt.date(2020, 11, 1))
    follow_up = stage(programme, StageKind.FOLLOW_UP, today=dt.date(2020, 11, 2))
    assert follow_up.done and follow_up.done_on == dt.date(2020, 11, 1) and follow_up.count == 3


def test_people_records_count_for_the_programme_of_the_site_in_whose_period_they_fall(
    make_programme, make_case, make_person, people_records
):
    records = people_records
    earlier = make_programme("Penutupan 2018", launched_on=dt.date(2018, 10, 1), deadline=dt.date(2019, 1, 1))
    later = make_programme("Penutupan ulang 2024", launched_on=dt.date(2024, 1, 15), deadline=dt.date(2024, 12, 31))
    # Sent home in 2019 (after the first closure), paid in 2019.
    trip_2019 = records.trip(dt.date(2019, 10, 4))
    records.repatriate(make_case(), trip_2019)
    records.hand_over(trip_2019, dt.date(2019, 10, 6))
    records.entitle(
        make_person("Sri"), records.cycle(dt.date(2019, 1, 1)), EntitlementStatus.DISBURSED, dt.date(2019, 3, 1)
    )
    assert stage(earlier, StageKind.REPATRIATION).done and stage(earlier, StageKind.GRANTS).done
    assert not stage(later, StageKind.REPATRIATION).started and not stage(later, StageKind.GRANTS).started

    # The site reopened and closed again: a 2024 trip still on its way is the later programme's.
    records.repatriate(make_case(), records.trip(dt.date(2024, 6, 1)))
    records.entitle(make_person("Maria"), records.cycle(dt.date(2024, 3, 1), "2024"))
    earlier_now, later_now = stage(earlier, StageKind.REPATRIATION), stage(later, StageKind.REPATRIATION)
    assert earlier_now.done and earlier_now.text == "1 orang dipulangkan"
    assert later_now.started_on == dt.date(2024, 6, 1) and not later_now.done
    assert later_now.text == "0 orang dipulangkan · 1 orang masih direncanakan atau dalam perjalanan"
    assert stage(earlier, StageKind.GRANTS).done and not stage(later, StageKind.GRANTS).done


def test_monitoring_starts_with_a_visit_and_is_done_once_visits_reach_the_planned_end(make_programme, orgs):
    programme = make_programme()
    Stage.objects.create(programme=programme, kind=StageKind.MONITORING, planned_end=dt.date(2019, 12, 31))
    assert not stage(programme, StageKind.MONITORING).started

    def visit(day):
        MonitoringVisit.objects.create(
            programme=programme, village_id="53.71", visited_on=day, organisation=orgs["dinsos_kupang"], finding="none"
        )

    visit(dt.date(2019, 3, 1))
    monitoring = stage(programme, StageKind.MONITORING, today=dt.date(2019, 6, 1))
    assert monitoring.started and monitoring.started_on == dt.date(2019, 3, 1) and not monitoring.done
    assert monitoring.text == "1 kunjungan pemantauan"
    visit(dt.date(2020, 1, 10))
    assert stage(programme, StageKind.MONITORING).done


def test_stages_that_do_not_apply_leave_the_progress(make_programme, record_activity):
    programme = make_programme()
    for kind in (StageKind.REPATRIATION, StageKind.TRAINING, StageKind.GRANTS, StageKind.FOLLOW_UP):
        Stage.objects.create(programme=programme, kind=kind, applies=False)
    record_activity(programme, ActivityKind.COORDINATION, dt.date(2018, 10, 30))
    result = progress.for_programme(programme)
    assert (result.done_count, result.applicable_count) == (1, 5)


def test_a_census_round_of_an_earlier_programme_of_the_same_site_does_not_count(make_programme, make_round, site_kd):
    make_programme("Penutupan 2014", deadline=dt.date(2014, 12, 31))
    final_round(make_round, site_kd, dt.date(2014, 12, 1))
    again = make_programme("Penutupan ulang 2024", launched_on=dt.date(2024, 1, 15), deadline=dt.date(2024, 12, 31))
    assert not stage(again, StageKind.CENSUS).started
    final_round(make_round, site_kd, dt.date(2024, 6, 1))
    assert stage(again, StageKind.CENSUS).done


def test_progress_for_many_programmes_takes_nine_queries(
    make_programme,
    make_site,
    make_round,
    make_person,
    make_case,
    record_activity,
    people_records,
    django_assert_num_queries,
):
    records = people_records
    course, cycle = records.course(dt.date(2019, 2, 1)), records.cycle(dt.date(2019, 1, 1))

    def programme_with_records(i, people):
        site = make_site(f"Lokalisasi {i}", short_code=f"L{i}")
        programme = make_programme(f"Program {i}", sites=[site])
        Stage.objects.create(programme=programme, kind=StageKind.FOLLOW_UP, planned_end=dt.date(2020, 10, 31))
        record_activity(programme, ActivityKind.SOCIALISATION, dt.date(2018, 11, 1))
        final_round(make_round, site)
        trip = records.trip(dt.date(2019, 10, 4))
        for n in range(people):
            case = make_case(make_person(f"Penghuni {i}-{n}", site=site))
            records.repatriate(case, trip)
            records.enrol(case, course, EnrolmentStatus.COMPLETED, completed_on=dt.date(2019, 5, 31))
            records.entitle(case.person, cycle, EntitlementStatus.DISBURSED, paid_on=dt.date(2019, 3, 1))
            records.follow_up(case, 12, dt.date(2020, 10, 6), done_on=dt.date(2020, 11, 2))
        records.hand_over(trip, dt.date(2019, 10, 6))
        return programme

    few = [programme_with_records(i, 1) for i in range(2)]
    with django_assert_num_queries(9):
        progress.for_programmes(few)
    programmes = few + [programme_with_records(i, 2) for i in range(2, 6)]
    with django_assert_num_queries(9):
        results = progress.for_programmes(programmes)
    for programme in programmes:
        result = results[programme.pk]
        assert result.done_count == 6
        expected = 1 if programme in few else 2
        assert [result.stage(kind).count for kind in PEOPLE_STAGES] == [expected] * 4


# --- Phases, sites' phases, stage plan -------------------------------------------------------------


def test_phases_are_numbered_once_and_end_after_they_start(client, login, kadis, make_programme):
    programme = make_programme()
    login(kadis)
    url = reverse("programmes:phase_add", kwargs={"pk": programme.pk})
    assert client.get(url).context["form"].initial["number"] == 1
    bad = client.post(url, {"number": 1, "name": "KM 10", "planned_start": "2016-03-10", "planned_end": "2016-03-01"})
    assert bad.context["form"].errors["planned_end"] == ["Rencana selesai tidak boleh sebelum rencana mulai."]
    ok = client.post(url, {"number": 1, "name": "KM 10 Loa Janan", "planned_start": "2016-03-01"})
    assert ok.status_code == 302
    phase = Phase.objects.get(programme=programme)
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="programmes.phase").exists()
    taken = client.post(url, {"number": 1, "name": "Kitadin"})
    assert taken.context["form"].errors["number"] == ["Nomor tahap ini sudah dipakai dalam program ini."]
    edit = reverse("programmes:phase_edit", kwargs={"pk": phase.pk})
    assert client.post(edit, {"number": 1, "name": "KM 10", "planned_end": "2016-04-30"}).status_code == 302
    phase.refresh_from_db()
    assert (phase.name, phase.planned_end) == ("KM 10", dt.date(2016, 4, 30))


def test_a_site_is_put_into_a_phase_of_its_own_programme_only(client, login, kadis, make_programme, site_kd):
    programme = make_programme()
    other = make_programme("Program lain")
    phase = Phase.objects.create(programme=programme, number=1, name="Tahap pertama")
    foreign = Phase.objects.create(programme=other, number=1, name="Tahap program lain")
    url = reverse("programmes:site_phase", kwargs={"pk": programme.pk, "site_pk": site_kd.pk})
    login(kadis)
    response = client.post(url, {"phase": phase.pk})
    assert response.status_code == 302
    link = ProgrammeSite.objects.get(programme=programme, site=site_kd)
    assert link.phase == phase
    client.post(url, {"phase": foreign.pk})
    link.refresh_from_db()
    assert link.phase == phase
    with pytest.raises(ValidationError):
        services.site_set_phase(actor=kadis, programme_site=link, phase=foreign)
    client.post(url, {"phase": ""})
    link.refresh_from_db()
    assert link.phase is None
    page = client.get(detail_url(programme)).content.decode()
    assert "Tahap pertama" in page


def test_the_stage_plan_is_edited_in_one_form(client, login, kadis, make_programme):
    programme = make_programme()
    login(kadis)
    formset = client.get(stages_url(programme)).context["formset"]
    assert [f.initial["kind"] for f in formset] == list(StageKind.values)
    data = {"tahapan-TOTAL_FORMS": "9", "tahapan-INITIAL_FORMS": "9"}
    for i, kind in enumerate(StageKind.values):
        data[f"tahapan-{i}-kind"] = kind
        data[f"tahapan-{i}-applies"] = "on"
    data["tahapan-0-planned_start"] = "2018-10-01"
    data["tahapan-0-planned_end"] = "2018-09-01"
    bad = client.post(stages_url(programme), data)
    assert bad.status_code == 200
    assert bad.context["formset"][0].errors["planned_end"]
    data["tahapan-0-planned_end"] = "2018-10-31"
    del data["tahapan-5-applies"]
    assert client.post(stages_url(programme), data).status_code == 302
    coordination = Stage.objects.get(programme=programme, kind=StageKind.COORDINATION)
    assert (coordination.planned_start, coordination.planned_end) == (dt.date(2018, 10, 1), dt.date(2018, 10, 31))
    assert not Stage.objects.get(programme=programme, kind=StageKind.TRAINING).applies
    assert progress.for_programme(programme).applicable_count == 8
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(programme.pk))
    assert event.detail["fields"] == ["stages"]


def test_the_stage_service_refuses_an_end_before_the_start(kadis, make_programme):
    programme = make_programme()
    plan = services.StagePlanData(StageKind.CENSUS, dt.date(2018, 12, 1), dt.date(2018, 11, 1), True)
    with pytest.raises(ValidationError) as exc:
        services.stages_update(actor=kadis, programme=programme, plans=[plan])
    assert StageKind.CENSUS in exc.value.message_dict


# --- The programme page -----------------------------------------------------------------------------


def test_the_page_shows_days_left_stages_counts_and_timeline(
    client, login, kadis, orgs, make_programme, make_round, make_person, record_activity, record_action, site_kd
):
    programme = make_programme(deadline=TODAY + dt.timedelta(days=20))
    people = [make_person(f"Penghuni Uji {i}") for i in range(3)]
    final_round(make_round, site_kd, TODAY - dt.timedelta(days=10), people=people)
    meeting = record_activity(
        programme, ActivityKind.COORDINATION, TODAY - dt.timedelta(days=40), title="Rakor Forkopimda"
    )
    record_action(
        programme,
        "Siapkan data penghuni",
        TODAY - dt.timedelta(days=5),
        status=ActionStatus.DONE,
        done_on=TODAY - dt.timedelta(days=6),
    )
    Grievance.objects.create(
        programme=programme,
        reference="ADU-2018-0001",
        received_on=TODAY - dt.timedelta(days=2),
        channel=Channel.PHONE,
        category=Category.SUGGESTION,
        from_group=FromGroup.COMMUNITY,
        summary="Isi yang tidak ditampilkan di halaman program",
        handler_organisation=orgs["dinsos_kupang"],
        due_on=TODAY + dt.timedelta(days=5),
        region_code="53.71",
    )
    login(kadis)
    response = client.get(detail_url(programme))
    page = response.content.decode()
    assert response.context["days_left"] == 20 and "20 hari lagi" in page
    assert "3 dari 9 tahapan" not in page and "2 dari 9 tahapan selesai" in page
    assert "1 rakor terlaksana" in page and "Belum ada orang dipulangkan" in page
    assert "Fitur belum tersedia" not in page and "Belum tersedia" not in page
    assert response.context["sites"][0].rounds[0].present == 3
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert kinds == ["grievance", "action", "census", "activity"]
    assert "ADU-2018-0001" in page and "Isi yang tidak ditampilkan" not in page
    assert meeting.title in page


def test_the_page_makes_overdue_actions_stand_out(client, login, kadis, make_programme, record_action):
    programme = make_programme(deadline=TODAY + dt.timedelta(days=60))
    late = record_action(programme, "Surat edaran ke pemilik wisma", TODAY - dt.timedelta(days=3))
    soon = record_action(programme, "Rapat dengan Satpol PP", TODAY + dt.timedelta(days=7))
    record_action(programme, "Evaluasi akhir", TODAY + dt.timedelta(days=40))
    record_action(programme, "Sudah selesai", TODAY - dt.timedelta(days=9), status=ActionStatus.DONE)
    login(kadis)
    response = client.get(detail_url(programme))
    assert [a.pk for a in response.context["overdue"]] == [late.pk]
    assert [a.pk for a in response.context["upcoming"]] == [soon.pk]
    page = response.content.decode()
    assert 'data-testid="overdue-badge">Terlambat 3 hari' in page
    assert "Evaluasi akhir" not in page


def test_a_late_programme_shows_the_days_late(client, login, kadis, make_programme):
    programme = make_programme(deadline=TODAY - dt.timedelta(days=12))
    login(kadis)
    page = client.get(detail_url(programme)).content.decode()
    assert "terlambat 12 hari" in page


def test_the_print_view_renders_without_forms_or_edit_links(client, login, kadis, make_programme, record_action):
    programme = make_programme(deadline=TODAY + dt.timedelta(days=5))
    Phase.objects.create(programme=programme, number=1, name="Tahap satu")
    record_action(programme, "Terlambat", TODAY - dt.timedelta(days=1))
    login(kadis)
    normal = client.get(detail_url(programme)).content.decode()
    assert edit_url(programme) in normal
    assert (
        reverse(
            "programmes:site_phase", kwargs={"pk": programme.pk, "site_pk": programme.programme_sites.get().site_id}
        )
        in normal
    )
    response = client.get(detail_url(programme), {"cetak": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and response.context["printing"]
    assert "Dicetak" in page and "Terlambat 1 hari" in page
    assert edit_url(programme) not in page and "<select" not in page


def test_small_counts_are_hidden_from_those_without_person_records(
    client, login, users, make_programme, make_round, make_person, site_kd
):
    programme = make_programme()
    final_round(make_round, site_kd, people=[make_person(f"Penghuni {i}") for i in range(2)])
    login(users[Role.KEMENSOS_ANALYST])
    page = client.get(detail_url(programme)).content.decode()
    assert '<td data-col="present">&lt;5</td>' in page and "2 orang hadir" not in page
    login(users[Role.HEAD_OF_DINSOS])
    assert '<td data-col="present">2</td>' in client.get(detail_url(programme)).content.decode()


def stage_row(page: str, kind: str) -> str:
    start = page.index(f'data-testid="stage-{kind}"')
    return page[start : page.index("</tr>", start)]


def test_the_page_reports_the_people_sent_home_trained_funded_and_followed_up(
    client, login, users, make_programme, make_case, people_records
):
    records = people_records
    programme = make_programme(deadline=TODAY + dt.timedelta(days=30))
    Stage.objects.create(programme=programme, kind=StageKind.TRAINING, planned_end=TODAY - dt.timedelta(days=2))
    sri, maria = make_case(), make_case()
    trip = records.trip(TODAY - dt.timedelta(days=20))
    records.repatriate(sri, trip)
    records.repatriate(maria, trip)
    records.hand_over(trip, TODAY - dt.timedelta(days=18))
    course = records.course(TODAY - dt.timedelta(days=200))
    records.enrol(sri, course, EnrolmentStatus.COMPLETED, completed_on=TODAY - dt.timedelta(days=60))
    records.enrol(maria, course)
    records.entitle(sri.person, records.cycle(TODAY - dt.timedelta(days=90)), EntitlementStatus.DISBURSED, TODAY)
    records.follow_up(sri, 1, TODAY - dt.timedelta(days=1), done_on=TODAY)

    login(users[Role.HEAD_OF_DINSOS])
    page = client.get(detail_url(programme)).content.decode()
    assert 'data-testid="repatriated">2<' in page
    assert 'data-testid="trained">1<' in page and 'data-testid="funded">1<' in page
    repatriation = stage_row(page, StageKind.REPATRIATION)
    assert "2 orang dipulangkan" in repatriation and "Selesai" in repatriation
    training = stage_row(page, StageKind.TRAINING)
    assert "1 orang menyelesaikan pelatihan · 1 orang masih mengikuti" in training
    assert "Terlambat 2 hari" in training
    grants = stage_row(page, StageKind.GRANTS)
    assert "1 orang menerima bantuan" in grants and "Selesai" in grants
    follow_up = stage_row(page, StageKind.FOLLOW_UP)
    assert "1 kunjungan tindak lanjut" in follow_up and "Berjalan" in follow_up

    # Outside the team the small counts of people are coarsened, on the cards and in the evidence.
    login(users[Role.KEMENSOS_ANALYST])
    page = client.get(detail_url(programme)).content.decode()
    assert 'data-testid="repatriated">&lt;5<' in page and 'data-testid="funded">&lt;5<' in page
    assert "&lt;5 orang dipulangkan" in stage_row(page, StageKind.REPATRIATION)
    assert "&lt;5 kunjungan tindak lanjut" in stage_row(page, StageKind.FOLLOW_UP)
    assert "2 orang dipulangkan" not in page and "1 orang menerima bantuan" not in page


def test_the_partner_sees_neither_grievances_nor_monitoring_in_the_timeline(
    client, login, users, orgs, make_programme, record_activity
):
    programme = make_programme(partners=[orgs["lks_kupang"]])
    record_activity(programme, ActivityKind.SOCIALISATION, dt.date(2018, 11, 1))
    village = Region.objects.filter(code__startswith="53.71.", level=4).first()
    MonitoringVisit.objects.create(
        programme=programme,
        village=village,
        visited_on=dt.date(2019, 3, 1),
        organisation=orgs["dinsos_kupang"],
        finding=Finding.SIGNS,
    )
    Grievance.objects.create(
        programme=programme,
        reference="ADU-UJI-1",
        received_on=dt.date(2019, 2, 1),
        channel=Channel.LETTER,
        category=Category.COMPLAINT,
        from_group=FromGroup.COMMUNITY,
        summary="uji",
        handler_organisation=orgs["dinsos_kupang"],
        due_on=dt.date(2019, 2, 15),
        region_code="53.71",
    )
    login(users[Role.PARTNER_USER])
    kinds = {entry.kind for entry in client.get(detail_url(programme)).context["timeline"]}
    assert kinds == {"activity"}
    login(users[Role.CASE_WORKER])
    kinds = {entry.kind for entry in client.get(detail_url(programme)).context["timeline"]}
    assert kinds == {"activity", "monitoring", "grievance"}


def test_an_htmx_search_gets_only_the_rows(client, login, kadis, make_programme):
    make_programme()
    login(kadis)
    response = client.get(LIST, {"q": "dempel"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<h1>" not in page and "Penutupan Lokalisasi Karang Dempel" in page


def test_the_programme_page_of_twelve_sites_takes_a_bounded_number_of_queries(
    client,
    login,
    kadis,
    orgs,
    make_programme,
    make_site,
    make_round,
    record_activity,
    record_action,
    django_assert_max_num_queries,
):
    sites = [make_site(f"Lokalisasi Kukar {i}", short_code=f"K{i}") for i in range(12)]
    programme = make_programme("Penutupan bertahap", sites=sites, deadline=TODAY + dt.timedelta(days=30))
    phases = [Phase.objects.create(programme=programme, number=n, name=f"Tahap {n}") for n in (1, 2, 3)]
    for i, site in enumerate(sites):
        ProgrammeSite.objects.filter(programme=programme, site=site).update(phase=phases[i % 3])
        make_round(site=site, held_on=dt.date(2016, 3, 1))
        final_round(make_round, site, dt.date(2016, 5, 1))
        meeting = record_activity(programme, ActivityKind.COORDINATION, dt.date(2016, 2, 1) + dt.timedelta(days=i))
        record_action(programme, f"Tindak lanjut {i}", TODAY - dt.timedelta(days=i + 1)).activity = meeting
    login(kadis)
    with django_assert_max_num_queries(28):
        response = client.get(detail_url(programme))
    assert len(response.context["sites"]) == 12 and len(response.context["overdue"]) == 12
    assert response.content.decode().count('name="phase"') == 12
