"""A data subject's requests (UU PDP): to see a copy of everything held on her, to correct it, or
to have it deleted — each answered within 3×24 hours (Pasal 32).

Rules here, screens in ``subject_views``, the file in ``subject_export``. Deletion is the same
anonymisation as at the end of retention (``people.retention``), refused while a legal hold
applies: a child-protection or trafficking case still being handled, a referral waiting for an
answer, assistance still owed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, F, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record
from cases import models as case_models
from cases.rules import forced_pathway

from . import retention
from .models import Person, SubjectRequest, SubjectRequestKind, SubjectRequestStatus

# UU 27/2022 Pasal 32: the controller answers a data subject's request within 3×24 hours of
# receiving it. Hours, not working days: the clock runs over the weekend.
ANSWER_WITHIN = dt.timedelta(hours=72)

# Pathways under which a case holds the record while it is open: the child-protection and
# trafficking laws require the handling to continue and be provable.
HOLDING_PATHWAYS = (case_models.Pathway.CHILD_PROTECTION, case_models.Pathway.TRAFFICKING_SERVICES)


def due_at(received_at: dt.datetime) -> dt.datetime:
    return received_at + ANSWER_WITHIN


# --- Scope (local until access.policy has ``scope_subject_requests``) -----------------------------


def scope_subject_requests(user, qs: QuerySet) -> QuerySet:
    return policy.scope_subject_requests(user, qs)


# --- Reading ---------------------------------------------------------------------------------------


def overdue_q(now: dt.datetime) -> Q:
    return Q(status=SubjectRequestStatus.OPEN, due_at__lt=now)


def request_list(user, *, now: dt.datetime, status: str = "", kind: str = "", q: str = "") -> QuerySet:
    """Requests in scope: overdue first (the longest overdue at the top), then the other open ones
    by deadline, then answered ones, newest first."""
    qs = scope_subject_requests(user, SubjectRequest.objects.select_related("person", "handled_by"))
    if status == "overdue":
        qs = qs.filter(overdue_q(now))
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(person__case_code__icontains=q.strip())
    open_ = Q(status=SubjectRequestStatus.OPEN)
    return qs.annotate(
        is_overdue=SqlCase(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField()),
        is_open=SqlCase(When(open_, then=Value(True)), default=Value(False), output_field=BooleanField()),
    ).order_by(
        F("is_overdue").desc(),
        F("is_open").desc(),
        SqlCase(When(open_, then=F("due_at"))).asc(nulls_last=True),
        "-received_at",
        "-id",
    )


def overdue_count(user, now: dt.datetime) -> int:
    return scope_subject_requests(user, SubjectRequest.objects.filter(overdue_q(now))).count()


def is_overdue(subject_request: SubjectRequest, now: dt.datetime) -> bool:
    return subject_request.status == SubjectRequestStatus.OPEN and subject_request.due_at < now


# --- Legal holds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    code: str
    reason: str


def legal_holds(person: Person) -> list[Hold]:
    """Why the person's record may not be deleted now (empty: deletion is allowed)."""
    holds: list[Hold] = []
    forced = forced_pathway(person)
    open_cases = case_models.Case.objects.filter(person=person, status=case_models.CaseStatus.OPEN)
    for case in open_cases:
        pathway = case.pathway or (forced.pathway if forced else "")
        if pathway == case_models.Pathway.CHILD_PROTECTION:
            holds.append(
                Hold(
                    "child_protection_case",
                    _("Kasus %(number)s masih ditangani di jalur perlindungan anak (UU 35/2014).")
                    % {"number": case.number},
                )
            )
        elif pathway == case_models.Pathway.TRAFFICKING_SERVICES:
            holds.append(
                Hold(
                    "trafficking_case",
                    _("Kasus %(number)s masih ditangani di jalur layanan korban TPPO (UU 21/2007).")
                    % {"number": case.number},
                )
            )
    pending = case_models.Referral.objects.filter(
        case__person=person, status=case_models.ReferralStatus.PENDING
    ).select_related("to_organisation", "case")
    for referral in pending:
        holds.append(
            Hold(
                "pending_referral",
                _("%(kind)s kasus %(number)s ke %(org)s masih menunggu jawaban.")
                % {
                    "kind": referral.get_kind_display(),
                    "number": referral.case.number,
                    "org": referral.to_organisation.name,
                },
            )
        )
    if Person.objects.filter(pk=person.pk, pk__in=retention.open_entitlement_people()).exists():
        holds.append(Hold("open_entitlement", _("Masih ada hak bantuan yang belum dibayar atau belum ditutup.")))
    return holds


# --- Writing ---------------------------------------------------------------------------------------


def _check_may_answer(actor, person: Person) -> None:
    if not policy.can_answer_subject_requests(actor, person):
        raise PermissionDenied


