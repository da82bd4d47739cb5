"""Referrals and transfers: consent, accreditation, what a receiver sees before and after
accepting, declining with a reason, a transfer moving the case into the receiver's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from access import policy
from accounts.models import Role
from audit.models import Action, AuditEvent
from cases import referrals
from cases.models import (
    Assessment,
    Case,
    CaseNote,
    CasePlan,
    ConsentBasis,
    FollowUp,
    Referral,
    ReferralKind,
    ReferralStatus,
    Service,
    ServiceKind,
    ServiceStatus,
)
from cases.narrative import seal_text
from organisations.models import Accreditation, OrgKind
from people.models import ConsentKind, ConsentRecord

NAME = "Sri Rahayu Wulandari"
NIK = "5371014107900001"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def accredit(today):
    def _accredit(org, *, granted_on=None, valid_until=None):
        return Accreditation.objects.create(
            organisation=org,
            number=f"BALKS/{org.pk}",
            grade="A",
            granted_on=granted_on or today - dt.timedelta(days=365),
            valid_until=valid_until or today + dt.timedelta(days=365),
        )

    return _accredit


@pytest.fixture
def lks(orgs, accredit):
    """The partner's LKS, accredited today."""
    accredit(orgs["lks_kupang"])
    return orgs["lks_kupang"]


def give_consent(person, *, by, given=True, by_guardian=False):
    ConsentRecord.objects.create(
        person=person,
        kind=ConsentKind.SHARE_WITH_PARTNERS,
        given=given,
        recorded_on=timezone.localdate(),
        by_guardian=by_guardian,
        recorded_by=by,
    )
    person.share_consent = given
    person.save(update_fields=["share_consent"])


@pytest.fixture
def person(make_person, users):
    person = make_person(NAME, nik=NIK, phone="081234567890", origin_regency="64.02")
    give_consent(person, by=users[Role.REGISTRAR])
    return person


@pytest.fixture
def case(make_case, person):
    return make_case(person)


@pytest.fixture
def kukar_head(make_user, orgs):
    return make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02", username="kadis.kukar")


def refer(actor, case, to, **extra) -> Referral:
    values = {"kind": ReferralKind.REFERRAL, "service_kind": ServiceKind.HEALTH_REFERRAL, "reason": "Perlu periksa"}
    values |= extra
    if values["kind"] == ReferralKind.REFERRAL and "shared_fields" not in values:
        values["shared_fields"] = referrals.default_shared_fields(values["kind"], values["service_kind"])
    return referrals.referral_create(actor=actor, case=case, to_organisation=to, **values)


def add_assessment_and_plan(case, by):
    Assessment.objects.create(
        case=case,
        version=1,
        assessed_on=dt.date(2018, 11, 5),
        assessor=by,
        needs=["skills_training"],
        narrative_ciphertext=seal_text({"skills": "Menjahit dan tata rias", "family": "Tinggal dengan bibi Marni"}),
    )
    CasePlan.objects.create(case=case, version=1, pathway="local_empowerment", goals="Membuka salon", created_by=by)


# --- Consent --------------------------------------------------------------------------------------------


def test_referral_without_consent_is_refused_and_nothing_is_saved(make_case, make_person, users, lks, login):
    case = make_case(make_person("Ani"))  # no share consent recorded
    client = login(users[Role.CASE_WORKER])
    response = client.post(
        reverse("cases:referral_create", kwargs={"pk": case.pk}),
        {
            "kind": "referral",
            "service_kind": "health",
            "to_organisation": lks.pk,
            "reason": "Perlu periksa",
            "shared_fields": ["identity"],
        },
    )
    assert response.status_code == 200
    assert "Belum ada persetujuan berbagi data" in response.content.decode()
    assert not Referral.objects.exists()


def test_consent_refused_or_withdrawn_blocks_a_referral(case, person, users, lks):
    give_consent(person, by=users[Role.REGISTRAR], given=False)
    with pytest.raises(ValidationError) as exc:
        refer(users[Role.CASE_WORKER], case, lks)
    assert "consent" in exc.value.message_dict
    assert not Referral.objects.exists()


