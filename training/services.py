"""Courses and enrolments: every change checks the policy, validates, saves and audits.

Places are handed out under a row lock on the course (``select_for_update``): two people
enrolling at the same moment are served one after the other, so a course never holds more
participants than its capacity, and waiting-list positions never repeat. Whoever frees a place
(withdrawal, drop-out, a larger capacity) promotes the first on the waiting list in the same
transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.policy import Perm
from audit.models import Action
from audit.services import audit_record
from cases.models import Case, Service, ServiceKind, ServiceStatus
from organisations.models import Organisation

from . import rules
from .models import ACTIVE_STATUSES, Course, Enrolment, EnrolmentStatus, LeaveReason, Skill

COURSE_FIELDS = ("name", "skill", "provider", "starts_on", "ends_on", "capacity", "place", "toolkit")
SESSIONS_MAX = 500


# --- Courses ------------------------------------------------------------------------------------


def _clean_text(value: str | None) -> str:
    return " ".join((value or "").split())


def _course_errors(course: Course, *, places_taken: int = 0) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not course.name:
        errors["name"] = [_("Nama pelatihan wajib diisi.")]
    if course.skill not in Skill.values:
        errors["skill"] = [_("Pilih keterampilan.")]
    if course.provider_id is None:
        errors["provider"] = [_("Pilih penyelenggara pelatihan.")]
    if course.starts_on is None:
        errors["starts_on"] = [_("Isi tanggal mulai.")]
    if course.ends_on is None:
        errors["ends_on"] = [_("Isi tanggal selesai.")]
    elif course.starts_on and course.ends_on <= course.starts_on:
        errors["ends_on"] = [_("Tanggal selesai harus sesudah tanggal mulai.")]
    if course.capacity is None or not rules.CAPACITY_MIN <= course.capacity <= rules.CAPACITY_MAX:
        errors["capacity"] = [
            _("Kuota antara %(min)d dan %(max)d orang.") % {"min": rules.CAPACITY_MIN, "max": rules.CAPACITY_MAX}
        ]
    elif course.capacity < places_taken:
        errors["capacity"] = [
            _("Kuota tidak boleh lebih kecil dari jumlah peserta yang sudah mendapat tempat (%(n)d).")
            % {"n": places_taken}
        ]
    if not course.place:
        errors["place"] = [_("Isi tempat pelatihan.")]
    for name in ("name", "place", "toolkit"):
        limit = Course._meta.get_field(name).max_length
        if len(getattr(course, name)) > limit and name not in errors:
            errors[name] = [_("Paling banyak %(limit)d karakter.") % {"limit": limit}]
    if not errors:
        duplicate = Course.objects.filter(
            name__iexact=course.name, provider_id=course.provider_id, starts_on=course.starts_on
        )
        if course.pk:
            duplicate = duplicate.exclude(pk=course.pk)
        if duplicate.exists():
            errors["name"] = [_("Penyelenggara ini sudah punya pelatihan dengan nama dan tanggal mulai yang sama.")]
    return errors


def _check_provider(actor, provider: Organisation | None) -> None:
    """The actor must be able to manage a course of this provider (its region in scope, or the
    actor's own organisation): otherwise the new course would fall outside what they manage."""
    if provider is None:
        return
    probe = Course(provider=provider, scope_region_code=provider.region_id)
    if not policy.can_manage_course(actor, probe):
        raise PermissionDenied
    if not provider.is_active:
        raise ValidationError({"provider": [_("Penyelenggara ini sudah nonaktif.")]})


def _assign_fields(course: Course, fields: dict) -> None:
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown course fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name in ("name", "place", "toolkit"):
            value = _clean_text(value)
        setattr(course, name, value)
    if course.provider_id:
        course.scope_region_code = course.provider.region_id


@transaction.atomic
def course_create(*, actor, request=None, **fields) -> Course:
    if not policy.has_perm(actor, Perm.TRAINING_MANAGE):
        raise PermissionDenied
    _check_provider(actor, fields.get("provider"))
    fields.setdefault("capacity", rules.CAPACITY_DEFAULT)
    course = Course(created_by=actor)
    _assign_fields(course, fields)
    errors = _course_errors(course)
    if errors:
        raise ValidationError(errors)
    course.save()
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=course,
        detail={"fields": sorted(n for n in COURSE_FIELDS if getattr(course, n, None) not in (None, ""))},
    )
    return course


