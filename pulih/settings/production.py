"""Production: every secret and key from the environment or a *_FILE; no defaults.

Required: PULIH_SECRET_KEY, PULIH_FIELD_KEYS (comma-separated, newest first),
PULIH_INDEX_KEY, PULIH_ALLOWED_HOSTS, DATABASE_URL (PostgreSQL).
"""

from pulih.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
SECRET_KEY = env_str("PULIH_SECRET_KEY", required=True)
PULIH_FIELD_KEYS = env_list("PULIH_FIELD_KEYS") or [str(env_str("PULIH_FIELD_KEYS", required=True))]
PULIH_INDEX_KEY = env_str("PULIH_INDEX_KEY", required=True)
CSRF_TRUSTED_ORIGINS = env_list("PULIH_CSRF_TRUSTED_ORIGINS")

SECURE_SSL_REDIRECT = env_bool("PULIH_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("PULIH_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("PULIH_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
