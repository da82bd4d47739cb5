"""Creating and changing closure programmes, their phases, sites and stage plans.

Rules live here; views only call these. Every write checks the policy, validates everything at
once (``ValidationError`` keyed by field) and writes an audit event. Progress is never written:
``programmes.progress`` computes it from the records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record
from organisations.models import Organisation, OrgKind
from sites.models import Site

from .models import ClosureProgramme, Phase, ProgrammeSite, ProgrammeStatus, Stage, StageKind

# A programme is run by a Dinas Sosial (of a kabupaten/kota, or of a province for a group of them).
OWNER_KINDS = (OrgKind.DINSOS_KABKOTA, OrgKind.DINSOS_PROVINSI)
TEXT_FIELDS = ("name", "legal_basis", "description")
PLAIN_FIELDS = ("owner_organisation", "launched_on", "deadline", "status")


def owner_organisations(actor, *, keep: Organisation | None = None) -> QuerySet[Organisation]:
    """The Dinas Sosial an actor may make responsible for a programme: active, in their region
    scope. ``keep`` (the current owner) stays selectable so other changes can still be saved."""
    offered = Organisation.objects.filter(kind__in=OWNER_KINDS, is_active=True).filter(
        policy.region_scope_q(actor, "region__code")
    )
    if keep is not None:
        offered = offered | Organisation.objects.filter(pk=keep.pk)
    return offered.select_related("region").order_by("name", "pk")


def offered_sites(actor, *, keep: Iterable[int] = ()) -> QuerySet[Site]:
    """Sites an actor may put into a programme: those in their scope, plus the ones already in it."""
    offered = policy.scope_sites(actor, Site.objects.all())
    keep = list(keep)
    if keep:
        offered = offered | Site.objects.filter(pk__in=keep)
    return offered.select_related("region").order_by("name", "pk")


def _within(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(f"{outer}.")


def _clean_text(value: str | None, *, single_line: bool) -> str:
    value = (value or "").strip()
    return " ".join(value.split()) if single_line else value


# --- Programmes ---------------------------------------------------------------------------------


@dataclass
class ProgrammeData:
    """What the programme form sets."""

    name: str
    owner_organisation: Organisation | None
    deadline: dt.date | None
    legal_basis: str = ""
    description: str = ""
    launched_on: dt.date | None = None
    status: str = ProgrammeStatus.ACTIVE
    partners: tuple[Organisation, ...] = ()
    sites: tuple[Site, ...] = ()


def _validate(actor, data: ProgrammeData, *, programme: ClosureProgramme | None) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not data.name:
        add("name", _("Nama program wajib diisi."))
    elif len(data.name) > ClosureProgramme._meta.get_field("name").max_length:
        add("name", _("Nama program terlalu panjang."))
    owner = data.owner_organisation
    if owner is None:
        add("owner_organisation", _("Pilih Dinas Sosial penanggung jawab."))
    else:
        changed_owner = programme is None or programme.owner_organisation_id != owner.pk
        if owner.kind not in OWNER_KINDS:
            add("owner_organisation", _("Penanggung jawab program harus Dinas Sosial."))
        elif changed_owner and not owner.is_active:
            add("owner_organisation", _("Dinas Sosial ini sudah nonaktif."))
    if data.deadline is None:
        add("deadline", _("Batas waktu penutupan wajib diisi."))
    elif data.launched_on is not None and data.deadline <= data.launched_on:
        add("deadline", _("Batas waktu penutupan harus sesudah tanggal pencanangan."))
    if data.status not in ProgrammeStatus.values:
        add("status", _("Pilih status program."))

    site_ids = [site.pk for site in data.sites]
    if not site_ids:
        add("sites", _("Pilih sedikitnya satu lokalisasi."))
    elif len(set(site_ids)) != len(site_ids):
        # A site can be in several programmes over the years, but only once in each.
        add("sites", _("Satu lokalisasi hanya dapat dicantumkan sekali dalam satu program."))
    already = set(programme.programme_sites.values_list("site_id", flat=True)) if programme else set()
    new_ids = set(site_ids) - already
    if new_ids:
        visible = set(policy.scope_sites(actor, Site.objects.filter(pk__in=new_ids)).values_list("pk", flat=True))
        if new_ids - visible:
            add("sites", _("Ada lokalisasi di luar cakupan wilayah Anda."))
    if owner is not None:
        outside = sorted(site.name for site in data.sites if not _within(owner.region_id, site.region_id))
        if outside:
            add(
                "sites",
                _("Lokalisasi berikut di luar wilayah Dinas Sosial penanggung jawab: %(names)s.")
                % {"names": ", ".join(outside)},
            )

    new_partner_ids = {org.pk for org in data.partners}
    if programme is not None:
        new_partner_ids -= set(programme.partners.values_list("pk", flat=True))
    if any(not org.is_active for org in data.partners if org.pk in new_partner_ids):
        add("partners", _("Organisasi nonaktif tidak dapat ditambahkan sebagai mitra."))
    if errors:
        raise ValidationError(errors)


def _normalise(data: ProgrammeData) -> ProgrammeData:
    data.name = _clean_text(data.name, single_line=True)
    data.legal_basis = _clean_text(data.legal_basis, single_line=False)
    data.description = _clean_text(data.description, single_line=False)
    data.sites = tuple(data.sites)
    # The owner runs the programme; listing it as its own partner would mean nothing.
    owner_id = data.owner_organisation.pk if data.owner_organisation else None
    data.partners = tuple(org for org in data.partners if org.pk != owner_id)
    return data


def _set_sites(programme: ClosureProgramme, sites: Iterable[Site]) -> tuple[list[int], list[int]]:
    """Make the programme's sites exactly ``sites``, keeping the phase of those that stay."""
    wanted = {site.pk for site in sites}
    current = set(programme.programme_sites.values_list("site_id", flat=True))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if removed:
        programme.programme_sites.filter(site_id__in=removed).delete()
    ProgrammeSite.objects.bulk_create([ProgrammeSite(programme=programme, site_id=pk) for pk in added])
    return added, removed


