"""Creating and changing user accounts. Rules live here; views only call these."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record

from .models import Role, User

# Roles whose work is national and who therefore have no region.
NATIONAL_ONLY_ROLES = {Role.KEMENSOS_ANALYST}
# Roles that may be either national or regional.
NATIONAL_ALLOWED_ROLES = NATIONAL_ONLY_ROLES | {Role.SYSADMIN, Role.AUDITOR}


def _validate_assignment(actor, *, role: str, organisation, region) -> None:
    errors: dict[str, list[str]] = {}
    if role not in {value for value, _label in policy.assignable_roles(actor)}:
        errors.setdefault("role", []).append(_("Anda tidak dapat memberikan peran ini."))
    if organisation is not None:
        if not organisation.is_active:
            errors.setdefault("organisation", []).append(_("Organisasi ini sudah tidak aktif."))
        elif not policy.in_region_scope(actor, organisation.region_id):
            errors.setdefault("organisation", []).append(_("Organisasi ini di luar cakupan wilayah Anda."))
    region_code = region.code if region is not None else None
    if role in NATIONAL_ONLY_ROLES and region_code is not None:
        errors.setdefault("region", []).append(_("Peran ini berlingkup nasional; kosongkan cakupan wilayah."))
    if role not in NATIONAL_ALLOWED_ROLES and region_code is None:
        errors.setdefault("region", []).append(_("Peran ini memerlukan cakupan wilayah."))
    if region_code is None and actor.region_id is not None:
        errors.setdefault("region", []).append(_("Anda tidak dapat memberikan cakupan nasional."))
    elif region_code is not None and not policy.in_region_scope(actor, region_code):
        errors.setdefault("region", []).append(_("Cakupan ini di luar cakupan wilayah Anda."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    organisation,
    region=None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    request=None,
) -> User:
    if not policy.has_perm(actor, policy.Perm.USERS_MANAGE):
        raise PermissionDenied
    _validate_assignment(actor, role=role, organisation=organisation, region=region)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("Nama pengguna ini sudah dipakai.")]})
    user = User(
        username=username,
        role=role,
        organisation=organisation,
        region=region,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user.set_password(password)
    user.save()
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=user,
        detail={"role": role, "organisation": organisation.pk, "region": region.code if region else None},
    )
    return user


@transaction.atomic
def user_update(*, actor, user: User, request=None, new_password: str = "", **fields) -> User:
    if not policy.can_manage_user(actor, user):
        raise PermissionDenied
    role = fields.get("role", user.role)
    organisation = fields.get("organisation", user.organisation)
    region = fields.get("region", user.region)
    _validate_assignment(actor, role=role, organisation=organisation, region=region)
    changed = []
    for name, value in fields.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if new_password:
        try:
            validate_password(new_password, user)
        except ValidationError as exc:
            raise ValidationError({"new_password": exc.messages}) from exc
        user.set_password(new_password)
        changed.append("password")
    if changed:
        user.save()
        audit_record(Action.UPDATE, request=request, actor=actor, obj=user, detail={"fields": sorted(changed)})
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool, request=None) -> User:
    if not policy.can_manage_user(actor, user):
        raise PermissionDenied
    if user.pk == actor.pk and not active:
        raise ValidationError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(Action.REACTIVATE if active else Action.DEACTIVATE, request=request, actor=actor, obj=user)
    return user


@transaction.atomic
def user_unlock(*, actor, user: User, request=None) -> User:
    if not policy.can_manage_user(actor, user):
        raise PermissionDenied
    user.locked_until = None
    user.failed_login_count = 0
    user.save(update_fields=["locked_until", "failed_login_count"])
    audit_record(Action.UPDATE, request=request, actor=actor, obj=user, detail={"fields": ["unlocked"]})
    return user


def password_change(*, user: User, old_password: str, new_password: str, request=None) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": [_("Kata sandi lama salah.")]})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(Action.PASSWORD_CHANGED, request=request, actor=user, obj=user)
