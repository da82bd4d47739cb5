"""The receipt (kuitansi) of one payment, as PDF: amount in numerals in PUEBI's format
(``Rp5.050.000,00``) and in words (terbilang), what it pays for, the source of funds, and room
for the recipient's and the finance officer's signatures.

fpdf2's core Helvetica covers Latin-1, which is all Indonesian needs; anything outside it (a
typographic dash, an accent from another language) is folded to its plain form first.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from django.utils import translation
from django.utils.formats import date_format
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from lokal import format_rupiah, terbilang

from people.identity import Identity

from .models import Entitlement

FOLD = str.maketrans({"—": "-", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "×": "x"})


def latin1(text: str) -> str:
    """Text the core PDF fonts can draw: Latin-1 kept, the rest folded or dropped."""
    text = (text or "").translate(FOLD)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ord(ch) < 256)


def amount_in_words(amount: Decimal) -> str:
    """ "Lima juta lima puluh ribu rupiah" (sen, if any, in words too)."""
    rupiah = int(amount)
    sen = int((amount - rupiah) * 100)
    words = terbilang(rupiah, currency=True)
    if sen:
        words = f"{words} {terbilang(sen)} sen"
    return words[:1].upper() + words[1:]


def receipt_lines(entitlement: Entitlement) -> dict[str, str]:
    """What the receipt says, field by field (also used by the page that previews it)."""
    programme = entitlement.programme
    line = entitlement.budget_line
    with translation.override("id"):
        paid_on = date_format(entitlement.paid_on, "j F Y") if entitlement.paid_on else ""
        method = entitlement.get_method_display()
        source = line.get_source_display()
    details = [
        f"- {c['label']}: {format_rupiah(Decimal(c['amount']), decimals=True)}" for c in programme.components or []
    ]
    method_text = method + (f", ref. {entitlement.reference}" if entitlement.reference else "")
    return {
        "number": entitlement.receipt_number,
        "from": f"Bendahara {line.owner_organisation.name}",
        "amount": format_rupiah(entitlement.amount, decimals=True),
        "words": amount_in_words(entitlement.amount),
        "for": f"{programme.name} - {entitlement.cycle.name}",
        "details": "\n".join(details),
        "source": f"{source}, kode rekening {line.code}, TA {line.fiscal_year}",
        "method": method_text,
        "case_code": entitlement.person.case_code,
        "place_date": f"{line.owner_organisation.region.name}, {paid_on}",
    }


def receipt_pdf(entitlement: Entitlement, *, identity: Identity, finance_officer_name: str) -> bytes:
    """``identity`` comes from ``people.identity.reveal`` (audited) in the view."""
    text = {key: latin1(value) for key, value in receipt_lines(entitlement).items()}
    pdf = FPDF(orientation="landscape", unit="mm", format=(148, 210))  # A5
    pdf.set_title(latin1(f"Kuitansi {entitlement.receipt_number}"))
    pdf.set_author("Pulih")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.add_page()
    pdf.set_margins(14, 12, 14)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, "KUITANSI", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, f"No. {text['number']}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    label_width = 42

    def row(label: str, value: str, *, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(label_width, 6, label)
        pdf.cell(4, 6, ":")
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    row("Sudah terima dari", text["from"])
    row("Uang sejumlah", text["amount"], bold=True)
    row("Terbilang", text["words"], bold=True)
    row("Untuk pembayaran", text["for"])
    if text["details"]:
        for detail in text["details"].splitlines():
            pdf.set_x(pdf.l_margin + label_width + 4)
            pdf.multi_cell(0, 5, detail, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    row("Sumber dana", text["source"])
    row("Cara bayar", text["method"])
    row("Kode kasus", text["case_code"])
    pdf.ln(4)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.cell(half, 6, "")
    pdf.cell(half, 6, text["place_date"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(half, 6, "Yang menerima,", align="C")
    pdf.cell(half, 6, "Bendahara,", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(16)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(half, 6, latin1(identity.full_name) or "(.....................)", align="C")
    pdf.cell(half, 6, latin1(finance_officer_name) or "(.....................)", align="C")
    return bytes(pdf.output())
