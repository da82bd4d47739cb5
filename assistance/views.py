"""Budget lines, assistance programmes and their rules, cycles with the eligibility preview,
entitlement runs (propose → approve → disburse), receipts, the ledger and finance reports.

Views stay thin: fetch through ``access.policy``, call ``assistance.services`` /
``assistance.selectors``, render. Names appear only where the finance officer pays (the payment
page, the receipt, the payment list), each through ``people.identity.reveal`` (audited).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from audit.models import Action
from audit.services import audit_record
from people.identity import reveal
from pulih.forms import add_service_errors

from . import bulk, exports, ledger, receipts, reports, rules, selectors, services
from .forms import (
    BudgetLineForm,
    ConditionForm,
    ConditionFormSet,
    CycleForm,
    DisburseForm,
    EntitlementFilterForm,
    PreviewFilterForm,
    ProgrammeForm,
    ReasonForm,
    ReportFilterForm,
    RuleForm,
    rule_initial,
)
from .models import (
    AssistanceProgramme,
    BudgetLine,
    Cycle,
    Entitlement,
    EntitlementRun,
    EntitlementStatus,
    LedgerEntry,
    RunStatus,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Fetching through the policy --------------------------------------------------------------


def _scope_cycles(user, qs):
    programmes = policy.scope_assistance_programmes(user, AssistanceProgramme.objects.all())
    return qs.filter(programme__in=programmes.values("pk"))


def _line(request, pk: int, *, manage: bool = False) -> BudgetLine:
    line = policy.get_for_user(
        request.user,
        BudgetLine.objects.select_related("owner_organisation", "owner_organisation__region"),
        policy.scope_budget_lines,
        pk=pk,
    )
    if manage and not policy.can_manage_budget_line(request.user, line):
        raise PermissionDenied
    return line


def _programme(request, pk: int, *, manage: bool = False) -> AssistanceProgramme:
    programme = policy.get_for_user(
        request.user,
        AssistanceProgramme.objects.select_related("budget_line", "budget_line__owner_organisation"),
        policy.scope_assistance_programmes,
        pk=pk,
    )
    if manage and not policy.can_manage_assistance_programme(request.user, programme):
        raise PermissionDenied
    return programme


def _cycle(request, pk: int) -> Cycle:
    return policy.get_for_user(
        request.user, Cycle.objects.select_related("programme", "programme__budget_line"), _scope_cycles, pk=pk
    )


def _run(request, pk: int) -> EntitlementRun:
    return policy.get_for_user(
        request.user,
        EntitlementRun.objects.select_related(
            "cycle", "programme", "budget_line", "proposed_by", "approved_by", "cancelled_by"
        ),
        policy.scope_entitlement_runs,
        pk=pk,
    )


def _entitlement(request, pk: int) -> Entitlement:
    return policy.get_for_user(
        request.user,
        Entitlement.objects.select_related(
            "person",
            "site",
            "run",
            "cycle",
            "programme",
            "budget_line",
            "budget_line__owner_organisation",
            "budget_line__owner_organisation__region",
            "disbursed_by",
            "ended_by",
        ),
        policy.scope_entitlements,
        pk=pk,
    )


def _message_errors(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- Overview, budget lines ---------------------------------------------------------------------


@require(Perm.BUDGET_VIEW)
@require_safe
def index(request):
    filters = ReportFilterForm(request.GET or None)
    year = filters.cleaned_data.get("fiscal_year") if filters.is_valid() else None
    lines = list(selectors.budget_lines(request.user, fiscal_year=year))
    figures = ledger.figures_for_lines(lines)
    programmes = selectors.programmes(request.user)
    if year:
        programmes = programmes.filter(budget_line__fiscal_year=year)
    context = {
        "filters": filters,
        "lines": [(line, figures[line.pk]) for line in lines],
        "programmes": programmes,
        "can_create_line": policy.has_perm(request.user, Perm.BUDGET_MANAGE),
        "can_create_programme": policy.has_perm(request.user, Perm.ASSISTANCE_MANAGE),
    }
    return render(request, "assistance/index.html", context)


@require(Perm.BUDGET_MANAGE)
@require_http_methods(["GET", "POST"])
def budget_create(request):
    form = BudgetLineForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            line = services.budget_line_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Mata anggaran %(code)s ditambahkan.") % {"code": line.code})
            return redirect("assistance:budget_detail", pk=line.pk)
    return render(request, "assistance/budget_form.html", {"form": form, "creating": True})


@require(Perm.BUDGET_MANAGE)
@require_http_methods(["GET", "POST"])
def budget_edit(request, pk: int):
    line = _line(request, pk, manage=True)
    form = BudgetLineForm(request.POST or None, actor=request.user, instance=line)
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_line_update(actor=request.user, budget_line=line, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("assistance:budget_detail", pk=line.pk)
    return render(request, "assistance/budget_form.html", {"form": form, "creating": False, "line": line})


@require(Perm.BUDGET_VIEW)
@require_safe
def budget_detail(request, pk: int):
    line = _line(request, pk)
    programmes = list(selectors.programmes(request.user, budget_line=line))
    by_programme = ledger.totals_by("programme", LedgerEntry.objects.filter(budget_line=line))
    context = {
        "line": line,
        "figures": ledger.line_figures(line),
        "programmes": [(p, by_programme.get(p.pk, ledger.Totals())) for p in programmes],
        "can_manage": policy.can_manage_budget_line(request.user, line),
        "can_see_entries": policy.has_perm(request.user, Perm.ASSISTANCE_VIEW),
    }
    return render(request, "assistance/budget_detail.html", context)


@require(Perm.ASSISTANCE_VIEW)
@require_safe
def budget_ledger(request, pk: int):
    line = _line(request, pk)
    entries = policy.scope_ledger_entries(
        request.user,
        LedgerEntry.objects.filter(budget_line=line).select_related("programme", "person", "actor", "entitlement"),
    ).order_by("-at", "-id")
    page = Paginator(entries, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/budget_ledger.html",
        {"line": line, "page_obj": page, "figures": ledger.line_figures(line)},
    )


# --- Programmes, rules, cycles -----------------------------------------------------------------


@require(Perm.ASSISTANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def programme_create(request):
    form = ProgrammeForm(request.POST or None, actor=request.user, initial={"budget_line": request.GET.get("line")})
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Program %(name)s ditambahkan. Tetapkan syarat penerimanya.") % {
                "name": programme.name
            })  # fmt: skip
            return redirect("assistance:programme_rules", pk=programme.pk)
    return render(request, "assistance/programme_form.html", {"form": form, "creating": True})


@require(Perm.ASSISTANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk: int):
    programme = _programme(request, pk, manage=True)
    form = ProgrammeForm(request.POST or None, actor=request.user, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(actor=request.user, programme=programme, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("assistance:programme_detail", pk=programme.pk)
    return render(request, "assistance/programme_form.html", {"form": form, "creating": False, "programme": programme})


@require(Perm.BUDGET_VIEW)
@require_safe
def programme_detail(request, pk: int):
    programme = _programme(request, pk)
    cycles = list(programme.cycles.all())
    runs_by_cycle: dict[int, list] = {}
    can_see_runs = policy.has_perm(request.user, Perm.ASSISTANCE_VIEW)
    if can_see_runs:
        for run in selectors.runs(request.user, programme=programme):
            runs_by_cycle.setdefault(run.cycle_id, []).append(run)
    context = {
        "programme": programme,
        "rule_lines": rules.describe_rule(programme.eligibility or {"op": "and", "conditions": []}),
        "rule_op": (programme.eligibility or {}).get("op", "and"),
        "totals": ledger.totals(LedgerEntry.objects.filter(programme=programme)),
        "cycles": [(cycle, runs_by_cycle.get(cycle.pk, [])) for cycle in cycles],
        "can_manage": policy.can_manage_assistance_programme(request.user, programme),
        "can_propose": policy.can_propose_entitlements(request.user, programme),
        "can_see_runs": can_see_runs,
    }
    return render(request, "assistance/programme_detail.html", context)


ROW_PREFIX = re.compile(r"^c-\d{1,2}$")


@require(Perm.ASSISTANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def programme_rules(request, pk: int):
    """Rows of field / operator / value and one way to combine them (AND / OR). Nested groups
    written elsewhere are kept as they are and shown below the rows."""
    programme = _programme(request, pk, manage=True)
    stored = programme.eligibility or {"op": "and", "conditions": []}
    nested = [c for c in stored.get("conditions", []) if "conditions" in c]
    group_initial, rows_initial = rule_initial(stored)
    form = RuleForm(request.POST or None, initial=group_initial)
    formset = ConditionFormSet(request.POST or None, initial=rows_initial, prefix="c")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        leaves = [leaf for leaf in (row.leaf() for row in formset) if leaf is not None]
        rule = {"op": form.cleaned_data["op"], "conditions": [*leaves, *nested]}
        try:
            services.programme_set_rule(actor=request.user, programme=programme, rule=rule, request=request)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Syarat penerima disimpan."))
            return redirect("assistance:programme_detail", pk=programme.pk)
    context = {
        "programme": programme,
        "form": form,
        "formset": formset,
        "nested_lines": [
            line for group in nested for line in rules.describe_rule({"op": "and", "conditions": [group]})
        ],
        "fields": [(spec.label, spec.help) for spec in rules.FIELDS.values() if spec.help],
    }
    return render(request, "assistance/rules_form.html", context)


@require(Perm.ASSISTANCE_MANAGE)
@require_safe
def rule_row(request):
    """One rule row re-rendered for its chosen field/operator (HTMX)."""
    prefix = request.GET.get("prefix", "c-0")
    if not ROW_PREFIX.match(prefix):
        raise Http404
    row = ConditionForm(request.GET, prefix=prefix)
    return render(request, "assistance/_rule_row.html", {"row": row})


@require(Perm.ASSISTANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def cycle_create(request, pk: int):
    programme = _programme(request, pk, manage=True)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(actor=request.user, programme=programme, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Siklus %(name)s dibuat.") % {"name": cycle.name})
            return redirect("assistance:cycle_preview", pk=cycle.pk)
    return render(request, "assistance/cycle_form.html", {"form": form, "programme": programme})


@require(Perm.ENTITLEMENT_PROPOSE)
@require_safe
def cycle_preview(request, pk: int):
    """Who would be proposed now, why (or why not) for each person, and the total against the
    remaining budget. Nothing is saved until "Usulkan"."""
    cycle = _cycle(request, pk)
    programme = cycle.programme
    filters = PreviewFilterForm(request.GET or None)
    show, case_code = "eligible", ""
    if filters.is_valid():
        show = filters.cleaned_data.get("show") or "eligible"
        case_code = filters.cleaned_data.get("q") or ""
    with bulk.no_jit():
        compiled = selectors.eligibility(cycle)
        preview = selectors.preview(cycle, compiled=compiled)
        rows = selectors.preview_rows(cycle, show=show, case_code=case_code, compiled=compiled)
        if case_code:
            paginator = Paginator(rows, settings.PAGE_SIZE)
        else:
            # The preview has counted every list already: no second pass over the population.
            paginator = selectors.CountedPaginator(rows, settings.PAGE_SIZE, count=preview.list_count(show))
        page = paginator.get_page(request.GET.get("page"))
        explained = selectors.explain(cycle, page.object_list)
    context = {
        "cycle": cycle,
        "programme": programme,
        "preview": preview,
        "filters": filters,
        "show": show,
        "page_obj": page,
        "explained": explained,
        "runs": selectors.runs(request.user).filter(cycle=cycle),
        "can_propose": policy.can_propose_entitlements(request.user, programme) and programme.is_active,
        "actual_cost": programme.per_person_amount is None,
    }
    return render(request, "assistance/cycle_preview.html", context)


# --- Runs ----------------------------------------------------------------------------------------


@require(Perm.ENTITLEMENT_PROPOSE)
@require_POST
def run_propose(request, pk: int):
    cycle = _cycle(request, pk)
    if not policy.can_propose_entitlements(request.user, cycle.programme):
        raise PermissionDenied
    try:
        run = services.run_propose(actor=request.user, cycle=cycle, request=request)
    except ValidationError as exc:
        _message_errors(request, exc)
        return redirect("assistance:cycle_preview", pk=cycle.pk)
    messages.success(
        request,
        _("%(n)d orang diusulkan, jumlah %(total)s. Menunggu persetujuan Kepala Dinas.")
        % {"n": run.people_count, "total": services.rp(run.total_amount)},
    )
    return redirect("assistance:run_detail", pk=run.pk)


@require(Perm.ASSISTANCE_VIEW)
@require_safe
def run_detail(request, pk: int):
    run = _run(request, pk)
    filters = EntitlementFilterForm(request.GET or None)
    status, case_code = "", ""
    if filters.is_valid():
        status, case_code = filters.cleaned_data.get("status") or "", filters.cleaned_data.get("q") or ""
    entitlements = selectors.run_entitlements(run, status=status, case_code=case_code)
    page = Paginator(entitlements, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.run_status_counts(run)
    user = request.user
    context = {
        "run": run,
        "filters": filters,
        "page_obj": page,
        "counts": [(EntitlementStatus(s).label, counts[s]) for s in EntitlementStatus.values if s in counts],
        "approved_count": counts.get(EntitlementStatus.APPROVED, {}).get("n", 0),
        "figures": ledger.line_figures(run.budget_line),
        "rule_lines": rules.describe_rule(run.rule_snapshot or {"op": "and", "conditions": []}),
        "may_approve": run.status == RunStatus.PROPOSED and policy.has_perm(user, Perm.ENTITLEMENT_APPROVE),
        "is_proposer": run.proposed_by_id == user.pk,
        "may_cancel": run.status != RunStatus.CANCELLED and policy.has_perm(user, Perm.ENTITLEMENT_PROPOSE),
        "may_disburse": policy.has_perm(user, Perm.DISBURSE),
        "cancel_form": ReasonForm(),
    }
    return render(request, "assistance/run_detail.html", context)


@require(Perm.ENTITLEMENT_APPROVE)
@require_POST
def run_approve(request, pk: int):
    run = _run(request, pk)
    try:
        run = services.run_approve(actor=request.user, run=run, request=request)
    except ValidationError as exc:
        _message_errors(request, exc)
    else:
        messages.success(request, _("Usulan disetujui. Dana dicadangkan pada mata anggaran; siap dibayarkan."))
    return redirect("assistance:run_detail", pk=run.pk)


@require(Perm.ENTITLEMENT_PROPOSE)
@require_POST
def run_cancel(request, pk: int):
    run = _run(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tuliskan alasan pembatalan."))
        return redirect("assistance:run_detail", pk=run.pk)
    try:
        services.run_cancel(actor=request.user, run=run, reason=form.cleaned_data["reason"], request=request)
    except ValidationError as exc:
        _message_errors(request, exc)
    else:
        messages.success(request, _("Yang belum dibayar dibatalkan; dana yang dicadangkan dikembalikan ke anggaran."))
    return redirect("assistance:run_detail", pk=run.pk)


@require(Perm.DISBURSE)
@require_http_methods(["GET", "POST"])
def run_disburse(request, pk: int):
    """Pay every approved entitlement of the run at once (one bank batch, or one cash day)."""
    run = _run(request, pk)
    approved = run.entitlements.filter(status=EntitlementStatus.APPROVED).select_related("person", "site")
    form = DisburseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            paid = services.entitlements_disburse(
                actor=request.user, entitlements=list(approved), request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(n)d pembayaran dicatat dengan nomor kuitansi.") % {"n": len(paid)})
            return redirect("assistance:run_detail", pk=run.pk)
    summary = approved.order_by().values_list("amount", flat=True)
    context = {
        "run": run,
        "form": form,
        "count": len(summary),
        "total": sum(summary),
        "page_obj": Paginator(approved.order_by("person__case_code"), settings.PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
    }
    return render(request, "assistance/run_disburse.html", context)


@require(Perm.DISBURSE)
@require_safe
def run_payment_list(request, pk: int):
    run = _run(request, pk)
    entitlements = (
        run.entitlements.filter(status__in=(EntitlementStatus.APPROVED, EntitlementStatus.DISBURSED))
        .select_related("person", "site")
        .order_by("person__case_code")
    )
    content = exports.payment_list_workbook(run, entitlements, user=request.user, request=request)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="daftar-bayar-{run.pk}.xlsx"'
    return response


# --- Entitlements ---------------------------------------------------------------------------------


@require(Perm.ASSISTANCE_VIEW)
@require_safe
def entitlement_detail(request, pk: int):
    entitlement = _entitlement(request, pk)
    user = request.user
    status = entitlement.status
    context = {
        "entitlement": entitlement,
        "entries": entitlement.ledger_entries.select_related("actor").order_by("at", "id"),
        "cancel_form": ReasonForm(),
        "reverse_form": ReasonForm(),
        "may_cancel": (status == EntitlementStatus.PROPOSED and policy.has_perm(user, Perm.ENTITLEMENT_PROPOSE))
        or (status == EntitlementStatus.APPROVED and policy.has_perm(user, Perm.ENTITLEMENT_APPROVE)),
        "may_disburse": status == EntitlementStatus.APPROVED and policy.can_disburse(user, entitlement),
        "may_reverse": status == EntitlementStatus.DISBURSED and policy.can_disburse(user, entitlement),
        "may_print": status in (EntitlementStatus.DISBURSED, EntitlementStatus.REVERSED)
        and policy.can_disburse(user, entitlement),
    }
    return render(request, "assistance/entitlement_detail.html", context)


@require(Perm.DISBURSE)
@require_http_methods(["GET", "POST"])
def entitlement_disburse(request, pk: int):
    entitlement = _entitlement(request, pk)
    if not policy.can_disburse(request.user, entitlement):
        raise PermissionDenied
    if entitlement.status != EntitlementStatus.APPROVED:
        messages.error(request, _("Hak ini berstatus %(s)s.") % {"s": entitlement.get_status_display().lower()})
        return redirect("assistance:entitlement_detail", pk=entitlement.pk)
    form = DisburseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entitlements_disburse(
                actor=request.user, entitlements=[entitlement], request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pembayaran dicatat. Cetak kuitansinya untuk ditandatangani penerima."))
            return redirect("assistance:entitlement_detail", pk=entitlement.pk)
    # The finance officer needs the name to pay the right person: revealed and audited.
    identity = reveal(entitlement.person, user=request.user, request=request, purpose="view")
    return render(
        request,
        "assistance/entitlement_disburse.html",
        {"entitlement": entitlement, "form": form, "identity": identity},
    )


@require(Perm.ENTITLEMENT_PROPOSE)
@require_POST
def entitlement_cancel(request, pk: int):
    entitlement = _entitlement(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tuliskan alasan pembatalan."))
    else:
        try:
            services.entitlement_cancel(
                actor=request.user, entitlement=entitlement, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            _message_errors(request, exc)
        else:
            messages.success(request, _("Hak dibatalkan."))
    return redirect("assistance:entitlement_detail", pk=entitlement.pk)


@require(Perm.DISBURSE)
@require_POST
def entitlement_reverse(request, pk: int):
    entitlement = _entitlement(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tuliskan alasan pembalikan pembayaran."))
    else:
        try:
            services.entitlement_reverse(
                actor=request.user, entitlement=entitlement, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            _message_errors(request, exc)
        else:
            messages.success(request, _("Pembayaran dibalik; jumlahnya kembali ke sisa anggaran."))
    return redirect("assistance:entitlement_detail", pk=entitlement.pk)


@require(Perm.DISBURSE)
@require_safe
def receipt(request, pk: int):
    entitlement = _entitlement(request, pk)
    if not policy.can_disburse(request.user, entitlement):
        raise PermissionDenied
    if entitlement.status not in (EntitlementStatus.DISBURSED, EntitlementStatus.REVERSED):
        messages.error(request, _("Kuitansi ada setelah pembayaran dicatat."))
        return redirect("assistance:entitlement_detail", pk=entitlement.pk)
    identity = reveal(entitlement.person, user=request.user, request=request, purpose="export")
    officer = entitlement.disbursed_by
    name = (officer.get_full_name() or officer.get_username()) if officer else ""
    content = receipts.receipt_pdf(entitlement, identity=identity, finance_officer_name=name)
    response = HttpResponse(content, content_type="application/pdf")
    filename = entitlement.receipt_number.replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="kuitansi-{filename}.pdf"'
    return response


# --- Finance report -----------------------------------------------------------------------------


@require(Perm.BUDGET_VIEW)
@require_safe
def report(request):
    filters = ReportFilterForm(request.GET or None)
    year, by = None, "budget_line"
    if filters.is_valid():
        year, by = filters.cleaned_data.get("fiscal_year"), filters.cleaned_data.get("by") or "budget_line"
    context = {
        "filters": filters,
        "report": reports.finance_report(request.user, by=by, fiscal_year=year),
        "year": year,
        "today": timezone.localdate(),
    }
    return render(request, "assistance/report.html", context)


@require(Perm.BUDGET_VIEW)
@require_safe
def report_export(request):
    filters = ReportFilterForm(request.GET or None)
    year = filters.cleaned_data.get("fiscal_year") if filters.is_valid() else None
    content = exports.report_workbook(request.user, fiscal_year=year)
    audit_record(
        Action.EXPORT, request=request, object_type="assistance.report", detail={"fiscal_year": year or "semua"}
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="laporan-bantuan-{year or "semua"}.xlsx"'
    return response
