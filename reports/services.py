"""Writing monthly reports: generate (or regenerate) a draft, sign it off, send it up.

A report is always stored protected for publication: it leaves the owning team. Every step is
audited. Once signed, nothing about it changes (``MonthlyReport.save`` refuses), except being
marked as sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record
from programmes.models import ClosureProgramme
from regions.models import Region

from . import exports, monthly
from .models import MonthlyReport, ReportStatus


def fingerprint(figures: dict) -> str:
    return hashlib.sha256(json.dumps(figures, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def signature_of(report: MonthlyReport) -> exports.Signature | None:
    if report.signed_by_id is None:
        return None
    signer = report.signed_by
    with translation.override("id"):
        at = date_format(timezone.localtime(report.signed_at), "j F Y H:i")
        position = str(signer.get_role_display())
    return exports.Signature(
        name=signer.get_full_name() or signer.username,
        position=position,
        organisation=signer.organisation.name if signer.organisation_id else "",
        at=at,
        fingerprint=report.fingerprint,
    )


def _render(report: MonthlyReport) -> None:
    signature = signature_of(report)
    report.xlsx = exports.to_xlsx(report.figures, signature=signature)
    report.pdf = exports.to_pdf(report.figures, signature=signature)


def generate(
    *,
    region: Region,
    month: dt.date,
    programme: ClosureProgramme | None = None,
    actor=None,
    request=None,
) -> MonthlyReport:
    """Make the month's draft for the region (or programme), or refresh an existing draft with
    today's records. ``actor`` None: the scheduled command. A signed report is left alone."""
    if programme is not None:
        region = programme.region
    if actor is not None and not policy.can_generate_report_for(actor, region.code):
        raise PermissionDenied
    figures = monthly.build(region=region, programme=programme, month=month, protect=True)
    with transaction.atomic():
        existing = (
            MonthlyReport.objects.select_for_update()
            .filter(month=month, **({"programme": programme} if programme else {"region": region, "programme": None}))
            .first()
        )
        if existing is not None and existing.is_locked:
            raise ValidationError({"month": [_("Laporan bulan ini sudah ditandatangani dan tidak dapat diubah lagi.")]})
        report = existing or MonthlyReport(region=region, programme=programme, month=month)
        report.figures = figures
        report.generated_at = timezone.now()
        report.generated_by = actor
        _render(report)
        report.save()
        audit_record(
            Action.UPDATE if existing else Action.CREATE,
            request=request,
            actor=actor,
            obj=report,
            detail={"month": figures["month"], "region": region.code, "programme": figures["programme"]},
        )
    return report


def sign(report: MonthlyReport, *, actor, request=None) -> MonthlyReport:
    """The head of Dinsos signs the draft off: the figures are fingerprinted and the files
    redrawn once with the signature. After this nothing changes."""
    if not policy.can_sign_report(actor, report):
        raise PermissionDenied
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.DRAFT:
            raise ValidationError(_("Laporan ini sudah ditandatangani."))
        report.status = ReportStatus.SIGNED
        report.signed_by = actor
        report.signed_at = timezone.now()
        report.fingerprint = fingerprint(report.figures)
        _render(report)
        report.save()
        detail = {"status": "signed", "sha256": report.fingerprint}
        audit_record(Action.UPDATE, request=request, actor=actor, obj=report, detail=detail)
    return report


def send(report: MonthlyReport, *, actor, request=None) -> MonthlyReport:
    """Mark a signed report as sent to the level above (it then appears in their list)."""
    if not policy.can_sign_report(actor, report):
        raise PermissionDenied
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.SIGNED:
            raise ValidationError(
                _("Hanya laporan yang sudah ditandatangani yang dapat dikirim.")
                if report.status == ReportStatus.DRAFT
                else _("Laporan ini sudah dikirim.")
            )
        report.status = ReportStatus.SENT
        report.sent_by = actor
        report.sent_at = timezone.now()
        report.save(update_fields=["status", "sent_by", "sent_at"])
        audit_record(Action.UPDATE, request=request, actor=actor, obj=report, detail={"status": "sent"})
    return report
