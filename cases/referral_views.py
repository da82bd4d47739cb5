"""Referrals and transfers: create (sending team), inbox and sent list, the referral page,
respond (accept/decline), withdraw, complete, and the shared identity (explicit, audited).

Views stay thin: fetch through the policy, call ``cases.referrals``, render. A role without the
permission gets 403 from ``require``; a referral outside the user's scope is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from pulih.forms import add_service_errors

from . import referrals, selectors
from .models import Referral, ReferralKind, ReferralStatus, ServiceKind
from .referral_forms import CompleteForm, ReferralFilterForm, ReferralForm, RespondForm


def _get_referral(request, pk: int) -> Referral:
    """One referral the user may open (received by their organisation, or of a case in their
    scope): 404 otherwise."""
    return policy.get_for_user(
        request.user,
        Referral.objects.select_related(
            "case",
            "case__person",
            "case__responsible_organisation",
            "from_organisation",
            "to_organisation",
            "created_by",
            "responded_by",
            "override_by",
            "consent_record",
            "service",
        ),
        referrals.scope_referrals,
        pk=pk,
    )


def _to_detail(referral: Referral, anchor: str = ""):
    response = redirect("cases:referral_detail", pk=referral.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# --- Creating --------------------------------------------------------------------------------------------


def _initial(request, case) -> dict:
    """Defaults for a new referral: the kind and service from the query (the case page or the
    HTMX re-render), the required referral's service, the origin Dinsos for a transfer, and the
    minimum shared data for the service."""
    kind = request.GET.get("kind")
    kind = kind if kind in ReferralKind.values else ReferralKind.REFERRAL
    service_kind = request.GET.get("service_kind", "")
    if service_kind not in ServiceKind.values:
        service_kind = ""
        if "service_kind" not in request.GET and not selectors.required_referral_met(case):
            service_kind = case.required_referral_kind
    targets = referrals.target_organisations(case, kind)
    to_organisation = None
    chosen = request.GET.get("to_organisation", "")
    if chosen.isdigit():
        to_organisation = targets.filter(pk=int(chosen)).first()
    if to_organisation is None and kind == ReferralKind.TRANSFER:
        to_organisation = referrals.suggested_transfer_organisation(case)
    return {
        "kind": kind,
        "service_kind": service_kind,
        "to_organisation": to_organisation,
        "shared_fields": referrals.default_shared_fields(kind, service_kind),
    }


@require(Perm.CASES_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_create(request, pk: int):
    case = selectors.case_for_user(request.user, pk)
    if not policy.can_manage_case(request.user, case):
        raise PermissionDenied
    consent = referrals.share_consent(case.person)
    can_supervise = policy.can_supervise_case(request.user, case)
    allow_override = not consent.ok and can_supervise
    if request.method == "POST":
        # Every active organisation is accepted here: the service explains why one does not fit.
        kind = request.POST.get("kind", ReferralKind.REFERRAL)
        form = ReferralForm(request.POST, case=case, kind="", allow_override=allow_override)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = referrals.referral_create(
                    actor=request.user,
                    case=case,
                    kind=data["kind"],
                    to_organisation=data["to_organisation"],
                    reason=data["reason"],
                    service_kind=data["service_kind"],
                    shared_fields=data["shared_fields"],
                    override_reason=data.get("override_reason", ""),
                    request=request,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if referral.kind == ReferralKind.TRANSFER:
                    text = _("Pengalihan ke %(org)s diajukan; menunggu jawaban sampai %(date)s.")
                else:
                    text = _("Rujukan ke %(org)s dikirim; menunggu jawaban sampai %(date)s.")
                messages.success(
                    request,
                    text % {"org": referral.to_organisation.name, "date": referral.respond_by.strftime("%d/%m/%Y")},
                )
                return _to_detail(referral)
    else:
        initial = _initial(request, case)
        kind = initial["kind"]
        form = ReferralForm(initial=initial, case=case, kind=kind, allow_override=allow_override)
    context = {
        "case": case,
        "form": form,
        "kind": form.data.get("kind", kind) if form.is_bound else kind,
        "consent": consent,
        "can_supervise": can_supervise,
        "suggested": referrals.suggested_transfer_organisation(case),
    }
    if request.htmx and request.GET.get("part") == "dynamic":
        response = render(request, "cases/referral_form_dynamic.html", context)
    else:
        response = render(request, "cases/referral_form.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- Lists --------------------------------------------------------------------------------------------------


@require(Perm.REFERRALS_RESPOND)
@require_safe
def referral_inbox(request):
    user = request.user
    can_send = policy.has_perm(user, Perm.CASES_VIEW)
    box = "sent" if can_send and request.GET.get("box") == "sent" else "received"
    filters = ReferralFilterForm(request.GET)
    qs = referrals.referral_list(user, box=box, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filters": filters,
        "box": box,
        "can_send": can_send,
        "today": timezone.localdate(),
        "pending": referrals.pending_count(user),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "cases/referral_rows.html" if partial else "cases/referral_inbox.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- One referral --------------------------------------------------------------------------------------------


def _render_detail(request, referral: Referral, *, respond_form=None, complete_form=None, identity=None):
    user = request.user
    receiver = referrals.is_receiver(user, referral)
    sender = policy.can_manage_case(user, referral.case) and not receiver
    pending = referral.status == ReferralStatus.PENDING
    today = timezone.localdate()
    context = {
        "referral": referral,
        "case": referral.case,
        "receiver": receiver,
        "sender": sender,
        "can_open_case": policy.can_manage_case(user, referral.case),
        "overdue": pending and referral.respond_by is not None and referral.respond_by < today,
        "shared_labels": [label for code, label in referrals.SHARED_PARTS if code in (referral.shared_fields or [])],
        "identity_shared": referrals.IDENTITY in (referral.shared_fields or [])
        and policy.referral_shares(user, referral, referrals.IDENTITY),
        "identity": identity,
        "parts": referrals.shared_parts(user, referral),
        "show_shared": receiver and referral.status in referrals.SEEN_STATUSES,
        "can_respond": receiver and pending,
        "can_complete": receiver
        and referral.kind == ReferralKind.REFERRAL
        and referral.status == ReferralStatus.ACCEPTED,
        "can_withdraw": pending and policy.can_manage_case(user, referral.case),
        "respond_form": respond_form or RespondForm(),
        "complete_form": complete_form or CompleteForm(),
        "today": today,
    }
    return render(request, "cases/referral_detail.html", context)


@require(Perm.REFERRALS_RESPOND)
@require_safe
def referral_detail(request, pk: int):
    return _render_detail(request, _get_referral(request, pk))


@require(Perm.REFERRALS_RESPOND)
@require_POST
@never_cache
def referral_identity(request, pk: int):
    """Show the shared identity after an explicit click: checked and audited each time, never
    cached (``never_cache``: the page holds a name)."""
    referral = _get_referral(request, pk)
    if referrals.is_receiver(request.user, referral) and referral.status == ReferralStatus.PENDING:
        messages.info(request, _("Identitas dibagikan setelah rujukan diterima."))
        return _to_detail(referral)
    identity = referrals.reveal_shared_identity(referral, user=request.user, request=request)
    if request.htmx:
        return render(request, "cases/referral_identity.html", {"identity": identity, "referral": referral})
    return _render_detail(request, referral, identity=identity)


@require(Perm.REFERRALS_RESPOND)
@require_POST
def referral_respond(request, pk: int):
    referral = _get_referral(request, pk)
    if not policy.can_respond_to_referral(request.user, referral):
        raise PermissionDenied
    form = RespondForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, referral, respond_form=form)
    try:
        if form.cleaned_data["decision"] == "accept":
            referral = referrals.referral_accept(actor=request.user, referral=referral, request=request)
        else:
            referral = referrals.referral_decline(
                actor=request.user, referral=referral, reason=form.cleaned_data["decline_reason"], request=request
            )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            add_service_errors(form, exc)
            return _render_detail(request, referral, respond_form=form)
        messages.error(request, " ".join(exc.messages))
        return _to_detail(referral)
    if referral.status == ReferralStatus.DECLINED:
        messages.success(request, _("Rujukan ditolak; pengirim melihat alasannya."))
    elif referral.kind == ReferralKind.TRANSFER:
        messages.success(
            request,
            _("Pengalihan diterima: kasus %(number)s kini tanggung jawab %(org)s.")
            % {"number": referral.case.number, "org": referral.to_organisation.name},
        )
    else:
        messages.success(request, _("Rujukan diterima. Data yang dibagikan kini dapat dibuka."))
    return _to_detail(referral)


@require(Perm.CASES_MANAGE)
@require_POST
def referral_withdraw(request, pk: int):
    referral = _get_referral(request, pk)
    if not policy.can_manage_case(request.user, referral.case):
        raise PermissionDenied
    try:
        referrals.referral_withdraw(actor=request.user, referral=referral, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Rujukan ditarik."))
    return _to_detail(referral)


@require(Perm.REFERRALS_RESPOND)
@require_POST
def referral_complete(request, pk: int):
    referral = _get_referral(request, pk)
    if not policy.can_respond_to_referral(request.user, referral):
        raise PermissionDenied
    form = CompleteForm(request.POST)
    if referral.status != ReferralStatus.ACCEPTED or referral.kind != ReferralKind.REFERRAL:
        messages.error(request, _("Hanya rujukan layanan yang sudah diterima dapat dinyatakan selesai."))
        return _to_detail(referral)
    if not form.is_valid():
        return _render_detail(request, referral, complete_form=form)
    try:
        referrals.referral_complete(
            actor=request.user, referral=referral, outcome=form.cleaned_data["outcome"], request=request
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            add_service_errors(form, exc)
            return _render_detail(request, referral, complete_form=form)
        messages.error(request, " ".join(exc.messages))
        return _to_detail(referral)
    messages.success(request, _("Layanan dinyatakan selesai; pengirim melihat hasilnya pada kasus."))
    return _to_detail(referral)
