"""Repatriation: trips and their escorts (an LKS needs a valid Kemensos accreditation), people put
on a trip with the destination taken from their origin and the receiving Dinsos found, costs per
destination, the manifest with names (audited per person), handovers acknowledged only by the
receiving organisation (which schedules the follow-ups), and the arrivals each region sees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from audit.models import Action, AuditEvent
from cases.models import FollowUp, Pathway
from organisations.models import Accreditation, OrgKind
from repatriation import rules, services
from repatriation.models import Handover, Repatriation, RepatriationStatus, Trip, TripStatus

DEPARTURE = dt.date(2019, 10, 4)


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def dinsos_kediri(make_org):
    return make_org("Dinas Sosial Kabupaten Kediri", kind=OrgKind.DINSOS_KABKOTA, region="35.06")


@pytest.fixture
def satpol(make_org):
    return make_org("Satuan Polisi Pamong Praja Kota Kupang", kind=OrgKind.OPD, region="53.71")


@pytest.fixture
def make_trip(kadis, orgs):
    def _make(**overrides) -> Trip:
        values = {
            "organiser": orgs["dinsos_kupang"],
            "departure_on": DEPARTURE,
            "mode": "sea",
            "route": "Kupang – Surabaya (KM Awu)",
        }
        return services.trip_create(actor=kadis, **(values | overrides))

    return _make


@pytest.fixture
def going_home(make_case):
    """An open case on the repatriation pathway; the person comes from ``origin``."""

    def _make(origin: str = "35.06"):
        return make_case(origin_regency=origin, pathway=Pathway.REPATRIATION)

    return _make


def accredit(organisation, grade: str, granted_on: dt.date, valid_until: dt.date) -> Accreditation:
    return Accreditation.objects.create(
        organisation=organisation,
        number=f"BALKS/{granted_on.year}/{organisation.pk}",
        grade=grade,
        granted_on=granted_on,
        valid_until=valid_until,
    )


def trip_form_data(orgs, escort=None, **overrides) -> dict:
    data = {
        "organiser": orgs["dinsos_kupang"].pk,
        "departure_on": DEPARTURE.isoformat(),
        "mode": "sea",
        "route": "Kupang – Surabaya (KM Awu)",
        "escort": escort.pk if escort else "",
        "note": "",
    }
    return data | overrides


# --- Escort rule ------------------------------------------------------------------------------------


def test_an_lks_escort_without_accreditation_is_refused_with_the_reason(login, kadis, orgs):
    response = login(kadis).post(reverse("repatriation:trip_create"), trip_form_data(orgs, orgs["lks_kupang"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "akreditasi Kemensos yang berlaku" in content and "belum terakreditasi" in content
    assert not Trip.objects.exists()
    # What the user typed is kept.
    assert "Kupang – Surabaya (KM Awu)" in content


def test_an_lks_escort_whose_accreditation_expired_is_refused(kadis, orgs, make_trip):
    accredit(orgs["lks_kupang"], "C", dt.date(2014, 9, 1), dt.date(2016, 9, 1))
    with pytest.raises(ValidationError) as exc:
        make_trip(escort=orgs["lks_kupang"])
    message = " ".join(exc.value.message_dict["escort"])
    assert "akreditasi berakhir pada 1 September 2016" in message
    assert not Trip.objects.exists()


def test_an_lks_escort_with_a_valid_a_accreditation_is_accepted(login, kadis, orgs):
    accredit(orgs["lks_kupang"], "A", dt.date(2017, 5, 8), dt.date(2022, 5, 8))
    response = login(kadis).post(reverse("repatriation:trip_create"), trip_form_data(orgs, orgs["lks_kupang"]))
    trip = Trip.objects.get()
    assert response.status_code == 302 and response.url == reverse("repatriation:trip_detail", kwargs={"pk": trip.pk})
    assert trip.escort == orgs["lks_kupang"] and trip.scope_region_code == "53.71"
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="repatriation.trip").count() == 1


def test_accreditation_is_checked_on_the_departure_day_also_when_the_date_changes(kadis, orgs, make_trip):
    accredit(orgs["lks_kupang"], "A", dt.date(2017, 5, 8), dt.date(2022, 5, 8))
    trip = make_trip(escort=orgs["lks_kupang"])
    with pytest.raises(ValidationError) as exc:
        services.trip_update(actor=kadis, trip=trip, departure_on=dt.date(2022, 6, 1))
    assert "akreditasi berakhir pada 8 Mei 2022" in " ".join(exc.value.message_dict["escort"])
    trip.refresh_from_db()
    assert trip.departure_on == DEPARTURE


@pytest.mark.parametrize("kind", [OrgKind.OPD, OrgKind.POLRI, OrgKind.DINSOS_KABKOTA, OrgKind.TNI])
def test_escorts_that_are_not_lks_need_no_accreditation(make_trip, make_org, kind):
    escort = make_org(f"Pendamping {kind}", kind=kind)
    assert make_trip(escort=escort).escort == escort


# --- Adding people --------------------------------------------------------------------------------


def test_the_destination_is_prefilled_from_origin_and_the_receiving_dinsos_is_found(
    login, kadis, make_trip, going_home, dinsos_kediri
):
    trip = make_trip()
    case = going_home("35.06")
    client = login(kadis)
    page = client.get(reverse("repatriation:add", kwargs={"pk": trip.pk})).content.decode()
    assert case.number in page and "Kabupaten Kediri" in page and dinsos_kediri.name in page

    response = client.post(
        reverse("repatriation:add", kwargs={"pk": trip.pk}), {"cases": [case.pk], "cost": "250.000", "destination": ""}
    )
    assert response.status_code == 302
    repatriation = Repatriation.objects.get(case=case)
    assert repatriation.destination_id == "35.06" and repatriation.destination_regency_code == "35.06"
    assert repatriation.receiving_organisation == dinsos_kediri
    assert repatriation.cost == Decimal("250000") and repatriation.scope_region_code == "53.71"


def test_a_destination_without_a_registered_dinsos_is_warned(login, kadis, make_trip, going_home):
    trip = make_trip()
    case = going_home("64.02")  # Kutai Kartanegara: its Dinsos is registered (orgs)…
    other = going_home("53.01")  # …Kabupaten Kupang's is not.
    response = login(kadis).post(
        reverse("repatriation:add", kwargs={"pk": trip.pk}), {"cases": [case.pk, other.pk], "cost": "0"}, follow=True
    )
    content = response.content.decode()
    assert "Dinsos daerah tujuan belum terdaftar: Kabupaten Kupang" in content
    assert Repatriation.objects.get(case=other).receiving_organisation is None
    assert Repatriation.objects.get(case=case).receiving_organisation.name.endswith("Kutai Kartanegara")


def test_the_destination_can_be_changed_to_another_region(kadis, make_trip, going_home, dinsos_kediri):
    from regions.models import Region

    trip = make_trip()
    case = going_home("53.01")
    kecamatan = Region.objects.filter(code__startswith="35.06.", level=3).order_by("code").first()
    result = services.repatriations_add(actor=kadis, trip=trip, cases=[case], cost="1.500.000", destination=kecamatan)
    repatriation = result.added[0]
    assert repatriation.destination_id == kecamatan.code and repatriation.destination_regency_code == "35.06"
    assert repatriation.receiving_organisation == dinsos_kediri and repatriation.cost == Decimal("1500000")


def test_only_open_repatriation_cases_not_on_another_trip_can_be_added(kadis, make_trip, going_home, make_case):
    trip, other_trip = make_trip(), make_trip(route="Kupang – Makassar", mode="air")
    staying = make_case(origin_regency="53.71", pathway=Pathway.LOCAL_EMPOWERMENT)
    case = going_home()
    services.repatriations_add(actor=kadis, trip=other_trip, cases=[case], cost="0")
    with pytest.raises(ValidationError) as exc:
        services.repatriations_add(actor=kadis, trip=trip, cases=[staying, case], cost="0")
    message = " ".join(exc.value.message_dict["cases"])
    assert staying.number in message and case.number in message
    from repatriation.selectors import candidates

    assert candidates(kadis) == []

    # Taken off the other trip, the case can go on this one.
    services.repatriation_cancel(actor=kadis, repatriation=Repatriation.objects.get(case=case))
    assert [c.case for c in candidates(kadis)] == [case]
    services.repatriations_add(actor=kadis, trip=trip, cases=[case], cost="0")


@pytest.mark.parametrize(
    ("typed", "expected"), [("250.000", "250000"), ("Rp 1.500.000", "1500000"), ("0", "0"), ("750000", "750000")]
)
def test_costs_are_read_as_indonesians_write_them(typed, expected):
    assert rules.parse_cost(typed) == Decimal(expected)


@pytest.mark.parametrize("typed", ["-5", "abc", "", "2 jutaan"])
def test_impossible_costs_are_refused(typed):
    with pytest.raises(ValidationError):
        rules.parse_cost(typed)


def test_a_bad_cost_keeps_the_form_and_adds_nobody(login, kadis, make_trip, going_home):
    trip = make_trip()
    case = going_home()
    response = login(kadis).post(
        reverse("repatriation:add", kwargs={"pk": trip.pk}), {"cases": [case.pk], "cost": "-5"}
    )
    assert response.status_code == 200 and "Biaya tidak boleh negatif" in response.content.decode()
    assert not Repatriation.objects.exists()


# --- The trip page and costs ---------------------------------------------------------------------------


def test_costs_are_summed_per_destination_and_for_the_trip(login, kadis, make_trip, going_home, dinsos_kediri):
    trip = make_trip()
    to_kediri = [going_home("35.06") for _ in range(3)]
    to_kupang = [going_home("53.01") for _ in range(2)]
    services.repatriations_add(actor=kadis, trip=trip, cases=to_kediri, cost="250.000")
    services.repatriations_add(actor=kadis, trip=trip, cases=to_kupang, cost="1.500.000")
    content = login(kadis).get(reverse("repatriation:trip_detail", kwargs={"pk": trip.pk})).content.decode()
    assert 'data-testid="total-35.06">Rp750.000<' in content
    assert 'data-testid="total-53.01">Rp3.000.000<' in content
    assert 'data-testid="trip-total">Rp3.750.000<' in content
    assert 'data-testid="people-count">5<' in content
    # Case codes, never names.
    assert to_kediri[0].number in content and "Sri Rahayu" not in content


def test_the_trip_page_needs_the_same_queries_for_forty_people(
    client, login, kadis, make_trip, going_home, dinsos_kediri, django_assert_max_num_queries
):
    trip = make_trip()
    origins = ["35.06", "53.01", "64.02", "53.71"]
    cases = [going_home(origins[i % 4]) for i in range(40)]
    services.repatriations_add(actor=kadis, trip=trip, cases=cases, cost="250.000")
    services.handover_record(
        actor=kadis,
        trip=trip,
        receiving_organisation=dinsos_kediri,
        handed_over_on=dt.date(2019, 10, 8),
        signed_by_name="Drs. Pejabat Uji",
    )
    login(kadis)
    url = reverse("repatriation:trip_detail", kwargs={"pk": trip.pk})
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count("/pemulangan/orang/") == 30


def test_trip_list_filters(login, kadis, make_trip, going_home):
    sea = make_trip()
    air = make_trip(mode="air", route="Kupang – Makassar – Jakarta", departure_on=dt.date(2019, 11, 1))
    services.repatriations_add(actor=kadis, trip=sea, cases=[going_home(), going_home()], cost="750.000")
    client = login(kadis)
    content = client.get(reverse("repatriation:trip_list")).content.decode()
    assert sea.route in content and air.route in content and "Rp1.500.000" in content
    content = client.get(reverse("repatriation:trip_list"), {"mode": "air"}).content.decode()
    assert air.route in content and sea.route not in content
    content = client.get(reverse("repatriation:trip_list"), {"date_to": "2019-10-31"}).content.decode()
    assert sea.route in content and air.route not in content


def test_trips_of_another_region_are_not_found(login, make_user, make_trip, orgs):
    trip = make_trip()
    kukar = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")
    client = login(kukar)
    assert client.get(reverse("repatriation:trip_detail", kwargs={"pk": trip.pk})).status_code == 404
    assert trip.route not in client.get(reverse("repatriation:trip_list")).content.decode()


def test_cancelling_a_trip_frees_its_people(kadis, make_trip, going_home):
    trip = make_trip()
    case = going_home()
    services.repatriations_add(actor=kadis, trip=trip, cases=[case], cost="0")
    services.trip_update(actor=kadis, trip=trip, status=TripStatus.CANCELLED)
    assert Repatriation.objects.get(case=case).status == RepatriationStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.trip_update(actor=kadis, trip=trip, route="Lain")


def test_departure_puts_people_in_travel(kadis, make_trip, going_home):
    trip = make_trip()
    case = going_home()
    services.repatriations_add(actor=kadis, trip=trip, cases=[case], cost="0")
    services.trip_update(actor=kadis, trip=trip, status=TripStatus.DEPARTED)
    assert Repatriation.objects.get(case=case).status == RepatriationStatus.TRAVELLING
    with pytest.raises(ValidationError):
        services.repatriations_add(actor=kadis, trip=trip, cases=[going_home()], cost="0")


# --- Manifest ----------------------------------------------------------------------------------------


def test_the_manifest_shows_names_and_audits_each_person(login, kadis, make_trip, make_person, make_case):
    trip = make_trip()
    people = [make_person(name, origin_regency="35.06") for name in ("Sri Rahayu", "Ani Lestari", "Wati Susanti")]
    cases = [make_case(person, pathway=Pathway.REPATRIATION) for person in people]
    services.repatriations_add(actor=kadis, trip=trip, cases=cases, cost="750.000")
    before = AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY).count()

    content = login(kadis).get(reverse("repatriation:trip_manifest", kwargs={"pk": trip.pk})).content.decode()
    assert all(name in content for name in ("Sri Rahayu", "Ani Lestari", "Wati Susanti"))
    events = AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY).order_by("pk")[before:]
    assert sorted(e.object_id for e in events) == sorted(str(p.pk) for p in people)
    assert all(e.actor == kadis and e.object_type == "people.person" for e in events)
    # The trip page itself shows no names and reveals nothing.
    page = login(kadis).get(reverse("repatriation:trip_detail", kwargs={"pk": trip.pk})).content.decode()
    assert "Sri Rahayu" not in page
    assert AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY).count() == before + 3


# --- Handover and acknowledgement ------------------------------------------------------------------------


@pytest.fixture
def handed_over(kadis, make_trip, going_home, dinsos_kediri):
    trip = make_trip()
    cases = [going_home("35.06"), going_home("35.06")]
    services.repatriations_add(actor=kadis, trip=trip, cases=cases, cost="750.000")
    handover = services.handover_record(
        actor=kadis,
        trip=trip,
        receiving_organisation=dinsos_kediri,
        handed_over_on=dt.date(2019, 10, 8),
        signed_by_name="Drs. Pejabat Uji",
        signed_by_position="Kepala Bidang Rehabilitasi Sosial",
    )
    return handover, cases


def test_recording_the_handover_marks_people_handed_over_without_follow_ups(login, kadis, handed_over):
    handover, _cases = handed_over
    assert set(Repatriation.objects.values_list("status", flat=True)) == {RepatriationStatus.HANDED_OVER}
    handover.trip.refresh_from_db()
    assert handover.trip.status == TripStatus.COMPLETED
    assert not FollowUp.objects.exists()
    page = login(kadis).get(reverse("repatriation:trip_detail", kwargs={"pk": handover.trip.pk})).content.decode()
    assert "Menunggu konfirmasi" in page and "Drs. Pejabat Uji" in page


def test_the_handover_form_records_it(login, kadis, make_trip, going_home, dinsos_kediri):
    trip = make_trip()
    services.repatriations_add(actor=kadis, trip=trip, cases=[going_home("35.06")], cost="0")
    url = reverse("repatriation:handover", kwargs={"pk": trip.pk, "organisation_pk": dinsos_kediri.pk})
    client = login(kadis)
    response = client.post(url, {"handed_over_on": "2019-10-01", "signed_by_name": "X"})
    assert "sebelum tanggal berangkat" in response.content.decode()
    response = client.post(url, {"handed_over_on": "2019-10-08", "signed_by_name": "Drs. Pejabat Uji"})
    assert response.status_code == 302
    assert Handover.objects.get().signed_by_name == "Drs. Pejabat Uji"


def test_only_the_receiving_organisation_acknowledges(login, make_user, kadis, orgs, handed_over, dinsos_kediri):
    handover, _cases = handed_over
    url = reverse("repatriation:handover_acknowledge", kwargs={"pk": handover.pk})
    # The sender cannot confirm its own handover, nor can another region's Dinsos.
    assert login(kadis).post(url).status_code == 403
    with pytest.raises(PermissionDenied):
        services.handover_acknowledge(actor=kadis, handover=handover)
    kukar = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")
    assert login(kukar).post(url).status_code == 404
    handover.refresh_from_db()
    assert handover.acknowledged_at is None

    receiver = make_user(Role.CASE_WORKER, organisation=dinsos_kediri, region="35.06")
    response = login(receiver).post(url)
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.acknowledged_by == receiver and handover.acknowledged_at is not None


def test_acknowledging_schedules_the_follow_ups(make_user, handed_over, dinsos_kediri):
    handover, cases = handed_over
    receiver = make_user(Role.HEAD_OF_DINSOS, organisation=dinsos_kediri, region="35.06")
    services.handover_acknowledge(actor=receiver, handover=handover)
    for case in cases:
        follow_ups = list(FollowUp.objects.filter(case=case).order_by("months_after"))
        assert [f.months_after for f in follow_ups] == [1, 3, 6, 12]
        assert [f.due_on for f in follow_ups] == [
            dt.date(2019, 11, 8),
            dt.date(2020, 1, 8),
            dt.date(2020, 4, 8),
            dt.date(2020, 10, 8),
        ]
        assert {f.scope_region_code for f in follow_ups} == {case.scope_region_code}
    # Twice is refused, and the follow-ups stay as they are.
    with pytest.raises(ValidationError):
        services.handover_acknowledge(actor=receiver, handover=handover)
    assert FollowUp.objects.count() == 8


def test_an_acknowledged_handover_can_no_longer_be_changed(make_user, kadis, handed_over, dinsos_kediri):
    handover, _cases = handed_over
    services.handover_acknowledge(
        actor=make_user(Role.HEAD_OF_DINSOS, organisation=dinsos_kediri, region="35.06"), handover=handover
    )
    with pytest.raises(ValidationError):
        services.handover_record(
            actor=kadis,
            trip=handover.trip,
            receiving_organisation=dinsos_kediri,
            handed_over_on=dt.date(2019, 10, 9),
            signed_by_name="Orang Lain",
        )
    with pytest.raises(ValidationError):
        services.repatriation_cancel(actor=kadis, repatriation=Repatriation.objects.first())


# --- Arrivals ------------------------------------------------------------------------------------------


def test_the_destination_dinsos_sees_its_arrivals_and_a_third_region_does_not(
    login, make_user, orgs, handed_over, dinsos_kediri
):
    handover, cases = handed_over
    kediri = make_user(Role.HEAD_OF_DINSOS, organisation=dinsos_kediri, region="35.06")
    content = login(kediri).get(reverse("repatriation:incoming")).content.decode()
    assert all(case.number in content for case in cases)
    assert "Karang Dempel" in content and "Dinas Sosial Kota Kupang" in content
    assert "Menunggu konfirmasi" in content and "Oktober 2019" in content
    assert "Sri Rahayu" not in content  # no identity here
    assert reverse("repatriation:handover_acknowledge", kwargs={"pk": handover.pk}) in content

    kukar = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")
    content = login(kukar).get(reverse("repatriation:incoming")).content.decode()
    assert not any(case.number in content for case in cases)
    assert "Belum ada orang yang dipulangkan ke daerah Anda" in content


def test_arrivals_are_counted_per_month(kadis, make_user, make_trip, going_home, dinsos_kediri):
    from repatriation.selectors import incoming, incoming_by_month

    october, november = make_trip(), make_trip(departure_on=dt.date(2019, 11, 2), route="Kupang – Surabaya II")
    services.repatriations_add(actor=kadis, trip=october, cases=[going_home("35.06") for _ in range(3)], cost="0")
    services.repatriations_add(actor=kadis, trip=november, cases=[going_home("35.06")], cost="0")
    kediri = make_user(Role.HEAD_OF_DINSOS, organisation=dinsos_kediri, region="35.06")
    rows = incoming_by_month(incoming(kediri))
    assert [(row["month"].month, row["people"]) for row in rows] == [(11, 1), (10, 3)]


# --- Demo ----------------------------------------------------------------------------------------------


def test_the_demo_repatriates_karang_dempel(regions):
    from django.utils import timezone

    from cases.models import Case, CaseStatus
    from demo.repatriation import seed_repatriation
    from demo.scenario import load_scenario, seed_organisations

    load_scenario()
    orgs = seed_organisations()
    seed_repatriation(orgs)

    trips = Trip.objects.filter(departure_on=DEPARTURE, organiser=orgs["dinsos_kupang"])
    assert {t.mode for t in trips} == {"sea", "air", "land"}
    active = Repatriation.objects.exclude(status=RepatriationStatus.CANCELLED).filter(trip__in=trips)
    assert active.count() == 54
    destinations = set(active.values_list("destination_regency_code", flat=True))
    assert any(code.startswith("53.") for code in destinations)
    assert any(not code.startswith("53.") for code in destinations)
    assert "53.71" not in destinations
    assert not active.filter(receiving_organisation__isnull=True).exists()
    assert {t.escort.short_name for t in trips} >= {"LKS BHS", "Satpol PP Kota Kupang"}
    assert set(active.filter(trip__mode="land").values_list("cost", flat=True)) == {Decimal("250000")}
    assert set(active.filter(trip__mode="air").values_list("cost", flat=True)) == {Decimal("1500000")}

    handovers = Handover.objects.filter(trip__in=trips)
    assert handovers.filter(acknowledged_at__isnull=False).exists()
    assert handovers.filter(acknowledged_at__isnull=True).exists()
    today = timezone.localdate()
    assert FollowUp.objects.filter(done_on__isnull=True, due_on__lt=today).exists()
    assert FollowUp.objects.filter(done_on__isnull=False).exclude(outcome="").exists()

    local = Case.objects.filter(pathway=Pathway.LOCAL_EMPOWERMENT, person__origin_regency="53.71")
    assert local.count() == 3 and not Repatriation.objects.filter(case__in=local).exists()
    assert Case.objects.filter(status=CaseStatus.OPEN, pathway=Pathway.REPATRIATION).count() >= 54

    # Running it again changes nothing.
    counts = (Trip.objects.count(), Repatriation.objects.count(), Handover.objects.count(), FollowUp.objects.count())
    seed_repatriation(orgs)
    assert counts == (
        Trip.objects.count(),
        Repatriation.objects.count(),
        Handover.objects.count(),
        FollowUp.objects.count(),
    )


def test_editing_a_trip_through_the_form(login, kadis, orgs, make_trip, going_home, satpol):
    trip = make_trip()
    case = going_home()
    services.repatriations_add(actor=kadis, trip=trip, cases=[case], cost="0")
    url = reverse("repatriation:trip_edit", kwargs={"pk": trip.pk})
    client = login(kadis)
    assert trip.route in client.get(url).content.decode()
    data = trip_form_data(orgs, satpol, route="Kupang – Surabaya (KM Sirimau)", status=TripStatus.DEPARTED)
    assert client.post(url, data).status_code == 302
    trip.refresh_from_db()
    assert trip.route == "Kupang – Surabaya (KM Sirimau)" and trip.escort == satpol
    assert trip.status == TripStatus.DEPARTED
    assert Repatriation.objects.get(case=case).status == RepatriationStatus.TRAVELLING
    # A later escort change to an unaccredited LKS is refused on the form, nothing saved.
    response = client.post(url, trip_form_data(orgs, orgs["lks_kupang"], status=TripStatus.DEPARTED))
    assert "belum terakreditasi" in response.content.decode()
    trip.refresh_from_db()
    assert trip.escort == satpol


def test_taking_someone_off_a_trip(login, kadis, make_trip, going_home):
    trip = make_trip()
    case = going_home()
    services.repatriations_add(actor=kadis, trip=trip, cases=[case], cost="0")
    repatriation = Repatriation.objects.get(case=case)
    response = login(kadis).post(reverse("repatriation:remove", kwargs={"pk": repatriation.pk}), follow=True)
    assert f"{case.number} dikeluarkan dari perjalanan" in response.content.decode()
    repatriation.refresh_from_db()
    assert repatriation.status == RepatriationStatus.CANCELLED


def test_arrivals_show_a_transfer_to_the_receiving_dinsos(login, make_user, orgs, handed_over, dinsos_kediri, kadis):
    from cases.models import ConsentBasis, Referral, ReferralKind, ReferralStatus

    _handover, cases = handed_over
    Referral.objects.create(
        case=cases[0],
        kind=ReferralKind.TRANSFER,
        from_organisation=orgs["dinsos_kupang"],
        to_organisation=dinsos_kediri,
        reason="Bimbingan lanjut di daerah asal",
        consent_basis=ConsentBasis.CONSENT,
        status=ReferralStatus.ACCEPTED,
        created_by=kadis,
    )
    kediri = make_user(Role.HEAD_OF_DINSOS, organisation=dinsos_kediri, region="35.06")
    content = login(kediri).get(reverse("repatriation:incoming")).content.decode()
    assert "Dialihkan ke Anda" in content and content.count("Dialihkan ke Anda") == 1
    assert reverse("cases:detail", kwargs={"pk": cases[0].pk}) in content
    assert reverse("cases:detail", kwargs={"pk": cases[1].pk}) not in content
