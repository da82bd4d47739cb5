"""Case management: open a case, the caseload, the case list and file, edits without lost
updates, reassignment, assessments, plans, services and follow-ups.

Views stay thin: fetch through ``access.policy``, call ``cases.services``/``cases.selectors``,
render. No identity is shown here: the person page reveals it, audited.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from people.models import Person
from pulih.forms import add_service_errors

from . import rules, selectors, services
from .forms import (
    AssessmentForm,
    CaseEditForm,
    CaseFilterForm,
    CaseloadFilterForm,
    CaseOpenForm,
    FollowUpRecordForm,
    FollowUpScheduleForm,
    PlanForm,
    PlannedServiceFormSet,
    ReassignForm,
    ServiceUpdateForm,
)
from .models import Assessment, Case, CaseStatus, ClosingReason, FollowUp, Service, ServiceKind, Stage
from .narrative import unseal_text
from .referrals import referrals_for_case

# --- Fetching through the policy ------------------------------------------------------------------


def _get_case(request, pk: int, *, manage: bool = False) -> Case:
    """One case through its scope: 404 outside it; 403 when ``manage`` and the user may not change it."""
    case = selectors.case_for_user(request.user, pk)
    if manage and not policy.can_manage_case(request.user, case):
        raise PermissionDenied
    return case


def _scope_case_children(user, qs: QuerySet) -> QuerySet:
    """Assessments, services: visible when their case is (same rule as ``policy.scope_cases``).
    Local until access.policy has it."""
    if not policy.has_perm(user, Perm.CASES_VIEW):
        return qs.none()
    return qs.filter(policy.region_scope_q(user, "case__scope_region_code"))


def _redirect_case(case: Case, anchor: str = ""):
    url = reverse("cases:detail", kwargs={"pk": case.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- Opening -------------------------------------------------------------------------------------


@require(Perm.CASES_MANAGE)
@require_http_methods(["GET", "POST"])
def case_open(request, case_code: str):
    person = policy.get_for_user(
        request.user, Person.objects.select_related("registered_site"), policy.scope_people, case_code=case_code
    )
    if not policy.can_open_case_for(request.user, person):
        raise PermissionDenied
    existing = selectors.open_case_for(person)
    if existing is not None:
        messages.info(request, _("%(code)s sudah memiliki kasus aktif.") % {"code": person.case_code})
        if policy.scope_cases(request.user, Case.objects.filter(pk=existing.pk)).exists():
            return _redirect_case(existing)
        # Held by another Dinsos (after a transfer): nothing of it to show here.
        return redirect("people:detail", case_code=person.case_code)
    form = CaseOpenForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=request.user, person=person, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kasus %(number)s dibuka.") % {"number": case.number})
            return _redirect_case(case)
    context = {"form": form, "person": person, "forced": rules.forced_pathway(person)}
    return render(request, "cases/open.html", context)


# --- Caseload and list ----------------------------------------------------------------------------


@require(Perm.CASES_VIEW)
@require_safe
def caseload(request):
    today = timezone.localdate()
    can_see_all = policy.has_perm(request.user, Perm.CASES_SUPERVISE)
    everyone = can_see_all and request.GET.get("all") == "1"
    filters = CaseloadFilterForm(request.GET)
    qs = selectors.caseload(request.user, today=today, everyone=everyone, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for case in page:
        case.stage_days = (today - case.stage_since).days
    context = {
        "page_obj": page,
        "filters": filters,
        "today": today,
        "everyone": everyone,
        "can_see_all": can_see_all,
        "worker_counts": selectors.worker_counts(request.user, today=today) if everyone else [],
    }
    return render(request, "cases/caseload.html", context)


@require(Perm.CASES_VIEW)
@require_safe
def case_list(request):
    filters = CaseFilterForm(request.GET, user=request.user)
    qs = selectors.case_list(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "filters": filters}
    # A history restore asks for the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "cases/_rows.html" if partial else "cases/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- The case file ----------------------------------------------------------------------------------


def _labels(codes: list[str], choices) -> list[str]:
    names = dict(choices)
    return [str(names.get(code, code)) for code in codes]


@require(Perm.CASES_VIEW)
@require_safe
def case_detail(request, pk: int):
    case = _get_case(request, pk)
    user = request.user
    today = timezone.localdate()
    can_manage = policy.can_manage_case(user, case)
    assessments = list(case.assessments.select_related("assessor").order_by("-version"))
    plans = list(case.plans.select_related("created_by").order_by("-version"))
    current_assessment = assessments[0] if assessments else None
    narrative = {}
    if current_assessment and can_manage:
        narrative = unseal_text(current_assessment.narrative_ciphertext)
    notes = list(case.notes.select_related("created_by")[:200])
    for entry in notes:
        # Free text is read only by those who may change the case, never shown to others.
        entry.text = unseal_text(entry.text_ciphertext) if (can_manage and entry.text_ciphertext) else ""
    follow_ups = list(case.follow_ups.select_related("done_by"))
    for follow_up in follow_ups:
        follow_up.is_overdue = follow_up.done_on is None and follow_up.due_on < today
    referral_missing = bool(case.required_referral_kind) and not selectors.required_referral_met(case)
    context = {
        "case": case,
        "today": today,
        "can_manage": can_manage,
        "can_supervise": policy.can_supervise_case(user, case),
        "assessments": assessments,
        "current_assessment": current_assessment,
        "current_needs": _labels(current_assessment.needs, rules.NEEDS) if current_assessment else [],
        "current_risks": _labels(current_assessment.risk_flags, rules.RISK_FLAGS) if current_assessment else [],
        "narrative": narrative,
        "plans": plans,
        "current_plan": plans[0] if plans else None,
        "services": case.services.select_related("provider"),
        "follow_ups": follow_ups,
        "notes": notes,
        "referral_missing": referral_missing,
        "referral_overdue": referral_missing and case.required_referral_by and case.required_referral_by < today,
        "required_referral_label": ServiceKind(case.required_referral_kind).label
        if case.required_referral_kind
        else "",
        "referrals": referrals_for_case(case),
        "reassign_form": ReassignForm(case=case),
        "schedule_form": FollowUpScheduleForm(initial={"start": case.closed_on or today}),
    }
    return render(request, "cases/detail.html", context)


# --- Editing without lost updates ----------------------------------------------------------------------

CONFLICT_FIELDS = ("stage", "status", "closing_reason", "case_worker")


def _conflict_rows(form: CaseEditForm, current: Case) -> list[dict]:
    """What the user tried to save beside what is saved now, field by field."""
    data = form.cleaned_data if form.is_valid() else {}
    stages, reasons, statuses = dict(Stage.choices), dict(ClosingReason.choices), dict(CaseStatus.choices)
    rows = [
        (_("Tahap"), stages.get(data.get("stage"), "—"), current.get_stage_display()),
        (_("Status"), statuses.get(data.get("status"), "—"), current.get_status_display()),
        (
            _("Alasan penutupan"),
            reasons.get(data.get("closing_reason"), "—"),
            current.get_closing_reason_display() or "—",
        ),
    ]
    if "case_worker" in form.fields:
        mine = data.get("case_worker")
        rows.append((_("Pekerja sosial"), str(mine) if mine else "—", str(current.case_worker or "—")))
    return [{"label": label, "mine": mine, "saved": saved, "differs": mine != saved} for label, mine, saved in rows]


@require(Perm.CASES_MANAGE)
@require_http_methods(["GET", "POST"])
def case_edit(request, pk: int):
    case = _get_case(request, pk, manage=True)
    can_reassign = policy.can_supervise_case(request.user, case)
    initial = {
        "version": case.version,
        "stage": case.stage,
        "status": case.status,
        "closing_reason": case.closing_reason,
        "case_worker": case.case_worker_id,
    }
    form = CaseEditForm(request.POST or None, initial=initial, case=case, can_reassign=can_reassign)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        change = services.CaseChange(
            stage=data["stage"],
            status=data["status"],
            closing_reason=data.get("closing_reason") or "",
            case_worker=data.get("case_worker") if can_reassign else case.case_worker,
        )
        try:
            services.case_update(
                actor=request.user, case=case, expected_version=data["version"], change=change, request=request
            )
        except services.CaseConflict as exc:
            current = exc.current
            conflict = {
                "current": current,
                "rows": _conflict_rows(form, current),
                "by": current.notes.select_related("created_by").first(),
            }
            # Keep what the user typed; the form now carries the version just shown, so saving
            # again is a deliberate choice made after seeing the other change.
            post = request.POST.copy()
            post["version"] = str(current.version)
            form = CaseEditForm(post, case=current, can_reassign=can_reassign)
            form.is_valid()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan kasus disimpan."))
            return _redirect_case(case)
    status = 409 if conflict else 200
    return render(request, "cases/edit.html", {"form": form, "case": case, "conflict": conflict}, status=status)


@require(Perm.CASES_MANAGE)
@require_POST
def case_reassign(request, pk: int):
    case = _get_case(request, pk)
    if not policy.can_supervise_case(request.user, case):
        raise PermissionDenied
    form = ReassignForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.case_reassign(
                actor=request.user,
                case=case,
                case_worker=form.cleaned_data["case_worker"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Kasus dialihkan ke %(name)s.") % {"name": str(form.cleaned_data["case_worker"])}
            )
    else:
        messages.error(request, _("Pilih pekerja sosial dari Dinas Sosial penanggung jawab."))
    return _redirect_case(case, "petugas")


# --- Assessment ------------------------------------------------------------------------------------------


@require(Perm.CASES_MANAGE)
@require_http_methods(["GET", "POST"])
def assessment_add(request, pk: int):
    case = _get_case(request, pk, manage=True)
    previous = case.assessments.order_by("-version").first()
    initial = {"assessed_on": timezone.localdate()}
    if previous is not None:
        # A new version starts from the last one: the worker changes what changed.
        initial |= {
            "needs": previous.needs,
            "wish": previous.wish,
            "dependent_children": previous.dependent_children,
            "has_ktp": "" if previous.has_ktp is None else str(previous.has_ktp).lower(),
            "has_kk": "" if previous.has_kk is None else str(previous.has_kk).lower(),
            "health_referral_needed": previous.health_referral_needed,
            "risk_flags": previous.risk_flags,
        }
        saved = unseal_text(previous.narrative_ciphertext)
        if isinstance(saved, dict):
            initial |= {k: saved.get(k, "") for k in AssessmentForm.NARRATIVE_FIELDS}
    elif case.person.dependent_children is not None:
        initial["dependent_children"] = case.person.dependent_children
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_add(
                actor=request.user, case=case, narrative=form.narrative(), request=request, **form.facts()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Asesmen versi %(n)s disimpan.") % {"n": assessment.version})
            return redirect("cases:assessment_detail", pk=assessment.pk)
    context = {"form": form, "case": case, "next_version": (previous.version + 1) if previous else 1}
    return render(request, "cases/assessment_form.html", context)


@require(Perm.CASES_VIEW)
@require_safe
def assessment_detail(request, pk: int):
    assessment = policy.get_for_user(
        request.user,
        Assessment.objects.select_related("case", "case__person", "assessor"),
        _scope_case_children,
        pk=pk,
    )
    case = assessment.case
    can_manage = policy.can_manage_case(request.user, case)
    context = {
        "assessment": assessment,
        "case": case,
        "needs": _labels(assessment.needs, rules.NEEDS),
        "risks": _labels(assessment.risk_flags, rules.RISK_FLAGS),
        "narrative": unseal_text(assessment.narrative_ciphertext) if can_manage else {},
        "can_manage": can_manage,
        "versions": case.assessments.order_by("-version").values("pk", "version", "assessed_on"),
    }
    return render(request, "cases/assessment_detail.html", context)


# --- Plan and services ---------------------------------------------------------------------------------


@require(Perm.CASES_MANAGE)
@require_http_methods(["GET", "POST"])
def plan_set(request, pk: int):
    case = _get_case(request, pk, manage=True)
    current = case.plans.order_by("-version").first()
    forced = rules.forced_pathway(case.person)
    suggested = rules.suggested_pathway(case.person, case.site)
    initial = {
        "pathway": forced.pathway if forced else (current.pathway if current else suggested),
        "goals": current.goals if current else "",
    }
    form = PlanForm(request.POST or None, initial=initial)
    formset = PlannedServiceFormSet(request.POST or None, prefix="services")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        planned = [
            services.PlannedService(
                kind=row["kind"],
                provider=row.get("provider"),
                planned_start=row.get("planned_start"),
                planned_end=row.get("planned_end"),
            )
            for row in formset.cleaned_data
            if row and row.get("kind")
        ]
        try:
            plan = services.plan_set(
                actor=request.user,
                case=case,
                pathway=form.cleaned_data["pathway"],
                goals=form.cleaned_data["goals"],
                services=planned,
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Rencana versi %(n)s disimpan.") % {"n": plan.version})
            return _redirect_case(case, "rencana")
    context = {
        "form": form,
        "formset": formset,
        "case": case,
        "current": current,
        "forced": forced,
        "suggested": suggested,
        "suggested_label": dict(form.fields["pathway"].choices).get(suggested, "") if suggested else "",
    }
    return render(request, "cases/plan_form.html", context)


@require(Perm.CASES_MANAGE)
@require_http_methods(["GET", "POST"])
def service_update(request, pk: int):
    service = policy.get_for_user(
        request.user,
        Service.objects.select_related("case", "case__person", "provider"),
        _scope_case_children,
        pk=pk,
    )
    if not policy.can_manage_case(request.user, service.case):
        raise PermissionDenied
    initial = {
        "status": service.status,
        "started_on": service.started_on,
        "ended_on": service.ended_on,
        "outcome": service.outcome,
    }
    form = ServiceUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(actor=request.user, service=service, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Layanan diperbarui."))
            return _redirect_case(service.case, "layanan")
    return render(request, "cases/service_form.html", {"form": form, "service": service, "case": service.case})


# --- Follow-ups --------------------------------------------------------------------------------------------


@require(Perm.CASES_MANAGE)
@require_POST
def followups_schedule(request, pk: int):
    case = _get_case(request, pk, manage=True)
    form = FollowUpScheduleForm(request.POST)
    if form.is_valid():
        start = form.cleaned_data["start"]
        services.follow_ups_schedule(case, start, request.user, request=request)
        messages.success(
            request,
            _("Bimbingan lanjut dijadwalkan dari %(date)s.") % {"date": date_format(start, "j F Y")},
        )
    else:
        messages.error(request, _("Isi tanggal awal bimbingan lanjut."))
    return _redirect_case(case, "bimbingan")


@require(Perm.CASES_MANAGE)
@require_http_methods(["GET", "POST"])
def followup_record(request, pk: int):
    follow_up = policy.get_for_user(
        request.user,
        FollowUp.objects.select_related("case", "case__person"),
        selectors.scope_follow_ups,
        pk=pk,
    )
    case = follow_up.case
    if not policy.can_manage_case(request.user, case):
        raise PermissionDenied
    saved_note = unseal_text(follow_up.note_ciphertext)
    initial = {
        "done_on": follow_up.done_on or timezone.localdate(),
        "outcome": follow_up.outcome,
        "note": saved_note if isinstance(saved_note, str) else "",
    }
    form = FollowUpRecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(
                actor=request.user,
                follow_up=follow_up,
                done_on=form.cleaned_data["done_on"],
                outcome=form.cleaned_data["outcome"],
                note_text=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Bimbingan lanjut dicatat."))
            return _redirect_case(case, "bimbingan")
    context = {"form": form, "follow_up": follow_up, "case": case, "today": timezone.localdate()}
    return render(request, "cases/followup_form.html", context)


@require(Perm.CASES_VIEW)
@require_safe
def followups_overdue(request):
    today = timezone.localdate()
    qs = selectors.follow_ups_overdue(request.user, today=today)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for follow_up in page:
        follow_up.days_late = (today - follow_up.due_on).days
    return render(request, "cases/followups_overdue.html", {"page_obj": page, "today": today})
