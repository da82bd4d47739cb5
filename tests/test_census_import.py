"""Census file import: template, XLSForm, upload → check → decide duplicates → apply (all or nothing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from audit.models import Action, AuditEvent
from census import imports
from census.columns import COLUMNS
from census.models import (
    CensusEntry,
    DuplicateReason,
    EntrySource,
    ImportBatch,
    ImportRow,
    ImportStatus,
    Resolution,
    RoundStatus,
    RowStatus,
)
from census.xlsform import template_workbook
from people.identity import Identity, unseal
from people.models import AlertKind, ConsentKind, ConsentRecord, Education, Person, SafeguardingAlert
from people.safeguards import TRAFFICKING_INDICATORS
from people.services import PersonAttributes
from people.synthetic import generate_residents

HEADERS = [column.header for column in COLUMNS]


# --- Helpers -----------------------------------------------------------------------------------


def xlsx_upload(rows, name="pendataan.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, template_workbook(rows))


def csv_upload(header: list[str], records: list[list[str]], *, delimiter=",", name="pendataan.csv", bom=False):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(records)
    return SimpleUploadedFile(name, ("\ufeff" if bom else "").encode() + buffer.getvalue().encode())


def row(**values) -> dict[str, str]:
    """A template row: column key → text."""
    return {"nama_lengkap": "Wati Lestari", **values}


def upload(client, census_round, file):
    response = client.post(reverse("census:import_upload", kwargs={"pk": census_round.pk}), {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("pk")
    assert response.url == reverse("census:import_detail", kwargs={"pk": batch.pk})
    return imports.parse_all(batch)


def issues_by_row(batch) -> dict[int, list[dict]]:
    return {r.row_number: r.issues for r in batch.rows.all()}


@pytest.fixture
def registrar(users):
    return users[Role.REGISTRAR]


@pytest.fixture
def census_round(make_round):
    return make_round(people=[])


@pytest.fixture
def as_registrar(login, registrar):
    return login(registrar)


# --- Template and XLSForm ------------------------------------------------------------------------


def test_template_has_the_headers_and_instructions(as_registrar):
    response = as_registrar.get(reverse("census:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Data", "Petunjuk"]
    data = workbook["Data"]
    assert [cell.value for cell in data[1]] == HEADERS
    assert all(cell.font.bold for cell in data[1])
    assert data.freeze_panes == "A2"
    # No example persons: nothing below the header.
    assert not any(value for r in data.iter_rows(min_row=2, values_only=True) for value in r)
    instructions = [
        " | ".join(str(v) for v in r if v is not None) for r in workbook["Petunjuk"].iter_rows(values_only=True)
    ]
    text = "\n".join(instructions)
    for column in COLUMNS:
        assert column.header in text
    assert "Nama lengkap | Ya |" in text
    for code, _label in TRAFFICKING_INDICATORS:
        assert code in text
    assert "Belum kawin" in text and "Persetujuan" in text


def test_xlsform_uses_the_column_keys(as_registrar):
    response = as_registrar.get(reverse("census:xlsform"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert {"survey", "choices", "settings"} <= set(workbook.sheetnames)
    survey = list(workbook["survey"].iter_rows(values_only=True))
    header = survey[0]
    fields = {r[header.index("name")]: r for r in survey[1:]}
    for column in COLUMNS:
        assert column.key in fields
        assert fields[column.key][header.index("label")] == column.header
    types = {name: r[header.index("type")] for name, r in fields.items()}
    assert types["tanggal_lahir"] == "date"
    assert types["jumlah_anak"] == "integer"
    assert types["jenis_kelamin"].startswith("select_one ")
    assert types["indikator_tppo"].startswith("select_multiple ")
    assert fields["nama_lengkap"][header.index("required")] == "yes"
    choices = list(workbook["choices"].iter_rows(values_only=True))[1:]
    sex_list = types["jenis_kelamin"].split()[1]
    assert {(name, label) for list_name, name, label in choices if list_name == sex_list} == {
        ("P", "Perempuan"),
        ("L", "Laki-laki"),
    }
    # Every choice name is something the importer accepts.
    for list_name, name, _label in choices:
        key = next(k for k, t in types.items() if t and t.split()[-1] == list_name)
        if key == "indikator_tppo":
            continue
        assert imports.parse_choice(key, name) is not None


def test_template_downloads_need_census_management(login, users):
    client = login(users[Role.CASE_WORKER])
    assert client.get(reverse("census:import_template")).status_code == 403
    assert client.get(reverse("census:xlsform")).status_code == 403


# --- Round trip ---------------------------------------------------------------------------------


def test_round_trip_of_twenty_residents(as_registrar, registrar, census_round, site_kd):
    residents = list(generate_residents(["53.71", "53.01", "35.06", "64.02", None] * 4, seed=11))
    residents[0].attrs.trafficking_indicators = ["debt_bondage"]
    residents[1].attrs.share_consent = True
    rows = [imports.person_row(r.identity, r.attrs) for r in residents]

    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    assert batch.status == ImportStatus.READY
    assert batch.rows.count() == 20
    assert batch.error_count == 0, issues_by_row(batch)
    assert not imports.pending_duplicates(batch).exists()
    # The file is kept encrypted while it is checked: the plain bytes are not in the database.
    assert bytes(batch.file_ciphertext) and residents[0].identity.full_name.encode() not in bytes(batch.file_ciphertext)

    page = as_registrar.get(reverse("census:import_detail", kwargs={"pk": batch.pk}))
    assert page.status_code == 200
    assert b"Terapkan impor" in page.content and b"disabled" not in page.content.split(b"Terapkan impor")[0][-200:]

    response = as_registrar.post(reverse("census:import_apply", kwargs={"pk": batch.pk}), follow=True)
    assert "Impor diterapkan: 20 orang baru" in response.content.decode()

    people = list(Person.objects.order_by("case_code"))
    assert [p.case_code for p in people] == [f"5371-KD-{n:04d}" for n in range(1, 21)]
    for person, resident in zip(people, residents, strict=True):
        identity = unseal(person.identity_ciphertext)
        assert identity == resident.identity
        attrs = resident.attrs
        assert person.sex == attrs.sex
        assert person.birth_year == resident.identity.birth_date.year
        assert person.origin_regency_id == attrs.origin_regency
        assert person.origin_province_id == (attrs.origin_regency[:2] if attrs.origin_regency else None)
        assert person.education == attrs.education
        assert person.marital_status == attrs.marital_status
        assert person.dependent_children == attrs.dependent_children
        assert person.registered_site == site_kd and person.registered_by == registrar
        assert person.name_tokens.exists()
        assert person.consents.filter(kind=ConsentKind.PROCESSING).exists()
    assert people[0].trafficking_flag and people[0].trafficking_indicators == ["debt_bondage"]
    assert SafeguardingAlert.objects.filter(person=people[0], kind=AlertKind.TRAFFICKING).exists()
    assert ConsentRecord.objects.get(person=people[1], kind=ConsentKind.SHARE_WITH_PARTNERS).given is True
    assert people[1].share_consent is True

    entries = CensusEntry.objects.filter(round=census_round)
    assert entries.count() == 20 and set(entries.values_list("source", flat=True)) == {EntrySource.IMPORT}

    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert bytes(batch.file_ciphertext) == b""
    assert set(batch.rows.values_list("data_ciphertext", flat=True)) == {""}
    assert batch.result["new"] == 20 and batch.result["added"] == 20
    event = AuditEvent.objects.filter(action=Action.CREATE, object_type="census.censusround").latest("id")
    assert event.detail["new"] == 20 and event.detail["import"] == batch.pk
    assert residents[0].identity.full_name not in json.dumps(event.detail)

    page = as_registrar.get(reverse("census:import_detail", kwargs={"pk": batch.pk}))
    assert b'data-testid="round-count">20<' in page.content
    # Applying twice does nothing more.
    as_registrar.post(reverse("census:import_apply", kwargs={"pk": batch.pk}))
    assert Person.objects.count() == 20


def test_csv_with_semicolons_and_indonesian_values(as_registrar, census_round):
    header = ["Nama lengkap", "NIK", "Tanggal lahir", "Jenis kelamin", "Kabupaten/kota asal", "Pendidikan"]
    header += ["Status perkawinan", "Jumlah anak tanggungan", "Setuju dibagikan ke mitra", "Indikator TPPO"]
    records = [
        ["Wati Lestari", "5371015708900003", "17/08/1990", "Perempuan", "Kota Kupang", "SD", "Belum kawin", "2", "Ya",
         "debt_bondage, confinement"],
        ["Ani Rosita", "", "01-02-1995", "P", "Kab. Kupang", "SMA", "Cerai hidup", "0", "Tidak", ""],
    ]  # fmt: skip
    batch = upload(as_registrar, census_round, csv_upload(header, records, delimiter=";", bom=True))
    assert batch.status == ImportStatus.READY and batch.error_count == 0, issues_by_row(batch)
    imports.apply_batch(actor=batch.created_by, batch=batch)
    wati, ani = Person.objects.order_by("case_code")
    assert (wati.sex, wati.origin_regency_id, wati.education, wati.dependent_children) == ("P", "53.71", "sd", 2)
    assert wati.marital_status == "single" and wati.share_consent is True and wati.trafficking_flag
    assert sorted(wati.trafficking_indicators) == ["confinement", "debt_bondage"]
    assert unseal(wati.identity_ciphertext).birth_date == dt.date(1990, 8, 17)
    assert (ani.origin_regency_id, ani.education, ani.marital_status, ani.share_consent) == (
        "53.01",
        "sma",
        "divorced",
        False,
    )


def test_kobo_export_with_keys_groups_and_meta_columns(as_registrar, census_round):
    header = ["start", "end", "grup_identitas/nama_lengkap", "grup_identitas/nik", "grup_identitas/tanggal_lahir"]
    header += ["jenis_kelamin", "kabkota_asal", "pendidikan", "status_perkawinan", "setuju_berbagi"]
    header += ["indikator_tppo", "indikator_tppo/debt_bondage", "indikator_tppo/confinement", "jumlah_anak"]
    header += ["meta/instanceID", "_id", "_uuid", "_submission_time", "__version__", "_validation_status"]
    records = [
        ["2018-09-30T09:00:00.000+08:00", "2018-09-30T09:05:00.000+08:00", "Wati Lestari", "5371015708900003",
         "1990-08-17", "P", "53.71", "sd", "widowed", "ya", "debt_bondage confinement", "1", "1", "3",
         "uuid:0001", "101", "0001", "2018-09-30T01:05:00", "vAbc", ""],
    ]  # fmt: skip
    batch = upload(as_registrar, census_round, csv_upload(header, records))
    assert batch.status == ImportStatus.READY and batch.error_count == 0, (batch.failure, issues_by_row(batch))
    imports.apply_batch(actor=batch.created_by, batch=batch)
    person = Person.objects.get()
    assert (person.sex, person.origin_regency_id, person.education, person.marital_status) == (
        "P",
        "53.71",
        "sd",
        "widowed",
    )
    assert person.dependent_children == 3 and person.share_consent is True
    assert sorted(person.trafficking_indicators) == ["confinement", "debt_bondage"]
    identity = unseal(person.identity_ciphertext)
    assert (identity.full_name, identity.nik, identity.birth_date) == (
        "Wati Lestari",
        "5371015708900003",
        dt.date(1990, 8, 17),
    )


def test_excel_date_cells_and_number_cells(as_registrar, census_round):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nama lengkap", "NIK", "Tanggal lahir", "Nomor HP", "Jumlah anak tanggungan"])
    sheet.append(["Wati Lestari", 5371015708900003, dt.datetime(1990, 8, 17), 81234567890, 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload(as_registrar, census_round, SimpleUploadedFile("kobo.xlsx", buffer.getvalue()))
    assert batch.error_count == 0, issues_by_row(batch)
    imports.apply_batch(actor=batch.created_by, batch=batch)
    identity = unseal(Person.objects.get().identity_ciphertext)
    assert identity.birth_date == dt.date(1990, 8, 17)
    assert identity.nik == "5371015708900003" and identity.phone == "081234567890"


# --- Problems ------------------------------------------------------------------------------------


def test_broken_rows_are_reported_by_row_and_column_and_block_apply(as_registrar, census_round, make_person):
    make_person("Orang Lama")
    before = Person.objects.count()
    rows = [
        row(nama_lengkap="Sri Wahyuni", nik="12345"),  # row 2
        row(nama_lengkap="Dewi Anggraini", tanggal_lahir="31-02-1990"),  # row 3
        row(nama_lengkap="Rina Marlina", kabkota_asal="Atlantis"),  # row 4
        row(nama_lengkap="", nik="5371015708900003", tanggal_lahir="17-08-1990"),  # row 5
        row(nama_lengkap="Yuli Astuti", kabkota_asal="Kupang"),  # row 6
        row(nama_lengkap="Tuti Handayani", tanggal_lahir="17-08-2030"),  # row 7: future
        row(nama_lengkap="Nur Aini", jenis_kelamin="X", jumlah_anak="dua", indikator_tppo="debt_bondage, bohong"),
    ]
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    assert batch.status == ImportStatus.READY
    found = issues_by_row(batch)

    def errors(number):
        return {(i["column"], i["message"]) for i in found[number] if i["level"] == "error"}

    assert any(col == "NIK" and "16 digit" in msg for col, msg in errors(2))
    assert any(col == "Tanggal lahir" and msg.startswith("Tanggal tidak ada") for col, msg in errors(3))
    assert any(col == "Kabupaten/kota asal" and "tidak ditemukan" in msg for col, msg in errors(4))
    assert any(col == "Nama lengkap" for col, _msg in errors(5))
    assert any(
        col == "Kabupaten/kota asal" and "Kabupaten Kupang (53.01)" in msg and "Kota Kupang (53.71)" in msg
        for col, msg in errors(6)
    )
    assert any(col == "Tanggal lahir" and "masa depan" in msg for col, msg in errors(7))
    assert {col for col, _msg in errors(8)} == {"Jenis kelamin", "Jumlah anak tanggungan", "Indikator TPPO"}
    assert all(r.status == RowStatus.ERROR for r in batch.rows.all())
    assert batch.error_count == 7

    # No identity value in the stored messages (they are not encrypted).
    stored = json.dumps(list(ImportRow.objects.values_list("issues", flat=True)), ensure_ascii=False)
    for secret in ("Sri Wahyuni", "Dewi", "Rina Marlina", "12345", "5371015708900003", "31-02-1990", "17-08-1990"):
        assert secret not in stored

    page = as_registrar.get(reverse("census:import_detail", kwargs={"pk": batch.pk}) + "?tampil=galat")
    content = page.content.decode()
    assert '<tr data-row="3">' in content and "Tanggal tidak ada" in content
    assert "Sri Wahyuni" not in content

    response = as_registrar.post(reverse("census:import_apply", kwargs={"pk": batch.pk}), follow=True)
    assert "Impor belum dapat diterapkan" in response.content.decode()
    assert Person.objects.count() == before
    assert not CensusEntry.objects.filter(round=census_round).exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY


def test_warnings_do_not_block(as_registrar, census_round):
    # NIK of a woman born 17-08-1990 in Kota Kupang, stated as born on another day.
    rows = [row(nik="5371015708900003", tanggal_lahir="18-08-1990", jenis_kelamin="P")]
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    issues = issues_by_row(batch)[2]
    assert [(i["column"], i["level"]) for i in issues] == [("NIK", "warning")]
    assert "18-08-1990" not in issues[0]["message"] and "17/08/1990" not in issues[0]["message"]
    assert batch.warning_count == 1 and batch.error_count == 0
    imports.apply_batch(actor=batch.created_by, batch=batch)
    assert Person.objects.count() == 1


def test_wrong_headers_fail_the_file_and_keep_nothing(as_registrar, census_round):
    batch = upload(as_registrar, census_round, csv_upload(["Nama", "NIK", "Umur"], [["Sri Rahayu", "", "30"]]))
    assert batch.status == ImportStatus.FAILED
    assert "Nama lengkap" in batch.failure and '"Umur"' in batch.failure and '"Nama"' in batch.failure
    assert "Sri Rahayu" not in batch.failure
    assert bytes(batch.file_ciphertext) == b"" and not batch.rows.exists()
    page = as_registrar.get(reverse("census:import_detail", kwargs={"pk": batch.pk}))
    assert "Kolom wajib tidak ada: Nama lengkap" in page.content.decode()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.4\x00\x01binary", "bukan spreadsheet"),
        (b"", "kosong"),
        (b"Sri Rahayu;5371015708900003\n", "judul kolom"),
        (b"PK\x03\x04broken zip", "XLSX"),
        (b"\xd0\xcf\x11\xe0old excel", ".xls"),
    ],
)
def test_files_that_are_not_census_spreadsheets_fail(as_registrar, census_round, content, expected):
    name = "data.xlsx" if content.startswith((b"PK", b"\xd0")) else "data.csv"
    response = as_registrar.post(
        reverse("census:import_upload", kwargs={"pk": census_round.pk}), {"file": SimpleUploadedFile(name, content)}
    )
    if not content:
        # An empty upload is refused by the form itself.
        assert response.status_code == 200 and not ImportBatch.objects.exists()
        return
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED and expected in batch.failure, batch.failure
    assert "Sri Rahayu" not in batch.failure and "5371015708900003" not in batch.failure


def test_an_empty_template_fails_with_a_clear_message(as_registrar, census_round):
    batch = upload(as_registrar, census_round, xlsx_upload([]))
    assert batch.status == ImportStatus.FAILED and "tanpa data" in batch.failure


def test_files_over_the_size_limit_are_refused(as_registrar, census_round, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 1000)
    response = as_registrar.post(
        reverse("census:import_upload", kwargs={"pk": census_round.pk}),
        {"file": SimpleUploadedFile("besar.csv", b"Nama lengkap\n" + b"Sri\n" * 500)},
    )
    assert response.status_code == 200 and "terlalu besar" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_closed_round_takes_no_import(as_registrar, census_round):
    census_round.status = RoundStatus.CLOSED
    census_round.save()
    response = as_registrar.post(
        reverse("census:import_upload", kwargs={"pk": census_round.pk}), {"file": xlsx_upload([row()])}
    )
    assert response.status_code == 200 and "sudah selesai" in response.content.decode()
    assert not ImportBatch.objects.exists()


# --- Duplicates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("decision", "new_people"), [("same", 0), ("different", 1)])
def test_duplicate_of_a_registered_person_must_be_decided(
    as_registrar, census_round, make_person, decision, new_people
):
    existing = make_person("Wati Lestari", nik="5371015708900003", birth_date=dt.date(1990, 8, 17))
    rows = [row(nama_lengkap="Wati L.", nik="5371015708900003", tanggal_lahir="17-08-1990"), row(nama_lengkap="Ani")]
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    duplicate = batch.rows.get(row_number=2)
    assert duplicate.duplicate_of == existing and duplicate.duplicate_reason == DuplicateReason.NIK
    assert batch.duplicate_count == 1

    page = as_registrar.get(reverse("census:import_detail", kwargs={"pk": batch.pk}))
    content = page.content.decode()
    assert existing.case_code in content and "NIK sama" in content
    # Side by side for a user allowed to see identities, and the reveal is audited.
    assert "Wati Lestari" in content and "Wati L." in content
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY, object_id=str(existing.pk)).exists()

    with pytest.raises(Exception, match="belum diputuskan"):
        imports.apply_batch(actor=batch.created_by, batch=batch)

    response = as_registrar.post(
        reverse("census:import_resolve", kwargs={"pk": duplicate.pk}), {"resolution": decision}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'id="import-apply" hx-swap-oob="true"' in response.content.decode()
    assert 'data-testid="pending-count" hx-swap-oob="true">0<' in response.content.decode()
    assert "Wati" not in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.resolution == decision

    as_registrar.post(reverse("census:import_apply", kwargs={"pk": batch.pk}))
    assert Person.objects.count() == 1 + 1 + new_people
    entries = set(CensusEntry.objects.filter(round=census_round).values_list("person_id", flat=True))
    assert (existing.pk in entries) == (decision == "same")
    assert len(entries) == 2


def test_duplicate_by_name_and_birth_date(as_registrar, census_round, make_person):
    existing = make_person("Sri Rahayu", birth_date=dt.date(1990, 8, 17))
    batch = upload(
        as_registrar, census_round, xlsx_upload([row(nama_lengkap="Rahayu Sri", tanggal_lahir="17/08/1990")])
    )
    duplicate = batch.rows.get()
    assert duplicate.duplicate_of == existing and duplicate.duplicate_reason == DuplicateReason.NAME_DOB


def test_people_outside_the_region_are_not_duplicates(as_registrar, census_round, make_person, make_site, orgs):
    kukar = make_site("KM 10", short_code="KM", region="64.02", owner_organisation=orgs["dinsos_kukar"])
    make_person("Sri Rahayu", site=kukar, nik="5371015708900003")
    batch = upload(as_registrar, census_round, xlsx_upload([row(nik="5371015708900003")]))
    assert batch.rows.get().duplicate_of is None


@pytest.mark.parametrize(("decision", "people"), [("same", 1), ("different", 2)])
def test_duplicate_rows_within_the_file(as_registrar, census_round, decision, people):
    rows = [
        row(nama_lengkap="Sri Rahayu", tanggal_lahir="17-08-1990"),
        row(nama_lengkap="Ani"),
        row(nama_lengkap="SRI RAHAYU", tanggal_lahir="1990-08-17"),
    ]
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    second = batch.rows.get(row_number=4)
    assert second.duplicate_of_row == 2 and second.duplicate_reason == DuplicateReason.NAME_DOB
    assert batch.rows.get(row_number=2).duplicate_of_row is None
    page = as_registrar.get(reverse("census:import_detail", kwargs={"pk": batch.pk}) + "?tampil=duplikat")
    assert "mirip baris 2" in page.content.decode()
    imports.resolve_row(actor=batch.created_by, row=second, resolution=decision)
    imports.apply_batch(actor=batch.created_by, batch=batch)
    assert Person.objects.count() == people + 1
    assert CensusEntry.objects.filter(round=census_round).count() == people + 1


def test_duplicates_across_chunks_are_found(as_registrar, census_round, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_SIZE", 2)
    rows = [row(nama_lengkap=f"Orang {n}", nik="") for n in "ABCD"] + [row(nama_lengkap="Orang A")]
    rows[0]["tanggal_lahir"] = rows[4]["tanggal_lahir"] = "01-01-1990"
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    assert batch.rows.get(row_number=6).duplicate_of_row == 2


def test_case_code_rows_recount_registered_people(as_registrar, census_round, make_person):
    existing = make_person("Sri Rahayu", origin_regency="53.71")
    header = ["Kode kasus", "Jenis kelamin"]
    batch = upload(as_registrar, census_round, csv_upload(header, [[existing.case_code, "P"], ["5371-KD-9999", ""]]))
    assert batch.status == ImportStatus.READY
    known, unknown = batch.rows.order_by("row_number")
    assert known.duplicate_of == existing and known.resolution == Resolution.SAME
    assert unknown.status == RowStatus.ERROR and unknown.issues[0]["column"] == "Kode kasus"

    batch2 = upload(as_registrar, census_round, csv_upload(header, [[existing.case_code.lower(), ""]]))
    result = imports.apply_batch(actor=batch2.created_by, batch=batch2)
    assert (result.new, result.existing, result.added) == (0, 1, 1)
    assert Person.objects.count() == 1
    assert CensusEntry.objects.get(round=census_round).person == existing


def test_people_already_in_the_round_are_not_counted_twice(as_registrar, make_person, make_round):
    existing = make_person("Sri Rahayu")
    census_round = make_round(people=[existing])
    batch = upload(as_registrar, census_round, csv_upload(["Kode kasus"], [[existing.case_code]]))
    result = imports.apply_batch(actor=batch.created_by, batch=batch)
    assert (result.added, result.already) == (0, 1)
    assert CensusEntry.objects.filter(round=census_round).count() == 1


# --- All or nothing, progress, queries -----------------------------------------------------------------


def test_apply_is_all_or_nothing(as_registrar, census_round, site_kd, monkeypatch):
    residents = list(generate_residents(["53.71"] * 5, seed=3))
    batch = upload(
        as_registrar, census_round, xlsx_upload([imports.person_row(r.identity, r.attrs) for r in residents])
    )
    next_number = type(site_kd).objects.get(pk=site_kd.pk).next_case_number
    calls = []

    def failing_alerts(person, *, actor):
        calls.append(person)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return []

    monkeypatch.setattr(imports, "new_person_alerts", failing_alerts)
    with pytest.raises(RuntimeError):
        imports.apply_batch(actor=batch.created_by, batch=batch)
    assert not Person.objects.exists()
    assert not CensusEntry.objects.exists()
    assert not ConsentRecord.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and bytes(batch.file_ciphertext)
    assert type(site_kd).objects.get(pk=site_kd.pk).next_case_number == next_number
    assert all(batch.rows.values_list("data_ciphertext", flat=True))

    monkeypatch.undo()
    imports.apply_batch(actor=batch.created_by, batch=batch)
    assert Person.objects.count() == 5


def test_progress_reads_chunk_by_chunk_until_ready(as_registrar, census_round, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_SIZE", 2)
    monkeypatch.setattr(imports, "STORE_BLOCK_ROWS", 3)  # chunks that straddle the stored blocks
    rows = [row(nama_lengkap=f"Orang {n}") for n in range(5)]
    response = as_registrar.post(
        reverse("census:import_upload", kwargs={"pk": census_round.pk}), {"file": xlsx_upload(rows)}
    )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_read, batch.total_rows) == (ImportStatus.PARSING, 2, 5)
    page = as_registrar.get(response.url)
    content = page.content.decode()
    assert 'hx-trigger="load delay:300ms"' in content and '<progress value="2" max="5"' in content

    url = reverse("census:import_progress", kwargs={"pk": batch.pk})
    fragment = as_registrar.post(url, HTTP_HX_REQUEST="true")
    assert '<progress value="4" max="5"' in fragment.content.decode()
    done = as_registrar.post(url, HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == reverse("census:import_detail", kwargs={"pk": batch.pk})
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY
    assert list(batch.rows.values_list("row_number", flat=True)) == [2, 3, 4, 5, 6]
    names = [imports.decrypt_row(r.data_ciphertext)["full_name"] for r in batch.rows.all()]
    assert names == [f"Orang {n}" for n in range(5)]
    # Polling a finished batch changes nothing.
    assert as_registrar.post(url).status_code == 302
    assert batch.rows.count() == 5


def test_checking_and_applying_use_a_fixed_number_of_queries(census_round, registrar, make_person, make_round):
    """As many lookups for 12 rows as for 300: nothing is looked up row by row, and inserts are
    batched (SQLite takes at most 999 parameters per statement, so big batches are split)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_person("Orang Lama", nik="5371015708900003")

    def kinds(captured) -> tuple[int, int]:
        inserts = sum(q["sql"].lstrip().upper().startswith("INSERT") for q in captured.captured_queries)
        return len(captured) - inserts, inserts

    def queries(count: int, seed: int) -> tuple[tuple[int, int], tuple[int, int]]:
        residents = list(generate_residents(["53.71", "53.01", None] * (count // 3), seed=seed))
        rows = [imports.person_row(r.identity, r.attrs) for r in residents]
        rows[7]["nik"] = "5371015708900003"  # a registered person
        rows[8] = dict(rows[5])  # the same person twice in the file
        batch = imports.create_batch(
            actor=registrar, census_round=make_round(people=[]), content=template_workbook(rows), filename="x.xlsx"
        )
        with CaptureQueriesContext(connection) as checking:
            batch = imports.parse_next_chunk(batch)
        assert batch.status == ImportStatus.READY and batch.rows.count() == count
        assert batch.rows.get(row_number=10).duplicate_of_row == 7
        imports.resolve_row(actor=registrar, row=batch.rows.get(row_number=9), resolution=Resolution.SAME)
        imports.resolve_row(actor=registrar, row=batch.rows.get(row_number=10), resolution=Resolution.SAME)
        with CaptureQueriesContext(connection) as applying:
            result = imports.apply_batch(actor=registrar, batch=batch)
        assert (result.new, result.existing, result.merged_rows) == (count - 2, 1, 1)
        return kinds(checking), kinds(applying)

    (small_check, _inserts), (small_apply, _inserts) = queries(12, seed=5)
    (large_check, large_check_inserts), (large_apply, large_apply_inserts) = queries(300, seed=6)
    # 9: the probable-match check adds two lookups per chunk (trained models, look-alikes).
    assert small_check == large_check <= 9
    assert small_apply == large_apply <= 20
    assert large_check_inserts <= 5 and large_apply_inserts <= 25


# --- Cancel and access ----------------------------------------------------------------------------


def test_cancel_wipes_the_file_and_rows(as_registrar, census_round):
    batch = upload(as_registrar, census_round, xlsx_upload([row(), row(nama_lengkap="Ani")]))
    response = as_registrar.post(reverse("census:import_cancel", kwargs={"pk": batch.pk}))
    assert response.url == reverse("census:import_upload", kwargs={"pk": census_round.pk})
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CANCELLED and bytes(batch.file_ciphertext) == b""
    assert set(batch.rows.values_list("data_ciphertext", flat=True)) == {""}
    as_registrar.post(reverse("census:import_apply", kwargs={"pk": batch.pk}))
    assert not Person.objects.exists()


def test_abandoned_imports_are_wiped_after_two_weeks(as_registrar, census_round):
    from census.tasks import purge_abandoned_imports

    old = upload(as_registrar, census_round, xlsx_upload([row()]))
    recent = upload(as_registrar, census_round, xlsx_upload([row(nama_lengkap="Ani")]))
    applied = upload(as_registrar, census_round, xlsx_upload([row(nama_lengkap="Yuli")]))
    imports.apply_batch(actor=applied.created_by, batch=applied)
    three_weeks_ago = timezone.now() - dt.timedelta(days=21)
    ImportBatch.objects.filter(pk__in=[old.pk, applied.pk]).update(created_at=three_weeks_ago)

    assert purge_abandoned_imports() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == ImportStatus.CANCELLED and bytes(old.file_ciphertext) == b""
    assert set(old.rows.values_list("data_ciphertext", flat=True)) == {""}
    assert recent.status == ImportStatus.READY and recent.rows.get().data_ciphertext
    assert ImportBatch.objects.get(pk=applied.pk).status == ImportStatus.APPLIED


def test_case_worker_cannot_upload(login, users, census_round):
    client = login(users[Role.CASE_WORKER])
    url = reverse("census:import_upload", kwargs={"pk": census_round.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": xlsx_upload([row()])}).status_code == 403
    assert not ImportBatch.objects.exists()


def test_another_region_sees_nothing(login, make_user, orgs, as_registrar, census_round, make_person):
    make_person("Wati Lestari", nik="5371015708900003")
    batch = upload(as_registrar, census_round, xlsx_upload([row(nik="5371015708900003")]))
    duplicate = batch.rows.get()
    kukar = login(make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02"))
    assert kukar.get(reverse("census:import_detail", kwargs={"pk": batch.pk})).status_code == 404
    assert kukar.get(reverse("census:import_upload", kwargs={"pk": census_round.pk})).status_code == 404
    assert kukar.post(reverse("census:import_progress", kwargs={"pk": batch.pk})).status_code == 404
    assert kukar.post(reverse("census:import_apply", kwargs={"pk": batch.pk})).status_code == 404
    assert kukar.post(reverse("census:import_cancel", kwargs={"pk": batch.pk})).status_code == 404
    response = kukar.post(reverse("census:import_resolve", kwargs={"pk": duplicate.pk}), {"resolution": "same"})
    assert response.status_code == 404
    duplicate.refresh_from_db()
    assert duplicate.resolution == Resolution.PENDING


def test_no_identity_in_issues_of_a_realistic_file(as_registrar, census_round):
    residents = list(generate_residents(["53.71", "53.01", "35.06"] * 5, seed=21))
    rows = [imports.person_row(r.identity, r.attrs) for r in residents]
    for r in rows[:5]:  # make trouble that produces messages about identity columns
        r["tanggal_lahir"] = "31-02-1990"
        r["nik"] = r["nik"][:-1] if r["nik"] else "123"
        r["no_kk"] = "12"
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    stored = json.dumps(list(batch.rows.values_list("issues", flat=True)), ensure_ascii=False).casefold()
    assert batch.error_count == 5
    for resident in residents:
        identity = resident.identity
        for value in [identity.full_name, *identity.aliases, identity.phone, identity.origin_address]:
            assert not value or value.casefold() not in stored
        if identity.nik:
            assert identity.nik[:12] not in stored and identity.nik[6:12] not in stored


def test_person_row_round_trips_through_the_checker(regions):
    identity = Identity(full_name="Sri Rahayu", aliases=["Sri"], nik="", birth_date=dt.date(1990, 8, 17))
    attrs = PersonAttributes(sex="P", origin_regency="53.71", education=Education.SMA, dependent_children=1)
    values = imports.person_row(identity, attrs)
    checked = imports.check_row(2, values, regencies=imports.RegencyIndex(), today=dt.date(2026, 1, 1))
    assert checked.issues == []
    assert imports.row_identity(checked.data) == identity
    assert imports.row_attributes(checked.data).education == Education.SMA


# --- Browser ----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_registrar_imports_a_file_in_the_browser(
    monkeypatch,
    live_server,
    browser,
    users,
    site_kd,
    make_round,
    make_person,
    tmp_path,
):
    from django.conf import settings
    from django.test import Client

    from conftest import login_verified

    registrar = users[Role.REGISTRAR]
    # One row per request: the upload checks the first row, the progress page polls for the rest.
    monkeypatch.setattr(imports, "CHUNK_SIZE", 1)
    with transaction.atomic():  # make_person locks the site row (PostgreSQL wants a transaction)
        existing = make_person("Wati Lestari", nik="5371015708900003", birth_date=dt.date(1990, 8, 17))
    census_round = make_round(people=[])
    path = tmp_path / "pendataan.xlsx"
    path.write_bytes(
        template_workbook(
            [
                row(nama_lengkap="Wati Lestari", nik="5371015708900003", tanggal_lahir="17-08-1990"),
                row(nama_lengkap="Ani Rosita", tanggal_lahir="01-02-1995", kabkota_asal="Kota Kupang"),
                row(nama_lengkap="Yuli Astuti", kabkota_asal="53.01"),
            ]
        )
    )
    # Signed in (second factor done) through the session of a test client.
    client = Client()
    login_verified(client, registrar)
    context = browser.new_context(locale="id-ID", viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{reverse('census:import_upload', kwargs={'pk': census_round.pk})}")
        page.get_by_label("Berkas pendataan").set_input_files(str(path))
        page.get_by_role("button", name="Unggah dan periksa").click()
        page.get_by_test_id("import-progress").wait_for()
        card = page.get_by_test_id("duplicate")
        card.wait_for()
        assert existing.case_code in card.inner_text()
        assert page.get_by_role("button", name="Terapkan impor").is_disabled()
        assert page.get_by_test_id("pending-count").inner_text() == "1"
        card.get_by_role("button", name="Orang yang sama").click()
        page.get_by_text("Diputuskan: orang yang sama").wait_for()
        assert page.get_by_test_id("pending-count").inner_text() == "0"
        apply_button = page.get_by_role("button", name="Terapkan impor")
        assert apply_button.is_enabled()
        apply_button.click()
        page.get_by_text("Impor diterapkan: 2 orang baru didaftarkan").wait_for()
        assert page.get_by_test_id("round-count").inner_text() == "3"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    assert Person.objects.count() == 3
    assert CensusEntry.objects.filter(round=census_round, person=existing).exists()
