"""Real-browser journeys (Chromium via Playwright) against a live server."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp

from accounts.models import Role
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_from_manual_key(key_text: str) -> str:
    key = key_text.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(base64.b32decode(key)):06d}"


def test_sign_in_with_two_factor_switch_language_and_pick_a_region(live_server, page, make_user, orgs):
    make_user(Role.HEAD_OF_DINSOS, username="kadis.baru", two_factor=False)

    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill("kadis.baru")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    # First sign-in: enrol an authenticator by its manual key, then keep the recovery codes.
    page.wait_for_selector("[data-testid=totp-key]")
    assert page.locator(".qr svg").count() == 1
    code = totp_from_manual_key(page.get_by_test_id("totp-key").inner_text())
    page.get_by_label("Kode verifikasi").fill(code)
    page.get_by_role("button", name="Aktifkan").click()
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10
    page.get_by_role("button", name="Saya sudah menyimpannya").click()
    assert page.get_by_role("heading", name="Selamat datang").is_visible()
    # On a desktop the menu is shown as links, without the phone's toggle.
    assert not page.locator(".nav-toggle-label").is_visible()
    assert not page.locator(".nav-toggle").is_visible()

    # Switch to English and back.
    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("h1:has-text('Welcome')")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="ID").click()
    page.wait_for_selector("h1:has-text('Selamat datang')")

    # The region picker on the organisation filters: type a name, pick Kota Kupang.
    page.goto(f"{live_server.url}/organisasi/")
    search = page.locator("[data-region-search]").first
    search.fill("kupang")
    options = page.locator(".region-options li[data-code]")
    options.first.wait_for()
    labels = options.all_inner_texts()
    assert any("Kota Kupang" in text and "Nusa Tenggara Timur" in text for text in labels)
    assert any("Kabupaten Kupang" in text for text in labels)
    page.locator(".region-options li[data-code='53.71']").click()
    assert page.locator("[data-region-code]").first.input_value() == "53.71"
    assert search.input_value() == "Kota Kupang, Nusa Tenggara Timur"

    # And by code.
    search.fill("53.01")
    page.locator(".region-options li[data-code='53.01']").wait_for()


def test_phone_layout_has_a_menu_toggle(live_server, phone_page, users):
    phone_page.goto(f"{live_server.url}/akun/masuk/")
    phone_page.get_by_label("Nama pengguna").fill("analis")
    phone_page.get_by_label("Kata sandi").fill(PASSWORD)
    phone_page.get_by_role("button", name="Masuk").click()
    phone_page.wait_for_selector("h1:has-text('Selamat datang')")
    menu_link = phone_page.locator(".nav-links a", has_text="Organisasi")
    assert not menu_link.is_visible()
    phone_page.locator(".nav-toggle-label").click()
    assert menu_link.is_visible()
    # Nothing wider than the screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
