"""Repatriation pages: trips, the people on them, the manifest the escort carries, handovers and
the arrivals each region of origin receives.

Views stay thin: fetch through ``access.policy``, call ``repatriation.services``/``selectors``,
render. People appear by case code; names only on the manifest, revealed per person (audited).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from audit.models import Action
from audit.services import audit_record
from cases.rules import follow_up_months
from organisations.models import Organisation
from people.identity import reveal
from pulih.forms import add_service_errors
from regions.models import Region

from . import selectors, services
from .forms import AddPeopleForm, HandoverForm, IncomingFilterForm, TripFilterForm, TripForm
from .models import Handover, Repatriation, TripStatus


def _get_trip(request, pk: int, *, manage: bool = False):
    """One trip through its scope: 404 outside it; 403 when ``manage`` and the user may not change it."""
    trip = selectors.trip_for_user(request.user, pk)
    if manage and not policy.can_manage_trip(request.user, trip):
        raise PermissionDenied
    return trip


# --- Trips -----------------------------------------------------------------------------------------


@require(Perm.CASES_VIEW)
@require_safe
def trip_list(request):
    filters = TripFilterForm(request.GET)
    qs = selectors.trip_list(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filters": filters,
        "can_create": policy.has_perm(request.user, Perm.REPATRIATION_MANAGE),
    }
    return render(request, "repatriation/trip_list.html", context)


def _trip_fields(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("status", None)
    return data


@require(Perm.REPATRIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def trip_create(request):
    form = TripForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            trip = services.trip_create(actor=request.user, request=request, **_trip_fields(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perjalanan dibuat. Tambahkan orang yang dipulangkan."))
            return redirect("repatriation:trip_detail", pk=trip.pk)
    return render(request, "repatriation/trip_form.html", {"form": form, "creating": True})


@require(Perm.REPATRIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def trip_edit(request, pk: int):
    trip = _get_trip(request, pk, manage=True)
    if trip.status == TripStatus.CANCELLED:
        messages.error(request, _("Perjalanan ini sudah dibatalkan dan tidak dapat diubah."))
        return redirect("repatriation:trip_detail", pk=trip.pk)
    form = TripForm(request.POST or None, actor=request.user, trip=trip)
    if request.method == "POST" and form.is_valid():
        try:
            services.trip_update(
                actor=request.user,
                trip=trip,
                status=form.cleaned_data["status"],
                request=request,
                **_trip_fields(form),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("repatriation:trip_detail", pk=trip.pk)
    return render(request, "repatriation/trip_form.html", {"form": form, "creating": False, "trip": trip})


@require(Perm.CASES_VIEW)
@require_safe
def trip_detail(request, pk: int):
    trip = _get_trip(request, pk)
    overview = selectors.trip_overview(trip)
    context = {
        "trip": trip,
        "overview": overview,
        "can_manage": policy.can_manage_trip(request.user, trip),
        "is_planned": trip.status == TripStatus.PLANNED,
    }
    return render(request, "repatriation/trip_detail.html", context)


@require(Perm.CASES_VIEW)
@require_safe
def trip_manifest(request, pk: int):
    """The printable list the escort carries: names for those allowed to see each person's
    identity, each one revealed and audited as an export; case codes only otherwise."""
    trip = _get_trip(request, pk)
    overview = selectors.trip_overview(trip)
    names: dict[int, str] = {}
    for group in overview.groups:
        for repatriation in group.people:
            person = repatriation.case.person
            if policy.can_view_identity(request.user, person):
                names[repatriation.pk] = reveal(person, user=request.user, request=request, purpose="export").full_name
    audit_record(
        Action.EXPORT,
        request=request,
        actor=request.user,
        obj=trip,
        detail={"manifest": True, "people": overview.people, "with_names": len(names)},
    )
    rows = [(group, [(r, names.get(r.pk)) for r in group.people]) for group in overview.groups]
    context = {
        "trip": trip,
        "overview": overview,
        "rows": rows,
        "with_names": bool(names),
        "printed_at": timezone.localtime(),
    }
    return render(request, "repatriation/trip_manifest.html", context)


# --- People on a trip ------------------------------------------------------------------------------


@require(Perm.REPATRIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def repatriation_add(request, pk: int):
    trip = _get_trip(request, pk, manage=True)
    if trip.status != TripStatus.PLANNED:
        messages.error(request, _("Orang hanya dapat ditambahkan ke perjalanan yang masih direncanakan."))
        return redirect("repatriation:trip_detail", pk=trip.pk)
    province = (request.GET.get("provinsi") or "").strip()[:2]
    candidates = selectors.candidates(request.user, province=province)
    form = AddPeopleForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.repatriations_add(
                actor=request.user,
                trip=trip,
                cases=form.selected_cases(),
                cost=form.cleaned_data["cost"],
                destination=form.cleaned_data["destination"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(n)s orang ditambahkan ke perjalanan.") % {"n": len(result.added)})
            if result.without_receiver:
                names = Region.objects.filter(code__in=result.without_receiver).order_by("code")
                messages.warning(
                    request,
                    _(
                        "Dinsos daerah tujuan belum terdaftar: %(regions)s. "
                        "Daftarkan di Organisasi agar serah terima dapat dicatat."
                    )
                    % {"regions": ", ".join(r.name for r in names)},
                )
            return redirect("repatriation:trip_detail", pk=trip.pk)
    provinces = Region.objects.filter(level=1).order_by("code")
    context = {
        "trip": trip,
        "form": form,
        "candidates": candidates,
        "selected": set(form["cases"].value() or []),
        "provinces": provinces,
        "province": province,
    }
    return render(request, "repatriation/add.html", context)


@require(Perm.REPATRIATION_MANAGE)
@require_POST
def repatriation_remove(request, pk: int):
    repatriation = policy.get_for_user(
        request.user,
        Repatriation.objects.select_related("trip", "case"),
        policy.scope_repatriations,
        pk=pk,
    )
    if repatriation.trip is None or not policy.can_manage_trip(request.user, repatriation.trip):
        raise PermissionDenied
    try:
        services.repatriation_cancel(actor=request.user, repatriation=repatriation, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(code)s dikeluarkan dari perjalanan.") % {"code": repatriation.case.number})
    return redirect("repatriation:trip_detail", pk=repatriation.trip_id)


# --- Handover ----------------------------------------------------------------------------------------


@require(Perm.REPATRIATION_MANAGE)
@require_http_methods(["GET", "POST"])
def handover(request, pk: int, organisation_pk: int):
    trip = _get_trip(request, pk, manage=True)
    organisation = get_object_or_404(Organisation, pk=organisation_pk)
    overview = selectors.trip_overview(trip)
    groups = [g for g in overview.groups if g.receiving_organisation == organisation]
    if not groups:
        messages.error(request, _("Tidak ada orang di perjalanan ini untuk %(org)s.") % {"org": organisation.name})
        return redirect("repatriation:trip_detail", pk=trip.pk)
    existing = Handover.objects.filter(trip=trip, receiving_organisation=organisation).first()
    if existing is not None and existing.acknowledged_at is not None:
        messages.error(request, _("Serah terima ini sudah dikonfirmasi penerima dan tidak dapat diubah."))
        return redirect("repatriation:trip_detail", pk=trip.pk)
    initial = (
        {
            "handed_over_on": existing.handed_over_on,
            "signed_by_name": existing.signed_by_name,
            "signed_by_position": existing.signed_by_position,
            "note": existing.note,
        }
        if existing
        else {"handed_over_on": timezone.localdate()}
    )
    form = HandoverForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_record(
                actor=request.user, trip=trip, receiving_organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Serah terima kepada %(org)s dicatat. Menunggu konfirmasi dari %(org)s.")
                % {"org": organisation.name},
            )
            return redirect("repatriation:trip_detail", pk=trip.pk)
    context = {
        "trip": trip,
        "organisation": organisation,
        "groups": groups,
        "people": sum(g.count for g in groups),
        "form": form,
        "existing": existing,
    }
    return render(request, "repatriation/handover_form.html", context)


@require(Perm.REFERRALS_RESPOND)
@require_POST
def handover_acknowledge(request, pk: int):
    handover_obj = policy.get_for_user(
        request.user,
        Handover.objects.select_related("trip", "receiving_organisation"),
        selectors.scope_handovers,
        pk=pk,
    )
    if not policy.can_acknowledge_handover(request.user, handover_obj):
        raise PermissionDenied
    try:
        services.handover_acknowledge(actor=request.user, handover=handover_obj, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Penerimaan dikonfirmasi. Bimbingan lanjut dijadwalkan pada bulan ke-%(months)s setelah serah terima.")
            % {"months": ", ".join(str(m) for m in follow_up_months())},
        )
    if policy.has_perm(request.user, Perm.CASES_VIEW):
        return redirect("repatriation:incoming")
    return redirect("home")


# --- Arrivals ----------------------------------------------------------------------------------------


@require(Perm.CASES_VIEW)
@require_safe
def incoming(request):
    filters = IncomingFilterForm(request.GET)
    qs = selectors.incoming(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filters": filters,
        "by_month": selectors.incoming_by_month(qs),
        "to_acknowledge": selectors.handovers_to_acknowledge(request.user),
        "region": request.user.region,
    }
    return render(request, "repatriation/incoming.html", context)
