"""Referrals and transfers (Primero's model), with Pulih's stricter sharing.

A *referral* shares a case with another organisation for one service (health, training, legal
aid…); a *transfer* hands responsibility for the whole case to another Dinas Sosial, usually the
one of the person's region of origin, and the case moves into its scope with its history.

Both need the person's consent to share (a guardian's for a child), or a supervisor's recorded
override with a reason. The receiver sees nothing of the person before accepting — only the case
number, the service, the reason and the deadline — and afterwards only the parts the sender
shared (``shared_fields``), each read through the policy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import policy
from access.policy import Perm
from audit.models import Action
from audit.services import audit_record
from organisations.models import Organisation, OrgKind
from organisations.rules import lks_accreditation_status
from people.identity import Identity, reveal, unseal
from people.models import ConsentKind, ConsentRecord

from . import rules, services
from .models import (
    Case,
    CaseStatus,
    ConsentBasis,
    Referral,
    ReferralKind,
    ReferralStatus,
    Service,
    ServiceKind,
    ServiceStatus,
)
from .narrative import unseal_text

# --- What may be shared -----------------------------------------------------------------------------

IDENTITY, ASSESSMENT, PLAN, HISTORY = "identity", "assessment", "plan", "history"

SHARED_PARTS: list[tuple[str, str]] = [
    (IDENTITY, gettext_lazy("Identitas (nama, NIK/KK, kelahiran, telepon, alamat asal)")),
    (ASSESSMENT, gettext_lazy("Ringkasan asesmen (kebutuhan, keterampilan, dokumen, tanda risiko)")),
    (PLAN, gettext_lazy("Rencana intervensi (jalur, tujuan, layanan)")),
    (HISTORY, gettext_lazy("Riwayat kasus (catatan perubahan)")),
]
SHARED_PART_CODES = [code for code, _label in SHARED_PARTS]

# The minimum each service needs (need to know, UU PDP Pasal 16): the form ticks these by default;
# the sender may add more, with the person's consent covering it.
SERVICE_FIELDS: dict[str, tuple[str, ...]] = {
    # The clinic must know who comes; nothing of the casework (and no diagnosis is ever recorded).
    ServiceKind.HEALTH_REFERRAL: (IDENTITY,),
    # The trainer places her by her skills and wishes from the assessment.
    ServiceKind.TRAINING: (IDENTITY, ASSESSMENT),
    # The counsellor starts from the needs and risk flags instead of asking her to tell it again.
    ServiceKind.PSYCHOSOCIAL: (IDENTITY, ASSESSMENT),
    # KTP/KK are made from the identity itself (NIK, KK number, birth place and date, address).
    ServiceKind.CIVIL_DOCUMENTS: (IDENTITY,),
    # Legal aid needs the facts: risk flags (violence, debt) are in the assessment.
    ServiceKind.LEGAL_AID: (IDENTITY, ASSESSMENT),
    # A shelter weighs the risk flags (no safe housing, violence) and dependent children.
    ServiceKind.SHELTER: (IDENTITY, ASSESSMENT),
    # Child protection and trafficking-victim services take over the care plan: they need the
    # assessment and the plan to act within the legal deadline without starting over.
    ServiceKind.CHILD_PROTECTION: (IDENTITY, ASSESSMENT, PLAN),
    ServiceKind.TRAFFICKING_VICTIM: (IDENTITY, ASSESSMENT, PLAN),
    ServiceKind.OTHER: (IDENTITY,),
}

# A transfer makes the receiver responsible for the whole case: it gets everything.
TRANSFER_FIELDS: tuple[str, ...] = tuple(SHARED_PART_CODES)

# Only a Dinas Sosial can be responsible for a case (same rule as opening one).
TRANSFER_KINDS = services.RESPONSIBLE_KINDS

# --- Response deadlines -------------------------------------------------------------------------------

# UU 21/2007 Pasal 52 ayat (1): services for a trafficking victim within 7 days of the request;
# the referral is that request, so the receiver must answer within the same 7 days.
TRAFFICKING_RESPONSE_DAYS = rules.TRAFFICKING_REFERRAL_DAYS
# A child is never handled slower than an adult trafficking victim (see cases.rules).
CHILD_RESPONSE_DAYS = rules.CHILD_REFERRAL_DAYS
# No legal deadline otherwise: two weeks keeps a referral from waiting unseen, and the sender can
# withdraw it and refer elsewhere once it is overdue.
DEFAULT_RESPONSE_DAYS = 14

RESPONSE_DAYS: dict[str, int] = {
    ServiceKind.TRAFFICKING_VICTIM: TRAFFICKING_RESPONSE_DAYS,
    ServiceKind.CHILD_PROTECTION: CHILD_RESPONSE_DAYS,
}

# After accepting, the receiver may read the shared parts until the service is done.
SEEN_STATUSES = (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED)


def default_shared_fields(kind: str, service_kind: str = "") -> list[str]:
    if kind == ReferralKind.TRANSFER:
        return list(TRANSFER_FIELDS)
    return list(SERVICE_FIELDS.get(service_kind, (IDENTITY,)))


def respond_by_for(kind: str, service_kind: str, on: dt.date) -> dt.date:
    days = (
        DEFAULT_RESPONSE_DAYS
        if kind == ReferralKind.TRANSFER
        else RESPONSE_DAYS.get(service_kind, DEFAULT_RESPONSE_DAYS)
    )
    return on + dt.timedelta(days=days)


def suggested_transfer_organisation(case: Case) -> Organisation | None:
    """The Dinas Sosial of the person's kabupaten/kota of origin, if it is registered (DOMAIN.md
    §5: the region of origin continues the guidance after repatriation)."""
    regency = case.person.origin_regency_id
    if not regency or regency == case.responsible_organisation.region_id:
        return None
    return (
        Organisation.objects.filter(kind=OrgKind.DINSOS_KABKOTA, region_id=regency, is_active=True)
        .order_by("pk")
        .first()
    )


def target_organisations(case: Case, kind: str = "") -> QuerySet:
    """Organisations the form offers: active, not the responsible one; a Dinsos for a transfer."""
    qs = Organisation.objects.filter(is_active=True).exclude(pk=case.responsible_organisation_id)
    if kind == ReferralKind.TRANSFER:
        qs = qs.filter(kind__in=TRANSFER_KINDS)
    return qs.select_related("region").order_by("kind", "name")


# --- Consent ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentState:
    """The person's current consent to share, as the referral relies on it."""

    ok: bool
    basis: str  # ConsentBasis when ok, "" otherwise
    record: ConsentRecord | None  # the latest "share" record, if any
    problem: str  # why it does not suffice, in plain words ("" when ok)


