"""Real-browser journey: a head of Dinsos records a coordination meeting with two follow-up
actions and sees the late one stand out on the action list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from activities.models import ActionStatus, Activity, FollowUpAction
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page.get_by_label("Kode verifikasi").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_selector("h1:has-text('Selamat datang')")


def add_action(page, description: str, owner: str, due: dt.date) -> None:
    form = page.locator("form[action$='/tindak-lanjut/']")
    if not form.is_visible():
        page.get_by_text("Tambah tindak lanjut", exact=True).first.click()
    form.get_by_label("Tindak lanjut").fill(description)
    form.get_by_label("Penanggung jawab").select_option(label=owner)
    form.get_by_label("Batas waktu").fill(due.isoformat())
    form.get_by_role("button", name="Tambah tindak lanjut").click()
    page.wait_for_selector("text=Tindak lanjut ditambahkan.")


def test_head_of_dinsos_records_a_meeting_and_sees_an_action_overdue(
    live_server,
    page,
    users,
    orgs,
    make_programme,
):
    programme = make_programme(partners=[orgs["lks_kupang"]])
    kadis = users[Role.HEAD_OF_DINSOS]
    sign_in(page, live_server, kadis)

    page.goto(f"{live_server.url}/kegiatan/program/{programme.pk}/baru/")
    page.get_by_label("Jenis kegiatan").select_option(label="Rapat koordinasi (rakor)")
    page.get_by_label("Judul").fill("Rakor penutupan bersama OPD, LSM, TNI/Polri")
    page.get_by_label("Mulai").fill("2018-10-30T09:00")
    page.get_by_label("Selesai", exact=True).fill("2018-10-30T12:00")
    page.get_by_label("Tempat").fill("Ruang Garuda, Balai Kota Kupang")
    page.get_by_label("Status").select_option(label="Terlaksana")
    page.get_by_label("LKS Uji Kupang").check()
    page.get_by_label("OPD dan Forkopimda").check()
    page.get_by_label("Hadir perempuan (P)").fill("14")
    page.get_by_label("Hadir laki-laki (L)").fill("23")
    page.get_by_label("Keputusan").fill("Sosialisasi kepada penghuni; pendataan ulang.")
    page.get_by_role("button", name="Simpan").click()

    page.wait_for_selector("h1:has-text('Rakor penutupan bersama OPD')")
    assert "14 perempuan, 23 laki-laki, jumlah 37" in page.get_by_test_id("attendance").inner_text()

    today = timezone.localdate()
    add_action(page, "Sosialisasi kepada penghuni", "Dinas Sosial Kota Kupang", today - dt.timedelta(days=1))
    add_action(page, "Pendataan ulang penghuni", "LKS Uji Kupang", today + dt.timedelta(days=1))
    assert page.get_by_test_id("action-row").count() == 2
    activity = Activity.objects.get()
    assert FollowUpAction.objects.filter(activity=activity, status=ActionStatus.OPEN).count() == 2

    page.goto(f"{live_server.url}/kegiatan/tindak-lanjut/")
    rows = page.get_by_test_id("action-row")
    assert rows.count() == 2
    # The late one comes first, marked; the other is not.
    assert "Sosialisasi kepada penghuni" in rows.nth(0).inner_text()
    assert rows.nth(0).get_by_test_id("overdue").inner_text() == "Terlambat"
    assert "Pendataan ulang penghuni" in rows.nth(1).inner_text()
    assert rows.nth(1).get_by_test_id("overdue").count() == 0

    # Done: it no longer shows as late.
    rows.nth(0).get_by_text("Perbarui").click()
    rows.nth(0).get_by_label("Status").select_option(label="Selesai")
    rows.nth(0).get_by_role("button", name="Simpan").click()
    page.wait_for_selector("text=Status tindak lanjut: Selesai.")
    assert page.get_by_test_id("overdue").count() == 0


def test_calendar_on_a_phone_fits_the_screen(live_server, phone_page, users, orgs, make_programme):
    programme = make_programme()
    Activity.objects.create(
        programme=programme,
        kind="coordination",
        title="Rakor di ruang Garuda",
        starts_at=timezone.make_aware(dt.datetime(2018, 10, 30, 9, 0)),
        organiser=orgs["dinsos_kupang"],
        region_code=programme.region_id,
    )
    sign_in(phone_page, live_server, users[Role.HEAD_OF_DINSOS])
    phone_page.goto(f"{live_server.url}/kegiatan/kalender/?month=2018-10")
    assert phone_page.get_by_test_id("month-title").inner_text() == "Oktober 2018"
    day = phone_page.get_by_test_id("calendar-day")
    assert day.count() == 1 and "Rakor di ruang Garuda" in day.inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.get_by_test_id("next-month").click()
    phone_page.wait_for_selector("[data-testid=month-title]:has-text('November 2018')")