def test_only_a_supervisor_may_override_and_only_with_a_reason(make_case, make_person, users, lks):
    case = make_case(make_person("Ani"))
    worker, head = users[Role.CASE_WORKER], users[Role.HEAD_OF_DINSOS]
    with pytest.raises(ValidationError) as exc:
        refer(worker, case, lks, override_reason="Darurat")
    assert "override_reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        refer(head, case, lks)
    assert "override_reason" in exc.value.message_dict
    assert not Referral.objects.exists()

    referral = refer(head, case, lks, override_reason="Perlu perawatan segera, belum dapat dimintai persetujuan")
    assert referral.consent_basis == ConsentBasis.OVERRIDE
    assert referral.override_by == head
    assert referral.override_reason.startswith("Perlu perawatan segera")
    event = AuditEvent.objects.filter(action=Action.CREATE, object_type="cases.referral").get()
    assert event.detail["override"] is True and event.detail["consent_basis"] == "override"
    assert CaseNote.objects.filter(case=case, summary__contains="keputusan supervisor").exists()


def test_override_is_shown_on_the_referral_to_the_receiver(make_case, make_person, users, lks, login):
    case = make_case(make_person("Ani"))
    referral = refer(users[Role.HEAD_OF_DINSOS], case, lks, override_reason="Perlu perawatan segera")
    page = login(users[Role.PARTNER_USER]).get(reverse("cases:referral_detail", kwargs={"pk": referral.pk}))
    text = page.content.decode()
    assert "Keputusan supervisor tanpa persetujuan" in text
    assert "Perlu perawatan segera" in text


def test_a_child_needs_a_guardians_consent(make_case, make_person, users, lks, today):
    child = make_person("Anak Uji", birth_date=today.replace(year=today.year - 16))
    assert child.is_child
    give_consent(child, by=users[Role.REGISTRAR], by_guardian=False)
    case = make_case(child)
    with pytest.raises(ValidationError) as exc:
        refer(users[Role.CASE_WORKER], case, lks)
    assert "wali" in str(exc.value.message_dict["consent"])

    give_consent(child, by=users[Role.REGISTRAR], by_guardian=True)
    referral = refer(users[Role.CASE_WORKER], case, lks)
    assert referral.consent_basis == ConsentBasis.GUARDIAN
    assert referral.consent_record.by_guardian


# --- Accreditation and targets -------------------------------------------------------------------------------


def test_an_lks_without_valid_accreditation_is_refused(case, users, orgs, accredit, today, login):
    lks = orgs["lks_kupang"]
    worker = users[Role.CASE_WORKER]
    with pytest.raises(ValidationError) as exc:
        refer(worker, case, lks)
    assert "belum terakreditasi" in str(exc.value.message_dict["to_organisation"])

    accredit(lks, granted_on=today - dt.timedelta(days=800), valid_until=today - dt.timedelta(days=1))
    client = login(worker)
    response = client.post(
        reverse("cases:referral_create", kwargs={"pk": case.pk}),
        {"kind": "referral", "service_kind": "training", "to_organisation": lks.pk, "reason": "Pelatihan"},
    )
    assert response.status_code == 200
    assert "akreditasi berakhir pada" in response.content.decode()
    assert not Referral.objects.exists()

    accredit(lks)  # re-accredited: the newest accreditation decides
    assert refer(worker, case, lks).status == ReferralStatus.PENDING


def test_a_transfer_goes_only_to_a_dinsos_and_shares_the_whole_case(case, users, orgs, lks):
    with pytest.raises(ValidationError) as exc:
        refer(users[Role.CASE_WORKER], case, lks, kind=ReferralKind.TRANSFER, service_kind="")
    assert "to_organisation" in exc.value.message_dict
    transfer = refer(users[Role.CASE_WORKER], case, orgs["dinsos_kukar"], kind=ReferralKind.TRANSFER, service_kind="")
    assert transfer.shared_fields == ["identity", "assessment", "plan", "history"]
    assert transfer.service_kind == ""
    # One pending transfer at a time.
    with pytest.raises(ValidationError):
        refer(users[Role.HEAD_OF_DINSOS], case, orgs["dinsos_ntt"], kind=ReferralKind.TRANSFER, service_kind="")


def test_a_referral_needs_a_service_kind(case, users, lks):
    with pytest.raises(ValidationError) as exc:
        refer(users[Role.CASE_WORKER], case, lks, service_kind="")
    assert "service_kind" in exc.value.message_dict


