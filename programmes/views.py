"""Closure programmes: list, the programme page, create/edit, phases, sites' phases, stage plan.

Views stay thin: fetch through ``access.policy``, call ``programmes.services``, render. Progress
comes from ``programmes.progress`` and is never typed in.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from pulih.forms import add_service_errors

from . import progress, selectors, services
from .forms import PhaseForm, ProgrammeFilterForm, ProgrammeForm, SitePhaseForm, StageFormSet
from .models import ClosureProgramme, Phase, ProgrammeSite, StageKind


def _get_programme(request, pk: int, *, manage: bool = False) -> ClosureProgramme:
    """One programme through the policy: 404 when not visible; 403 when ``manage`` and the
    user may not change it."""
    programme = policy.get_for_user(
        request.user,
        ClosureProgramme.objects.select_related("owner_organisation", "region"),
        policy.scope_programmes,
        pk=pk,
    )
    if manage and not policy.can_manage_programme(request.user, programme):
        raise PermissionDenied
    return programme


def _suppress_small_counts(user) -> bool:
    # Outside the team (analyst, partner) a count of one to four residents at a named site is
    # nearly a person record (DOMAIN.md "Small numbers identify").
    return not policy.has_perm(user, Perm.PEOPLE_VIEW)


@require(Perm.PROGRAMMES_VIEW)
@require_safe
def programme_list(request):
    filters = ProgrammeFilterForm(request.GET)
    today = timezone.localdate()
    qs = selectors.programme_list(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_progress(page.object_list, today=today)
    context = {
        "page_obj": page,
        "filters": filters,
        "today": today,
        "can_create": policy.has_perm(request.user, Perm.PROGRAMMES_MANAGE),
    }
    # A history restore asks for the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "programmes/_rows.html" if partial else "programmes/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require(Perm.PROGRAMMES_VIEW)
@require_safe
def programme_detail(request, pk: int):
    user = request.user
    programme = selectors.programme_for_detail(user, pk)
    today = timezone.localdate()
    printing = request.GET.get("cetak") == "1"
    sites = selectors.programme_sites(programme)
    counts = selectors.census_counts(programme, sites)
    suppress_small = _suppress_small_counts(user)
    overdue, upcoming = selectors.open_actions(user, programme, today=today)
    can_manage = policy.can_manage_programme(user, programme) and not printing
    phases = selectors.phases(programme)
    for link in sites:
        link.rounds = counts.get(link.site_id, [])
    all_rounds = [count for link in sites for count in link.rounds]
    context = {
        "programme": programme,
        "today": today,
        "days_left": selectors.days_to(programme.deadline, today),
        "progress": progress.for_programme(programme, today=today),
        "sites": sites,
        "phases": phases,
        "overdue": overdue,
        "upcoming": upcoming,
        "upcoming_days": selectors.UPCOMING_DAYS,
        "timeline": selectors.timeline(user, programme, rounds=all_rounds, suppress_small=suppress_small),
        "timeline_limit": selectors.TIMELINE_LIMIT,
        "suppress_small": suppress_small,
        "can_manage": can_manage,
        "can_record_activity": policy.can_record_activity(user, programme) and not printing,
        "show_census_links": policy.has_perm(user, Perm.CENSUS_VIEW) and not printing,
        "show_site_links": policy.has_perm(user, Perm.SITES_VIEW) and not printing,
        "show_monitoring": policy.has_perm(user, Perm.MONITORING_VIEW),
        "show_grievances": policy.has_perm(user, Perm.GRIEVANCES_VIEW),
        "printing": printing,
        "printed_at": timezone.localtime(),
    }
    return render(request, "programmes/detail.html", context)


@require(Perm.PROGRAMMES_MANAGE)
@require_http_methods(["GET", "POST"])
def programme_create(request):
    form = ProgrammeForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(actor=request.user, data=form.data_for_service(), request=request)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Program %(name)s dibuat.") % {"name": programme.name})
            return redirect("programmes:detail", pk=programme.pk)
    return render(request, "programmes/form.html", {"form": form, "creating": True})


@require(Perm.PROGRAMMES_MANAGE)
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk: int):
    programme = _get_programme(request, pk, manage=True)
    form = ProgrammeForm(request.POST or None, actor=request.user, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(
                actor=request.user, programme=programme, data=form.data_for_service(), request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("programmes:detail", pk=programme.pk)
    return render(request, "programmes/form.html", {"form": form, "creating": False, "programme": programme})


# --- Phases -------------------------------------------------------------------------------------


@require(Perm.PROGRAMMES_MANAGE)
@require_http_methods(["GET", "POST"])
def phase_add(request, pk: int):
    programme = _get_programme(request, pk, manage=True)
    form = PhaseForm(request.POST or None, initial={"number": services.next_phase_number(programme)})
    if request.method == "POST" and form.is_valid():
        try:
            phase = services.phase_create(actor=request.user, programme=programme, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Tahap %(phase)s ditambahkan.") % {"phase": phase})
            return redirect(f"{programme_url(programme)}#tahap")
    return render(request, "programmes/phase_form.html", {"form": form, "programme": programme, "creating": True})


@require(Perm.PROGRAMMES_MANAGE)
@require_http_methods(["GET", "POST"])
def phase_edit(request, pk: int):
    phase = policy.get_for_user(
        request.user,
        Phase.objects.select_related("programme", "programme__owner_organisation"),
        lambda user, qs: qs.filter(programme__in=policy.scope_programmes(user, ClosureProgramme.objects.all())),
        pk=pk,
    )
    programme = phase.programme
    if not policy.can_manage_programme(request.user, programme):
        raise PermissionDenied
    form = PhaseForm(request.POST or None, instance=phase)
    if request.method == "POST" and form.is_valid():
        try:
            services.phase_update(actor=request.user, phase=phase, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect(f"{programme_url(programme)}#tahap")
    context = {"form": form, "programme": programme, "phase": phase, "creating": False}
    return render(request, "programmes/phase_form.html", context)


@require(Perm.PROGRAMMES_MANAGE)
@require_POST
def site_phase(request, pk: int, site_pk: int):
    """Put one site of the programme into a phase (POST ``phase``: a phase id, or empty for none)."""
    programme = _get_programme(request, pk, manage=True)
    try:
        link = programme.programme_sites.select_related("site").get(site_id=site_pk)
    except ProgrammeSite.DoesNotExist as exc:
        raise Http404 from exc
    form = SitePhaseForm(request.POST, programme=programme)
    if not form.is_valid():
        messages.error(request, _("Tahap yang dipilih tidak ada dalam program ini."))
    else:
        try:
            services.site_set_phase(
                actor=request.user, programme_site=link, phase=form.cleaned_data["phase"], request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            phase = form.cleaned_data["phase"]
            if phase is None:
                messages.success(request, _("%(site)s tidak lagi masuk tahap mana pun.") % {"site": link.site.name})
            else:
                messages.success(
                    request, _("%(site)s masuk tahap %(phase)s.") % {"site": link.site.name, "phase": phase}
                )
    return redirect(f"{programme_url(programme)}#tahap")


# --- Stage plan -----------------------------------------------------------------------------------


@require(Perm.PROGRAMMES_MANAGE)
@require_http_methods(["GET", "POST"])
def stages_edit(request, pk: int):
    programme = _get_programme(request, pk, manage=True)
    existing = {stage.kind: stage for stage in programme.stages.all()}
    initial = []
    for kind in StageKind.values:
        stage = existing.get(kind)
        initial.append(
            {
                "kind": kind,
                "planned_start": stage.planned_start if stage else None,
                "planned_end": stage.planned_end if stage else None,
                "applies": stage.applies if stage else True,
            }
        )
    formset = StageFormSet(request.POST or None, initial=initial, prefix="tahapan")
    if request.method == "POST" and formset.is_valid():
        plans = [
            services.StagePlanData(
                kind=form.cleaned_data["kind"],
                planned_start=form.cleaned_data.get("planned_start"),
                planned_end=form.cleaned_data.get("planned_end"),
                applies=form.cleaned_data.get("applies", False),
            )
            for form in formset
        ]
        try:
            services.stages_update(actor=request.user, programme=programme, plans=plans, request=request)
        except ValidationError as exc:
            _stage_errors(formset, exc)
        else:
            messages.success(request, _("Rencana tahapan disimpan."))
            return redirect(f"{programme_url(programme)}#tahapan")
    return render(request, "programmes/stages_form.html", {"formset": formset, "programme": programme})


def _stage_errors(formset, exc: ValidationError) -> None:
    """Service errors are keyed by stage kind: show each beside that stage's planned end."""
    if not hasattr(exc, "error_dict"):
        formset._non_form_errors = formset.error_class(exc.messages)
        return
    by_kind = {form.cleaned_data.get("kind"): form for form in formset}
    for kind, errors in exc.message_dict.items():
        form = by_kind.get(kind)
        if form is not None:
            form.add_error("planned_end", errors)
        else:
            formset._non_form_errors = formset.error_class(errors)


def programme_url(programme: ClosureProgramme) -> str:
    return reverse("programmes:detail", kwargs={"pk": programme.pk})
