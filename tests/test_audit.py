"""The audit log: the hash chain and `verify_audit`, the database's append-only triggers,
and the auditor's pages (list, detail, CSV export)."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Role
from audit.models import Action, AuditEvent, AuditHead
from audit.services import audit_record, audit_verify, compute_hash

# The standing auditor works in Kota Kupang: pages show WITA (pulih/timezones.py).
WIB = ZoneInfo("Asia/Makassar")
AUDIT_URLS = ("audit:list", "audit:detail", "audit:export")
NOT_AUDITORS = sorted(set(Role.values) - {Role.AUDITOR})


# --- helpers ----------------------------------------------------------------------------------


def _verify_audit() -> tuple[str, str | None]:
    """Run `manage.py verify_audit`: (what it printed, the CommandError message or None)."""
    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def _attacker_disables_triggers() -> None:
    """Someone with database access removes the append-only protection before tampering.
    (Inside the test's transaction, so it is rolled back afterwards on both databases.)"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for no deferred check: run the pending foreign-key checks first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER audit_auditevent_no_delete")


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _record_at(when: datetime.datetime, action: str = Action.UPDATE, **kwargs) -> AuditEvent:
    # audit_record stamps UTC, as timezone.now() does; the test names the auditor's local (WITA) times.
    with mock.patch("django.utils.timezone.now", return_value=when.astimezone(datetime.UTC)):
        return audit_record(action, **kwargs)


def _rows_of(response) -> list[AuditEvent]:
    return list(response.context["page_obj"].object_list)


def _csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def chain(db) -> list[AuditEvent]:
    """Five events in a row, as Pulih writes them."""
    return [
        audit_record(Action.UPDATE, username="sistem", object_type="uji", object_id=str(n), object_label=f"KASUS-{n}")
        for n in range(1, 6)
    ]


@pytest.fixture
def auditor(users):
    return users[Role.AUDITOR]


@pytest.fixture
def kukar_head(make_user, orgs):
    """Head of Dinsos in Kutai Kartanegara (64.02), outside the Kupang auditor's region."""
    return make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02", username="kadis_kukar")


# --- verify_audit: the chain detects tampering ------------------------------------------------


def test_verify_audit_reports_an_untouched_chain_as_intact(chain):
    out, error = _verify_audit()
    assert error is None
    assert "Baris diperiksa: 5" in out
    assert "Rantai audit utuh" in out


def test_verify_audit_names_the_row_whose_label_was_edited(chain):
    middle = chain[2]
    _attacker_disables_triggers()
    _raw("UPDATE audit_auditevent SET object_label = %s WHERE id = %s", ["KASUS-LAIN", middle.pk])

    out, error = _verify_audit()

    assert "Baris diperiksa: 2" in out
    assert error is not None
    assert f"ID baris: {middle.pk}." in error
    assert "diubah setelah dicatat" in error


def test_verify_audit_names_the_row_after_a_deleted_middle_row(chain):
    _attacker_disables_triggers()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [chain[2].pk])

    out, error = _verify_audit()

    assert "Baris diperiksa: 2" in out
    assert error is not None
    assert f"ID baris: {chain[3].pk}." in error
    assert "rantai terputus" in error


def test_verify_audit_notices_that_the_last_row_was_deleted(chain):
    _attacker_disables_triggers()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [chain[-1].pk])

    out, error = _verify_audit()

    assert "Baris diperiksa: 4" in out
    assert error is not None
    assert "ujung rantai" in error
    assert "Ujung rantai tidak cocok: tercatat 5 baris, ditemukan 4" in error


def test_verify_audit_notices_that_the_chain_tip_was_removed(chain):
    _attacker_disables_triggers()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [chain[-1].pk])
    _raw("DELETE FROM audit_audithead", [])

    out, error = _verify_audit()

    assert "Baris diperiksa: 4" in out
    assert error is not None
    assert "Ujung rantai (AuditHead) hilang" in error


def test_verify_audit_reports_an_empty_log_as_intact(db):
    out, error = _verify_audit()
    assert error is None
    assert "Baris diperiksa: 0" in out


def test_verify_audit_refuses_a_batch_size_below_one(chain):
    with pytest.raises(CommandError, match="batch-size"):
        call_command("verify_audit", batch_size=0, stdout=io.StringIO())


def test_verify_audit_reads_the_chain_in_batches(chain):
    out = io.StringIO()
    call_command("verify_audit", batch_size=2, stdout=out)
    assert "Baris diperiksa: 5" in out.getvalue()


