"""The monthly report as XLSX (openpyxl) and PDF (fpdf2), drawn from its figures document
(``reports.monthly.build``) — so both files say the same, and say what was signed.

fpdf2's core Helvetica covers Latin-1, which Indonesian needs; anything outside it (a typographic
dash) is folded to its plain form first.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from lokal import format_rupiah
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class Signature:
    name: str
    position: str
    organisation: str
    at: str
    fingerprint: str


def _status_line(signature: Signature | None) -> str:
    if signature is None:
        return _("DRAF — belum ditandatangani Kepala Dinas Sosial.")
    return _("Ditandatangani oleh %(name)s, %(position)s, %(organisation)s, pada %(at)s. Sidik: %(fp)s") % {
        "name": signature.name,
        "position": signature.position,
        "organisation": signature.organisation,
        "at": signature.at,
        "fp": signature.fingerprint[:16],
    }


def _money(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str) and not value[:1].isdigit() and not value.startswith("-"):
        return value  # a withheld amount ("–")
    return format_rupiah(Decimal(value))


# --- XLSX -------------------------------------------------------------------------------------


def to_xlsx(figures: dict, *, signature: Signature | None = None) -> bytes:
    workbook = Workbook()
    bold = Font(bold=True)
    summary = workbook.active
    summary.title = "Ringkasan"
    summary.append([_("Laporan perkembangan bulanan")])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([_("Wilayah/program"), figures["scope_label"]])
    summary.append([_("Bulan"), figures["month_label"]])
    summary.append([_("Dibuat"), figures["generated_at"]])
    summary.append([_("Status"), _status_line(signature)])
    summary.append([])
    for note in figures["notes"]:
        summary.append([note])
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 60

    stages = workbook.create_sheet("Tahap kasus")
    stages.append([_("Lokalisasi"), *figures["stages"]["columns"], _("Jumlah")])
    for row in figures["stages"]["rows"]:
        stages.append([row["site"], *row["cells"], row["total"]])
    stages.append([_("Jumlah"), *figures["stages"]["totals"], figures["stages"]["grand"]])

    progress = workbook.create_sheet("Capaian")
    progress.append([_("Lokalisasi"), *figures["progress"]["columns"]])
    for row in figures["progress"]["rows"]:
        progress.append([row["site"], *_xlsx_cells(row["cells"])])
    progress.append([_("Jumlah"), *_xlsx_cells(figures["progress"]["totals"])])

    money = workbook.create_sheet("Anggaran")
    money.append(
        [_("Kode"), _("Uraian"), _("Tahun"), _("Pagu"), _("Komitmen"), _("Dibayarkan"), _("Sisa"), _("Serapan (%)")]
    )
    for line in figures["budget"]["rows"]:
        money.append(
            [
                line["code"],
                line["name"],
                line["fiscal_year"],
                Decimal(line["amount"]),
                Decimal(line["committed"]),
                Decimal(line["disbursed"]),
                Decimal(line["remaining"]),
                line["percent"],
            ]
        )
    total = figures["budget"]["total"]
    if total:
        money.append(
            [
                _("Jumlah"),
                "",
                "",
                Decimal(total["amount"]),
                Decimal(total["committed"]),
                Decimal(total["disbursed"]),
                Decimal(total["remaining"]),
                total["percent"],
            ]
        )

    for sheet in (stages, progress, money):
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.column_dimensions["A"].width = 30
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cells(cells: list) -> list:
    """Counts stay numbers (or "<5"/"×"); the trailing amount becomes a number unless withheld."""
    if not cells:
        return []
    *counts, amount = cells
    return [*counts, Decimal(amount) if isinstance(amount, str) and amount[:1].isdigit() else amount]


# --- PDF --------------------------------------------------------------------------------------

FOLD = str.maketrans({"—": "-", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "≤": "<="})


def latin1(text) -> str:
    text = str(text if text is not None else "").translate(FOLD)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ord(ch) < 256)


class _Report(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, latin1(f"{self.footer_text} - {self.page_no()}/{{nb}}"), align="C")


def _table(pdf: _Report, header: list[str], rows: list[list], widths: list[float], *, bold_last: bool = True) -> None:
    line_height = 4.2
    pdf.set_font("Helvetica", style="B", size=7)
    with pdf.table(
        col_widths=widths,
        line_height=line_height,
        text_align=["LEFT", *["RIGHT"] * (len(header) - 1)],
        first_row_as_headings=True,
        repeat_headings=1,
    ) as table:
        heading = table.row()
        for text in header:
            heading.cell(latin1(text))
        pdf.set_font("Helvetica", size=7)
        for i, values in enumerate(rows):
            last = bold_last and i == len(rows) - 1
            row = table.row()
            for value in values:
                if last:
                    pdf.set_font("Helvetica", style="B", size=7)
                row.cell(latin1(value))
            pdf.set_font("Helvetica", size=7)


def _count(value) -> str:
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def to_pdf(figures: dict, *, signature: Signature | None = None) -> bytes:
    pdf = _Report(orientation="L", unit="mm", format="A4")
    pdf.footer_text = f"Pulih - {figures['scope_label']} - {figures['month_label']}"
    pdf.set_title(latin1(f"Laporan perkembangan bulanan {figures['scope_label']} {figures['month_label']}"))
    pdf.set_author("Pulih")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 8, latin1(_("Laporan perkembangan bulanan")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, latin1(f"{figures['scope_label']} - {figures['month_label']}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(0, 4.5, latin1(_status_line(signature)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    usable = pdf.w - pdf.l_margin - pdf.r_margin
    stages = figures["stages"]
    header = [_("Lokalisasi"), *stages["columns"], _("Jumlah")]
    site_width = 55
    other = (usable - site_width) / (len(header) - 1)
    rows = [[row["site"], *map(_count, row["cells"]), _count(row["total"])] for row in stages["rows"]]
    rows.append([_("Jumlah"), *map(_count, stages["totals"]), _count(stages["grand"])])
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 6, latin1(_("Kasus menurut tahap")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, header, rows, [site_width] + [other] * (len(header) - 1))
    pdf.ln(3)

    progress = figures["progress"]
    header = [_("Lokalisasi"), *progress["columns"]]
    other_count = len(header) - 2  # the site, then counts, then the amount
    amount_width = 30
    other = (usable - site_width - amount_width) / max(other_count, 1)
    widths = [site_width] + [other] * other_count + [amount_width]

    def progress_row(label, cells):
        *counts, amount = cells
        return [label, *map(_count, counts), _money(amount)]

    rows = [progress_row(row["site"], row["cells"]) for row in progress["rows"]]
    rows.append(progress_row(_("Jumlah"), progress["totals"]))
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 6, latin1(_("Capaian per lokalisasi")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, header, rows, widths)
    pdf.ln(3)

    money = figures["budget"]
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 6, latin1(_("Serapan anggaran")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if money["rows"]:
        header = [_("Mata anggaran"), _("Pagu"), _("Komitmen"), _("Dibayarkan"), _("Sisa"), _("Serapan")]
        rows = [
            [
                f"{line['code']} {line['name']} ({line['fiscal_year']})",
                _money(line["amount"]),
                _money(line["committed"]),
                _money(line["disbursed"]),
                _money(line["remaining"]),
                f"{line['percent']}%",
            ]
            for line in money["rows"]
        ]
        total = money["total"]
        rows.append(
            [
                _("Jumlah"),
                _money(total["amount"]),
                _money(total["committed"]),
                _money(total["disbursed"]),
                _money(total["remaining"]),
                f"{total['percent']}%",
            ]
        )
        _table(pdf, header, rows, [usable - 5 * 36] + [36] * 5)
    else:
        pdf.set_font("Helvetica", size=8)
        text = _("Tidak ada mata anggaran untuk tahun ini.")
        pdf.cell(0, 5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("Helvetica", size=7)
    for note in figures["notes"]:
        pdf.multi_cell(0, 3.8, latin1(f"- {note}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