def _column(course: Course, name: str):
    return course.provider_id if name == "provider" else getattr(course, name)


@transaction.atomic
def course_update(*, actor, course: Course, request=None, **fields) -> Course:
    """Change a course. A smaller capacity may not drop anyone who has a place; a larger one
    promotes from the waiting list at once."""
    if not policy.can_manage_course(actor, course):
        raise PermissionDenied
    course = _lock(course)
    if "provider" in fields and fields["provider"] is not None and fields["provider"].pk != course.provider_id:
        _check_provider(actor, fields["provider"])
    before = {name: _column(course, name) for name in COURSE_FIELDS}
    _assign_fields(course, fields)
    changed = sorted(name for name in COURSE_FIELDS if _column(course, name) != before[name])
    errors = _course_errors(course, places_taken=_places_taken(course))
    if errors:
        raise ValidationError(errors)
    if not changed:
        return course
    course.save()
    promoted = _promote(course, actor=actor, on=timezone.localdate(), request=request)
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=course,
        detail={"fields": changed, "promoted": len(promoted)},
    )
    return course


# --- Places and the waiting list -----------------------------------------------------------------


def _lock(course: Course) -> Course:
    """The course row, locked until the transaction ends: every enrolment decision of this course
    waits for the previous one (PostgreSQL; SQLite serialises writers anyway)."""
    locked = Course.objects.select_for_update(of=("self",)).select_related("provider").get(pk=course.pk)
    course.__dict__.update({k: v for k, v in locked.__dict__.items() if k != "_state"})
    return course


def _places_taken(course: Course) -> int:
    return Enrolment.objects.filter(course=course, status__in=rules.PLACE_STATUSES).count()


def _last_waiting_position(course: Course) -> int | None:
    return Enrolment.objects.filter(course=course, status=EnrolmentStatus.WAITING).aggregate(
        last=Max("waiting_position")
    )["last"]


def _note(case: Case, *, actor, summary: str) -> None:
    from cases.services import note

    note(case, actor=actor, kind="training", summary=summary)


def _free_training_service(case: Case, course: Course) -> Service | None:
    """The case plan's training service this enrolment carries out: a planned one not held by
    another enrolment; the course's provider and start date first."""
    held = Enrolment.objects.filter(
        case=case, status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING), service__isnull=False
    ).values("service")
    services = list(
        Service.objects.filter(case=case, kind=ServiceKind.TRAINING, status=ServiceStatus.PLANNED).exclude(pk__in=held)
    )
    if not services:
        return None
    services.sort(
        key=lambda s: (
            s.provider_id != course.provider_id,
            s.planned_start != course.starts_on,
            s.planned_start or dt.date.max,
            s.pk,
        )
    )
    return services[0]


def _start_service(service: Service | None, course: Course, on: dt.date) -> None:
    if service is None:
        return
    today = timezone.localdate()
    start = max(course.starts_on, on)
    service.status = ServiceStatus.IN_PROGRESS
    # A course that has not begun yet: the service started with the enrolment.
    service.started_on = start if start <= today else on
    service.ended_on = None
    service.provider_id = service.provider_id or course.provider_id
    service.planned_start = service.planned_start or course.starts_on
    service.planned_end = service.planned_end or course.ends_on
    service.save(update_fields=["status", "started_on", "ended_on", "provider", "planned_start", "planned_end"])


