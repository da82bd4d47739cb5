"""Grievances: list (overdue first), receiving, the grievance page with the audited reveal of a
named complainant, answering and assigning.

Views stay thin: fetch through ``access.policy``, call ``grievances.services``/``selectors``, render.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from pulih.forms import add_service_errors

from . import rules, selectors, services
from .forms import AssignForm, GrievanceFilterForm, GrievanceForm, RespondForm


def _no_store(response):
    # A page with a complainant's name (revealed, or typed into the form) must not stay in a
    # shared browser's cache.
    patch_cache_control(response, no_store=True, private=True)
    return response


@require(Perm.GRIEVANCES_VIEW)
@require_safe
def grievance_list(request):
    today = timezone.localdate()
    filters = GrievanceFilterForm(request.GET)
    qs = selectors.grievance_list(request.user, today=today, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for grievance in page:
        grievance.days_overdue = rules.days_overdue(grievance, today)
    context = {
        "page_obj": page,
        "filters": filters,
        "today": today,
        "overdue_total": selectors.overdue_count(request.user, today),
        "can_create": policy.has_perm(request.user, Perm.GRIEVANCES_MANAGE),
    }
    # A history restore asks for the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "grievances/_rows.html" if partial else "grievances/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require(Perm.GRIEVANCES_MANAGE)
@require_http_methods(["GET", "POST"])
def grievance_create(request):
    form = GrievanceForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            grievance = services.grievance_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pengaduan %(reference)s dicatat.") % {"reference": grievance.reference})
            return redirect("grievances:detail", pk=grievance.pk)
    response = render(request, "grievances/form.html", {"form": form})
    return _no_store(response) if request.method == "POST" else response


def _get_grievance(request, pk: int):
    return selectors.grievance_for_detail(request.user, pk, timezone.localdate())


def _render_detail(request, grievance, *, respond_form=None, assign_form=None, complainant=None, status=200):
    today = timezone.localdate()
    can_manage = policy.can_manage_grievance(request.user, grievance.region_code)
    context = {
        "grievance": grievance,
        "today": today,
        "days_overdue": rules.days_overdue(grievance, today),
        "can_manage": can_manage,
        "can_view_complainant": policy.can_view_complainant(request.user, grievance),
        "complainant": complainant,
    }
    if can_manage:
        context["respond_form"] = respond_form or RespondForm(grievance=grievance)
        context["assign_form"] = assign_form or AssignForm(grievance=grievance)
    return render(request, "grievances/detail.html", context, status=status)


@require(Perm.GRIEVANCES_VIEW)
@require_safe
def grievance_detail(request, pk: int):
    return _render_detail(request, _get_grievance(request, pk))


@require(Perm.GRIEVANCES_VIEW)
@require_POST
@never_cache
def reveal_complainant(request, pk: int):
    """Show a named complainant after an explicit click: the service checks the policy and audits."""
    grievance = _get_grievance(request, pk)
    if grievance.anonymous:
        # Nothing to reveal (and nothing audited), but only for those who could reveal a name.
        if not policy.can_view_complainant(request.user, grievance):
            raise PermissionDenied
        complainant = None
    else:
        complainant = services.reveal_complainant(grievance, user=request.user, request=request)
    if request.htmx:
        context = {"grievance": grievance, "complainant": complainant}
        return _no_store(render(request, "grievances/_complainant.html", context))
    return _no_store(_render_detail(request, grievance, complainant=complainant))


@require(Perm.GRIEVANCES_MANAGE)
@require_POST
def grievance_respond(request, pk: int):
    grievance = _get_grievance(request, pk)
    if not policy.can_manage_grievance(request.user, grievance.region_code):
        raise PermissionDenied
    form = RespondForm(request.POST, grievance=grievance)
    if form.is_valid():
        try:
            services.grievance_respond(actor=request.user, grievance=grievance, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Status pengaduan disimpan."))
            return redirect("grievances:detail", pk=grievance.pk)
    # The stored grievance, with the refused input kept in the form.
    return _render_detail(request, _get_grievance(request, pk), respond_form=form)


@require(Perm.GRIEVANCES_MANAGE)
@require_POST
def grievance_assign(request, pk: int):
    grievance = _get_grievance(request, pk)
    if not policy.can_manage_grievance(request.user, grievance.region_code):
        raise PermissionDenied
    form = AssignForm(request.POST, grievance=grievance)
    if form.is_valid():
        try:
            services.grievance_assign(
                actor=request.user, grievance=grievance, handler=form.cleaned_data["handler"], request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Petugas penangan disimpan."))
            return redirect("grievances:detail", pk=grievance.pk)
    return _render_detail(request, _get_grievance(request, pk), assign_form=form)
