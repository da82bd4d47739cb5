"""Opening cases and the rules every case change follows: assessments, plans, services,
follow-ups, reassignment and moving a case into another Dinsos's scope. Referrals,
repatriation and training have their own modules and call in here.

Every change of a case row goes through ``save_with_version`` or ``_bump`` so the version
increments: an edit form read before any change (even a reassignment) then meets a conflict
instead of silently overwriting it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from accounts.models import Role
from audit.models import Action
from audit.services import audit_record
from people.services import raise_safeguarding_alerts

from . import rules
from .models import (
    Assessment,
    Case,
    CaseNote,
    CasePlan,
    CaseStatus,
    FollowUp,
    Service,
    ServiceKind,
    ServiceStatus,
)
from .narrative import seal_text


class CaseConflict(Exception):
    """Someone else saved the case since this user opened it (optimistic locking)."""

    def __init__(self, current: Case):
        super().__init__("case changed")
        self.current = current


# --- Who may be assigned ------------------------------------------------------------------------

# Organisations that can be responsible for a case: a Dinas Sosial (kabupaten/kota or province).
RESPONSIBLE_KINDS = ("dinsos_kabkota", "dinsos_provinsi")


def eligible_workers(organisation):
    """Active case workers of the responsible organisation."""
    return organisation.users.filter(role=Role.CASE_WORKER, is_active=True)


def eligible_supervisors(organisation):
    """Active heads of the responsible organisation (the supervisor signs off the case plan)."""
    return organisation.users.filter(role=Role.HEAD_OF_DINSOS, is_active=True)


def _check_assignment(organisation, *, case_worker=None, supervisor=None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if case_worker is not None and not eligible_workers(organisation).filter(pk=case_worker.pk).exists():
        errors["case_worker"] = [_("Pekerja sosial harus pengguna aktif berperan pekerja sosial di %(org)s.")]
    if supervisor is not None and not eligible_supervisors(organisation).filter(pk=supervisor.pk).exists():
        errors["supervisor"] = [_("Supervisor harus Kepala Dinas Sosial aktif di %(org)s.")]
    for key, messages in errors.items():
        errors[key] = [m % {"org": organisation.name} for m in messages]
    return errors


# --- Opening ------------------------------------------------------------------------------------


def next_case_number(person) -> str:
    count = Case.objects.filter(person=person).count()
    return f"{person.case_code}/{count + 1}"


@transaction.atomic
def case_open(
    *,
    actor,
    person,
    responsible_organisation,
    site=None,
    opened_on: dt.date | None = None,
    case_worker=None,
    supervisor=None,
    request=None,
) -> Case:
    """Open a case. A child or a person with trafficking indicators gets the forced pathway at
    once: a first plan with the reason, the required referral with its legal deadline, and an
    alert for the supervisor (if one is not already open)."""
    from people.models import Person

    if not policy.can_open_case_for(actor, person):
        raise PermissionDenied
    # One opener at a time per person: the open-case check and the case number need it.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if Case.objects.filter(person=person, status=CaseStatus.OPEN).exists():
        raise ValidationError(_("Orang ini sudah memiliki kasus aktif."))
    opened_on = opened_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if opened_on > timezone.localdate():
        errors["opened_on"] = [_("Tanggal dibuka tidak boleh di masa depan.")]
    if responsible_organisation.kind not in RESPONSIBLE_KINDS:
        errors["responsible_organisation"] = [_("Penanggung jawab kasus harus Dinas Sosial.")]
    elif not policy.in_region_scope(actor, responsible_organisation.region_id):
        errors["responsible_organisation"] = [_("Dinas Sosial ini di luar cakupan wilayah Anda.")]
    else:
        errors |= _check_assignment(responsible_organisation, case_worker=case_worker, supervisor=supervisor)
    if errors:
        raise ValidationError(errors)
    forced = rules.forced_pathway(person)
    case = Case.objects.create(
        person=person,
        site=site or person.registered_site,
        number=next_case_number(person),
        responsible_organisation=responsible_organisation,
        scope_region_code=responsible_organisation.region_id,
        case_worker=case_worker,
        supervisor=supervisor,
        opened_on=opened_on,
        stage_changed_on=opened_on,
        pathway=forced.pathway if forced else "",
        required_referral_kind=forced.referral_kind if forced else "",
        required_referral_by=rules.referral_due(opened_on, forced) if forced else None,
        created_by=actor,
    )
    note(case, actor=actor, kind="opened", summary=_("Kasus dibuka"))
    if forced:
        CasePlan.objects.create(
            case=case, version=1, pathway=forced.pathway, forced_reason=forced.reason, created_by=actor
        )
        note(
            case,
            actor=actor,
            kind="plan",
            summary=_("Jalur ditetapkan: %(pathway)s. %(reason)s Rujukan wajib sebelum %(date)s.")
            % {
                "pathway": case.get_pathway_display(),
                "reason": forced.reason,
                "date": case.required_referral_by.strftime("%d/%m/%Y"),
            },
        )
        raise_safeguarding_alerts(person, actor=actor)
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=case,
        detail={"forced_pathway": forced.pathway if forced else ""},
    )
    return case


def note(case: Case, *, actor, kind: str, summary: str, text_ciphertext: str = "") -> CaseNote:
    """One line of case history. ``summary`` must not contain identity (it is shown in lists)."""
    return CaseNote.objects.create(
        case=case, kind=kind, summary=summary[:300], text_ciphertext=text_ciphertext, created_by=actor
    )


# --- Changing the case row -----------------------------------------------------------------------


def save_with_version(case: Case, *, expected_version: int, fields: list[str]) -> Case:
    """Save ``fields`` only if nobody changed the case since ``expected_version`` was read.
    Raises CaseConflict with the current row otherwise (the caller shows both versions)."""
    values = {f: getattr(case, f) for f in fields}
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise CaseConflict(Case.objects.select_related("case_worker", "supervisor").get(pk=case.pk))
    case.version = expected_version + 1
    return case


def _bump(case: Case, **values) -> None:
    """Change the case row without a version check (the change does not depend on what the user
    last read), but increment the version so open edit forms notice it."""
    Case.objects.filter(pk=case.pk).update(**values, version=F("version") + 1, updated_at=timezone.now())
    for key, value in values.items():
        setattr(case, key, value)
    case.refresh_from_db(fields=["version", "updated_at"])


@dataclass
class CaseChange:
    stage: str
    status: str
    closing_reason: str
    case_worker: object | None


@transaction.atomic
def case_update(*, actor, case: Case, expected_version: int, change: CaseChange, request=None) -> Case:
    """Stage, status, closing reason and (for a supervisor) the case worker, saved only if the
    case is still at ``expected_version``; CaseConflict otherwise."""
    if not policy.can_manage_case(actor, case):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if change.status == CaseStatus.CLOSED and not change.closing_reason:
        errors["closing_reason"] = [_("Pilih alasan penutupan kasus.")]
    worker_changed = (change.case_worker.pk if change.case_worker else None) != case.case_worker_id
    if worker_changed:
        if not policy.can_supervise_case(actor, case):
            errors["case_worker"] = [_("Hanya supervisor yang dapat mengganti pekerja sosial.")]
        elif change.case_worker is not None:
            errors |= _check_assignment(case.responsible_organisation, case_worker=change.case_worker)
    if errors:
        raise ValidationError(errors)

    before = {
        "stage": case.stage,
        "status": case.status,
        "closing_reason": case.closing_reason,
        "case_worker": case.case_worker_id,
    }
    today = timezone.localdate()
    fields = ["stage", "status", "closing_reason", "closed_on", "case_worker", "stage_changed_on"]
    if change.stage != case.stage:
        case.stage_changed_on = today
    case.stage = change.stage
    case.case_worker = change.case_worker
    if change.status == CaseStatus.CLOSED:
        if case.status != CaseStatus.CLOSED:
            case.closed_on = today
        case.closing_reason = change.closing_reason
    else:
        case.closed_on = None
        case.closing_reason = ""
    case.status = change.status
    try:
        with transaction.atomic():
            save_with_version(case, expected_version=expected_version, fields=fields)
    except IntegrityError as exc:
        # Re-opening while the person has another open case (one_open_case_per_person).
        raise ValidationError({"status": [_("Orang ini sudah memiliki kasus aktif lain.")]}) from exc

    after = {
        "stage": case.stage,
        "status": case.status,
        "closing_reason": case.closing_reason,
        "case_worker": case.case_worker_id,
    }
    changed = sorted(k for k in after if after[k] != before[k])
    if "stage" in changed:
        note(case, actor=actor, kind="stage", summary=_("Tahap: %(stage)s") % {"stage": case.get_stage_display()})
    if "status" in changed or "closing_reason" in changed:
        if case.status == CaseStatus.CLOSED:
            summary = _("Kasus ditutup: %(reason)s") % {"reason": case.get_closing_reason_display()}
        else:
            summary = _("Kasus dibuka kembali")
        note(case, actor=actor, kind="status", summary=summary)
    if "case_worker" in changed:
        note(case, actor=actor, kind="worker", summary=_worker_summary(case.case_worker))
    if changed:
        audit_record(
            Action.UPDATE, request=request, actor=actor, obj=case, detail={"fields": changed, "version": case.version}
        )
    return case


def _worker_summary(worker) -> str:
    if worker is None:
        return _("Pekerja sosial dilepas dari kasus")
    return _("Pekerja sosial: %(name)s") % {"name": str(worker)}


@transaction.atomic
def case_reassign(*, actor, case: Case, case_worker, reason: str = "", request=None) -> Case:
    """A supervisor hands the case to another worker of the responsible organisation."""
    if not policy.can_supervise_case(actor, case):
        raise PermissionDenied
    errors = _check_assignment(case.responsible_organisation, case_worker=case_worker)
    if errors:
        raise ValidationError(errors)
    if case_worker.pk == case.case_worker_id:
        raise ValidationError({"case_worker": [_("Kasus ini sudah ditangani pekerja sosial tersebut.")]})
    previous = case.case_worker_id
    _bump(case, case_worker=case_worker)
    # The reason is free text (it may name people): encrypted like any note, shown to the team only.
    reason = reason.strip()
    note(
        case,
        actor=actor,
        kind="worker",
        summary=_worker_summary(case_worker),
        text_ciphertext=seal_text(f"{_('Alasan')}: {reason}") if reason else "",
    )
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=case,
        detail={"case_worker": {"from": previous, "to": case_worker.pk}},
    )
    return case


# --- Assessment ------------------------------------------------------------------------------------

NARRATIVE_KEYS = ("skills", "work_history", "family", "wish_note", "notes")


@transaction.atomic
def assessment_add(
    *,
    actor,
    case: Case,
    assessed_on: dt.date,
    needs: list[str],
    wish: str,
    dependent_children: int | None = None,
    has_ktp: bool | None = None,
    has_kk: bool | None = None,
    health_referral_needed: bool = False,
    risk_flags: list[str] | None = None,
    narrative: dict[str, str] | None = None,
    request=None,
) -> Assessment:
    """A new version of the assessment; earlier versions stay unchanged. Free text (skills, work
    history, family, the person's own words, notes) is encrypted: workers write names into it."""
    if not policy.can_manage_case(actor, case):
        raise PermissionDenied
    risk_flags = risk_flags or []
    errors: dict[str, list[str]] = {}
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = [_("Tanggal asesmen tidak boleh di masa depan.")]
    if assessed_on < case.opened_on:
        errors["assessed_on"] = [_("Tanggal asesmen tidak boleh sebelum kasus dibuka.")]
    unknown = set(needs) - rules.NEED_CODES
    if unknown:
        errors["needs"] = [_("Kebutuhan tidak dikenal: %(codes)s") % {"codes": ", ".join(sorted(unknown))}]
    unknown = set(risk_flags) - rules.RISK_FLAG_CODES
    if unknown:
        errors["risk_flags"] = [_("Tanda risiko tidak dikenal: %(codes)s") % {"codes": ", ".join(sorted(unknown))}]
    if errors:
        raise ValidationError(errors)
    # Lock the case row so two assessors never take the same version number.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    version = (case.assessments.aggregate(v=Max("version"))["v"] or 0) + 1
    narrative = {k: v.strip() for k, v in (narrative or {}).items() if k in NARRATIVE_KEYS and v and v.strip()}
    assessment = Assessment.objects.create(
        case=case,
        version=version,
        assessed_on=assessed_on,
        assessor=actor,
        needs=sorted(set(needs)),
        wish=wish,
        dependent_children=dependent_children,
        has_ktp=has_ktp,
        has_kk=has_kk,
        health_referral_needed=health_referral_needed,
        risk_flags=sorted(set(risk_flags)),
        narrative_ciphertext=seal_text(narrative),
    )
    note(case, actor=actor, kind="assessment", summary=_("Asesmen versi %(n)s dicatat") % {"n": version})
    audit_record(Action.CREATE, request=request, actor=actor, obj=case, detail={"assessment_version": version})
    return assessment


# --- Plan and services -------------------------------------------------------------------------------


@dataclass
class PlannedService:
    kind: str
    provider: object | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None


def check_pathway(case: Case, pathway: str) -> rules.ForcedPathway | None:
    """Refuse any pathway other than the forced one (child, trafficking), with the reason."""
    forced = rules.forced_pathway(case.person)
    if forced and pathway != forced.pathway:
        raise ValidationError({"pathway": [forced.reason]})
    return forced


@transaction.atomic
def plan_set(
    *, actor, case: Case, pathway: str, goals: str = "", services: list[PlannedService] | None = None, request=None
) -> CasePlan:
    """A new plan version with its planned services; the case takes the plan's pathway."""
    if not policy.can_manage_case(actor, case):
        raise PermissionDenied
    services = services or []
    forced = check_pathway(case, pathway)
    errors: dict[str, list[str]] = {}
    for planned in services:
        if planned.planned_start and planned.planned_end and planned.planned_end < planned.planned_start:
            errors.setdefault("services", []).append(
                _("%(kind)s: rencana selesai sebelum rencana mulai.") % {"kind": ServiceKind(planned.kind).label}
            )
    if errors:
        raise ValidationError(errors)
    Case.objects.select_for_update().filter(pk=case.pk).first()
    version = (case.plans.aggregate(v=Max("version"))["v"] or 0) + 1
    plan = CasePlan.objects.create(
        case=case,
        version=version,
        pathway=pathway,
        goals=goals.strip(),
        forced_reason=forced.reason if forced else "",
        created_by=actor,
    )
    Service.objects.bulk_create(
        [
            Service(
                case=case,
                kind=p.kind,
                provider=p.provider,
                planned_start=p.planned_start,
                planned_end=p.planned_end,
                created_by=actor,
            )
            for p in services
        ]
    )
    values: dict = {}
    if case.pathway != pathway:
        values["pathway"] = pathway
    if forced and not case.required_referral_kind:
        # The flag was set after the case was opened: the deadline runs from today.
        values["required_referral_kind"] = forced.referral_kind
        values["required_referral_by"] = rules.referral_due(timezone.localdate(), forced)
    if values:
        _bump(case, **values)
    note(
        case,
        actor=actor,
        kind="plan",
        summary=_("Rencana versi %(n)s: %(pathway)s, %(count)s layanan direncanakan")
        % {"n": version, "pathway": plan.get_pathway_display(), "count": len(services)},
    )
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=case,
        detail={"plan_version": version, "pathway": pathway, "services": len(services)},
    )
    return plan