@transaction.atomic
def programme_create(*, actor, data: ProgrammeData, request=None) -> ClosureProgramme:
    if not policy.has_perm(actor, policy.Perm.PROGRAMMES_MANAGE):
        raise PermissionDenied
    data = _normalise(data)
    owner = data.owner_organisation
    if owner is not None and not policy.can_create_programme_in(actor, owner.region_id):
        raise PermissionDenied
    _validate(actor, data, programme=None)
    programme = ClosureProgramme.objects.create(
        name=data.name,
        owner_organisation=owner,
        region_id=owner.region_id,
        legal_basis=data.legal_basis,
        description=data.description,
        launched_on=data.launched_on,
        deadline=data.deadline,
        status=data.status,
        created_by=actor,
    )
    programme.partners.set(data.partners)
    _set_sites(programme, data.sites)
    # Every standard stage, applying and unplanned, ready for the stage plan form.
    Stage.objects.bulk_create([Stage(programme=programme, kind=kind) for kind in StageKind.values])
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=programme,
        detail={
            "region": programme.region_id,
            "sites": sorted(site.pk for site in data.sites),
            "partners": sorted(org.pk for org in data.partners),
        },
    )
    return programme


@transaction.atomic
def programme_update(*, actor, programme: ClosureProgramme, data: ProgrammeData, request=None) -> ClosureProgramme:
    if not policy.can_manage_programme(actor, programme):
        raise PermissionDenied
    data = _normalise(data)
    owner = data.owner_organisation
    moved = owner is not None and owner.pk != programme.owner_organisation_id
    # Handing the programme to a Dinsos outside one's own scope would give it away.
    if moved and not policy.can_create_programme_in(actor, owner.region_id):
        raise PermissionDenied
    _validate(actor, data, programme=programme)
    changed = []
    for name in (*TEXT_FIELDS, *PLAIN_FIELDS):
        new = getattr(data, name)
        if getattr(programme, name) != new:
            setattr(programme, name, new)
            changed.append(name)
    if "owner_organisation" in changed:
        programme.region_id = owner.region_id
        changed.append("region")
    if changed:
        programme.save(update_fields=[*changed, "updated_at"])
    old_partners = set(programme.partners.values_list("pk", flat=True))
    new_partners = {org.pk for org in data.partners}
    if old_partners != new_partners:
        programme.partners.set(data.partners)
        changed.append("partners")
    added, removed = _set_sites(programme, data.sites)
    if added or removed:
        changed.append("sites")
    if changed:
        detail = {"fields": sorted(changed)}
        if added or removed:
            detail |= {"sites_added": added, "sites_removed": removed}
        audit_record(Action.UPDATE, request=request, actor=actor, obj=programme, detail=detail)
    return programme


# --- Phases -------------------------------------------------------------------------------------


def next_phase_number(programme: ClosureProgramme) -> int:
    return (programme.phases.aggregate(n=Max("number"))["n"] or 0) + 1


