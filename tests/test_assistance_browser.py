"""Real-browser journeys: the head of Dinsos writes an eligibility rule row by row (each row's
value widget follows its field), the case worker previews on a phone and proposes, the finance
officer pays one person and sees the receipt link."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import Role
from assistance import services
from assistance.models import AmountRule, EntitlementStatus, FundingSource
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("PULIH_SCREENSHOTS")


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page.get_by_label("Kode verifikasi").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_selector("h1:has-text('Selamat datang')")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def pem(make_person, users, orgs):
    with transaction.atomic():
        for name, origin in (("Maria Seran", "53.71"), ("Yuliana Tefa", "53.71"), ("Sri Rahayu", "35.06")):
            make_person(name, origin_regency=origin, birth_year=1990)
    head = users[Role.HEAD_OF_DINSOS]
    line = services.budget_line_create(
        actor=head,
        owner_organisation=orgs["dinsos_kupang"],
        fiscal_year=2019,
        source=FundingSource.APBD_REGENCY,
        code="5.1.02.02",
        name="Dana PEM",
        amount=Decimal("25000000"),
    )
    programme = services.programme_create(
        actor=head,
        budget_line=line,
        name="Dana PEM Kota Kupang 2019",
        amount_rule=AmountRule.FIXED,
        amount=Decimal("5000000"),
    )
    services.cycle_create(
        actor=head, programme=programme, name="2019", starts_on=dt.date(2019, 1, 7), ends_on=dt.date(2019, 12, 31)
    )
    return programme


def test_rule_rows_preview_on_a_phone_and_payment(live_server, page, phone_page, users, pem):
    sign_in(page, live_server, users[Role.HEAD_OF_DINSOS])
    page.goto(f"{live_server.url}/bantuan/program/{pem.pk}/syarat/")
    with page.expect_response(lambda r: "/syarat/baris/" in r.url):
        page.select_option("#id_c-0-field", "domicile_local")
    # HTMX re-rendered the row: the value is a yes/no choice, and the only operator is chosen.
    page.wait_for_selector("select#id_c-0-value option[value=true]", state="attached")
    assert page.input_value("#id_c-0-operator") == "is"
    page.select_option("#id_c-0-value", "true")
    with page.expect_response(lambda r: "/syarat/baris/" in r.url):
        page.select_option("#id_c-1-field", "age")
    page.wait_for_selector("input#id_c-1-value[type=number]")
    # Let HTMX finish swapping the row before using its new operator list.
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    with page.expect_response(lambda r: "/syarat/baris/" in r.url):
        page.select_option("#id_c-1-operator", "gte")
    page.fill("#id_c-1-value", "18")
    shot(page, "assistance-rules")
    page.get_by_role("button", name="Simpan syarat").click()
    page.wait_for_selector("text=Berdomisili di kabupaten/kota lokalisasi")
    assert page.locator("text=Umur paling sedikit 18 tahun").count() == 1

    sign_in(phone_page, live_server, users[Role.CASE_WORKER])
    cycle = pem.cycles.get()
    phone_page.goto(f"{live_server.url}/bantuan/siklus/{cycle.pk}/?show=all")
    assert phone_page.get_by_test_id("eligible-count").inner_text() == "2"
    assert phone_page.locator("text=Berasal dari Kabupaten Kediri, bukan Kota Kupang").count() >= 1
    # Nothing spills out sideways on a 390px phone: wide tables scroll inside their wrapper.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(phone_page, "assistance-preview-phone")
    phone_page.get_by_role("button", name="Usulkan 2 orang (Rp10.000.000)").click()
    phone_page.wait_for_selector("text=Menunggu persetujuan Kepala Dinas")

    run = cycle.runs.get()
    services.run_approve(actor=users[Role.HEAD_OF_DINSOS], run=run)
    entitlement = run.entitlements.order_by("person__case_code").first()
    page.context.clear_cookies()
    sign_in(page, live_server, users[Role.FINANCE_OFFICER])
    page.goto(f"{live_server.url}/bantuan/hak/{entitlement.pk}/bayar/")
    assert page.locator("text=Maria Seran").count() == 1  # the name needed to pay
    page.select_option("#id_method", "cash")
    page.fill("#id_paid_on", "2019-02-15")
    page.get_by_role("button", name="Catat pembayaran").click()
    page.wait_for_selector("text=Cetak kuitansi (PDF)")
    shot(page, "assistance-entitlement")
    entitlement.refresh_from_db()
    assert entitlement.status == EntitlementStatus.DISBURSED
