"""Regions: the Kemendagri hierarchy loader, type-ahead search, the picker field, the pages."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from conftest import TEST_REGIONS, login_verified
from regions.forms import RegionField
from regions.loader import load_regions
from regions.models import Kind, Level, Region
from regions.search import region_search

INDEX = reverse("regions:index")
SEARCH = reverse("regions:search")
KOTA_KUPANG_KECAMATAN = ["Alak", "Maulafa", "Kelapa Lima", "Oebobo", "Kota Raja", "Kota Lama"]


def detail_url(code: str) -> str:
    return reverse("regions:detail", kwargs={"code": code})


def counts_per_level() -> dict[int, int]:
    return {level: Region.objects.filter(level=level).count() for level in Level.values}


# --- Loading --------------------------------------------------------------------------------


def test_reloading_keeps_ids_restores_names_and_adds_nothing(regions):
    ids_before = dict(Region.objects.values_list("code", "id"))
    counts_before = counts_per_level()
    Region.objects.filter(code="53.71").update(name="Kota Kupang Lama", path="salah", search_name="salah")
    Region.objects.filter(code="53.71.04").update(name="Oebobo Salah")

    result = load_regions(within=TEST_REGIONS)

    assert dict(Region.objects.values_list("code", "id")) == ids_before
    assert counts_per_level() == counts_before
    assert sum(counts_before.values()) == result.total
    kota = Region.objects.get(code="53.71")
    assert (kota.name, kota.path, kota.search_name) == (
        "Kota Kupang",
        "Kota Kupang, Nusa Tenggara Timur",
        "kota kupang",
    )
    assert Region.objects.get(code="53.71.04").name == "Oebobo"


def test_loaded_rows_know_their_parent_kind_path_and_postal_code(regions):
    desa = Region.objects.get(code="53.71.01.1001")
    assert desa.name == "Namosain"
    assert desa.level == Level.VILLAGE and desa.kind == Kind.KELURAHAN
    assert desa.parent_id == "53.71.01"
    assert desa.path == "Namosain, Alak, Kota Kupang, Nusa Tenggara Timur"
    assert desa.postal_code == "85232"
    assert Region.objects.get(code="53.71").kind == Kind.KOTA
    assert Region.objects.get(code="53.01").kind == Kind.KABUPATEN
    # Outside the test slice only provinces and kabupaten/kota are loaded.
    assert not Region.objects.filter(code__startswith="21.71.").exists()
    assert Region.objects.filter(code="21.71").exists()


@pytest.mark.slow
def test_the_command_loads_the_whole_country(db, capsys):
    call_command("load_regions")

    assert counts_per_level() == {
        Level.PROVINCE: 38,
        Level.REGENCY: 514,
        Level.DISTRICT: 7285,
        Level.VILLAGE: 83762,
    }
    kota = Region.objects.select_related("parent").get(code="53.71")
    assert kota.name == "Kota Kupang"
    assert kota.parent.code == "53" and kota.parent.name == "Nusa Tenggara Timur"
    assert kota.path == "Kota Kupang, Nusa Tenggara Timur"
    assert "91.599 wilayah dimuat" in capsys.readouterr().out.replace(",", ".")


# --- Search ---------------------------------------------------------------------------------


def test_kupang_offers_kota_and_kabupaten_kupang_first_with_their_province(regions):
    results = region_search("kupang")
    assert {(r.code, r.name) for r in results[:2]} == {("53.71", "Kota Kupang"), ("53.01", "Kabupaten Kupang")}
    assert all(r.parent_path == "Nusa Tenggara Timur" for r in results[:2])
    # Kecamatan named after Kupang follow the kabupaten/kota.
    assert {"Kupang Barat", "Kupang Timur", "Kupang Tengah"} <= {r.name for r in results[2:]}


def test_a_code_finds_its_region_first(regions):
    results = region_search("53.71")
    assert results[0].code == "53.71"
    assert all(r.code.startswith("53.71") for r in results)


def test_kab_kupang_finds_the_kabupaten_first(regions):
    assert region_search("kab kupang")[0].code == "53.01"
    assert region_search("Kota Kupang")[0].code == "53.71"


def test_levels_and_within_narrow_the_search(regions):
    kecamatan = region_search("kupang", levels=(Level.DISTRICT,))
    assert kecamatan and all(r.level == Level.DISTRICT for r in kecamatan)
    assert {r.code for r in region_search("kupang", levels=(Level.REGENCY,))} == {"53.71", "53.01"}
    assert all(r.code.startswith("53.01.") for r in region_search("kupang", within="53.01"))
    assert region_search("kupang", within="35") == []


def test_an_empty_or_one_letter_query_lists_no_villages(regions):
    assert region_search("") == []
    assert region_search("   ") == []
    short = region_search("a", limit=100_000)
    assert short, "a one-letter query still offers larger regions"
    assert all(r.level <= Level.DISTRICT for r in short)
    # A longer query does reach villages.
    assert any(r.level == Level.VILLAGE for r in region_search("namosain"))


def test_the_search_endpoint_renders_options_for_the_picker(client, users, login, regions):
    login(users[Role.REGISTRAR])
    response = client.get(SEARCH, {"q": "kupang", "field": "id_region"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kota Kupang" in html and "Nusa Tenggara Timur" in html
    assert 'data-code="53.71"' in html
    assert 'data-label="Kota Kupang, Nusa Tenggara Timur"' in html
    assert 'id="id_region_option_1"' in html
    # Kota and Kabupaten Kupang are the first two options.
    assert set(re.findall(r'data-code="([\d.]+)"', html)[:2]) == {"53.71", "53.01"}
    assert html.count("<li") <= 15


def test_the_search_endpoint_honours_levels_and_within(client, users, login, regions):
    login(users[Role.REGISTRAR])
    html = client.get(SEARCH, {"q": "kupang", "levels": "3"}).content.decode()
    assert 'data-code="53.01.05"' in html and 'data-code="53.71"' not in html
    html = client.get(SEARCH, {"q": "alak", "within": "53.71"}).content.decode()
    assert 'data-code="53.71.01"' in html
    html = client.get(SEARCH, {"q": "kupang", "levels": "x,9", "within": "<script>"}).content.decode()
    assert 'data-code="53.71"' in html


def test_the_search_endpoint_answers_an_empty_query_with_nothing(client, users, login, regions):
    login(users[Role.REGISTRAR])
    assert client.get(SEARCH, {"q": ""}).content.strip() == b""
    no_match = client.get(SEARCH, {"q": "zzzzqq"}).content.decode()
    assert "Tidak ada wilayah yang cocok" in no_match and "data-code" not in no_match


# --- The picker field -----------------------------------------------------------------------


class PlaceForm(forms.Form):
    region = RegionField()
    regency = RegionField(levels=(Level.REGENCY,), required=False)


def test_region_field_turns_a_code_into_a_region(regions):
    form = PlaceForm({"region": "53.71.01", "regency": "53.01"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"] == Region.objects.get(code="53.71.01")
    assert form.cleaned_data["regency"].name == "Kabupaten Kupang"


def test_region_field_refuses_an_unknown_code_in_indonesian(regions):
    form = PlaceForm({"region": "99.99"})
    assert not form.is_valid()
    assert form.errors["region"] == ["Wilayah tidak dikenal. Ketik nama atau kode, lalu pilih dari daftar."]


def test_region_field_refuses_a_region_at_the_wrong_level(regions):
    form = PlaceForm({"region": "53.71", "regency": "53.71.01"})
    assert not form.is_valid()
    assert form.errors["regency"] == ["Pilih wilayah pada tingkat: Kabupaten/Kota."]


def test_region_picker_renders_the_chosen_region_and_a_search_box(regions):
    html = str(PlaceForm(initial={"region": "53.71"})["region"])
    assert 'type="hidden" name="region" value="53.71"' in html
    assert 'value="Kota Kupang, Nusa Tenggara Timur"' in html
    assert f'hx-get="{SEARCH}?field=id_region"' in html
    assert "levels=2" in str(PlaceForm()["regency"])
    # The label points at the visible search box, not the hidden code.
    assert PlaceForm()["region"].id_for_label == "id_region_search"


# --- Pages ----------------------------------------------------------------------------------


def test_index_lists_the_38_provinces_with_a_bounded_number_of_queries(
    client, users, login, regions, django_assert_max_num_queries
):
    login(users[Role.CASE_WORKER])
    with django_assert_max_num_queries(8):
        response = client.get(INDEX)
    html = response.content.decode()
    assert response.status_code == 200
    assert len(set(re.findall(r'href="/wilayah/(\d\d)/"', html))) == 38
    ntt = next(p for p in response.context["provinces"] if p.code == "53")
    assert ntt.child_count == 22


def test_index_search_lists_matches_without_javascript(client, users, login, regions):
    login(users[Role.CASE_WORKER])
    response = client.get(INDEX, {"q": "kupang"})
    assert {r.code for r in response.context["results"][:2]} == {"53.71", "53.01"}
    assert f'href="{detail_url("53.71")}"' in response.content.decode()
    assert "Tidak ada wilayah yang cocok" in client.get(INDEX, {"q": "zzzzqq"}).content.decode()


def test_kota_kupang_page_lists_its_six_kecamatan_under_a_breadcrumb_to_the_province(
    client, users, login, regions, django_assert_max_num_queries
):
    login(users[Role.CASE_WORKER])
    with django_assert_max_num_queries(10):
        response = client.get(detail_url("53.71"))
    html = response.content.decode()
    assert response.status_code == 200
    assert [r.name for r in response.context["page_obj"]] == KOTA_KUPANG_KECAMATAN
    oebobo = next(r for r in response.context["page_obj"] if r.name == "Oebobo")
    assert oebobo.child_count == Region.objects.filter(parent_id="53.71.04").count() > 0
    breadcrumb = re.search(r'<nav aria-label="breadcrumb".*?</nav>', html, re.DOTALL).group(0)
    assert f'<a href="{detail_url("53")}">Nusa Tenggara Timur</a>' in breadcrumb
    assert 'aria-current="page">Kota Kupang<' in breadcrumb


def test_a_desa_page_shows_its_postal_code_and_that_nothing_lies_below(client, users, login, regions):
    login(users[Role.CASE_WORKER])
    html = client.get(detail_url("53.71.01.1001")).content.decode()
    assert "85232" in html
    assert "Tidak ada wilayah di bawah desa/kelurahan" in html
    for ancestor in ("53", "53.71", "53.71.01"):
        assert f'href="{detail_url(ancestor)}"' in html


def test_the_filter_box_narrows_the_rows_and_htmx_gets_only_the_rows(client, users, login, regions):
    login(users[Role.CASE_WORKER])
    response = client.get(detail_url("53.71"), {"q": "oebobo"})
    assert [r.name for r in response.context["page_obj"]] == ["Oebobo"]
    partial = client.get(detail_url("53.71"), {"q": "53.71.0"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "<table>" in partial.content.decode()
    assert len(partial.context["page_obj"]) == 6
    assert "Tidak ada kecamatan yang cocok" in client.get(detail_url("53.71"), {"q": "zzz"}).content.decode()


def test_a_kecamatan_with_108_desa_is_paged_50_at_a_time(client, users, login, regions):
    load_regions(within=("95.06.03",))
    login(users[Role.CASE_WORKER])
    first = client.get(detail_url("95.06.03"))
    last = client.get(detail_url("95.06.03"), {"page": 3})
    assert first.context["page_obj"].paginator.count == 108
    assert len(re.findall(r'href="/wilayah/95\.06\.03\.\d{4}/"', first.content.decode())) == 50
    assert len(re.findall(r'href="/wilayah/95\.06\.03\.\d{4}/"', last.content.decode())) == 8


@pytest.mark.parametrize("code", ["99", "53.99", "53.71.01.9999", "bukan-kode", "53.71."])
def test_an_unknown_code_is_not_found(client, users, login, regions, code):
    login(users[Role.CASE_WORKER])
    assert client.get(detail_url(code)).status_code == 404


@pytest.mark.parametrize("url", [INDEX, SEARCH, detail_url("53.71")])
def test_anonymous_visitors_are_sent_to_sign_in(client, regions, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", Role.values)
def test_every_standing_role_may_view_regions(client, users, login, regions, role):
    login(users[role])
    for url in (INDEX, detail_url("53.71"), f"{SEARCH}?q=kupang"):
        assert client.get(url).status_code == 200, f"{role} should reach {url}"


# --- The picker in a real browser -----------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_picker_is_usable_with_keyboard_and_mouse(live_server, page, client, users):
    login_verified(client, users[Role.CASE_WORKER])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    csp_errors: list[str] = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/organisasi/")
    page.evaluate("document.addEventListener('submit', () => { window.pulihSubmitted = true; }, true)")
    search = page.locator("[data-region-search]").first
    code = page.locator("[data-region-code]").first
    options = page.locator(".region-options li[data-code]")

    # Arrow keys move the selection; Enter picks it and does not submit the form.
    search.fill("kupang")
    options.first.wait_for()
    assert search.get_attribute("aria-expanded") == "true"
    search.press("ArrowDown")
    search.press("ArrowDown")
    second = options.nth(1)
    assert second.get_attribute("aria-selected") == "true"
    assert page.locator(".region-options li[aria-selected=true]").count() == 1
    assert search.get_attribute("aria-activedescendant") == second.get_attribute("id")
    chosen_code, chosen_label = second.get_attribute("data-code"), second.get_attribute("data-label")
    search.press("Enter")
    assert code.input_value() == chosen_code
    assert search.input_value() == chosen_label
    assert options.count() == 0 and search.get_attribute("aria-expanded") == "false"
    assert page.evaluate("window.pulihSubmitted === undefined"), "Enter in the picker submitted the form"

    # Editing the text after picking clears the code: no stale code is submitted.
    search.press("Backspace")
    assert code.input_value() == ""

    # Escape closes the list and keeps the text.
    search.fill("53.71")
    options.first.wait_for()
    search.press("Escape")
    assert options.count() == 0 and search.input_value() == "53.71"

    # A click outside closes the list; a click on an option picks it.
    search.fill("kupang")
    options.first.wait_for()
    page.locator("h1").click()
    assert options.count() == 0
    search.fill("kota kupang")
    page.locator(".region-options li[data-code='53.71']").click()
    assert code.input_value() == "53.71"
    assert search.input_value() == "Kota Kupang, Nusa Tenggara Timur"
    assert csp_errors == []
