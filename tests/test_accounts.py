"""Signing in, lockout, two-factor, and user management within an administrator's scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Role, User
from audit.models import Action, AuditEvent
from conftest import PASSWORD

LOGIN = reverse("accounts:login")


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def post_login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


# --- Signing in -----------------------------------------------------------------------------


def test_analyst_without_identity_access_signs_in_with_password_only(client, users):
    response = post_login(client, "analis")
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor_username="analis").exists()


def test_wrong_password_is_refused_and_audited(client, users):
    response = post_login(client, "kadis", "salah-sandi")
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_username="kadis").count() == 1
    assert User.objects.get(username="kadis").failed_login_count == 1


def test_failed_login_for_unknown_username_is_audited_with_the_name_tried(client, users):
    post_login(client, "tidak.ada", "apa-saja")
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor is None and event.actor_username == "tidak.ada"


def test_account_locks_after_five_failures_and_refuses_the_right_password(client, users, settings):
    settings.PULIH_LOGIN_MAX_FAILURES = 5
    for _ in range(5):
        post_login(client, "kadis", "salah-sandi")
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_LOCKED, actor_username="kadis").exists()
    response = post_login(client, "kadis")
    assert response.status_code == 200
    assert "dikunci sementara" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_expires_after_the_lock_period(client, users):
    user = users[Role.HEAD_OF_DINSOS]
    user.locked_until = timezone.now() - dt.timedelta(seconds=1)
    user.save()
    response = post_login(client, "kadis")
    assert response.status_code == 302


def test_deactivated_user_cannot_sign_in(client, users):
    user = users[Role.CASE_WORKER]
    user.is_active = False
    user.save()
    response = post_login(client, "peksos")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_ignores_an_external_next_url(client, users):
    response = client.post(LOGIN + "?next=https://evil.example/", {"username": "analis", "password": PASSWORD})
    assert response.url == reverse("home")


def test_session_expires_after_idle_period(client, users, settings):
    post_login(client, "analis")
    assert client.session.get_expiry_age() <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_logout_is_post_only_and_audited(client, users, login):
    login(users[Role.KEMENSOS_ANALYST])
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action=Action.LOGOUT).exists()
    assert client.get(reverse("home")).status_code == 302


# --- Two-factor -------------------------------------------------------------------------------


def test_identity_role_must_pass_second_factor_before_any_page(client, users):
    response = post_login(client, "peksos")
    assert response.url == reverse("accounts:two_factor")
    for url in (reverse("home"), reverse("organisations:list"), reverse("regions:index")):
        assert client.get(url).url == reverse("accounts:two_factor")


def test_first_login_enrols_an_authenticator_and_shows_recovery_codes(client, make_user, orgs, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise delay the right one
    make_user(Role.REGISTRAR, username="baru", two_factor=False)
    post_login(client, "baru")
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "<svg" in page and 'data-testid="totp-key"' in page
    device = TOTPDevice.objects.get(user__username="baru", confirmed=False)

    bad_code = "000000" if current_code(device) != "000000" else "111111"
    wrong = client.post(reverse("accounts:two_factor"), {"token": bad_code})
    assert "Kode tidak cocok" in wrong.content.decode()

    done = client.post(reverse("accounts:two_factor"), {"token": current_code(device)})
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4})</code>", done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_ENROLLED, actor_username="baru").exists()


def test_totp_code_completes_sign_in(client, users):
    device = TOTPDevice.objects.get(user=users[Role.CASE_WORKER])
    post_login(client, "peksos")
    response = client.post(reverse("accounts:two_factor"), {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_recovery_code_works_once(client, users):
    from accounts.two_factor import recovery_codes_issue

    codes = recovery_codes_issue(users[Role.CASE_WORKER])
    post_login(client, "peksos")
    assert client.post(reverse("accounts:two_factor"), {"token": codes[0]}).status_code == 302
    client.post(reverse("accounts:logout"))
    post_login(client, "peksos")
    again = client.post(reverse("accounts:two_factor"), {"token": codes[0]})
    assert "Kode salah atau sudah dipakai." in again.content.decode()


def test_wrong_second_factor_is_audited(client, users):
    post_login(client, "peksos")
    client.post(reverse("accounts:two_factor"), {"token": "12345678"})
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_FAILED, actor_username="peksos").exists()


# --- Passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("Pendek-1a", "terlalu pendek"), ("hurufkecilsemuanya", "tiga dari"), ("123456789012345", "angka")],
)
def test_weak_passwords_are_refused_with_a_reason(users, orgs, password, fragment):
    admin = users[Role.SYSADMIN]
    with pytest.raises(ValidationError) as exc:
        services.user_create(
            actor=admin,
            username="lemah",
            password=password,
            role=Role.REGISTRAR,
            organisation=orgs["dinsos_kupang"],
            region=admin.region,
        )
    assert fragment in " ".join(exc.value.message_dict["password1"]).lower()


def test_user_changes_own_password(client, users, login):
    login(users[Role.KEMENSOS_ANALYST])
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Sandi-Baru-2026!x", "new_password2": "Sandi-Baru-2026!x"},
    )
    assert response.status_code == 302
    user = User.objects.get(username="analis")
    assert user.check_password("Sandi-Baru-2026!x")
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGED, actor=user).exists()


# --- User management ----------------------------------------------------------------------------


def test_admin_creates_a_user_in_scope(client, users, orgs, login):
    login(users[Role.SYSADMIN])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "pendata.baru",
            "first_name": "Rina",
            "last_name": "Lay",
            "email": "rina@contoh.go.id",
            "organisation": orgs["dinsos_kupang"].pk,
            "role": Role.REGISTRAR,
            "region": "53.71",
            "password1": "Sandi-Awal-2026!",
            "password2": "Sandi-Awal-2026!",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="pendata.baru")
    assert created.region_id == "53.71" and created.role == Role.REGISTRAR
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(created.pk)).exists()


def test_failed_user_create_keeps_what_was_typed(client, users, orgs, login):
    login(users[Role.SYSADMIN])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "orang.baru",
            "first_name": "Nama Yang Diketik",
            "organisation": orgs["dinsos_kupang"].pk,
            "role": Role.REGISTRAR,
            "region": "64.02",
            "password1": "Sandi-Awal-2026!",
            "password2": "Sandi-Awal-2026!",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cakupan ini di luar cakupan wilayah Anda." in page
    assert 'value="Nama Yang Diketik"' in page
    assert not User.objects.filter(username="orang.baru").exists()


def test_regional_admin_cannot_grant_national_roles(users, orgs):
    admin = users[Role.SYSADMIN]
    with pytest.raises(ValidationError) as exc:
        services.user_create(
            actor=admin,
            username="analis2",
            password="Sandi-Awal-2026!",
            role=Role.KEMENSOS_ANALYST,
            organisation=orgs["dinsos_kupang"],
            region=None,
        )
    assert "role" in exc.value.message_dict


def test_admin_cannot_use_an_organisation_outside_scope(users, orgs):
    admin = users[Role.SYSADMIN]
    with pytest.raises(ValidationError) as exc:
        services.user_create(
            actor=admin,
            username="x.kukar",
            password="Sandi-Awal-2026!",
            role=Role.REGISTRAR,
            organisation=orgs["dinsos_kukar"],
            region=admin.region,
        )
    assert "organisation" in exc.value.message_dict


def test_user_list_shows_only_users_in_scope(client, users, orgs, make_user, login):
    make_user(Role.REGISTRAR, organisation=orgs["dinsos_kukar"], region="64.02", username="pendata.kukar")
    login(users[Role.SYSADMIN])
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert "peksos" in page and "pendata.kukar" not in page
    outside = User.objects.get(username="pendata.kukar")
    assert client.get(reverse("accounts:user_edit", args=[outside.pk])).status_code == 404


def test_user_list_search_and_htmx_partial(client, users, login):
    login(users[Role.SYSADMIN])
    response = client.get(reverse("accounts:user_list"), {"q": "bendahara"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "bendahara" in page and "peksos" not in page
    assert "<html" not in page


def test_admin_deactivates_a_user_who_then_cannot_sign_in(client, users, login):
    target = users[Role.REGISTRAR]
    login(users[Role.SYSADMIN])
    client.post(reverse("accounts:user_set_active", args=[target.pk]), {"active": "0"})
    target.refresh_from_db()
    assert target.is_active is False
    assert AuditEvent.objects.filter(action=Action.DEACTIVATE, object_id=str(target.pk)).exists()


def test_admin_cannot_deactivate_self(users):
    admin = users[Role.SYSADMIN]
    with pytest.raises(ValidationError):
        services.user_set_active(actor=admin, user=admin, active=False)


def test_admin_unlocks_a_locked_account(client, users, login):
    target = users[Role.REGISTRAR]
    target.locked_until = timezone.now() + dt.timedelta(minutes=10)
    target.save()
    login(users[Role.SYSADMIN])
    client.post(reverse("accounts:user_unlock", args=[target.pk]))
    target.refresh_from_db()
    assert target.locked_until is None


def test_django_superuser_shortcut_is_disabled():
    with pytest.raises(NotImplementedError):
        User.objects.create_superuser("root", "root@contoh.go.id", "Sandi-Awal-2026!")