# --- the database refuses UPDATE and DELETE ---------------------------------------------------
# (After the tamper tests on purpose: if dropping the triggers leaked out of a test, these fail.)


def test_database_refuses_an_orm_update_of_an_audit_event(chain):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[0].pk).update(object_label="DIUBAH")
    assert AuditEvent.objects.get(pk=chain[0].pk).object_label == "KASUS-1"


def test_database_refuses_a_raw_sql_update_of_an_audit_event(chain):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _raw("UPDATE audit_auditevent SET actor_username = %s", ["penyusup"])
    assert not AuditEvent.objects.filter(actor_username="penyusup").exists()


def test_database_refuses_deleting_audit_events_by_orm_or_raw_sql(chain):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[0].pk).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].pk])
    assert AuditEvent.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_audit_log_and_closes_its_guard_again():
    """pytest-django flushes after every transactional test (this one too); on SQLite that is a
    DELETE FROM, allowed only inside audit's own `flush` command."""
    audit_record(Action.LOGIN, username="sistem")
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    assert AuditHead.objects.count() == 0

    event = audit_record(Action.LOGIN, username="sistem")
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_saving_an_existing_event_again_raises(chain):
    event = chain[0]
    event.object_label = "DIUBAH"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()


def test_deleting_an_event_instance_raises(chain):
    with pytest.raises(RuntimeError, match="append-only"):
        chain[0].delete()
    assert AuditEvent.objects.filter(pk=chain[0].pk).exists()


# --- the chain itself -------------------------------------------------------------------------


def test_fifty_sequential_records_form_a_chain_that_verifies(db):
    events = [audit_record(Action.VIEW_IDENTITY, username="peksos", object_id=str(n)) for n in range(50)]

    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert audit_verify() == (50, None)
    head = AuditHead.objects.get()
    assert (head.count, head.last_hash) == (50, events[-1].hash)


def test_hash_is_stable_after_a_database_round_trip(users):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="2001:0DB8:0000:0000:0000:0000:0000:0001", HTTP_USER_AGENT="Pramban Uji/1.0 (ñ)"
    )
    request.user = users[Role.CASE_WORKER]
    detail = {
        "catatan": "Penerima manfaat dirujuk — ke LKS «Harapan» 🙂 安全",
        "bertingkat": {"daftar": [1, 2.5, True, None, "tiga"], "kosong": {}, "ñ": {"z": 1, "a": [{}]}},
        "jumlah": 300000000,
    }
    event = audit_record(Action.VIEW_IDENTITY, request=request, object_type="people.person", detail=detail)

    stored = AuditEvent.objects.get(pk=event.pk)

    assert stored.ip_address == "2001:db8::1"
    assert stored.detail == detail
    assert stored.hash == event.hash
    assert compute_hash(stored.prev_hash, stored) == stored.hash
    assert audit_verify() == (1, None)


def test_an_invalid_client_address_is_recorded_as_unknown(db):
    request = RequestFactory().get("/", REMOTE_ADDR="bukan-alamat")
    event = audit_record(Action.LOGIN_FAILED, request=request, username="tamu")
    assert event.ip_address is None
    assert audit_verify() == (1, None)


# --- auditor pages ----------------------------------------------------------------------------


def test_auditor_sees_the_log_newest_first_with_time_actor_action_object_and_address(users, auditor, login):
    head = users[Role.HEAD_OF_DINSOS]
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = head
    first = _record_at(datetime.datetime(2026, 3, 2, 9, 5, tzinfo=WIB), Action.LOGIN, request=request)
    second = _record_at(
        datetime.datetime(2026, 3, 2, 14, 30, tzinfo=WIB),
        Action.UPDATE,
        actor=head,
        object_type="organisations.organisation",
        object_id="7",
        object_label="LKS Harapan Kupang",
    )

    response = login(auditor).get(reverse("audit:list"))

    assert response.status_code == 200
    assert [event.pk for event in _rows_of(response)] == [second.pk, first.pk]
    page = response.content.decode()
    assert "02/03/2026 14.30" in page and "02/03/2026 09.05" in page
    assert "<td>kadis</td>" in page
    assert '<span class="badge muted">Mengubah</span>' in page and '<span class="badge ok">Masuk</span>' in page
    assert '<small class="muted">organisations.organisation</small><br>LKS Harapan Kupang' in page
    assert "10.1.2.3" in page
    assert reverse("audit:detail", kwargs={"pk": second.pk}) in page


