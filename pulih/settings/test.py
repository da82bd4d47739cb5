"""Tests: fast hashing, throwaway secrets made per run (never stored, never in code)."""

import secrets

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = secrets.token_urlsafe(48)
PULIH_FIELD_KEYS = [secrets.token_urlsafe(32)]
PULIH_INDEX_KEY = secrets.token_urlsafe(32)
# MD5 only here: hashing cost dominates a suite that logs users in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
