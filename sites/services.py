"""Creating and changing lokalisasi, their status history and their wisma. Rules live here;
views only call these.

A site's short code and region are part of every case code registered there
("5371-KD-0001"), and a person's record is visible to whoever covers the site's region. So once
people are registered, both are fixed.

A site's status moves forward (operating → socialising → closed → monitored); every change is
a dated row in ``SiteStatusChange``, the evidence of when a site was socialised and closed.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record
from organisations.models import Organisation, OrgKind
from regions.models import Level, Region

from .models import STATUS_ORDER, Site, SiteStatus, SiteStatusChange, Wisma
from .owners import WismaOwner, seal_owner, unseal_owner

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


# --- Status history ---------------------------------------------------------------------------


def _rank(status: str) -> int:
    return STATUS_ORDER.index(status)


def _status_label(status: str) -> str:
    return str(SiteStatus(status).label)


def _latest_change(site: Site) -> SiteStatusChange | None:
    return site.status_changes.order_by("-on", "-pk").first()


def _append_status(site: Site, *, status: str, on, note: str, actor) -> SiteStatusChange:
    return SiteStatusChange.objects.create(site=site, status=status, on=on, note=note, recorded_by=actor)


def _status_date_error(on, *, year_opened: int | None = None, previous: SiteStatusChange | None = None) -> str | None:
    if on is None:
        return _("Isi tanggal perubahan status.")
    if on > timezone.localdate():
        return _("Tanggal tidak boleh di masa depan: catat perubahan status setelah terjadi.")
    if previous is not None and on < previous.on:
        return _(
            "Tanggal tidak boleh sebelum perubahan status sebelumnya (%(status)s, %(date)s). "
            "Riwayat status dicatat berurutan."
        ) % {"status": previous.get_status_display(), "date": date_format(previous.on, "j F Y")}
    if year_opened is not None and on.year < year_opened:
        return _("Tanggal tidak boleh sebelum tahun berdiri lokalisasi (%(year)d).") % {"year": year_opened}
    return None


@transaction.atomic
def site_change_status(*, actor, site: Site, status: str, on, note: str = "", request=None) -> SiteStatusChange:
    """Move a site to ``status`` from date ``on``: updates ``Site.status`` and appends the
    history row. Backwards (e.g. a closed site operating again) only with a note saying why."""
    if not policy.can_manage_site(actor, site):
        raise PermissionDenied
    # The same row lock as editing and registering: two changes at once cannot interleave.
    current = Site.objects.select_for_update().values_list("status", flat=True).get(pk=site.pk)
    note = (note or "").strip()
    previous = _latest_change(site)
    errors: dict[str, list[str]] = {}
    if status not in SiteStatus.values:
        errors["status"] = [_("Pilih status lokalisasi.")]
    elif status == current:
        errors["status"] = [
            _("Status lokalisasi ini sudah %(status)s. Pilih status berikutnya.") % {"status": _status_label(status)}
        ]
    elif _rank(status) < _rank(current) and not note:
        errors["note"] = [
            _(
                "Status mundur dari %(current)s ke %(status)s hanya dapat dicatat dengan catatan yang menjelaskan "
                "alasannya, misalnya lokalisasi beroperasi kembali setelah ditutup."
            )
            % {"current": _status_label(current), "status": _status_label(status)}
        ]
    date_error = _status_date_error(on, year_opened=site.year_opened, previous=previous)
    if date_error:
        errors["on"] = [date_error]
    if len(note) > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(_note_too_long())
    if errors:
        raise ValidationError(errors)
    site.status = status
    site.save(update_fields=["status"])
    change = _append_status(site, status=status, on=on, note=note, actor=actor)
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=site,
        detail={"fields": ["status"], "from": current, "to": status, "on": on.isoformat()},
    )
    return change


# --- Sites ------------------------------------------------------------------------------------


@transaction.atomic
def site_create(*, actor, request=None, status_on=None, **fields) -> Site:
    """Register a site. Its status is the first row of its history, dated ``status_on``
    (today when not given)."""
    _check_unknown_fields(fields)
    if not policy.has_perm(actor, policy.Perm.SITES_MANAGE):
        raise PermissionDenied
    site = Site(created_by=actor)
    for name, value in fields.items():
        _assign(site, name, value)
    if not site.status:
        site.status = SiteStatus.OPERATING
    status_on = status_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    try:
        _validate(actor, site, changed=set(EDITABLE_FIELDS))
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    # Only compare with the year opened when that year is itself valid.
    year = None if "year_opened" in errors else site.year_opened
    date_error = _status_date_error(status_on, year_opened=year)
    if date_error:
        errors["status_on"] = [date_error]
    if errors:
        raise ValidationError(errors)
    _save(site)
    _append_status(site, status=site.status, on=status_on, note="", actor=actor)
    set_fields = sorted(name for name in EDITABLE_FIELDS if _current_value(site, name) not in (None, ""))
    audit_record(Action.CREATE, request=request, actor=actor, obj=site, detail={"fields": set_fields})
    return site


@transaction.atomic
def site_update(*, actor, site: Site, request=None, **fields) -> Site:
    """Change a site. The row is locked first: registering a person takes the same lock to
    number its case code, so a short code cannot change under a registration in progress.
    A status changed here is recorded in the history as of today; other dates, and going
    backwards, go through ``site_change_status``."""
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
    errors: dict[str, list[str]] = {}
    try:
        _validate(actor, site, changed=changed, registered_case_code=registered_case_code)
    except ValidationError as exc:
        errors = dict(exc.message_dict)
    if (
        "status" in changed
        and "status" not in errors
        and original["status"] in SiteStatus.values
        and _rank(site.status) < _rank(original["status"])
    ):
        errors["status"] = [
            _(
                'Status tidak dapat dimundurkan dari %(current)s ke %(status)s di sini. Gunakan "Ubah status" '
                "di halaman lokalisasi dan tulis catatan alasannya, misalnya lokalisasi beroperasi kembali."
            )
            % {"current": _status_label(original["status"]), "status": _status_label(site.status)}
        ]
    if errors:
        # Leave the caller's object as stored: the page title shows the saved name, not the refused one.
        for name, value in original.items():
            # Setting a foreign key's column also drops the related object cached on the site.
            setattr(site, Site._meta.get_field(name).attname, value)
        raise ValidationError(errors)
    if changed:
        update_fields = sorted(changed)
        if "region" in changed:
            update_fields += ["regency_code", "province_code"]
        _save(site, update_fields=update_fields)
        if "status" in changed:
            _append_status(site, status=site.status, on=timezone.localdate(), note="", actor=actor)
        audit_record(Action.UPDATE, request=request, actor=actor, obj=site, detail={"fields": sorted(changed)})
    return site


# --- Wisma ------------------------------------------------------------------------------------

NOTE_MAX_LENGTH = 1000
OWNER_NAME_MAX_LENGTH = 150
OWNER_ADDRESS_MAX_LENGTH = 300
WISMA_FIELDS = ("name", "estimated_residents", "is_active", "note")


class _Keep:
    """``owner=KEEP_OWNER``: leave the stored owner as it is (the editor may not see it)."""


KEEP_OWNER = _Keep()


def _note_too_long() -> str:
    return _("Catatan paling banyak %(max)d karakter.") % {"max": NOTE_MAX_LENGTH}


def wisma_name_taken_message() -> str:
    return _("Wisma dengan nama ini sudah tercatat di lokalisasi ini.")


def normalise_owner(owner: WismaOwner | None, errors: dict[str, list[str]]) -> WismaOwner:
    """The owner as stored: spaces collapsed, phone in +62 form. Problems go to ``errors``
    under the form's field names (owner_name, owner_phone, owner_address)."""
    owner = owner or WismaOwner()
    name = " ".join((owner.name or "").split())
    address = " ".join((owner.address or "").split())
    raw_phone = (owner.phone or "").strip()
    phone = ""
    if raw_phone:
        from lokal import normalize_phone

        phone = normalize_phone(raw_phone) or ""
        if not phone:
            errors.setdefault("owner_phone", []).append(
                _("Nomor HP pemilik tidak valid. Tulis nomor Indonesia, mis. 0812 3456 7890 atau +62 812 3456 7890.")
            )
    if len(name) > OWNER_NAME_MAX_LENGTH:
        errors.setdefault("owner_name", []).append(
            _("Nama pemilik paling banyak %(max)d karakter.") % {"max": OWNER_NAME_MAX_LENGTH}
        )
    if len(address) > OWNER_ADDRESS_MAX_LENGTH:
        errors.setdefault("owner_address", []).append(
            _("Alamat pemilik paling banyak %(max)d karakter.") % {"max": OWNER_ADDRESS_MAX_LENGTH}
        )
    return WismaOwner(name=name, phone=phone, address=address)