def _promote(course: Course, *, actor, on: dt.date, request=None) -> list[Enrolment]:
    """Fill free places from the waiting list, first position first. The caller holds the lock."""
    free = rules.free_places(places_taken=_places_taken(course), capacity=course.capacity)
    if not free:
        return []
    waiting = list(
        Enrolment.objects.filter(course=course, status=EnrolmentStatus.WAITING)
        .select_related("case", "service")
        .order_by("waiting_position", "pk")[:free]
    )
    for enrolment in waiting:
        enrolment.course = course
        position = enrolment.waiting_position
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.waiting_position = None
        enrolment.sessions_total = course.sessions_total
        if enrolment.service is None:
            enrolment.service = _free_training_service(enrolment.case, course)
        enrolment.save(update_fields=["status", "waiting_position", "sessions_total", "service"])
        _start_service(enrolment.service, course, on)
        _note(
            enrolment.case,
            actor=actor,
            summary=_("%(course)s: naik dari daftar tunggu menjadi peserta") % {"course": course.name},
        )
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=enrolment,
            detail={"status": {"from": "waiting", "to": "enrolled"}, "waiting_position": position, "promoted": True},
        )
    return waiting


# --- Enrolment -------------------------------------------------------------------------------------


@transaction.atomic
def enrol(*, actor, course: Course, case: Case, on: dt.date | None = None, request=None) -> Enrolment:
    """Enrol a case: a place if one is free, otherwise the end of the waiting list."""
    if not policy.can_enrol_case(actor, case):
        raise PermissionDenied
    on = on or timezone.localdate()
    course = _lock(course)
    active = Enrolment.objects.filter(course=course, case=case, status__in=ACTIVE_STATUSES).first()
    if on > timezone.localdate():
        raise ValidationError({"case": [_("Tanggal daftar tidak boleh di masa depan.")]})
    refusal = rules.enrolment_refusal(
        case_status=case.status,
        active_status=active.status if active else None,
        on=on,
        course_ends_on=course.ends_on,
    )
    if refusal:
        raise ValidationError({"case": [refusal]})
    place = rules.placement(
        places_taken=_places_taken(course),
        capacity=course.capacity,
        last_waiting_position=_last_waiting_position(course),
    )
    service = _free_training_service(case, course)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                course=course,
                case=case,
                service=service,
                status=place.status,
                waiting_position=place.waiting_position,
                enrolled_on=on,
                sessions_total=course.sessions_total if place.status == EnrolmentStatus.ENROLLED else 0,
                created_by=actor,
            )
    except IntegrityError as exc:
        # Only without the lock (never on PostgreSQL): the same case enrolled twice at once.
        raise ValidationError({"case": [_("Kasus ini sudah terdaftar di pelatihan ini.")]}) from exc
    if place.status == EnrolmentStatus.ENROLLED:
        _start_service(service, course, on)
        summary = _("Terdaftar sebagai peserta %(course)s") % {"course": course.name}
    else:
        summary = _("Masuk daftar tunggu %(course)s, urutan %(n)d") % {
            "course": course.name,
            "n": place.waiting_position,
        }
    _note(case, actor=actor, summary=summary)
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=enrolment,
        detail={
            "course": course.pk,
            "status": enrolment.status,
            "waiting_position": enrolment.waiting_position,
            "service": service.pk if service else None,
        },
    )
    return enrolment


def _relock(enrolment: Enrolment) -> Enrolment:
    """Lock the course, then re-read the enrolment (a second click finds it already changed)."""
    _lock(enrolment.course)
    fresh = Enrolment.objects.select_related("case", "service").get(pk=enrolment.pk)
    enrolment.status = fresh.status
    enrolment.waiting_position = fresh.waiting_position
    enrolment.service = fresh.service
    return enrolment


def _leave(enrolment: Enrolment, *, status: str, reason: str, on: dt.date) -> tuple[str, int | None]:
    if reason not in LeaveReason.values:
        raise ValidationError({"reason": [_("Pilih alasan.")]})
    if on > timezone.localdate():
        raise ValidationError({"reason": [_("Tanggal keluar tidak boleh di masa depan.")]})
    before, position = enrolment.status, enrolment.waiting_position
    enrolment.status = status
    enrolment.waiting_position = None
    enrolment.left_on = on
    enrolment.leave_reason = reason
    enrolment.save(update_fields=["status", "waiting_position", "left_on", "leave_reason"])
    return before, position


def can_withdraw(user, enrolment: Enrolment) -> bool:
    """The case's own team (it changed the plan) or whoever manages the course."""
    return policy.can_enrol_case(user, enrolment.case) or policy.can_manage_course(user, enrolment.course)


