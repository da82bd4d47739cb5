"""Turning raw values into comparable keys: names, dates, NIK, phone numbers, regions.

Names go through ``people.names`` (old/new spelling, doubled letters, honorifics,
abbreviations); on top of that a coarse *phonetic* key per token lets blocking meet tokens
that differ by a vowel or a typo-prone consonant ("Rahmawaty"/"Rachmawati", "Fatimah"/
"Patimah"). Nothing here needs Django.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from people.names import HONORIFICS, canonical_token, fold_ascii, given_name_tokens

_DIGITS = re.compile(r"\D+")

# Consonant classes that Indonesian spellings swap: f/p/v, z/s/j (Arabic-origin names),
# q/k, x/ks; after canonical_token has already folded old spelling.
_PHONETIC = [
    ("kh", "h"),  # inner "ch"/"kh" is an h in Rachmat/Rahmat, Achmad/Ahmad (initial Kh- is kept as k below)
    ("sy", "s"),
    ("ny", "n"),
    ("ng", "n"),
    ("ph", "p"),
    ("th", "t"),
    ("dh", "d"),
    ("q", "k"),
    ("x", "ks"),
    ("z", "s"),
    ("v", "p"),
    ("f", "p"),
]
_VOWELS = re.compile(r"[aeiouy]")
_REPEAT = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=200_000)
def phonetic(token: str) -> str:
    """Coarse sound key of a canonical token: first letter kept, inner vowels and h dropped.
    "rahmawati" → "rmwt", "rahmawaty" → "rmwt", "patimah" = "fatimah" → "ptm"."""
    if not token:
        return ""
    t = "k" + token[2:] if token.startswith("kh") else token
    for old, new in _PHONETIC:
        t = t.replace(old, new)
    head, tail = t[0], t[1:]
    if head in "aeiou":
        head = "a"  # "Erna"/"Irna": initial vowels vary in spelling
    tail = _VOWELS.sub("", tail).replace("h", "")
    return _REPEAT.sub(r"\1", head + tail)


@functools.lru_cache(maxsize=500_000)
def name_parts(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(own name tokens, patronymic tokens) in canonical form, cached: names repeat a lot."""
    own, patronymic = given_name_tokens(name or "")
    return tuple(own), tuple(patronymic)


def alias_tokens(aliases) -> tuple[str, ...]:
    """Canonical tokens of every alias, without repeats, in order."""
    seen: dict[str, None] = {}
    for alias in aliases or ():
        for token in name_parts(alias)[0]:
            seen.setdefault(token, None)
    return tuple(seen)


# --- Dates -------------------------------------------------------------------------------

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), "dmy"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{2})(\d{2})(\d{4})$"), "dmy"),
)


def parse_date(value) -> tuple[int, int, int]:
    """(year, month, day) with 0 for what is unknown. Accepts dates, ISO strings, dd/mm/yyyy,
    yyyymmdd; a lone year gives (year, 0, 0). Impossible days are kept as written: a typed
    31 June still says something about the person."""
    if value is None or value == "":
        return (0, 0, 0)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        # Fast path for ISO dates, the common case.
        y, m, d = value[:4], value[5:7], value[8:]
        if y.isdigit() and m.isdigit() and d.isdigit() and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
            return (int(y), int(m), int(d))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return (value.year, value.month, value.day)
    text = str(value).strip()
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            y, m, d = (a, b, c) if order == "ymd" else (c, b, a)
            if not (1 <= m <= 12 and 1 <= d <= 31) or y < 1000:
                return (y if y >= 1000 else 0, 0, 0)
            return (y, m, d)
    if re.fullmatch(r"\d{4}", text):
        return (int(text), 0, 0)
    return (0, 0, 0)


def nik_digits(value) -> str:
    """The digits of an identity number; "" when there are none."""
    if not value:
        return ""
    if isinstance(value, str) and value.isdigit():
        return value
    return _DIGITS.sub("", str(value))


def nik_birth_date(nik: str, *, reference_year: int) -> tuple[int, int, int]:
    """Birth date encoded in a 16-digit NIK (DDMMYY at positions 7–12, day + 40 for women);
    the century is the one that puts the year at or before ``reference_year``."""
    if len(nik) != 16:
        return (0, 0, 0)
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return (0, 0, 0)
    year = 2000 + yy
    if year > reference_year:
        year -= 100
    return (year, month, day)


def nik_region(nik: str) -> str:
    """Kabupaten/kota code ("35.06") of a 16-digit NIK."""
    if len(nik) != 16 or nik[:2] == "00":
        return ""
    return f"{nik[:2]}.{nik[2:4]}"


def normalise_phone(value) -> str:
    """Digits in the 62… form for Indonesian numbers (0812… and +62812… meet)."""
    digits = nik_digits(value)
    if not digits:
        return ""
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8") and 9 <= len(digits) <= 12:
        digits = "62" + digits
    return digits if len(digits) >= 6 else ""


def normalise_region(value) -> str:
    """Region codes as Kemendagri writes them: "3506" → "35.06", "35.06.12" kept."""
    text = str(value or "").strip()
    if not text:
        return ""
    if re.fullmatch(r"\d{4}", text):
        return f"{text[:2]}.{text[2:]}"
    return text.lower()


def normalise_text(value) -> str:
    """Generic field: lower case, ASCII, single spaces, honorific-free."""
    text = fold_ascii(str(value or "")).lower()
    text = re.sub(r"[^a-z0-9\s]", " ", text)
    return " ".join(t for t in text.split() if t not in HONORIFICS)


__all__ = [
    "alias_tokens",
    "canonical_token",
    "name_parts",
    "nik_birth_date",
    "nik_digits",
    "nik_region",
    "normalise_phone",
    "normalise_region",
    "normalise_text",
    "parse_date",
    "phonetic",
]
