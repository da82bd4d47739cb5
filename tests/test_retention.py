"""End of retention: identity removed, statistics kept (UU PDP Pasal 43–45), by a command safe to
run every day."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from audit.models import Action, AuditEvent
from cases.models import (
    Assessment,
    CaseNote,
    CasePlan,
    CaseStatus,
    ClosingReason,
    FollowUp,
    Pathway,
    Referral,
    Stage,
)
from cases.narrative import seal_text, unseal_text
from census.models import ImportBatch, ImportRow
from census.selectors import round_summary
from people import retention
from people.crypto import encrypt
from people.identity import Identity, reveal, unseal
from people.models import NameToken, Person
from people.selectors import person_search
from people.services import nik_hash

TODAY = timezone.localdate()
LONG_AGO = TODAY - dt.timedelta(days=6 * 365)
RECENTLY = TODAY - dt.timedelta(days=30)
NIK = "5371014503950002"


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def closed_case(make_case):
    """A case closed ``closed_on``, with narrative text, a plan and a follow-up note."""

    def _make(person, *, closed_on=LONG_AGO, **extra):
        extra.setdefault("opened_on", closed_on - dt.timedelta(days=200))
        return make_case(
            person,
            status=CaseStatus.CLOSED,
            closed_on=closed_on,
            closing_reason=ClosingReason.GOALS_MET,
            stage=Stage.TERMINATION,
            pathway=Pathway.REPATRIATION,
            **extra,
        )

    return _make


def _add_case_text(case, user):
    Assessment.objects.create(
        case=case,
        version=1,
        assessed_on=case.opened_on,
        assessor=user,
        needs=["income"],
        narrative_ciphertext=seal_text({"family": "Tinggal bersama ibunya, Ibu Martha, di Oesapa."}),
    )
    CasePlan.objects.create(
        case=case, version=1, pathway=Pathway.REPATRIATION, goals="Pulang ke keluarga Martha", created_by=user
    )
    FollowUp.objects.create(
        case=case,
        months_after=1,
        due_on=case.closed_on,
        done_on=case.closed_on,
        outcome="working",
        note_ciphertext=seal_text("Bertemu Martha di pasar."),
        scope_region_code=case.scope_region_code,
    )
    CaseNote.objects.create(
        case=case, kind="note", summary="Catatan", text_ciphertext=seal_text("Martha menelepon."), created_by=user
    )


def _summary_counts(census_round) -> dict:
    summary = round_summary(census_round)
    return {
        "present": summary.present,
        "new": summary.new,
        "left": summary.left,
        "by_origin": summary.by_origin,
        "children": summary.children,
        "trafficking": summary.trafficking,
    }


def test_a_case_closed_past_retention_loses_its_identity_and_keeps_its_statistics(
    make_person, make_round, closed_case, kadis
):
    person = make_person(
        "Sri Rahayu",
        nik=NIK,
        birth_date=dt.date(1995, 3, 5),
        phone="081234567890",
        aliases=["Yuyun"],
        origin_regency="35.06",
        sex="P",
        birth_year=1995,
    )
    other = make_person("Maria Bere", origin_regency="53.71")
    census_round = make_round(people=[person, other], held_on=LONG_AGO - dt.timedelta(days=300))
    case = closed_case(person)
    _add_case_text(case, kadis)
    before = _summary_counts(census_round)
    assert person_search(kadis, q="Sri Rahayu").filter(pk=person.pk).exists()

    assert retention.anonymise_expired() == 1

    person.refresh_from_db()
    assert person.anonymised_at is not None
    # Identity gone: reveal returns an empty identity; no lookup finds her any more.
    assert reveal(person, user=kadis) == Identity()
    assert (person.nik_hash, person.name_dob_hash, person.phone_hash) == ("", "", "")
    assert not NameToken.objects.filter(person=person).exists()
    assert not person_search(kadis, q="Sri Rahayu").exists()
    assert not Person.objects.filter(nik_hash=nik_hash(NIK)).exists()
    # Free text about her gone.
    assert Assessment.objects.get(case=case).narrative_ciphertext == ""
    assert FollowUp.objects.get(case=case).note_ciphertext == ""
    assert CaseNote.objects.get(case=case, kind="note").text_ciphertext == ""
    assert CasePlan.objects.get(case=case).goals == ""
    # Statistics unchanged: the round counts the same, the case keeps its stage, pathway, dates.
    assert _summary_counts(census_round) == before
    case.refresh_from_db()
    assert (case.status, case.stage, case.pathway, case.closed_on) == (
        CaseStatus.CLOSED,
        Stage.TERMINATION,
        Pathway.REPATRIATION,
        LONG_AGO,
    )
    assert (person.sex, person.birth_year, person.origin_regency_id) == ("P", 1995, "35.06")
    assert FollowUp.objects.get(case=case).outcome == "working"
    # One audit event for her, naming the reason; none for the other person.
    events = AuditEvent.objects.filter(action=Action.UPDATE, object_type="people.person")
    assert [(e.object_id, e.detail) for e in events] == [(str(person.pk), {"anonymised": True, "reason": "retention"})]
    other.refresh_from_db()
    assert other.anonymised_at is None
    assert unseal(other.identity_ciphertext).full_name == "Maria Bere"


def test_an_open_case_is_untouched(make_person, make_case):
    person = make_person("Sri Rahayu")
    make_case(person, opened_on=LONG_AGO)
    Person.objects.filter(pk=person.pk).update(registered_at=timezone.now() - dt.timedelta(days=7 * 365))

    assert retention.anonymise_expired() == 0
    person.refresh_from_db()
    assert person.anonymised_at is None
    assert unseal(person.identity_ciphertext).full_name == "Sri Rahayu"


def test_a_recently_closed_case_is_untouched(make_person, closed_case):
    person = make_person("Sri Rahayu")
    closed_case(person, closed_on=RECENTLY)

    assert retention.anonymise_expired() == 0
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_one_old_case_is_not_enough_when_a_later_one_closed_recently(make_person, closed_case):
    person = make_person("Sri Rahayu")
    closed_case(person, closed_on=LONG_AGO)
    closed_case(person, closed_on=RECENTLY)

    assert retention.anonymise_expired() == 0


def test_a_pending_referral_holds_the_record(make_person, closed_case, orgs, kadis):
    person = make_person("Sri Rahayu")
    case = closed_case(person)
    Referral.objects.create(
        case=case,
        kind="referral",
        from_organisation=orgs["dinsos_kupang"],
        to_organisation=orgs["lks_kupang"],
        reason="Pendampingan",
        consent_basis="consent",
        created_by=kadis,
    )

    assert retention.anonymise_expired() == 0


def test_without_a_case_registration_and_census_decide(make_person, make_round):
    old = timezone.now() - dt.timedelta(days=6 * 365)
    gone = make_person("Sri Rahayu")
    counted_lately = make_person("Maria Bere")
    new = make_person("Yuliana Tefa")
    Person.objects.filter(pk__in=[gone.pk, counted_lately.pk]).update(registered_at=old)
    make_round(people=[counted_lately], held_on=RECENTLY)

    assert retention.anonymise_expired() == 1
    assert list(Person.objects.filter(anonymised_at__isnull=False)) == [gone]
    for person in (counted_lately, new):
        person.refresh_from_db()
        assert person.anonymised_at is None


def test_the_period_comes_from_the_setting(settings, make_person, closed_case):
    person = make_person("Sri Rahayu")
    closed_case(person, closed_on=RECENTLY)
    settings.PULIH_RETENTION_DAYS = 10

    assert retention.anonymise_expired() == 1


def test_her_rows_in_a_pending_census_import_are_blanked(make_person, make_round, closed_case, kadis):
    person = make_person("Sri Rahayu", nik=NIK)
    closed_case(person)
    census_round = make_round(held_on=LONG_AGO)
    batch = ImportBatch.objects.create(round=census_round, filename="data.xlsx", file_ciphertext=b"", created_by=kadis)
    hers = ImportRow.objects.create(
        batch=batch, row_number=2, status="ok", data_ciphertext=encrypt('{"nama":"Sri Rahayu"}'), nik_hash=nik_hash(NIK)
    )
    flagged = ImportRow.objects.create(
        batch=batch, row_number=3, status="warning", data_ciphertext=encrypt('{"nama":"Sri R"}'), duplicate_of=person
    )
    someone_else = ImportRow.objects.create(
        batch=batch, row_number=4, status="ok", data_ciphertext=encrypt('{"nama":"Maria"}')
    )

    retention.anonymise_expired()

    for row in (hers, flagged):
        row.refresh_from_db()
        assert (row.data_ciphertext, row.nik_hash) == ("", "")
    someone_else.refresh_from_db()
    assert someone_else.data_ciphertext != ""


def test_a_second_run_does_nothing(make_person, closed_case):
    closed_case(make_person("Sri Rahayu"))
    assert retention.anonymise_expired() == 1
    events = AuditEvent.objects.count()
    ciphertexts = list(Person.objects.values_list("identity_ciphertext", flat=True))

    assert retention.anonymise_expired() == 0
    assert AuditEvent.objects.count() == events
    assert list(Person.objects.values_list("identity_ciphertext", flat=True)) == ciphertexts


def test_small_batches_reach_everyone(make_person, closed_case):
    people = [make_person(name) for name in ("Sri Rahayu", "Maria Bere", "Yuliana Tefa")]
    for person in people:
        closed_case(person)

    assert retention.anonymise_expired(batch=1) == 3
    assert Person.objects.filter(anonymised_at__isnull=True).count() == 0


def test_the_command_dry_run_changes_nothing_and_the_real_run_reports_its_count(make_person, closed_case):
    person = make_person("Sri Rahayu")
    closed_case(person)
    events = AuditEvent.objects.count()

    out = io.StringIO()
    call_command("anonymise_expired", "--dry-run", stdout=out)
    assert "Akan dianonimkan: 1 orang" in out.getvalue()
    person.refresh_from_db()
    assert person.anonymised_at is None
    assert unseal(person.identity_ciphertext).full_name == "Sri Rahayu"
    assert AuditEvent.objects.count() == events

    out = io.StringIO()
    call_command("anonymise_expired", stdout=out)
    assert "Dianonimkan: 1 orang" in out.getvalue()
    out = io.StringIO()
    call_command("anonymise_expired", stdout=out)
    assert "Dianonimkan: 0 orang" in out.getvalue()


def test_the_person_page_says_the_identity_is_gone(client, login, kadis, make_person, closed_case):
    person = make_person("Sri Rahayu")
    closed_case(person)
    retention.anonymise_expired()

    response = login(kadis).get(f"/penerima/{person.case_code}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Identitas sudah dihapus." in body
    assert "Sri Rahayu" not in body


def test_narratives_read_back_empty_after_anonymisation(make_person, closed_case, kadis):
    person = make_person("Sri Rahayu")
    case = closed_case(person)
    _add_case_text(case, kadis)
    retention.anonymise_expired()
    assert unseal_text(Assessment.objects.get(case=case).narrative_ciphertext) == {}


def _entitlement(person, user, *, status):
    """An assistance entitlement (built directly: only its status matters here)."""
    apps = django_apps
    budget_line = apps.get_model("assistance", "BudgetLine").objects.create(
        code=f"5.1.02.{person.pk}",
        name="Pemulangan",
        fiscal_year=2019,
        source="apbd_kabkota",
        amount=300_000_000,
        owner_organisation=user.organisation,
        scope_region_code="53.71",
    )
    programme = apps.get_model("assistance", "AssistanceProgramme").objects.create(
        name="Transport pemulangan",
        budget_line=budget_line,
        amount_rule="fixed",
        amount=250_000,
        scope_region_code="53.71",
    )
    cycle = apps.get_model("assistance", "Cycle").objects.create(
        programme=programme, name="Tahap 1", starts_on=dt.date(2019, 1, 1), ends_on=dt.date(2019, 12, 31)
    )
    run = apps.get_model("assistance", "EntitlementRun").objects.create(
        cycle=cycle, programme=programme, budget_line=budget_line, proposed_at=timezone.now(), proposed_by=user
    )
    return apps.get_model("assistance", "Entitlement").objects.create(
        run=run,
        cycle=cycle,
        programme=programme,
        budget_line=budget_line,
        person=person,
        identity_key=person.nik_hash or f"p{person.pk}",
        site=person.registered_site,
        amount=250_000,
        status=status,
        scope_region_code="53.71",
    )


def test_an_unpaid_entitlement_holds_the_record_and_a_paid_one_does_not(make_person, closed_case, kadis):
    owed = make_person("Sri Rahayu", nik=NIK)
    paid = make_person("Maria Bere", nik="5371014503950003")
    for person in (owed, paid):
        closed_case(person)
    _entitlement(owed, kadis, status="approved")
    paid_entitlement = _entitlement(paid, kadis, status="disbursed")

    assert retention.anonymise_expired() == 1
    owed.refresh_from_db()
    assert owed.anonymised_at is None
    # The paid entitlement stays (amount, status), without her NIK's blind index.
    paid_entitlement.refresh_from_db()
    assert (paid_entitlement.status, paid_entitlement.identity_key) == ("disbursed", f"p{paid.pk}")
