"""Lokalisasi status history (dated, ordered, backwards only with a note) and the wisma inside a
site, whose owners' details are encrypted and revealed only through an audited, permitted click."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import Action, AuditEvent
from regions.models import Region
from sites import services
from sites.models import Site, SiteStatus, SiteStatusChange, Wisma
from sites.owners import WismaOwner, seal_owner, unseal_owner

OWNER_NAME = "Yohanes Pemilik Ujiwisma"
OWNER_PHONE = "0812-3456-7890"
OWNER_PHONE_E164 = "+6281234567890"
OWNER_ADDRESS = "Jl. Uji Pemilik No. 7, Alak"


def detail_url(site: Site) -> str:
    return reverse("sites:detail", kwargs={"pk": site.pk})


def status_url(site: Site) -> str:
    return reverse("sites:status_change", kwargs={"pk": site.pk})


def wisma_add_url(site: Site) -> str:
    return reverse("sites:wisma_add", kwargs={"pk": site.pk})


def wisma_edit_url(wisma: Wisma) -> str:
    return reverse("sites:wisma_edit", kwargs={"pk": wisma.pk})


def owner_url(wisma: Wisma) -> str:
    return reverse("sites:wisma_owner", kwargs={"pk": wisma.pk})


@pytest.fixture
def kadis(users):
    return users[Role.HEAD_OF_DINSOS]


@pytest.fixture
def kukar_kadis(make_user, orgs):
    return make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")


@pytest.fixture
def wisma(site_kd, kadis):
    return services.wisma_create(
        actor=kadis,
        site=site_kd,
        name="Wisma Melati",
        estimated_residents=14,
        owner=WismaOwner(name=OWNER_NAME, phone=OWNER_PHONE, address=OWNER_ADDRESS),
    )


def wisma_data(**overrides) -> dict:
    data = {
        "name": "Wisma Anggrek",
        "estimated_residents": "9",
        "note": "",
        "owner_name": OWNER_NAME,
        "owner_phone": OWNER_PHONE,
        "owner_address": OWNER_ADDRESS,
    }
    data.update(overrides)
    return data


def status_dates(site: Site) -> list[tuple[str, dt.date]]:
    return list(SiteStatusChange.objects.filter(site=site).order_by("on", "pk").values_list("status", "on"))


# --- Status history -------------------------------------------------------------------------------


def test_creating_a_site_records_its_status_as_the_first_history_row(client, login, kadis, orgs):
    login(kadis)
    response = client.post(
        reverse("sites:create"),
        {
            "name": "Kawasan Uji Oesapa",
            "short_code": "OS",
            "region": "53.71",
            "owner_organisation": orgs["dinsos_kupang"].pk,
            "year_opened": "1998",
            "status": SiteStatus.OPERATING,
            "status_on": "1998-03-01",
        },
    )
    site = Site.objects.get(short_code="OS")
    assert response.status_code == 302
    assert status_dates(site) == [(SiteStatus.OPERATING, dt.date(1998, 3, 1))]
    change = site.status_changes.get()
    assert change.recorded_by == kadis


def test_a_site_created_without_a_status_date_starts_its_history_today(kadis, orgs):
    site = services.site_create(
        actor=kadis,
        name="Kawasan Uji",
        short_code="KU",
        region=Region.objects.get(code="53.71"),
        owner_organisation=orgs["dinsos_kupang"],
        status=SiteStatus.SOCIALISING,
    )
    assert status_dates(site) == [(SiteStatus.SOCIALISING, timezone.localdate())]


def test_status_changes_are_appended_in_order_and_shown_with_dates(client, login, kadis, site_kd):
    login(kadis)
    first = client.post(status_url(site_kd), {"status": SiteStatus.SOCIALISING, "on": "2018-10-08", "note": ""})
    second = client.post(
        status_url(site_kd), {"status": SiteStatus.CLOSED, "on": "2018-12-31", "note": "Ditutup Wali Kota."}
    )
    assert first.status_code == second.status_code == 302
    site_kd.refresh_from_db()
    assert site_kd.status == SiteStatus.CLOSED
    assert status_dates(site_kd) == [
        (SiteStatus.SOCIALISING, dt.date(2018, 10, 8)),
        (SiteStatus.CLOSED, dt.date(2018, 12, 31)),
    ]
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_type="sites.site").order_by("pk").last()
    assert event.detail == {"fields": ["status"], "from": "socialising", "to": "closed", "on": "2018-12-31"}

    page = client.get(detail_url(site_kd)).content.decode()
    history = page[page.index('id="status-history"') : page.index('id="wisma"')]
    assert history.index("8 Oktober 2018") < history.index("31 Desember 2018")
    assert "Ditutup Wali Kota." in history
    assert history.count('data-testid="status-change"') == 2


def test_a_site_without_history_shows_its_current_status(client, login, users, site_kd):
    login(users[Role.CASE_WORKER])
    page = client.get(detail_url(site_kd)).content.decode()
    assert "Riwayat status belum tercatat untuk lokalisasi ini. Status saat ini: Beroperasi." in page


def test_going_backwards_needs_a_note_that_says_why(client, login, kadis, site_kd):
    services.site_change_status(actor=kadis, site=site_kd, status=SiteStatus.CLOSED, on=dt.date(2018, 12, 31))
    login(kadis)
    response = client.post(status_url(site_kd), {"status": SiteStatus.OPERATING, "on": "2019-06-01", "note": " "})
    assert response.status_code == 200
    message = response.context["form"].errors["note"][0]
    assert "Status mundur dari Ditutup ke Beroperasi" in message and "catatan" in message
    assert 'value="2019-06-01"' in response.content.decode()
    site_kd.refresh_from_db()
    assert site_kd.status == SiteStatus.CLOSED and len(status_dates(site_kd)) == 1

    response = client.post(
        status_url(site_kd),
        {"status": SiteStatus.OPERATING, "on": "2019-06-01", "note": "Aktivitas kembali setelah penutupan."},
    )
    assert response.status_code == 302
    site_kd.refresh_from_db()
    assert site_kd.status == SiteStatus.OPERATING
    assert status_dates(site_kd)[-1] == (SiteStatus.OPERATING, dt.date(2019, 6, 1))


def test_future_dates_and_dates_before_the_previous_change_are_refused(client, login, kadis, site_kd):
    services.site_change_status(actor=kadis, site=site_kd, status=SiteStatus.SOCIALISING, on=dt.date(2018, 10, 8))
    login(kadis)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(status_url(site_kd), {"status": SiteStatus.CLOSED, "on": tomorrow.isoformat()})
    assert "masa depan" in response.context["form"].errors["on"][0]
    response = client.post(status_url(site_kd), {"status": SiteStatus.CLOSED, "on": "2018-10-01"})
    assert response.context["form"].errors["on"] == [
        "Tanggal tidak boleh sebelum perubahan status sebelumnya (Sosialisasi, 8 Oktober 2018). "
        "Riwayat status dicatat berurutan."
    ]
    site_kd.refresh_from_db()
    assert site_kd.status == SiteStatus.SOCIALISING and len(status_dates(site_kd)) == 1
    # The same day as the previous change is fine.
    assert client.post(status_url(site_kd), {"status": SiteStatus.CLOSED, "on": "2018-10-08"}).status_code == 302


def test_the_current_status_again_is_refused(kadis, site_kd):
    with pytest.raises(ValidationError) as exc:
        services.site_change_status(actor=kadis, site=site_kd, status=SiteStatus.OPERATING, on=dt.date(2018, 1, 1))
    assert "sudah Beroperasi" in exc.value.message_dict["status"][0]


def test_only_site_managers_in_scope_change_the_status(client, login, users, kadis, kukar_kadis, site_kd):
    for role in (Role.CASE_WORKER, Role.PROVINCE_OFFICER, Role.KEMENSOS_ANALYST):
        with pytest.raises(PermissionDenied):
            services.site_change_status(
                actor=users[role], site=site_kd, status=SiteStatus.SOCIALISING, on=dt.date(2018, 10, 8)
            )
    login(kukar_kadis)
    assert client.post(status_url(site_kd), {"status": SiteStatus.SOCIALISING, "on": "2018-10-08"}).status_code == 404
    assert not SiteStatusChange.objects.exists()


def test_history_rows_are_never_edited(kadis, site_kd):
    change = services.site_change_status(
        actor=kadis, site=site_kd, status=SiteStatus.SOCIALISING, on=dt.date(2018, 10, 8)
    )
    change.note = "diubah"
    with pytest.raises(ValueError):
        change.save()


def test_a_status_changed_in_the_edit_form_is_recorded_today_and_cannot_go_back(client, login, kadis, site_kd):
    from tests.test_sites import edit_data, edit_url

    login(kadis)
    assert client.post(edit_url(site_kd), edit_data(site_kd, status=SiteStatus.CLOSED)).status_code == 302
    assert status_dates(site_kd) == [(SiteStatus.CLOSED, timezone.localdate())]
    site_kd.refresh_from_db()
    response = client.post(edit_url(site_kd), edit_data(site_kd, status=SiteStatus.OPERATING))
    assert response.status_code == 200
    assert "Ubah status" in response.context["form"].errors["status"][0]
    site_kd.refresh_from_db()
    assert site_kd.status == SiteStatus.CLOSED and len(status_dates(site_kd)) == 1


# --- Wisma ------------------------------------------------------------------------------------------


def test_adding_a_wisma_stores_the_owner_encrypted_and_audits_without_values(client, login, kadis, site_kd):
    login(kadis)
    response = client.post(wisma_add_url(site_kd), wisma_data())
    assert response.status_code == 302 and response.url == f"{detail_url(site_kd)}#wisma"
    wisma = Wisma.objects.get()
    assert (wisma.name, wisma.estimated_residents, wisma.is_active, wisma.created_by) == (
        "Wisma Anggrek",
        9,
        True,
        kadis,
    )
    # Nothing of the owner is readable in the table.
    stored = str(list(Wisma.objects.values()))
    for value in (OWNER_NAME, "Yohanes", "81234567890", "Jl. Uji Pemilik"):
        assert value not in stored
    assert unseal_owner(wisma.owner_ciphertext) == WismaOwner(
        name=OWNER_NAME, phone=OWNER_PHONE_E164, address=OWNER_ADDRESS
    )
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="sites.wisma")
    assert event.detail == {"fields": ["estimated_residents", "is_active", "name", "owner"], "site": "KD"}
    everything_audited = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert OWNER_NAME not in everything_audited and "81234567890" not in everything_audited
    # The success message names the wisma, not the owner.
    page = client.get(detail_url(site_kd)).content.decode()
    assert "Wisma Anggrek ditambahkan." in page and OWNER_NAME not in page


def test_an_invalid_owner_phone_is_refused_in_indonesian_and_the_input_kept(client, login, kadis, site_kd):
    login(kadis)
    response = client.post(wisma_add_url(site_kd), wisma_data(owner_phone="12ab"))
    assert response.status_code == 200
    assert response.context["form"].errors["owner_phone"][0].startswith("Nomor HP pemilik tidak valid.")
    page = response.content.decode()
    assert 'value="Wisma Anggrek"' in page and f'value="{OWNER_NAME}"' in page and 'value="12ab"' in page
    assert not Wisma.objects.exists()


def test_wisma_names_are_unique_within_a_site(client, login, kadis, site_kd, wisma, make_site):
    login(kadis)
    response = client.post(wisma_add_url(site_kd), wisma_data(name="wisma  melati"))
    assert response.context["form"].errors["name"] == [services.wisma_name_taken_message()]
    other_site = make_site("Kawasan Uji Lain", short_code="KL")
    assert client.post(wisma_add_url(other_site), wisma_data(name="Wisma Melati")).status_code == 302


def test_editing_keeps_the_input_on_error(client, login, kadis, site_kd, wisma):
    services.wisma_create(actor=kadis, site=site_kd, name="Wisma Anggrek")
    login(kadis)
    data = wisma_data(name="Wisma Anggrek", estimated_residents="20", note="Dua lantai", owner_phone="0000")
    data["is_active"] = "on"
    response = client.post(wisma_edit_url(wisma), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == [services.wisma_name_taken_message()] and "owner_phone" in errors
    page = response.content.decode()
    assert 'value="Wisma Anggrek"' in page and 'value="20"' in page and "Dua lantai" in page
    assert 'value="0000"' in page
    # The title keeps the saved name.
    assert response.context["wisma"].name == "Wisma Melati"
    wisma.refresh_from_db()
    assert (wisma.name, wisma.estimated_residents) == ("Wisma Melati", 14)


def test_the_edit_form_is_prefilled_through_the_audited_reveal(client, login, kadis, wisma):
    login(kadis)
    response = client.get(wisma_edit_url(wisma))
    assert f'value="{OWNER_NAME}"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=Action.VIEW_IDENTITY, object_type="sites.wisma")
    assert event.detail == {"field": "owner", "purpose": "edit"} and event.actor == kadis


def test_changing_only_the_estimate_leaves_the_owner_ciphertext_and_closing_is_recorded(client, login, kadis, wisma):
    ciphertext = wisma.owner_ciphertext
    login(kadis)
    data = wisma_data(name="Wisma Melati", estimated_residents="3", owner_phone=OWNER_PHONE_E164)
    response = client.post(wisma_edit_url(wisma), data)  # no is_active: the wisma has closed
    assert response.status_code == 302
    wisma.refresh_from_db()
    assert (wisma.estimated_residents, wisma.is_active, wisma.owner_ciphertext) == (3, False, ciphertext)
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="sites.wisma")
    assert event.detail == {"fields": ["estimated_residents", "is_active"]}

    client.post(wisma_edit_url(wisma), {**data, "owner_name": "Pemilik Baru Uji"})
    wisma.refresh_from_db()
    assert unseal_owner(wisma.owner_ciphertext).name == "Pemilik Baru Uji"
    last = AuditEvent.objects.filter(action=Action.UPDATE, object_type="sites.wisma").order_by("pk").last()
    assert last.detail == {"fields": ["owner"]}


def test_owner_reveal_is_a_fragment_and_audited(client, login, users, site_kd, wisma):
    login(users[Role.CASE_WORKER])
    page = client.get(detail_url(site_kd)).content.decode()
    assert owner_url(wisma) in page and OWNER_NAME not in page

    response = client.post(owner_url(wisma), HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert response.status_code == 200 and "<html" not in fragment
    assert OWNER_NAME in fragment and OWNER_PHONE_E164 in fragment and OWNER_ADDRESS in fragment
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=Action.VIEW_IDENTITY)
    assert (event.object_type, event.object_id, event.actor) == ("sites.wisma", str(wisma.pk), users[Role.CASE_WORKER])
    assert event.detail == {"field": "owner"} and event.object_label == "Wisma Melati"

    # Without HTMX: a page of its own, audited the same way.
    response = client.post(owner_url(wisma))
    assert "<html" in response.content.decode() and OWNER_NAME in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).count() == 2
    # Reading it needs a POST: a link or a prefetch reveals nothing.
    assert client.get(owner_url(wisma)).status_code == 405


def test_the_analyst_cannot_see_owners(client, login, users, site_kd, wisma):
    analyst = users[Role.KEMENSOS_ANALYST]
    login(analyst)
    page = client.get(detail_url(site_kd)).content.decode()
    assert "Wisma Melati" in page and owner_url(wisma) not in page and "Disembunyikan" in page
    response = client.post(owner_url(wisma), HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and OWNER_NAME not in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()
    denied = AuditEvent.objects.get(action=Action.PERMISSION_DENIED)
    assert denied.actor == analyst and denied.detail == {"wanted": "owner", "purpose": "view"}


def test_roles_without_sites_view_are_refused(client, login, users, wisma):
    for role in (Role.PARTNER_USER, Role.AUDITOR, Role.SYSADMIN):
        login(users[role])
        assert client.post(owner_url(wisma)).status_code == 403, role
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()


def test_a_wisma_outside_the_scope_is_not_found(client, login, kukar_kadis, wisma):
    login(kukar_kadis)
    assert client.post(owner_url(wisma)).status_code == 404
    assert client.get(wisma_edit_url(wisma)).status_code == 404
    assert client.get(wisma_add_url(wisma.site)).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).exists()


def test_only_site_managers_add_or_edit_wisma(client, login, users, site_kd, wisma):
    for role in (Role.CASE_WORKER, Role.REGISTRAR, Role.PROVINCE_OFFICER):
        login(users[role])
        assert client.post(wisma_add_url(site_kd), wisma_data()).status_code == 403, role
        assert client.post(wisma_edit_url(wisma), wisma_data(name="Diubah")).status_code == 403, role
        with pytest.raises(PermissionDenied):
            services.wisma_update(actor=users[role], wisma=wisma, name="Diubah")
    assert list(Wisma.objects.values_list("name", flat=True)) == ["Wisma Melati"]
    page = client.get(detail_url(site_kd)).content.decode()
    assert wisma_edit_url(wisma) not in page and wisma_add_url(site_kd) not in page


def test_the_detail_page_sums_the_active_wisma_beside_the_sites_estimate(client, login, kadis, site_kd, wisma):
    site_kd.estimated_residents = 40
    site_kd.save()
    services.wisma_create(actor=kadis, site=site_kd, name="Wisma Anggrek", estimated_residents=11)
    services.wisma_create(actor=kadis, site=site_kd, name="Wisma Kenanga")  # no estimate
    services.wisma_create(actor=kadis, site=site_kd, name="Wisma Tutup", estimated_residents=50, is_active=False)
    login(kadis)
    response = client.get(detail_url(site_kd))
    summary = response.context["wisma_summary"]
    assert (summary.active_count, summary.active_residents) == (3, 25)
    page = response.content.decode()
    cell = page[page.index('data-testid="estimated-residents"') :]
    cell = cell[: cell.index("</dd>")]
    assert "40" in cell and "jumlah perkiraan 3 wisma aktif: 25" in cell
    # Active wisma first, closed ones after.
    assert [w.name for w in summary.wisma][-1] == "Wisma Tutup"


def test_the_detail_page_with_many_wisma_takes_a_bounded_number_of_queries(
    client, login, kadis, site_kd, django_assert_max_num_queries
):
    Wisma.objects.bulk_create(
        Wisma(
            site=site_kd,
            name=f"Wisma Uji {n:02d}",
            estimated_residents=n,
            owner_ciphertext=seal_owner(WismaOwner(name=f"Pemilik {n}")),
        )
        for n in range(30)
    )
    for n, status in enumerate((SiteStatus.SOCIALISING, SiteStatus.CLOSED, SiteStatus.MONITORED)):
        services.site_change_status(actor=kadis, site=site_kd, status=status, on=dt.date(2018, 10 + n, 1))
    login(kadis)
    with django_assert_max_num_queries(12):
        response = client.get(detail_url(site_kd))
    assert response.content.decode().count("Tampilkan pemilik") == 30


def test_owners_follow_a_key_rotation(settings, wisma):
    old_ciphertext = wisma.owner_ciphertext
    settings.PULIH_FIELD_KEYS = ["kunci-baru-untuk-uji-wisma", settings.PULIH_FIELD_KEYS[0]]
    call_command("reencrypt", stdout=io.StringIO())
    wisma.refresh_from_db()
    assert wisma.owner_ciphertext != old_ciphertext
    settings.PULIH_FIELD_KEYS = ["kunci-baru-untuk-uji-wisma"]
    assert unseal_owner(wisma.owner_ciphertext).name == OWNER_NAME
    with pytest.raises(ImproperlyConfigured):
        unseal_owner(old_ciphertext)


# --- In a real browser, on a phone ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_owner_is_revealed_in_place(live_server, phone_page, users, site_kd):
    from django.test import Client

    from conftest import login_verified

    kadis = users[Role.HEAD_OF_DINSOS]
    services.site_change_status(actor=kadis, site=site_kd, status=SiteStatus.SOCIALISING, on=dt.date(2018, 10, 8))
    wisma = services.wisma_create(
        actor=kadis, site=site_kd, name="Wisma Melati", owner=WismaOwner(name=OWNER_NAME, phone=OWNER_PHONE)
    )
    client = Client()
    login_verified(client, users[Role.CASE_WORKER])
    phone_page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    phone_page.goto(f"{live_server.url}{detail_url(site_kd)}")
    assert "8 Oktober 2018" in phone_page.locator("#status-history").inner_text()
    assert OWNER_NAME not in phone_page.content()
    phone_page.get_by_role("button", name="Tampilkan pemilik").click()
    phone_page.wait_for_selector("[data-testid=wisma-owner]")
    cell = phone_page.locator(f"#wisma-owner-{wisma.pk}").inner_text()
    assert OWNER_NAME in cell and OWNER_PHONE_E164 in cell
    # Swapped in place: still the site's page, and wide tables scroll inside their frame.
    assert phone_page.url.endswith(detail_url(site_kd))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY, object_id=str(wisma.pk)).count() == 1


# --- Demo -----------------------------------------------------------------------------------------


def test_the_demo_gives_karang_dempel_its_history_and_six_wisma_once(site_kd, orgs):
    from demo.registry import seed_karang_dempel, seed_karang_dempel_history_and_wisma

    seed_karang_dempel_history_and_wisma(site_kd)
    assert status_dates(site_kd) == [
        (SiteStatus.OPERATING, dt.date(1984, 1, 1)),
        (SiteStatus.SOCIALISING, dt.date(2018, 10, 8)),
        (SiteStatus.CLOSED, dt.date(2018, 12, 31)),
    ]
    owners = [unseal_owner(w.owner_ciphertext) for w in Wisma.objects.filter(site=site_kd)]
    assert len(owners) == 6 and all(o.name and o.phone.startswith("+628") for o in owners)
    assert not any(o.name in str(list(Wisma.objects.values())) for o in owners)
    # Loading the demo again finds KD already there and adds nothing.
    seed_karang_dempel(orgs)
    assert Wisma.objects.count() == 6 and SiteStatusChange.objects.count() == 3