@transaction.atomic
def service_update(
    *,
    actor,
    service: Service,
    status: str,
    started_on: dt.date | None = None,
    ended_on: dt.date | None = None,
    outcome: str = "",
    request=None,
) -> Service:
    if not policy.can_manage_case(actor, service.case):
        raise PermissionDenied
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if started_on and started_on > today:
        errors["started_on"] = [_("Tanggal mulai tidak boleh di masa depan.")]
    if ended_on and ended_on > today:
        errors["ended_on"] = [_("Tanggal selesai tidak boleh di masa depan.")]
    elif ended_on and started_on and ended_on < started_on:
        errors["ended_on"] = [_("Tanggal selesai tidak boleh sebelum tanggal mulai.")]
    if status == ServiceStatus.COMPLETED and not ended_on:
        errors["ended_on"] = [_("Isi tanggal selesai untuk layanan yang selesai.")]
    if status in (ServiceStatus.IN_PROGRESS, ServiceStatus.COMPLETED) and not started_on:
        errors["started_on"] = [_("Isi tanggal mulai layanan.")]
    if errors:
        raise ValidationError(errors)
    before = service.status
    service.status = status
    service.started_on = started_on
    service.ended_on = ended_on
    service.outcome = outcome.strip()
    service.save(update_fields=["status", "started_on", "ended_on", "outcome"])
    if before != status:
        note(
            service.case,
            actor=actor,
            kind="service",
            summary=_("Layanan %(kind)s: %(status)s")
            % {"kind": service.get_kind_display(), "status": service.get_status_display()},
        )
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=service.case,
        detail={"service": service.pk, "status": status},
    )
    return service


