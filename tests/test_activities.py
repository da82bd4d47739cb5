"""Activities of closure programmes, follow-up actions, attachments, the calendar and its feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from activities import ical, selectors, services
from activities.models import (
    ActionStatus,
    Activity,
    ActivityKind,
    ActivityStatus,
    Attachment,
    CalendarFeed,
    FollowUpAction,
)
from audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


def local(*args) -> dt.datetime:
    """An aware datetime in Kupang's time zone (WITA): the standing users work in Kota Kupang,
    and pages show times in the user's region's zone (pulih/timezones.py)."""
    return timezone.make_aware(dt.datetime(*args), ZoneInfo("Asia/Makassar"))


@pytest.fixture
def programme(make_programme, orgs):
    return make_programme(partners=[orgs["lks_kupang"]])


@pytest.fixture
def kukar(make_site, make_programme, make_user, orgs):
    site = make_site("KM 10 Loa Janan", short_code="KM", region="64.02", owner_organisation=orgs["dinsos_kukar"])
    return {
        "programme": make_programme(
            "Penutupan 12 lokalisasi Kutai Kartanegara", sites=[site], owner=orgs["dinsos_kukar"]
        ),
        "user": make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02"),
    }


@pytest.fixture
def make_activity(orgs):
    def _make(programme, *, title="Rakor penutupan", starts_at=None, kind=ActivityKind.COORDINATION, **extra):
        extra.setdefault("status", ActivityStatus.HELD)
        extra.setdefault("organiser", orgs["dinsos_kupang"])
        return Activity.objects.create(
            programme=programme,
            kind=kind,
            title=title,
            starts_at=starts_at or local(2018, 10, 30, 9, 0),
            region_code=programme.region_id,
            **extra,
        )

    return _make


@pytest.fixture
def make_action(orgs):
    def _make(activity, *, owner=None, due_on=None, status=ActionStatus.OPEN, description="Sosialisasi ke penghuni"):
        return FollowUpAction.objects.create(
            activity=activity,
            programme=activity.programme,
            description=description,
            owner_organisation=owner or orgs["dinsos_kupang"],
            due_on=due_on or timezone.localdate() + dt.timedelta(days=7),
            status=status,
            region_code=activity.region_code,
        )

    return _make


def activity_post(orgs, **changes) -> dict:
    data = {
        "kind": ActivityKind.COORDINATION,
        "title": "Rakor penutupan Lokalisasi Karang Dempel",
        "starts_at": "2018-10-30T09:00",
        "ends_at": "2018-10-30T12:00",
        "venue": "Ruang Garuda, Balai Kota Kupang",
        "organiser": orgs["dinsos_kupang"].pk,
        "participants": [orgs["lks_kupang"].pk, orgs["inspektorat_kupang"].pk],
        "audience": ["government", "partners"],
        "attendance_female": "14",
        "attendance_male": "23",
        "minutes": "Pembahasan rencana penutupan.",
        "decisions": "Sosialisasi kepada penghuni pada November.",
        "status": ActivityStatus.HELD,
        "site": "",
    }
    data.update(changes)
    return data


# --- Recording activities ---------------------------------------------------------------------


def test_head_of_dinsos_records_a_meeting(login, users, orgs, programme, site_kd):
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:create", kwargs={"programme_pk": programme.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, activity_post(orgs, site=site_kd.pk))
    activity = Activity.objects.get()
    assert response.status_code == 302 and response.url == reverse("activities:detail", kwargs={"pk": activity.pk})
    assert activity.region_code == "53.71"
    assert activity.starts_at == local(2018, 10, 30, 9, 0)
    assert (activity.attendance_female, activity.attendance_male, activity.attendance_total) == (14, 23, 37)
    assert activity.audience == ["government", "partners"]
    assert activity.site == site_kd
    assert set(activity.participants.all()) == {orgs["lks_kupang"], orgs["inspektorat_kupang"]}
    assert activity.created_by == users[Role.HEAD_OF_DINSOS]
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="activities.activity")
    assert event.object_id == str(activity.pk)
    # The minutes are not copied into the audit log.
    assert "Pembahasan" not in str(event.detail)

    page = client.get(response.url).content.decode()
    assert "Ruang Garuda, Balai Kota Kupang" in page
    assert "30 Oktober 2018" in page and "09.00" in page
    assert "14 perempuan, 23 laki-laki, jumlah 37" in page
    assert "LKS Uji Kupang" in page


def test_end_before_start_is_refused_and_the_input_kept(login, users, orgs, programme):
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:create", kwargs={"programme_pk": programme.pk})
    response = client.post(url, activity_post(orgs, ends_at="2018-10-30T08:00"))
    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"] == ["Waktu selesai harus sesudah waktu mulai."]
    assert 'value="Rakor penutupan Lokalisasi Karang Dempel"' in response.content.decode()
    assert not Activity.objects.exists()


def test_a_held_activity_cannot_be_in_the_future(login, users, orgs, programme):
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:create", kwargs={"programme_pk": programme.pk})
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    data = activity_post(orgs, starts_at=f"{tomorrow:%Y-%m-%dT%H:%M}", ends_at="")
    response = client.post(url, data)
    assert "status" in response.context["form"].errors
    assert not Activity.objects.exists()
    # The same meeting, planned, is fine.
    response = client.post(url, {**data, "status": ActivityStatus.PLANNED})
    assert response.status_code == 302
    assert Activity.objects.get().status == ActivityStatus.PLANNED


def test_a_held_activity_needs_attendance_counts(login, users, orgs, programme):
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:create", kwargs={"programme_pk": programme.pk})
    response = client.post(url, activity_post(orgs, attendance_female="", attendance_male=""))
    errors = response.context["form"].errors
    assert errors["attendance_female"] == ["Isi jumlah yang hadir (0 bila tidak ada)."]
    assert "attendance_male" in errors
    response = client.post(url, activity_post(orgs, attendance_male="-3"))
    assert "attendance_male" in response.context["form"].errors
    assert not Activity.objects.exists()
    # Zero is a count.
    response = client.post(url, activity_post(orgs, attendance_female="0", attendance_male="0"))
    assert response.status_code == 302


def test_planned_activity_without_counts_stores_zero(users, orgs, programme):
    activity = services.activity_create(
        actor=users[Role.CASE_WORKER],
        programme=programme,
        kind=ActivityKind.SOCIALISATION,
        title="Sosialisasi kepada media",
        starts_at=timezone.now() + dt.timedelta(days=3),
        organiser=orgs["dinsos_kupang"],
        status=ActivityStatus.PLANNED,
        attendance_female=None,
        attendance_male=None,
    )
    assert (activity.attendance_female, activity.attendance_male) == (0, 0)


def test_edit_changes_the_activity_and_validates(login, users, orgs, programme, make_activity):
    activity = make_activity(programme, attendance_female=1, attendance_male=2)
    client = login(users[Role.CASE_WORKER])
    url = reverse("activities:edit", kwargs={"pk": activity.pk})
    page = client.get(url).content.decode()
    # The stored time is offered in the datetime-local input, in local time.
    assert 'value="2018-10-30T09:00"' in page
    response = client.post(url, activity_post(orgs, ends_at="2018-10-29T12:00"))
    assert "ends_at" in response.context["form"].errors
    activity.refresh_from_db()
    assert activity.title == "Rakor penutupan"
    response = client.post(url, activity_post(orgs, title="Rakor dengan OPD, LSM, TNI/Polri"))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Rakor dengan OPD, LSM, TNI/Polri"
    assert activity.attendance_total == 37
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="activities.activity")
    assert "title" in event.detail["fields"] and "participants" in event.detail["fields"]


def test_site_must_belong_to_the_programme(users, orgs, programme, make_site):
    other = make_site("Lokalisasi lain", short_code="LL")
    with pytest.raises(services.ValidationError) as exc:
        services.activity_create(
            actor=users[Role.HEAD_OF_DINSOS],
            programme=programme,
            kind=ActivityKind.CLOSURE,
            title="Penutupan",
            starts_at=local(2018, 12, 31, 10, 0),
            organiser=orgs["dinsos_kupang"],
            status=ActivityStatus.PLANNED,
            site=other,
        )
    assert "site" in exc.value.message_dict


def test_who_may_record(login, users, orgs, programme, make_activity):
    activity = make_activity(programme)
    # The registrar sees the activity but does not record meetings.
    client = login(users[Role.REGISTRAR])
    assert client.get(reverse("activities:detail", kwargs={"pk": activity.pk})).status_code == 200
    assert client.get(reverse("activities:edit", kwargs={"pk": activity.pk})).status_code == 403
    with pytest.raises(services.PermissionDenied):
        services.activity_update(actor=users[Role.PARTNER_USER], activity=activity, title="x")


# --- Enforcement: counts only -----------------------------------------------------------------


def test_enforcement_activity_has_no_link_to_a_person(login, users, orgs, programme):
    from people.models import Person

    related = {f.related_model for f in Activity._meta.get_fields() if f.is_relation}
    assert Person not in related
    assert not any(model and model._meta.app_label == "people" for model in related)

    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:create", kwargs={"programme_pk": programme.pk})
    page = client.get(url + "?kind=enforcement").content.decode()
    assert 'data-testid="enforcement-note"' in page
    assert "jumlah saja" in page
    assert 'data-testid="enforcement-note"' not in client.get(url).content.decode()

    response = client.post(
        url,
        activity_post(
            orgs,
            kind=ActivityKind.ENFORCEMENT,
            title="Patroli gabungan Satpol PP",
            person="1",
            people=["1", "2"],
            case_codes="5371-KD-0001",
        ),
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.kind == ActivityKind.ENFORCEMENT
    assert "5371-KD-0001" not in str(activity.__dict__)
    detail = client.get(response.url).content.decode()
    assert 'data-testid="enforcement-note"' in detail


# --- Scope ------------------------------------------------------------------------------------


def test_kukar_user_cannot_see_a_kupang_activity(login, users, kukar, programme, make_activity):
    activity = make_activity(programme)
    client = login(kukar["user"])
    assert client.get(reverse("activities:detail", kwargs={"pk": activity.pk})).status_code == 404
    assert client.get(reverse("activities:edit", kwargs={"pk": activity.pk})).status_code == 404
    assert client.get(reverse("activities:create", kwargs={"programme_pk": programme.pk})).status_code == 404
    assert client.post(reverse("activities:action_add", kwargs={"pk": activity.pk}), {}).status_code == 404
    response = client.get(reverse("activities:list"))
    assert activity.title not in response.content.decode()
    # And the other way round.
    kukar_activity = make_activity(
        kukar["programme"], title="Rakor Kukar", organiser=kukar["programme"].owner_organisation
    )
    client = login(users[Role.HEAD_OF_DINSOS])
    assert client.get(reverse("activities:detail", kwargs={"pk": kukar_activity.pk})).status_code == 404


def test_partner_sees_only_programmes_it_takes_part_in(
    login, users, orgs, programme, make_programme, make_activity, make_site
):
    other = make_programme("Program lain di Kota Kupang", sites=[make_site("Lain", short_code="LN")])
    mine = make_activity(programme, title="Rakor bersama LKS")
    theirs = make_activity(other, title="Rakor tanpa LKS")
    client = login(users[Role.PARTNER_USER])
    page = client.get(reverse("activities:list")).content.decode()
    assert "Rakor bersama LKS" in page and "Rakor tanpa LKS" not in page
    assert client.get(reverse("activities:detail", kwargs={"pk": mine.pk})).status_code == 200
    assert client.get(reverse("activities:detail", kwargs={"pk": theirs.pk})).status_code == 404
    # A partner reads, it does not record.
    assert client.get(reverse("activities:edit", kwargs={"pk": mine.pk})).status_code == 403


# --- The list ---------------------------------------------------------------------------------


def test_list_filters_and_formats(login, users, orgs, programme, make_programme, make_activity, make_site):
    other = make_programme("Program kedua", sites=[make_site("Kedua", short_code="KE")])
    make_activity(programme, title="Rakor Forkopimda", starts_at=local(2018, 10, 1, 9, 0))
    make_activity(
        programme,
        title="Sosialisasi media",
        kind=ActivityKind.SOCIALISATION,
        starts_at=local(2018, 10, 15, 14, 30),
        attendance_female=5,
        attendance_male=7,
    )
    make_activity(programme, title="Penutupan", kind=ActivityKind.CLOSURE, starts_at=local(2018, 12, 31, 23, 30))
    make_activity(other, title="Rakor program kedua", status=ActivityStatus.PLANNED)
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:list")

    def titles(**params):
        response = client.get(url, params)
        return [a.title for a in response.context["page_obj"]]

    assert titles() == ["Penutupan", "Rakor program kedua", "Sosialisasi media", "Rakor Forkopimda"]
    assert titles(programme=other.pk) == ["Rakor program kedua"]
    assert titles(kind=ActivityKind.SOCIALISATION) == ["Sosialisasi media"]
    assert titles(status=ActivityStatus.PLANNED) == ["Rakor program kedua"]
    assert titles(date_from="2018-10-02", date_to="2018-10-30") == ["Rakor program kedua", "Sosialisasi media"]
    # The last day counts whole, in local time: 23.30 on 31 December is on the 31st.
    assert titles(date_from="2018-12-31", date_to="2018-12-31") == ["Penutupan"]
    assert titles(q="media") == ["Sosialisasi media"]

    page = client.get(url, {"kind": ActivityKind.SOCIALISATION}).content.decode()
    assert "15 Oktober 2018" in page and "14.30" in page
    assert "5/7/<strong>12</strong>" in page


def test_list_has_no_query_per_row(login, users, orgs, programme, make_activity, django_assert_max_num_queries):
    for day in range(1, 21):
        make_activity(programme, title=f"Kegiatan {day}", starts_at=local(2018, 10, day, 9, 0))
    client = login(users[Role.HEAD_OF_DINSOS])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("activities:list"))
    assert len(response.context["page_obj"]) == 20


def test_htmx_request_gets_the_rows_only(login, users, programme, make_activity):
    make_activity(programme)
    client = login(users[Role.HEAD_OF_DINSOS])
    response = client.get(reverse("activities:list"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Rakor penutupan" in body and "<html" not in body


# --- Follow-up actions ------------------------------------------------------------------------


def test_action_lifecycle(login, users, orgs, programme, make_activity):
    activity = make_activity(programme)
    client = login(users[Role.HEAD_OF_DINSOS])
    add = reverse("activities:action_add", kwargs={"pk": activity.pk})
    response = client.post(add, {"description": "", "owner_organisation": orgs["lks_kupang"].pk, "due_on": ""})
    assert response.status_code == 200
    assert {"description", "due_on"} <= set(response.context["action_form"].errors)

    due = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        add, {"description": "Data penghuni", "owner_organisation": orgs["lks_kupang"].pk, "due_on": due.isoformat()}
    )
    assert response.status_code == 302
    action = FollowUpAction.objects.get()
    assert (action.programme, action.region_code, action.status, action.due_on) == (
        programme,
        "53.71",
        ActionStatus.OPEN,
        due,
    )

    update = reverse("activities:action_update", kwargs={"pk": action.pk})
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client.post(update, {"status": "done", "done_on": tomorrow.isoformat()})
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN  # done in the future: refused

    client.post(update, {"status": "done", "done_on": "", "note": "Diserahkan ke Dinsos"})
    action.refresh_from_db()
    assert (action.status, action.done_on, action.note) == (
        ActionStatus.DONE,
        timezone.localdate(),
        "Diserahkan ke Dinsos",
    )
    client.post(update, {"status": "open"})
    action.refresh_from_db()
    assert (action.status, action.done_on) == (ActionStatus.OPEN, None)
    client.post(update, {"status": "cancelled", "note": "Tidak diperlukan"})
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    assert AuditEvent.objects.filter(object_type="activities.followupaction", action=Action.UPDATE).count() == 3

    detail = client.get(reverse("activities:detail", kwargs={"pk": activity.pk})).content.decode()
    assert "Data penghuni" in detail and "Dibatalkan" in detail


def test_owner_organisation_marks_its_own_action_done_but_not_others(
    login, users, orgs, programme, make_activity, make_action
):
    activity = make_activity(programme)
    own = make_action(activity, owner=orgs["lks_kupang"], description="Pendampingan penghuni")
    others = make_action(activity, owner=orgs["dinsos_kupang"], description="Surat edaran")
    client = login(users[Role.PARTNER_USER])
    page = client.get(reverse("activities:action_list")).content.decode()
    assert reverse("activities:action_update", kwargs={"pk": own.pk}) in page
    assert reverse("activities:action_update", kwargs={"pk": others.pk}) not in page

    response = client.post(
        reverse("activities:action_update", kwargs={"pk": own.pk}),
        {"status": "done", "next": reverse("activities:action_list")},
    )
    assert response.status_code == 302 and response.url == reverse("activities:action_list")
    own.refresh_from_db()
    assert own.status == ActionStatus.DONE

    response = client.post(reverse("activities:action_update", kwargs={"pk": others.pk}), {"status": "done"})
    assert response.status_code == 403
    others.refresh_from_db()
    assert others.status == ActionStatus.OPEN


def test_update_redirects_only_to_this_site(login, users, programme, make_activity, make_action):
    action = make_action(make_activity(programme))
    client = login(users[Role.HEAD_OF_DINSOS])
    response = client.post(
        reverse("activities:action_update", kwargs={"pk": action.pk}),
        {"status": "done", "next": "https://contoh.invalid/"},
    )
    assert response.url == reverse("activities:detail", kwargs={"pk": action.activity_id})


def test_overdue_actions_stand_out_and_come_first(
    login, users, orgs, programme, make_activity, make_action, django_assert_max_num_queries
):
    activity = make_activity(programme)
    today = timezone.localdate()
    later = make_action(activity, due_on=today + dt.timedelta(days=1), description="Besok")
    late = make_action(activity, due_on=today - dt.timedelta(days=1), description="Kemarin")
    make_action(activity, due_on=today - dt.timedelta(days=9), status=ActionStatus.DONE, description="Sudah")
    partner_late = make_action(
        activity, owner=orgs["lks_kupang"], due_on=today - dt.timedelta(days=3), description="LKS terlambat"
    )
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:action_list")
    with django_assert_max_num_queries(15):
        response = client.get(url)
    rows = list(response.context["page_obj"])
    assert [a.description for a in rows] == ["LKS terlambat", "Kemarin", "Besok"]
    assert [a.is_overdue for a in rows] == [True, True, False]
    body = response.content.decode()
    assert body.count('data-testid="overdue"') == 2

    def descriptions(**params):
        return [a.description for a in client.get(url, params).context["page_obj"]]

    assert descriptions(overdue="on") == ["LKS terlambat", "Kemarin"]
    assert descriptions(mine="on") == ["Kemarin", "Besok"]
    assert descriptions(status="done") == ["Sudah"]
    assert len(descriptions(status="all")) == 4

    kadis = users[Role.HEAD_OF_DINSOS]
    assert list(selectors.overdue_actions_for_organisation(kadis)) == [late]
    assert list(selectors.actions_due_soon(kadis)) == [later]
    assert list(selectors.actions_due_soon(kadis, days=0)) == []
    mitra = users[Role.PARTNER_USER]
    assert list(selectors.overdue_actions_for_organisation(mitra)) == [partner_late]


# --- Calendar ---------------------------------------------------------------------------------


def test_calendar_groups_a_month_by_local_day(login, users, programme, make_activity):
    make_activity(programme, title="Rakor pagi", starts_at=local(2018, 10, 30, 9, 0))
    # 23.30 in Jakarta is 16.30 UTC: still the 30th here.
    make_activity(programme, title="Rapat malam", starts_at=local(2018, 10, 30, 23, 30))
    # 00.30 on the 31st is the 30th in UTC: the 31st here.
    make_activity(programme, title="Sosialisasi dini hari", starts_at=local(2018, 10, 31, 0, 30))
    make_activity(programme, title="Rakor November", starts_at=local(2018, 11, 2, 9, 0))
    client = login(users[Role.CASE_WORKER])
    response = client.get(reverse("activities:calendar"), {"month": "2018-10"})
    month = response.context["month"]
    days = {day: [a.title for a in items] for day, items in month["days"]}
    assert days == {
        dt.date(2018, 10, 30): ["Rakor pagi", "Rapat malam"],
        dt.date(2018, 10, 31): ["Sosialisasi dini hari"],
    }
    counts = {cell["date"]: cell["count"] for week in month["weeks"] for cell in week}
    assert counts[dt.date(2018, 10, 30)] == 2
    assert all(week[0]["date"].weekday() == 0 for week in month["weeks"])  # Monday first
    body = response.content.decode()
    assert "Oktober 2018" in body and "Selasa, 30 Oktober 2018" in body
    assert "?month=2018-09" in body and "?month=2018-11" in body
    assert "Rakor November" not in body

    december = client.get(reverse("activities:calendar"), {"month": "2018-12"})
    assert "?month=2019-01" in december.content.decode()
    # A month that cannot be read shows the current month.
    fallback = client.get(reverse("activities:calendar"), {"month": "oktober"})
    assert fallback.context["month"]["first"] == timezone.localdate().replace(day=1)


def test_calendar_respects_scope(login, kukar, programme, make_activity):
    make_activity(programme, title="Rakor Kupang")
    client = login(kukar["user"])
    body = client.get(reverse("activities:calendar"), {"month": "2018-10"}).content.decode()
    assert "Rakor Kupang" not in body


# --- iCalendar feed ---------------------------------------------------------------------------


def _make_feed(client) -> str:
    response = client.post(reverse("activities:calendar_feed_manage"), {"action": "create"})
    assert response.status_code == 200
    return urlsplit(response.context["feed_url"]).path


def _unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def test_ical_feed_lists_activities_in_scope(client, login, users, orgs, programme, make_activity, kukar):
    long_venue = "Ruang Garuda, Lantai 2, Balai Kota Kupang, Jalan Timor Raya Nomor 1 — di samping gedung DPRD"
    make_activity(
        programme,
        title="Rakor OPD, LSM; TNI\\Polri",
        venue=long_venue,
        starts_at=local(2018, 10, 30, 9, 0),
        ends_at=local(2018, 10, 30, 12, 0),
        minutes="Notulen rahasia",
    )
    make_activity(programme, title="Sosialisasi", kind=ActivityKind.SOCIALISATION, starts_at=local(2018, 11, 5, 8, 0))
    make_activity(kukar["programme"], title="Rakor Kukar", organiser=kukar["programme"].owner_organisation)
    kadis = users[Role.HEAD_OF_DINSOS]
    path = _make_feed(login(kadis))
    # Only the hash is stored.
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=kadis)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(CalendarFeed.objects.values()))

    client.logout()
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")  # no bare line feeds
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    lines = _unfold(body)
    assert lines.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Rakor OPD\\, LSM\\; TNI\\\\Polri" in lines
    assert f"LOCATION:{ical.escape_text(long_venue)}" in lines
    # The long LOCATION line was folded.
    assert any(line.startswith(" ") for line in body.split("\r\n"))
    # 09.00 in Jakarta (UTC+7) is 02.00 UTC.
    # 09.00–12.00 WITA (Kupang) is 01.00–04.00 UTC.
    assert "DTSTART:20181030T010000Z" in lines and "DTEND:20181030T040000Z" in lines
    assert any(re.fullmatch(r"UID:kegiatan-\d+@\S+", line) for line in lines)
    assert any(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line) for line in lines)
    assert "DESCRIPTION:Rapat koordinasi (rakor)\\nProgram: Penutupan Lokalisasi Karang Dempel" in lines
    assert "Rakor Kukar" not in body and "Notulen rahasia" not in body
    feed.refresh_from_db()
    assert feed.last_used_at is not None


def test_ical_feed_refuses_unknown_revoked_and_deactivated(client, login, users, programme, make_activity):
    make_activity(programme)
    kadis = users[Role.HEAD_OF_DINSOS]
    user_client = login(kadis)
    path = _make_feed(user_client)
    assert client.get(path.replace(path[-10:-4], "xxxxxx")).status_code == 404
    assert client.get(reverse("activities:ical_feed", kwargs={"token": "tidak-ada"})).status_code == 404

    # A new address replaces the old one.
    newer = _make_feed(user_client)
    assert client.get(path).status_code == 404
    assert client.get(newer).status_code == 200

    kadis.is_active = False
    kadis.save(update_fields=["is_active"])
    assert client.get(newer).status_code == 404
    kadis.is_active = True
    kadis.save(update_fields=["is_active"])
    assert client.get(newer).status_code == 200

    response = user_client.post(reverse("activities:calendar_feed_manage"), {"action": "revoke"})
    assert response.status_code == 302
    assert client.get(newer).status_code == 404
    assert AuditEvent.objects.filter(object_type="activities.calendarfeed", action=Action.DEACTIVATE).exists()


def test_ical_feed_uses_the_scope_at_fetch_time(client, login, users, orgs, programme, make_activity):
    make_activity(programme, title="Rakor Kupang")
    peksos = users[Role.CASE_WORKER]
    path = _make_feed(login(peksos))
    assert "Rakor Kupang" in client.get(path).content.decode()
    peksos.region_id = "64.02"
    peksos.save(update_fields=["region"])
    body = client.get(path).content.decode()
    assert body.count("BEGIN:VEVENT") == 0
    # A role without programme access loses the feed altogether.
    peksos.role = Role.AUDITOR
    peksos.save(update_fields=["role"])
    assert client.get(path).status_code == 404


def test_feed_manage_page_shows_the_address_once(login, users):
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:calendar_feed_manage")
    assert 'data-testid="feed-url"' not in client.get(url).content.decode()
    response = client.post(url, {"action": "create"})
    assert 'data-testid="feed-url"' in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    again = client.get(url).content.decode()
    assert 'data-testid="feed-url"' not in again and "Cabut alamat" in again


def test_ical_folding_and_escaping_rules():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "é" * 60  # two octets each
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert ical.fold("SHORT:x") == "SHORT:x"


# --- Attachments ------------------------------------------------------------------------------


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_attachment_upload_and_download(client, login, users, orgs, programme, make_activity, kukar):
    activity = make_activity(programme)
    kadis_client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:attachment_add", kwargs={"pk": activity.pk})
    response = kadis_client.post(
        url, {"file": SimpleUploadedFile("notulen Sri Rahayu.pdf", PDF, content_type="application/pdf"), "name": ""}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "notulen Sri Rahayu.pdf"
    # The stored file has a random name, not the uploaded one.
    assert "Sri" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert (attachment.size, attachment.content_type) == (len(PDF), "application/pdf")

    kadis_client.post(url, {"file": SimpleUploadedFile("laporan.docx", _docx()), "name": "Laporan sosialisasi"})
    assert Attachment.objects.count() == 2

    download = reverse("activities:attachment_download", kwargs={"pk": attachment.pk})
    # A partner taking part in the programme may read it.
    partner = login(users[Role.PARTNER_USER])
    response = partner.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_type="activities.attachment").count() == 1
    # Outside the scope: not found.
    assert login(kukar["user"]).get(download).status_code == 404


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("program.exe", b"MZ\x90\x00", "Jenis berkas tidak diizinkan"),
        ("notulen.pdf", b"<html><script>alert(1)</script></html>", "tidak sesuai"),
        ("foto.png", b"\xff\xd8\xff\xe0JFIF", "tidak sesuai"),
        ("tabel.xlsx", _docx(), "tidak sesuai"),
        ("kosong.pdf", b"", "kosong"),
    ],
)
def test_attachment_type_errors(login, users, programme, make_activity, filename, content, message):
    activity = make_activity(programme)
    client = login(users[Role.HEAD_OF_DINSOS])
    response = client.post(
        reverse("activities:attachment_add", kwargs={"pk": activity.pk}),
        {"file": SimpleUploadedFile(filename, content)},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["attachment_form"].errors.get("file", []))
    assert message.lower() in errors.lower()
    assert not Attachment.objects.exists()


def test_attachment_size_limit(login, users, programme, make_activity):
    activity = make_activity(programme)
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:attachment_add", kwargs={"pk": activity.pk})
    too_big = PDF + b"0" * (10 * 1024 * 1024 - len(PDF) + 1)
    response = client.post(url, {"file": SimpleUploadedFile("besar.pdf", too_big)})
    assert "terlalu besar" in " ".join(response.context["attachment_form"].errors["file"])
    assert not Attachment.objects.exists()
    just_fits = too_big[:-1]
    assert client.post(url, {"file": SimpleUploadedFile("pas.pdf", just_fits)}).status_code == 302


def test_attachment_stored_directly_downloads_with_extension(login, users, programme, make_activity):
    activity = make_activity(programme)
    attachment = Attachment.objects.create(
        activity=activity,
        file=ContentFile(PDF, name="x.pdf"),
        name="Daftar hadir",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=users[Role.HEAD_OF_DINSOS],
    )
    response = login(users[Role.CASE_WORKER]).get(
        reverse("activities:attachment_download", kwargs={"pk": attachment.pk})
    )
    assert 'filename="Daftar hadir.pdf"' in response["Content-Disposition"]


def test_saving_an_unchanged_planned_activity_records_nothing(login, users, orgs, programme, make_activity):
    next_year = timezone.localdate().year + 1
    activity = make_activity(programme, status=ActivityStatus.PLANNED, starts_at=local(next_year, 3, 1, 9, 0))
    client = login(users[Role.HEAD_OF_DINSOS])
    url = reverse("activities:edit", kwargs={"pk": activity.pk})
    data = {key: value for key, value in client.get(url).context["form"].initial.items() if value is not None}
    data.update(
        starts_at=f"{timezone.localtime(activity.starts_at, ZoneInfo('Asia/Makassar')):%Y-%m-%dT%H:%M}",
        attendance_female="",
        attendance_male="",
        site="",
    )
    assert client.post(url, data).status_code == 302
    assert not AuditEvent.objects.filter(action=Action.UPDATE, object_type="activities.activity").exists()
    # Marked held with the counts left blank: refused, although zero is stored.
    activity.starts_at = local(2018, 10, 30, 9, 0)
    activity.save()
    response = client.post(url, {**data, "starts_at": "2018-10-30T09:00", "status": ActivityStatus.HELD})
    assert response.context["form"].errors["attendance_female"] == ["Isi jumlah yang hadir (0 bila tidak ada)."]