def test_auditor_filters_the_log_by_action(users, auditor, login):
    head = users[Role.HEAD_OF_DINSOS]
    login_event = audit_record(Action.LOGIN, actor=head)
    audit_record(Action.UPDATE, actor=head, object_type="uji")

    response = login(auditor).get(reverse("audit:list"), {"action": Action.LOGIN})

    assert [event.pk for event in _rows_of(response)] == [login_event.pk]


def test_auditor_filters_the_log_by_username_and_object_type(users, auditor, login):
    audit_record(Action.UPDATE, actor=users[Role.HEAD_OF_DINSOS], object_type="accounts.user")
    wanted = audit_record(Action.UPDATE, actor=users[Role.REGISTRAR], object_type="accounts.user")
    audit_record(Action.UPDATE, actor=users[Role.REGISTRAR], object_type="organisations.organisation")

    response = login(auditor).get(reverse("audit:list"), {"username": "ENDAT", "object_type": "accounts.user"})

    assert [event.pk for event in _rows_of(response)] == [wanted.pk]


def test_auditor_filters_the_log_by_days_in_local_time(users, auditor, login):
    head = users[Role.HEAD_OF_DINSOS]
    _record_at(datetime.datetime(2026, 3, 1, 10, 0, tzinfo=WIB), actor=head)
    late_evening = _record_at(datetime.datetime(2026, 3, 2, 23, 30, tzinfo=WIB), actor=head)
    # 00.30 WITA on 3 March is still 2 March in UTC: it belongs to the 3rd for a Kupang office.
    _record_at(datetime.datetime(2026, 3, 3, 0, 30, tzinfo=WIB), actor=head)

    response = login(auditor).get(reverse("audit:list"), {"date_from": "2026-03-02", "date_to": "2026-03-02"})

    assert [event.pk for event in _rows_of(response)] == [late_evening.pk]
    assert 'type="date"' in response.content.decode()


