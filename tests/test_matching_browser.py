"""Real-browser journey through the matching review queue: a case worker of Dinas Sosial Kota
Kupang finds the pair of an old and a new spelling of one woman's name, reads why it scored,
decides "the same person", sees the decision and takes it back; the pair page fits a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from conftest import PASSWORD
from matching import selectors, services
from matching.engine import synthetic
from matching.models import CandidateStatus, GroupMembership, MatchCandidate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What identifies the two records; none of it may reach the list or the unrevealed pair page.
SECRETS = ("Rahay", "RAHAY", "3578015403910004", "081338112233")


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page.get_by_label("Kode verifikasi").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_selector("h1:has-text('Selamat datang')")


def csp_violations(page) -> list[str]:
    """Chromium reports what the Content-Security-Policy refused on the console."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refused


@pytest.fixture
def spelling_pair(make_person):
    """Sri Rahayoe (old spelling, NIK) and Sri Rahayu (new spelling, phone), born the same day
    in Karang Dempel, a false friend of the same name, and some unrelated residents; matched
    for Kota Kupang. The same approach as the ``planted`` fixture of tests/test_matching.py."""
    same = dict(birth_date=dt.date(1991, 3, 14), origin_regency="35.78")
    old = make_person("Sri Rahayoe", nik="3578015403910004", **same)
    new = make_person("Sri Rahayu", phone="081338112233", **same)
    make_person("Sri Rahayu", birth_date=dt.date(1984, 11, 2), origin_regency="33.10")
    for resident in synthetic.generate(40, seed=9, duplicate_share=0)[0]:
        make_person(resident["name"], birth_date=dt.date.fromisoformat(resident["dob"]) if resident["dob"] else None)
    with transaction.atomic():
        services.run_matching(region="53.71")
    a, b = sorted((old.pk, new.pk))
    pair = MatchCandidate.objects.get(person_a_id=a, person_b_id=b)
    assert pair.status == CandidateStatus.PROPOSED
    return old, new, pair


def test_case_worker_decides_same_person_and_takes_it_back(live_server, page, users, spelling_pair):
    old, new, pair = spelling_pair
    refused = csp_violations(page)
    sign_in(page, live_server, users[Role.CASE_WORKER])

    # The menu leads to the queue; the pair is listed by case codes only.
    page.locator(".nav-links").get_by_role("link", name="Pencocokan").click()
    page.wait_for_selector("h1:has-text('Pencocokan data')")
    row = page.locator("tbody tr", has_text=old.case_code)
    assert row.count() == 1
    assert new.case_code in row.inner_text()
    assert "Diusulkan sama" in row.inner_text()
    queue_html = page.content()
    for secret in SECRETS:
        assert secret not in queue_html, secret

    # The pair page explains the score field by field, still without identities.
    row.get_by_role("link", name="Periksa").click()
    page.wait_for_selector("h2:has-text('Skor kecocokan')")
    assert old.case_code in page.locator("h1").inner_text() and new.case_code in page.locator("h1").inner_text()
    agreement = page.locator("section[aria-labelledby=score-title] tbody tr")
    by_field = {r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text() for r in agreement.all()}
    assert by_field["Nama dan alias"] == "nama sama"
    assert "Tanggal lahir" in by_field
    assert page.locator("section[aria-labelledby=score-title] .weight-pos").count() >= 2  # name and birth date
    for secret in SECRETS:
        assert secret not in page.content(), secret
    # The two records stand side by side for comparison.
    left, right = (side.bounding_box() for side in page.get_by_test_id("side").all())
    assert left["y"] == right["y"] and left["x"] + left["width"] <= right["x"]

    # "Same person": confirmed, the two records are one group, the pair leaves the open queue.
    page.get_by_role("button", name="Benar, orang yang sama").click()
    page.wait_for_selector("text=Dicatat sebagai orang yang sama")
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.SAME and pair.decided_by == users[Role.CASE_WORKER]
    active = GroupMembership.objects.filter(left_at__isnull=True, person__in=[old, new])
    assert active.count() == 2 and len({m.group_id for m in active}) == 1
    assert selectors.same_person_ids(old) == {old.pk, new.pk}
    assert page.locator("tbody tr", has_text=old.case_code).count() == 0

    # The confirmation links back to the pair, with the decision and the button to take it back.
    page.get_by_role("link", name="Keliru? Batalkan").click()
    decision = page.locator("section[aria-labelledby=decision-title]")
    decision.wait_for()
    assert "Orang yang sama" in decision.inner_text()
    assert users[Role.CASE_WORKER].username in decision.inner_text()
    assert "Sudah satu kelompok" in page.locator("[data-testid=side]").first.inner_text()

    # Undo: the records are apart again (their memberships ended, not deleted) and the pair is
    # back in the open queue, waiting for review.
    decision.get_by_role("button", name="Batalkan keputusan").click()
    page.wait_for_selector("text=Keputusan dibatalkan")
    assert page.get_by_role("button", name="Orang yang sama", exact=True).is_visible()
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.NEEDS_REVIEW and pair.decided_by is None
    assert not GroupMembership.objects.filter(left_at__isnull=True, person__in=[old, new]).exists()
    assert GroupMembership.objects.filter(left_at__isnull=False, person__in=[old, new]).count() == 2
    assert selectors.same_person_ids(old) == {old.pk}

    page.get_by_role("link", name="Antrean pencocokan").click()
    page.wait_for_selector("h1:has-text('Pencocokan data')")
    row = page.locator("tbody tr", has_text=old.case_code)
    assert row.count() == 1 and "Perlu diperiksa" in row.inner_text()
    assert refused == []


def test_pair_page_fits_a_phone(live_server, phone_page, users, spelling_pair):
    _old, _new, pair = spelling_pair
    refused = csp_violations(phone_page)
    sign_in(phone_page, live_server, users[Role.CASE_WORKER])
    phone_page.goto(live_server.url + reverse("matching:pair", args=[pair.pk]))
    phone_page.get_by_role("button", name="Benar, orang yang sama").wait_for()
    width = phone_page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    # The decision buttons are on screen, not cut off at the right edge.
    box = phone_page.get_by_role("button", name="Bukan orang yang sama").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width[1]
    # The two records are stacked, each the full width.
    top, bottom = (side.bounding_box() for side in phone_page.get_by_test_id("side").all())
    assert top["y"] + top["height"] <= bottom["y"]
    assert refused == []
