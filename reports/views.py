"""Dashboards, origin flows and monthly reports.

Views stay thin: filters from ``reports.forms``, figures from ``reports.selectors`` and
``reports.monthly``, writes through ``reports.services``. Nothing here shows a person: figures are
counts, and counts of 1–4 are suppressed for everyone outside the owning team.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from access import policy
from access.policy import Perm, require
from audit.models import Action
from audit.services import audit_record
from regions.models import Region

from . import exports, monthly, selectors, services
from .disclosure import NOTE
from .forms import DashboardFilterForm, MonthlyReportForm
from .models import MonthlyReport, ReportStatus


def _common(request, form, *, filters) -> dict:
    return {
        "form": form,
        "filters": filters,
        "disclosure_note": NOTE,
        "can_sign": policy.has_perm(request.user, Perm.REPORTS_SIGN),
        "can_open_budget": policy.has_perm(request.user, Perm.BUDGET_VIEW),
    }


@require(Perm.DASHBOARD_VIEW)
@require_safe
def dashboard(request):
    form = DashboardFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    data = selectors.dashboard(request.user, filters, today=timezone.localdate())
    context = _common(request, form, filters=filters) | {"data": data, "charts": data.charts()}
    return render(request, "reports/dashboard.html", context)


@require(Perm.DASHBOARD_VIEW)
@require_safe
def origins(request):
    form = DashboardFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    data = selectors.origins(request.user, filters)
    context = _common(request, form, filters=filters) | {"data": data, "charts": data.charts()}
    return render(request, "reports/origins.html", context)


def _monthly_scope(request, form) -> tuple[Region | None, object]:
    """The region and programme of the report asked for: the chosen ones, else the user's own
    region (None for a national user: the whole country)."""
    programme = form.cleaned_data.get("programme")
    region = form.cleaned_data.get("region")
    if programme is not None:
        region = programme.region
    elif region is None and request.user.region_id:
        region = Region.objects.get(code=request.user.region_id)
    return region, programme


@require(Perm.DASHBOARD_VIEW)
@require_safe
def monthly_report(request):
    """The month's report on demand: a preview page, or ``format=xlsx|pdf`` to download it."""
    form = MonthlyReportForm(request.GET or None, user=request.user)
    context = {"form": form, "figures": None, "can_sign": policy.has_perm(request.user, Perm.REPORTS_SIGN)}
    if not form.is_valid():
        return render(request, "reports/monthly.html", context)
    region, programme = _monthly_scope(request, form)
    protect = form.protect()
    figures = monthly.build(region=region, programme=programme, month=form.cleaned_data["month"], protect=protect)
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "pdf"):
        audit_record(
            Action.EXPORT,
            request=request,
            object_type="reports.monthly",
            object_label=f"{figures['scope_label']} {figures['month']}"[:200],
            detail={"month": figures["month"], "region": figures["region"], "format": fmt, "publication": protect},
        )
        return _download(figures, fmt, f"laporan-bulanan-{figures['region'] or 'nasional'}-{figures['month']}")
    context |= {
        "figures": figures,
        "query": request.GET.urlencode(),
        "can_store": region is not None and policy.can_generate_report_for(request.user, region.code),
        "region": region,
        "programme": programme,
    }
    return render(request, "reports/monthly.html", context)


def _download(figures: dict, fmt: str, name: str, *, content: bytes | None = None, signature=None) -> HttpResponse:
    if fmt == "xlsx":
        body = content if content is not None else exports.to_xlsx(figures, signature=signature)
        response = HttpResponse(body, content_type=exports.XLSX_CONTENT_TYPE)
    else:
        body = content if content is not None else exports.to_pdf(figures, signature=signature)
        response = HttpResponse(body, content_type=exports.PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require(Perm.REPORTS_SIGN)
@require_POST
def generate(request):
    """Store the month's draft (always protected for publication) for signing."""
    form = MonthlyReportForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Periksa bulan dan wilayah laporan."))
        return redirect("reports:monthly")
    region, programme = _monthly_scope(request, form)
    if region is None:
        raise PermissionDenied
    try:
        report = services.generate(
            region=region, programme=programme, month=form.cleaned_data["month"], actor=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:report_list")
    messages.success(request, _("Draf laporan disimpan. Periksa, lalu tandatangani sebelum dikirim."))
    return redirect("reports:report_detail", pk=report.pk)


def _report(request, pk: int) -> MonthlyReport:
    qs = MonthlyReport.objects.select_related("region", "programme", "signed_by", "sent_by", "generated_by")
    return policy.get_for_user(request.user, qs, policy.scope_monthly_reports, pk=pk)


@require(Perm.DASHBOARD_VIEW)
@require_safe
def report_list(request):
    reports = policy.scope_monthly_reports(
        request.user, MonthlyReport.objects.select_related("region", "programme").defer("xlsx", "pdf")
    ).order_by("-month", "scope_region_code", "pk")
    return render(
        request,
        "reports/report_list.html",
        {"reports": reports[:200], "can_sign": policy.has_perm(request.user, Perm.REPORTS_SIGN)},
    )


@require(Perm.DASHBOARD_VIEW)
@require_safe
def report_detail(request, pk: int):
    report = _report(request, pk)
    can_sign = policy.can_sign_report(request.user, report)
    context = {
        "report": report,
        "figures": report.figures,
        "can_sign": can_sign and report.status == ReportStatus.DRAFT,
        "can_send": can_sign and report.status == ReportStatus.SIGNED,
        "can_regenerate": can_sign and report.status == ReportStatus.DRAFT,
    }
    return render(request, "reports/report_detail.html", context)


@require(Perm.DASHBOARD_VIEW)
@require_safe
def report_file(request, pk: int, fmt: str):
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    report = _report(request, pk)
    audit_record(Action.EXPORT, request=request, obj=report, detail={"format": fmt, "status": report.status})
    name = f"laporan-bulanan-{report.region_id}-{report.month:%Y-%m}"
    return _download(report.figures, fmt, name, content=bytes(report.xlsx if fmt == "xlsx" else report.pdf))


@require(Perm.REPORTS_SIGN)
@require_POST
def sign(request, pk: int):
    report = _report(request, pk)
    try:
        services.sign(report, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Laporan ditandatangani. Laporan ini tidak dapat diubah lagi."))
    return redirect("reports:report_detail", pk=report.pk)


@require(Perm.REPORTS_SIGN)
@require_POST
def send(request, pk: int):
    report = _report(request, pk)
    try:
        services.send(report, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Laporan ditandai terkirim ke tingkat di atas."))
    return redirect("reports:report_detail", pk=report.pk)
