"""Post-closure monitoring (Kabupaten Kediri): recording visits to villages in scope, the list's
filters, and the trend per village and year with its arrows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import Action, AuditEvent
from monitoring import selectors, services
from monitoring.models import Finding, MonitoringVisit
from organisations.models import OrgKind
from regions.models import Region

LIST = reverse("monitoring:list")
CREATE = reverse("monitoring:create")
TREND = reverse("monitoring:trend")

# Villages of Kabupaten Kediri where covert activity continued after closure (DOMAIN.md).
WONOJOYO = "35.06.10.2008"
PARE = "35.06.17.1009"
KANDANGAN = "35.06.19.2009"
GURAH_DISTRICT = "35.06.10"


def edit_url(visit: MonitoringVisit) -> str:
    return reverse("monitoring:edit", kwargs={"pk": visit.pk})


@pytest.fixture
def kediri(make_org):
    return {
        "dinsos": make_org("Dinas Sosial Kabupaten Kediri", kind=OrgKind.DINSOS_KABKOTA, region="35.06"),
        "upt": make_org("UPT RSBKW Kediri", kind=OrgKind.UPT, region="35"),
    }


@pytest.fixture
def kediri_head(make_user, kediri):
    return make_user(Role.HEAD_OF_DINSOS, organisation=kediri["dinsos"], region="35.06", username="kadis_kediri")


@pytest.fixture
def kediri_worker(make_user, kediri):
    return make_user(Role.CASE_WORKER, organisation=kediri["dinsos"], region="35.06", username="peksos_kediri")


@pytest.fixture
def make_visit(kediri):
    def _make(village=WONOJOYO, visited_on=dt.date(2019, 5, 2), *, finding=Finding.SIGNS, places=1, people=0, **extra):
        extra.setdefault("organisation", kediri["upt"])
        return MonitoringVisit.objects.create(
            village_id=village,
            visited_on=visited_on,
            finding=finding,
            active_places=places,
            active_people=people,
            **extra,
        )

    return _make


def form_data(kediri, **overrides) -> dict:
    data = {
        "village": WONOJOYO,
        "visited_on": "2019-05-02",
        "organisation": kediri["upt"].pk,
        "finding": Finding.SIGNS,
        "active_places": "2",
        "active_people": "3",
        "observation": "Dua warung remang-remang di jalan desa buka sampai larut malam.",
        "programme": "",
        "site": "",
    }
    data.update(overrides)
    return data


# --- Recording a visit ------------------------------------------------------------------------------


def test_kediri_head_records_a_visit_and_the_audit_has_counts_not_the_observation(client, login, kediri_head, kediri):
    login(kediri_head)
    response = client.post(CREATE, form_data(kediri))
    assert response.status_code == 302
    visit = MonitoringVisit.objects.get()
    assert (visit.village_id, visit.visited_on, visit.finding) == (WONOJOYO, dt.date(2019, 5, 2), Finding.SIGNS)
    assert (visit.active_places, visit.active_people, visit.organisation) == (2, 3, kediri["upt"])
    assert visit.created_by == kediri_head
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="monitoring.monitoringvisit")
    assert event.object_id == str(visit.pk)
    assert event.detail["village"] == WONOJOYO and event.detail["active_places"] == 2
    assert "warung" not in str(event.detail)


def test_the_form_says_to_record_places_not_people_and_offers_the_provincial_upt(client, login, kediri_head, kediri):
    login(kediri_head)
    response = client.get(CREATE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="places-not-people"' in html
    assert "Catat tempat, bukan orang" in html
    # UPT RSBKW Kediri belongs to the province (35) yet visits villages of the kabupaten.
    assert kediri["upt"] in response.context["form"].fields["organisation"].queryset
    # The village picker only searches inside the user's scope.
    assert "within=35.06" in html


def test_organisations_offered_follow_the_region_scope(kediri_head, kediri, users, orgs):
    offered = set(services.organisation_choices(kediri_head))
    assert {kediri["dinsos"], kediri["upt"]} <= offered
    assert orgs["dinsos_kupang"] not in offered
    # A national user may pick any active organisation.
    national = set(services.organisation_choices(users[Role.KEMENSOS_ANALYST]))
    assert {kediri["upt"], orgs["dinsos_kupang"], orgs["kemensos"]} <= national


@pytest.mark.parametrize(
    ("village", "reason"),
    [("35.06", "kabupaten"), (GURAH_DISTRICT, "kecamatan")],
)
def test_the_village_must_be_a_desa_or_kelurahan(client, login, kediri_head, kediri, village, reason):
    login(kediri_head)
    response = client.post(CREATE, form_data(kediri, village=village))
    assert response.status_code == 200
    assert response.context["form"].errors["village"]
    assert not MonitoringVisit.objects.exists()


def test_a_village_outside_the_users_scope_is_refused(client, login, users, kediri):
    kupang_head = users[Role.HEAD_OF_DINSOS]
    login(kupang_head)
    response = client.post(CREATE, form_data(kediri, organisation=kupang_head.organisation_id))
    assert response.status_code == 200
    assert "di luar cakupan" in " ".join(response.context["form"].errors["village"])
    assert not MonitoringVisit.objects.exists()


def test_a_village_inside_kupang_is_fine_for_the_kupang_head(client, login, users, orgs):
    village = Region.objects.filter(code__startswith="53.71.", level=4).first()
    login(users[Role.HEAD_OF_DINSOS])
    data = {
        "village": village.code,
        "visited_on": "2019-03-01",
        "organisation": orgs["dinsos_kupang"].pk,
        "finding": Finding.NONE,
        "active_places": "0",
        "active_people": "0",
        "observation": "",
    }
    assert client.post(CREATE, data).status_code == 302
    assert MonitoringVisit.objects.get().village_id == village.code


def test_a_visit_in_the_future_is_refused(client, login, kediri_head, kediri):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    login(kediri_head)
    response = client.post(CREATE, form_data(kediri, visited_on=tomorrow.isoformat()))
    assert response.status_code == 200
    assert response.context["form"].errors["visited_on"]
    # What the user typed stays in the form.
    assert response.context["form"]["observation"].value().startswith("Dua warung")
    assert not MonitoringVisit.objects.exists()


def test_no_activity_with_active_places_is_contradictory(client, login, kediri_head, kediri):
    login(kediri_head)
    response = client.post(CREATE, form_data(kediri, finding=Finding.NONE, active_places="2"))
    assert response.context["form"].errors["finding"]
    assert not MonitoringVisit.objects.exists()


@pytest.mark.parametrize(
    "text", ["Penghuni NIK 3506014506900001 terlihat", "Hubungi 081234567890 untuk info", "HP 0812-3456-7890"]
)
def test_an_observation_with_a_nik_or_phone_number_is_refused(kediri_head, kediri, text):
    with pytest.raises(ValidationError) as exc:
        services.visit_create(
            actor=kediri_head,
            village=Region.objects.get(code=WONOJOYO),
            visited_on=dt.date(2019, 5, 2),
            organisation=kediri["upt"],
            finding=Finding.SIGNS,
            active_places=1,
            active_people=1,
            observation=text,
        )
    assert "observation" in exc.value.message_dict


def test_dates_and_times_in_an_observation_are_fine(kediri_head, kediri):
    visit = services.visit_create(
        actor=kediri_head,
        village=Region.objects.get(code=WONOJOYO),
        visited_on=dt.date(2019, 5, 2),
        organisation=kediri["upt"],
        finding=Finding.SIGNS,
        active_places=1,
        observation="Pengamatan 08-12-2018 21.30 dan 02.05.2019 22.00: dua rumah masih ramai.",
    )
    assert visit.pk and visit.active_people == 0


def test_the_programme_must_cover_the_village(users, orgs, make_programme):
    kota_kupang_programme = make_programme()
    # A village of Kabupaten Kupang: inside the province officer's scope, outside the programme's kota.
    village = Region.objects.filter(code__startswith="53.01.", level=4).first()
    with pytest.raises(ValidationError) as exc:
        services.visit_create(
            actor=users[Role.PROVINCE_OFFICER],
            village=village,
            visited_on=dt.date(2019, 5, 2),
            organisation=orgs["dinsos_ntt"],
            finding=Finding.NONE,
            programme=kota_kupang_programme,
        )
    assert list(exc.value.message_dict) == ["programme"]


def test_a_registrar_may_view_but_not_record(client, login, users):
    login(users[Role.REGISTRAR])
    assert client.get(LIST).status_code == 200
    assert client.get(CREATE).status_code == 403


# --- Editing ----------------------------------------------------------------------------------------


def test_editing_a_visit_is_audited_with_the_changed_fields(client, login, kediri_head, kediri, make_visit):
    visit = make_visit()
    login(kediri_head)
    response = client.post(
        edit_url(visit), form_data(kediri, finding=Finding.ACTIVE, active_places="4", observation="")
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.finding, visit.active_places) == (Finding.ACTIVE, 4)
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(visit.pk))
    assert set(event.detail["fields"]) == {"finding", "active_places", "active_people"}


def test_a_visit_outside_the_scope_is_not_found(client, login, users, make_visit):
    visit = make_visit()
    login(users[Role.HEAD_OF_DINSOS])
    assert client.get(edit_url(visit)).status_code == 404


# --- List -------------------------------------------------------------------------------------------


def test_the_list_shows_only_visits_in_scope_and_filters_them(
    client, login, kediri_head, users, make_visit, make_programme, kediri
):
    programme = make_programme("Pemantauan Eks-Lokalisasi Kabupaten Kediri", sites=[], owner=kediri["dinsos"])
    wonojoyo_2018 = make_visit(WONOJOYO, dt.date(2018, 4, 1), finding=Finding.NONE, places=0)
    wonojoyo_2019 = make_visit(WONOJOYO, dt.date(2019, 4, 1), finding=Finding.ACTIVE, places=3, programme=programme)
    pare_2019 = make_visit(PARE, dt.date(2019, 6, 1), finding=Finding.SIGNS, places=1)

    login(users[Role.HEAD_OF_DINSOS])  # Kota Kupang: nothing of Kediri
    assert list(client.get(LIST).context["page_obj"]) == []

    login(kediri_head)

    def listed(**params):
        return list(client.get(LIST, params).context["page_obj"])

    assert listed() == [pare_2019, wonojoyo_2019, wonojoyo_2018]
    assert listed(region=WONOJOYO) == [wonojoyo_2019, wonojoyo_2018]
    assert listed(region=GURAH_DISTRICT) == [wonojoyo_2019, wonojoyo_2018]
    assert listed(finding=Finding.SIGNS) == [pare_2019]
    assert listed(year="2018") == [wonojoyo_2018]
    assert listed(programme=programme.pk) == [wonojoyo_2019]
    response = client.get(LIST)
    assert [label for _value, label in response.context["filters"].fields["year"].choices][1:] == ["2019", "2018"]
    assert f'href="{edit_url(pare_2019)}"' in response.content.decode()


def test_the_list_of_forty_visits_takes_a_bounded_number_of_queries(
    client, login, kediri_head, make_visit, make_programme, kediri, django_assert_max_num_queries
):
    programme = make_programme("Pemantauan Kediri", sites=[], owner=kediri["dinsos"])
    for n in range(40):
        make_visit(PARE if n % 2 else WONOJOYO, dt.date(2015 + n % 5, 1 + n % 12, 1), programme=programme)
    login(kediri_head)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert len(response.context["page_obj"]) == 25


# --- Trend ------------------------------------------------------------------------------------------


@pytest.fixture
def two_years(make_visit):
    """Wonojoyo: activity rising from 2018 to 2019. Pare: falling. Kandangan: the same."""
    make_visit(WONOJOYO, dt.date(2018, 3, 1), finding=Finding.SIGNS, places=1)
    make_visit(WONOJOYO, dt.date(2018, 9, 1), finding=Finding.NONE, places=0)
    make_visit(WONOJOYO, dt.date(2019, 3, 1), finding=Finding.ACTIVE, places=4)
    make_visit(WONOJOYO, dt.date(2019, 6, 1), finding=Finding.SIGNS, places=2)
    make_visit(WONOJOYO, dt.date(2019, 9, 1), finding=Finding.NONE, places=0)
    make_visit(PARE, dt.date(2018, 5, 1), finding=Finding.ACTIVE, places=5)
    make_visit(PARE, dt.date(2019, 5, 1), finding=Finding.SIGNS, places=2)
    make_visit(KANDANGAN, dt.date(2018, 7, 1), finding=Finding.SIGNS, places=1)
    make_visit(KANDANGAN, dt.date(2019, 7, 1), finding=Finding.SIGNS, places=1)


def _cells(village) -> dict[int, tuple]:
    return {c.year: (c.visits, c.with_activity, c.max_places, c.change) for c in village.cells if c}


def test_the_trend_counts_per_village_and_year_in_one_query(kediri_head, two_years, django_assert_num_queries):
    with django_assert_num_queries(1):
        trend = selectors.trend(kediri_head)
    assert trend.years == [2018, 2019]
    assert trend.max_places == 5
    by_code = {v.code: v for v in trend.villages}
    assert _cells(by_code[WONOJOYO]) == {2018: (2, 1, 1, None), 2019: (3, 2, 4, "up")}
    assert _cells(by_code[PARE]) == {2018: (1, 1, 5, None), 2019: (1, 1, 2, "down")}
    assert _cells(by_code[KANDANGAN]) == {2018: (1, 1, 1, None), 2019: (1, 1, 1, "same")}
    assert by_code[WONOJOYO].latest.bar_percent == 80
    assert [v.name for v in trend.villages] == ["Kandangan", "Pare", "Wonojoyo"]


def test_a_year_without_visits_is_a_gap_and_breaks_the_comparison(kediri_head, make_visit):
    make_visit(PARE, dt.date(2016, 5, 1), places=3)
    make_visit(PARE, dt.date(2018, 5, 1), places=1)
    trend = selectors.trend(kediri_head)
    assert trend.years == [2016, 2017, 2018]
    (pare,) = trend.villages
    assert pare.cells[1] is None
    assert pare.cells[2].change is None


def test_the_trend_page_shows_arrows_and_bars(client, login, kediri_head, two_years, django_assert_max_num_queries):
    login(kediri_head)
    with django_assert_max_num_queries(10):
        response = client.get(TREND)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-change="up"') == 2  # Wonojoyo's 2019 cell and its "latest" column
    assert html.count('data-change="down"') == 2
    assert html.count('data-change="same"') == 2
    assert '<progress value="80" max="100"' in html
    assert "naik" in html and "turun" in html and "tetap" in html


def test_the_trend_filters_by_regency_and_programme(
    client, login, users, make_user, make_visit, make_programme, kediri, orgs
):
    programme = make_programme("Pemantauan Kediri", sites=[], owner=kediri["dinsos"])
    make_visit(WONOJOYO, dt.date(2019, 3, 1), programme=programme)
    make_visit(PARE, dt.date(2019, 3, 1))
    kupang_village = Region.objects.filter(code__startswith="53.71.", level=4).first().code
    make_visit(kupang_village, dt.date(2019, 3, 1), organisation=orgs["dinsos_kupang"])
    national = users[Role.KEMENSOS_ANALYST]
    assert selectors.trend(national).villages == []  # no monitoring permission
    province = users[Role.PROVINCE_OFFICER]  # Nusa Tenggara Timur
    assert [v.code for v in selectors.trend(province).villages] == [kupang_village]
    login(users[Role.PROVINCE_OFFICER])
    assert [v.code for v in client.get(TREND).context["trend"].villages] == [kupang_village]

    java = make_user(Role.PROVINCE_OFFICER, organisation=kediri["upt"], region="35")
    codes = {v.code for v in selectors.trend(java).villages}
    assert codes == {WONOJOYO, PARE}
    assert [v.code for v in selectors.trend(java, programme=programme).villages] == [WONOJOYO]
    region = Region.objects.get(code="35.06")
    assert {v.code for v in selectors.trend(java, region=region).villages} == {WONOJOYO, PARE}
    assert selectors.trend(java, region=Region.objects.get(code="35.07")).villages == []
