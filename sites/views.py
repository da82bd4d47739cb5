"""Lokalisasi: list, detail with its census rounds, create, edit.

Views stay thin: fetch through ``access.policy``, call ``sites.services``, render.
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

from . import selectors, services
from .forms import SiteFilterForm, SiteForm
from .models import Site


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _suppress_small_counts(user) -> bool:
    # Someone who may not see person records (the Kemensos analyst) gets aggregates only, and a
    # count of one to four people at a named site is nearly a person record.
    return not policy.has_perm(user, Perm.PEOPLE_VIEW)


@require(Perm.SITES_VIEW)
@require_safe
def site_list(request):
    filters = SiteFilterForm(request.GET)
    qs = selectors.site_list(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filters": filters,
        "can_create": policy.has_perm(request.user, Perm.SITES_MANAGE),
        "suppress_small": _suppress_small_counts(request.user),
    }
    # A history restore asks for the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "sites/_rows.html" if partial else "sites/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require(Perm.SITES_VIEW)
@require_safe
def site_detail(request, pk: int):
    site = selectors.site_for_detail(request.user, pk)
    show_census = policy.has_perm(request.user, Perm.CENSUS_VIEW)
    context = {
        "site": site,
        "can_manage": policy.can_manage_site(request.user, site),
        "can_manage_census": policy.can_manage_census(request.user, site),
        "show_census": show_census,
        "summaries": selectors.census_summaries(request.user, site) if show_census else [],
        "suppress_small": _suppress_small_counts(request.user),
    }
    return render(request, "sites/detail.html", context)


@require(Perm.SITES_MANAGE)
@require_http_methods(["GET", "POST"])
def site_create(request):
    form = SiteForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Lokalisasi %(name)s ditambahkan.") % {"name": site.name})
            return redirect("sites:detail", pk=site.pk)
    return render(request, "sites/form.html", {"form": form, "creating": True})


@require(Perm.SITES_MANAGE)
@require_http_methods(["GET", "POST"])
def site_edit(request, pk: int):
    site = policy.get_for_user(
        request.user, Site.objects.select_related("region", "owner_organisation"), policy.scope_sites, pk=pk
    )
    if not policy.can_manage_site(request.user, site):
        raise PermissionDenied
    form = SiteForm(request.POST or None, instance=site, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(actor=request.user, site=site, request=request, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("sites:detail", pk=site.pk)
    return render(request, "sites/form.html", {"form": form, "creating": False, "site": site})
