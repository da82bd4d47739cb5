"""Assistance and budget: declarative eligibility rules evaluated in the database and explained in
plain words, preview against the remaining budget, propose → approve (head of Dinsos, never the
proposer) → disburse (finance officer) with a PDF receipt, never paid twice, never overspent, an
append-only ledger that reconciles, finance exports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from assistance import ledger, rules, selectors, services
from assistance.models import (
    AmountRule,
    Entitlement,
    EntitlementStatus,
    FundingSource,
    LedgerEntry,
    LedgerKind,
    RunStatus,
)
from audit.models import Action, AuditEvent
from cases.models import Case, Pathway

RP = Decimal


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def worker(users):
    return users[Role.CASE_WORKER]


@pytest.fixture
def finance(users):
    return users[Role.FINANCE_OFFICER]


@pytest.fixture
def make_line(orgs, users):
    def _make(amount="300000000", *, code="5.1.02.01", name="Pemulangan eks penghuni lokalisasi KD", **extra):
        extra.setdefault("fiscal_year", 2019)
        extra.setdefault("source", FundingSource.APBD_REGENCY)
        extra.setdefault("owner_organisation", orgs["dinsos_kupang"])
        return services.budget_line_create(
            actor=users[Role.HEAD_OF_DINSOS], code=code, name=name, amount=Decimal(amount), **extra
        )

    return _make


@pytest.fixture
def make_programme(make_line, kadis):
    def _make(*, line=None, name="Dana PEM Kota Kupang 2019", rule=None, amount="5000000", **extra):
        extra.setdefault("amount_rule", AmountRule.FIXED)
        programme = services.programme_create(
            actor=kadis, budget_line=line or make_line(), name=name, amount=Decimal(amount), **extra
        )
        if rule is not None:
            services.programme_set_rule(actor=kadis, programme=programme, rule=rule)
        return programme

    return _make


@pytest.fixture
def make_cycle(kadis):
    def _make(programme, name="2019"):
        return services.cycle_create(
            actor=kadis, programme=programme, name=name, starts_on=dt.date(2019, 1, 1), ends_on=dt.date(2019, 12, 31)
        )

    return _make


LOCAL_ADULTS = {
    "op": "and",
    "conditions": [
        {"field": "domicile_local", "operator": "is", "value": True},
        {"field": "age", "operator": "gte", "value": 18},
    ],
}


@pytest.fixture
def residents(make_person):
    """Two city residents (one of them 16 in 2019), one from Kabupaten Kupang, one of unknown origin."""
    return {
        "local": make_person("Maria Seran", origin_regency="53.71", birth_year=1990, sex="P"),
        "local_child": make_person("Yuliana Tefa", origin_regency="53.71", birth_year=2003, sex="P"),
        "other": make_person("Sri Rahayu", origin_regency="53.01", birth_year=1988, sex="P"),
        "unknown": make_person("Nona", birth_year=1995, sex="P"),
    }


# --- Rules: validation -------------------------------------------------------------------------


def test_a_valid_rule_comes_back_in_normal_form():
    rule = rules.validate_rule(
        {
            "op": "or",
            "conditions": [
                {"field": "age", "operator": "gte", "value": "18"},
                {"field": "pathway", "operator": "in", "value": ["repatriation", "local_empowerment", "repatriation"]},
                {"op": "and", "conditions": [{"field": "training_completed", "operator": "is", "value": "true"}]},
            ],
        }
    )
    assert rule["conditions"][0]["value"] == 18
    assert rule["conditions"][1]["value"] == ["local_empowerment", "repatriation"]
    assert rule["conditions"][2]["conditions"][0]["value"] is True


def _nested(depth: int) -> dict:
    node: dict = {"field": "age", "operator": "gte", "value": 1}
    for i in range(depth):
        node = {"op": "and" if i % 2 else "or", "conditions": [node]}
    return node


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"op": "xor", "conditions": []}, "penggabung harus DAN atau ATAU"),
        ({"op": "and", "conditions": [{"field": "gaji", "operator": "eq", "value": 1}]}, "kolom “gaji” tidak dikenal"),
        (
            {"op": "and", "conditions": [{"field": "age", "operator": "in", "value": [1]}]},
            "Syarat 1 (Umur): operator “salah satu dari” tidak berlaku; pilih: paling sedikit, paling banyak",
        ),
        ({"op": "and", "conditions": [{"field": "age", "operator": "gte", "value": "delapan"}]}, "bilangan bulat"),
        ({"op": "and", "conditions": [{"field": "age", "operator": "gte", "value": 200}]}, "antara 0 dan 120"),
        (
            {"op": "and", "conditions": [{"field": "pathway", "operator": "eq", "value": "pulang"}]},
            "nilai “pulang” tidak dikenal untuk Jalur kasus",
        ),
        (
            {"op": "and", "conditions": [{"field": "repatriated", "operator": "is", "value": "mungkin"}]},
            "Ya atau Tidak",
        ),
        ({"op": "and", "conditions": [{"field": "sex", "operator": "eq"}]}, "nilai belum diisi"),
        ({"op": "and", "conditions": [{"op": "or", "conditions": []}]}, "Syarat 1: kelompok tanpa syarat"),
        (_nested(4), "paling banyak 3 tingkat"),
    ],
)
def test_invalid_rules_are_refused_in_plain_indonesian(rule, message):
    with pytest.raises(ValidationError) as excinfo:
        rules.validate_rule(rule)
    assert message in " ".join(excinfo.value.messages)


# --- Rules: evaluation in the database, explanations -----------------------------------------------


def test_rule_is_evaluated_by_the_database_and_each_person_is_told_why(
    residents, make_programme, make_cycle, django_assert_max_num_queries
):
    cycle = make_cycle(make_programme(rule=LOCAL_ADULTS))
    assert set(selectors.eligible(cycle)) == {residents["local"]}

    rows = selectors.preview_rows(cycle, show="all")
    with django_assert_max_num_queries(2):
        explained = dict(selectors.explain(cycle, rows))
    by_code = {p.case_code: e for p, e in explained.items()}
    local = by_code[residents["local"].case_code]
    assert local.eligible and not local.reason
    assert [c.text for c in local.checks] == ["Berdomisili di Kota Kupang, kabupaten/kota lokalisasi", "Umur 29 tahun"]

    other = by_code[residents["other"].case_code]
    assert not other.eligible
    assert "Berasal dari Kabupaten Kupang, bukan Kota Kupang" in other.reason
    child = by_code[residents["local_child"].case_code]
    assert child.reason == "Umur 16 tahun — syarat: Umur paling sedikit 18 tahun"
    assert "Daerah asal tidak diketahui" in by_code[residents["unknown"].case_code].reason


def test_nested_groups_are_explained(residents, make_programme, make_cycle):
    rule = {
        "op": "and",
        "conditions": [
            {"field": "age", "operator": "gte", "value": 18},
            {
                "op": "or",
                "conditions": [
                    {"field": "domicile_local", "operator": "is", "value": True},
                    {"field": "origin_province", "operator": "in", "value": ["35"]},
                ],
            },
        ],
    }
    cycle = make_cycle(make_programme(rule=rule))
    assert set(selectors.eligible(cycle)) == {residents["local"]}
    explained = {p.pk: e for p, e in selectors.explain(cycle, selectors.preview_rows(cycle, show="all"))}
    reason = explained[residents["other"].pk].reason
    assert reason.startswith("tidak memenuhi satu pun dari: Berasal dari Kabupaten Kupang, bukan Kota Kupang")
    assert reason.endswith("Provinsi asal: Nusa Tenggara Timur — syarat: Provinsi asal salah satu dari Jawa Timur")
    first_of_group = explained[residents["local"].pk].checks[1].children[0]
    assert first_of_group.ok and first_of_group.text.startswith("Berdomisili di Kota Kupang")


def test_eligible_and_not_eligible_lists_are_exact_complements(residents, make_programme, make_cycle):
    """Unknown values (no origin, no case) never make a condition NULL: a person is on exactly one list."""
    rule = {
        "op": "or",
        "conditions": [
            {"field": "domicile_local", "operator": "is", "value": False},
            {"field": "pathway", "operator": "ne", "value": "repatriation"},
        ],
    }
    cycle = make_cycle(make_programme(rule=rule))
    eligible = set(selectors.preview_rows(cycle, show="eligible"))
    not_eligible = set(selectors.preview_rows(cycle, show="not_eligible"))
    assert eligible == {residents["other"]}
    assert not_eligible == set(residents.values()) - eligible
    for person, explanation in selectors.explain(cycle, selectors.preview_rows(cycle, show="all")):
        assert explanation.eligible == (person in eligible)


# --- Preview against the budget, proposal, approval --------------------------------------------------


@pytest.fixture
def kemensos_package(make_line, make_programme, make_cycle):
    """APBN via Kemensos: Rp 5.050.000 per adult, in components, on a line that pays for three people."""
    line = make_line("15150000", code="APBN.KEMENSOS", name="Bantuan Kemensos", source=FundingSource.APBN_KEMENSOS)
    programme = make_programme(
        line=line,
        name="Paket bantuan Kemensos",
        amount="5050000",
        components=[
            {"label": "Jaminan hidup 3 bulan", "amount": "1800000.00"},
            {"label": "Usaha ekonomi produktif (UEP)", "amount": "3000000.00"},
            {"label": "Transport pulang", "amount": "250000.00"},
        ],
        rule={"op": "and", "conditions": [{"field": "age", "operator": "gte", "value": 18}]},
    )
    return make_cycle(programme)


def test_preview_shows_the_total_against_what_is_left(residents, kemensos_package, make_person):
    preview = selectors.preview(kemensos_package)
    assert (preview.people, preview.total, preview.remaining) == (3, RP("15150000"), RP("15150000"))
    assert preview.fits and preview.population == 4
    make_person("Dewi", origin_regency="35.06", birth_year=1985)
    preview = selectors.preview(kemensos_package)
    assert (preview.people, preview.total, preview.shortfall) == (4, RP("20200000"), RP("5050000"))
    assert not preview.fits


def test_a_proposal_beyond_the_remaining_budget_is_refused(residents, kemensos_package, make_person, worker):
    make_person("Dewi", origin_regency="35.06", birth_year=1985)
    with pytest.raises(ValidationError, match=r"melebihi sisa anggaran Rp15\.150\.000,00"):
        services.run_propose(actor=worker, cycle=kemensos_package)


def test_components_must_add_up_to_the_amount(make_programme):
    with pytest.raises(ValidationError) as excinfo:
        make_programme(amount="5050000", components=[{"label": "UEP", "amount": "3000000.00"}])
    assert "Jumlah rincian Rp3.000.000,00 tidak sama dengan jumlah per orang Rp5.050.000,00" in str(excinfo.value)


def test_the_proposer_cannot_approve_and_only_the_head_of_dinsos_can(
    residents, kemensos_package, users, kadis, make_user
):
    run = services.run_propose(actor=kadis, cycle=kemensos_package)
    with pytest.raises(ValidationError, match="persetujuan harus oleh pejabat lain"):
        services.run_approve(actor=kadis, run=run)
    for role in (Role.CASE_WORKER, Role.FINANCE_OFFICER, Role.PROVINCE_OFFICER):
        with pytest.raises(PermissionDenied):
            services.run_approve(actor=users[role], run=run)
    other_head = users[Role.HEAD_OF_DINSOS].__class__.objects.create_user(
        username="kadis_kedua",
        password=None,
        organisation=kadis.organisation,
        role=Role.HEAD_OF_DINSOS,
        region_id="53.71",
    )
    run = services.run_approve(actor=other_head, run=run)
    assert run.status == RunStatus.APPROVED
    assert ledger.line_figures(run.budget_line).committed == RP("15150000")
    assert set(run.entitlements.values_list("status", flat=True)) == {EntitlementStatus.APPROVED}


def test_approval_page_tells_the_proposer_someone_else_must_approve(residents, kemensos_package, kadis, login):
    run = services.run_propose(actor=kadis, cycle=kemensos_package)
    page = login(kadis).get(reverse("assistance:run_detail", kwargs={"pk": run.pk})).content.decode()
    assert "Anda yang mengusulkan" in page
    response = login(kadis).post(reverse("assistance:run_approve", kwargs={"pk": run.pk}), follow=True)
    assert "persetujuan harus oleh pejabat lain" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED


@pytest.fixture
def approved_run(residents, kemensos_package, worker, kadis):
    run = services.run_propose(actor=worker, cycle=kemensos_package)
    return services.run_approve(actor=kadis, run=run)


def test_only_the_finance_officer_disburses(approved_run, users, finance):
    entitlement = approved_run.entitlements.first()
    for role in (Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.PROVINCE_OFFICER, Role.KEMENSOS_ANALYST):
        with pytest.raises(PermissionDenied):
            services.entitlements_disburse(
                actor=users[role], entitlements=[entitlement], method="cash", paid_on=dt.date(2019, 3, 1)
            )
    with pytest.raises(ValidationError, match="nomor referensi"):
        services.entitlements_disburse(
            actor=finance, entitlements=[entitlement], method="transfer", paid_on=dt.date(2019, 3, 1)
        )
    [paid] = services.entitlements_disburse(
        actor=finance, entitlements=[entitlement], method="transfer", reference="SP2D-0042", paid_on=dt.date(2019, 3, 1)
    )
    assert paid.status == EntitlementStatus.DISBURSED and paid.receipt_number.endswith("/00001")
    figures = ledger.line_figures(approved_run.budget_line)
    assert (figures.committed, figures.disbursed, figures.remaining) == (RP("10100000"), RP("5050000"), RP("0"))
    with pytest.raises(ValidationError, match="tidak dapat dibayar"):
        services.entitlements_disburse(actor=finance, entitlements=[paid], method="cash", paid_on=dt.date(2019, 3, 2))
    assert LedgerEntry.objects.filter(entitlement=paid, kind=LedgerKind.DISBURSE).count() == 1


def test_receipt_pdf_says_the_amount_in_numerals_and_in_words(approved_run, finance, login):
    from pypdf import PdfReader

    entitlement = approved_run.entitlements.order_by("person__case_code").first()
    services.entitlements_disburse(
        actor=finance, entitlements=[entitlement], method="cash", paid_on=dt.date(2019, 3, 15)
    )
    response = login(finance).get(reverse("assistance:receipt", kwargs={"pk": entitlement.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "KUITANSI" in text
    assert "Rp5.050.000,00" in text
    assert "Lima juta lima puluh ribu rupiah" in text
    assert "Jaminan hidup 3 bulan: Rp1.800.000,00" in text
    assert "Maria Seran" in text or "Sri Rahayu" in text  # the payee signs under her own name
    assert "Kota Kupang, 15 Maret 2019" in text
    assert entitlement.person.case_code in text
    assert AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY, object_id=str(entitlement.person.pk)).exists()


def test_the_head_of_dinsos_cannot_print_a_receipt_or_see_names(approved_run, kadis, login):
    entitlement = approved_run.entitlements.first()
    client = login(kadis)
    assert client.get(reverse("assistance:receipt", kwargs={"pk": entitlement.pk})).status_code == 403
    assert client.get(reverse("assistance:entitlement_disburse", kwargs={"pk": entitlement.pk})).status_code == 403


def test_finance_sees_the_name_to_pay_and_nothing_of_the_case(approved_run, finance, login, make_case):
    entitlement = approved_run.entitlements.select_related("person").first()
    client = login(finance)
    page = client.get(reverse("assistance:entitlement_disburse", kwargs={"pk": entitlement.pk})).content.decode()
    from people.identity import unseal

    assert unseal(entitlement.person.identity_ciphertext).full_name in page
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY, actor=finance).exists()
    # The case file stays closed to the finance officer.
    case = make_case(entitlement.person)
    assert client.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 403
    preview = reverse("assistance:cycle_preview", kwargs={"pk": approved_run.cycle_id})
    assert client.get(preview).status_code == 403


def _pay(finance, entitlements, *, on=dt.date(2019, 3, 1)):
    return services.entitlements_disburse(actor=finance, entitlements=list(entitlements), method="cash", paid_on=on)


# --- Never paid twice ------------------------------------------------------------------------------


def test_the_same_person_is_never_proposed_twice_in_a_cycle(approved_run, worker, make_person):
    with pytest.raises(ValidationError, match="Tidak ada orang yang memenuhi syarat"):
        services.run_propose(actor=worker, cycle=approved_run.cycle)
    person = approved_run.entitlements.first().person
    cycle = approved_run.cycle
    explained = {p.pk: e for p, e in selectors.explain(cycle, selectors.preview_rows(cycle, show="all"))}
    assert explained[person.pk].reason == "Sudah diusulkan atau menerima bantuan ini pada siklus ini"
    # And the database refuses it even if the check were bypassed.
    from django.db import IntegrityError, transaction

    existing = Entitlement.objects.get(run=approved_run, person=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(
            run=approved_run,
            cycle=cycle,
            programme=approved_run.programme,
            budget_line=approved_run.budget_line,
            person=person,
            identity_key=f"p{person.pk}-other",
            site=existing.site,
            amount=RP("1"),
            scope_region_code="53.71",
        )


def test_the_same_nik_at_two_sites_is_paid_once(make_person, make_site, make_programme, make_cycle, worker):
    kukar_like = make_site("Lokalisasi Lain", short_code="LL")
    nik = "5371014107900001"
    first = make_person("Maria Seran", nik=nik, birth_year=1990, origin_regency="53.71")
    second = make_person("Maria S.", nik=nik, birth_year=1990, origin_regency="53.71", site=kukar_like)
    assert first.nik_hash == second.nik_hash != ""
    cycle = make_cycle(make_programme(rule=LOCAL_ADULTS))
    assert selectors.preview(cycle).people == 1
    run = services.run_propose(actor=worker, cycle=cycle)
    assert list(run.entitlements.values_list("person", flat=True)) == [first.pk]
    # A later run in the same cycle does not pick up the other record either.
    with pytest.raises(ValidationError, match="Tidak ada orang"):
        services.run_propose(actor=worker, cycle=cycle)


def test_a_resolved_duplicate_without_nik_is_paid_once(monkeypatch, make_person, make_programme, make_cycle, worker):
    first = make_person("Maria Seran", birth_year=1990, origin_regency="53.71")
    second = make_person("Mery Seran", birth_year=1990, origin_regency="53.71")
    third = make_person("Maria Seran", birth_year=1990, origin_regency="53.71")
    from assistance import duplicates

    calls = []

    def groups():
        calls.append(1)
        return [{first.pk, second.pk}]

    monkeypatch.setattr(duplicates, "groups", groups)
    cycle = make_cycle(make_programme(rule=LOCAL_ADULTS))
    run = services.run_propose(actor=worker, cycle=cycle)
    assert set(run.entitlements.values_list("person", flat=True)) == {first.pk, third.pk}
    assert len(calls) == 1  # one look-up for the whole run, not one per person
    # Merged later with the third record, which is paid already: the second stays out too.
    services.entitlement_cancel(
        actor=worker, entitlement=run.entitlements.get(person=first), reason="Dicatat ganda, dibayar lewat 0003"
    )
    monkeypatch.setattr(duplicates, "groups", lambda: [{first.pk, second.pk, third.pk}])
    with pytest.raises(ValidationError, match="Tidak ada orang"):
        services.run_propose(actor=worker, cycle=cycle)


def test_a_pair_decided_same_in_the_review_queue_is_paid_once(make_person, make_programme, make_cycle, worker):
    from matching.models import CandidateStatus, MatchCandidate
    from matching.services import decide, undo

    first = make_person("Maria Seran", birth_year=1990, origin_regency="53.71")
    second = make_person("Mery Seran", birth_year=1990, origin_regency="53.71")
    pair = MatchCandidate.objects.create(
        person_a=first, person_b=second, score=0.9, status=CandidateStatus.NEEDS_REVIEW
    )
    decide(pair, "same", actor=worker)
    cycle = make_cycle(make_programme(rule=LOCAL_ADULTS))
    run = services.run_propose(actor=worker, cycle=cycle)
    assert set(run.entitlements.values_list("person", flat=True)) == {first.pk}
    # Undone: the second record is a person of her own again and may be proposed.
    undo(pair, actor=worker)
    again = services.run_propose(actor=worker, cycle=cycle)
    assert set(again.entitlements.values_list("person", flat=True)) == {second.pk}


def test_skipped_records_of_resolved_duplicates():
    from assistance.duplicates import skipped_for_cycle

    assert skipped_for_cycle([{1, 2, 3}], holding=set(), eligible={2, 3}) == {1, 3}
    assert skipped_for_cycle([{1, 2, 3}], holding={3}, eligible={1, 2}) == {1, 2}
    assert skipped_for_cycle([{1, 2}], holding=set(), eligible=set()) == {1, 2}


def test_cancelled_entitlement_releases_money_and_frees_the_place(approved_run, kadis, worker):
    entitlement = approved_run.entitlements.first()
    with pytest.raises(PermissionDenied):
        services.entitlement_cancel(actor=worker, entitlement=entitlement, reason="Pindah ke luar kota")
    services.entitlement_cancel(actor=kadis, entitlement=entitlement, reason="Pindah ke luar kota")
    assert ledger.line_figures(approved_run.budget_line).remaining == RP("5050000")
    run = services.run_propose(actor=worker, cycle=approved_run.cycle)
    assert run.people_count == 1


def test_reversal_is_a_negative_entry_that_restores_the_balance(approved_run, finance):
    entitlement = approved_run.entitlements.first()
    _pay(finance, [entitlement])
    before = ledger.line_figures(approved_run.budget_line)
    services.entitlement_reverse(actor=finance, entitlement=entitlement, reason="Transfer ditolak bank")
    after = ledger.line_figures(approved_run.budget_line)
    assert after.remaining - before.remaining == RP("5050000")
    assert after.disbursed == before.disbursed - RP("5050000")
    entry = LedgerEntry.objects.get(entitlement=entitlement, kind=LedgerKind.REVERSE)
    assert entry.amount == RP("-5050000") and entry.note == "Transfer ditolak bank"
    assert LedgerEntry.objects.filter(entitlement=entitlement).count() == 3  # commit, disburse, reverse


# --- The ledger: append-only, reconciled ------------------------------------------------------------


def test_ledger_entries_cannot_be_changed_or_deleted(approved_run):
    entry = LedgerEntry.objects.first()
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    from django.db import DatabaseError, transaction

    for sql in ("UPDATE assistance_ledgerentry SET amount = 1", "DELETE FROM assistance_ledgerentry"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def _reconcile() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("reconcile_budget", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_reconciliation_passes_and_then_detects_tampering(approved_run, finance):
    services.entitlements_disburse(
        actor=finance,
        entitlements=list(approved_run.entitlements.all()[:1]),
        method="cash",
        paid_on=dt.date(2019, 3, 1),
    )
    out, _ = _reconcile()
    assert "Semua cocok" in out and "sisa Rp0,00" in out
    paid = approved_run.entitlements.get(status=EntitlementStatus.DISBURSED)
    # Someone lowers an entitlement's amount behind Pulih's back (the ledger is untouched).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE assistance_entitlement SET amount = 5000000 WHERE id = %s", [paid.pk])
    with pytest.raises(CommandError, match="selisih"):
        _reconcile()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_budget", stdout=out, stderr=err)
    assert f"Hak #{paid.pk} ({paid.person.case_code}) berstatus dibayarkan Rp5.000.000,00" in err.getvalue()
    assert "Jumlah per mata anggaran" in err.getvalue() and "Jumlah per program" in err.getvalue()


def test_reconciliation_detects_an_entry_inserted_outside_pulih(approved_run, kadis):
    entitlement = approved_run.entitlements.first()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO assistance_ledgerentry (kind, amount, budget_line_id, programme_id, site_id, person_id,"
            " entitlement_id, actor_id, at, value_date, note, scope_region_code)"
            " VALUES ('disburse', 5050000, %s, %s, %s, %s, %s, %s, %s, '2019-03-01', '', '53.71')",
            [
                entitlement.budget_line_id,
                entitlement.programme_id,
                entitlement.site_id,
                entitlement.person_id,
                entitlement.pk,
                kadis.pk,
                dt.datetime(2019, 3, 1, tzinfo=dt.UTC),
            ],
        )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_budget", stdout=out, stderr=err)
    assert (
        "berstatus disetujui Rp5.050.000,00, tetapi buku kas mencatat komitmen Rp0,00 dan pembayaran" in err.getvalue()
    )


# --- Never overspent: parallel approvals on PostgreSQL --------------------------------------------------


def _single_runs(programme, people, *, proposer) -> list:
    """One proposed run of one person per cycle (set up directly: the race is in the approval)."""
    from django.utils import timezone

    from assistance.models import Cycle, EntitlementRun

    runs = []
    for i, person in enumerate(people):
        cycle = Cycle.objects.create(
            programme=programme, name=f"Tahap {i + 1}", starts_on=dt.date(2019, 1, 1), ends_on=dt.date(2019, 12, 31)
        )
        run = EntitlementRun.objects.create(
            cycle=cycle,
            programme=programme,
            budget_line=programme.budget_line,
            people_count=1,
            total_amount=programme.amount,
            proposed_at=timezone.now(),
            proposed_by=proposer,
            scope_region_code="53.71",
        )
        Entitlement.objects.create(
            run=run,
            cycle=cycle,
            programme=programme,
            budget_line=programme.budget_line,
            person=person,
            identity_key=f"p{person.pk}",
            site=person.registered_site,
            amount=programme.amount,
            scope_region_code="53.71",
        )
        runs.append(run)
    return runs


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises writers)")
@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_end_exactly_at_the_limit(make_person, make_line, make_programme, kadis, worker):
    import threading

    from django.db import connections

    line = make_line("25250000")  # exactly five packages of Rp 5.050.000
    programme = make_programme(line=line, amount="5050000")
    runs = _single_runs(programme, [make_person(f"Orang {i}") for i in range(8)], proposer=worker)
    barrier = threading.Barrier(len(runs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(run) -> None:
        try:
            barrier.wait(timeout=30)
            services.run_approve(actor=kadis, run=run)
            outcome = "approved"
        except ValidationError as exc:
            outcome = "refused: " + " ".join(exc.messages)
        finally:
            connections.close_all()  # each thread has its own connection: close it here
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=approve, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 8
    assert outcomes.count("approved") == 5, outcomes
    assert all("tidak cukup" in o for o in outcomes if o != "approved")
    figures = ledger.line_figures(line)
    assert (figures.committed, figures.remaining) == (RP("25250000"), RP("0"))
    assert LedgerEntry.objects.filter(kind=LedgerKind.COMMIT).count() == 5
    out, _ = _reconcile()
    assert "Semua cocok" in out


# --- Scope, pages, exports ------------------------------------------------------------------------


def test_a_user_from_another_region_gets_404(approved_run, make_user, orgs, login):
    kukar = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")
    client = login(kukar)
    entitlement = approved_run.entitlements.first()
    for name, pk in (
        ("assistance:budget_detail", approved_run.budget_line_id),
        ("assistance:programme_detail", approved_run.programme_id),
        ("assistance:cycle_preview", approved_run.cycle_id),
        ("assistance:run_detail", approved_run.pk),
        ("assistance:entitlement_detail", entitlement.pk),
    ):
        assert client.get(reverse(name, kwargs={"pk": pk})).status_code == 404, name
    assert client.post(reverse("assistance:run_approve", kwargs={"pk": approved_run.pk})).status_code == 404
    assert "Bantuan Kemensos" not in client.get(reverse("assistance:index")).content.decode()


def test_finance_report_xlsx_reads_back_the_figures(approved_run, finance, login):
    from openpyxl import load_workbook

    services.entitlements_disburse(
        actor=finance,
        entitlements=list(approved_run.entitlements.all()[:2]),
        method="cash",
        paid_on=dt.date(2019, 3, 1),
    )
    response = login(finance).get(reverse("assistance:report_export") + "?fiscal_year=2019")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Mata anggaran", "Program bantuan", "Lokalisasi", "Provinsi asal"]
    lines = list(workbook["Mata anggaran"].iter_rows(values_only=True))
    assert lines[0][:3] == ("Mata anggaran", "Komitmen (belum dibayar)", "Dibayarkan")
    row = next(r for r in lines if str(r[0]).startswith("APBN.KEMENSOS"))
    assert row[1:7] == (5050000, 10100000, 2, 1, 15150000, 0)
    programmes = {r[0]: r for r in workbook["Program bantuan"].iter_rows(values_only=True)}
    assert programmes["Paket bantuan Kemensos"][2] == 10100000
    origins = {r[0]: r for r in workbook["Provinsi asal"].iter_rows(values_only=True)}
    assert origins["Nusa Tenggara Timur"][3] == 2  # both paid come from NTT
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_type="assistance.report").exists()


def test_the_kemensos_analyst_sees_aggregates_with_small_cells_coarsened(approved_run, finance, users, login):
    services.entitlements_disburse(
        actor=finance,
        entitlements=list(approved_run.entitlements.all()[:2]),
        method="cash",
        paid_on=dt.date(2019, 3, 1),
    )
    client = login(users[Role.KEMENSOS_ANALYST])
    page = client.get(reverse("assistance:report") + "?by=site").content.decode()
    assert "Karang Dempel" in page and "&lt;5" in page
    from assistance.reports import finance_report

    [site_row] = finance_report(users[Role.KEMENSOS_ANALYST], by="site").rows
    # 2 paid, 1 waiting: counts coarsened, and the per-site amounts (which would give them back) withheld.
    assert (site_row.paid_people, site_row.waiting_people, site_row.disbursed) == (None, None, None)
    [team_row] = finance_report(finance, by="site").rows
    assert (team_row.paid_people, team_row.disbursed) == (2, RP("10100000"))
    assert client.get(reverse("assistance:run_detail", kwargs={"pk": approved_run.pk})).status_code == 403
    by_line = client.get(reverse("assistance:report")).content.decode()
    assert "Rp10.100.000" in by_line  # budget realisation per line is public finance


def test_payment_list_has_names_and_audits_each_one(approved_run, finance, login):
    from openpyxl import load_workbook

    response = login(finance).get(reverse("assistance:run_payment_list", kwargs={"pk": approved_run.pk}))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    names = {r[2] for r in rows[2:]}
    assert "Maria Seran" in names and "Sri Rahayu" in names
    assert AuditEvent.objects.filter(action=Action.EXPORT_IDENTITY, actor=finance).count() == 3


def test_pages_use_a_bounded_number_of_queries(
    approved_run, make_person, kadis, worker, finance, login, django_assert_max_num_queries
):
    for i in range(30):
        make_person(f"Warga {i}", origin_regency="53.71", birth_year=1980 + i % 20)
    client = login(kadis)
    pages = [
        reverse("assistance:index"),
        reverse("assistance:report") + "?by=origin",
        reverse("assistance:budget_detail", kwargs={"pk": approved_run.budget_line_id}),
        reverse("assistance:budget_ledger", kwargs={"pk": approved_run.budget_line_id}),
        reverse("assistance:programme_detail", kwargs={"pk": approved_run.programme_id}),
        reverse("assistance:cycle_preview", kwargs={"pk": approved_run.cycle_id}) + "?show=all",
        reverse("assistance:run_detail", kwargs={"pk": approved_run.pk}),
    ]
    for url in pages:
        # A constant: 30 more people change nothing (PostgreSQL adds 3 for the JIT-off savepoint).
        with django_assert_max_num_queries(18):
            assert client.get(url).status_code == 200, url


# --- Pages: rules written without code, the whole flow through the views ----------------------------------


def test_rules_are_written_as_rows_and_saved_as_a_rule(make_programme, kadis, login):
    programme = make_programme()
    client = login(kadis)
    url = reverse("assistance:programme_rules", kwargs={"pk": programme.pk})
    assert client.get(url).status_code == 200
    data = {
        "op": "and",
        "c-TOTAL_FORMS": "3",
        "c-INITIAL_FORMS": "0",
        "c-0-field": "domicile_local",
        "c-0-operator": "is",
        "c-0-value": "true",
        "c-1-field": "pathway",
        "c-1-operator": "in",
        "c-1-value": ["local_empowerment", "rehab_centre"],
        "c-2-field": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.eligibility == {
        "op": "and",
        "conditions": [
            {"field": "domicile_local", "operator": "is", "value": True},
            {"field": "pathway", "operator": "in", "value": ["local_empowerment", "rehab_centre"]},
        ],
    }
    detail = client.get(reverse("assistance:programme_detail", kwargs={"pk": programme.pk})).content.decode()
    assert "Berdomisili di kabupaten/kota lokalisasi" in detail
    assert "Jalur kasus salah satu dari Pemberdayaan di daerah setempat, Rehabilitasi di UPT/balai provinsi" in detail
    # A wrong row keeps what was typed and says what is wrong.
    data |= {"c-0-field": "age", "c-0-operator": "is", "c-0-value": "18"}
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Syarat 1 (Umur): operator “adalah” tidak berlaku" in page
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(programme.pk)).exists()


def test_a_rule_row_is_re_rendered_for_its_field(kadis, login):
    client = login(kadis)
    row = client.get(reverse("assistance:rule_row"), {"prefix": "c-4", "c-4-field": "pathway", "c-4-operator": "in"})
    html = row.content.decode()
    assert 'type="checkbox"' in html and "Pemulangan ke daerah asal" in html and 'name="c-4-value"' in html
    row = client.get(reverse("assistance:rule_row"), {"prefix": "c-4", "c-4-field": "age"})
    assert 'type="number"' in row.content.decode()
    assert client.get(reverse("assistance:rule_row"), {"prefix": "x;drop"}).status_code == 404


def test_the_whole_flow_through_the_pages(residents, make_line, kadis, worker, finance, login, users, orgs):
    client = login(finance)
    response = client.post(
        reverse("assistance:budget_create"),
        {
            "owner_organisation": orgs["dinsos_kupang"].pk,
            "fiscal_year": 2019,
            "source": FundingSource.APBD_REGENCY,
            "code": "5.1.02.99",
            "name": "Dana PEM",
            "amount": "10000000",
        },
    )
    assert response.status_code == 302
    from assistance.models import AssistanceProgramme, BudgetLine, Cycle

    line = BudgetLine.objects.get(code="5.1.02.99")
    client = login(kadis)
    response = client.post(
        reverse("assistance:programme_create"),
        {"name": "Dana PEM Kota Kupang 2019", "budget_line": line.pk, "amount_rule": "fixed", "amount": "5000000",
         "is_active": "on"},
    )  # fmt: skip
    programme = AssistanceProgramme.objects.get(name="Dana PEM Kota Kupang 2019")
    assert response.url == reverse("assistance:programme_rules", kwargs={"pk": programme.pk})
    services.programme_set_rule(actor=kadis, programme=programme, rule=LOCAL_ADULTS)
    client.post(
        reverse("assistance:cycle_create", kwargs={"pk": programme.pk}),
        {"name": "2019", "starts_on": "2019-01-01", "ends_on": "2019-12-31"},
    )
    cycle = Cycle.objects.get(programme=programme)

    client = login(worker)
    preview = client.get(reverse("assistance:cycle_preview", kwargs={"pk": cycle.pk}) + "?show=all").content.decode()
    assert "Usulkan 1 orang (Rp5.000.000)" in preview
    assert "Berasal dari Kabupaten Kupang, bukan Kota Kupang" in preview
    response = client.post(reverse("assistance:run_propose", kwargs={"pk": cycle.pk}))
    run = cycle.runs.get()
    assert response.url == reverse("assistance:run_detail", kwargs={"pk": run.pk})

    client = login(kadis)
    client.post(reverse("assistance:run_approve", kwargs={"pk": run.pk}))
    run.refresh_from_db()
    assert run.status == RunStatus.APPROVED and run.approved_by == kadis

    client = login(finance)
    response = client.post(
        reverse("assistance:run_disburse", kwargs={"pk": run.pk}), {"method": "cash", "paid_on": "2019-02-15"}
    )
    assert response.status_code == 302
    entitlement = run.entitlements.get()
    assert entitlement.status == EntitlementStatus.DISBURSED and entitlement.paid_on == dt.date(2019, 2, 15)
    page = client.get(reverse("assistance:budget_detail", kwargs={"pk": line.pk})).content.decode()
    assert "Rp5.000.000" in page  # disbursed, and remaining
    response = client.post(
        reverse("assistance:entitlement_reverse", kwargs={"pk": entitlement.pk}), {"reason": "Uang dikembalikan"}
    )
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.REVERSED
    assert ledger.line_figures(line).remaining == RP("10000000")


# --- The demo --------------------------------------------------------------------------------------


def test_the_demo_evaluates_the_kupang_rules(regions):
    from assistance.models import AssistanceProgramme
    from demo.assistance import seed_assistance
    from demo.scenario import load_scenario, seed_organisations

    load_scenario()
    seed_assistance(seed_organisations())

    pem = AssistanceProgramme.objects.get(name="Dana PEM Kota Kupang 2019")
    paid = Entitlement.objects.filter(programme=pem)
    assert paid.count() == 3 and {e.person.origin_regency_id for e in paid} == {"53.71"}
    assert set(paid.values_list("status", flat=True)) == {EntitlementStatus.DISBURSED}
    cycle = pem.cycles.get()
    not_eligible = selectors.explain(cycle, selectors.preview_rows(cycle, show="not_eligible"))
    assert len(not_eligible) >= 140
    assert all(
        "bukan Kota Kupang" in e.reason or "Sudah diusulkan" in e.reason or "tidak diketahui" in e.reason
        for _, e in not_eligible
    )

    transport = AssistanceProgramme.objects.get(name="Transport pemulangan")
    assert transport.budget_line.amount == RP("300000000")
    going_home = Case.objects.filter(pathway=Pathway.REPATRIATION, status="open").values_list("person", flat=True)
    transported = Entitlement.objects.filter(programme=transport)
    assert set(transported.values_list("person", flat=True)) == set(going_home) and transported.count() == 54
    assert all(e.amount <= RP("1500000") for e in transported)

    kemensos = AssistanceProgramme.objects.get(name__startswith="Paket bantuan Kemensos")
    statuses = list(Entitlement.objects.filter(programme=kemensos).values_list("status", flat=True))
    assert statuses.count(EntitlementStatus.DISBURSED) == 40 and EntitlementStatus.APPROVED in statuses
    assert {e.amount for e in Entitlement.objects.filter(programme=kemensos)} == {RP("5050000")}

    out, _ = _reconcile()
    assert "Semua cocok" in out
    # Idempotent.
    before = LedgerEntry.objects.count()
    seed_assistance(seed_organisations())
    assert LedgerEntry.objects.count() == before
