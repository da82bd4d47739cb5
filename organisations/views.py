"""The organisation registry: list, detail, create, edit, deactivate, accreditation.

Views stay thin: fetch through ``access.policy``, call ``organisations.services``, render.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from pulih.forms import add_service_errors

from . import rules, selectors, services
from .forms import AccreditationForm, DeactivateForm, OrganisationFilterForm, OrganisationForm
from .models import Organisation


def _get_organisation(request, pk: int, *, manage: bool = False) -> Organisation:
    """One organisation through the policy: 404 when not visible; 403 when ``manage`` and it
    lies outside the user's region scope."""
    organisation = policy.get_for_user(
        request.user,
        Organisation.objects.select_related("region", "parent", "parent__region"),
        policy.scope_organisations,
        pk=pk,
    )
    if manage and not policy.can_manage_organisation(request.user, organisation):
        raise PermissionDenied
    return organisation


@require(Perm.ORGANISATIONS_VIEW)
@require_safe
def organisation_list(request):
    filters = OrganisationFilterForm(request.GET)
    today = timezone.localdate()
    qs = selectors.organisation_list(request.user, on=today, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filters": filters,
        "today": today,
        "can_create": policy.has_perm(request.user, Perm.ORGANISATIONS_MANAGE),
    }
    # A history restore asks for the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "organisations/_rows.html" if partial else "organisations/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _render_detail(request, organisation: Organisation, *, deactivate_form=None):
    can_manage = policy.can_manage_organisation(request.user, organisation)
    units = organisation.units.select_related("region").order_by("-is_active", "name")
    accreditations = organisation.accreditations.all() if organisation.is_lks else []
    verified, verification_reason = rules.lks_accreditation_status(organisation)
    context = {
        "organisation": organisation,
        "units": units,
        "accreditations": accreditations,
        "is_verified": verified,
        "verification_reason": verification_reason,
        "active_user_count": organisation.users.filter(is_active=True).count(),
        "can_manage": can_manage,
        "deactivate_form": deactivate_form or DeactivateForm(),
        "today": timezone.localdate(),
    }
    return render(request, "organisations/detail.html", context)


@require(Perm.ORGANISATIONS_VIEW)
@require_safe
def organisation_detail(request, pk: int):
    return _render_detail(request, _get_organisation(request, pk))


@require(Perm.ORGANISATIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    form = OrganisationForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Organisasi %(name)s ditambahkan.") % {"name": organisation.name})
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/form.html", {"form": form, "creating": True})


@require(Perm.ORGANISATIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    organisation = _get_organisation(request, pk, manage=True)
    form = OrganisationForm(request.POST or None, instance=organisation, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.user, organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/form.html", {"form": form, "creating": False, "organisation": organisation})


@require(Perm.ORGANISATIONS_MANAGE)
@require_POST
def organisation_set_active(request, pk: int):
    """POST ``active=1`` to reactivate; ``active=0`` with a ``reason`` to deactivate."""
    organisation = _get_organisation(request, pk, manage=True)
    if request.POST.get("active") == "1":
        try:
            services.organisation_reactivate(actor=request.user, organisation=organisation, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Organisasi diaktifkan kembali."))
        return redirect("organisations:detail", pk=organisation.pk)

    form = DeactivateForm(request.POST)
    if form.is_valid():
        try:
            services.organisation_deactivate(
                actor=request.user, organisation=organisation, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Already inactive (a second click): nothing to correct in the form.
                messages.error(request, " ".join(exc.messages))
                return redirect("organisations:detail", pk=organisation.pk)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Organisasi dinonaktifkan. Datanya tetap tersimpan."))
            return redirect("organisations:detail", pk=organisation.pk)
    return _render_detail(request, organisation, deactivate_form=form)


@require(Perm.ORGANISATIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def accreditation_add(request, pk: int):
    organisation = _get_organisation(request, pk, manage=True)
    if not organisation.is_lks:
        messages.error(request, _("Akreditasi hanya dicatat untuk LKS."))
        return redirect("organisations:detail", pk=organisation.pk)
    form = AccreditationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accreditation = services.accreditation_record(
                actor=request.user, organisation=organisation, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Akreditasi %(grade)s dicatat, berlaku sampai %(date)s.")
                % {"grade": accreditation.grade, "date": date_format(accreditation.valid_until)},
            )
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/accreditation_form.html", {"form": form, "organisation": organisation})
