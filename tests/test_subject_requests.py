"""A person's requests to see, correct or delete her data (UU PDP), answered within 3×24 hours
(Pasal 32): the export of everything held on her, deletion where the law allows, the list with
overdue requests first."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import Action, AuditEvent
from audit.services import audit_record
from cases.models import Assessment, CaseStatus, ClosingReason, FollowUp, Pathway, Referral
from cases.narrative import seal_text
from people.identity import unseal
from people.models import ConsentKind, ConsentRecord, SubjectRequest, SubjectRequestStatus
from people.subject_requests import ANSWER_WITHIN, due_at
from pulih.timezones import zone_for_region

NIK = "5371014503950002"


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def person(make_person):
    return make_person(
        "Sri Rahayu", nik=NIK, birth_date=dt.date(1995, 3, 5), phone="081234567890", origin_regency="35.06"
    )


@pytest.fixture
def make_request(kadis):
    def _make(person, kind="access", *, received_at=None, status=SubjectRequestStatus.OPEN):
        received_at = received_at or timezone.now()
        return SubjectRequest.objects.create(
            person=person,
            kind=kind,
            channel="in_person",
            received_at=received_at,
            due_at=due_at(received_at),
            status=status,
            answered_at=received_at if status != SubjectRequestStatus.OPEN else None,
            created_by=kadis,
        )

    return _make


def _export(client, person, subject_request=None):
    data = {"request": subject_request.pk} if subject_request else {}
    return client.post(reverse("people:subject_export", kwargs={"case_code": person.case_code}), data)


def _delete_url(subject_request) -> str:
    return reverse(
        "people:subject_delete",
        kwargs={"case_code": subject_request.person.case_code, "pk": subject_request.pk},
    )


# --- Recording and answering ------------------------------------------------------------------


def test_a_request_is_recorded_with_a_72_hour_deadline_and_audited(client, login, kadis, person):
    # Typed in the user's own zone (Kota Kupang: WITA).
    zone = ZoneInfo(zone_for_region(kadis.region_id))
    received = timezone.localtime(timezone=zone).replace(second=0, microsecond=0) - dt.timedelta(hours=2)
    response = login(kadis).post(
        reverse("people:subject_request_new", kwargs={"case_code": person.case_code}),
        {"kind": "access", "channel": "case_worker", "received_at": received.strftime("%Y-%m-%dT%H:%M"), "note": ""},
    )
    subject_request = SubjectRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people:subject_request", kwargs={"pk": subject_request.pk})
    assert subject_request.received_at == received
    assert subject_request.due_at == received + dt.timedelta(hours=72)
    assert subject_request.status == SubjectRequestStatus.OPEN
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="people.subjectrequest")
    assert event.object_label == f"{person.case_code} · Melihat/meminta salinan data"


def test_a_request_received_in_the_future_is_refused_and_the_input_kept(client, login, kadis, person):
    later = timezone.localtime() + dt.timedelta(days=1)
    response = login(kadis).post(
        reverse("people:subject_request_new", kwargs={"case_code": person.case_code}),
        {"kind": "deletion", "channel": "letter", "received_at": later.strftime("%Y-%m-%dT%H:%M"), "note": "Surat"},
    )
    assert response.status_code == 200
    assert "tidak boleh di masa depan" in response.content.decode()
    assert response.context["form"]["note"].value() == "Surat"
    assert not SubjectRequest.objects.exists()


def test_answering_marks_the_request_answered_once(client, login, kadis, person, make_request):
    subject_request = make_request(person, "correction")
    url = reverse("people:subject_request_answer", kwargs={"pk": subject_request.pk})
    client = login(kadis)

    response = client.post(url, {"status": "answered", "note": ""})
    assert response.status_code == 200
    assert response.context["answer_form"].errors["note"]
    subject_request.refresh_from_db()
    assert subject_request.status == SubjectRequestStatus.OPEN

    response = client.post(url, {"status": "answered", "note": "Tanggal lahir diperbaiki."})
    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == SubjectRequestStatus.ANSWERED
    assert subject_request.answer_note == "Tanggal lahir diperbaiki."
    assert subject_request.handled_by == kadis and subject_request.answered_at is not None

    response = client.post(url, {"status": "refused", "note": "Lagi"}, follow=True)
    assert "Permintaan ini sudah dijawab." in response.content.decode()
    subject_request.refresh_from_db()
    assert subject_request.answer_note == "Tanggal lahir diperbaiki."


def test_a_correction_request_links_to_the_identity_edit_page(client, login, kadis, person, make_request):
    subject_request = make_request(person, "correction")
    response = login(kadis).get(reverse("people:subject_request", kwargs={"pk": subject_request.pk}))
    assert reverse("people:edit_identity", kwargs={"case_code": person.case_code}) in response.content.decode()


# --- The list --------------------------------------------------------------------------------------


def test_overdue_requests_come_first_the_longest_overdue_at_the_top(
    client, login, kadis, make_person, make_request, django_assert_max_num_queries
):
    now = timezone.now()
    people = [make_person(name) for name in ("Sri Rahayu", "Maria Bere", "Yuliana Tefa", "Ani", "Wati")]
    answered = make_request(people[0], received_at=now - dt.timedelta(days=10), status=SubjectRequestStatus.ANSWERED)
    fresh = make_request(people[1], received_at=now - dt.timedelta(hours=1))
    late = make_request(people[2], received_at=now - dt.timedelta(hours=80))
    later = make_request(people[3], received_at=now - dt.timedelta(days=6))
    due_soon = make_request(people[4], received_at=now - dt.timedelta(hours=60))

    client = login(kadis)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:subject_requests"))
    assert [r.pk for r in response.context["page_obj"]] == [later.pk, late.pk, due_soon.pk, fresh.pk, answered.pk]
    body = response.content.decode()
    assert body.count('data-overdue="1"') == 2
    assert "2 permintaan melewati batas waktu jawaban" in body

    response = client.get(reverse("people:subject_requests"), {"status": "overdue"})
    assert [r.pk for r in response.context["page_obj"]] == [later.pk, late.pk]


def test_the_list_shows_only_requests_in_the_users_region(client, login, make_user, orgs, person, make_request):
    make_request(person)
    kukar_head = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")
    response = login(kukar_head).get(reverse("people:subject_requests"))
    assert list(response.context["page_obj"]) == []


# --- Export ---------------------------------------------------------------------------------------


def _history(person, kadis, users, make_case, make_round, orgs):
    ConsentRecord.objects.create(
        person=person,
        kind=ConsentKind.SHARE_WITH_PARTNERS,
        given=True,
        recorded_on=dt.date(2018, 10, 2),
        recorded_by=kadis,
    )
    make_round(people=[person], name="Pendataan awal Karang Dempel")
    case = make_case(person, pathway=Pathway.REPATRIATION)
    Assessment.objects.create(
        case=case,
        version=1,
        assessed_on=dt.date(2018, 11, 2),
        assessor=users[Role.CASE_WORKER],
        needs=["income"],
        narrative_ciphertext=seal_text({"work_history": "Pernah bekerja di rumah makan di Surabaya."}),
    )
    Referral.objects.create(
        case=case,
        kind="referral",
        from_organisation=orgs["dinsos_kupang"],
        to_organisation=orgs["lks_kupang"],
        reason="Pendampingan psikososial",
        consent_basis="consent",
        created_by=kadis,
    )
    # Someone looked at her identity earlier: she may know who.
    audit_record(Action.VIEW_IDENTITY, actor=users[Role.CASE_WORKER], obj=person, detail={"purpose": "view"})
    return case


def test_the_export_holds_her_identity_and_history_and_is_audited_as_an_export(
    client, login, kadis, users, person, make_case, make_round, orgs, make_request
):
    case = _history(person, kadis, users, make_case, make_round, orgs)
    subject_request = make_request(person, "access")

    response = _export(login(kadis), person, subject_request)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"data-{person.case_code}-" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"data.json", "data.xlsx", "BACA.txt"}
    data = json.loads(archive.read("data.json"))
    identity = data["identitas"][0]
    assert (identity["nama_lengkap"], identity["nik"], identity["telepon"]) == ("Sri Rahayu", NIK, "081234567890")
    assert identity["tanggal_lahir"] == "1995-03-05"
    assert data["data_penerima"][0]["kabupaten_kota_asal"].startswith("35.06")
    assert [c["setuju"] for c in data["persetujuan"]] == ["Ya"]
    assert [e["putaran"] for e in data["pendataan"]] == ["Pendataan awal Karang Dempel"]
    assert [c["nomor"] for c in data["kasus"]] == [case.number]
    assert "rumah makan di Surabaya" in data["asesmen"][0]["catatan"]
    assert data["rujukan"][0]["kepada"] == "LKS Uji Kupang"
    viewers = {(row["pengguna"], row["tindakan"]) for row in data["log_akses"]}
    assert ("peksos", "Melihat identitas") in viewers
    # The spreadsheet says the same, one sheet per part.
    workbook = load_workbook(io.BytesIO(archive.read("data.xlsx")))
    assert "Identitas" in workbook.sheetnames and "Log akses" in workbook.sheetnames
    values = [cell.value for row in workbook["Identitas"].iter_rows() for cell in row]
    assert "Sri Rahayu" in values and NIK in values

    identity_export = AuditEvent.objects.get(action=Action.EXPORT_IDENTITY)
    assert (identity_export.actor, identity_export.object_id) == (kadis, str(person.pk))
    assert identity_export.detail == {"purpose": "export"}
    export = AuditEvent.objects.get(action=Action.EXPORT, object_type="people.person")
    assert export.detail["purpose"] == "subject_access"
    assert export.detail["subject_request"] == subject_request.pk
    # No identity in any audit row.
    for event in AuditEvent.objects.all():
        assert "Sri Rahayu" not in json.dumps(event.detail) + event.object_label


@pytest.mark.parametrize(
    "role",
    [
        Role.SYSADMIN,
        Role.KEMENSOS_ANALYST,
        Role.PROVINCE_OFFICER,
        Role.CASE_WORKER,
        Role.REGISTRAR,
        Role.FINANCE_OFFICER,
        Role.PARTNER_USER,
        Role.AUDITOR,
    ],
)
def test_roles_without_the_permission_get_403_and_no_identity(client, login, users, person, make_request, role):
    subject_request = make_request(person, "deletion")
    client = login(users[role])
    assert _export(client, person).status_code == 403
    assert client.post(_delete_url(subject_request)).status_code == 403
    assert client.get(reverse("people:subject_requests")).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY).exists()
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_a_head_of_another_region_does_not_find_the_person(client, login, make_user, orgs, person):
    kukar_head = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")
    assert _export(login(kukar_head), person).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY).exists()


def test_an_export_naming_another_persons_request_is_not_found(client, login, kadis, person, make_person, make_request):
    other_request = make_request(make_person("Maria Bere"), "access")
    assert _export(login(kadis), person, other_request).status_code == 404


# --- Deletion -------------------------------------------------------------------------------------


def test_deletion_is_refused_under_a_legal_hold_with_the_reason(client, login, kadis, person, make_case, make_request):
    case = make_case(person, pathway=Pathway.CHILD_PROTECTION)
    subject_request = make_request(person, "deletion")
    client = login(kadis)

    response = client.post(_delete_url(subject_request), follow=True)

    body = response.content.decode()
    assert "Data belum dapat dihapus" in body
    assert f"Kasus {case.number} masih ditangani di jalur perlindungan anak" in body
    person.refresh_from_db()
    assert person.anonymised_at is None
    assert unseal(person.identity_ciphertext).full_name == "Sri Rahayu"
    subject_request.refresh_from_db()
    assert subject_request.status == SubjectRequestStatus.OPEN
    # The request page lists the hold and offers it as the answer (a refusal with its reason).
    assert 'data-testid="legal-holds"' in body
    assert response.context["answer_form"].initial["status"] == SubjectRequestStatus.REFUSED
    assert "perlindungan anak" in response.context["answer_form"].initial["note"]
    event = AuditEvent.objects.filter(object_type="people.subjectrequest", action=Action.UPDATE).get()
    assert event.detail == {"deletion": "refused", "holds": ["child_protection_case"]}


def test_a_pending_referral_is_a_legal_hold(client, login, kadis, orgs, person, make_case, make_request):
    case = make_case(person, pathway=Pathway.LOCAL_EMPOWERMENT)
    Referral.objects.create(
        case=case,
        kind="referral",
        from_organisation=orgs["dinsos_kupang"],
        to_organisation=orgs["lks_kupang"],
        reason="Pelatihan",
        consent_basis="consent",
        created_by=kadis,
    )
    subject_request = make_request(person, "deletion")

    response = login(kadis).post(_delete_url(subject_request), follow=True)

    assert "ke LKS Uji Kupang masih menunggu jawaban" in response.content.decode()
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_deletion_anonymises_closes_the_open_case_and_answers_the_request(
    client, login, kadis, person, make_case, make_request
):
    case = make_case(person, pathway=Pathway.LOCAL_EMPOWERMENT)
    FollowUp.objects.create(
        case=case, months_after=1, due_on=timezone.localdate(), scope_region_code=case.scope_region_code
    )
    subject_request = make_request(person, "deletion")

    response = login(kadis).post(_delete_url(subject_request))

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.anonymised_at is not None
    assert unseal(person.identity_ciphertext).full_name == ""
    assert person.nik_hash == ""
    case.refresh_from_db()
    assert (case.status, case.closing_reason, case.pathway) == (
        CaseStatus.CLOSED,
        ClosingReason.DECLINED,
        Pathway.LOCAL_EMPOWERMENT,
    )
    assert not FollowUp.objects.filter(case=case).exists()
    subject_request.refresh_from_db()
    assert subject_request.status == SubjectRequestStatus.ANSWERED
    assert subject_request.handled_by == kadis
    anonymised = AuditEvent.objects.get(object_type="people.person", action=Action.UPDATE)
    assert anonymised.detail == {"anonymised": True, "reason": "subject_request"}
    assert anonymised.actor == kadis


def test_only_a_deletion_request_deletes(client, login, kadis, person, make_request):
    subject_request = make_request(person, "access")
    response = login(kadis).post(_delete_url(subject_request), follow=True)
    assert "Hanya permintaan penghapusan data" in response.content.decode()
    person.refresh_from_db()
    assert person.anonymised_at is None


# --- The person page ------------------------------------------------------------------------------


def test_the_person_page_shows_the_section_to_the_head_of_dinsos_only(
    client, login, kadis, users, person, make_request
):
    make_request(person, "access", received_at=timezone.now() - ANSWER_WITHIN - dt.timedelta(hours=1))
    url = reverse("people:detail", kwargs={"case_code": person.case_code})

    body = login(kadis).get(url).content.decode()
    assert "Permintaan subjek data" in body
    assert reverse("people:subject_request_new", kwargs={"case_code": person.case_code}) in body
    assert reverse("people:subject_export", kwargs={"case_code": person.case_code}) in body
    assert "Lewat batas waktu" in body

    body = login(users[Role.CASE_WORKER]).get(url).content.decode()
    assert "Permintaan subjek data" not in body