def share_consent(person) -> ConsentState:
    """Consent counts when the person's current answer is yes and the latest "share" record says
    so and is not withdrawn; for a child it must come from a guardian (UU PDP Pasal 25)."""
    record = (
        ConsentRecord.objects.filter(person=person, kind=ConsentKind.SHARE_WITH_PARTNERS)
        .order_by("-recorded_at", "-id")
        .first()
    )
    if record is None or person.share_consent is None:
        return ConsentState(False, "", record, _("Belum ada persetujuan berbagi data yang tercatat."))
    if not person.share_consent or not record.given or record.withdrawn_on:
        return ConsentState(
            False, "", record, _("Penerima manfaat tidak menyetujui atau menarik persetujuan berbagi data.")
        )
    if person.is_child:
        if not record.by_guardian:
            return ConsentState(False, "", record, _("Untuk anak, persetujuan harus diberikan oleh wali."))
        return ConsentState(True, ConsentBasis.GUARDIAN, record, "")
    return ConsentState(True, ConsentBasis.CONSENT, record, "")


# --- Scopes (local until access.policy has them) ----------------------------------------------------------


def scope_referrals(user, qs: QuerySet) -> QuerySet:
    return policy.scope_referrals(user, qs)


def scope_referrals_sent(user, qs: QuerySet) -> QuerySet:
    """Referrals of cases in the user's scope (the sending side's list)."""
    if not policy.has_perm(user, Perm.CASES_VIEW):
        return qs.none()
    return qs.filter(case__in=policy.scope_cases(user, Case.objects.all()).values("pk"))


def is_receiver(user, referral: Referral) -> bool:
    return policy.can_respond_to_referral(user, referral)


# --- Reading ------------------------------------------------------------------------------------------------


