"""Recording and correcting post-closure monitoring visits.

Rules live here; views only call these. A visit records what was seen at places in one
desa/kelurahan — counts of places and people, never who they are (DOMAIN.md "Do no harm").
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record
from organisations.models import Organisation
from programmes.models import ClosureProgramme
from regions.models import Level, Region
from sites.models import Site

from .models import Finding, MonitoringVisit

# What a user may set on a visit (the recorder and timestamps are set here).
EDITABLE_FIELDS = (
    "village",
    "visited_on",
    "organisation",
    "finding",
    "active_places",
    "active_people",
    "observation",
    "programme",
    "site",
)

# A NIK (16 digits) or an Indonesian mobile number in the observation would name someone: the
# notes describe places, and identities belong only in the encrypted registry.
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(?:\+62|62|0)[\s.-]?8\d\d(?:[\s.-]?\d){5,9}(?!\d)")


def _region_contains(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(f"{outer}.")


def _ancestor_codes(code: str | None) -> list[str]:
    """ "35", "35.06" for "35.06.01": the regions a region lies in."""
    if not code:
        return []
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def organisation_choices(actor, *, keep: Organisation | None = None) -> QuerySet[Organisation]:
    """Who may have made the visit: active organisations in the actor's region, or above it (a
    provincial UPT such as UPT RSBKW Kediri visits villages of a kabupaten), and the actor's own.
    ``keep`` (the visit's current organisation) stays selectable so other changes can be saved."""
    if actor.region_id is None:
        offered = Q()  # national scope: every organisation
    else:
        offered = policy.region_scope_q(actor, "region__code") | Q(region__code__in=_ancestor_codes(actor.region_id))
        if actor.organisation_id:
            offered |= Q(pk=actor.organisation_id)
    qs = Organisation.objects.filter(Q(is_active=True) & offered)
    if keep is not None:
        qs = qs | Organisation.objects.filter(pk=keep.pk)
    return qs.order_by("name", "pk")


def programme_choices(actor) -> QuerySet[ClosureProgramme]:
    return policy.scope_programmes(actor, ClosureProgramme.objects.all()).order_by("name", "pk")


def site_choices(actor) -> QuerySet[Site]:
    return policy.scope_sites(actor, Site.objects.all()).order_by("name", "pk")


# --- Validation -------------------------------------------------------------------------------


def _validate(actor, visit: MonitoringVisit, *, changed: set[str]) -> None:
    """Check ``visit`` as it would be saved; raise every problem at once. Choices that depend on
    the actor's scope are only re-checked when they change."""
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    village: Region | None = visit.village if visit.village_id else None
    if village is None:
        error("village", _("Pilih desa/kelurahan yang dikunjungi."))
    elif village.level != Level.VILLAGE:
        error("village", _("Pilih desa/kelurahan (bukan kecamatan atau kabupaten/kota)."))
    elif "village" in changed and not policy.can_record_monitoring(actor, village.code):
        error("village", _("Desa/kelurahan ini di luar cakupan wilayah Anda."))

    today = timezone.localdate()
    if visit.visited_on is None:
        error("visited_on", _("Isi tanggal kunjungan."))
    elif visit.visited_on > today:
        error("visited_on", _("Tanggal kunjungan tidak boleh di masa depan."))

    if not visit.organisation_id:
        error("organisation", _("Pilih organisasi pelaksana kunjungan."))
    elif "organisation" in changed and not organisation_choices(actor).filter(pk=visit.organisation_id).exists():
        error("organisation", _("Organisasi ini nonaktif atau di luar cakupan wilayah Anda."))

    if visit.finding not in Finding.values:
        error("finding", _("Pilih temuan kunjungan."))
    for field in ("active_places", "active_people"):
        value = getattr(visit, field)
        if value is None or value < 0:
            error(field, _("Isi perkiraan jumlah (0 atau lebih)."))
    if visit.finding == Finding.NONE and ((visit.active_places or 0) > 0 or (visit.active_people or 0) > 0):
        error(
            "finding",
            _("Temuan “tidak ada aktivitas” tidak cocok dengan perkiraan tempat atau orang aktif lebih dari 0."),
        )

    visit.observation = (visit.observation or "").strip()
    if _NIK.search(visit.observation) or _PHONE.search(visit.observation):
        error(
            "observation",
            _("Catatan tidak boleh memuat NIK atau nomor telepon: catat keadaan tempat, bukan identitas orang."),
        )

    programme = visit.programme if visit.programme_id else None
    if programme is not None and "programme" in changed:
        if not programme_choices(actor).filter(pk=programme.pk).exists():
            error("programme", _("Program ini di luar cakupan Anda."))
        elif village is not None and not _region_contains(programme.region_id, village.code):
            error("programme", _("Desa/kelurahan ini tidak berada di wilayah program tersebut."))
    site = visit.site if visit.site_id else None
    if site is not None and {"site", "village", "programme"} & changed:
        if "site" in changed and not site_choices(actor).filter(pk=site.pk).exists():
            error("site", _("Lokalisasi ini di luar cakupan Anda."))
        elif village is not None and site.regency_code != village.code[:5]:
            error("site", _("Lokalisasi ini tidak berada di kabupaten/kota desa yang dikunjungi."))
        elif programme is not None and not programme.programme_sites.filter(site=site).exists():
            error("site", _("Lokalisasi ini tidak termasuk dalam program yang dipilih."))
    if errors:
        raise ValidationError(errors)


def _column_value(name: str, value: Any) -> Any:
    if name in ("village", "organisation", "programme", "site"):
        if value is None:
            return None
        return value.code if name == "village" else value.pk
    if name == "observation":
        return (value or "").strip()
    return value


def _current_value(visit: MonitoringVisit, name: str) -> Any:
    return getattr(visit, MonitoringVisit._meta.get_field(name).attname)


def _check_unknown_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown monitoring visit fields: {sorted(unknown)}")


def _audit_detail(visit: MonitoringVisit, fields: list[str]) -> dict[str, Any]:
    # Counts and codes only: the observation text stays out of the log.
    return {
        "fields": fields,
        "village": visit.village_id,
        "visited_on": visit.visited_on.isoformat(),
        "finding": visit.finding,
        "active_places": visit.active_places,
    }


@transaction.atomic
def visit_create(*, actor, request=None, **fields) -> MonitoringVisit:
    _check_unknown_fields(fields)
    if not policy.has_perm(actor, policy.Perm.MONITORING_MANAGE):
        raise PermissionDenied
    fields.setdefault("active_places", 0)
    fields.setdefault("active_people", 0)
    visit = MonitoringVisit(created_by=actor)
    for name, value in fields.items():
        setattr(visit, name, value)
    _validate(actor, visit, changed=set(EDITABLE_FIELDS))
    visit.save()
    audit_record(Action.CREATE, request=request, actor=actor, obj=visit, detail=_audit_detail(visit, sorted(fields)))
    return visit


@transaction.atomic
def visit_update(*, actor, visit: MonitoringVisit, request=None, **fields) -> MonitoringVisit:
    _check_unknown_fields(fields)
    if not policy.can_record_monitoring(actor, visit.village_id):
        raise PermissionDenied
    changed = {name for name, value in fields.items() if _current_value(visit, name) != _column_value(name, value)}
    original = {name: _current_value(visit, name) for name in changed}
    for name in changed:
        setattr(visit, name, fields[name])
    try:
        _validate(actor, visit, changed=changed)
    except ValidationError:
        # Leave the caller's object as stored: the page heading shows the saved visit.
        for name, value in original.items():
            setattr(visit, MonitoringVisit._meta.get_field(name).attname, value)
        raise
    if changed:
        visit.save(update_fields=[MonitoringVisit._meta.get_field(name).attname for name in sorted(changed)])
        audit_record(
            Action.UPDATE, request=request, actor=actor, obj=visit, detail=_audit_detail(visit, sorted(changed))
        )
    return visit
