"""Post-closure monitoring: the list of visits, recording and correcting a visit, and the trend
per village and year.

Views stay thin: fetch through ``access.policy``, call ``monitoring.services``/``selectors``, render.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from access import policy
from access.policy import Perm, require
from pulih.forms import add_service_errors

from . import selectors, services
from .forms import TrendFilterForm, VisitFilterForm, VisitForm
from .models import MonitoringVisit


@require(Perm.MONITORING_VIEW)
@require_safe
def visit_list(request):
    filters = VisitFilterForm(request.GET, actor=request.user, years=selectors.visit_years(request.user))
    qs = selectors.visit_list(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = policy.has_perm(request.user, Perm.MONITORING_MANAGE)
    for visit in page:
        visit.can_edit = can_manage and policy.can_record_monitoring(request.user, visit.village_id)
    context = {"page_obj": page, "filters": filters, "can_create": can_manage}
    # A history restore asks for the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "monitoring/_rows.html" if partial else "monitoring/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require(Perm.MONITORING_MANAGE)
@require_http_methods(["GET", "POST"])
def visit_create(request):
    form = VisitForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kunjungan ke %(village)s dicatat.") % {"village": visit.village.name})
            return redirect("monitoring:list")
    return render(request, "monitoring/form.html", {"form": form, "creating": True})


@require(Perm.MONITORING_MANAGE)
@require_http_methods(["GET", "POST"])
def visit_edit(request, pk: int):
    visit = policy.get_for_user(
        request.user,
        MonitoringVisit.objects.select_related("village", "organisation", "programme", "site"),
        policy.scope_monitoring_visits,
        pk=pk,
    )
    if not policy.can_record_monitoring(request.user, visit.village_id):
        raise PermissionDenied
    form = VisitForm(request.POST or None, instance=visit, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_update(actor=request.user, visit=visit, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("monitoring:list")
    return render(request, "monitoring/form.html", {"form": form, "creating": False, "visit": visit})


@require(Perm.MONITORING_VIEW)
@require_safe
def visit_trend(request):
    filters = TrendFilterForm(request.GET, actor=request.user)
    context = {"filters": filters, "trend": selectors.trend(request.user, **filters.filters())}
    return render(request, "monitoring/trend.html", context)