@transaction.atomic
def withdraw(*, actor, enrolment: Enrolment, reason: str, on: dt.date | None = None, request=None) -> Enrolment:
    """Take a participant or a waiting case off the course (e.g. she goes home instead). The
    training need stays in the plan: its service goes back to planned. A freed place is given to
    the first on the waiting list."""
    if not can_withdraw(actor, enrolment):
        raise PermissionDenied
    on = on or timezone.localdate()
    enrolment = _relock(enrolment)
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING):
        raise ValidationError(_("Hanya peserta atau daftar tunggu yang dapat dibatalkan."))
    before, position = _leave(enrolment, status=EnrolmentStatus.WITHDRAWN, reason=reason, on=on)
    service = enrolment.service
    if service is not None and service.status == ServiceStatus.IN_PROGRESS:
        service.status = ServiceStatus.PLANNED
        service.started_on = None
        service.save(update_fields=["status", "started_on"])
    course = enrolment.course
    _note(
        enrolment.case,
        actor=actor,
        summary=_("Pendaftaran %(course)s dibatalkan: %(reason)s")
        % {"course": course.name, "reason": enrolment.get_leave_reason_display()},
    )
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=enrolment,
        detail={"status": {"from": before, "to": "withdrawn"}, "waiting_position": position, "reason": reason},
    )
    if before == EnrolmentStatus.ENROLLED:
        _promote(course, actor=actor, on=on, request=request)
    return enrolment


@transaction.atomic
def drop(*, actor, enrolment: Enrolment, reason: str, on: dt.date | None = None, request=None) -> Enrolment:
    """A participant stopped coming. Her training service ends unfinished (the plan records why);
    her place goes to the first on the waiting list."""
    if not policy.can_manage_course(actor, enrolment.course):
        raise PermissionDenied
    on = on or timezone.localdate()
    enrolment = _relock(enrolment)
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(_("Hanya peserta yang sedang mengikuti pelatihan yang dapat dicatat berhenti."))
    course = enrolment.course
    _leave(enrolment, status=EnrolmentStatus.DROPPED, reason=reason, on=on)
    reason_label = enrolment.get_leave_reason_display()
    service = enrolment.service
    if service is not None and service.status in (ServiceStatus.PLANNED, ServiceStatus.IN_PROGRESS):
        service.status = ServiceStatus.CANCELLED
        service.ended_on = on
        service.outcome = rules.dropped_outcome(course.name, reason_label)
        service.save(update_fields=["status", "ended_on", "outcome"])
    _note(
        enrolment.case,
        actor=actor,
        summary=_("Berhenti dari %(course)s: %(reason)s") % {"course": course.name, "reason": reason_label},
    )
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=enrolment,
        detail={"status": {"from": "enrolled", "to": "dropped"}, "reason": reason},
    )
    _promote(course, actor=actor, on=on, request=request)
    return enrolment


# --- Attendance and completion -------------------------------------------------------------------------


@transaction.atomic
def record_attendance(
    *, actor, course: Course, sessions_total: int, attended: dict[int, int], request=None
) -> list[Enrolment]:
    """The attendance grid: the sessions held so far, and for each participant how many she
    attended. ``attended`` maps enrolment ids (enrolled participants of this course) to counts."""
    if not policy.can_manage_course(actor, course):
        raise PermissionDenied
    course = _lock(course)
    errors: dict[str, list[str]] = {}
    if sessions_total is None or not 0 <= sessions_total <= SESSIONS_MAX:
        errors["sessions_total"] = [_("Jumlah pertemuan antara 0 dan %(max)d.") % {"max": SESSIONS_MAX}]
    participants = {
        e.pk: e for e in Enrolment.objects.filter(course=course, status=EnrolmentStatus.ENROLLED, pk__in=attended)
    }
    for pk, count in attended.items():
        if pk not in participants:
            raise ValidationError(_("Daftar peserta berubah sejak halaman dibuka. Muat ulang halaman."))
        if count is None or count < 0 or (not errors and count > sessions_total):
            errors[f"attended_{pk}"] = [
                _("Kehadiran antara 0 dan %(total)d pertemuan.") % {"total": sessions_total or 0}
            ]
    if errors:
        raise ValidationError(errors)
    changed = []
    for pk, enrolment in participants.items():
        if enrolment.sessions_attended != attended[pk] or enrolment.sessions_total != sessions_total:
            enrolment.sessions_attended = attended[pk]
            enrolment.sessions_total = sessions_total
            changed.append(enrolment)
    Enrolment.objects.bulk_update(changed, ["sessions_attended", "sessions_total"])
    before_total = course.sessions_total
    if before_total != sessions_total:
        course.sessions_total = sessions_total
        course.save(update_fields=["sessions_total"])
    if changed or before_total != sessions_total:
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=course,
            detail={"sessions_total": sessions_total, "attendance_changed": len(changed)},
        )
    return changed


