"""Strict readers for settings that come from the environment.

Every secret can also be given as ``NAME_FILE`` pointing at a file (Docker/systemd
secrets), so it never has to sit in a process listing or a shell history. A bad
value fails loudly at start-up instead of silently falling back to a default.
"""

from __future__ import annotations

import os
from pathlib import Path


class ImproperlyConfiguredEnv(RuntimeError):
    """A required environment setting is missing or malformed."""


def _read(name: str) -> str | None:
    file_var = f"{name}_FILE"
    if os.environ.get(file_var):
        path = Path(os.environ[file_var])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfiguredEnv(f"{file_var}={path} cannot be read: {exc}") from exc
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _read(name)
    if value is None:
        if required:
            raise ImproperlyConfiguredEnv(f"{name} (or {name}_FILE) must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _read(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(f"{name}={value!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    value = _read(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfiguredEnv(f"{name}={value!r} is not an integer") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _read(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def local_secret(path: Path, *, nbytes: int = 48) -> str:
    """A random secret kept in a file under var/, created on first use.

    Only for development and tests: production settings never call this, so a
    production deployment without its secrets refuses to start.
    """
    import secrets

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(nbytes), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