def _list_related(qs: QuerySet) -> QuerySet:
    return qs.select_related("case", "from_organisation", "to_organisation")


def _pending_first(qs: QuerySet) -> QuerySet:
    pending_rank = SqlCase(
        When(status=ReferralStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(pending_rank=pending_rank).order_by(
        "pending_rank", F("respond_by").asc(nulls_last=True), "-created_at", "-pk"
    )


def referral_list(user, *, box: str = "received", status: str = "", kind: str = "", q: str = "") -> QuerySet:
    """The inbox (``received``: addressed to my organisation) or the sent list (``sent``: cases
    in my scope referred elsewhere), pending first by deadline."""
    base = Referral.objects.all()
    if box == "sent":
        qs = scope_referrals_sent(user, base).exclude(to_organisation=user.organisation_id)
    else:
        qs = policy.scope_referrals_received(user, base)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(case__number__icontains=q.strip())
    return _pending_first(_list_related(qs))


def referrals_for_case(case: Case) -> QuerySet:
    """A case's referrals and transfers, for the case file (the caller has checked the case)."""
    return _list_related(case.referrals.all()).select_related("created_by", "responded_by", "override_by")


def pending_count(user) -> int:
    return policy.scope_referrals_received(user, Referral.objects.filter(status=ReferralStatus.PENDING)).count()


def reveal_shared_identity(referral: Referral, *, user, request=None) -> Identity:
    """The identity of a referred person, for a receiver the sender shared it with; audited.

    ``people.identity.reveal`` is used whenever the policy already lets the user see the person
    (the sending team). A partner has no person scope at all, and a receiving Dinsos's scope does
    not cover a person registered elsewhere, so for them this checks ``policy.referral_shares`` and
    writes the same audit event. LOCAL until ``policy.can_view_identity`` knows about referrals."""
    person = referral.case.person
    if IDENTITY not in (referral.shared_fields or []) or not policy.referral_shares(user, referral, IDENTITY):
        audit_record(
            Action.PERMISSION_DENIED,
            request=request,
            actor=user,
            obj=person,
            detail={"wanted": "identity", "purpose": "referral", "referral": referral.pk},
        )
        raise PermissionDenied
    if policy.can_view_identity(user, person):
        return reveal(person, user=user, request=request, purpose="view")
    audit_record(
        Action.VIEW_IDENTITY,
        request=request,
        actor=user,
        obj=person,
        detail={"purpose": "referral", "referral": referral.pk},
    )
    return unseal(person.identity_ciphertext)


def _labels(codes, choices) -> list[str]:
    names = dict(choices)
    return [str(names.get(code, code)) for code in codes or []]


def shared_parts(user, referral: Referral) -> dict:
    """The non-identity parts the user may read on the referral page: for a receiver after
    accepting, exactly what was shared; nothing otherwise (the sender has the case file)."""
    if not is_receiver(user, referral) or referral.status not in SEEN_STATUSES:
        return {}
    case = referral.case
    shared = set(referral.shared_fields or [])
    parts: dict = {}
    if ASSESSMENT in shared and policy.referral_shares(user, referral, ASSESSMENT):
        assessment = case.assessments.order_by("-version").first()
        if assessment is not None:
            narrative = unseal_text(assessment.narrative_ciphertext)
            parts["assessment"] = {
                "assessment": assessment,
                "needs": _labels(assessment.needs, rules.NEEDS),
                "risks": _labels(assessment.risk_flags, rules.RISK_FLAGS),
                # Only the skills: work history, family and notes are written for the team.
                "skills": narrative.get("skills", "") if isinstance(narrative, dict) else "",
            }
        else:
            parts["assessment"] = None
    if PLAN in shared and policy.referral_shares(user, referral, PLAN):
        plan = case.plans.order_by("-version").first()
        parts["plan"] = (
            {"plan": plan, "services": list(case.services.select_related("provider"))} if plan is not None else None
        )
    if HISTORY in shared and policy.referral_shares(user, referral, HISTORY):
        parts["history"] = list(case.notes.order_by("-created_at", "-id")[:100])
    return parts


# --- Writing -------------------------------------------------------------------------------------------------


def _note(referral: Referral, *, actor, summary: str) -> None:
    services.note(referral.case, actor=actor, kind="referral", summary=summary)


def _audit(action: str, referral: Referral, *, actor, request, **detail) -> None:
    # Label and detail name the case number and organisations, never the person.
    audit_record(
        action,
        request=request,
        actor=actor,
        obj=referral,
        object_label=f"{referral.case.number} → {referral.to_organisation.name}",
        detail={"case": referral.case_id, "kind": referral.kind, **detail},
    )


@transaction.atomic
def referral_create(
    *,
    actor,
    case: Case,
    kind: str,
    to_organisation: Organisation | None,
    reason: str,
    service_kind: str = "",
    shared_fields: list[str] | None = None,
    override_reason: str = "",
    request=None,
) -> Referral:
    """Refer the case for one service, or propose to transfer it to another Dinsos.

    Refused without the person's consent (a guardian's for a child) unless a supervisor records
    why it must be shared anyway; refused to an LKS without a valid accreditation."""
    if not policy.can_manage_case(actor, case):
        raise PermissionDenied
    today = timezone.localdate()
    reason = (reason or "").strip()
    override_reason = (override_reason or "").strip()
    errors: dict[str, list[str]] = {}

    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("Kasus ini sudah ditutup: buka kembali kasus sebelum merujuk."))
    if kind not in ReferralKind.values:
        errors["kind"] = [_("Pilih rujukan layanan atau pengalihan tanggung jawab.")]
    if not reason:
        errors["reason"] = [_("Tulis alasan atau kebutuhan rujukan.")]

    if kind == ReferralKind.REFERRAL:
        if service_kind not in ServiceKind.values:
            errors["service_kind"] = [_("Pilih layanan yang dirujuk.")]
        unknown = set(shared_fields or []) - set(SHARED_PART_CODES)
        if unknown:
            errors["shared_fields"] = [_("Pilihan data yang dibagikan tidak dikenal.")]
        shared = [code for code in SHARED_PART_CODES if code in set(shared_fields or [])]
    else:
        # A transfer is not for one service, and the receiver takes the whole case.
        service_kind = ""
        shared = list(TRANSFER_FIELDS)

    if to_organisation is None:
        errors["to_organisation"] = [_("Pilih organisasi tujuan.")]
    elif not to_organisation.is_active:
        errors["to_organisation"] = [_("Organisasi tujuan nonaktif.")]
    elif to_organisation.pk == case.responsible_organisation_id:
        errors["to_organisation"] = [_("Organisasi tujuan adalah penanggung jawab kasus ini sendiri.")]
    elif kind == ReferralKind.TRANSFER and to_organisation.kind not in TRANSFER_KINDS:
        errors["to_organisation"] = [_("Tanggung jawab kasus hanya dapat dialihkan ke Dinas Sosial.")]
    elif to_organisation.is_lks:
        verified, why = lks_accreditation_status(to_organisation, today)
        if not verified:
            errors["to_organisation"] = [
                _("%(org)s tidak dapat menerima rujukan: LKS harus terakreditasi Kemensos (%(why)s).")
                % {"org": to_organisation.name, "why": why}
            ]

    if not errors.get("to_organisation") and to_organisation is not None:
        pending = Referral.objects.filter(case=case, status=ReferralStatus.PENDING)
        if kind == ReferralKind.TRANSFER and pending.filter(kind=ReferralKind.TRANSFER).exists():
            errors["kind"] = [_("Kasus ini sudah menunggu jawaban atas pengalihan lain; tarik dulu pengalihan itu.")]
        elif (
            kind == ReferralKind.REFERRAL
            and service_kind
            and pending.filter(kind=kind, to_organisation=to_organisation, service_kind=service_kind).exists()
        ):
            errors["to_organisation"] = [_("Rujukan yang sama ke organisasi ini masih menunggu jawaban.")]

    consent = share_consent(case.person)
    consent_basis, consent_record, override_by = consent.basis, consent.record, None
    if not consent.ok:
        if not override_reason:
            if policy.can_supervise_case(actor, case):
                errors["override_reason"] = [
                    consent.problem + " " + _("Supervisor dapat tetap merujuk dengan menulis alasannya.")
                ]
            else:
                errors["consent"] = [
                    consent.problem + " " + _("Tanpa persetujuan, hanya supervisor yang dapat merujuk, dengan alasan.")
                ]
        elif not policy.can_supervise_case(actor, case):
            errors["override_reason"] = [_("Hanya supervisor kasus yang dapat merujuk tanpa persetujuan.")]
        else:
            consent_basis, override_by = ConsentBasis.OVERRIDE, actor
            # The record relied upon is none: the override stands on the supervisor's reason.
            consent_record = None
    else:
        # Consent covers it: a stray override reason is not recorded.
        override_reason = ""

    if errors:
        raise ValidationError(errors)

    referral = Referral.objects.create(
        case=case,
        kind=kind,
        service_kind=service_kind,
        from_organisation=case.responsible_organisation,
        to_organisation=to_organisation,
        reason=reason,
        shared_fields=shared,
        consent_basis=consent_basis,
        consent_record=consent_record,
        override_reason=override_reason if override_by else "",
        override_by=override_by,
        respond_by=respond_by_for(kind, service_kind, today),
        created_by=actor,
    )
    if kind == ReferralKind.TRANSFER:
        summary = _("Pengalihan tanggung jawab ke %(org)s diajukan, jawaban paling lambat %(date)s") % {
            "org": to_organisation.name,
            "date": referral.respond_by.strftime("%d/%m/%Y"),
        }
    else:
        summary = _("Rujukan %(service)s ke %(org)s, jawaban paling lambat %(date)s") % {
            "service": ServiceKind(service_kind).label,
            "org": to_organisation.name,
            "date": referral.respond_by.strftime("%d/%m/%Y"),
        }
    if override_by:
        summary += " — " + _("tanpa persetujuan, keputusan supervisor")
    _note(referral, actor=actor, summary=summary)
    _audit(
        Action.CREATE,
        referral,
        actor=actor,
        request=request,
        service_kind=service_kind,
        to_organisation=to_organisation.pk,
        shared_fields=shared,
        consent_basis=consent_basis,
        override=bool(override_by),
        respond_by=referral.respond_by.isoformat(),
    )
    return referral


def _locked(referral: Referral) -> Referral:
    """Re-read the referral under a row lock: two people answering at once cannot both win."""
    return Referral.objects.select_for_update().select_related("case", "to_organisation").get(pk=referral.pk)


def _require_pending(referral: Referral) -> None:
    if referral.status != ReferralStatus.PENDING:
        raise ValidationError(_("Rujukan ini sudah %(status)s.") % {"status": referral.get_status_display().lower()})


@transaction.atomic
def referral_accept(*, actor, referral: Referral, request=None) -> Referral:
    """The receiver accepts. A transfer moves the case, its follow-ups and its history into the
    receiver's scope; a referral starts the service with the receiver as provider."""
    if not policy.can_respond_to_referral(actor, referral):
        raise PermissionDenied
    referral = _locked(referral)
    _require_pending(referral)
    case = (
        Case.objects.select_for_update().select_related("responsible_organisation", "person").get(pk=referral.case_id)
    )
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("Kasus ini sudah ditutup oleh pengirim; rujukan tidak dapat diterima."))
    now = timezone.now()
    referral.status = ReferralStatus.ACCEPTED
    referral.responded_at = now
    referral.responded_by = actor
    fields = ["status", "responded_at", "responded_by"]
    if referral.kind == ReferralKind.TRANSFER:
        referral.save(update_fields=fields)
        _note(
            referral,
            actor=actor,
            summary=_("Pengalihan diterima oleh %(org)s") % {"org": referral.to_organisation.name},
        )
        # The receiving supervisor assigns a worker; the sender's team cannot act outside its scope.
        services.case_move_scope(case, referral.to_organisation, actor=actor, request=request)
    else:
        referral.service = _start_service(referral, case=case, actor=actor, on=timezone.localdate())
        referral.save(update_fields=[*fields, "service"])
        _note(
            referral,
            actor=actor,
            summary=_("Rujukan %(service)s diterima oleh %(org)s")
            % {"service": referral.get_service_kind_display(), "org": referral.to_organisation.name},
        )
    referral.case = case
    _audit(Action.UPDATE, referral, actor=actor, request=request, status=ReferralStatus.ACCEPTED)
    return referral


