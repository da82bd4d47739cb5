"""TOTP two-factor enrolment and verification, and single-use recovery codes."""

from __future__ import annotations

import secrets

import segno
from django.db import transaction
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device being set up; re-used across reloads so the QR code stays the same."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Aplikasi autentikator", confirmed=False)
    return device


def totp_qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def totp_manual_key(device: TOTPDevice) -> str:
    """Base32 key, in groups of four, for typing into an authenticator by hand."""
    import base64

    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def totp_confirm(device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(_clean(token)):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def recovery_codes_issue(user) -> list[str]:
    """Replace the user's recovery codes with new ones; return them to show once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Kode pemulihan", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_match(user, token: str):
    """The device that accepts this TOTP or recovery code, or None. A recovery code is used up."""
    token = token.strip().lower()
    if not token:
        return None
    candidate = token if "-" in token else _clean(token)
    return match_token(user, candidate)


def _clean(token: str) -> str:
    return "".join(ch for ch in token if ch.isdigit())
