"""Spreadsheets for finance: the report (no person data: every breakdown on its own sheet) and a
run's payment list (daftar nominatif) with the names the finance officer needs to pay — each name
revealed through ``people.identity.reveal`` (policy check + one audit event per person)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from people.identity import reveal

from .forms import REPORT_GROUPS
from .models import EntitlementRun
from .reports import finance_report

MONEY_FORMAT = '"Rp"#,##0.00'
SMALL_CELL = "<5"


def _header(sheet, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _money_cells(sheet, columns: list[int]) -> None:
    for row in sheet.iter_rows(min_row=2):
        for index in columns:
            if isinstance(row[index].value, int | float):
                row[index].number_format = MONEY_FORMAT


def report_workbook(user, *, fiscal_year: int | None = None) -> bytes:
    """One sheet per breakdown (budget line, programme, site, province of origin)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for by, title in REPORT_GROUPS:
        report = finance_report(user, by=by, fiscal_year=fiscal_year)
        sheet = workbook.create_sheet(str(title)[:31])
        titles = [str(title), _("Komitmen (belum dibayar)"), _("Dibayarkan"), _("Orang dibayar"), _("Orang menunggu")]
        if by == "budget_line":
            titles += [_("Pagu"), _("Sisa")]
        _header(sheet, titles)
        for row in [*report.rows, report.total]:
            values = [
                row.label,
                _number(row.committed),
                _number(row.disbursed),
                _count(row.paid_people),
                _count(row.waiting_people),
            ]
            if by == "budget_line":
                values += [_number(row.amount), _number(row.remaining)]
            sheet.append(values)
        _money_cells(sheet, [1, 2, 5, 6] if by == "budget_line" else [1, 2])
        sheet.column_dimensions["A"].width = 48
    if fiscal_year:
        workbook.properties.title = _("Laporan bantuan TA %(year)d") % {"year": fiscal_year}
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _number(value):
    return float(value) if value is not None else SMALL_CELL


def _count(value):
    return value if value is not None else SMALL_CELL


def payment_list_workbook(run: EntitlementRun, entitlements, *, user, request=None) -> bytes:
    """The run's payment list with names. Every name is an audited identity export."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Daftar bayar")
    sheet.append([str(run.programme), str(run.cycle.name)])
    _header(
        sheet,
        [
            _("No."),
            _("Kode kasus"),
            _("Nama"),
            _("Lokalisasi"),
            _("Jumlah"),
            _("Status"),
            _("No. kuitansi"),
            _("Tanggal bayar"),
            _("Tanda tangan"),
        ],
    )
    for number, entitlement in enumerate(entitlements, start=1):
        identity = reveal(entitlement.person, user=user, request=request, purpose="export")
        sheet.append(
            [
                number,
                entitlement.person.case_code,
                identity.full_name,
                entitlement.site.name,
                float(entitlement.amount),
                entitlement.get_status_display(),
                entitlement.receipt_number,
                entitlement.paid_on,
                "",
            ]
        )
    for row in sheet.iter_rows(min_row=3):
        row[4].number_format = MONEY_FORMAT
        if row[7].value is not None:
            row[7].number_format = "DD/MM/YYYY"
    sheet.column_dimensions["C"].width = 32
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
