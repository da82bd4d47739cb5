"""Field comparisons: each pair of records gets one *agreement level* per field.

Levels are small integers (higher = closer agreement, -1 = one side is missing the value, which
then counts neither for nor against). Each comparison also gives, where it applies, the
probability that two random records agree on *this particular value* (term frequency): sharing
a rare name says more than sharing "Sri".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import Table
from .jaro import TokenSimilarity

# Term frequencies are shrunk towards a typical frequency with a few hundred pseudo-records, and
# the pair's own two records are not counted: in a site of 150 residents a name seen twice is
# usually this very duplicate, not a common name.
TF_PSEUDO = 300
TF_TOKEN_PRIOR = 0.01
TF_KEY_PRIOR = 0.0005
TF_DOB_PRIOR = 1 / 13000
TF_EXTRA_PRIOR = 0.01


def smoothed(count: np.ndarray, n: int, prior: float, own: int = 2) -> np.ndarray:
    """Share of *other* records holding a value, shrunk towards ``prior``."""
    return (np.maximum(count - own, 0) + TF_PSEUDO * prior) / (max(n - own, 0) + TF_PSEUDO)


TOKEN_MATCH = 0.88  # Jaro–Winkler at or above which two canonical tokens count as the same token
WEAK_MATCH = 0.75


@dataclass(frozen=True)
class Comparison:
    name: str
    labels: tuple[str, ...]  # one per level 0..k, Bahasa Indonesia, shown to reviewers
    m_prior: tuple[float, ...]  # initial m values (EM starts here; small data stays near them)
    u_prior: tuple[float, ...]  # initial u values: a site of 150 residents has too few random pairs
    kind: str  # "name", "dob", "nik", "region", "phone", "extra"
    field: int = -1  # index of the extra field

    @property
    def n_levels(self) -> int:
        return len(self.labels)


NAME = Comparison(
    "name",
    (
        "nama berbeda",
        "nama agak mirip",
        "cocok lewat alias/panggilan",
        "sebagian nama sama",
        "nama satu kata ada di nama lain",
        "semua token nama cocok (ejaan/urutan berbeda)",
        "nama sama",
    ),
    (0.02, 0.02, 0.05, 0.06, 0.05, 0.2, 0.6),
    (0.87, 0.09, 0.005, 0.026, 0.006, 0.0002, 0.0005),
    "name",
)
DOB = Comparison(
    "dob",
    (
        "tanggal lahir berbeda",
        "hanya tahun lahir sama",
        "satu unsur tanggal lahir berbeda",
        "tanggal dan bulan tertukar",
        "tanggal lahir sama",
    ),
    (0.03, 0.04, 0.08, 0.05, 0.8),
    (0.972, 0.024, 0.0038, 0.00005, 0.0001),
    "dob",
)
NIK = Comparison(
    "nik",
    ("NIK berbeda", "NIK beda dua angka", "NIK beda satu angka/tertukar", "NIK sama"),
    (0.03, 0.02, 0.08, 0.87),
    (0.99997, 0.00001, 0.00001, 0.00001),
    "nik",
)
REGION = Comparison(
    "region",
    ("daerah asal berbeda", "provinsi asal sama", "kabupaten/kota asal sama"),
    (0.1, 0.1, 0.8),
    (0.83, 0.16, 0.01),
    "region",
)
PHONE = Comparison(
    "phone",
    ("nomor HP berbeda", "akhir nomor HP sama", "nomor HP sama"),
    (0.45, 0.05, 0.5),
    (0.9999, 0.00005, 0.00005),
    "phone",
)


def comparisons_for(table: Table) -> list[Comparison]:
    extras = [
        Comparison(
            f"extra:{name}",
            (f"{name} berbeda", f"{name} agak mirip", f"{name} mirip", f"{name} sama"),
            (0.1, 0.05, 0.1, 0.75),
            (0.9, 0.05, 0.03, 0.02),
            "extra",
            index,
        )
        for index, name in enumerate(table.extra_names)
    ]
    return [NAME, DOB, NIK, REGION, PHONE, *extras]


class Comparer:
    """Computes levels and term-frequency probabilities for batches of pairs."""

    def __init__(self, table: Table):
        self.t = table
        self.comparisons = comparisons_for(table)
        self.tokens = TokenSimilarity(table.vocab)
        self.extra_sim = TokenSimilarity(table.extra_vocab) if table.extra_names else None
        dob = table.dob_effective.astype(np.int64)
        full = (dob > 0).all(axis=1)
        code = dob[:, 0] * 10000 + dob[:, 1] * 100 + dob[:, 2]
        values, counts = np.unique(code[full], return_counts=True)
        self._dob_code = np.where(full, code, -1)
        self._dob_values = values
        self._dob_count = counts

    def compute(self, a: np.ndarray, b: np.ndarray, chunk: int = 400_000) -> tuple[np.ndarray, np.ndarray]:
        """(levels int8 (P, C), tf float32 (P, C) with NaN where no term frequency applies)."""
        count = len(a)
        levels = np.empty((count, len(self.comparisons)), dtype=np.int8)
        tf = np.full((count, len(self.comparisons)), np.nan, dtype=np.float32)
        for start in range(0, count, chunk):
            sa, sb = a[start : start + chunk], b[start : start + chunk]
            for c, comparison in enumerate(self.comparisons):
                lv, freq = getattr(self, f"_{comparison.kind}")(sa, sb, comparison)
                levels[start : start + chunk, c] = lv
                if freq is not None:
                    tf[start : start + chunk, c] = freq
        return levels, tf

    # --- Name --------------------------------------------------------------------------

    def _name(self, a, b, _comparison):
        t = self.t
        ta, tb = t.name_tok[a], t.name_tok[b]
        la, lb = t.name_len[a].astype(np.int32), t.name_len[b].astype(np.int32)
        va, vb = ta >= 0, tb >= 0
        both = va[:, :, None] & vb[:, None, :]
        eq = (ta[:, :, None] == tb[:, None, :]) & both
        sim = eq.astype(np.float32)
        exact_a, exact_b = eq.any(axis=2), eq.any(axis=1)
        done = (exact_a.sum(axis=1) >= la) | (exact_b.sum(axis=1) >= lb)
        need = ~done & (la > 0) & (lb > 0)
        # Fuzzy comparison only where exact tokens did not settle it, and only between
        # tokens not already matched exactly.
        combo = need[:, None, None] & both & ~exact_a[:, :, None] & ~exact_b[:, None, :]
        r, i, j = np.nonzero(combo)
        affix_any = np.zeros(len(a), dtype=bool)
        if len(r):
            jw, affix, edit = self.tokens.pairs(ta[r, i], tb[r, j])
            # One keystroke apart in a longer token is the same token, whatever Jaro–Winkler says.
            long_enough = np.minimum(t.token_length[ta[r, i]], t.token_length[tb[r, j]]) >= 5
            sim[r, i, j] = np.where(edit & long_enough, np.maximum(jw, TOKEN_MATCH), jw)
            affix_any[r[affix]] = True
        best_a = sim.max(axis=2)
        best_j = sim.argmax(axis=2)
        match_a = (best_a >= TOKEN_MATCH) & va
        match_b = (sim.max(axis=1) >= TOKEN_MATCH) & vb
        ma, mb = match_a.sum(axis=1), match_b.sum(axis=1)
        all_short = ((ma >= la) | (mb >= lb)) & (ma > 0)
        shortest = np.minimum(la, lb)
        same_key = (t.name_key[a] == t.name_key[b]) & (t.name_key[a] >= 0)
        aa, ab = t.alias_tok[a], t.alias_tok[b]
        cross = (
            ((aa[:, :, None] == tb[:, None, :]) & (aa >= 0)[:, :, None]).any(axis=(1, 2))
            | ((ab[:, :, None] == ta[:, None, :]) & (ab >= 0)[:, :, None]).any(axis=(1, 2))
            | ((aa[:, :, None] == ab[:, None, :]) & (aa >= 0)[:, :, None]).any(axis=(1, 2))
        )
        level = np.zeros(len(a), dtype=np.int8)
        level[sim.max(axis=(1, 2)) >= WEAK_MATCH] = 1
        level[cross | affix_any] = 2
        level[ma > 0] = 3
        level[all_short & (shortest == 1)] = 4
        level[all_short & (shortest >= 2)] = 5
        level[same_key] = 6
        level[(la == 0) | (lb == 0)] = -1
        # Term frequency: how often random records share these tokens. For a fuzzy pair the
        # commoner spelling counts (a typo is rare, the name it mangles is not).
        counts = t.token_count
        ca = counts[np.maximum(ta, 0)]
        cb = counts[np.maximum(np.take_along_axis(tb, best_j, axis=1), 0)]
        p = smoothed(np.maximum(ca, cb), t.n, TF_TOKEN_PRIOR)
        log_u = np.where(match_a, np.log2(p), 0.0).sum(axis=1)
        key_p = smoothed(t.key_count[np.maximum(t.name_key[a], 0)], t.n, TF_KEY_PRIOR)
        log_u = np.where(same_key, np.log2(key_p), log_u)
        log_u = np.where(level >= 3, log_u, np.nan)
        return level, log_u.astype(np.float32)

    # --- Birth date ----------------------------------------------------------------------

    def _dob(self, a, b, _comparison):
        t = self.t
        eff = t.dob_effective
        da, db = eff[a].astype(np.int32), eff[b].astype(np.int32)
        present = (da[:, 0] > 0) & (db[:, 0] > 0)
        full = present & (da[:, 1:] > 0).all(axis=1) & (db[:, 1:] > 0).all(axis=1)
        eqy, eqm, eqd = (da[:, 0] == db[:, 0]), (da[:, 1] == db[:, 1]), (da[:, 2] == db[:, 2])
        exact = full & eqy & eqm & eqd
        # A stated date against the date the other record's NIK encodes.
        sa, sb, na, nb = t.dob[a], t.dob[b], t.dob_nik[a], t.dob_nik[b]
        exact |= ((sa == nb).all(axis=1) & (sa[:, 0] > 0)) | ((na == sb).all(axis=1) & (sb[:, 0] > 0))
        swap = full & eqy & (da[:, 1] == db[:, 2]) & (da[:, 2] == db[:, 1]) & (da[:, 1] != da[:, 2])
        two_of_three = (eqy.astype(np.int8) + eqm + eqd) == 2
        one_off = full & two_of_three & (np.abs(da[:, 0] - db[:, 0]) <= 5)
        level = np.zeros(len(a), dtype=np.int8)
        level[present & eqy] = 1
        level[one_off] = 2
        level[swap] = 3
        level[exact] = 4
        level[~present & ~exact] = -1
        code = self._dob_code[a]
        index = np.clip(np.searchsorted(self._dob_values, code), 0, max(len(self._dob_values) - 1, 0))
        count = self._dob_count[index] if len(self._dob_values) else np.zeros(len(a))
        log_u = np.where(level == 4, np.log2(smoothed(count, t.n, TF_DOB_PRIOR)), np.nan)
        return level, log_u.astype(np.float32)

    # --- NIK / identity number -------------------------------------------------------------

    def _nik(self, a, b, _comparison):
        t = self.t
        present = (t.id_len[a] > 0) & (t.id_len[b] > 0)
        same_len = t.id_len[a] == t.id_len[b]
        ca, cb = t.id_chars[a], t.id_chars[b]
        diff = ca != cb
        ham = diff.sum(axis=1)
        first = diff.argmax(axis=1)
        last = diff.shape[1] - 1 - diff[:, ::-1].argmax(axis=1)
        rows = np.arange(len(a))
        transposed = (
            (ham == 2) & (last == first + 1) & (ca[rows, first] == cb[rows, last]) & (ca[rows, last] == cb[rows, first])
        )
        level = np.zeros(len(a), dtype=np.int8)
        level[same_len & (ham == 2)] = 1
        level[same_len & ((ham == 1) | transposed)] = 2
        level[same_len & (ham == 0)] = 3
        level[~present] = -1
        return level, None

    # --- Region, phone, generic fields ---------------------------------------------------

    def _region(self, a, b, _comparison):
        t = self.t
        ra, rb = t.region_code[a], t.region_code[b]
        level = np.zeros(len(a), dtype=np.int8)
        level[t.province_code[a] == t.province_code[b]] = 1
        level[ra == rb] = 2
        level[(ra < 0) | (rb < 0)] = -1
        return level, None

    def _phone(self, a, b, _comparison):
        t = self.t
        pa, pb = t.phone_code[a], t.phone_code[b]
        level = np.zeros(len(a), dtype=np.int8)
        level[t.phone_suffix[a] == t.phone_suffix[b]] = 1
        level[pa == pb] = 2
        level[(pa < 0) | (pb < 0)] = -1
        return level, None

    def _extra(self, a, b, comparison):
        t = self.t
        j = comparison.field
        ca, cb = t.extra_code[a, j], t.extra_code[b, j]
        present = (ca >= 0) & (cb >= 0)
        level = np.zeros(len(a), dtype=np.int8)
        fuzzy = present & (ca != cb)
        if fuzzy.any():
            jw, _affix, _edit = self.extra_sim.pairs(t.extra_tok[a[fuzzy], j], t.extra_tok[b[fuzzy], j])
            sub = np.zeros(int(fuzzy.sum()), dtype=np.int8)
            sub[jw >= 0.8] = 1
            sub[jw >= 0.92] = 2
            level[fuzzy] = sub
        level[present & (ca == cb)] = 3
        level[~present] = -1
        count = t.extra_count[j][np.maximum(ca, 0)]
        log_u = np.where(level == 3, np.log2(smoothed(count, t.n, TF_EXTRA_PRIOR)), np.nan)
        return level, log_u.astype(np.float32)