def request_create(
    *, actor, person: Person, kind: str, channel: str, received_at: dt.datetime, note: str = "", request=None
) -> SubjectRequest:
    """Record a request as received; the 72-hour clock starts at ``received_at``."""
    _check_may_answer(actor, person)
    errors: dict[str, list[str]] = {}
    if kind not in SubjectRequestKind.values:
        errors["kind"] = [_("Pilih jenis permintaan.")]
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        errors["received_at"] = [_("Waktu diterima tidak boleh di masa depan.")]
    if errors:
        raise ValidationError(errors)
    subject_request = SubjectRequest.objects.create(
        person=person,
        kind=kind,
        channel=channel,
        received_at=received_at,
        due_at=due_at(received_at),
        note=note.strip(),
        created_by=actor,
    )
    audit_record(
        Action.CREATE, request=request, actor=actor, obj=subject_request, detail={"kind": kind, "channel": channel}
    )
    return subject_request


def request_answer(*, actor, subject_request: SubjectRequest, status: str, note: str, request=None) -> SubjectRequest:
    """Close a request as answered (or refused with its reason)."""
    _check_may_answer(actor, subject_request.person)
    if subject_request.status != SubjectRequestStatus.OPEN:
        raise ValidationError({"status": [_("Permintaan ini sudah dijawab.")]})
    errors: dict[str, list[str]] = {}
    if status not in (SubjectRequestStatus.ANSWERED, SubjectRequestStatus.REFUSED):
        errors["status"] = [_("Pilih hasil jawaban.")]
    if not note.strip():
        errors["note"] = [_("Tuliskan jawaban yang disampaikan kepada yang bersangkutan.")]
    if errors:
        raise ValidationError(errors)
    _close(subject_request, actor=actor, status=status, note=note.strip())
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=subject_request,
        detail={"status": status, "late": subject_request.answered_at > subject_request.due_at},
    )
    return subject_request


def _close(subject_request: SubjectRequest, *, actor, status: str, note: str) -> None:
    subject_request.status = status
    subject_request.answer_note = note[:1000]
    subject_request.answered_at = timezone.now()
    subject_request.handled_by = actor
    subject_request.save(update_fields=["status", "answer_note", "answered_at", "handled_by"])


@dataclass
class DeletionResult:
    deleted: bool
    holds: list[Hold]
    closed_cases: list[str]


def _wind_down_cases(person: Person, *, actor) -> list[str]:
    """The person asked to be deleted: her open case (on a pathway without a legal hold) closes
    as "declined", and the follow-up visits not yet made are cancelled — nobody should go
    looking for someone whose record no longer says who she is."""
    today = timezone.localdate()
    closed = []
    for case in case_models.Case.objects.select_for_update().filter(person=person, status=case_models.CaseStatus.OPEN):
        case_models.Case.objects.filter(pk=case.pk).update(
            status=case_models.CaseStatus.CLOSED,
            closed_on=today,
            closing_reason=case_models.ClosingReason.DECLINED,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        case_models.CaseNote.objects.create(
            case=case,
            kind="status",
            summary=_("Kasus ditutup: permintaan penghapusan data oleh yang bersangkutan"),
            created_by=actor,
        )
        closed.append(case.number)
    case_models.FollowUp.objects.filter(case__person=person, done_on__isnull=True).delete()
    return closed


def delete_for_request(*, actor, subject_request: SubjectRequest, request=None) -> DeletionResult:
    """Answer a deletion request: anonymise now, unless a legal hold applies (then nothing
    changes, the request stays open, and the reasons are returned for the answer)."""
    person = subject_request.person
    _check_may_answer(actor, person)
    if subject_request.kind != SubjectRequestKind.DELETION:
        raise ValidationError(_("Hanya permintaan penghapusan data yang dapat menghapus data."))
    if subject_request.status != SubjectRequestStatus.OPEN:
        raise ValidationError(_("Permintaan ini sudah dijawab."))
    if person.anonymised_at is not None:
        _close(
            subject_request,
            actor=actor,
            status=SubjectRequestStatus.ANSWERED,
            note=_("Identitas sudah dihapus sebelumnya (anonimisasi)."),
        )
        return DeletionResult(deleted=False, holds=[], closed_cases=[])
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        holds = legal_holds(person)
        if holds:
            audit_record(
                Action.UPDATE,
                request=request,
                actor=actor,
                obj=subject_request,
                detail={"deletion": "refused", "holds": [hold.code for hold in holds]},
            )
            return DeletionResult(deleted=False, holds=holds, closed_cases=[])
        closed = _wind_down_cases(person, actor=actor)
        retention.anonymise_person(person, actor=actor, request=request, reason=retention.REASON_SUBJECT_REQUEST)
        subject_request.refresh_from_db()
        _close(
            subject_request,
            actor=actor,
            status=SubjectRequestStatus.ANSWERED,
            note=_(
                "Identitas dan catatan tentang yang bersangkutan dihapus (anonimisasi); "
                "hanya data statistik tanpa identitas yang disimpan."
            ),
        )
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=subject_request,
            detail={"deletion": "done", "closed_cases": len(closed)},
        )
    return DeletionResult(deleted=True, holds=[], closed_cases=closed)