# --- Follow-ups ---------------------------------------------------------------------------------------


@transaction.atomic
def follow_ups_schedule(case: Case, start: dt.date, actor, request=None) -> list[FollowUp]:
    """Schedule bimbingan lanjut at the configured months (``PULIH_FOLLOW_UP_MONTHS``) after
    ``start`` (repatriation handover or closure). Follow-ups already done stay as they are; those
    not done yet move to the new dates. The caller has checked the actor may do this (the view:
    ``policy.can_manage_case``; repatriation: its handover rule)."""
    existing = {f.months_after: f for f in case.follow_ups.all()}
    created, moved = [], []
    for months in rules.follow_up_months():
        due_on = rules.add_months(start, months)
        follow_up = existing.get(months)
        if follow_up is None:
            created.append(
                FollowUp(case=case, months_after=months, due_on=due_on, scope_region_code=case.scope_region_code)
            )
        elif follow_up.done_on is None and follow_up.due_on != due_on:
            follow_up.due_on = due_on
            moved.append(follow_up)
    FollowUp.objects.bulk_create(created)
    FollowUp.objects.bulk_update(moved, ["due_on"])
    if created or moved:
        note(
            case,
            actor=actor,
            kind="follow_up",
            summary=_("Bimbingan lanjut dijadwalkan dari %(date)s: bulan ke-%(months)s")
            % {"date": start.strftime("%d/%m/%Y"), "months": ", ".join(str(m) for m in rules.follow_up_months())},
        )
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=case,
            detail={"follow_ups_from": start.isoformat(), "created": len(created), "moved": len(moved)},
        )
    return list(case.follow_ups.order_by("due_on"))


