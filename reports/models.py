"""Monthly progress reports for the level above (Dinsos → province → Kemensos).

A report's figures are computed once, already protected for publication (``reports.disclosure``),
and kept with the XLSX and PDF made from them. The head of Dinsos signs a draft off; a signed
report never changes again (``save`` refuses), it can only be marked as sent up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SIGNED = "signed", _("Ditandatangani")
    SENT = "sent", _("Terkirim")


class MonthlyReport(models.Model):
    # The report covers a region (a kabupaten/kota for a Dinsos) or one closure programme in it.
    region = models.ForeignKey(
        "regions.Region", to_field="code", on_delete=models.PROTECT, related_name="+", verbose_name=_("wilayah")
    )
    programme = models.ForeignKey(
        "programmes.ClosureProgramme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monthly_reports",
        verbose_name=_("program"),
    )
    # The first day of the month reported on.
    month = models.DateField(_("bulan"))
    status = models.CharField(
        _("status"), max_length=6, choices=ReportStatus.choices, default=ReportStatus.DRAFT, db_index=True
    )
    # The protected figures (JSON) the files were made from: what the page shows and what was signed.
    figures = models.JSONField(default=dict)
    xlsx = models.BinaryField(editable=False)
    pdf = models.BinaryField(editable=False)
    # SHA-256 of the figures, fixed when signed: shown on the page and printed in the PDF.
    fingerprint = models.CharField(max_length=64, blank=True)
    generated_at = models.DateTimeField(_("dibuat"))
    # None when made by the scheduled command.
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("ditandatangani"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("dikirim"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The region code: who sees the report (access.policy.scope_monthly_reports).
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)

    class Meta:
        ordering = ["-month", "scope_region_code", "id"]
        verbose_name = _("laporan bulanan")
        verbose_name_plural = _("laporan bulanan")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "month"],
                condition=models.Q(programme__isnull=True),
                name="monthly_report_region_month",
            ),
            models.UniqueConstraint(
                fields=["programme", "month"],
                condition=models.Q(programme__isnull=False),
                name="monthly_report_programme_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} {self.month:%Y-%m}"

    def save(self, *args, **kwargs):
        self.scope_region_code = self.region_id or ""
        if self.pk is not None:
            stored = MonthlyReport.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored in (ReportStatus.SIGNED, ReportStatus.SENT):
                # Signed means final: only the step to "sent" may still be recorded.
                allowed = {"status", "sent_at", "sent_by"}
                fields = set(kwargs.get("update_fields") or ())
                if not fields or not fields <= allowed or self.status != ReportStatus.SENT:
                    raise ValueError("A signed monthly report cannot change.")
        super().save(*args, **kwargs)

    @property
    def scope_label(self) -> str:
        return self.figures.get("scope_label") or self.region_id

    def audit_label(self) -> str:
        return str(self)[:200]

    @property
    def is_locked(self) -> bool:
        return self.status != ReportStatus.DRAFT
