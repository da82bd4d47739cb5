"""The people registry pages: searching without names in the list, the audited identity
reveal, registration on a phone with the NIK explained, edits, consent history and the
supervisor's safeguarding alerts."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import Action, AuditEvent
from census.models import CensusEntry
from people.models import ConsentKind, ConsentRecord, Person, SafeguardingAlert
from people.selectors import age_band, query_kind

LIST = reverse("people:list")
REGISTER = reverse("people:register")
NIK_CHECK = reverse("people:nik_check")
ALERTS = reverse("people:alert_list")

# Structurally valid NIKs: Kota Kupang (53.71.01), women born 5 March 1995 and 12 July 1990.
NIK_A = "5371014503950002"
NIK_B = "5371015207900003"


def detail_url(person: Person) -> str:
    return reverse("people:detail", kwargs={"case_code": person.case_code})


def url(name: str, person: Person) -> str:
    return reverse(f"people:{name}", kwargs={"case_code": person.case_code})


def search(client, q: str = "", **filters):
    return client.post(LIST, {"q": q, **filters})


def found(response) -> list[str]:
    return [p.case_code for p in response.context["page_obj"]]


def years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=30)


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def kadis_client(login, kadis):
    return login(kadis)


@pytest.fixture
def kukar_kadis(make_user, orgs):
    return make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")


def registration_data(site, **overrides) -> dict:
    data = {
        "site": site.pk,
        "full_name": "Yohana Lede",
        "aliases": "",
        "nik": "",
        "kk_number": "",
        "birth_place": "Kupang",
        "birth_date": "",
        "phone": "",
        "origin": "",
        "origin_address": "",
        "sex": "P",
        "birth_year": "",
        "education": "sd",
        "marital_status": "single",
        "dependent_children": "",
        "legal_basis": "public_task",
        "share_consent": "",
        "consent_on": "",
    }
    data.update(overrides)
    return data


# --- Searching -----------------------------------------------------------------------------------


def test_query_kinds_are_told_apart():
    assert query_kind("5371-kd-0001") == "case_code"
    assert query_kind("5371 0145 0395 0002") == "nik"
    assert query_kind("Sri Rahayoe") == "name"
    assert query_kind("  ") == ""


def test_case_code_search_is_exact_and_ignores_case(kadis_client, make_person):
    first = make_person("Sri Rahayu")
    make_person("Juwita")
    response = kadis_client.get(LIST, {"q": first.case_code.lower()})
    assert found(response) == [first.case_code]


def test_nik_search_finds_only_that_nik(kadis_client, make_person):
    with_a = make_person("Sri Rahayu", nik=NIK_A)
    make_person("Juwita", nik=NIK_B)
    make_person("Tanpa KTP")
    assert found(search(kadis_client, NIK_A)) == [with_a.case_code]
    # Typed the way it is printed on the card.
    assert found(search(kadis_client, "5371 0145 0395 0002")) == [with_a.case_code]
    assert found(search(kadis_client, "5371014503950009")) == []


def test_name_search_finds_old_and_new_spellings(kadis_client, make_person):
    sri = make_person("Sri Rahayu")
    juwita = make_person("Juwita Ndun")
    make_person("Maria Goreti")
    assert found(search(kadis_client, "Sri Rahayoe")) == [sri.case_code]
    assert found(search(kadis_client, "Djuwita")) == [juwita.case_code]
    assert found(search(kadis_client, "ibu RAHAYU")) == [sri.case_code]


def test_name_search_finds_an_alias(kadis_client, make_person):
    maria = make_person("Maria Goreti", aliases=["Mawar"])
    make_person("Mawarni")
    assert found(search(kadis_client, "mawar")) == [maria.case_code]


def test_every_typed_name_token_must_match(kadis_client, make_person):
    rahayu = make_person("Sri Rahayu")
    wahyuni = make_person("Sri Wahyuni")
    assert sorted(found(search(kadis_client, "Sri"))) == sorted([rahayu.case_code, wahyuni.case_code])
    assert found(search(kadis_client, "Sri Rahayu")) == [rahayu.case_code]
    assert found(search(kadis_client, "Rahayu Wahyuni")) == []


def test_list_shows_no_names(kadis_client, make_person):
    make_person("Yohana Lede", aliases=["Mawar"], nik=NIK_A)
    make_person("Fransiska Bana")
    for response in (kadis_client.get(LIST), search(kadis_client, "Mawar"), search(kadis_client, NIK_A)):
        content = response.content.decode()
        assert response.status_code == 200
        assert len(response.context["page_obj"]) >= 1
        assert "Yohana" not in content
        assert "Lede" not in content
        assert "Fransiska" not in content


def test_identity_search_is_audited_without_what_was_typed(kadis_client, kadis, make_person):
    make_person("Sri Rahayu", nik=NIK_A)
    search(kadis_client, "Sri Rahayoe")
    search(kadis_client, NIK_A)
    events = list(AuditEvent.objects.filter(action=Action.VIEW_IDENTITY, object_type="people.search").order_by("id"))
    assert [(e.detail["kind"], e.detail["results"]) for e in events] == [("name", 1), ("nik", 1)]
    assert all(e.actor == kadis for e in events)
    logged = json.dumps([e.detail for e in events]) + "".join(e.object_label for e in events)
    assert "Rahayoe" not in logged and NIK_A not in logged


def test_case_code_search_is_not_an_identity_view(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    search(kadis_client, person.case_code)
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()


def test_name_in_the_address_bar_is_not_searched(kadis_client, make_person):
    make_person("Sri Rahayu")
    make_person("Juwita")
    response = kadis_client.get(LIST, {"q": "Sri Rahayu"})
    assert len(found(response)) == 2
    assert "lewat kotak pencarian" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()


def test_htmx_search_returns_only_the_rows(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    response = kadis_client.post(LIST, {"q": "rahayu"}, HTTP_HX_REQUEST="true")
    assert person.case_code in response.content.decode()
    assert "<form" not in response.content.decode()
    assert "HX-Request" in response["Vary"]
    assert "no-store" in response["Cache-Control"]


def test_filter_by_origin_class(kadis_client, make_person):
    local = make_person("Satu", origin_regency="53.71")
    same_province = make_person("Dua", origin_regency="53.01")
    other_province = make_person("Tiga", origin_regency="35.06")
    unknown = make_person("Empat")
    assert found(search(kadis_client, origin="local")) == [local.case_code]
    assert found(search(kadis_client, origin="same_province")) == [same_province.case_code]
    assert found(search(kadis_client, origin="other_province")) == [other_province.case_code]
    assert found(search(kadis_client, origin="unknown")) == [unknown.case_code]


def test_filter_by_flags(kadis_client, make_person):
    child = make_person("Anak", birth_date=years_ago(16))
    trafficked = make_person("Korban", trafficking_indicators=["debt_bondage"])
    make_person("Dewasa", birth_date=years_ago(30))
    assert child.is_child and trafficked.trafficking_flag
    assert found(search(kadis_client, flags="child")) == [child.case_code]
    assert found(search(kadis_client, flags="trafficking")) == [trafficked.case_code]
    assert sorted(found(kadis_client.post(LIST, {"flags": ["child", "trafficking"]}))) == sorted(
        [child.case_code, trafficked.case_code]
    )


def test_filter_by_site_and_census_round(kadis_client, make_person, make_site, make_round):
    other_site = make_site("Lokalisasi Uji", short_code="LU")
    at_kd = make_person("Satu")
    counted = make_person("Dua")
    elsewhere = make_person("Tiga", site=other_site)
    census_round = make_round(people=[counted])
    assert found(search(kadis_client, site=other_site.pk)) == [elsewhere.case_code]
    assert sorted(found(search(kadis_client, site=at_kd.registered_site_id))) == sorted(
        [at_kd.case_code, counted.case_code]
    )
    assert found(search(kadis_client, round=census_round.pk)) == [counted.case_code]


def test_list_shows_age_band_origin_and_flags(kadis_client, make_person):
    make_person("Korban", birth_date=years_ago(16), origin_regency="35.06", trafficking_indicators=["confinement"])
    content = kadis_client.get(LIST).content.decode()
    assert "Kabupaten Kediri" in content
    assert "Provinsi lain" in content
    assert "di bawah 18" in content
    assert "TPPO" in content


def test_age_bands_from_birth_year():
    today = dt.date(2018, 10, 1)
    assert age_band(2002, today=today) == "di bawah 18"
    assert age_band(1990, today=today) == "25–34"
    assert age_band(1950, today=today) == "55 ke atas"
    assert age_band(None, today=today) == ""


def test_list_query_count_does_not_grow_with_people(
    kadis_client, make_person, make_site, make_round, django_assert_max_num_queries
):
    second_site = make_site("Lokalisasi Uji", short_code="LU")
    people = [
        make_person(
            f"Penghuni Nama{i}", site=second_site if i % 2 else None, origin_regency=["53.71", "35.06", None][i % 3]
        )
        for i in range(30)
    ]
    make_round(people=people[:10])
    with django_assert_max_num_queries(12):
        response = kadis_client.get(LIST)
    assert len(response.context["page_obj"]) == 25
    # Same as above plus the audit event of the name search (a fixed handful of queries).
    with django_assert_max_num_queries(20):
        response = search(kadis_client, "Penghuni", origin="other_province")
    assert len(response.context["page_obj"]) == 10


# --- Scope and roles -----------------------------------------------------------------------------


def test_other_region_cannot_find_or_open_a_person(login, kukar_kadis, make_person):
    person = make_person("Sri Rahayu", nik=NIK_A)
    client = login(kukar_kadis)
    assert found(client.get(LIST, {"q": person.case_code})) == []
    assert found(search(client, NIK_A)) == []
    assert found(search(client, "Sri Rahayu")) == []
    assert client.get(detail_url(person)).status_code == 404
    assert client.post(url("reveal", person)).status_code == 404
    assert client.get(url("edit_identity", person)).status_code == 404


@pytest.mark.parametrize("role", [Role.KEMENSOS_ANALYST, Role.PARTNER_USER, Role.SYSADMIN, Role.AUDITOR])
def test_roles_without_person_records_are_refused(login, users, make_person, role):
    person = make_person("Sri Rahayu")
    client = login(users[role])
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"q": "Sri"}).status_code == 403
    assert client.post(url("reveal", person)).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()


def test_province_officer_sees_people_across_the_province(login, users, make_person, make_site):
    in_kabupaten = make_person("Satu", site=make_site("Lokalisasi Kabupaten", short_code="LK", region="53.01"))
    client = login(users[Role.PROVINCE_OFFICER])
    assert found(client.get(LIST)) == [in_kabupaten.case_code]


# --- Person page and identity reveal --------------------------------------------------------------


def test_detail_shows_attributes_but_not_the_name(kadis_client, make_person, make_round):
    person = make_person(
        "Sri Rahayu",
        nik=NIK_A,
        origin_regency="35.06",
        trafficking_indicators=["debt_bondage"],
        birth_date=years_ago(16),
    )
    make_round(people=[person], name="Pendataan awal 2018")
    SafeguardingAlert.objects.create(
        person=person, kind="trafficking", reason="Indikator TPPO dicentang: 1.", scope_region_code="53.71"
    )
    response = kadis_client.get(detail_url(person))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Rahayu" not in content and NIK_A not in content
    assert "Dari provinsi lain" in content
    assert "Kabupaten Kediri" in content
    assert "Terjerat utang" in content
    assert "Pendataan awal 2018" in content
    assert "Indikator TPPO dicentang" in content
    assert "Tampilkan identitas" in content


def test_reveal_shows_identity_and_is_audited(kadis_client, kadis, make_person):
    person = make_person("Sri Rahayu", aliases=["Mawar"], nik=NIK_A, phone="081234567890")
    response = kadis_client.post(url("reveal", person), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Sri Rahayu" in content and "Mawar" in content and NIK_A in content and "081234567890" in content
    assert "<html" not in content
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=Action.VIEW_IDENTITY)
    assert (event.actor, event.object_type, event.object_id) == (kadis, "people.person", str(person.pk))
    assert event.object_label == person.case_code


def test_reveal_without_javascript_renders_the_whole_page(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    response = kadis_client.post(url("reveal", person))
    content = response.content.decode()
    assert "<html" in content and "Sri Rahayu" in content and person.case_code in content


def test_reveal_is_post_only(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    assert kadis_client.get(url("reveal", person)).status_code == 405
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()


# --- Registering ---------------------------------------------------------------------------------


def test_register_a_child_raises_an_alert_for_the_supervisor(kadis_client, site_kd):
    data = registration_data(site_kd, birth_date=years_ago(15).isoformat())
    response = kadis_client.post(REGISTER, data, follow=True)
    person = Person.objects.get()
    assert response.redirect_chain[-1][0] == detail_url(person)
    assert person.is_child
    assert "perlindungan anak" in response.content.decode()
    alerts = kadis_client.get(ALERTS)
    assert person.case_code in alerts.content.decode()
    assert [a.kind for a in alerts.context["page_obj"]] == ["child"]


def test_register_with_invalid_nik_explains_it_and_keeps_the_input(kadis_client, site_kd):
    response = kadis_client.post(REGISTER, registration_data(site_kd, nik="53710145039"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "NIK harus 16 digit angka (yang tertulis 11 digit)" in content
    assert 'value="Yohana Lede"' in content
    assert not Person.objects.exists()


def test_register_stores_identity_encrypted_and_counts_in_the_round(kadis_client, site_kd, make_round):
    census_round = make_round()
    data = registration_data(
        site_kd,
        nik=NIK_A,
        aliases="Ona, Yoan",
        origin="53.71",
        share_consent="yes",
        trafficking_indicators=["deception"],
    )
    response = kadis_client.post(f"{REGISTER}?round={census_round.pk}", data)
    person = Person.objects.get()
    assert response.status_code == 302
    assert "Yohana" not in person.identity_ciphertext
    assert person.origin_regency_id == "53.71" and person.origin_province_id == "53"
    assert person.share_consent is True and person.trafficking_flag
    assert CensusEntry.objects.filter(round=census_round, person=person).exists()
    assert found(search(kadis_client, "Yoan")) == [person.case_code]
    assert set(ConsentRecord.objects.filter(person=person).values_list("kind", flat=True)) == {
        ConsentKind.PROCESSING,
        ConsentKind.SHARE_WITH_PARTNERS,
    }


def test_register_warning_messages_carry_no_identity(kadis_client, site_kd):
    # The NIK says 5 March 1995; the stated birth date differs.
    data = registration_data(site_kd, nik=NIK_A, birth_date="1995-03-06")
    response = kadis_client.post(REGISTER, data, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert any("tidak cocok" in m for m in shown)
    assert not any("1995" in m for m in shown)


def test_register_warns_of_the_same_nik_by_case_code(kadis_client, site_kd, make_person, make_site):
    earlier = make_person("Yohana Lede", nik=NIK_A, birth_date=dt.date(1995, 3, 5))
    make_person("Orang Lain", nik=NIK_A, site=make_site("Lokalisasi Kukar", short_code="KK", region="64.02"))
    data = registration_data(site_kd, nik=NIK_A, birth_date="1995-03-05")
    response = kadis_client.post(REGISTER, data, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"NIK yang sama sudah tercatat pada {earlier.case_code}." in m for m in shown)
    assert any(f"Nama dan tanggal lahir yang sama sudah tercatat pada {earlier.case_code}." in m for m in shown)
    # A record in another region is not even hinted at.
    assert not any("KK-" in m for m in shown)
    assert not any("Yohana" in m for m in shown)


def test_register_offers_only_sites_in_scope(kadis_client, site_kd, make_site):
    make_site("Lokalisasi Kukar", short_code="KK", region="64.02")
    response = kadis_client.get(REGISTER)
    assert list(response.context["form"].fields["site"].queryset) == [site_kd]


def test_case_worker_registers_without_the_round_they_cannot_manage(login, users, site_kd, make_round):
    census_round = make_round()
    client = login(users[Role.CASE_WORKER])
    response = client.get(f"{REGISTER}?round={census_round.pk}")
    assert "tanpa putaran" in response.content.decode()
    client.post(f"{REGISTER}?round={census_round.pk}", registration_data(site_kd))
    assert Person.objects.count() == 1
    assert not CensusEntry.objects.exists()


def test_nik_check_explains_errors_in_plain_words(kadis_client):
    response = kadis_client.post(NIK_CHECK, {"nik": "9971014503950002"})
    assert "Dua digit pertama NIK (99) bukan kode provinsi yang ada." in response.content.decode()


def test_nik_check_offers_birth_date_sex_and_region(kadis_client, regions):
    response = kadis_client.post(NIK_CHECK, {"nik": NIK_A})
    content = response.content.decode()
    assert "5 Maret 1995" in content
    assert "perempuan" in content
    assert "Kota Kupang" in content
    assert "hx-swap-oob" not in content
    applied = kadis_client.post(NIK_CHECK, {"nik": NIK_A, "apply": "1"}).content.decode()
    assert 'id="slot-birth_date" hx-swap-oob="true"' in applied
    assert 'value="1995-03-05"' in applied
    assert '<option value="P" selected>' in applied
    assert 'value="53.71"' in applied


def test_nik_check_warns_when_the_stated_birth_date_differs(kadis_client):
    response = kadis_client.post(NIK_CHECK, {"nik": NIK_A, "birth_date": "1995-03-06"})
    assert "berbeda dengan yang dicatat" in response.content.decode()


def test_nik_check_accepts_no_get(kadis_client):
    assert kadis_client.get(NIK_CHECK, {"nik": NIK_A}).status_code == 405


def test_empty_nik_is_fine(kadis_client, site_kd):
    assert kadis_client.post(NIK_CHECK, {"nik": ""}).content.decode().strip() == ""
    assert kadis_client.post(REGISTER, registration_data(site_kd)).status_code == 302


# --- Editing -------------------------------------------------------------------------------------


def test_edit_identity_changes_what_name_search_finds(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    form = kadis_client.get(url("edit_identity", person))
    assert 'value="Sri Rahayu"' in form.content.decode()
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY, object_id=str(person.pk)).exists()
    response = kadis_client.post(
        url("edit_identity", person),
        {
            "full_name": "Dewi Lestari",
            "aliases": "Ayu",
            "nik": "",
            "kk_number": "",
            "birth_place": "",
            "birth_date": "",
        },
    )
    assert response.status_code == 302
    assert found(search(kadis_client, "Rahayu")) == []
    assert found(search(kadis_client, "Lestari")) == [person.case_code]
    assert found(search(kadis_client, "Ayu")) == [person.case_code]
    update = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(person.pk)).latest("id")
    assert "Lestari" not in json.dumps(update.detail)


def test_edit_identity_with_a_child_birth_date_raises_an_alert(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    kadis_client.post(
        url("edit_identity", person), {"full_name": "Sri Rahayu", "birth_date": years_ago(14).isoformat()}
    )
    person.refresh_from_db()
    assert person.is_child
    assert SafeguardingAlert.objects.filter(person=person, kind="child", acknowledged_at__isnull=True).exists()


def test_finance_officer_may_reveal_but_not_edit(login, users, make_person):
    person = make_person("Sri Rahayu")
    client = login(users[Role.FINANCE_OFFICER])
    assert client.post(url("reveal", person)).status_code == 200
    assert client.get(url("edit_identity", person)).status_code == 403
    assert client.get(url("edit_attributes", person)).status_code == 403


def test_finance_officer_does_not_see_safeguarding_flags(login, users, make_person):
    """She sees a person to pay her: not whether she is a child or a trafficking victim."""
    flagged = make_person("Sri Rahayu", trafficking_indicators=["documents_confiscated"])
    assert flagged.trafficking_flag
    finance = login(users[Role.FINANCE_OFFICER])
    page = finance.get(url("detail", flagged)).content.decode()
    assert "Indikasi TPPO" not in page and "Indikator TPPO" not in page
    listing = finance.get(reverse("people:list"), {"flags": "trafficking"}).content.decode()
    assert flagged.case_code in listing  # the filter is ignored, not applied
    assert 'name="flags"' not in listing and "Tanda" not in listing
    # The case worker does see them.
    worker = login(users[Role.CASE_WORKER])
    assert "Indikasi TPPO" in worker.get(url("detail", flagged)).content.decode()
    assert 'name="flags"' in worker.get(reverse("people:list")).content.decode()


def test_edit_attributes(kadis_client, make_person):
    person = make_person("Sri Rahayu", origin_regency="53.71")
    response = kadis_client.post(
        url("edit_attributes", person),
        {
            "sex": "P",
            "birth_year": "1990",
            "origin": "35.06",
            "education": "smp",
            "marital_status": "divorced",
            "dependent_children": "2",
            "trafficking_indicators": ["documents_confiscated"],
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.origin_regency_id, person.origin_province_id) == ("35.06", "35")
    assert (person.education, person.dependent_children, person.birth_year) == ("smp", 2, 1990)
    assert person.trafficking_flag
    assert SafeguardingAlert.objects.filter(person=person, kind="trafficking").exists()
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(person.pk)).latest("id")
    assert "origin_regency" in event.detail["fields"] and "education" in event.detail["fields"]


def test_edit_attributes_rejects_an_impossible_birth_year(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    response = kadis_client.post(
        url("edit_attributes", person),
        {"birth_year": str(timezone.localdate().year + 1), "education": "unknown", "marital_status": "unknown"},
    )
    assert response.status_code == 200
    assert "Tahun lahir tidak masuk akal." in response.content.decode()


# --- Consent -------------------------------------------------------------------------------------


def test_consent_added_then_withdrawn_keeps_the_history(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    today = timezone.localdate().isoformat()
    response = kadis_client.post(
        url("consent_add", person), {"kind": "share", "given": "yes", "recorded_on": today, "note": "Setuju lisan"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.share_consent is True
    kadis_client.post(url("consent_withdraw", person), {"note": "Minta berhenti"})
    person.refresh_from_db()
    assert person.share_consent is False
    records = list(ConsentRecord.objects.filter(person=person).order_by("id"))
    assert [(r.given, r.withdrawn_on is not None) for r in records] == [(True, False), (False, True)]
    content = kadis_client.get(detail_url(person)).content.decode()
    assert "Setuju lisan" in content and "Minta berhenti" in content and "Ditarik" in content


def test_processing_consent_needs_a_legal_basis(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    today = timezone.localdate().isoformat()
    response = kadis_client.post(url("consent_add", person), {"kind": "processing", "given": "", "recorded_on": today})
    assert "Pilih dasar pemrosesan." in response.content.decode()
    kadis_client.post(
        url("consent_add", person),
        {"kind": "processing", "given": "yes", "legal_basis": "consent", "recorded_on": today},
    )
    person.refresh_from_db()
    assert person.legal_basis == "consent"


def test_child_consent_must_come_from_a_guardian(kadis_client, make_person):
    person = make_person("Anak", birth_date=years_ago(15))
    today = timezone.localdate().isoformat()
    response = kadis_client.post(url("consent_add", person), {"kind": "share", "given": "yes", "recorded_on": today})
    assert "harus diberikan oleh wali" in response.content.decode()
    assert not ConsentRecord.objects.filter(person=person).exists()


def test_withdraw_without_consent_records_nothing(kadis_client, make_person):
    person = make_person("Sri Rahayu")
    response = kadis_client.post(url("consent_withdraw", person))
    assert response.status_code == 302
    assert not ConsentRecord.objects.filter(person=person).exists()


# --- Alerts --------------------------------------------------------------------------------------


def test_alert_acknowledged_leaves_the_open_list(login, users, make_person):
    person = make_person("Anak", birth_date=years_ago(15))
    alert = SafeguardingAlert.objects.create(person=person, kind="child", reason="uji", scope_region_code="53.71")
    client = login(users[Role.PROVINCE_OFFICER])
    assert [a.pk for a in client.get(ALERTS).context["page_obj"]] == [alert.pk]
    response = client.post(reverse("people:alert_acknowledge", kwargs={"pk": alert.pk}))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == users[Role.PROVINCE_OFFICER] and alert.acknowledged_at is not None
    assert list(client.get(ALERTS).context["page_obj"]) == []
    assert [a.pk for a in client.get(ALERTS, {"status": "acknowledged"}).context["page_obj"]] == [alert.pk]


def test_alert_list_puts_open_alerts_first_and_filters_by_kind(kadis_client, kadis, make_person):
    person = make_person("Korban", birth_date=years_ago(15), trafficking_indicators=["debt_bondage"])
    done = SafeguardingAlert.objects.create(
        person=person, kind="child", reason="lama", scope_region_code="53.71", acknowledged_at=timezone.now()
    )
    child = SafeguardingAlert.objects.create(person=person, kind="child", reason="baru", scope_region_code="53.71")
    trafficking = SafeguardingAlert.objects.create(
        person=person, kind="trafficking", reason="tppo", scope_region_code="53.71"
    )
    everything = kadis_client.get(ALERTS, {"status": "all"}).context["page_obj"]
    assert [a.pk for a in everything][-1] == done.pk
    only_child = kadis_client.get(ALERTS, {"status": "all", "kind": "child"}).context["page_obj"]
    assert {a.pk for a in only_child} == {child.pk, done.pk}
    assert trafficking.pk not in {a.pk for a in only_child}


def test_alerts_outside_the_region_are_not_listed_or_acknowledged(login, kukar_kadis, make_person):
    person = make_person("Anak", birth_date=years_ago(15))
    alert = SafeguardingAlert.objects.create(person=person, kind="child", reason="uji", scope_region_code="53.71")
    client = login(kukar_kadis)
    assert list(client.get(ALERTS).context["page_obj"]) == []
    assert client.post(reverse("people:alert_acknowledge", kwargs={"pk": alert.pk})).status_code == 404
