"""Census round pages: list, create, the round's summary and presence lists, changes, export.

Views stay thin: fetch through ``access.policy``, call ``census.services``/``selectors``, render.
People appear by case code only; identities leave the system only through the audited export.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from audit.models import Action
from audit.services import audit_record
from pulih.forms import add_service_errors
from sites.models import Site

from . import selectors, services
from .export import export_filename, export_round
from .forms import AddPeopleForm, RemoveForm, RoundFilterForm, RoundForm, StatusForm
from .models import CensusRound, RoundStatus


def _get_round(request, pk: int, *, manage: bool = False) -> CensusRound:
    """One round through the policy: 404 outside the scope; 403 when ``manage`` and the user
    may not manage census rounds at its site."""
    census_round = policy.get_for_user(
        request.user,
        CensusRound.objects.select_related("site", "site__region"),
        policy.scope_census_rounds,
        pk=pk,
    )
    if manage and not policy.can_manage_census(request.user, census_round.site):
        raise PermissionDenied
    return census_round


def _to_detail(census_round: CensusRound, tab: str = ""):
    response = redirect("census:round_detail", pk=census_round.pk)
    if tab in selectors.TABS and tab != "present":
        response["Location"] += f"?tab={tab}"
    return response


@require(Perm.CENSUS_VIEW)
@require_safe
def round_list(request):
    sites = policy.scope_sites(request.user, Site.objects.all()).order_by("name")
    filters = RoundFilterForm(request.GET, sites=sites)
    qs = selectors.round_list(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    # Sites where this user may open a round (census managers only).
    manageable = (
        [site for site in sites.filter(is_active=True) if policy.can_manage_census(request.user, site)]
        if policy.has_perm(request.user, Perm.CENSUS_MANAGE)
        else []
    )
    context = {"page_obj": page, "filters": filters, "manageable_sites": manageable}
    return render(request, "census/round_list.html", context)


@require(Perm.CENSUS_MANAGE)
@require_http_methods(["GET", "POST"])
def round_create(request, site_pk: int):
    site = policy.get_for_user(request.user, Site.objects.select_related("region"), policy.scope_sites, pk=site_pk)
    if not policy.can_manage_census(request.user, site):
        raise PermissionDenied
    form = RoundForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            census_round = services.round_create(actor=request.user, site=site, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Putaran %(name)s dibuka.") % {"name": census_round.name})
            return redirect("census:round_detail", pk=census_round.pk)
    return render(request, "census/round_form.html", {"form": form, "site": site})


def _render_detail(request, census_round: CensusRound, *, add_form=None, status: int = 200):
    summary = selectors.round_summary(census_round)
    tab = request.GET.get("tab")
    if tab not in selectors.TABS:
        tab = "present"
    people = selectors.tab_people(census_round, tab, summary.previous)
    page = Paginator(people, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for person in page:
        person.age_band = selectors.age_band(person, census_round.held_on)
        person.origin_label = selectors.ORIGIN_SHORT_LABELS.get(person.origin_class, "")
    can_manage = policy.can_manage_census(request.user, census_round.site)
    context = {
        "round": census_round,
        "detail_url": reverse("census:round_detail", kwargs={"pk": census_round.pk}),
        "summary": summary,
        "tab": tab,
        "tabs": [
            ("present", _("Hadir"), summary.present),
            ("new", _("Baru"), summary.new),
            ("left", _("Keluar"), summary.left),
        ],
        "page_obj": page,
        "can_manage": can_manage,
        "can_change": can_manage and census_round.status == RoundStatus.OPEN,
        "can_export_identity": policy.can_export_identity(request.user),
        "can_register": policy.can_register_people_at(request.user, census_round.site),
        "add_form": add_form or AddPeopleForm(),
    }
    return render(request, "census/round_detail.html", context, status=status)


@require(Perm.CENSUS_VIEW)
@require_safe
def round_detail(request, pk: int):
    return _render_detail(request, _get_round(request, pk))


@require(Perm.CENSUS_MANAGE)
@require_POST
def round_add(request, pk: int):
    census_round = _get_round(request, pk, manage=True)
    form = AddPeopleForm(request.POST)
    if form.is_valid():
        try:
            codes = form.cleaned_data["case_codes"]
            added = services.round_add_case_codes(
                actor=request.user, census_round=census_round, case_codes=codes, request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            skipped = len(codes) - added
            message = _("%(n)s orang ditambahkan ke putaran ini.") % {"n": added}
            if skipped:
                message += " " + _("%(n)s sudah tercatat sebelumnya.") % {"n": skipped}
            messages.success(request, message)
            return _to_detail(census_round)
    # The page again with the typed codes kept and the error beside them.
    return _render_detail(request, census_round, add_form=form)


@require(Perm.CENSUS_MANAGE)
@require_POST
def round_remove(request, pk: int):
    census_round = _get_round(request, pk, manage=True)
    form = RemoveForm(request.POST)
    person = None
    if form.is_valid():
        person = selectors.round_people(census_round).filter(case_code=form.cleaned_data["case_code"]).first()
    if person is None:
        messages.error(request, _("Orang dengan kode kasus itu tidak tercatat di putaran ini."))
        return _to_detail(census_round)
    try:
        services.round_remove_person(actor=request.user, census_round=census_round, person=person, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(code)s dihapus dari daftar hadir putaran ini.") % {"code": person.case_code})
    return _to_detail(census_round, request.POST.get("tab", ""))


@require(Perm.CENSUS_MANAGE)
@require_POST
def round_carry_over(request, pk: int):
    census_round = _get_round(request, pk, manage=True)
    try:
        added = services.round_carry_over(actor=request.user, census_round=census_round, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(n)s orang dari putaran sebelumnya ditambahkan. Hapus yang sudah tidak ada di lokasi.") % {"n": added},
        )
    return _to_detail(census_round)


@require(Perm.CENSUS_MANAGE)
@require_POST
def round_status(request, pk: int):
    census_round = _get_round(request, pk, manage=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Status tidak dikenal."))
        return _to_detail(census_round)
    status = form.cleaned_data["status"]
    if status != census_round.status:
        services.round_set_status(actor=request.user, census_round=census_round, status=status, request=request)
    if status == RoundStatus.CLOSED:
        messages.success(request, _("Putaran ditutup. Daftar hadir tidak dapat diubah sampai dibuka kembali."))
    else:
        messages.success(request, _("Putaran dibuka kembali."))
    return _to_detail(census_round)


@require(Perm.CENSUS_VIEW)
@require_GET  # not HEAD: each request writes audit events
def round_export(request, pk: int):
    """XLSX of the round. ``?identity=1``: with names and NIK, for roles allowed to export identity."""
    census_round = _get_round(request, pk)
    with_identity = request.GET.get("identity") == "1"
    if with_identity and not policy.can_export_identity(request.user):
        audit_record(
            Action.PERMISSION_DENIED,
            request=request,
            actor=request.user,
            obj=census_round,
            detail={"wanted": "identity_export"},
        )
        raise PermissionDenied
    content = export_round(census_round, user=request.user, request=request, with_identity=with_identity)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(census_round)}"'
    # An identity file must not linger in a shared cache or the browser's.
    response["Cache-Control"] = "no-store, private"
    return response
