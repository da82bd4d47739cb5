"""Lokalisasi: list, detail (status history, wisma, census rounds), create, edit, status
changes, wisma and the audited reveal of a wisma's owner.

Views stay thin: fetch through ``access.policy``, call ``sites.services``, render.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from pulih.forms import add_service_errors

from . import selectors, services
from .forms import SiteFilterForm, SiteForm, StatusChangeForm, WismaForm
from .models import Site
from .owners import reveal_owner


def site_detail_url(site: Site) -> str:
    return reverse("sites:detail", kwargs={"pk": site.pk})


def _no_store(response):
    # Pages with a wisma owner's details must not stay in a shared browser's cache.
    patch_cache_control(response, no_store=True, private=True)
    return response


def _managed_site(request, pk: int) -> Site:
    site = policy.get_for_user(
        request.user, Site.objects.select_related("region", "owner_organisation"), policy.scope_sites, pk=pk
    )
    if not policy.can_manage_site(request.user, site):
        raise PermissionDenied
    return site


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
        "history": selectors.status_history(site),
        "wisma_summary": selectors.wisma_summary(site),
        "can_view_owner": policy.can_view_wisma_owner(request.user, site),
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
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lokalisasi %(name)s ditambahkan.") % {"name": site.name})
            return redirect("sites:detail", pk=site.pk)
    return render(request, "sites/form.html", {"form": form, "creating": True})


@require(Perm.SITES_MANAGE)
@require_http_methods(["GET", "POST"])
def site_edit(request, pk: int):
    site = _managed_site(request, pk)
    form = SiteForm(request.POST or None, instance=site, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(actor=request.user, site=site, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("sites:detail", pk=site.pk)
    return render(request, "sites/form.html", {"form": form, "creating": False, "site": site})


# --- Status -------------------------------------------------------------------------------------


@require(Perm.SITES_MANAGE)
@require_http_methods(["GET", "POST"])
def site_status_change(request, pk: int):
    site = _managed_site(request, pk)
    form = StatusChangeForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.site_change_status(actor=request.user, site=site, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Status %(site)s menjadi %(status)s.") % {"site": site.name, "status": change.get_status_display()},
            )
            return redirect("sites:detail", pk=site.pk)
    context = {"site": site, "form": form, "history": selectors.status_history(site)}
    return render(request, "sites/status_form.html", context)


# --- Wisma --------------------------------------------------------------------------------------


@require(Perm.SITES_MANAGE)
@require_http_methods(["GET", "POST"])
def wisma_add(request, pk: int):
    site = _managed_site(request, pk)
    form = WismaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            wisma = services.wisma_create(
                actor=request.user, site=site, request=request, owner=form.owner(), **form.values()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s ditambahkan.") % {"name": wisma.name})
            return redirect(f"{site_detail_url(site)}#wisma")
    return _no_store(render(request, "sites/wisma_form.html", {"form": form, "site": site, "creating": True}))


@require(Perm.SITES_MANAGE)
@require_http_methods(["GET", "POST"])
def wisma_edit(request, pk: int):
    wisma = selectors.wisma_for_user(request.user, pk)
    site = wisma.site
    if not policy.can_manage_site(request.user, site):
        raise PermissionDenied
    # An editor who may not see the owner edits the rest and leaves the owner as stored.
    include_owner = policy.can_view_wisma_owner(request.user, site)
    if request.method == "POST":
        form = WismaForm(request.POST, include_owner=include_owner, include_active=True)
        if form.is_valid():
            owner = form.owner() if include_owner else services.KEEP_OWNER
            try:
                services.wisma_update(actor=request.user, wisma=wisma, request=request, owner=owner, **form.values())
            except ValidationError as exc:
                add_service_errors(form, exc)
                # The page title keeps the saved name, not the refused one.
                wisma.refresh_from_db()
            else:
                messages.success(request, _("Perubahan disimpan."))
                return redirect(f"{site_detail_url(site)}#wisma")
    else:
        # Pre-filling the owner shows it: the same audited path as the reveal button.
        owner = None
        if include_owner and wisma.owner_ciphertext:
            owner = reveal_owner(wisma, user=request.user, request=request, purpose="edit")
        form = WismaForm(initial=WismaForm.initial_from(wisma, owner), include_owner=include_owner, include_active=True)
    context = {"form": form, "site": site, "wisma": wisma, "creating": False}
    return _no_store(render(request, "sites/wisma_form.html", context))


@require(Perm.SITES_VIEW)
@require_POST
@never_cache
def wisma_owner(request, pk: int):
    """Show a wisma owner's details after an explicit click: ``reveal_owner`` checks the policy
    (403 for roles that may not see identities) and audits."""
    wisma = selectors.wisma_for_user(request.user, pk)
    owner = reveal_owner(wisma, user=request.user, request=request)
    context = {"wisma": wisma, "site": wisma.site, "owner": owner}
    template = "sites/_wisma_owner.html" if request.htmx else "sites/wisma_owner.html"
    return _no_store(render(request, template, context))
