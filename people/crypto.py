"""Encryption of identity fields and keyed hashes (blind indexes) for exact lookup.

- Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).
  ``PULIH_FIELD_KEYS`` lists secrets newest first: the first encrypts, all of them decrypt,
  so rows written before a rotation stay readable; `manage.py reencrypt` rewrites them
  under the newest key.
- Blind indexes are HMAC-SHA256 under ``PULIH_INDEX_KEY``, with a purpose prefix so a NIK
  hash can never be compared with a name hash. The database alone cannot reverse them: without
  the key, trying every NIK is not possible.

Keys live outside the database (environment or *_FILE, see pulih/settings).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derive(secret: str, info: bytes) -> bytes:
    # Operators configure any strong secret string; HKDF turns it into a key of the right shape.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("PULIH_FIELD_KEYS must hold at least one key.")
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(k, b"pulih-field-v1"))) for k in keys])


def field_cipher() -> MultiFernet:
    return _fernet(tuple(settings.PULIH_FIELD_KEYS))


def encrypt(value: str) -> str:
    return field_cipher().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return field_cipher().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An identity field cannot be decrypted with any key in PULIH_FIELD_KEYS "
            "(was a key removed before `manage.py reencrypt` ran?)."
        ) from exc


def rotate(token: str) -> str:
    """The same value under the newest key (no-op when it already is)."""
    return field_cipher().rotate(token.encode("ascii")).decode("ascii")


@functools.cache
def _index_key(secret: str) -> bytes:
    if not secret:
        raise ImproperlyConfigured("PULIH_INDEX_KEY must be set.")
    return _derive(secret, b"pulih-blind-index-v1")


def blind_index(purpose: str, value: str) -> str:
    """Keyed hash of an already-normalised value, e.g. ``blind_index("nik", "5371014506900001")``."""
    key = _index_key(settings.PULIH_INDEX_KEY)
    return hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).hexdigest()[:40]