def _start_service(referral: Referral, *, case: Case, actor, on: dt.date) -> Service:
    """The planned service of this kind (from the plan) if there is one not yet given to another
    provider; otherwise a new one. The receiver becomes its provider and it starts today."""
    service = (
        Service.objects.filter(case=case, kind=referral.service_kind, status=ServiceStatus.PLANNED)
        .filter(Q(provider__isnull=True) | Q(provider=referral.to_organisation_id))
        .order_by("planned_start", "pk")
        .first()
    )
    if service is None:
        return Service.objects.create(
            case=case,
            kind=referral.service_kind,
            provider=referral.to_organisation,
            status=ServiceStatus.IN_PROGRESS,
            started_on=on,
            created_by=actor,
        )
    service.provider = referral.to_organisation
    service.status = ServiceStatus.IN_PROGRESS
    service.started_on = on
    service.save(update_fields=["provider", "status", "started_on"])
    return service


@transaction.atomic
def referral_decline(*, actor, referral: Referral, reason: str, request=None) -> Referral:
    if not policy.can_respond_to_referral(actor, referral):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"decline_reason": [_("Tulis alasan penolakan: pengirim perlu tahu untuk merujuk ke tempat lain.")]}
        )
    referral = _locked(referral)
    _require_pending(referral)
    referral.status = ReferralStatus.DECLINED
    referral.decline_reason = reason[:300]
    referral.responded_at = timezone.now()
    referral.responded_by = actor
    referral.save(update_fields=["status", "decline_reason", "responded_at", "responded_by"])
    what = _("Pengalihan") if referral.kind == ReferralKind.TRANSFER else _("Rujukan")
    _note(
        referral,
        actor=actor,
        summary=_("%(what)s ditolak oleh %(org)s") % {"what": what, "org": referral.to_organisation.name},
    )
    _audit(Action.UPDATE, referral, actor=actor, request=request, status=ReferralStatus.DECLINED)
    return referral


