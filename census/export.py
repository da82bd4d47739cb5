"""A census round as a spreadsheet, laid out like the import template (``census.columns``) so an
exported identity file imports back unchanged.

Two variants: without identity (case code and the non-identifying columns, plus the origin class)
for anyone who may see the round, and with identity for the roles allowed to export it. Every
identity in the file is revealed through ``people.identity.reveal``, which checks the policy and
writes one audit event per person: that is the record of who took whose identity home.
"""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from access import policy
from access.policy import Perm
from audit.models import Action
from audit.services import audit_record
from people.identity import Identity, reveal
from people.models import OriginClass, Person
from people.services import PersonAttributes

from .columns import COLUMNS, Column, non_identity_columns
from .imports import person_row
from .models import CensusRound
from .selectors import people_with_origin

# Derived from the origin for reading, not an import column: the importer must ignore this header.
ORIGIN_CLASS_HEADER = "Kelas asal"
# Typed as text, as in the template: Excel keeps a NIK's 16 digits and a phone's leading zero.
TEXT_COLUMNS = {"kode_kasus", "nik", "no_kk", "telepon", "tanggal_lahir"}


def person_attributes(person: Person) -> PersonAttributes:
    return PersonAttributes(
        sex=person.sex,
        birth_year=person.birth_year,
        origin_province=person.origin_province_id,
        origin_regency=person.origin_regency_id,
        education=person.education,
        marital_status=person.marital_status,
        dependent_children=person.dependent_children,
        legal_basis=person.legal_basis,
        share_consent=person.share_consent,
        trafficking_indicators=list(person.trafficking_indicators),
    )


def row_values(person: Person, identity: Identity | None, columns: list[Column]) -> list:
    """The person's cells for ``columns``, written by the importer's own inverse (``person_row``),
    so every value is in the form the import reads back."""
    cells: dict = person_row(identity or Identity(), person_attributes(person), case_code=person.case_code)
    if person.dependent_children is not None:
        # A number cell, so the spreadsheet can sum it; the importer reads numbers too.
        cells["jumlah_anak"] = person.dependent_children
    return [cells[column.key] for column in columns]


def export_filename(census_round: CensusRound) -> str:
    """``pendataan-KD-2018-10-01.xlsx``: site code and date, never anything about a person."""
    return f"pendataan-{census_round.site.short_code}-{census_round.held_on:%Y-%m-%d}.xlsx"


def _cell(sheet, value, *, bold: bool = False, text: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # Text typed into a form is data, never a formula for the spreadsheet program to run.
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    if text:
        cell.number_format = "@"
    return cell


def export_round(
    census_round: CensusRound, *, user, request=None, with_identity: bool = False, out=None
) -> bytes | None:
    """Write the round's people (by case code) as XLSX to ``out``, or return the bytes.

    Raises PermissionDenied when the user may not see the round, or asks for identities
    without the right to export them."""
    if not policy.has_perm(user, Perm.CENSUS_VIEW) or not policy.in_region_scope(user, census_round.site.region_id):
        raise PermissionDenied
    if with_identity and not policy.can_export_identity(user):
        raise PermissionDenied

    columns: list[Column] = list(COLUMNS) if with_identity else non_identity_columns()
    people = people_with_origin(
        Person.objects.filter(census_entries__round=census_round).order_by("case_code"), census_round
    )
    origin_labels = dict(OriginClass.choices)

    workbook = Workbook(write_only=True)
    # Laid out like the template's "Data" sheet: headers in row 1, one person per row below.
    sheet = workbook.create_sheet("Data")
    headers = [column.header for column in columns] + ([] if with_identity else [ORIGIN_CLASS_HEADER])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(header) + 4)
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, header, bold=True) for header in headers])
    text_positions = {index for index, column in enumerate(columns) if column.key in TEXT_COLUMNS}

    rows = 0
    for person in people:
        identity = None
        if with_identity:
            try:
                identity = reveal(person, user=user, request=request, purpose="export")
            except PermissionDenied:
                # Registered outside the user's region (reveal has audited the refusal): the row
                # keeps its case code so the file still counts the person.
                identity = Identity()
        values = row_values(person, identity, columns)
        if not with_identity:
            values.append(str(origin_labels.get(person.origin_class, "")))
        sheet.append([_cell(sheet, value, text=index in text_positions) for index, value in enumerate(values)])
        rows += 1

    if not with_identity:
        audit_record(
            Action.EXPORT,
            request=request,
            actor=user,
            obj=census_round,
            detail={"rows": rows, "identity": False},
        )

    target = out if out is not None else io.BytesIO()
    workbook.save(target)
    return None if out is not None else target.getvalue()
