"""The home page shows each user what needs attention today, within their role and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from activities.models import FollowUpAction
from people.models import SafeguardingAlert

pytestmark = pytest.mark.django_db


def overdue_action(programme, owner, description="Mengirim surat ke daerah asal"):
    return FollowUpAction.objects.create(
        programme=programme,
        description=description,
        owner_organisation=owner,
        due_on=timezone.localdate() - dt.timedelta(days=3),
        region_code=programme.region_id,
    )


def test_overdue_actions_of_my_organisation_stand_out(login, users, orgs, make_programme):
    programme = make_programme(partners=[orgs["lks_kupang"]])
    overdue_action(programme, orgs["dinsos_kupang"])
    overdue_action(programme, orgs["lks_kupang"], description="Tugas LKS")
    html = login(users[Role.CASE_WORKER]).get("/").content.decode()
    assert "Mengirim surat ke daerah asal" in html and "Tugas LKS" not in html
    assert "tindak lanjut organisasi Anda terlambat" in html

    # The partner sees its own overdue action, not the Dinsos's.
    partner_html = login(users[Role.PARTNER_USER]).get("/").content.decode()
    assert "Tugas LKS" in partner_html and "Mengirim surat" not in partner_html


def test_alert_count_only_for_supervisors(login, users, make_person):
    person = make_person(origin_regency="53.71")
    SafeguardingAlert.objects.create(person=person, kind="child", reason="uji", scope_region_code="53.71")
    assert "peringatan perlindungan" in login(users[Role.HEAD_OF_DINSOS]).get("/").content.decode()
    assert "peringatan perlindungan" not in login(users[Role.FINANCE_OFFICER]).get("/").content.decode()


def test_caseload_block_for_case_workers(login, users, make_case):
    make_case()
    make_case()
    html = login(users[Role.CASE_WORKER]).get("/").content.decode()
    assert "<strong>2</strong> kasus aktif" in html


def test_the_analyst_sees_no_person_blocks(login, users, make_person, make_case):
    make_case()
    html = login(users[Role.KEMENSOS_ANALYST]).get("/").content.decode()
    assert "kasus aktif" not in html and "peringatan" not in html


def test_home_query_count_is_bounded(login, users, orgs, make_programme, django_assert_max_num_queries):
    programme = make_programme()
    for i in range(10):
        overdue_action(programme, orgs["dinsos_kupang"], description=f"Tugas {i}")
    client = login(users[Role.HEAD_OF_DINSOS])
    with django_assert_max_num_queries(25):
        assert client.get("/").status_code == 200