@transaction.atomic
def referral_withdraw(*, actor, referral: Referral, request=None) -> Referral:
    """The sending team takes back a referral not answered yet (e.g. overdue: refer elsewhere)."""
    if not policy.can_manage_case(actor, referral.case):
        raise PermissionDenied
    referral = _locked(referral)
    _require_pending(referral)
    referral.status = ReferralStatus.WITHDRAWN
    referral.save(update_fields=["status"])
    what = _("Pengalihan") if referral.kind == ReferralKind.TRANSFER else _("Rujukan")
    _note(
        referral,
        actor=actor,
        summary=_("%(what)s ke %(org)s ditarik") % {"what": what, "org": referral.to_organisation.name},
    )
    _audit(Action.UPDATE, referral, actor=actor, request=request, status=ReferralStatus.WITHDRAWN)
    return referral


@transaction.atomic
def referral_complete(*, actor, referral: Referral, outcome: str, request=None) -> Referral:
    """The receiver reports the service done, with its outcome; the sender sees it on the case."""
    if not policy.can_respond_to_referral(actor, referral):
        raise PermissionDenied
    outcome = (outcome or "").strip()
    referral = _locked(referral)
    if referral.kind != ReferralKind.REFERRAL:
        raise ValidationError(_("Pengalihan tanggung jawab tidak diselesaikan di sini: kasusnya kini milik Anda."))
    if referral.status != ReferralStatus.ACCEPTED:
        raise ValidationError(_("Hanya rujukan yang sudah diterima dapat dinyatakan selesai."))
    if not outcome:
        raise ValidationError({"outcome": [_("Tulis hasil layanan.")]})
    today = timezone.localdate()
    referral.status = ReferralStatus.COMPLETED
    referral.save(update_fields=["status"])
    service = referral.service
    if service is not None:
        service.status = ServiceStatus.COMPLETED
        service.ended_on = max(today, service.started_on or today)
        service.outcome = outcome[:300]
        service.save(update_fields=["status", "ended_on", "outcome"])
    _note(
        referral,
        actor=actor,
        summary=_("Layanan %(service)s oleh %(org)s selesai")
        % {"service": referral.get_service_kind_display(), "org": referral.to_organisation.name},
    )
    _audit(Action.UPDATE, referral, actor=actor, request=request, status=ReferralStatus.COMPLETED)
    return referral