def _clean_wisma(site: Site, values: dict[str, Any], errors: dict[str, list[str]], *, exclude_pk=None) -> dict:
    cleaned = dict(values)
    cleaned["name"] = " ".join((values.get("name") or "").split())
    cleaned["note"] = (values.get("note") or "").strip()
    if not cleaned["name"]:
        errors.setdefault("name", []).append(_("Nama wisma wajib diisi, mis. Wisma Melati."))
    elif len(cleaned["name"]) > Wisma._meta.get_field("name").max_length:
        errors.setdefault("name", []).append(_("Nama wisma paling banyak 150 karakter."))
    else:
        taken = Wisma.objects.filter(site=site, name__iexact=cleaned["name"])
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors.setdefault("name", []).append(wisma_name_taken_message())
    estimate = values.get("estimated_residents")
    if estimate is not None and estimate < 0:
        errors.setdefault("estimated_residents", []).append(_("Perkiraan penghuni tidak boleh negatif."))
    if len(cleaned["note"]) > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(_note_too_long())
    cleaned["is_active"] = bool(values.get("is_active", True))
    return cleaned


def _save_wisma(wisma: Wisma, **kwargs) -> None:
    try:
        with transaction.atomic():
            wisma.save(**kwargs)
    except IntegrityError as exc:
        # Two people adding the same wisma at once: the constraint caught what the check could not.
        raise ValidationError({"name": [wisma_name_taken_message()]}) from exc


