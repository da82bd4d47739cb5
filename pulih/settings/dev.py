"""Development: `make run`. Secrets are generated once into var/, never written in code."""

from pulih.env import env_str, local_secret

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = True
SECRET_KEY = env_str("PULIH_SECRET_KEY") or local_secret(VAR_DIR / "secrets" / "secret_key")
PULIH_FIELD_KEYS = [env_str("PULIH_FIELD_KEY") or local_secret(VAR_DIR / "secrets" / "field_key", nbytes=32)]
PULIH_INDEX_KEY = env_str("PULIH_INDEX_KEY") or local_secret(VAR_DIR / "secrets" / "index_key", nbytes=32)