@transaction.atomic
def follow_up_record(
    *, actor, follow_up: FollowUp, done_on: dt.date, outcome: str, note_text: str = "", request=None
) -> FollowUp:
    case = follow_up.case
    if not policy.can_manage_case(actor, case):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if done_on > timezone.localdate():
        errors["done_on"] = [_("Tanggal pelaksanaan tidak boleh di masa depan.")]
    if not outcome:
        errors["outcome"] = [_("Pilih hasil bimbingan lanjut.")]
    if errors:
        raise ValidationError(errors)
    follow_up.done_on = done_on
    follow_up.outcome = outcome
    follow_up.done_by = actor
    if note_text.strip():
        follow_up.note_ciphertext = seal_text(note_text.strip())
    follow_up.save(update_fields=["done_on", "outcome", "done_by", "note_ciphertext"])
    note(
        case,
        actor=actor,
        kind="follow_up",
        summary=_("Bimbingan lanjut bulan ke-%(m)s: %(outcome)s")
        % {"m": follow_up.months_after, "outcome": follow_up.get_outcome_display()},
    )
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=case,
        detail={"follow_up": follow_up.months_after, "outcome": outcome},
    )
    return follow_up


# --- Moving a case into another Dinsos's scope (transfer) ----------------------------------------------


@transaction.atomic
def case_move_scope(case: Case, organisation, *, actor=None, case_worker=None, supervisor=None, request=None) -> Case:
    """The receiving Dinsos becomes responsible: the case and its follow-ups move into its region
    scope with their history. The sending team's worker and supervisor cannot act outside their
    scope, so they are replaced by the receiver's (or left empty for its supervisor to assign).
    Called by the transfer flow once the receiver accepts; it checks who may accept."""
    errors = _check_assignment(organisation, case_worker=case_worker, supervisor=supervisor)
    if errors:
        raise ValidationError(errors)
    previous = case.responsible_organisation
    _bump(
        case,
        responsible_organisation=organisation,
        scope_region_code=organisation.region_id,
        case_worker=case_worker,
        supervisor=supervisor,
    )
    FollowUp.objects.filter(case=case).update(scope_region_code=organisation.region_id)
    note(
        case,
        actor=actor,
        kind="transfer",
        summary=_("Tanggung jawab kasus pindah dari %(from)s ke %(to)s")
        % {"from": previous.name, "to": organisation.name},
    )
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=case,
        detail={"responsible_organisation": {"from": previous.pk, "to": organisation.pk}},
    )
    return case
