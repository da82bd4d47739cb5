"""The census spreadsheet template and the XLSForm (KoboToolbox/ODK), both from ``COLUMNS``.

Field names of the XLSForm are the column keys and its choice names are values the importer
accepts, so a Kobo/ODK export (XLSX or CSV) imports as it is.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from people.safeguards import TRAFFICKING_INDICATORS

from .columns import COLUMNS
from .imports import CHOICE_COLUMNS, choice_options

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Typed as text, so Excel keeps the 16 digits of a NIK and the leading zero of a phone number.
_TEXT_COLUMNS = {"kode_kasus", "nik", "no_kk", "telepon", "tanggal_lahir"}
_BOLD = Font(bold=True)
_IDENTITY_FILL = PatternFill("solid", fgColor="FFF4E5")
_TEMPLATE_ROWS = 1000  # rows prepared with text format and drop-down lists


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(rows: Iterable[dict[str, str]] = ()) -> bytes:
    """The import template: sheet "Data" (headers only, or ``rows`` for tests and benchmarks)
    and sheet "Petunjuk" (what each column takes)."""
    with translation.override("id"):
        workbook = Workbook()
        data = workbook.active
        data.title = "Data"
        data.append([column.header for column in COLUMNS])
        for index, column in enumerate(COLUMNS, start=1):
            cell = data.cell(row=1, column=index)
            cell.font = _BOLD
            if column.identity:
                cell.fill = _IDENTITY_FILL
            letter = get_column_letter(index)
            data.column_dimensions[letter].width = max(14, len(column.header) + 4)
            if column.key in _TEXT_COLUMNS:
                for row in range(2, _TEMPLATE_ROWS + 2):
                    data.cell(row=row, column=index).number_format = "@"
            if column.key in ("jenis_kelamin", "setuju_berbagi"):
                options = ",".join(
                    label if column.key == "setuju_berbagi" else name for name, label in choice_options(column.key)
                )
                validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
                validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}")
                data.add_data_validation(validation)
        data.freeze_panes = "A2"
        # Written cell by cell: append() would start below the rows formatted above.
        for row_number, values in enumerate(rows, start=2):
            for index, column in enumerate(COLUMNS, start=1):
                data.cell(row=row_number, column=index, value=values.get(column.key, ""))
        _instructions(workbook.create_sheet("Petunjuk"))
        return _save(workbook)


def _instructions(sheet) -> None:
    sheet.append(["Petunjuk pengisian lembar Data"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        ["Satu baris untuk satu orang. Baris 1 adalah judul kolom: jangan diubah. Kolom berwarna berisi identitas."]
    )
    sheet.append([])
    sheet.append(["Kolom", "Wajib?", "Cara mengisi"])
    for cell in sheet[4]:
        cell.font = _BOLD
    for column in COLUMNS:
        sheet.append([column.header, "Ya" if column.required else "Tidak", str(column.help)])
    sheet.append([])
    sheet.append(["Nilai yang diterima"])
    sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    for column in COLUMNS:
        if column.key in CHOICE_COLUMNS:
            labels = [
                f"{name} ({label})" if column.key == "jenis_kelamin" else label
                for name, label in choice_options(column.key)
            ]
            sheet.append([column.header, "; ".join(labels)])
    sheet.append(["Tanggal lahir", "HH-BB-TTTT (17-08-1990), HH/BB/TTTT, TTTT-BB-HH, atau sel tanggal Excel"])
    sheet.append(["Kabupaten/kota asal", "Kode Kemendagri (53.71) atau nama lengkap (Kota Kupang, Kab. Kupang)"])
    sheet.append(["Jumlah anak tanggungan", "Angka bulat 0 sampai 30"])
    sheet.append([])
    sheet.append(["Kode indikator TPPO (tulis kodenya, pisahkan dengan koma)"])
    sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    for code, label in TRAFFICKING_INDICATORS:
        sheet.append([code, str(label)])
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 80
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


# --- XLSForm -------------------------------------------------------------------------------------

_TYPES = {
    "tanggal_lahir": "date",
    "jenis_kelamin": "select_one jenis_kelamin",
    "pendidikan": "select_one pendidikan",
    "status_perkawinan": "select_one status_perkawinan",
    "dasar_pemrosesan": "select_one dasar_pemrosesan",
    "setuju_berbagi": "select_one ya_tidak",
    "indikator_tppo": "select_multiple indikator_tppo",
    "jumlah_anak": "integer",
}
_CONSTRAINTS = {
    "nik": ("regex(., '^[0-9]{16}$')", "NIK harus 16 digit angka."),
    "no_kk": ("regex(., '^[0-9]{16}$')", "Nomor KK harus 16 digit angka."),
    "jumlah_anak": (". >= 0 and . <= 30", "Jumlah anak 0 sampai 30."),
    "tanggal_lahir": (". <= today()", "Tanggal lahir tidak boleh di masa depan."),
}
_APPEARANCE = {"telepon": "numbers", "nik": "numbers", "no_kk": "numbers", "indikator_tppo": "minimal"}


def xlsform_workbook() -> bytes:
    """An XLSForm (sheets survey, choices, settings) for KoboToolbox or ODK Collect."""
    with translation.override("id"):
        workbook = Workbook()
        survey = workbook.active
        survey.title = "survey"
        survey.append(["type", "name", "label", "hint", "required", "constraint", "constraint_message", "appearance"])
        # Collected by the device; the importer ignores them.
        survey.append(["start", "start", "", "", "", "", "", ""])
        survey.append(["end", "end", "", "", "", "", "", ""])
        for column in COLUMNS:
            constraint, message = _CONSTRAINTS.get(column.key, ("", ""))
            survey.append(
                [
                    _TYPES.get(column.key, "text"),
                    column.key,
                    column.header,
                    str(column.help),
                    "yes" if column.required else "",
                    constraint,
                    message,
                    _APPEARANCE.get(column.key, ""),
                ]
            )
        choices = workbook.create_sheet("choices")
        choices.append(["list_name", "name", "label"])
        lists = {
            "jenis_kelamin": "jenis_kelamin",
            "pendidikan": "pendidikan",
            "status_perkawinan": "status_perkawinan",
            "dasar_pemrosesan": "dasar_pemrosesan",
            "setuju_berbagi": "ya_tidak",
        }
        for key, list_name in lists.items():
            for name, label in choice_options(key):
                choices.append([list_name, name, label])
        for code, label in TRAFFICKING_INDICATORS:
            choices.append(["indikator_tppo", code, str(label)])
        settings = workbook.create_sheet("settings")
        settings.append(["form_title", "form_id", "version", "default_language"])
        settings.append(
            [
                "Pendataan penghuni — Pulih",
                "pulih_pendataan",
                timezone.localdate().strftime("%Y%m%d"),
                "Indonesian (id)",
            ]
        )
        for sheet in (survey, choices, settings):
            for cell in sheet[1]:
                cell.font = _BOLD
        return _save(workbook)
