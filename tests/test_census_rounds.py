"""Census round pages: opening a round, counting people in and out, the summary an officer
reports (present, new, left, origin), and the export — with identities only for those allowed."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import Action, AuditEvent
from census.columns import COLUMNS, non_identity_columns
from census.models import CensusEntry, CensusRound, RoundKind, RoundStatus
from census.selectors import round_summary

pytestmark = pytest.mark.django_db

R1_DATE = dt.date(2018, 10, 1)
R2_DATE = dt.date(2018, 11, 15)
# A structurally valid NIK: Kota Kupang, kecamatan Alak (53.71.01), woman born 5 June 1990.
NIK_KUPANG_1990 = "5371014506900001"


def url(name: str, **kwargs) -> str:
    return reverse(f"census:{name}", kwargs=kwargs)


def present_codes(census_round: CensusRound) -> set[str]:
    return set(CensusEntry.objects.filter(round=census_round).values_list("person__case_code", flat=True))


@pytest.fixture
def registrar(users):
    return users[Role.REGISTRAR]


@pytest.fixture
def residents(make_person):
    """Five people of Karang Dempel: one from each origin class, a child, a trafficking flag."""
    return {
        "local": make_person("Sri Rahayu", origin_regency="53.71", sex="P"),
        "same_province": make_person("Maria Goreti", origin_regency="53.01", sex="P"),
        "other_province": make_person("Dewi Lestari", origin_regency="35.06", sex="P"),
        "unknown": make_person("Yuli", sex="P"),
        "child": make_person(
            "Ani Wulandari",
            origin_regency="35.06",
            sex="P",
            birth_date=timezone.localdate().replace(day=1) - dt.timedelta(days=16 * 365),
            trafficking_indicators=["debt_bondage"],
        ),
    }


@pytest.fixture
def two_rounds(make_round, residents):
    """Initial round: local, same province, other province, unknown. Verification six weeks on:
    the local and same-province residents have left, the child arrived."""
    r = residents
    first = make_round(held_on=R1_DATE, people=[r["local"], r["same_province"], r["other_province"], r["unknown"]])
    second = make_round(
        kind=RoundKind.VERIFICATION, held_on=R2_DATE, people=[r["other_province"], r["unknown"], r["child"]]
    )
    return first, second


# --- Creating a round --------------------------------------------------------------------------


def test_a_census_manager_opens_a_round(login, registrar, site_kd):
    client = login(registrar)
    response = client.post(
        url("round_create", site_pk=site_kd.pk),
        {"kind": RoundKind.INITIAL, "name": "", "held_on": "2018-10-01", "note": "Tim pendata Dinsos"},
    )
    census_round = CensusRound.objects.get(site=site_kd)
    assert response.status_code == 302 and response.url == url("round_detail", pk=census_round.pk)
    # An empty name takes the kind's label.
    assert census_round.name == "Pendataan awal" and census_round.status == RoundStatus.OPEN
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(census_round.pk)).exists()


def test_a_round_cannot_be_dated_in_the_future(login, registrar, site_kd):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = login(registrar).post(
        url("round_create", site_pk=site_kd.pk),
        {"kind": RoundKind.VERIFICATION, "held_on": tomorrow.isoformat(), "note": "catatan tetap"},
    )
    assert response.status_code == 200
    assert "Tanggal pendataan tidak boleh di masa depan." in response.content.decode()
    assert response.context["form"]["note"].value() == "catatan tetap"
    assert not CensusRound.objects.exists()


def test_a_round_of_kind_other_needs_a_name(login, registrar, site_kd):
    response = login(registrar).post(
        url("round_create", site_pk=site_kd.pk), {"kind": RoundKind.OTHER, "name": "  ", "held_on": "2018-10-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Beri nama untuk putaran jenis Lainnya."]
    assert not CensusRound.objects.exists()


def test_rounds_cannot_be_opened_at_a_site_outside_the_region(login, registrar, make_site):
    kukar = make_site("KM 10", short_code="KM", region="64.02")
    response = login(registrar).get(url("round_create", site_pk=kukar.pk))
    assert response.status_code == 404


# --- The list --------------------------------------------------------------------------------


def test_round_list_shows_rounds_in_scope_newest_first_with_present_counts(
    login, users, two_rounds, make_site, make_round
):
    first, second = two_rounds
    other_site = make_site("Tenau", short_code="TN")
    third = make_round(site=other_site, kind=RoundKind.FINAL, held_on=dt.date(2018, 12, 1))
    make_round(site=make_site("KM 10", short_code="KM", region="64.02"), held_on=dt.date(2018, 12, 2))
    client = login(users[Role.CASE_WORKER])

    response = client.get(url("round_list"))
    rounds = list(response.context["page_obj"])
    # Kutai Kartanegara's round is outside Kota Kupang's scope.
    assert rounds == [third, second, first]
    assert [r.present for r in rounds] == [0, 3, 4]

    assert list(client.get(url("round_list"), {"site": other_site.pk}).context["page_obj"]) == [third]
    assert list(client.get(url("round_list"), {"kind": RoundKind.INITIAL}).context["page_obj"]) == [first]


# --- The summary ------------------------------------------------------------------------------


def test_summary_counts_new_left_change_and_origin(two_rounds):
    first, second = two_rounds
    summary = round_summary(first)
    assert (summary.present, summary.new, summary.left, summary.change) == (4, 4, 0, None)
    assert summary.by_origin == {"local": 1, "same_province": 1, "other_province": 1, "unknown": 1}

    summary = round_summary(second)
    assert (summary.present, summary.new, summary.left, summary.change) == (3, 1, 2, -1)
    assert summary.by_origin == {"other_province": 2, "unknown": 1}
    assert (summary.children, summary.trafficking) == (1, 1)


def test_round_page_shows_the_summary_and_the_lists_without_names(login, users, two_rounds, residents):
    _first, second = two_rounds
    client = login(users[Role.CASE_WORKER])
    response = client.get(url("round_detail", pk=second.pk))
    html = response.content.decode()
    for testid, value in [("present", "3"), ("new", "1"), ("left", "2"), ("change", "-1")]:
        assert f'data-testid="{testid}">{value}<' in html
    for origin, count in [("local", 0), ("same_province", 0), ("other_province", 2), ("unknown", 1)]:
        assert f'data-testid="origin-{origin}">{count}<' in html
    assert [p.case_code for p in response.context["page_obj"]] == sorted(
        residents[k].case_code for k in ("other_province", "unknown", "child")
    )
    child = next(p for p in response.context["page_obj"] if p.case_code == residents["child"].case_code)
    assert child.age_band == "< 18" and child.origin_label == "Provinsi lain"

    left = client.get(url("round_detail", pk=second.pk), {"tab": "left"})
    assert {p.case_code for p in left.context["page_obj"]} == {
        residents["local"].case_code,
        residents["same_province"].case_code,
    }
    new = client.get(url("round_detail", pk=second.pk), {"tab": "new"})
    assert [p.case_code for p in new.context["page_obj"]] == [residents["child"].case_code]
    for page in (html, left.content.decode(), new.content.decode()):
        for name in ("Sri Rahayu", "Maria Goreti", "Dewi Lestari", "Ani Wulandari"):
            assert name not in page
    # A case worker reads the round but has no buttons to change it.
    assert url("round_add", pk=second.pk) not in html


def test_round_page_queries_do_not_grow_with_people(
    login, users, make_person, make_round, django_assert_max_num_queries
):
    people = [make_person(f"Penghuni {i}", origin_regency=("53.71", "53.01", "35.06")[i % 3]) for i in range(50)]
    make_round(held_on=R1_DATE, people=people[:30])
    census_round = make_round(kind=RoundKind.VERIFICATION, held_on=R2_DATE, people=people[10:])
    client = login(users[Role.REGISTRAR])
    with django_assert_max_num_queries(18):
        response = client.get(url("round_detail", pk=census_round.pk))
    assert response.context["summary"].present == 40
    assert len(response.context["page_obj"]) == 25
    detail = url("round_detail", pk=census_round.pk)
    assert f'href="{detail}?page=2&amp;tab=present#people"' in response.content.decode()
    # After a failed add (the page is shown at the add URL), the links still lead to the round page.
    response = client.post(url("round_add", pk=census_round.pk), {"case_codes": "5371-KD-9999"})
    assert response.status_code == 200
    assert f'href="{detail}?page=2&amp;tab=present#people"' in response.content.decode()
    assert f'href="{detail}?tab=left#people"' in response.content.decode()


# --- Adding and removing people ----------------------------------------------------------------


def test_add_people_by_case_codes(login, registrar, residents, make_round):
    census_round = make_round(people=[residents["local"]])
    codes = [residents["local"].case_code, residents["same_province"].case_code, residents["child"].case_code]
    # Lower case, commas and new lines as pasted from a spreadsheet; one already present.
    text = f"{codes[0].lower()}, {codes[1]}\n{codes[2]}\n"
    response = login(registrar).post(url("round_add", pk=census_round.pk), {"case_codes": text})
    assert response.status_code == 302
    assert present_codes(census_round) == set(codes)


def test_unknown_case_code_is_listed_and_nothing_is_added(login, registrar, residents, make_round):
    census_round = make_round()
    text = f"{residents['local'].case_code}\n5371-KD-9999\n5371-XX-0001"
    response = login(registrar).post(url("round_add", pk=census_round.pk), {"case_codes": text})
    assert response.status_code == 200
    errors = response.context["add_form"].errors["case_codes"]
    assert errors == ["Kode kasus tidak ditemukan di wilayah Anda: 5371-KD-9999, 5371-XX-0001."]
    assert response.context["add_form"]["case_codes"].value() == text
    assert present_codes(census_round) == set()


def test_a_person_outside_the_scope_cannot_be_added(login, registrar, residents, make_site, make_person, make_round):
    kukar = make_site("KM 10", short_code="KM", region="64.02")
    outsider = make_person("Rina", site=kukar)
    census_round = make_round()
    response = login(registrar).post(
        url("round_add", pk=census_round.pk), {"case_codes": f"{residents['local'].case_code},{outsider.case_code}"}
    )
    assert response.status_code == 200
    # Refused like an unknown code: the page does not confirm that the record exists.
    assert outsider.case_code in response.context["add_form"].errors["case_codes"][0]
    assert present_codes(census_round) == set()


def test_carry_over_then_remove_who_left(login, registrar, residents, make_round):
    r = residents
    first = make_round(held_on=R1_DATE, people=[r["local"], r["same_province"], r["other_province"]])
    second = make_round(kind=RoundKind.VERIFICATION, held_on=R2_DATE, people=[r["child"]])
    client = login(registrar)

    response = client.post(url("round_carry_over", pk=second.pk))
    assert response.status_code == 302
    before = {p.case_code for p in (r["local"], r["same_province"], r["other_province"])}
    assert present_codes(second) == before | {r["child"].case_code}
    assert present_codes(first) == before

    client.post(url("round_remove", pk=second.pk), {"case_code": r["same_province"].case_code})
    assert r["same_province"].case_code not in present_codes(second)
    summary = round_summary(second)
    assert (summary.present, summary.new, summary.left) == (3, 1, 1)
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, object_id=str(second.pk), detail__removed=r["same_province"].case_code
    ).exists()


def test_carry_over_without_a_previous_round_explains_why(login, registrar, make_round):
    census_round = make_round()
    response = login(registrar).post(url("round_carry_over", pk=census_round.pk), follow=True)
    assert "Belum ada putaran sebelumnya di lokalisasi ini." in response.content.decode()


def test_a_closed_round_refuses_changes_until_reopened(login, registrar, residents, make_round):
    r = residents
    make_round(held_on=R1_DATE, people=[r["same_province"]])
    census_round = make_round(kind=RoundKind.FINAL, held_on=R2_DATE, people=[r["local"]])
    client = login(registrar)
    client.post(url("round_status", pk=census_round.pk), {"status": "closed"})
    census_round.refresh_from_db()
    assert census_round.status == RoundStatus.CLOSED and census_round.closed_at is not None

    response = client.post(url("round_add", pk=census_round.pk), {"case_codes": r["other_province"].case_code})
    assert "sudah selesai" in response.context["add_form"].non_field_errors()[0]
    client.post(url("round_remove", pk=census_round.pk), {"case_code": r["local"].case_code})
    client.post(url("round_carry_over", pk=census_round.pk))
    assert present_codes(census_round) == {r["local"].case_code}
    page = client.get(url("round_detail", pk=census_round.pk)).content.decode()
    assert url("round_add", pk=census_round.pk) not in page and "Buka kembali putaran" in page

    client.post(url("round_status", pk=census_round.pk), {"status": "open"})
    client.post(url("round_remove", pk=census_round.pk), {"case_code": r["local"].case_code})
    assert present_codes(census_round) == set()


def test_viewers_cannot_change_a_round(login, users, residents, make_round):
    census_round = make_round(people=[residents["local"]])
    client = login(users[Role.PROVINCE_OFFICER])
    assert client.get(url("round_detail", pk=census_round.pk)).status_code == 200
    response = client.post(url("round_remove", pk=census_round.pk), {"case_code": residents["local"].case_code})
    assert response.status_code == 403
    assert present_codes(census_round) == {residents["local"].case_code}


# --- Export ----------------------------------------------------------------------------------


def workbook_rows(response) -> list[list]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_text(response) -> str:
    """Every XML part of the XLSX, decompressed: where a name would be if it leaked."""
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist())


def test_export_without_identity_has_case_codes_and_no_names(login, users, two_rounds, residents):
    _first, second = two_rounds
    response = login(users[Role.CASE_WORKER]).get(url("round_export", pk=second.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="pendataan-KD-2018-11-15.xlsx"'
    rows = workbook_rows(response)
    assert rows[0] == [c.header for c in non_identity_columns()] + ["Kelas asal"]
    data = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(data) == {residents[k].case_code for k in ("other_province", "unknown", "child")}
    child = data[residents["child"].case_code]
    assert child["Kabupaten/kota asal"] == "35.06"
    assert child["Indikator TPPO"] == "debt_bondage"
    assert child["Kelas asal"] == "Dari provinsi lain"
    assert data[residents["unknown"].case_code]["Kelas asal"] == "Tidak diketahui"
    text = xlsx_text(response)
    for name in ("Dewi Lestari", "Yuli", "Ani Wulandari", "Lestari"):
        assert name not in text
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(second.pk), detail__rows=3).exists()
    assert not AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY).exists()


def test_export_with_identity_for_the_registrar(login, registrar, make_person, make_round):
    full = make_person(
        "Sri Rahayu",
        aliases=["Ayu", "Yuyun"],
        nik=NIK_KUPANG_1990,
        birth_date=dt.date(1990, 6, 5),
        phone="081234567890",
        origin_regency="53.71",
        sex="P",
        education="sma",
        marital_status="divorced",
        dependent_children=2,
        legal_basis="consent",
        share_consent=True,
        trafficking_indicators=["debt_bondage", "deception"],
    )
    bare = make_person("Maria Goreti", origin_regency="53.01", share_consent=False)
    census_round = make_round(people=[full, bare])

    response = login(registrar).get(url("round_export", pk=census_round.pk), {"identity": "1"})
    assert response.status_code == 200
    # No identity in the file name.
    assert response["Content-Disposition"] == 'attachment; filename="pendataan-KD-2018-10-01.xlsx"'
    rows = workbook_rows(response)
    assert rows[0] == [c.header for c in COLUMNS]
    data = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert data[full.case_code] == {
        "Kode kasus": full.case_code,
        "Nama lengkap": "Sri Rahayu",
        "Nama alias": "Ayu, Yuyun",
        "NIK": NIK_KUPANG_1990,
        "Nomor KK": None,
        "Tempat lahir": None,
        "Tanggal lahir": "05-06-1990",
        "Jenis kelamin": "P",
        "Nomor HP": "081234567890",
        "Alamat asal": None,
        "Kabupaten/kota asal": "53.71",
        "Pendidikan": "SMA/SMK/sederajat",
        "Status perkawinan": "Cerai hidup",
        "Jumlah anak tanggungan": 2,
        "Dasar pemrosesan": "Persetujuan",
        "Setuju dibagikan ke mitra": "Ya",
        "Indikator TPPO": "debt_bondage, deception",
    }
    assert data[bare.case_code]["Nama lengkap"] == "Maria Goreti"
    assert data[bare.case_code]["Setuju dibagikan ke mitra"] == "Tidak"
    # One audit event per person whose identity left in the file.
    exported = AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY, actor=registrar)
    assert sorted(exported.values_list("object_label", flat=True)) == sorted([full.case_code, bare.case_code])
    assert all(event.detail == {"purpose": "export"} for event in exported)


def test_an_exported_identity_file_imports_back(login, registrar, make_person, make_round):
    """The export speaks the import's language: every row is read without a problem and re-counts
    the same person by case code."""
    from census.imports import create_batch, decrypt_row, parse_all
    from census.models import ImportRow, RowStatus

    people = [
        make_person(
            "Sri Rahayu",
            aliases=["Ayu"],
            nik=NIK_KUPANG_1990,
            birth_date=dt.date(1990, 6, 5),
            phone="081234567890",
            origin_regency="53.71",
            sex="P",
            education="higher",
            marital_status="widowed",
            dependent_children=0,
            legal_basis="vital_interest",
            share_consent=True,
            trafficking_indicators=["confinement"],
        ),
        make_person("Maria Goreti", origin_regency="53.01", education="none", marital_status="single"),
        make_person("Yuli"),
    ]
    census_round = make_round(people=people)
    response = login(registrar).get(url("round_export", pk=census_round.pk), {"identity": "1"})
    next_round = make_round(kind=RoundKind.VERIFICATION, held_on=R2_DATE)

    batch = parse_all(
        create_batch(actor=registrar, census_round=next_round, content=response.content, filename="ekspor.xlsx")
    )
    assert batch.failure == ""
    rows = list(ImportRow.objects.filter(batch=batch).order_by("row_number"))
    assert [row.issues for row in rows if row.status == RowStatus.ERROR] == []
    assert [row.duplicate_of for row in rows] == sorted(people, key=lambda p: p.case_code)
    # Every value reads back as what was stored.
    assert decrypt_row(rows[0].data_ciphertext) == {
        "case_code": people[0].case_code,
        "full_name": "Sri Rahayu",
        "aliases": ["Ayu"],
        "nik": NIK_KUPANG_1990,
        "kk_number": "",
        "birth_place": "",
        "birth_date": "1990-06-05",
        "phone": "081234567890",
        "origin_address": "",
        "sex": "P",
        "origin_regency": "53.71",
        "education": "higher",
        "marital_status": "widowed",
        "dependent_children": 0,
        "legal_basis": "vital_interest",
        "share_consent": True,
        "trafficking_indicators": ["confinement"],
    }
    second = decrypt_row(rows[1].data_ciphertext)
    assert (second["education"], second["marital_status"], second["origin_regency"]) == ("none", "single", "53.01")


def test_identity_export_is_refused_without_the_permission(login, users, residents, make_round):
    census_round = make_round(people=[residents["local"]])
    response = login(users[Role.CASE_WORKER]).get(url("round_export", pk=census_round.pk), {"identity": "1"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action__in=[Action.EXPORT_IDENTITY, Action.EXPORT]).exists()
    assert AuditEvent.objects.filter(action=Action.PERMISSION_DENIED, object_id=str(census_round.pk)).exists()


def test_export_options_follow_permissions(login, users, make_round):
    census_round = make_round()
    identity_link = 'name="identity" value="1"'
    html = login(users[Role.CASE_WORKER]).get(url("round_detail", pk=census_round.pk)).content.decode()
    assert url("round_export", pk=census_round.pk) in html and identity_link not in html
    html = login(users[Role.HEAD_OF_DINSOS]).get(url("round_detail", pk=census_round.pk)).content.decode()
    assert identity_link in html and "simpan hanya di perangkat kantor" in html.lower()


def test_a_census_manager_sees_the_actions_of_an_open_round(login, registrar, residents, make_round):
    make_round(held_on=R1_DATE, people=[residents["local"]])
    census_round = make_round(kind=RoundKind.VERIFICATION, held_on=R2_DATE, people=[residents["local"]])
    html = login(registrar).get(url("round_detail", pk=census_round.pk)).content.decode()
    assert f"{reverse('people:register')}?round={census_round.pk}" in html
    assert reverse("census:import_upload", kwargs={"pk": census_round.pk}) in html
    for action in ("round_add", "round_remove", "round_carry_over", "round_status"):
        assert url(action, pk=census_round.pk) in html
    assert "Hapus" in html and "Tutup putaran" in html
