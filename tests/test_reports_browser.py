"""Real-browser checks of the dashboards (Chromium via Playwright): the Kemensos analyst opens the
national dashboard, charts are drawn by the local Chart.js under the CSP, and no person's record
can be reached from it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def residents(make_person, make_case, site_kd):
    """Karang Dempel: three residents of Kota Kupang itself and twelve from other provinces."""
    people = [make_person(f"Warga {i}", origin_regency="53.71") for i in range(3)]
    people += [make_person(f"Pendatang {i}", origin_regency="35.06") for i in range(12)]
    for person in people:
        make_case(person, stage="assessment")
    return people


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("h1")


def test_kemensos_analyst_opens_the_national_dashboard_and_reaches_no_person(
    live_server,
    page,
    users,
    residents,
):
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None,
    )
    # Every asset loads from the project itself (the browser asks for a favicon nobody serves).
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )

    assert users[Role.KEMENSOS_ANALYST].username == "analis"
    sign_in(page, live_server, "analis")  # no second factor: the analyst sees no identities
    page.goto(f"{live_server.url}{reverse('reports:dashboard')}")
    assert page.get_by_role("heading", name="Dasbor").is_visible()
    assert "Seluruh Indonesia" in page.get_by_test_id("scope").inner_text()
    # Charts are drawn by the local Chart.js, under a CSP without inline scripts or styles.
    page.wait_for_selector("canvas[data-chart='stages'][data-drawn]")
    assert page.evaluate("typeof window.Chart") == "function"
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
    assert all(
        src.startswith("/static/")
        for src in page.eval_on_selector_all("script[src]", "s => s.map(e => e.getAttribute('src'))")
    )
    # Every chart has its table.
    assert page.get_by_test_id("stages").is_visible() and page.get_by_test_id("breakdown").is_visible()

    # No link leads to a person, a case or a list of them.
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    for prefix in ("/penerima/", "/kasus/", "/pemulangan/", "/pendataan/"):
        assert not [h for h in hrefs if h.startswith(prefix)], prefix
    # Drilling down to the province, then to the kabupaten/kota, still shows nobody.
    page.get_by_role("link", name="Nusa Tenggara Timur").click()
    page.wait_for_selector("[data-testid=breakdown] a:has-text('Kota Kupang')")
    page.get_by_role("link", name="Kota Kupang").first.click()
    page.wait_for_selector("[data-testid=breakdown] tr[data-unit]")
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h.startswith(("/penerima/", "/kasus/"))]

    # The origins: the three residents of Kota Kupang are "<5", with a second cell hidden.
    page.goto(f"{live_server.url}{reverse('reports:origins')}")
    local = page.get_by_test_id("origin-classes").locator("td[data-label='Warga kabupaten/kota setempat']")
    assert local.inner_text() == "<5"
    assert page.get_by_test_id("origin-classes").locator(".suppressed").count() >= 2
    assert residents[0].case_code not in page.content()

    # Typing a person's address directly is refused.
    problems.clear()
    response = page.goto(f"{live_server.url}{reverse('people:detail', args=[residents[0].case_code])}")
    assert response.status == 403
    response = page.goto(f"{live_server.url}{reverse('people:list')}")
    assert response.status == 403


def test_dashboard_fits_a_phone_and_prints_its_tables(live_server, phone_page, users, residents):
    sign_in(phone_page, live_server, "analis")
    phone_page.goto(f"{live_server.url}{reverse('reports:dashboard')}")
    phone_page.wait_for_selector("canvas[data-chart='sites'][data-drawn]")
    # Nothing wider than the screen: wide tables scroll inside their own box.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    canvas_width = phone_page.evaluate("document.querySelector(\"canvas[data-chart='stages']\").clientWidth")
    assert 0 < canvas_width <= 390
    # Printed: the tables, not the charts.
    phone_page.emulate_media(media="print")
    assert not phone_page.locator("canvas[data-chart='sites']").is_visible()
    assert phone_page.get_by_test_id("sites-by-status").is_visible()
