"""The organisation registry: who may see and change what, the rules on saving, LKS
accreditation, and a list that stays fast however many organisations there are."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from accounts.models import Role
from audit.models import Action, AuditEvent
from organisations import services
from organisations.models import Accreditation, Organisation, OrgKind
from organisations.rules import is_verified_lks, lks_accreditation_status
from regions.models import Region

LIST = reverse("organisations:list")
CREATE = reverse("organisations:create")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def detail_url(org: Organisation) -> str:
    return reverse("organisations:detail", kwargs={"pk": org.pk})


def edit_url(org: Organisation) -> str:
    return reverse("organisations:edit", kwargs={"pk": org.pk})


def status_url(org: Organisation) -> str:
    return reverse("organisations:set_active", kwargs={"pk": org.pk})


def accreditation_url(org: Organisation) -> str:
    return reverse("organisations:accreditation_add", kwargs={"pk": org.pk})


def form_data(**overrides) -> dict:
    data = {
        "name": "Satuan Polisi Pamong Praja Kota Kupang",
        "short_name": "Satpol PP",
        "kind": OrgKind.OPD,
        "region": "53.71",
        "parent": "",
        "address": "Jl. El Tari No. 2, Kupang",
        "phone": "0380 821000",
        "email": "satpolpp@kupangkota.go.id",
    }
    data.update(overrides)
    return data


def accredit(org: Organisation, grade: str, granted_on: dt.date, number: str | None = None) -> Accreditation:
    return Accreditation.objects.create(
        organisation=org,
        number=number or f"{grade}/{granted_on.isoformat()}",
        grade=grade,
        granted_on=granted_on,
        valid_until=services.accreditation_valid_until(grade, granted_on),
    )


def row_names(response) -> list[str]:
    return [org.name for org in response.context["page_obj"]]


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


# --- Creating and editing ---------------------------------------------------------------------


def test_head_of_dinsos_creates_an_organisation_and_an_audit_event_is_written(client, login, kadis):
    login(kadis)
    response = client.post(CREATE, form_data())
    org = Organisation.objects.get(name="Satuan Polisi Pamong Praja Kota Kupang")
    assert response.status_code == 302 and response.url == detail_url(org)
    assert (org.kind, org.region_id, org.short_name, org.created_by) == (OrgKind.OPD, "53.71", "Satpol PP", kadis)
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="organisations.organisation")
    assert event.object_id == str(org.pk) and event.actor == kadis
    assert {"name", "kind", "region", "short_name", "email"} <= set(event.detail["fields"])


def test_duplicate_name_in_the_same_region_gives_the_indonesian_error_and_keeps_what_was_typed(
    client, login, kadis, orgs
):
    login(kadis)
    response = client.post(CREATE, form_data(name="dinas sosial kota kupang", address="Jl. Timor Raya 8"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sudah ada organisasi dengan nama ini di wilayah yang sama." in response.context["form"].errors["name"]
    assert 'value="dinas sosial kota kupang"' in page and "Jl. Timor Raya 8" in page
    assert Organisation.objects.filter(name__iexact="dinas sosial kota kupang").count() == 1


def test_the_same_name_in_another_region_is_allowed(users, orgs):
    officer = users[Role.PROVINCE_OFFICER]
    org = services.organisation_create(
        actor=officer, name="Dinas Sosial Kota Kupang", kind=OrgKind.OPD, region=region("53.01")
    )
    assert org.region_id == "53.01"


def test_head_of_dinsos_cannot_create_an_organisation_outside_the_region(client, login, kadis):
    login(kadis)
    response = client.post(CREATE, form_data(region="64.02"))
    assert response.status_code == 200
    assert "Wilayah ini di luar cakupan wilayah Anda." in response.context["form"].errors["region"]
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=kadis, name="LSM Tenggarong", kind=OrgKind.LSM, region=region("64.02"))
    assert not Organisation.objects.filter(name=form_data()["name"]).exists()


def test_editing_saves_only_the_changed_fields_and_audits_their_names(client, login, kadis, orgs):
    org = orgs["inspektorat_kupang"]
    login(kadis)
    response = client.post(edit_url(org), form_data(name=org.name, short_name="Itkot", phone="0380 111"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.short_name, org.phone) == ("Itkot", "0380 111")
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(org.pk))
    assert event.detail["fields"] == ["address", "email", "phone", "short_name"]


def test_a_failed_edit_shows_the_form_again_with_what_was_typed(client, login, kadis, orgs):
    org = orgs["inspektorat_kupang"]
    login(kadis)
    response = client.post(edit_url(org), form_data(name="Dinas Sosial Kota Kupang", phone="0380 999"))
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert "0380 999" in response.content.decode()
    org.refresh_from_db()
    assert org.name == "Inspektorat Kota Kupang" and org.phone == ""


def test_province_officer_edits_an_organisation_in_a_kabupaten_of_the_province(client, login, users, make_org):
    org = make_org("LSM Uji Kabupaten Kupang", kind=OrgKind.LSM, region="53.01")
    login(users[Role.PROVINCE_OFFICER])
    response = client.post(edit_url(org), form_data(name=org.name, kind=OrgKind.LSM, region="53.01"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.short_name == "Satpol PP"


def test_moving_an_organisation_out_of_the_actors_region_is_refused(kadis, orgs):
    org = orgs["inspektorat_kupang"]
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=kadis, organisation=org, region=region("64.02"))
    org.refresh_from_db()
    assert org.region_id == "53.71"


def test_an_organisation_cannot_be_its_own_parent_or_under_its_own_unit(kadis, make_org):
    dinsos = make_org("Dinas Uji Induk", kind=OrgKind.DINSOS_KABKOTA)
    upt = make_org("UPT Uji", kind=OrgKind.UPT, parent=dinsos)
    unit_of_upt = make_org("Seksi Uji", kind=OrgKind.OTHER, parent=upt)
    with pytest.raises(ValidationError) as itself:
        services.organisation_update(actor=kadis, organisation=dinsos, parent=dinsos)
    assert "dirinya sendiri" in itself.value.message_dict["parent"][0]
    with pytest.raises(ValidationError) as loop:
        services.organisation_update(actor=kadis, organisation=dinsos, parent=unit_of_upt)
    assert "berada di bawah organisasi ini" in loop.value.message_dict["parent"][0]
    dinsos.refresh_from_db()
    assert dinsos.parent_id is None


def test_the_parent_must_be_active(kadis, make_org):
    closed = make_org("LSM Uji Bubar", kind=OrgKind.LSM, is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(
            actor=kadis, name="Cabang Uji", kind=OrgKind.LSM, region=region("53.71"), parent=closed
        )
    assert exc.value.message_dict["parent"] == ["Organisasi induk sudah nonaktif."]


def test_editing_other_fields_keeps_a_parent_that_was_deactivated_later(kadis, make_org):
    parent = make_org("Dinas Uji Lama", kind=OrgKind.OPD)
    child = make_org("UPT Uji Anak", kind=OrgKind.UPT, parent=parent)
    parent.is_active = False
    parent.save()
    services.organisation_update(actor=kadis, organisation=child, parent=parent, phone="0380 5")
    child.refresh_from_db()
    assert child.parent == parent and child.phone == "0380 5"


def test_case_worker_can_view_but_not_create(client, login, users, orgs):
    login(users[Role.CASE_WORKER])
    listing = client.get(LIST)
    assert listing.status_code == 200 and CREATE not in listing.content.decode()
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    assert not Organisation.objects.filter(name=form_data()["name"]).exists()
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=users[Role.CASE_WORKER], name="X", kind=OrgKind.OPD, region=region("53.71"))


def test_head_of_dinsos_of_kota_kupang_cannot_edit_an_organisation_in_kutai_kartanegara_but_can_view_it(
    client, login, kadis, orgs
):
    kukar = orgs["dinsos_kukar"]
    login(kadis)
    page = client.get(detail_url(kukar))
    assert page.status_code == 200 and kukar.name in page.content.decode()
    assert edit_url(kukar) not in page.content.decode()
    assert client.get(edit_url(kukar)).status_code == 403
    assert client.post(edit_url(kukar), form_data(name="Diubah", region="64.02")).status_code == 403
    assert client.post(status_url(kukar), {"active": "0", "reason": "uji"}).status_code == 403
    kukar.refresh_from_db()
    assert kukar.name == "Dinas Sosial Kabupaten Kutai Kartanegara" and kukar.is_active


def test_head_of_dinsos_cannot_record_accreditation_for_an_lks_outside_the_region(client, login, kadis, make_org):
    lks = make_org("LKS Uji Tenggarong", kind=OrgKind.LKS, region="64.02")
    login(kadis)
    assert client.get(accreditation_url(lks)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.accreditation_record(
            actor=kadis, organisation=lks, number="1", grade="A", granted_on=dt.date(2024, 1, 1)
        )


def test_an_unknown_organisation_id_is_not_found(client, login, kadis, orgs):
    login(kadis)
    assert client.get(reverse("organisations:detail", kwargs={"pk": 999_999})).status_code == 404


# --- Detail page ------------------------------------------------------------------------------


def test_detail_shows_facts_units_accreditations_and_active_users(client, login, kadis, users, orgs, make_org):
    lks = orgs["lks_kupang"]
    make_org("Rumah Singgah Uji", kind=OrgKind.OTHER, parent=lks)
    accredit(lks, "B", dt.date(2023, 5, 2), number="BALKS/0042/2023")
    login(kadis)
    page = client.get(detail_url(lks)).content.decode()
    assert "Rumah Singgah Uji" in page
    assert "BALKS/0042/2023" in page and "2 Mei 2026" in page
    assert '<dd data-testid="active-users">1</dd>' in page  # the standing partner user
    for url in (edit_url(lks), accreditation_url(lks), status_url(lks)):
        assert url in page


def test_detail_shows_no_management_buttons_to_a_case_worker(client, login, users, orgs):
    lks = orgs["lks_kupang"]
    login(users[Role.CASE_WORKER])
    page = client.get(detail_url(lks)).content.decode()
    for url in (edit_url(lks), accreditation_url(lks), status_url(lks)):
        assert url not in page


# --- Deactivating, never deleting -------------------------------------------------------------


def test_deactivation_requires_a_reason(client, login, kadis, orgs):
    org = orgs["inspektorat_kupang"]
    login(kadis)
    response = client.post(status_url(org), {"active": "0", "reason": "  "})
    assert response.status_code == 200
    assert "Tuliskan alasan penonaktifan." in response.content.decode()
    org.refresh_from_db()
    assert org.is_active
    with pytest.raises(ValidationError) as exc:
        services.organisation_deactivate(actor=kadis, organisation=org, reason="")
    assert exc.value.message_dict == {"reason": ["Tuliskan alasan penonaktifan."]}


def test_deactivation_keeps_the_row_and_shows_it_under_the_inactive_filter(client, login, kadis, orgs):
    org = orgs["inspektorat_kupang"]
    login(kadis)
    response = client.post(status_url(org), {"active": "0", "reason": "Digabung ke Inspektorat Daerah"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert not org.is_active and org.deactivated_at is not None
    assert org.deactivation_reason == "Digabung ke Inspektorat Daerah"
    assert org.name not in row_names(client.get(LIST))
    assert org.name in row_names(client.get(LIST, {"status": "inactive"}))
    assert org.name in row_names(client.get(LIST, {"status": "all"}))
    event = AuditEvent.objects.get(action=Action.DEACTIVATE, object_id=str(org.pk))
    assert event.detail["reason"] == "Digabung ke Inspektorat Daerah"


def test_reactivation_clears_the_reason_and_is_audited(client, login, kadis, orgs):
    org = orgs["inspektorat_kupang"]
    services.organisation_deactivate(actor=kadis, organisation=org, reason="Salah input")
    login(kadis)
    assert client.post(status_url(org), {"active": "1"}).status_code == 302
    org.refresh_from_db()
    assert org.is_active and org.deactivation_reason == "" and org.deactivated_at is None
    assert AuditEvent.objects.filter(action=Action.REACTIVATE, object_id=str(org.pk)).exists()


def test_no_url_deletes_an_organisation(client, login, users, orgs):
    org = orgs["lks_kupang"]
    login(users[Role.SYSADMIN])
    urls = [LIST, CREATE, detail_url(org), edit_url(org), status_url(org), accreditation_url(org)]
    for url in urls:
        client.post(url, {"_method": "DELETE", "delete": "1"})
        assert client.delete(url).status_code in (403, 405)
    assert Organisation.objects.filter(pk=org.pk).exists()
    assert not AuditEvent.objects.filter(action=Action.DELETE).exists()


def test_an_organisation_with_users_cannot_be_deleted_even_in_code(orgs, users):
    with pytest.raises(ProtectedError):
        orgs["dinsos_kupang"].delete()
    assert Organisation.objects.filter(pk=orgs["dinsos_kupang"].pk).exists()


# --- Accreditation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "granted_on", "valid_until"),
    [
        ("A", dt.date(2020, 2, 29), dt.date(2025, 2, 28)),
        ("A", dt.date(2019, 3, 12), dt.date(2024, 3, 12)),
        ("B", dt.date(2021, 6, 15), dt.date(2024, 6, 15)),
        ("B", dt.date(2020, 2, 29), dt.date(2023, 2, 28)),
        ("C", dt.date(2022, 1, 10), dt.date(2024, 1, 10)),
        ("C", dt.date(2022, 2, 28), dt.date(2024, 2, 28)),
    ],
)
def test_accreditation_validity_follows_the_grade(grade, granted_on, valid_until):
    assert services.accreditation_valid_until(grade, granted_on) == valid_until


def test_head_of_dinsos_records_an_accreditation_and_its_validity_is_computed(client, login, kadis, orgs):
    lks = orgs["lks_kupang"]
    login(kadis)
    response = client.post(
        accreditation_url(lks), {"number": "BALKS/17/2020", "grade": "A", "granted_on": "2020-02-29"}
    )
    assert response.status_code == 302
    accreditation = lks.accreditations.get()
    assert accreditation.valid_until == dt.date(2025, 2, 28) and accreditation.recorded_by == kadis
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="organisations.accreditation")
    assert event.detail["organisation"] == lks.pk and event.detail["valid_until"] == "2025-02-28"


def test_recording_accreditation_on_a_non_lks_is_refused(client, login, kadis, orgs):
    opd = orgs["inspektorat_kupang"]
    with pytest.raises(ValidationError) as exc:
        services.accreditation_record(
            actor=kadis, organisation=opd, number="X/1", grade="A", granted_on=dt.date(2024, 1, 1)
        )
    assert "hanya dicatat untuk LKS" in exc.value.messages[0]
    login(kadis)
    response = client.post(accreditation_url(opd), {"number": "X/1", "grade": "A", "granted_on": "2024-01-01"})
    assert response.status_code == 302 and response.url == detail_url(opd)
    assert not Accreditation.objects.exists()


def test_an_accreditation_dated_in_the_future_is_refused_beside_the_date(client, login, kadis, orgs):
    login(kadis)
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    response = client.post(
        accreditation_url(orgs["lks_kupang"]), {"number": "N/9", "grade": "B", "granted_on": tomorrow.isoformat()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["granted_on"] == ["Tanggal akreditasi tidak boleh di masa depan."]
    assert 'value="N/9"' in response.content.decode()
    assert not Accreditation.objects.exists()


def test_lks_without_accreditation_is_not_verified(orgs):
    assert lks_accreditation_status(orgs["lks_kupang"]) == (False, "belum terakreditasi")
    assert is_verified_lks(orgs["lks_kupang"]) is False


def test_lks_with_a_valid_accreditation_is_verified(orgs):
    lks = orgs["lks_kupang"]
    accredit(lks, "A", dt.date(2020, 2, 29))
    assert is_verified_lks(lks, on=dt.date(2025, 2, 28)) is True
    assert lks_accreditation_status(lks, on=dt.date(2024, 1, 1)) == (
        True,
        "terakreditasi A, berlaku sampai 28 Februari 2025",
    )


def test_lks_with_an_expired_accreditation_is_not_verified_and_says_when_it_ended(orgs):
    lks = orgs["lks_kupang"]
    accredit(lks, "C", dt.date(2022, 3, 12))
    assert lks_accreditation_status(lks, on=dt.date(2024, 3, 13)) == (
        False,
        "akreditasi berakhir pada 12 Maret 2024",
    )
    assert is_verified_lks(lks, on=dt.date(2024, 3, 12)) is True


def test_the_newest_accreditation_decides_even_when_an_older_one_would_still_run(orgs):
    lks = orgs["lks_kupang"]
    accredit(lks, "A", dt.date(2018, 1, 1))  # would run until 2023
    accredit(lks, "C", dt.date(2019, 1, 1))  # re-accredited lower, ended 2021
    assert lks_accreditation_status(lks, on=dt.date(2022, 1, 1)) == (False, "akreditasi berakhir pada 1 Januari 2021")


def test_inactive_lks_is_not_verified(kadis, orgs):
    lks = orgs["lks_kupang"]
    accredit(lks, "A", dt.date(2024, 1, 1))
    services.organisation_deactivate(actor=kadis, organisation=lks, reason="Izin dicabut")
    assert lks_accreditation_status(lks, on=dt.date(2025, 1, 1)) == (False, "organisasi nonaktif")


def test_an_organisation_that_is_not_an_lks_is_never_a_verified_lks(orgs):
    assert lks_accreditation_status(orgs["dinsos_kupang"]) == (False, "bukan LKS")


# --- List, search, filters --------------------------------------------------------------------


def test_search_finds_by_short_name(client, login, users, make_org):
    make_org("Komisi Penanggulangan AIDS Daerah Kota Kupang", short_name="KPAD")
    make_org("Dinas Pariwisata Kota Kupang", short_name="Dispar")
    login(users[Role.CASE_WORKER])
    assert row_names(client.get(LIST, {"q": "kpad"})) == ["Komisi Penanggulangan AIDS Daerah Kota Kupang"]


def test_search_finds_by_part_of_the_name_in_any_case(client, login, users, orgs):
    login(users[Role.CASE_WORKER])
    assert row_names(client.get(LIST, {"q": "KUTAI"})) == ["Dinas Sosial Kabupaten Kutai Kartanegara"]


def test_the_region_pickers_search_box_is_not_submitted_with_the_filters(client, login, users, orgs):
    """Its text ("Kota Kupang") must not reach the list as a second search term ``q``: the box
    belongs to a form that does not exist, so the browser leaves it out."""
    login(users[Role.CASE_WORKER])
    html = client.get(LIST, {"region": "53.71"}).content.decode()
    match = re.search(r'<input type="search" id="([^"]+)_search" name="q" form="([^"]+)"', html)
    assert match and match.group(2) == f"{match.group(1)}_detached"
    assert f'id="{match.group(2)}"' not in html


def test_kind_filter_shows_only_that_kind(client, login, users, orgs):
    login(users[Role.CASE_WORKER])
    names = row_names(client.get(LIST, {"kind": OrgKind.DINSOS_KABKOTA}))
    assert sorted(names) == ["Dinas Sosial Kabupaten Kutai Kartanegara", "Dinas Sosial Kota Kupang"]


def test_region_filter_includes_the_regions_inside_it(client, login, users, orgs, make_org):
    make_org("Pemerintah Desa Uji", kind=OrgKind.VILLAGE_GOVERNMENT, region="53.01.04.2003")
    login(users[Role.CASE_WORKER])
    names = row_names(client.get(LIST, {"region": "53"}))
    assert "Pemerintah Desa Uji" in names and "Dinas Sosial Kota Kupang" in names
    assert "Dinas Sosial Provinsi Nusa Tenggara Timur" in names
    assert "Dinas Sosial Kabupaten Kutai Kartanegara" not in names
    assert row_names(client.get(LIST, {"region": "53.01"})) == ["Pemerintah Desa Uji"]


def test_accreditation_filter_and_badges(client, login, users, orgs, make_org):
    valid = orgs["lks_kupang"]
    accredit(valid, "A", dt.date.today() - dt.timedelta(days=30))
    expired = make_org("LKS Uji Lama", kind=OrgKind.LKS)
    accredit(expired, "C", dt.date(2019, 3, 12))
    make_org("LKS Uji Baru", kind=OrgKind.LKS)
    login(users[Role.CASE_WORKER])
    assert row_names(client.get(LIST, {"accreditation": "valid"})) == [valid.name]
    assert row_names(client.get(LIST, {"accreditation": "expired"})) == ["LKS Uji Lama"]
    assert row_names(client.get(LIST, {"accreditation": "none"})) == ["LKS Uji Baru"]
    page = client.get(LIST, {"kind": OrgKind.LKS}).content.decode()
    assert "Berakhir 12 Maret 2021" in page and "Belum terakreditasi" in page and 'class="badge ok">A' in page


def test_htmx_request_returns_only_the_rows_partial(client, login, users, orgs):
    login(users[Role.CASE_WORKER])
    response = client.get(LIST, {"q": "kupang"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "organisations/_rows.html"
    assert "<html" not in page and "<table>" in page and "Dinas Sosial Kota Kupang" in page
    assert "HX-Request" in response["Vary"]
    assert "<html" in client.get(LIST).content.decode()


def test_an_empty_result_shows_the_empty_state(client, login, users, orgs):
    login(users[Role.CASE_WORKER])
    page = client.get(LIST, {"q": "tidak-ada-yang-begini"}).content.decode()
    assert 'class="empty-state"' in page and "<table>" not in page


def test_list_is_paginated_by_25(client, login, users, make_org):
    for n in range(30):
        make_org(f"LSM Uji {n:02d}", kind=OrgKind.LSM)
    login(users[Role.CASE_WORKER])
    first = client.get(LIST, {"kind": OrgKind.LSM})
    second = client.get(LIST, {"kind": OrgKind.LSM, "page": 2})
    assert row_names(first) == [f"LSM Uji {n:02d}" for n in range(25)]
    assert row_names(second) == [f"LSM Uji {n:02d}" for n in range(25, 30)]
    assert "page=2" in first.content.decode() and "kind=lsm" in first.content.decode()


def test_list_runs_a_bounded_number_of_queries_whatever_the_number_of_rows(
    client, login, users, make_org, django_assert_max_num_queries
):
    for n in range(20):
        org = make_org(f"Organisasi Hitung {n:02d}", kind=OrgKind.LKS if n % 2 else OrgKind.OPD, short_name="OH")
        if n % 4 == 1:
            accredit(org, "B", dt.date(2024, 1, 1))
            accredit(org, "A", dt.date(2025, 1, 1))
    login(users[Role.CASE_WORKER])
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"q": "Hitung"})
    assert len(row_names(response)) == 20