def _validate_phase(phase: Phase) -> None:
    errors: dict[str, list[str]] = {}
    phase.name = _clean_text(phase.name, single_line=True)
    if not phase.name:
        errors.setdefault("name", []).append(_("Nama tahap wajib diisi."))
    elif len(phase.name) > Phase._meta.get_field("name").max_length:
        errors.setdefault("name", []).append(_("Nama tahap terlalu panjang."))
    if not phase.number or phase.number < 1:
        errors.setdefault("number", []).append(_("Nomor tahap harus 1 atau lebih."))
    else:
        taken = Phase.objects.filter(programme_id=phase.programme_id, number=phase.number)
        if phase.pk:
            taken = taken.exclude(pk=phase.pk)
        if taken.exists():
            errors.setdefault("number", []).append(_("Nomor tahap ini sudah dipakai dalam program ini."))
    if phase.planned_start and phase.planned_end and phase.planned_end < phase.planned_start:
        errors.setdefault("planned_end", []).append(_("Rencana selesai tidak boleh sebelum rencana mulai."))
    if errors:
        raise ValidationError(errors)


PHASE_FIELDS = ("number", "name", "planned_start", "planned_end")


@transaction.atomic
def phase_create(
    *,
    actor,
    programme: ClosureProgramme,
    number: int,
    name: str,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    request=None,
) -> Phase:
    if not policy.can_manage_programme(actor, programme):
        raise PermissionDenied
    phase = Phase(programme=programme, number=number, name=name, planned_start=planned_start, planned_end=planned_end)
    _validate_phase(phase)
    phase.save()
    audit_record(
        Action.CREATE, request=request, actor=actor, obj=phase, detail={"programme": programme.pk, "number": number}
    )
    return phase


@transaction.atomic
def phase_update(*, actor, phase: Phase, request=None, **fields) -> Phase:
    unknown = set(fields) - set(PHASE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown phase fields: {sorted(unknown)}")
    if not policy.can_manage_programme(actor, phase.programme):
        raise PermissionDenied
    original = {name: getattr(phase, name) for name in PHASE_FIELDS}
    for name, value in fields.items():
        setattr(phase, name, value)
    try:
        _validate_phase(phase)
    except ValidationError:
        for name, value in original.items():
            setattr(phase, name, value)
        raise
    changed = sorted(name for name in PHASE_FIELDS if getattr(phase, name) != original[name])
    if changed:
        phase.save(update_fields=changed)
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=phase,
            detail={"programme": phase.programme_id, "fields": changed},
        )
    return phase


@transaction.atomic
def site_set_phase(*, actor, programme_site: ProgrammeSite, phase: Phase | None, request=None) -> ProgrammeSite:
    """Put one of the programme's sites into one of its phases (or into none)."""
    programme = programme_site.programme
    if not policy.can_manage_programme(actor, programme):
        raise PermissionDenied
    if phase is not None and phase.programme_id != programme.pk:
        raise ValidationError({"phase": [_("Tahap ini bukan tahap program ini.")]})
    new_id = phase.pk if phase else None
    if programme_site.phase_id != new_id:
        old_id = programme_site.phase_id
        programme_site.phase = phase
        programme_site.save(update_fields=["phase"])
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=programme,
            detail={"fields": ["sites.phase"], "site": programme_site.site_id, "phase": new_id, "previous": old_id},
        )
    return programme_site


# --- Stage plan ---------------------------------------------------------------------------------


@dataclass
class StagePlanData:
    kind: str
    planned_start: dt.date | None
    planned_end: dt.date | None
    applies: bool


@transaction.atomic
def stages_update(*, actor, programme: ClosureProgramme, plans: Iterable[StagePlanData], request=None) -> list[str]:
    """Save the planned dates and "applies" of the standard stages in one go. Errors are keyed
    by stage kind. Returns the kinds that changed."""
    if not policy.can_manage_programme(actor, programme):
        raise PermissionDenied
    plans = list(plans)
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for plan in plans:
        if plan.kind not in StageKind.values or plan.kind in seen:
            raise ValidationError(_("Daftar tahapan tidak sah; muat ulang halaman."))
        seen.add(plan.kind)
        if plan.planned_start and plan.planned_end and plan.planned_end < plan.planned_start:
            errors.setdefault(plan.kind, []).append(_("Rencana selesai tidak boleh sebelum rencana mulai."))
    if errors:
        raise ValidationError(errors)
    existing = {stage.kind: stage for stage in programme.stages.select_for_update()}
    changed: list[str] = []
    for plan in plans:
        stage = existing.get(plan.kind) or Stage(programme=programme, kind=plan.kind)
        values = {"planned_start": plan.planned_start, "planned_end": plan.planned_end, "applies": plan.applies}
        if stage.pk and all(getattr(stage, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(stage, name, value)
        stage.save()
        changed.append(plan.kind)
    if changed:
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=programme,
            detail={"fields": ["stages"], "stages": changed},
        )
    return changed