def test_the_form_suggests_the_origin_dinsos_for_a_transfer(case, users, orgs, login):
    client = login(users[Role.CASE_WORKER])
    response = client.get(reverse("cases:referral_create", kwargs={"pk": case.pk}) + "?kind=transfer")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["to_organisation"] == orgs["dinsos_kukar"]
    # Only Dinsos are offered for a transfer.
    assert {o.kind for o in form.fields["to_organisation"].queryset} <= {
        OrgKind.DINSOS_KABKOTA,
        OrgKind.DINSOS_PROVINSI,
    }
    assert f'value="{orgs["dinsos_kukar"].pk}" selected' in response.content.decode()


def test_the_form_ticks_the_minimum_for_the_service_and_never_puts_the_reason_in_the_url(case, users, login):
    client = login(users[Role.CASE_WORKER])
    url = reverse("cases:referral_create", kwargs={"pk": case.pk})
    response = client.get(
        url, {"part": "dynamic", "kind": "referral", "service_kind": "training"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert response.context["form"].initial["shared_fields"] == ["identity", "assessment"]
    page = client.get(url).content.decode()
    assert "[name=reason]" not in page  # the HTMX re-render includes kind, service and organisation only


def test_service_fields_cover_every_service_kind():
    assert set(referrals.SERVICE_FIELDS) == set(ServiceKind.values)
    assert referrals.SERVICE_FIELDS[ServiceKind.HEALTH_REFERRAL] == ("identity",)
    assert referrals.SERVICE_FIELDS[ServiceKind.TRAINING] == ("identity", "assessment")


# --- Deadlines -----------------------------------------------------------------------------------------------


def test_a_trafficking_referral_must_be_answered_within_7_days(case, users, orgs, today):
    police = orgs["dinsos_ntt"]
    referral = refer(users[Role.CASE_WORKER], case, police, service_kind=ServiceKind.TRAFFICKING_VICTIM)
    assert referral.respond_by == today + dt.timedelta(days=7)
    other = refer(users[Role.CASE_WORKER], case, police, service_kind=ServiceKind.CIVIL_DOCUMENTS)
    assert other.respond_by == today + dt.timedelta(days=14)


# --- The receiver ---------------------------------------------------------------------------------------------


def test_partner_sees_a_pending_referral_without_identity_or_assessment(case, users, lks, login):
    add_assessment_and_plan(case, users[Role.CASE_WORKER])
    referral = refer(
        users[Role.CASE_WORKER], case, lks, service_kind="training", shared_fields=["identity", "assessment"]
    )
    client = login(users[Role.PARTNER_USER])
    inbox = client.get(reverse("cases:referral_inbox")).content.decode()
    assert case.number in inbox
    page = client.get(reverse("cases:referral_detail", kwargs={"pk": referral.pk}))
    text = page.content.decode()
    assert page.status_code == 200
    assert case.number in text and "Perlu periksa" in text and lks.name in text
    assert "Dinas Sosial Kota Kupang" in text
    for secret in (NAME, NIK, "081234567890", "Menjahit", "Membuka salon", "Tampilkan identitas"):
        assert secret not in text
    # Asking for the identity before accepting reveals nothing and audits no view.
    response = client.post(reverse("cases:referral_identity", kwargs={"pk": referral.pk}))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()


def test_after_accepting_the_partner_sees_exactly_the_shared_parts(case, users, lks, login):
    add_assessment_and_plan(case, users[Role.CASE_WORKER])
    referral = refer(users[Role.CASE_WORKER], case, lks, service_kind="training")
    partner = users[Role.PARTNER_USER]
    client = login(partner)
    response = client.post(reverse("cases:referral_respond", kwargs={"pk": referral.pk}), {"decision": "accept"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.responded_by == partner

    text = client.get(reverse("cases:referral_detail", kwargs={"pk": referral.pk})).content.decode()
    assert "Menjahit dan tata rias" in text  # assessment shared: the skills
    assert "bibi Marni" not in text  # the family narrative is for the team only
    assert "Membuka salon" not in text  # plan not shared
    assert NAME not in text  # identity only after an explicit click

    revealed = client.post(reverse("cases:referral_identity", kwargs={"pk": referral.pk}), HTTP_HX_REQUEST="true")
    assert revealed.status_code == 200
    assert NAME in revealed.content.decode() and NIK in revealed.content.decode()
    assert "no-store" in revealed["Cache-Control"]
    event = AuditEvent.objects.get(action=Action.VIEW_IDENTITY)
    assert event.actor == partner and event.object_id == str(case.person.pk)


def test_a_health_referral_shares_identity_only(case, users, lks, login):
    add_assessment_and_plan(case, users[Role.CASE_WORKER])
    referral = refer(users[Role.CASE_WORKER], case, lks)  # health: identity only
    client = login(users[Role.PARTNER_USER])
    client.post(reverse("cases:referral_respond", kwargs={"pk": referral.pk}), {"decision": "accept"})
    text = client.get(reverse("cases:referral_detail", kwargs={"pk": referral.pk})).content.decode()
    assert "Tampilkan identitas" in text
    assert "Menjahit" not in text and "Membuka salon" not in text and "Riwayat kasus" not in text


def test_a_partner_reaches_nothing_of_the_case_itself(case, users, lks, login):
    referral = refer(users[Role.CASE_WORKER], case, lks)
    partner = users[Role.PARTNER_USER]
    referrals.referral_accept(actor=partner, referral=referral)
    client = login(partner)
    assert not policy.scope_cases(partner, Case.objects.all()).exists()
    for url in (
        reverse("cases:detail", kwargs={"pk": case.pk}),
        reverse("cases:list"),
        reverse("cases:caseload"),
        reverse("people:detail", kwargs={"case_code": case.person.case_code}),
        reverse("cases:referral_create", kwargs={"pk": case.pk}),
        reverse("cases:referral_inbox") + "?box=sent",
    ):
        status = client.get(url).status_code
        if "box=sent" in url:
            assert status == 200  # the inbox, without a sent tab
        else:
            assert status in (403, 404), url
    assert client.post(reverse("cases:referral_withdraw", kwargs={"pk": referral.pk})).status_code == 403


def test_partners_see_only_referrals_to_their_own_organisation(case, users, make_org, accredit, lks, login):
    other = make_org("LKS Lain", kind=OrgKind.LKS)
    accredit(other)
    elsewhere = refer(users[Role.CASE_WORKER], case, other, service_kind="shelter")
    mine = refer(users[Role.CASE_WORKER], case, lks, service_kind="legal_aid")
    client = login(users[Role.PARTNER_USER])
    rows = client.get(reverse("cases:referral_inbox")).context["page_obj"].object_list
    assert [r.pk for r in rows] == [mine.pk]
    assert client.get(reverse("cases:referral_detail", kwargs={"pk": elsewhere.pk})).status_code == 404
    assert (
        client.post(reverse("cases:referral_respond", kwargs={"pk": elsewhere.pk}), {"decision": "accept"}).status_code
        == 404
    )


def test_declining_needs_a_reason_that_the_sender_sees(case, users, lks, login):
    referral = refer(users[Role.CASE_WORKER], case, lks)
    client = login(users[Role.PARTNER_USER])
    url = reverse("cases:referral_respond", kwargs={"pk": referral.pk})
    response = client.post(url, {"decision": "decline", "decline_reason": "  "})
    assert response.status_code == 200
    assert "Tulis alasan penolakan" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING

    client.post(url, {"decision": "decline", "decline_reason": "Kuota layanan bulan ini penuh"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    sender = login(users[Role.CASE_WORKER])
    text = sender.get(reverse("cases:referral_detail", kwargs={"pk": referral.pk})).content.decode()
    assert "Kuota layanan bulan ini penuh" in text
    # A declined referral cannot be accepted afterwards.
    with pytest.raises(ValidationError):
        referrals.referral_accept(actor=users[Role.PARTNER_USER], referral=referral)


def test_only_the_receiver_answers(case, users, lks, login):
    referral = refer(users[Role.CASE_WORKER], case, lks)
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("cases:referral_respond", kwargs={"pk": referral.pk})
    assert client.post(url, {"decision": "accept"}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING


def test_accepting_a_referral_starts_the_planned_service_and_completing_it_records_the_outcome(case, users, lks, login):
    planned = Service.objects.create(case=case, kind=ServiceKind.TRAINING, created_by=users[Role.CASE_WORKER])
    referral = refer(users[Role.CASE_WORKER], case, lks, service_kind="training")
    client = login(users[Role.PARTNER_USER])
    client.post(reverse("cases:referral_respond", kwargs={"pk": referral.pk}), {"decision": "accept"})
    planned.refresh_from_db()
    assert planned.status == ServiceStatus.IN_PROGRESS and planned.provider == lks
    assert Referral.objects.get(pk=referral.pk).service == planned

    url = reverse("cases:referral_complete", kwargs={"pk": referral.pk})
    refused = client.post(url, {"outcome": ""})
    assert refused.status_code == 200 and Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCEPTED
    client.post(url, {"outcome": "Lulus pelatihan tata rias, bersertifikat"})
    planned.refresh_from_db()
    assert planned.status == ServiceStatus.COMPLETED
    assert planned.outcome == "Lulus pelatihan tata rias, bersertifikat"
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.COMPLETED


def test_accepting_a_referral_without_a_planned_service_creates_one(case, users, lks):
    referral = refer(users[Role.CASE_WORKER], case, lks, service_kind="psychosocial")
    referrals.referral_accept(actor=users[Role.PARTNER_USER], referral=referral)
    service = Service.objects.get(case=case)
    assert (service.kind, service.provider, service.status) == ("psychosocial", lks, ServiceStatus.IN_PROGRESS)


def test_the_sender_withdraws_a_pending_referral(case, users, lks, login):
    referral = refer(users[Role.CASE_WORKER], case, lks)
    client = login(users[Role.CASE_WORKER])
    assert client.post(reverse("cases:referral_withdraw", kwargs={"pk": referral.pk})).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        referrals.referral_accept(actor=users[Role.PARTNER_USER], referral=referral)


# --- Transfers ------------------------------------------------------------------------------------------------


def test_an_accepted_transfer_moves_the_case_and_its_follow_ups_into_the_receivers_scope(
    case, users, orgs, kukar_head, login
):
    FollowUp.objects.create(case=case, months_after=1, due_on=dt.date(2018, 12, 1), scope_region_code="53.71")
    worker = users[Role.CASE_WORKER]
    transfer = refer(worker, case, orgs["dinsos_kukar"], kind=ReferralKind.TRANSFER, service_kind="")

    # Before accepting, Kukar sees the transfer but not the case.
    client = login(kukar_head)
    assert client.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 404
    assert case.number not in client.get(reverse("cases:list")).content.decode()
    text = client.get(reverse("cases:referral_detail", kwargs={"pk": transfer.pk})).content.decode()
    assert NAME not in text

    client.post(reverse("cases:referral_respond", kwargs={"pk": transfer.pk}), {"decision": "accept"})
    case.refresh_from_db()
    assert case.responsible_organisation == orgs["dinsos_kukar"]
    assert case.scope_region_code == "64.02"
    assert case.case_worker is None and case.supervisor is None
    assert FollowUp.objects.get(case=case).scope_region_code == "64.02"
    assert policy.scope_cases(kukar_head, Case.objects.all()).filter(pk=case.pk).exists()
    assert case.number in client.get(reverse("cases:list")).content.decode()
    assert client.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 200
    # The history came along.
    assert case.notes.filter(summary__contains="Pengalihan tanggung jawab").exists()

    # The sending team no longer reaches the case (intended: responsibility moved).
    assert not policy.scope_cases(worker, Case.objects.all()).filter(pk=case.pk).exists()
    sender = login(worker)
    assert sender.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 404
    assert case.number not in sender.get(reverse("cases:list")).content.decode()
    assert sender.get(reverse("cases:referral_detail", kwargs={"pk": transfer.pk})).status_code == 404


def test_the_receiving_dinsos_reads_the_identity_through_the_transfer(case, users, orgs, kukar_head, login):
    transfer = refer(users[Role.CASE_WORKER], case, orgs["dinsos_kukar"], kind=ReferralKind.TRANSFER, service_kind="")
    referrals.referral_accept(actor=kukar_head, referral=transfer)
    client = login(kukar_head)
    response = client.post(reverse("cases:referral_identity", kwargs={"pk": transfer.pk}))
    assert NAME in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY, actor=kukar_head).count() == 1


def test_after_a_transfer_the_receiving_dinsos_reaches_the_person_record(
    case, person, users, orgs, kukar_head, login, make_user
):
    client = login(kukar_head)
    person_url = reverse("people:detail", kwargs={"case_code": person.case_code})
    assert client.get(person_url).status_code == 404
    transfer = refer(users[Role.CASE_WORKER], case, orgs["dinsos_kukar"], kind=ReferralKind.TRANSFER, service_kind="")
    referrals.referral_accept(actor=kukar_head, referral=transfer)
    assert client.get(person_url).status_code == 200
    assert NAME in client.post(reverse("people:reveal", kwargs={"case_code": person.case_code})).content.decode()
    # A third region still does not.
    other = login(make_user(Role.CASE_WORKER, organisation=orgs["dinsos_kukar"], region="35.06"))
    assert other.get(person_url).status_code == 404


def test_another_dinsos_cannot_see_or_answer_a_transfer_not_addressed_to_it(
    case, users, orgs, make_org, make_user, login
):
    transfer = refer(users[Role.CASE_WORKER], case, orgs["dinsos_kukar"], kind=ReferralKind.TRANSFER, service_kind="")
    kediri = make_org("Dinas Sosial Kabupaten Kediri", kind=OrgKind.DINSOS_KABKOTA, region="35.06")
    client = login(make_user(Role.HEAD_OF_DINSOS, organisation=kediri, region="35.06"))
    assert client.get(reverse("cases:referral_detail", kwargs={"pk": transfer.pk})).status_code == 404
    url = reverse("cases:referral_respond", kwargs={"pk": transfer.pk})
    assert client.post(url, {"decision": "accept"}).status_code == 404
    assert Referral.objects.get(pk=transfer.pk).status == ReferralStatus.PENDING


# --- Audit ------------------------------------------------------------------------------------------------------


def test_audit_entries_name_no_one(case, users, lks, login):
    referral = refer(users[Role.CASE_WORKER], case, lks, service_kind="training", reason="Ingin ikut pelatihan")
    client = login(users[Role.PARTNER_USER])
    client.post(reverse("cases:referral_respond", kwargs={"pk": referral.pk}), {"decision": "accept"})
    client.post(reverse("cases:referral_identity", kwargs={"pk": referral.pk}))
    client.post(reverse("cases:referral_complete", kwargs={"pk": referral.pk}), {"outcome": "Selesai"})
    events = list(AuditEvent.objects.all())
    assert {e.action for e in events} >= {Action.CREATE, Action.UPDATE, Action.VIEW_IDENTITY}
    for event in events:
        blob = f"{event.object_label} {event.detail}"
        for secret in (NAME, "Sri", "Rahayu", NIK, "081234567890", "Ingin ikut pelatihan"):
            assert secret not in blob
    for note in CaseNote.objects.filter(case=case):
        assert "Sri" not in note.summary and NIK not in note.summary


# --- Lists -------------------------------------------------------------------------------------------------------


def test_the_inbox_puts_pending_first_and_overdue_stands_out(
    make_case, make_person, users, lks, login, django_assert_max_num_queries
):
    worker = users[Role.CASE_WORKER]
    made = []
    for index in range(4):
        person = make_person(f"Orang {index}")
        give_consent(person, by=users[Role.REGISTRAR])
        made.append(refer(worker, make_case(person), lks))
    referrals.referral_accept(actor=users[Role.PARTNER_USER], referral=made[0])
    Referral.objects.filter(pk=made[1].pk).update(respond_by=timezone.localdate() - dt.timedelta(days=2))
    client = login(users[Role.PARTNER_USER])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cases:referral_inbox"))
    rows = list(response.context["page_obj"].object_list)
    assert rows[0].pk == made[1].pk  # pending, overdue: earliest deadline first
    assert rows[-1].pk == made[0].pk  # answered ones after the pending ones
    text = response.content.decode()
    assert text.count('data-testid="overdue"') == 1
    filtered = client.get(reverse("cases:referral_inbox"), {"status": "accepted"}).context["page_obj"].object_list
    assert [r.pk for r in filtered] == [made[0].pk]


def test_the_sent_list_shows_the_teams_referrals(case, users, lks, login):
    referral = refer(users[Role.CASE_WORKER], case, lks)
    client = login(users[Role.HEAD_OF_DINSOS])
    rows = client.get(reverse("cases:referral_inbox"), {"box": "sent"}).context["page_obj"].object_list
    assert [r.pk for r in rows] == [referral.pk]
    assert not client.get(reverse("cases:referral_inbox")).context["page_obj"].object_list


def test_creating_through_the_form(case, users, lks, login):
    client = login(users[Role.CASE_WORKER])
    response = client.post(
        reverse("cases:referral_create", kwargs={"pk": case.pk}),
        {
            "kind": "referral",
            "service_kind": "training",
            "to_organisation": lks.pk,
            "reason": "Ingin belajar tata rias",
            "shared_fields": ["identity", "assessment"],
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:referral_detail", kwargs={"pk": referral.pk})
    assert referral.consent_basis == ConsentBasis.CONSENT
    assert referral.consent_record == ConsentRecord.objects.get(person=case.person)
    assert referral.from_organisation == case.responsible_organisation
    assert referral.shared_fields == ["identity", "assessment"]
