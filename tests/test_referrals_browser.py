"""Real-browser journeys: a partner accepts a referral and sees the shared identity and nothing
else of the case; a receiving Dinsos accepts a transfer and the case joins its case list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from cases import referrals
from cases.models import Case, ReferralKind, ServiceKind
from conftest import PASSWORD
from organisations.models import Accreditation
from people.models import ConsentKind, ConsentRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Maria Goreti Bere"


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page.get_by_label("Kode verifikasi").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_selector("h1:has-text('Selamat datang')")


@pytest.fixture
def consenting_case(make_person, make_case, users):
    # make_person takes the site's case-code counter under a row lock: it needs a transaction
    # (these tests run in autocommit so the live server sees the rows).
    with transaction.atomic():
        person = make_person(NAME, nik="5371014107900001", phone="081234567890", origin_regency="64.02")
    ConsentRecord.objects.create(
        person=person,
        kind=ConsentKind.SHARE_WITH_PARTNERS,
        given=True,
        recorded_on=timezone.localdate(),
        recorded_by=users[Role.REGISTRAR],
    )
    person.share_consent = True
    person.save(update_fields=["share_consent"])
    return make_case(person)


def test_partner_accepts_a_referral_sees_the_identity_and_nothing_else(
    live_server,
    page,
    users,
    orgs,
    consenting_case,
):
    today = timezone.localdate()
    lks = orgs["lks_kupang"]
    Accreditation.objects.create(
        organisation=lks,
        number="BALKS/001",
        grade="A",
        granted_on=today - dt.timedelta(days=30),
        valid_until=today + dt.timedelta(days=700),
    )
    referrals.referral_create(
        actor=users[Role.CASE_WORKER],
        case=consenting_case,
        kind=ReferralKind.REFERRAL,
        service_kind=ServiceKind.HEALTH_REFERRAL,
        to_organisation=lks,
        reason="Perlu pemeriksaan kesehatan rutin",
        shared_fields=["identity"],
    )
    sign_in(page, live_server, users[Role.PARTNER_USER])

    page.goto(f"{live_server.url}/kasus/rujukan/")
    row = page.get_by_test_id("referral-row")
    assert row.count() == 1
    assert "Menunggu jawaban" in row.inner_text()
    row.get_by_role("link", name=consenting_case.number).click()

    # Before accepting: the need and the deadline, no identity.
    page.wait_for_selector("h1:has-text('Rujukan')")
    assert "Perlu pemeriksaan kesehatan rutin" in page.get_by_test_id("referral-reason").inner_text()
    assert NAME not in page.content()
    assert page.get_by_test_id("nothing-before-accepting").is_visible()

    page.get_by_role("button", name="Terima rujukan").click()
    page.wait_for_selector("text=Rujukan diterima.")
    assert "Diterima" in page.get_by_test_id("referral-status").inner_text()
    page.get_by_role("button", name="Tampilkan identitas").click()
    identity = page.get_by_test_id("identity")
    identity.wait_for()
    assert NAME in identity.inner_text()
    assert "081234567890" in identity.inner_text()

    # The menu offers no case or person pages, and the case's own pages are refused.
    menu = page.locator(".nav-links").inner_text()
    for section in ("Kasus", "Penerima", "Lokalisasi", "Pendataan"):
        assert section not in menu
    for path in (
        "/kasus/",
        "/kasus/semua/",
        f"/kasus/{consenting_case.pk}/",
        f"/penerima/{consenting_case.person.case_code}/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403, path


def test_receiving_dinsos_accepts_a_transfer_and_the_case_joins_its_list(
    live_server,
    page,
    users,
    orgs,
    make_user,
    consenting_case,
):
    kukar = orgs["dinsos_kukar"]
    head = make_user(Role.HEAD_OF_DINSOS, organisation=kukar, region="64.02", username="kadis.kukar")
    referrals.referral_create(
        actor=users[Role.CASE_WORKER],
        case=consenting_case,
        kind=ReferralKind.TRANSFER,
        to_organisation=kukar,
        reason="Pulang ke daerah asal; bimbingan lanjut oleh Dinas Sosial Kutai Kartanegara",
    )
    sign_in(page, live_server, head)

    # Not in Kukar's case list before accepting.
    page.goto(f"{live_server.url}/kasus/semua/")
    assert consenting_case.number not in page.content()

    page.goto(f"{live_server.url}/kasus/rujukan/")
    page.get_by_test_id("referral-row").get_by_role("link", name=consenting_case.number).click()
    page.wait_for_selector("h1:has-text('Pengalihan tanggung jawab')")
    assert NAME not in page.content()
    page.get_by_role("button", name="Terima pengalihan").click()
    page.wait_for_selector("text=kini tanggung jawab")
    assert "Diterima" in page.get_by_test_id("referral-status").inner_text()

    page.get_by_role("button", name="Buka berkas kasus").click()
    page.wait_for_selector(f"h1:has-text('{consenting_case.number}')")
    assert kukar.name in page.content()

    page.goto(f"{live_server.url}/kasus/semua/")
    assert page.get_by_role("link", name=consenting_case.number).is_visible()
    assert Case.objects.get(pk=consenting_case.pk).responsible_organisation == kukar
