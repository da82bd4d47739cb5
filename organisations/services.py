"""Creating, changing, deactivating organisations and recording LKS accreditations.

Rules live here; views only call these. Nothing is ever deleted: an organisation that
stops taking part is deactivated, and accreditation history only grows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record

from .models import Accreditation, Grade, Organisation, OrgKind

# What a user may set on an organisation (status and accreditation have their own services).
EDITABLE_FIELDS = ("name", "short_name", "kind", "region", "parent", "address", "phone", "email")

# Permensos 17/2012: how long each accreditation grade is valid.
VALIDITY_YEARS = {Grade.A: 5, Grade.B: 3, Grade.C: 2}


def accreditation_valid_until(grade: str, granted_on: dt.date) -> dt.date:
    """The same day ``n`` years later; an accreditation granted on 29 February ends on
    28 February when the end year has no 29 February (2020-02-29, grade A → 2025-02-28)."""
    try:
        years = VALIDITY_YEARS[Grade(grade)]
    except ValueError as exc:
        raise ValidationError({"grade": [_("Peringkat akreditasi harus A, B, atau C.")]}) from exc
    try:
        return granted_on.replace(year=granted_on.year + years)
    except ValueError:
        return granted_on.replace(year=granted_on.year + years, day=28)


# --- Validation -------------------------------------------------------------------------------


def _check_unknown_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")


def _validate(actor, organisation: Organisation, *, changed: set[str]) -> None:
    """Check the rules on ``organisation`` as it would be saved; raise every problem at once.
    ``changed`` names the fields that differ from the stored row: the parent is only
    re-checked when it changes, so an organisation whose parent was deactivated later can
    still be edited."""
    errors: dict[str, list[str]] = {}
    organisation.name = " ".join(organisation.name.split())
    organisation.short_name = " ".join(organisation.short_name.split())
    if not organisation.name:
        errors.setdefault("name", []).append(_("Nama organisasi wajib diisi."))
    if organisation.kind not in OrgKind.values:
        errors.setdefault("kind", []).append(_("Pilih jenis organisasi."))
    if not organisation.region_id:
        errors.setdefault("region", []).append(_("Pilih wilayah organisasi."))
    if organisation.name and organisation.region_id and {"name", "region"} & changed:
        duplicate = Organisation.objects.filter(name__iexact=organisation.name, region_id=organisation.region_id)
        if organisation.pk:
            duplicate = duplicate.exclude(pk=organisation.pk)
        if duplicate.exists():
            errors.setdefault("name", []).append(_("Sudah ada organisasi dengan nama ini di wilayah yang sama."))
    if organisation.parent_id and "parent" in changed:
        errors_on_parent = _parent_problems(actor, organisation)
        if errors_on_parent:
            errors.setdefault("parent", []).extend(errors_on_parent)
    # Lengths and the e-mail format, as the model declares them (the rules above cover the rest).
    exclude = ["kind", "region", "parent", "created_by"] + ([] if organisation.name else ["name"])
    try:
        organisation.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _parent_problems(actor, organisation: Organisation) -> list[str]:
    parent = organisation.parent
    if organisation.pk and parent.pk == organisation.pk:
        return [_("Organisasi tidak dapat menjadi induk bagi dirinya sendiri.")]
    if not parent.is_active:
        return [_("Organisasi induk sudah nonaktif.")]
    if not policy.in_region_scope(actor, parent.region_id):
        return [_("Organisasi induk di luar cakupan wilayah Anda.")]
    # Walk up from the new parent: meeting this organisation again would close a loop.
    seen: set[int] = set()
    ancestor_id: int | None = parent.pk
    while ancestor_id is not None and ancestor_id not in seen:
        if organisation.pk and ancestor_id == organisation.pk:
            return [_("Organisasi induk ini berada di bawah organisasi ini sendiri; pilih induk lain.")]
        seen.add(ancestor_id)
        ancestor_id = Organisation.objects.filter(pk=ancestor_id).values_list("parent_id", flat=True).first()
    return []


def _save(organisation: Organisation, **kwargs) -> None:
    """Save, turning a duplicate that slipped past the check (two people at once) into the
    same field error."""
    try:
        with transaction.atomic():
            organisation.save(**kwargs)
    except IntegrityError as exc:
        if Organisation.objects.filter(name=organisation.name, region_id=organisation.region_id).exists():
            raise ValidationError({"name": [_("Sudah ada organisasi dengan nama ini di wilayah yang sama.")]}) from exc
        raise


# --- Organisations ----------------------------------------------------------------------------


def _current_value(organisation: Organisation, name: str) -> Any:
    return getattr(organisation, Organisation._meta.get_field(name).attname)


def _column_value(name: str, value: Any) -> Any:
    """What the column would hold: a region's code, a parent's id, a stripped string."""
    if name == "region":
        return value.code if value is not None else None
    if name == "parent":
        return value.pk if value is not None else None
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def _assign(organisation: Organisation, name: str, value: Any) -> None:
    setattr(organisation, name, value if name in ("region", "parent") else _column_value(name, value))


@transaction.atomic
def organisation_create(*, actor, request=None, **fields) -> Organisation:
    _check_unknown_fields(fields)
    region = fields.get("region")
    if not policy.has_perm(actor, policy.Perm.ORGANISATIONS_MANAGE):
        raise PermissionDenied
    if region is not None and not policy.can_create_organisation_in(actor, region.code):
        raise PermissionDenied
    organisation = Organisation(created_by=actor)
    for name, value in fields.items():
        _assign(organisation, name, value)
    _validate(actor, organisation, changed=set(EDITABLE_FIELDS))
    _save(organisation)
    set_fields = sorted(name for name in EDITABLE_FIELDS if _current_value(organisation, name) not in (None, ""))
    audit_record(Action.CREATE, request=request, actor=actor, obj=organisation, detail={"fields": set_fields})
    return organisation


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, request=None, **fields) -> Organisation:
    _check_unknown_fields(fields)
    if not policy.can_manage_organisation(actor, organisation):
        raise PermissionDenied
    changed = {
        name for name, value in fields.items() if _current_value(organisation, name) != _column_value(name, value)
    }
    new_region = _column_value("region", fields["region"]) if "region" in changed else None
    if new_region is not None and not policy.can_create_organisation_in(actor, new_region):
        # Moving an organisation out of one's own region would hand it to someone else.
        raise PermissionDenied
    original = {name: _current_value(organisation, name) for name in changed}
    for name in changed:
        _assign(organisation, name, fields[name])
    try:
        _validate(actor, organisation, changed=changed)
    except ValidationError:
        # Leave the caller's object as it was stored: the page shows the saved name, not the refused one.
        for name, value in original.items():
            setattr(organisation, Organisation._meta.get_field(name).attname, value)
        raise
    if changed:
        _save(organisation, update_fields=[*sorted(changed), "updated_at"])
        audit_record(Action.UPDATE, request=request, actor=actor, obj=organisation, detail={"fields": sorted(changed)})
    return organisation


@transaction.atomic
def organisation_deactivate(*, actor, organisation: Organisation, reason: str, request=None) -> Organisation:
    """Take an organisation out of use. The row stays: users, cases and meetings still
    point at it, and it can be reactivated."""
    if not policy.can_manage_organisation(actor, organisation):
        raise PermissionDenied
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Tuliskan alasan penonaktifan.")]})
    limit = Organisation._meta.get_field("deactivation_reason").max_length
    if len(reason) > limit:
        raise ValidationError(
            {"reason": [_("Alasan terlalu panjang (paling banyak %(limit)d karakter).") % {"limit": limit}]}
        )
    if not organisation.is_active:
        raise ValidationError(_("Organisasi ini sudah nonaktif."))
    organisation.is_active = False
    organisation.deactivated_at = timezone.now()
    organisation.deactivation_reason = reason
    organisation.save(update_fields=["is_active", "deactivated_at", "deactivation_reason", "updated_at"])
    audit_record(
        Action.DEACTIVATE,
        request=request,
        actor=actor,
        obj=organisation,
        detail={"fields": ["is_active", "deactivated_at", "deactivation_reason"], "reason": reason},
    )
    return organisation


@transaction.atomic
def organisation_reactivate(*, actor, organisation: Organisation, request=None) -> Organisation:
    if not policy.can_manage_organisation(actor, organisation):
        raise PermissionDenied
    if organisation.is_active:
        raise ValidationError(_("Organisasi ini sudah aktif."))
    previous_reason = organisation.deactivation_reason
    organisation.is_active = True
    organisation.deactivated_at = None
    organisation.deactivation_reason = ""
    organisation.save(update_fields=["is_active", "deactivated_at", "deactivation_reason", "updated_at"])
    audit_record(
        Action.REACTIVATE,
        request=request,
        actor=actor,
        obj=organisation,
        detail={"fields": ["is_active", "deactivated_at", "deactivation_reason"], "previous_reason": previous_reason},
    )
    return organisation


# --- Accreditation ----------------------------------------------------------------------------


@transaction.atomic
def accreditation_record(
    *, actor, organisation: Organisation, number: str, grade: str, granted_on: dt.date, request=None
) -> Accreditation:
    """Add one accreditation to an LKS's history; the newest one decides whether it is verified."""
    if not policy.can_manage_organisation(actor, organisation):
        raise PermissionDenied
    if not organisation.is_lks:
        raise ValidationError(
            _("Akreditasi hanya dicatat untuk LKS; organisasi ini berjenis %(kind)s.")
            % {"kind": organisation.get_kind_display()}
        )
    errors: dict[str, list[str]] = {}
    number = " ".join((number or "").split())
    if not number:
        errors.setdefault("number", []).append(_("Nomor sertifikat wajib diisi."))
    elif organisation.accreditations.filter(number__iexact=number).exists():
        errors.setdefault("number", []).append(_("Nomor sertifikat ini sudah tercatat untuk LKS ini."))
    if grade not in Grade.values:
        errors.setdefault("grade", []).append(_("Peringkat akreditasi harus A, B, atau C."))
    if granted_on is None:
        errors.setdefault("granted_on", []).append(_("Tanggal akreditasi wajib diisi."))
    elif granted_on > timezone.localdate():
        errors.setdefault("granted_on", []).append(_("Tanggal akreditasi tidak boleh di masa depan."))
    if errors:
        raise ValidationError(errors)
    accreditation = Accreditation.objects.create(
        organisation=organisation,
        number=number,
        grade=grade,
        granted_on=granted_on,
        valid_until=accreditation_valid_until(grade, granted_on),
        recorded_by=actor,
    )
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=accreditation,
        detail={
            "organisation": organisation.pk,
            "fields": ["number", "grade", "granted_on", "valid_until"],
            "grade": grade,
            "valid_until": accreditation.valid_until.isoformat(),
        },
    )
    return accreditation
