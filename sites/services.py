"""Creating and changing lokalisasi. Rules live here; views only call these.

A site's short code and region are part of every case code registered there
("5371-KD-0001"), and a person's record is visible to whoever covers the site's region. So once
people are registered, both are fixed.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record
from organisations.models import Organisation, OrgKind
from regions.models import Level, Region

from .models import Site, SiteStatus

EDITABLE_FIELDS = (
    "name",
    "short_code",
    "region",
    "owner_organisation",
    "address",
    "year_opened",
    "status",
    "estimated_residents",
)
OWNER_KINDS = (OrgKind.DINSOS_KABKOTA, OrgKind.DINSOS_PROVINSI)
SHORT_CODE_RE = re.compile(r"[A-Z0-9]{2,8}")
EARLIEST_YEAR = 1900


def short_code_taken_message() -> str:
    return _("Kode singkat ini sudah dipakai lokalisasi lain di kabupaten/kota yang sama. Pilih kode lain.")


def normalise_short_code(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def owner_organisations(actor, *, keep: Organisation | None = None):
    """The Dinas Sosial an actor may make responsible for a site: active, in their region scope.
    ``keep`` (the current owner) stays selectable so other changes can still be saved."""
    offered = Organisation.objects.filter(kind__in=OWNER_KINDS, is_active=True).filter(
        policy.region_scope_q(actor, "region__code")
    )
    if keep is not None:
        offered = offered | Organisation.objects.filter(pk=keep.pk)
    return offered.select_related("region").order_by("name", "pk")


def _region_contains(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(f"{outer}.")


# --- Validation -------------------------------------------------------------------------------


def _validate(actor, site: Site, *, changed: set[str], registered_case_code: str | None = None) -> None:
    """Check ``site`` as it would be saved; raise every problem at once. Rules that depend on the
    actor (scope, active owner) are only re-checked for fields that change, so a site whose owner
    was deactivated later can still be edited. ``registered_case_code``: one case code of a
    person registered at the site, if any (short code and region are then fixed)."""
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    site.name = " ".join((site.name or "").split())
    if not site.name:
        error("name", _("Nama lokalisasi wajib diisi."))

    if not site.short_code:
        error("short_code", _("Kode singkat wajib diisi."))
    elif not SHORT_CODE_RE.fullmatch(site.short_code):
        error("short_code", _("Kode singkat terdiri dari 2 sampai 8 huruf kapital atau angka, tanpa spasi, mis. KD."))

    region: Region | None = site.region if site.region_id else None
    if region is None:
        error("region", _("Pilih wilayah lokalisasi."))
    elif "region" in changed:
        if region.level < Level.REGENCY:
            error("region", _("Pilih kabupaten/kota, kecamatan, atau desa/kelurahan tempat lokalisasi berada."))
        elif not policy.in_region_scope(actor, region.code):
            error("region", _("Wilayah ini di luar cakupan wilayah Anda."))

    if registered_case_code:
        if "short_code" in changed:
            error(
                "short_code",
                _(
                    "Kode singkat tidak dapat diubah karena sudah ada penerima manfaat terdaftar di lokalisasi ini: "
                    "kode kasus mereka (mis. %(example)s) memuat kode singkat ini."
                )
                % {"example": registered_case_code},
            )
        if "region" in changed:
            error(
                "region",
                _(
                    "Wilayah tidak dapat diubah karena sudah ada penerima manfaat terdaftar di lokalisasi ini: "
                    "kode kasus dan hak akses data mereka mengikuti wilayah lokalisasi."
                ),
            )

    if site.short_code and region is not None and not errors.get("short_code") and {"short_code", "region"} & changed:
        duplicate = Site.objects.filter(regency_code=region.code[:5], short_code=site.short_code)
        if site.pk:
            duplicate = duplicate.exclude(pk=site.pk)
        if duplicate.exists():
            error("short_code", short_code_taken_message())

    owner: Organisation | None = site.owner_organisation if site.owner_organisation_id else None
    if owner is None:
        error("owner_organisation", _("Pilih Dinas Sosial penanggung jawab."))
    else:
        if "owner_organisation" in changed:
            if owner.kind not in OWNER_KINDS:
                error(
                    "owner_organisation",
                    _("Penanggung jawab lokalisasi harus Dinas Sosial kabupaten/kota atau provinsi."),
                )
            elif not owner.is_active:
                error("owner_organisation", _("Dinas Sosial ini sudah nonaktif."))
            elif not policy.in_region_scope(actor, owner.region_id):
                error("owner_organisation", _("Dinas Sosial ini di luar cakupan wilayah Anda."))
        if (
            region is not None
            and {"owner_organisation", "region"} & changed
            and not errors.get("owner_organisation")
            and not _region_contains(owner.region_id, region.code)
        ):
            error(
                "owner_organisation",
                _("Wilayah lokalisasi tidak berada di wilayah kerja %(org)s. Pilih Dinas Sosial yang membawahinya.")
                % {"org": owner.name},
            )

    this_year = timezone.localdate().year
    if site.year_opened is not None and not EARLIEST_YEAR <= site.year_opened <= this_year:
        error(
            "year_opened",
            _("Tahun berdiri harus antara %(first)d dan %(last)d.") % {"first": EARLIEST_YEAR, "last": this_year},
        )
    if site.status not in SiteStatus.values:
        error("status", _("Pilih status lokalisasi."))
    if site.estimated_residents is not None and site.estimated_residents < 0:
        error("estimated_residents", _("Perkiraan penghuni tidak boleh negatif."))

    # Lengths, as the model declares them (the rules above cover the other fields).
    try:
        site.clean_fields(exclude=[f.name for f in Site._meta.fields if f.name not in ("name", "address")])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field not in errors:
                errors[field] = list(messages)
    if errors:
        raise ValidationError(errors)


def _save(site: Site, **kwargs) -> None:
    """Save, turning a duplicate short code that slipped past the check (two people at once)
    into the same field error."""
    try:
        with transaction.atomic():
            site.save(**kwargs)
    except IntegrityError as exc:
        taken = Site.objects.filter(regency_code=site.region_id[:5], short_code=site.short_code)
        if site.pk:
            taken = taken.exclude(pk=site.pk)
        if taken.exists():
            raise ValidationError({"short_code": [short_code_taken_message()]}) from exc
        raise


# --- Values -----------------------------------------------------------------------------------


def _check_unknown_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown site fields: {sorted(unknown)}")


def _column_value(name: str, value: Any) -> Any:
    """What the column would hold: a region's code, an organisation's id, a cleaned string."""
    if name == "region":
        return value.code if value is not None else None
    if name == "owner_organisation":
        return value.pk if value is not None else None
    if name == "short_code":
        return normalise_short_code(value)
    if name in ("year_opened", "estimated_residents"):
        return value
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def _current_value(site: Site, name: str) -> Any:
    return getattr(site, Site._meta.get_field(name).attname)


def _assign(site: Site, name: str, value: Any) -> None:
    setattr(site, name, value if name in ("region", "owner_organisation") else _column_value(name, value))


# --- Sites ------------------------------------------------------------------------------------


@transaction.atomic
def site_create(*, actor, request=None, **fields) -> Site:
    _check_unknown_fields(fields)
    if not policy.has_perm(actor, policy.Perm.SITES_MANAGE):
        raise PermissionDenied
    site = Site(created_by=actor)
    for name, value in fields.items():
        _assign(site, name, value)
    if not site.status:
        site.status = SiteStatus.OPERATING
    _validate(actor, site, changed=set(EDITABLE_FIELDS))
    _save(site)
    set_fields = sorted(name for name in EDITABLE_FIELDS if _current_value(site, name) not in (None, ""))
    audit_record(Action.CREATE, request=request, actor=actor, obj=site, detail={"fields": set_fields})
    return site


@transaction.atomic
def site_update(*, actor, site: Site, request=None, **fields) -> Site:
    """Change a site. The row is locked first: registering a person takes the same lock to
    number its case code, so a short code cannot change under a registration in progress."""
    _check_unknown_fields(fields)
    if not policy.can_manage_site(actor, site):
        raise PermissionDenied
    Site.objects.select_for_update().filter(pk=site.pk).first()
    changed = {name for name, value in fields.items() if _current_value(site, name) != _column_value(name, value)}
    registered_case_code = None
    if {"short_code", "region"} & changed:
        registered_case_code = site.registered_people.order_by("pk").values_list("case_code", flat=True).first()
    original = {name: _current_value(site, name) for name in changed}
    for name in changed:
        _assign(site, name, fields[name])
    try:
        _validate(actor, site, changed=changed, registered_case_code=registered_case_code)
    except ValidationError:
        # Leave the caller's object as stored: the page title shows the saved name, not the refused one.
        for name, value in original.items():
            # Setting a foreign key's column also drops the related object cached on the site.
            setattr(site, Site._meta.get_field(name).attname, value)
        raise
    if changed:
        update_fields = sorted(changed)
        if "region" in changed:
            update_fields += ["regency_code", "province_code"]
        _save(site, update_fields=update_fields)
        audit_record(Action.UPDATE, request=request, actor=actor, obj=site, detail={"fields": sorted(changed)})
    return site
