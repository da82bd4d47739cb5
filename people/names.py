"""Normalising Indonesian personal names so spelling variants meet.

Used for the name blind index (search without a plain name in the database) and the
duplicate check; the matching engine builds on the same functions.

The canonical form is a *key*, not a name to display: "Djoeleha" and "Juleha" both become
"yuleha". It folds old spelling (Ejaan Van Ophuijsen / Soewandi: oe→u, dj→j, tj→c, j→y,
ch→kh, sj→sy, nj→ny), doubled letters, a final y after a consonant (Sry/Sri), accents,
punctuation and titles/honorifics.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Titles, honorifics and kinship forms of address that are not part of the name.
HONORIFICS = frozenset(
    """
    ibu bu bunda mama mami mamah mak mbak mba mbok teh teteh kak kakak cik nona nn nyonya ny nyai sdri sdr saudari
    saudara tante bapak pak bpk tuan tn hj haji hajjah h dr dra drs ir prof amd spd se sh sos skm amkeb
    almarhumah alm almh
    """.split()
)

# Common abbreviations, applied to canonical tokens (after the spelling rules).
ABBREVIATIONS = {
    "st": "siti",
    "sty": "siti",
    "moh": "muhamad",
    "muh": "muhamad",
    "mohd": "muhamad",
    "mhd": "muhamad",
    "mohamad": "muhamad",
    "mukhamad": "muhamad",
    "mokhamad": "muhamad",
    "mokh": "muhamad",
    "muhd": "muhamad",
    "akhmad": "ahmad",
    "abd": "abdul",
    "nurul": "nurul",
}

# "binti"/"bin" (daughter/son of) introduce the father's name: part of how a person is
# written down, not of the person's own name, so the matching engine compares it apart.
PATRONYMIC_MARKERS = frozenset({"binti", "bin", "bt", "bte"})

# Old → new spelling, longest first so "dj" is handled before "j".
_SPELLING = [("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"), ("j", "y")]
_NON_LETTER = re.compile(r"[^a-z\s]")
_DOUBLED = re.compile(r"(.)\1+")
_FINAL_Y = re.compile(r"(?<=[^aeiou])y$")
_WS = re.compile(r"\s+")


def fold_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=100_000)  # a pure function over a small vocabulary: matching calls it millions of times
def canonical_token(token: str) -> str:
    t = token
    for old, new in _SPELLING:
        t = t.replace(old, new)
    t = _DOUBLED.sub(r"\1", t)
    t = _FINAL_Y.sub("i", t)
    return ABBREVIATIONS.get(t, t)


def name_tokens(name: str) -> list[str]:
    """Canonical tokens of a name, in order, without honorifics: "Ny. Sri Rahayoe" → ["sri", "rahayu"]."""
    text = fold_ascii(name or "").lower().replace("'", "").replace("`", "")
    text = _NON_LETTER.sub(" ", text)
    tokens = []
    for raw in _WS.split(text.strip()):
        # Single letters are initials ("Sri R."): too weak to index or to match on.
        if len(raw) < 2 or raw in HONORIFICS:
            continue
        tokens.append(canonical_token(raw))
    return [t for t in tokens if len(t) >= 2]


def given_name_tokens(name: str) -> tuple[list[str], list[str]]:
    """The person's own name tokens and the patronymic after "binti"/"bin":
    "Siti Aminah binti Ahmad" → (["siti", "aminah"], ["ahmad"])."""
    tokens = name_tokens(name)
    for i, token in enumerate(tokens):
        if token in PATRONYMIC_MARKERS and i > 0:
            return tokens[:i], tokens[i + 1 :]
    return tokens, []


def canonical_name(name: str) -> str:
    """Order-independent key of a full name ("Rahayu Sri" = "Sri Rahayu")."""
    return " ".join(sorted(name_tokens(name)))