def test_date_range_ending_before_it_starts_is_shown_as_an_error(auditor, login):
    response = login(auditor).get(reverse("audit:list"), {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "Tanggal akhir tidak boleh sebelum tanggal awal." in response.content.decode()


def test_log_is_paginated_fifty_rows_a_page(users, auditor, login):
    for n in range(51):
        audit_record(Action.VIEW_IDENTITY, actor=users[Role.CASE_WORKER], object_id=str(n))

    client = login(auditor)
    first = client.get(reverse("audit:list"))
    second = client.get(reverse("audit:list"), {"page": 2})

    assert len(_rows_of(first)) == 50
    assert len(_rows_of(second)) == 1
    assert _rows_of(second)[0].object_id == "0"


def test_htmx_filter_request_gets_only_the_rows(users, auditor, login):
    audit_record(Action.LOGIN, actor=users[Role.HEAD_OF_DINSOS])

    response = login(auditor).get(reverse("audit:list"), HTTP_HX_REQUEST="true")

    assert response.templates[0].name == "audit/_rows.html"
    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_log_without_matching_events_shows_the_empty_state(auditor, login):
    response = login(auditor).get(reverse("audit:list"), {"action": Action.EXPORT_IDENTITY})
    assert "Tidak ada catatan audit yang cocok dengan saringan ini." in response.content.decode()


def test_regional_auditor_does_not_see_events_of_another_region(users, auditor, kukar_head, login):
    kupang = audit_record(Action.UPDATE, actor=users[Role.HEAD_OF_DINSOS], object_label="Kupang")
    kukar = audit_record(Action.UPDATE, actor=kukar_head, object_label="Kukar")
    assert kukar.actor_region_code == "64.02"

    client = login(auditor)
    listed = client.get(reverse("audit:list"))
    exported = _csv_rows(client.get(reverse("audit:export")))

    assert [event.pk for event in _rows_of(listed)] == [kupang.pk]
    assert "kadis_kukar" not in listed.content.decode()
    assert [row["ID"] for row in exported] == [str(kupang.pk)]


def test_regional_auditor_gets_not_found_for_an_event_outside_the_region(auditor, kukar_head, login):
    kukar = audit_record(Action.UPDATE, actor=kukar_head)
    response = login(auditor).get(reverse("audit:detail", kwargs={"pk": kukar.pk}))
    assert response.status_code == 404


def test_national_auditor_sees_every_region(users, make_user, orgs, kukar_head, login):
    national = make_user(Role.AUDITOR, organisation=orgs["kemensos"], region=None)
    audit_record(Action.UPDATE, actor=users[Role.HEAD_OF_DINSOS])
    kukar = audit_record(Action.UPDATE, actor=kukar_head)

    response = login(national).get(reverse("audit:detail", kwargs={"pk": kukar.pk}))

    assert response.status_code == 200


@pytest.mark.parametrize("role", NOT_AUDITORS)
@pytest.mark.parametrize("name", AUDIT_URLS)
def test_every_other_role_is_refused_the_audit_pages(users, login, role, name):
    event = audit_record(Action.UPDATE, actor=users[role])
    kwargs = {"pk": event.pk} if name == "audit:detail" else None

    response = login(users[role]).get(reverse(name, kwargs=kwargs))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_detail_shows_every_field_with_the_detail_pretty_printed(users, auditor, login):
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8::7", HTTP_USER_AGENT="Peramban Uji/2.0")
    request.user = users[Role.HEAD_OF_DINSOS]
    event = _record_at(
        datetime.datetime(2026, 3, 2, 14, 30, 15, tzinfo=WIB),
        Action.DEACTIVATE,
        request=request,
        object_type="accounts.user",
        object_id="U-4242",
        object_label="pendata",
        detail={"alasan": "pindah tugas", "sebelumnya": {"aktif": True}},
    )

    response = login(auditor).get(reverse("audit:detail", kwargs={"pk": event.pk}))

    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "02/03/2026 14.30.15",
        "kadis",
        "53.71",
        "Menonaktifkan",
        "accounts.user",
        "U-4242",
        "pendata",
        "2001:db8::7",
        "Peramban Uji/2.0",
        event.prev_hash,
        event.hash,
        "Isi baris cocok dengan hash-nya",
    ):
        assert text in page, text
    assert escape('{\n  "alasan": "pindah tugas",\n  "sebelumnya": {\n    "aktif": true\n  }\n}') in page


def test_detail_flags_a_row_that_no_longer_matches_its_hash(users, auditor, login):
    event = audit_record(Action.UPDATE, actor=users[Role.HEAD_OF_DINSOS], object_label="ASLI")
    _attacker_disables_triggers()
    _raw("UPDATE audit_auditevent SET object_label = %s WHERE id = %s", ["PALSU", event.pk])

    response = login(auditor).get(reverse("audit:detail", kwargs={"pk": event.pk}))

    assert "baris ini diubah setelah dicatat" in response.content.decode()


def test_csv_export_contains_the_filtered_rows_and_is_itself_recorded(users, auditor, login):
    head = users[Role.HEAD_OF_DINSOS]
    older = audit_record(Action.LOGIN, actor=head)
    audit_record(Action.UPDATE, actor=head, object_type="uji", object_label="tidak diekspor")
    newer = audit_record(Action.LOGIN, actor=users[Role.REGISTRAR])

    response = login(auditor).get(reverse("audit:export"), {"action": Action.LOGIN, "date_from": "2026-01-01"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = _csv_rows(response)
    assert [(row["ID"], row["Nama pengguna"], row["Kode tindakan"]) for row in rows] == [
        (str(newer.pk), "pendata", "login"),
        (str(older.pk), "kadis", "login"),
    ]
    assert rows[0]["Hash"] == newer.hash
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert export.actor == auditor
    assert export.object_type == "audit.auditevent"
    assert export.detail == {"filters": {"action": "login", "date_from": "2026-01-01"}}
    checked, problem = audit_verify()
    assert problem is None and checked == AuditEvent.objects.count() == 4


def test_csv_export_neutralises_spreadsheet_formulas(make_user, orgs, login):
    national = make_user(Role.AUDITOR, organisation=orgs["kemensos"], region=None)
    # Failed logins keep the username as typed: anyone can put a formula there.
    audit_record(Action.LOGIN_FAILED, username='=HYPERLINK("http://contoh.invalid")')
    audit_record(Action.LOGIN_FAILED, username="@SUM(1+1)")
    audit_record(Action.LOGIN_FAILED, username="biasa")

    rows = _csv_rows(login(national).get(reverse("audit:export")))

    assert sorted(row["Nama pengguna"] for row in rows) == [
        '\'=HYPERLINK("http://contoh.invalid")',
        "'@SUM(1+1)",
        "biasa",
    ]
