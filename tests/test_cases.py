"""Case management: opening a case (and the forced child/trafficking pathway with its alert and
referral deadline), the caseload's order, edits without lost updates, reassignment, versioned
assessments with encrypted narrative, plans, services, follow-ups, moving a case's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access import policy
from accounts.models import Role
from audit.models import Action, AuditEvent
from cases import rules, services
from cases.models import (
    Assessment,
    Case,
    CaseNote,
    CasePlan,
    CaseStatus,
    FollowUp,
    FollowUpOutcome,
    Pathway,
    Referral,
    Service,
    ServiceKind,
    ServiceStatus,
    Stage,
)
from cases.narrative import seal_text, unseal_text
from people.models import AlertKind, SafeguardingAlert
from people.services import raise_safeguarding_alerts

TODAY = timezone.localdate()


def detail_url(case: Case) -> str:
    return reverse("cases:detail", kwargs={"pk": case.pk})


def edit_url(case: Case) -> str:
    return reverse("cases:edit", kwargs={"pk": case.pk})


def open_url(person) -> str:
    return reverse("cases:open", kwargs={"case_code": person.case_code})


@pytest.fixture
def worker(users):
    return users[Role.CASE_WORKER]


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def other_worker(make_user):
    return make_user(Role.CASE_WORKER, username="peksos_dua", first_name="Maria", last_name="Bere")


@pytest.fixture
def kukar_worker(make_user, orgs):
    return make_user(Role.CASE_WORKER, organisation=orgs["dinsos_kukar"], region="64.02", username="peksos_kukar")


@pytest.fixture
def child(make_person):
    # Born 10 years ago: a child whatever day the test runs.
    return make_person("Ani", birth_date=TODAY.replace(year=TODAY.year - 10, day=1), origin_regency="53.71")


@pytest.fixture
def flagged(make_person):
    return make_person("Wati", origin_regency="35.06", trafficking_indicators=["debt_bondage"])


def open_data(orgs, worker, kadis, **overrides) -> dict:
    data = {
        "responsible_organisation": orgs["dinsos_kupang"].pk,
        "case_worker": worker.pk,
        "supervisor": kadis.pk,
        "opened_on": TODAY.isoformat(),
    }
    data.update(overrides)
    return data


# --- Opening -------------------------------------------------------------------------------------------


def test_open_case_from_the_person_page(login, make_person, orgs, worker, kadis):
    person = make_person(origin_regency="35.06")
    client = login(worker)
    page = client.get(open_url(person))
    assert page.status_code == 200
    # Defaults: the user's own Dinsos, the user as worker, the only head as supervisor.
    form = page.context["form"]
    assert form.initial["responsible_organisation"] == orgs["dinsos_kupang"].pk
    assert form.initial["case_worker"] == worker.pk
    assert form.initial["supervisor"] == kadis.pk

    response = client.post(open_url(person), open_data(orgs, worker, kadis))
    case = Case.objects.get(person=person)
    assert response.status_code == 302 and response.url == detail_url(case)
    assert case.number == f"{person.case_code}/1"
    assert case.status == CaseStatus.OPEN and case.stage == Stage.FIRST_APPROACH
    assert case.case_worker == worker and case.supervisor == kadis
    assert case.scope_region_code == "53.71" and case.stage_changed_on == TODAY
    # Not a child, no flag: no plan, no pathway, no required referral.
    assert case.pathway == "" and not case.plans.exists() and case.required_referral_kind == ""
    assert CaseNote.objects.filter(case=case, kind="opened").exists()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="cases.case", object_id=str(case.pk)).exists()


def test_second_open_case_is_refused(login, make_person, orgs, worker, kadis):
    person = make_person()
    first = services.case_open(actor=worker, person=person, responsible_organisation=orgs["dinsos_kupang"])
    with pytest.raises(ValidationError, match="sudah memiliki kasus aktif"):
        services.case_open(actor=worker, person=person, responsible_organisation=orgs["dinsos_kupang"])
    # The page sends the user to the open case instead of a second form.
    response = login(worker).get(open_url(person))
    assert response.status_code == 302 and response.url == detail_url(first)
    assert Case.objects.filter(person=person).count() == 1


def test_open_refuses_worker_of_another_organisation(login, make_person, orgs, kadis, kukar_worker, worker):
    person = make_person()
    response = login(worker).post(open_url(person), open_data(orgs, kukar_worker, kadis))
    assert response.status_code == 200
    assert "case_worker" in response.context["form"].errors
    assert not Case.objects.filter(person=person).exists()


def test_open_outside_scope_is_not_found(login, make_person, kukar_worker):
    person = make_person()
    assert login(kukar_worker).get(open_url(person)).status_code == 404
    with pytest.raises(PermissionDenied):
        services.case_open(actor=kukar_worker, person=person, responsible_organisation=kukar_worker.organisation)


def test_child_forces_child_protection_alert_and_referral_deadline(login, child, orgs, worker, kadis):
    client = login(worker)
    page = client.get(open_url(child))
    assert rules.forced_pathway(child).reason in page.content.decode()
    client.post(open_url(child), open_data(orgs, worker, kadis))
    case = Case.objects.get(person=child)
    assert case.pathway == Pathway.CHILD_PROTECTION
    plan = case.plans.get()
    assert plan.version == 1 and plan.pathway == Pathway.CHILD_PROTECTION and "18 tahun" in plan.forced_reason
    assert case.required_referral_kind == ServiceKind.CHILD_PROTECTION
    assert case.required_referral_by == TODAY + dt.timedelta(days=rules.CHILD_REFERRAL_DAYS)
    assert (
        SafeguardingAlert.objects.filter(person=child, kind=AlertKind.CHILD, acknowledged_at__isnull=True).count() == 1
    )
    assert CaseNote.objects.filter(case=case, kind="plan").exists()


def test_trafficking_flag_forces_services_and_referral_within_7_days(login, flagged, orgs, worker, kadis):
    opened = TODAY - dt.timedelta(days=2)
    client = login(worker)
    client.post(open_url(flagged), open_data(orgs, worker, kadis, opened_on=opened.isoformat()))
    case = Case.objects.get(person=flagged)
    assert rules.TRAFFICKING_REFERRAL_DAYS == 7
    assert case.pathway == Pathway.TRAFFICKING_SERVICES
    assert case.plans.get().forced_reason
    assert case.required_referral_kind == ServiceKind.TRAFFICKING_VICTIM
    assert case.required_referral_by == opened + dt.timedelta(days=7)
    assert SafeguardingAlert.objects.filter(person=flagged, kind=AlertKind.TRAFFICKING).count() == 1

    # The case page says what is due until a referral of that kind exists.
    due_text = f"Rujukan wajib sebelum {(opened + dt.timedelta(days=7)).day}"
    content = client.get(detail_url(case)).content.decode()
    assert 'data-testid="required-referral"' in content and due_text in content
    # A referral of another kind does not count; one of the matching kind does.
    referral = {
        "case": case,
        "kind": "referral",
        "from_organisation": orgs["dinsos_kupang"],
        "to_organisation": orgs["lks_kupang"],
        "reason": "uji",
        "consent_basis": "override",
        "created_by": worker,
    }
    Referral.objects.create(service_kind=ServiceKind.LEGAL_AID, **referral)
    assert 'data-testid="required-referral"' in client.get(detail_url(case)).content.decode()
    Referral.objects.create(service_kind=ServiceKind.TRAFFICKING_VICTIM, **referral)
    assert 'data-testid="required-referral"' not in client.get(detail_url(case)).content.decode()


def test_an_open_alert_is_not_raised_twice(flagged, orgs, worker, kadis):
    raise_safeguarding_alerts(flagged, actor=kadis)
    services.case_open(actor=worker, person=flagged, responsible_organisation=orgs["dinsos_kupang"], supervisor=kadis)
    assert SafeguardingAlert.objects.filter(person=flagged).count() == 1


# --- Plan ------------------------------------------------------------------------------------------------


def plan_data(pathway: str, rows=(), **extra) -> dict:
    data = {
        "pathway": pathway,
        "goals": "Pulang dan bekerja",
        "services-TOTAL_FORMS": "3",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"services-{i}-{key}"] = value
    data.update(extra)
    return data


def test_plan_refuses_another_pathway_for_a_child(login, child, make_case, worker):
    case = make_case(child)
    client = login(worker)
    response = client.post(reverse("cases:plan_set", kwargs={"pk": case.pk}), plan_data(Pathway.REPATRIATION))
    assert response.status_code == 200
    errors = response.context["form"].errors["pathway"]
    assert errors == [rules.forced_pathway(child).reason]
    assert not CasePlan.objects.filter(case=case).exists()
    # The forced pathway is accepted.
    response = client.post(reverse("cases:plan_set", kwargs={"pk": case.pk}), plan_data(Pathway.CHILD_PROTECTION))
    assert response.status_code == 302
    assert case.plans.get().forced_reason


def test_plan_suggests_by_origin_and_saves_a_new_version_with_services(login, make_case, make_person, orgs, worker):
    local = make_case(make_person("Yuli", origin_regency="53.71"))
    away = make_case(make_person("Sri", origin_regency="35.06"))
    client = login(worker)
    url = reverse("cases:plan_set", kwargs={"pk": away.pk})
    assert client.get(url).context["form"].initial["pathway"] == Pathway.REPATRIATION
    local_page = client.get(reverse("cases:plan_set", kwargs={"pk": local.pk}))
    assert local_page.context["form"].initial["pathway"] == Pathway.LOCAL_EMPOWERMENT

    # Not forced: another choice is accepted.
    rows = [
        {"kind": ServiceKind.TRAINING, "provider": orgs["dinsos_ntt"].pk, "planned_start": "2019-02-01"},
        {"kind": ServiceKind.CIVIL_DOCUMENTS},
    ]
    assert client.post(url, plan_data(Pathway.REHAB_CENTRE, rows)).status_code == 302
    assert client.post(url, plan_data(Pathway.REPATRIATION)).status_code == 302
    away.refresh_from_db()
    assert list(away.plans.order_by("version").values_list("version", "pathway")) == [
        (1, Pathway.REHAB_CENTRE),
        (2, Pathway.REPATRIATION),
    ]
    assert away.pathway == Pathway.REPATRIATION
    assert away.version == 3  # two pathway changes, so a stale edit form notices
    assert sorted(away.services.values_list("kind", flat=True)) == [ServiceKind.CIVIL_DOCUMENTS, ServiceKind.TRAINING]


def test_plan_refuses_service_ending_before_it_starts(login, make_case, worker):
    case = make_case()
    rows = [{"kind": ServiceKind.TRAINING, "planned_start": "2019-03-01", "planned_end": "2019-02-01"}]
    response = login(worker).post(
        reverse("cases:plan_set", kwargs={"pk": case.pk}), plan_data(Pathway.REPATRIATION, rows)
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["planned_end"]
    assert not case.plans.exists()


# --- Caseload ----------------------------------------------------------------------------------------------


def test_caseload_puts_what_needs_attention_first(login, make_case, make_person, child, worker, other_worker):
    quiet_old = make_case(stage_changed_on=TODAY - dt.timedelta(days=90))
    quiet_new = make_case(stage_changed_on=TODAY - dt.timedelta(days=2))
    safeguarding = make_case(child)
    referral_due = make_case(required_referral_kind=ServiceKind.LEGAL_AID, required_referral_by=TODAY)
    overdue = make_case(stage_changed_on=TODAY)
    FollowUp.objects.create(
        case=overdue, months_after=1, due_on=TODAY - dt.timedelta(days=3), scope_region_code="53.71"
    )
    # Not mine, or closed: not in my caseload.
    make_case(case_worker=other_worker)
    make_case(status=CaseStatus.CLOSED)

    response = login(worker).get(reverse("cases:caseload"))
    order = [case.pk for case in response.context["page_obj"]]
    assert order == [overdue.pk, referral_due.pk, safeguarding.pk, quiet_old.pk, quiet_new.pk]
    content = response.content.decode()
    assert "Bimbingan lanjut terlambat sejak" in content and "Rujukan wajib sebelum" in content

    # A follow-up done is no longer overdue; a referral made meets the requirement.
    FollowUp.objects.filter(case=overdue).update(done_on=TODAY)
    Referral.objects.create(
        case=referral_due,
        kind="referral",
        service_kind=ServiceKind.LEGAL_AID,
        from_organisation=referral_due.responsible_organisation,
        to_organisation=referral_due.responsible_organisation,
        reason="uji",
        consent_basis="consent",
        created_by=worker,
    )
    order = [case.pk for case in login(worker).get(reverse("cases:caseload")).context["page_obj"]]
    assert order[0] == safeguarding.pk


def test_caseload_filters_and_supervisor_switch(login, make_case, worker, other_worker, kadis):
    mine = make_case(stage=Stage.ASSESSMENT)
    make_case(stage=Stage.PLAN)
    theirs = make_case(case_worker=other_worker)
    FollowUp.objects.create(case=theirs, months_after=1, due_on=TODAY - dt.timedelta(days=1), scope_region_code="53.71")

    response = login(worker).get(reverse("cases:caseload"), {"stage": Stage.ASSESSMENT})
    assert [c.pk for c in response.context["page_obj"]] == [mine.pk]
    # A worker cannot switch to everyone's cases.
    response = login(worker).get(reverse("cases:caseload"), {"all": "1"})
    assert not response.context["everyone"] and theirs.pk not in [c.pk for c in response.context["page_obj"]]

    response = login(kadis).get(reverse("cases:caseload"), {"all": "1"})
    assert response.context["everyone"]
    assert {c.pk for c in response.context["page_obj"]} >= {mine.pk, theirs.pk}
    counts = {row["worker_id"]: row for row in response.context["worker_counts"]}
    assert counts[worker.pk]["open_cases"] == 2 and counts[worker.pk]["overdue"] == 0
    assert counts[other_worker.pk]["open_cases"] == 1 and counts[other_worker.pk]["overdue"] == 1
    assert "Maria Bere" in response.content.decode()


def test_caseload_queries_do_not_grow_with_cases(
    login, make_case, make_person, worker, kadis, django_assert_max_num_queries
):
    for i in range(30):
        person = make_person(
            f"Orang {i}", origin_regency="35.06", trafficking_indicators=["deception"] if i % 5 else []
        )
        case = make_case(person, required_referral_kind=ServiceKind.TRAFFICKING_VICTIM if i % 5 else "")
        FollowUp.objects.create(
            case=case, months_after=1, due_on=TODAY - dt.timedelta(days=i % 3), scope_region_code="53.71"
        )
    client = login(worker)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cases:caseload"))
    assert response.status_code == 200 and len(response.context["page_obj"]) == 25
    client = login(kadis)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cases:caseload"), {"all": "1"})
    assert response.context["page_obj"].paginator.count == 30
    with django_assert_max_num_queries(14):
        assert client.get(reverse("cases:list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("cases:followups_overdue")).status_code == 200


# --- List and detail ----------------------------------------------------------------------------------------


def test_list_search_filters_and_scope(login, make_case, make_person, orgs, worker, kukar_worker):
    first = make_case(stage=Stage.ASSESSMENT, pathway=Pathway.REPATRIATION)
    second = make_case(stage=Stage.PLAN)
    kukar = make_case(organisation=orgs["dinsos_kukar"], case_worker=None)
    client = login(worker)
    url = reverse("cases:list")
    assert {c.pk for c in client.get(url).context["page_obj"]} == {first.pk, second.pk}
    assert [c.pk for c in client.get(url, {"q": second.person.case_code}).context["page_obj"]] == [second.pk]
    assert [c.pk for c in client.get(url, {"stage": Stage.ASSESSMENT}).context["page_obj"]] == [first.pk]
    assert [c.pk for c in client.get(url, {"pathway": Pathway.REPATRIATION}).context["page_obj"]] == [first.pk]
    assert client.get(url, {"q": "9999-XX"}).context["page_obj"].paginator.count == 0
    # HTMX asks for the rows only.
    partial = client.get(url, {"q": first.number}, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "cases/_rows.html"
    # Kukar sees only its own.
    kukar_list = login(kukar_worker).get(url)
    assert [c.pk for c in kukar_list.context["page_obj"]] == [kukar.pk]


def test_case_outside_scope_is_not_found(login, make_case, kukar_worker):
    case = make_case()
    client = login(kukar_worker)
    assert client.get(detail_url(case)).status_code == 404
    assert client.get(edit_url(case)).status_code == 404
    assert client.get(reverse("cases:assessment_add", kwargs={"pk": case.pk})).status_code == 404


def test_case_page_shows_no_identity(login, make_person, make_case, worker):
    person = make_person("Sri Rahayu Lestari", nik="", phone="081234567890", origin_regency="35.06")
    case = make_case(person)
    content = login(worker).get(detail_url(case)).content.decode()
    assert person.case_code in content
    assert reverse("people:detail", kwargs={"case_code": person.case_code}) in content
    assert "Rahayu" not in content and "081234567890" not in content


# --- Editing without lost updates --------------------------------------------------------------------------


def edit_data(case: Case, **overrides) -> dict:
    data = {
        "version": case.version,
        "stage": case.stage,
        "status": case.status,
        "closing_reason": case.closing_reason,
    }
    data.update(overrides)
    return data


def test_stale_edit_gets_both_versions_and_keeps_input(make_case, worker, kadis):
    from conftest import login_verified

    case = make_case()
    first, second = Client(), Client()
    login_verified(first, kadis)
    login_verified(second, worker)
    # Both open the form at version 1.
    assert first.get(edit_url(case)).context["form"].initial["version"] == 1
    assert second.get(edit_url(case)).context["form"].initial["version"] == 1

    assert first.post(edit_url(case), edit_data(case, stage=Stage.ASSESSMENT)).status_code == 302
    response = second.post(edit_url(case), edit_data(case, stage=Stage.INTERVENTION, version=1))
    assert response.status_code == 409
    content = response.content.decode()
    assert "diubah orang lain" in content
    rows = {row["label"]: row for row in response.context["conflict"]["rows"]}
    assert rows["Tahap"]["mine"] == "Intervensi" and rows["Tahap"]["saved"] == "Asesmen" and rows["Tahap"]["differs"]
    # The typed input is still in the form, which now carries the version just shown.
    form = response.context["form"]
    assert form["stage"].value() == Stage.INTERVENTION
    assert '<option value="intervention" selected>' in content
    assert form["version"].value() == "2"
    # Nothing was overwritten.
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT and case.version == 2
    assert CaseNote.objects.filter(case=case, kind="stage").count() == 1

    # Saving again after seeing the other change is a deliberate choice, and works.
    assert second.post(edit_url(case), edit_data(case, stage=Stage.INTERVENTION, version=2)).status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.INTERVENTION and case.version == 3


def test_reassignment_makes_an_open_edit_form_stale(login, make_case, worker, kadis, other_worker):
    case = make_case()
    services.case_reassign(actor=kadis, case=case, case_worker=other_worker)
    response = login(kadis).post(edit_url(case), edit_data(case, version=1, stage=Stage.PLAN))
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.stage == Stage.FIRST_APPROACH and case.case_worker == other_worker


def test_closing_needs_a_reason_and_sets_the_date(login, make_case, worker):
    case = make_case()
    client = login(worker)
    response = client.post(edit_url(case), edit_data(case, status=CaseStatus.CLOSED))
    assert response.status_code == 200 and "closing_reason" in response.context["form"].errors
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    response = client.post(edit_url(case), edit_data(case, status=CaseStatus.CLOSED, closing_reason="goals_met"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_on == TODAY and case.closing_reason == "goals_met"
    assert CaseNote.objects.filter(case=case, kind="status").exists()


def test_stage_change_restarts_stage_age(login, make_case, worker):
    case = make_case(stage_changed_on=TODAY - dt.timedelta(days=40))
    login(worker).post(edit_url(case), edit_data(case, stage=Stage.PLAN))
    case.refresh_from_db()
    assert case.stage == Stage.PLAN and case.stage_changed_on == TODAY


def test_worker_cannot_change_the_worker_through_edit(login, make_case, worker, other_worker, kadis):
    case = make_case()
    page = login(worker).get(edit_url(case))
    assert "case_worker" not in page.context["form"].fields
    # Ignored even if posted.
    login(worker).post(edit_url(case), edit_data(case, case_worker=other_worker.pk))
    case.refresh_from_db()
    assert case.case_worker == worker
    # The supervisor can.
    assert "case_worker" in login(kadis).get(edit_url(case)).context["form"].fields
    login(kadis).post(edit_url(case), edit_data(case, case_worker=other_worker.pk))
    case.refresh_from_db()
    assert case.case_worker == other_worker


# --- Reassignment --------------------------------------------------------------------------------------------


def test_reassign_only_by_supervisor(login, make_case, worker, other_worker, kadis, kukar_worker):
    case = make_case()
    url = reverse("cases:reassign", kwargs={"pk": case.pk})
    assert login(worker).post(url, {"case_worker": other_worker.pk}).status_code == 403
    case.refresh_from_db()
    assert case.case_worker == worker

    # A worker from another organisation is not offered and not accepted.
    response = login(kadis).post(url, {"case_worker": kukar_worker.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.case_worker == worker

    response = login(kadis).post(url, {"case_worker": other_worker.pk, "reason": "cuti panjang"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.case_worker == other_worker and case.version == 2
    # The free-typed reason is kept encrypted, never in the listed summary.
    reassigned = CaseNote.objects.get(case=case, kind="worker")
    assert "cuti panjang" not in reassigned.summary and "cuti panjang" not in reassigned.text_ciphertext
    assert "cuti panjang" in unseal_text(reassigned.text_ciphertext)
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, object_id=str(case.pk), detail__has_key="case_worker"
    ).exists()


# --- Assessment ----------------------------------------------------------------------------------------------


def assessment_data(**overrides) -> dict:
    data = {
        "assessed_on": TODAY.isoformat(),
        "needs": ["housing", "skills_training"],
        "skills": "Menjahit dan memasak",
        "work_history": "Bekerja di warung milik Ibu Martha di Oesapa",
        "family": "Dua anak tinggal bersama neneknya di Kediri",
        "dependent_children": "2",
        "wish": "go_home",
        "wish_note": "Ingin pulang dan membuka usaha jahit",
        "has_ktp": "true",
        "has_kk": "false",
        "health_referral_needed": "on",
        "risk_flags": ["debt"],
        "notes": "Rahasia: utang kepada Pak Yohanes",
    }
    data.update(overrides)
    return data


def test_assessment_versions_are_kept_and_narrative_is_encrypted(login, make_case, worker):
    case = make_case()
    client = login(worker)
    add = reverse("cases:assessment_add", kwargs={"pk": case.pk})
    form_page = client.get(add)
    assert "bukan diagnosis" in form_page.content.decode()
    assert client.post(add, assessment_data()).status_code == 302
    # The second version starts from the first.
    assert client.get(add).context["form"].initial["skills"] == "Menjahit dan memasak"
    assert client.post(add, assessment_data(needs=["income"], notes="Sudah lunas")).status_code == 302

    versions = list(case.assessments.order_by("version"))
    assert [a.version for a in versions] == [1, 2]
    assert versions[0].needs == ["housing", "skills_training"] and versions[1].needs == ["income"]
    assert versions[0].has_ktp is True and versions[0].has_kk is False and versions[0].dependent_children == 2
    assert versions[0].health_referral_needed and versions[0].risk_flags == ["debt"]

    # No free text in clear in the database.
    stored = repr(list(Assessment.objects.values()))
    for secret in ("Martha", "Menjahit", "Kediri", "Yohanes", "usaha jahit"):
        assert secret not in stored

    # The team reads it; the first version is unchanged.
    page = client.get(reverse("cases:assessment_detail", kwargs={"pk": versions[0].pk}))
    content = page.content.decode()
    assert "Ibu Martha" in content and "Pak Yohanes" in content
    case_page = client.get(detail_url(case)).content.decode()
    assert "Sudah lunas" in case_page and "Versi 1" in case_page


def test_narrative_is_never_shown_to_who_cannot_manage_the_case(login, make_case, worker, monkeypatch):
    case = make_case()
    services.assessment_add(
        actor=worker, case=case, assessed_on=TODAY, needs=[], wish="undecided", narrative={"notes": "Pak Yohanes"}
    )
    services.note(case, actor=worker, kind="note", summary="Catatan", text_ciphertext=seal_text("Bu Martha"))
    monkeypatch.setattr(policy, "can_manage_case", lambda user, case: False)
    client = login(worker)
    assessment = case.assessments.get()
    for url in (detail_url(case), reverse("cases:assessment_detail", kwargs={"pk": assessment.pk})):
        content = client.get(url).content.decode()
        assert "Yohanes" not in content and "Martha" not in content


def test_assessment_date_cannot_be_in_the_future(login, make_case, worker):
    case = make_case()
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    response = login(worker).post(
        reverse("cases:assessment_add", kwargs={"pk": case.pk}), assessment_data(assessed_on=tomorrow)
    )
    assert response.status_code == 200 and response.context["form"].errors["assessed_on"]
    assert not case.assessments.exists()


# --- Services --------------------------------------------------------------------------------------------------


def test_service_update(login, make_case, worker):
    case = make_case()
    service = Service.objects.create(case=case, kind=ServiceKind.TRAINING, created_by=worker)
    url = reverse("cases:service_update", kwargs={"pk": service.pk})
    client = login(worker)
    response = client.post(url, {"status": ServiceStatus.COMPLETED, "started_on": "2019-01-02"})
    assert response.status_code == 200 and response.context["form"].errors["ended_on"]
    response = client.post(
        url,
        {"status": ServiceStatus.COMPLETED, "started_on": "2019-01-02", "ended_on": "2019-04-30", "outcome": "Lulus"},
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.status == ServiceStatus.COMPLETED and service.ended_on == dt.date(2019, 4, 30)
    assert service.outcome == "Lulus"
    assert CaseNote.objects.filter(case=case, kind="service").exists()


# --- Follow-ups -------------------------------------------------------------------------------------------------


def test_follow_ups_scheduled_at_1_3_6_12_months(login, make_case, worker):
    case = make_case()
    response = login(worker).post(reverse("cases:followups_schedule", kwargs={"pk": case.pk}), {"start": "2019-01-31"})
    assert response.status_code == 302
    rows = list(case.follow_ups.order_by("months_after").values_list("months_after", "due_on", "scope_region_code"))
    assert rows == [
        (1, dt.date(2019, 2, 28), "53.71"),  # no 31 February: the month's last day
        (3, dt.date(2019, 4, 30), "53.71"),
        (6, dt.date(2019, 7, 31), "53.71"),
        (12, dt.date(2020, 1, 31), "53.71"),
    ]


def test_rescheduling_keeps_what_was_done(make_case, worker):
    case = make_case()
    services.follow_ups_schedule(case, dt.date(2019, 1, 1), worker)
    FollowUp.objects.filter(case=case, months_after=1).update(done_on=dt.date(2019, 2, 3), outcome="working")
    services.follow_ups_schedule(case, dt.date(2019, 3, 1), worker)
    due = dict(case.follow_ups.values_list("months_after", "due_on"))
    assert due[1] == dt.date(2019, 2, 1) and due[3] == dt.date(2019, 6, 1) and case.follow_ups.count() == 4


def test_follow_up_months_are_configurable(settings, make_case, worker):
    settings.PULIH_FOLLOW_UP_MONTHS = [2, 24]
    case = make_case()
    services.follow_ups_schedule(case, dt.date(2019, 1, 15), worker)
    assert list(case.follow_ups.values_list("months_after", "due_on")) == [
        (2, dt.date(2019, 3, 15)),
        (24, dt.date(2021, 1, 15)),
    ]


def test_overdue_list_oldest_first_in_scope(login, make_case, orgs, worker, kukar_worker):
    case = make_case()
    services.follow_ups_schedule(case, TODAY - dt.timedelta(days=200), worker)
    done = case.follow_ups.get(months_after=1)
    done.done_on = TODAY
    done.save()
    other = make_case()
    services.follow_ups_schedule(other, TODAY - dt.timedelta(days=400), worker)
    kukar = make_case(organisation=orgs["dinsos_kukar"], case_worker=None)
    services.follow_ups_schedule(kukar, TODAY - dt.timedelta(days=400), worker)

    response = login(worker).get(reverse("cases:followups_overdue"))
    listed = list(response.context["page_obj"])
    expected = FollowUp.objects.filter(case__in=[case, other], done_on__isnull=True, due_on__lt=TODAY).order_by(
        "due_on", "pk"
    )
    assert [f.pk for f in listed] == [f.pk for f in expected]
    assert [f.due_on for f in listed] == sorted(f.due_on for f in listed)
    assert done.pk not in [f.pk for f in listed]
    assert all(f.due_on < TODAY for f in listed)
    assert not {f.case_id for f in listed} & {kukar.pk}
    assert [f.case_id for f in login(kukar_worker).get(reverse("cases:followups_overdue")).context["page_obj"]] == [
        kukar.pk
    ] * 4


def test_record_follow_up_with_encrypted_note(login, make_case, worker):
    case = make_case()
    follow_up = services.follow_ups_schedule(case, TODAY - dt.timedelta(days=60), worker)[0]
    url = reverse("cases:followup_record", kwargs={"pk": follow_up.pk})
    client = login(worker)
    response = client.post(url, {"done_on": TODAY.isoformat(), "outcome": "", "note": "x"})
    assert response.status_code == 200 and response.context["form"].errors["outcome"]
    response = client.post(
        url, {"done_on": TODAY.isoformat(), "outcome": FollowUpOutcome.WORKING, "note": "Bekerja di salon Bu Ina"}
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_on == TODAY and follow_up.outcome == FollowUpOutcome.WORKING and follow_up.done_by == worker
    assert "Ina" not in repr(list(FollowUp.objects.values()))
    assert "Bu Ina" in client.get(url).content.decode()


# --- Moving a case into another Dinsos's scope -------------------------------------------------------------------


def test_case_move_scope_moves_follow_ups(login, make_case, orgs, worker, kadis, make_user):
    case = make_case()
    services.follow_ups_schedule(case, TODAY - dt.timedelta(days=100), worker)
    kukar_head = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")
    with pytest.raises(ValidationError):
        # The receiver's staff only.
        services.case_move_scope(case, orgs["dinsos_kukar"], actor=kukar_head, supervisor=kadis)
    services.case_move_scope(case, orgs["dinsos_kukar"], actor=kukar_head, supervisor=kukar_head)
    case.refresh_from_db()
    assert case.responsible_organisation == orgs["dinsos_kukar"] and case.scope_region_code == "64.02"
    assert case.case_worker is None and case.supervisor == kukar_head and case.version == 2
    assert set(case.follow_ups.values_list("scope_region_code", flat=True)) == {"64.02"}
    assert CaseNote.objects.filter(case=case, kind="transfer").exists()

    # The sending team no longer sees it; the receiver has it, with its overdue follow-ups.
    assert login(worker).get(detail_url(case)).status_code == 404
    assert login(worker).get(reverse("cases:followups_overdue")).context["page_obj"].paginator.count == 0
    overdue = login(kukar_head).get(reverse("cases:followups_overdue")).context["page_obj"]
    assert {f.case_id for f in overdue} == {case.pk}
    everyone = login(kukar_head).get(reverse("cases:caseload"), {"all": "1"}).context["page_obj"]
    assert [c.pk for c in everyone] == [case.pk]


def test_add_months_handles_month_ends():
    assert rules.add_months(dt.date(2019, 1, 31), 1) == dt.date(2019, 2, 28)
    assert rules.add_months(dt.date(2020, 1, 31), 1) == dt.date(2020, 2, 29)
    assert rules.add_months(dt.date(2019, 11, 15), 3) == dt.date(2020, 2, 15)


def test_case_page_queries_do_not_grow_with_history(login, make_case, orgs, worker, django_assert_max_num_queries):
    case = make_case()
    for i in range(10):
        Service.objects.create(case=case, kind=ServiceKind.TRAINING, provider=orgs["lks_kupang"], created_by=worker)
        services.assessment_add(
            actor=worker, case=case, assessed_on=TODAY, needs=[], wish="undecided", narrative={"notes": f"n{i}"}
        )
        services.note(case, actor=worker, kind="note", summary=f"Catatan {i}", text_ciphertext=seal_text(f"t{i}"))
    services.follow_ups_schedule(case, TODAY - dt.timedelta(days=100), worker)
    client = login(worker)
    with django_assert_max_num_queries(16):
        response = client.get(detail_url(case))
    assert response.status_code == 200 and "t9" in response.content.decode()