@transaction.atomic
def complete(
    *,
    actor,
    enrolment: Enrolment,
    completed_on: dt.date,
    certificate_number: str = "",
    toolkit_handed_on: dt.date | None = None,
    request=None,
) -> Enrolment:
    """Record that a participant completed the course (or, for one who already did, correct the
    certificate and the tool kit date — tool kits are often handed over later). The case's
    training service is completed with the outcome "Lulus <course>"."""
    if not policy.can_manage_course(actor, enrolment.course):
        raise PermissionDenied
    enrolment = _relock(enrolment)
    course = enrolment.course
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
        raise ValidationError(_("Hanya peserta pelatihan yang dapat dinyatakan lulus."))
    today = timezone.localdate()
    certificate_number = _clean_text(certificate_number)
    errors: dict[str, list[str]] = {}
    if completed_on is None:
        errors["completed_on"] = [_("Isi tanggal lulus.")]
    elif completed_on < course.starts_on:
        errors["completed_on"] = [_("Tanggal lulus tidak boleh sebelum pelatihan dimulai.")]
    elif completed_on > today:
        errors["completed_on"] = [_("Tanggal lulus tidak boleh di masa depan.")]
    if toolkit_handed_on is not None:
        if toolkit_handed_on < course.starts_on:
            errors["toolkit_handed_on"] = [_("Tanggal penyerahan tidak boleh sebelum pelatihan dimulai.")]
        elif toolkit_handed_on > today:
            errors["toolkit_handed_on"] = [_("Tanggal penyerahan tidak boleh di masa depan.")]
    limit = Enrolment._meta.get_field("certificate_number").max_length
    if len(certificate_number) > limit:
        errors["certificate_number"] = [_("Paling banyak %(limit)d karakter.") % {"limit": limit}]
    elif (
        certificate_number
        and Enrolment.objects.filter(course=course, certificate_number__iexact=certificate_number)
        .exclude(pk=enrolment.pk)
        .exists()
    ):
        errors["certificate_number"] = [_("Nomor sertifikat ini sudah dipakai peserta lain di pelatihan ini.")]
    if errors:
        raise ValidationError(errors)
    first_time = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_on = completed_on
    enrolment.certificate_number = certificate_number
    enrolment.toolkit_handed_on = toolkit_handed_on
    try:
        with transaction.atomic():
            enrolment.save(update_fields=["status", "completed_on", "certificate_number", "toolkit_handed_on"])
    except IntegrityError as exc:
        raise ValidationError(
            {"certificate_number": [_("Nomor sertifikat ini sudah dipakai peserta lain di pelatihan ini.")]}
        ) from exc
    service = enrolment.service
    if service is not None:
        service.status = ServiceStatus.COMPLETED
        service.started_on = service.started_on or min(course.starts_on, completed_on)
        service.ended_on = completed_on
        service.outcome = rules.completion_outcome(course.name)
        service.save(update_fields=["status", "started_on", "ended_on", "outcome"])
    if first_time:
        _note(enrolment.case, actor=actor, summary=rules.completion_outcome(course.name))
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=enrolment,
        detail={
            "status": "completed",
            "fields": ["completed_on", "certificate_number", "toolkit_handed_on"],
            "first_time": first_time,
        },
    )
    return enrolment
