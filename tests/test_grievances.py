"""Grievances: numbering per kabupaten/kota and year, the named complainant kept encrypted and
revealed only through an audited click, overdue ones first, answering and assigning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import Action, AuditEvent
from grievances import rules, services
from grievances.models import Category, Channel, FromGroup, Grievance, GrievanceStatus

LIST = reverse("grievances:list")
CREATE = reverse("grievances:create")
NAME = "Yohana Uji Manafe"
CONTACT = "0812 3456 7890"


def detail_url(g: Grievance) -> str:
    return reverse("grievances:detail", kwargs={"pk": g.pk})


def reveal_url(g: Grievance) -> str:
    return reverse("grievances:reveal_complainant", kwargs={"pk": g.pk})


def respond_url(g: Grievance) -> str:
    return reverse("grievances:respond", kwargs={"pk": g.pk})


def assign_url(g: Grievance) -> str:
    return reverse("grievances:assign", kwargs={"pk": g.pk})


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


def form_data(orgs, **overrides) -> dict:
    data = {
        "received_on": "2018-10-24",
        "channel": Channel.MEDIA,
        "category": Category.SUGGESTION,
        "from_group": FromGroup.COMMUNITY,
        "anonymous": "on",
        "complainant_name": "",
        "complainant_contact": "",
        "summary": "Pemerintah diminta adil: penertiban juga di hotel, tidak hanya di Karang Dempel.",
        "programme": "",
        "site": "",
        "handler_organisation": orgs["dinsos_kupang"].pk,
        "due_on": "",
    }
    data.update(overrides)
    return data


def named(orgs, **overrides) -> dict:
    data = form_data(orgs, complainant_name=NAME, complainant_contact=CONTACT)
    del data["anonymous"]
    data.update(overrides)
    return data


@pytest.fixture
def make_grievance(orgs):
    numbers = iter(range(1, 10_000))

    def _make(
        *,
        received_on=dt.date(2018, 10, 24),
        due_on=None,
        status=GrievanceStatus.NEW,
        region_code="53.71",
        handler_organisation=None,
        name="",
        channel=Channel.IN_PERSON,
        category=Category.COMPLAINT,
        **extra,
    ) -> Grievance:
        return Grievance.objects.create(
            reference=f"ADU-{region_code[:5].replace('.', '')}-{received_on.year}-{next(numbers):04d}",
            received_on=received_on,
            channel=channel,
            category=category,
            from_group=FromGroup.RESIDENT,
            anonymous=not name,
            complainant_ciphertext=services.seal_complainant(name, CONTACT) if name else "",
            summary="Uang kontrakan belum dikembalikan pemilik wisma.",
            handler_organisation=handler_organisation or orgs["dinsos_kupang"],
            due_on=due_on or rules.default_due_on(received_on),
            status=status,
            region_code=region_code,
            **extra,
        )

    return _make


# --- Receiving ----------------------------------------------------------------------------------------


def test_a_received_grievance_is_numbered_per_regency_and_year_with_a_two_week_deadline(client, login, kadis, orgs):
    login(kadis)
    first = client.post(CREATE, form_data(orgs))
    assert first.status_code == 302
    client.post(CREATE, form_data(orgs, received_on="2018-12-30"))
    client.post(CREATE, form_data(orgs, received_on="2019-01-02"))
    references = list(Grievance.objects.order_by("id").values_list("reference", flat=True))
    assert references == ["ADU-5371-2018-0001", "ADU-5371-2018-0002", "ADU-5371-2019-0001"]
    grievance = Grievance.objects.get(reference="ADU-5371-2018-0001")
    assert first.url == detail_url(grievance)
    assert rules.RESPONSE_DAYS == 14
    assert grievance.due_on == dt.date(2018, 11, 7)
    assert grievance.status == GrievanceStatus.NEW
    assert grievance.region_code == "53.71"
    assert grievance.anonymous and grievance.complainant_ciphertext == ""


def test_numbering_is_separate_for_each_regency(kadis, users, orgs, make_user, make_org, make_site):
    kukar_org = orgs["dinsos_kukar"]
    kukar_head = make_user(Role.HEAD_OF_DINSOS, organisation=kukar_org, region="64.02")
    common = {
        "received_on": dt.date(2018, 10, 24),
        "channel": Channel.PHONE,
        "category": Category.QUESTION,
        "from_group": FromGroup.WISMA_OWNER,
        "summary": "Kapan bantuan untuk pemilik wisma?",
    }
    a = services.grievance_create(actor=kadis, handler_organisation=orgs["dinsos_kupang"], **common)
    b = services.grievance_create(actor=kukar_head, handler_organisation=kukar_org, **common)
    c = services.grievance_create(actor=kadis, handler_organisation=orgs["dinsos_kupang"], **common)
    assert [a.reference, b.reference, c.reference] == [
        "ADU-5371-2018-0001",
        "ADU-6402-2018-0001",
        "ADU-5371-2018-0002",
    ]


def test_a_number_taken_at_the_same_moment_is_drawn_again(kadis, orgs, make_grievance, monkeypatch):
    make_grievance()  # ADU-5371-2018-0001
    real = services.next_reference
    calls = []

    def racing(region_code, year):
        # The first draw happened before the other clerk's row was saved: it repeats their number.
        calls.append(1)
        return "ADU-5371-2018-0001" if len(calls) == 1 else real(region_code, year)

    monkeypatch.setattr(services, "next_reference", racing)
    grievance = services.grievance_create(
        actor=kadis,
        received_on=dt.date(2018, 10, 25),
        channel=Channel.PHONE,
        category=Category.COMPLAINT,
        from_group=FromGroup.RESIDENT,
        summary="Keluhan uji.",
        handler_organisation=orgs["dinsos_kupang"],
    )
    assert grievance.reference == "ADU-5371-2018-0002"
    assert len(calls) == 2


def test_a_named_complainant_is_encrypted_and_never_in_the_audit_log(client, login, kadis, orgs):
    login(kadis)
    response = client.post(CREATE, named(orgs))
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert not grievance.anonymous and grievance.complainant_ciphertext
    for value in Grievance.objects.filter(pk=grievance.pk).values().get().values():
        assert NAME not in str(value) and "3456" not in str(value)
    for event in AuditEvent.objects.values("detail", "object_label"):
        assert NAME not in str(event) and "3456" not in str(event)
    # Nor in the page shown after saving.
    page = client.get(response.url).content.decode()
    assert NAME not in page and "3456" not in page


def test_the_form_defaults_to_anonymous(client, login, kadis):
    login(kadis)
    form = client.get(CREATE).context["form"]
    assert form["anonymous"].value() is True


def test_anonymous_with_a_name_or_named_without_one_is_refused(client, login, kadis, orgs):
    login(kadis)
    response = client.post(CREATE, form_data(orgs, complainant_name=NAME))
    assert response.context["form"].errors["complainant_name"]
    assert response["Cache-Control"].count("no-store") == 1
    response = client.post(CREATE, named(orgs, complainant_name=""))
    assert response.context["form"].errors["complainant_name"]
    assert not Grievance.objects.exists()


def test_a_phone_number_in_the_summary_is_refused(client, login, kadis, orgs):
    login(kadis)
    response = client.post(CREATE, form_data(orgs, summary="Hubungi saya di +62 812 3456 7890 soal kontrakan."))
    assert response.context["form"].errors["summary"]
    assert not Grievance.objects.exists()


def test_received_in_the_future_is_refused(client, login, kadis, orgs):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    login(kadis)
    response = client.post(CREATE, form_data(orgs, received_on=tomorrow.isoformat()))
    assert response.context["form"].errors["received_on"]
    assert not Grievance.objects.exists()


def test_a_due_date_before_receipt_is_refused_and_a_chosen_one_is_kept(client, login, kadis, orgs):
    login(kadis)
    response = client.post(CREATE, form_data(orgs, due_on="2018-10-01"))
    assert response.context["form"].errors["due_on"]
    client.post(CREATE, form_data(orgs, due_on="2018-10-31"))
    assert Grievance.objects.get().due_on == dt.date(2018, 10, 31)


def test_the_grievance_belongs_to_the_programmes_region_or_the_sites_regency(
    users, orgs, make_programme, site_kd, make_site
):
    province = users[Role.PROVINCE_OFFICER]
    common = {
        "received_on": dt.date(2018, 10, 24),
        "channel": Channel.LETTER,
        "category": Category.COMPLAINT,
        "from_group": FromGroup.COMMUNITY,
        "summary": "Keluhan uji.",
        "handler_organisation": orgs["dinsos_ntt"],
    }
    programme = make_programme()
    assert services.grievance_create(actor=province, programme=programme, **common).region_code == "53.71"
    assert services.grievance_create(actor=province, site=site_kd, **common).region_code == "53.71"
    assert services.grievance_create(actor=province, **common).region_code == "53"
    other_site = make_site("Lokalisasi Uji Kabupaten Kupang", short_code="KK", region="53.01")
    with pytest.raises(ValidationError) as exc:
        services.grievance_create(actor=province, programme=programme, site=other_site, **common)
    assert "site" in exc.value.message_dict


def test_a_programme_outside_the_scope_is_refused(kadis, orgs, make_programme, make_site):
    kukar_programme = make_programme(
        "Penutupan Lokalisasi Kutai Kartanegara", sites=[], owner=orgs["dinsos_kukar"], deadline=dt.date(2016, 6, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.grievance_create(
            actor=kadis,
            received_on=dt.date(2018, 10, 24),
            channel=Channel.LETTER,
            category=Category.COMPLAINT,
            from_group=FromGroup.COMMUNITY,
            summary="Keluhan uji.",
            handler_organisation=orgs["dinsos_kupang"],
            programme=kukar_programme,
        )
    assert "programme" in exc.value.message_dict


# --- Who sees what; the audited reveal ---------------------------------------------------------------


def test_finance_has_no_grievances_and_the_province_officer_sees_kupangs(client, login, users, make_grievance):
    grievance = make_grievance()
    login(users[Role.FINANCE_OFFICER])
    assert client.get(LIST).status_code == 403
    assert client.get(detail_url(grievance)).status_code == 403
    login(users[Role.PROVINCE_OFFICER])
    assert list(client.get(LIST).context["page_obj"]) == [grievance]
    assert client.get(detail_url(grievance)).status_code == 200


def test_a_grievance_of_another_regency_is_not_found(client, login, kadis, make_grievance, orgs):
    kukar = make_grievance(region_code="64.02", handler_organisation=orgs["dinsos_kukar"])
    login(kadis)
    assert client.get(detail_url(kukar)).status_code == 404
    assert client.post(reveal_url(kukar)).status_code == 404
    assert list(client.get(LIST).context["page_obj"]) == []


def test_the_name_shows_only_after_an_explicit_audited_reveal(client, login, kadis, make_grievance):
    grievance = make_grievance(name=NAME)
    login(kadis)
    page = client.get(detail_url(grievance))
    html = page.content.decode()
    assert NAME not in html
    assert reveal_url(grievance) in html
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()

    response = client.post(reveal_url(grievance), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert NAME in fragment and CONTACT in fragment
    assert "<html" not in fragment
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=Action.VIEW_IDENTITY)
    assert (event.object_type, event.object_id, event.actor) == ("grievances.grievance", str(grievance.pk), kadis)
    assert event.object_label == grievance.reference
    assert NAME not in str(event.detail)

    # Without HTMX, the whole page with the name in it.
    full = client.post(reveal_url(grievance))
    assert NAME in full.content.decode() and "<html" in full.content.decode()
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).count() == 2


def test_reveal_is_refused_and_logged_for_a_role_without_identity_handling(client, login, users, make_grievance):
    grievance = make_grievance(name=NAME)
    registrar = users[Role.REGISTRAR]  # sees grievances, does not handle them
    login(registrar)
    page = client.get(detail_url(grievance)).content.decode()
    assert reveal_url(grievance) not in page
    response = client.post(reveal_url(grievance))
    assert response.status_code == 403
    assert NAME not in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.PERMISSION_DENIED, actor=registrar).exists()
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()
    with pytest.raises(PermissionDenied):
        services.reveal_complainant(grievance, user=users[Role.KEMENSOS_ANALYST])


def test_the_province_officer_may_reveal(client, login, users, make_grievance):
    grievance = make_grievance(name=NAME)
    login(users[Role.PROVINCE_OFFICER])
    assert NAME in client.post(reveal_url(grievance)).content.decode()
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY, actor=users[Role.PROVINCE_OFFICER]).exists()


def test_an_anonymous_grievance_has_nothing_to_reveal(client, login, kadis, make_grievance):
    grievance = make_grievance()
    login(kadis)
    assert "Identitas pengadu" not in client.get(detail_url(grievance)).content.decode()
    response = client.post(reveal_url(grievance), HTTP_HX_REQUEST="true")
    assert "anonim" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()


# --- List: overdue first ----------------------------------------------------------------------------


def test_overdue_grievances_stand_out_and_come_first(client, login, kadis, make_grievance):
    today = timezone.localdate()
    recent = make_grievance(received_on=today - dt.timedelta(days=2))
    long_overdue = make_grievance(received_on=today - dt.timedelta(days=60), status=GrievanceStatus.IN_PROGRESS)
    just_overdue = make_grievance(received_on=today - dt.timedelta(days=15))
    answered_late = make_grievance(
        received_on=today - dt.timedelta(days=90), status=GrievanceStatus.ANSWERED, response="Sudah dijawab."
    )
    due_today = make_grievance(received_on=today - dt.timedelta(days=14))
    login(kadis)
    response = client.get(LIST)
    assert list(response.context["page_obj"]) == [long_overdue, just_overdue, recent, due_today, answered_late]
    html = response.content.decode()
    assert html.count('data-overdue="1"') == 2
    assert "lewat 46 hari" in html
    assert response.context["overdue_total"] == 2
    assert list(client.get(LIST, {"overdue": "on"}).context["page_obj"]) == [long_overdue, just_overdue]


def test_the_list_filters_and_searches_by_reference(client, login, kadis, make_grievance):
    first = make_grievance()
    second = make_grievance(status=GrievanceStatus.CLOSED, channel=Channel.WHATSAPP, category=Category.SUGGESTION)
    login(kadis)

    def listed(**params):
        return list(client.get(LIST, params).context["page_obj"])

    assert listed(q=second.reference[-4:]) == [second]
    assert listed(q=first.reference.lower()) == [first]
    assert listed(status=GrievanceStatus.CLOSED) == [second]
    assert listed(channel=Channel.WHATSAPP) == [second]
    assert listed(category=Category.COMPLAINT) == [first]


def test_the_list_takes_a_bounded_number_of_queries(
    client, login, kadis, users, make_grievance, django_assert_max_num_queries
):
    today = timezone.localdate()
    for n in range(30):
        make_grievance(received_on=today - dt.timedelta(days=n * 3), handler=users[Role.CASE_WORKER])
    login(kadis)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert len(response.context["page_obj"]) == 25


# --- Answering --------------------------------------------------------------------------------------


def test_answered_needs_a_response(client, login, kadis, make_grievance):
    grievance = make_grievance()
    login(kadis)
    response = client.post(respond_url(grievance), {"status": GrievanceStatus.ANSWERED, "response": "  "})
    assert response.status_code == 200
    assert response.context["respond_form"].errors["response"]
    grievance.refresh_from_db()
    assert grievance.status == GrievanceStatus.NEW


def test_answering_then_closing_sets_the_dates_and_is_audited(client, login, kadis, make_grievance):
    grievance = make_grievance()
    login(kadis)
    response = client.post(
        respond_url(grievance),
        {"status": GrievanceStatus.ANSWERED, "response": "Penertiban hotel dijadwalkan.", "responded_on": "2018-11-02"},
    )
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert (grievance.status, grievance.responded_on, grievance.closed_on) == (
        GrievanceStatus.ANSWERED,
        dt.date(2018, 11, 2),
        None,
    )
    client.post(
        respond_url(grievance),
        {"status": GrievanceStatus.CLOSED, "response": grievance.response, "responded_on": "2018-11-20"},
    )
    grievance.refresh_from_db()
    assert grievance.status == GrievanceStatus.CLOSED
    assert grievance.closed_on == dt.date(2018, 11, 20)
    assert grievance.responded_on == dt.date(2018, 11, 2)  # the answer's date stays
    statuses = [e.detail["status"] for e in AuditEvent.objects.filter(action=Action.UPDATE).order_by("id")]
    assert statuses == [["new", "answered"], ["answered", "closed"]]
    assert "hotel" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))

    # Reopening clears the closing date.
    client.post(respond_url(grievance), {"status": GrievanceStatus.IN_PROGRESS, "response": grievance.response})
    grievance.refresh_from_db()
    assert grievance.closed_on is None and grievance.status == GrievanceStatus.IN_PROGRESS


def test_closing_without_a_date_uses_today(kadis, make_grievance):
    grievance = make_grievance()
    services.grievance_respond(actor=kadis, grievance=grievance, status=GrievanceStatus.CLOSED)
    assert grievance.closed_on == timezone.localdate()
    assert grievance.responded_on is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": GrievanceStatus.NEW}, "status"),
        ({"status": GrievanceStatus.IN_PROGRESS, "responded_on": "2018-10-01"}, "responded_on"),
    ],
)
def test_respond_refuses_going_back_to_new_and_dates_before_receipt(kadis, make_grievance, data, field):
    grievance = make_grievance()
    if "responded_on" in data:
        data = {**data, "responded_on": dt.date.fromisoformat(data["responded_on"])}
    with pytest.raises(ValidationError) as exc:
        services.grievance_respond(actor=kadis, grievance=grievance, **data)
    assert field in exc.value.message_dict


def test_a_future_response_date_is_refused(client, login, kadis, make_grievance):
    grievance = make_grievance()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    login(kadis)
    response = client.post(
        respond_url(grievance),
        {"status": GrievanceStatus.ANSWERED, "response": "Jawaban.", "responded_on": tomorrow.isoformat()},
    )
    assert response.context["respond_form"].errors["responded_on"]


def test_a_registrar_cannot_answer(client, login, users, make_grievance):
    grievance = make_grievance()
    login(users[Role.REGISTRAR])
    assert "respond-title" not in client.get(detail_url(grievance)).content.decode()
    assert client.post(respond_url(grievance), {"status": GrievanceStatus.CLOSED}).status_code == 403


# --- Assigning --------------------------------------------------------------------------------------


def test_assigning_a_handler_from_the_handler_organisation(client, login, kadis, users, make_grievance):
    grievance = make_grievance()
    case_worker = users[Role.CASE_WORKER]
    login(kadis)
    choices = list(client.get(detail_url(grievance)).context["assign_form"].fields["handler"].queryset)
    # Users of Dinsos Kota Kupang who handle grievances; the treasurer and registrar do not.
    assert set(choices) == {kadis, case_worker}
    response = client.post(assign_url(grievance), {"handler": case_worker.pk})
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.handler == case_worker
    assert grievance.status == GrievanceStatus.IN_PROGRESS
    event = AuditEvent.objects.get(action=Action.UPDATE)
    assert event.detail == {"fields": ["handler", "status"], "handler": case_worker.username}


def test_a_user_outside_the_handler_organisation_cannot_be_assigned(client, login, kadis, users, make_grievance):
    grievance = make_grievance()
    login(kadis)
    response = client.post(assign_url(grievance), {"handler": users[Role.PROVINCE_OFFICER].pk})
    assert response.status_code == 200
    assert response.context["assign_form"].errors["handler"]
    grievance.refresh_from_db()
    assert grievance.handler is None
    with pytest.raises(ValidationError):
        services.grievance_assign(actor=kadis, grievance=grievance, handler=users[Role.FINANCE_OFFICER])


# --- In a real browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_complainant_is_revealed_in_place(live_server, phone_page, users, make_grievance):
    from django.test import Client

    from conftest import login_verified

    today = timezone.localdate()
    grievance = make_grievance(name=NAME, received_on=today - dt.timedelta(days=20))
    client = Client()
    login_verified(client, users[Role.CASE_WORKER])
    phone_page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    phone_page.goto(f"{live_server.url}{LIST}")
    # The overdue grievance's status and delay are visible without scrolling the table sideways.
    assert phone_page.get_by_text("lewat 6 hari").is_visible()
    phone_page.get_by_role("link", name=grievance.reference).click()
    assert NAME not in phone_page.content()
    phone_page.get_by_role("button", name="Tampilkan identitas pengadu").click()
    assert NAME in phone_page.get_by_test_id("complainant").inner_text()
    # Swapped in place: still the same page, and the look was audited.
    assert phone_page.url.endswith(detail_url(grievance))
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY, object_id=str(grievance.pk)).count() == 1
