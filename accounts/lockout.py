"""Locking an account after repeated failed logins."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record


def is_locked(user) -> bool:
    return user.locked_until is not None and user.locked_until > timezone.now()


def register_failed_login(user, *, request) -> bool:
    """Count a failed attempt; lock the account at the limit. Returns True when now locked."""
    user.failed_login_count += 1
    locked = user.failed_login_count >= settings.PULIH_LOGIN_MAX_FAILURES
    if locked:
        user.locked_until = timezone.now() + dt.timedelta(minutes=settings.PULIH_LOGIN_LOCK_MINUTES)
        user.failed_login_count = 0
    user.save(update_fields=["failed_login_count", "locked_until"])
    if locked:
        audit_record(Action.ACCOUNT_LOCKED, request=request, actor=user, obj=user)
    return locked


def register_successful_login(user) -> None:
    if user.failed_login_count or user.locked_until:
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["failed_login_count", "locked_until"])