@transaction.atomic
def wisma_create(
    *,
    actor,
    site: Site,
    request=None,
    name: str,
    estimated_residents: int | None = None,
    is_active: bool = True,
    note: str = "",
    owner: WismaOwner | None = None,
) -> Wisma:
    if not policy.can_manage_site(actor, site):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    values = {"name": name, "estimated_residents": estimated_residents, "is_active": is_active, "note": note}
    cleaned = _clean_wisma(site, values, errors)
    owner = normalise_owner(owner, errors)
    if errors:
        raise ValidationError(errors)
    wisma = Wisma(site=site, created_by=actor, owner_ciphertext=seal_owner(owner), **cleaned)
    _save_wisma(wisma)
    set_fields = [f for f in WISMA_FIELDS if getattr(wisma, f) not in (None, "")]
    if not owner.is_empty:
        set_fields.append("owner")
    # Field names only: the owner's details never go into the audit log.
    detail = {"fields": sorted(set_fields), "site": site.short_code}
    audit_record(Action.CREATE, request=request, actor=actor, obj=wisma, detail=detail)
    return wisma


@transaction.atomic
def wisma_update(*, actor, wisma: Wisma, request=None, owner: WismaOwner | _Keep = KEEP_OWNER, **fields) -> Wisma:
    """Change a wisma. ``owner``: the new owner details, or ``KEEP_OWNER`` to leave them."""
    unknown = set(fields) - set(WISMA_FIELDS)
    if unknown:
        raise TypeError(f"Unknown wisma fields: {sorted(unknown)}")
    if not policy.can_manage_site(actor, wisma.site):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    values = {name: fields.get(name, getattr(wisma, name)) for name in WISMA_FIELDS}
    cleaned = _clean_wisma(wisma.site, values, errors, exclude_pk=wisma.pk)
    new_owner = None if isinstance(owner, _Keep) else normalise_owner(owner, errors)
    if errors:
        raise ValidationError(errors)
    changed = sorted(name for name in WISMA_FIELDS if getattr(wisma, name) != cleaned[name])
    for name in changed:
        setattr(wisma, name, cleaned[name])
    update_fields = list(changed)
    # Compared in memory: the same owner encrypts differently each time, so only a real change is written.
    if new_owner is not None and new_owner != unseal_owner(wisma.owner_ciphertext):
        wisma.owner_ciphertext = seal_owner(new_owner)
        changed.append("owner")
        update_fields.append("owner_ciphertext")
    if changed:
        _save_wisma(wisma, update_fields=[*update_fields, "updated_at"])
        audit_record(Action.UPDATE, request=request, actor=actor, obj=wisma, detail={"fields": sorted(changed)})
    return wisma
