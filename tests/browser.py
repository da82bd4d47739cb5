"""Playwright with Debian's Chromium (never a downloaded browser), for real-browser tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("PULIH_CHROMIUM", "/usr/bin/chromium"))
# Flags for a closed network and a root sandbox: no background calls to Google, no sandbox.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("PULIH_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop; Django's ORM calls from the test body are still sync.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        locale="id-ID", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
