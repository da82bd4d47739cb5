"""Blocking: which pairs of records are worth comparing at all.

Comparing every pair is quadratic; instead each rule gives every record one or more keys and
only records sharing a key are paired. Several rules, each tolerant of different errors, are
unioned, so a pair missed by one (a typo in the name, a swapped birth date, a missing NIK) is
found by another. Blocks larger than ``cap`` are left out of that rule (they are the very
common names or dates; their pairs are still found through a more specific rule), which keeps
the pair count linear in the number of records: at most ``cap/2`` pairs per key entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .features import Table


@dataclass(frozen=True)
class Rule:
    bit: int
    code: str
    label: str  # Bahasa Indonesia, shown in explanations
    uses: frozenset[str]  # comparisons the rule forces to agree (not trained on its pairs)
    cap: int = 150  # larger blocks are left to the other rules


_NAME_DOB = frozenset({"name", "dob"})
RULES = (
    # A name token (or alias) and the birth date, day and month in either order.
    Rule(1, "token_dob", "token nama + tanggal lahir", _NAME_DOB),
    Rule(2, "name_year", "nama lengkap + tahun lahir", _NAME_DOB),
    Rule(8, "nik", "bagian NIK", frozenset({"nik", "dob", "region"})),
    Rule(16, "phone", "akhir nomor HP", frozenset({"phone"}), cap=50),
    # Name changed completely (an alias), year or day wrong: birth day/month and origin.
    Rule(32, "daymonth_region", "tanggal/bulan lahir + daerah asal", frozenset({"dob", "region"}), cap=16),
    Rule(64, "name_region", "nama lengkap + daerah asal", frozenset({"name", "region"})),
    # No usable birth date: a name token and the origin.
    Rule(256, "token_region", "token nama + daerah asal", frozenset({"name", "region"}), cap=16),
    # Nothing but the name: the sound of the whole name, rare names only.
    Rule(512, "name_sound", "bunyi nama lengkap", frozenset({"name"}), cap=10),
)
RULE_BY_CODE = {rule.code: rule for rule in RULES}


@dataclass
class Candidates:
    a: np.ndarray  # row indices, a < b
    b: np.ndarray
    rules: np.ndarray  # bit mask of the rules that produced each pair
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.a)

    def codes(self, n: int) -> np.ndarray:
        return self.a.astype(np.int64) * n + self.b


def _dense(*columns: np.ndarray) -> np.ndarray:
    """One dense int64 code per combination of non-negative integer columns."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        column = column.astype(np.int64)
        span = int(column.max(initial=0)) + 1
        if (int(key.max(initial=0)) + 1) * span >= 2**62:
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
        key = key * span + column
    return key


def _unordered_daymonth(dob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) of month and day: a day/month swap keeps the key."""
    return np.minimum(dob[:, 1], dob[:, 2]), np.maximum(dob[:, 1], dob[:, 2])


def rule_keys(table: Table, rule: Rule) -> tuple[np.ndarray, np.ndarray]:
    """(key, row) entries of one rule; a record may hold several keys (one per name token,
    one per NIK part), all in one key space so a token in any slot meets the same token."""
    n = table.n
    rows = np.arange(n, dtype=np.int32)
    dob = table.dob_effective.astype(np.int64)
    full_dob = (dob > 0).all(axis=1)
    entries: list[tuple[np.ndarray, list[np.ndarray]]] = []

    def add(mask, *columns):
        if mask.any():
            entries.append((rows[mask], [np.asarray(c)[mask].astype(np.int64) for c in columns]))

    if rule.code == "token_dob":
        lo, hi = _unordered_daymonth(dob)
        tokens = np.concatenate([table.name_tok, table.alias_tok], axis=1)
        for slot in range(tokens.shape[1]):
            tok = tokens[:, slot]
            phon = np.where(tok >= 0, table.token_phonetic[np.maximum(tok, 0)], 0)
            add((tok >= 0) & full_dob, phon, dob[:, 0], lo, hi)
    elif rule.code == "name_year":
        add((table.name_key >= 0) & (dob[:, 0] > 0), table.name_key, dob[:, 0])
    elif rule.code == "token_region":
        for slot in range(table.name_tok.shape[1]):
            tok = table.name_tok[:, slot]
            phon = np.where(tok >= 0, table.token_phonetic[np.maximum(tok, 0)], 0)
            add((tok >= 0) & (table.region_code >= 0), phon, table.region_code)
    elif rule.code == "name_sound":
        add(table.name_key >= 0, table.name_sound)
    elif rule.code == "nik":
        present = table.id_len > 0
        ids = table.id_chars
        if table.ids_are_nik:
            # district+birth, birth+serial, district+serial: one typo leaves two of them intact.
            parts = [ids[:, :12], ids[:, 6:16], np.concatenate([ids[:, :6], ids[:, 12:16]], axis=1)]
        else:
            half = ids.shape[1] // 2
            parts = [ids, ids[:, :half], ids[:, half:]]
        for index, chars in enumerate(parts):
            chars = np.ascontiguousarray(chars)
            code = np.unique(chars.view(f"V{chars.shape[1]}").ravel(), return_inverse=True)[1]
            add(present, np.full(n, index), code)
    elif rule.code == "phone":
        add(table.phone_suffix >= 0, table.phone_suffix)
    elif rule.code == "daymonth_region":
        lo, hi = _unordered_daymonth(dob)
        add((lo > 0) & (table.region_code >= 0), lo, hi, table.region_code)
    elif rule.code == "name_region":
        add((table.name_key >= 0) & (table.region_code >= 0), table.name_key, table.region_code)
    if not entries:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    owners = np.concatenate([e[0] for e in entries])
    columns = [np.concatenate([e[1][k] for e in entries]) for k in range(len(entries[0][1]))]
    key = np.unique(_dense(*columns), return_inverse=True)[1].astype(np.int64)
    # One entry per (key, record): two tokens of a record may share a phonetic key.
    combined = np.unique(key * n + owners)
    return combined // n, (combined % n).astype(np.int32)


def pairs_within_blocks(keys: np.ndarray, owners: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """All pairs of rows sharing a key, for blocks of 2..cap rows."""
    if len(keys) == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), {"blocks": 0, "oversized": 0, "rows_in_oversized": 0}
    order = np.argsort(keys, kind="stable")
    keys, owners = keys[order], owners[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    oversized = sizes > cap
    out_a, out_b = [], []
    for size in np.unique(sizes[(sizes >= 2) & ~oversized]):
        block_starts = starts[sizes == size]
        i, j = np.triu_indices(int(size), k=1)
        out_a.append(owners[(block_starts[:, None] + i[None, :]).ravel()])
        out_b.append(owners[(block_starts[:, None] + j[None, :]).ravel()])
    stats = {
        "blocks": int((sizes >= 2).sum()),
        "oversized": int(oversized.sum()),
        "rows_in_oversized": int(sizes[oversized].sum()),
    }
    if not out_a:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), stats
    return np.concatenate(out_a), np.concatenate(out_b), stats


def block(table: Table, *, cap: int | None = None, rules=RULES, exclude_pairs: np.ndarray | None = None) -> Candidates:
    """Candidate pairs from every rule, each pair once, with the rules that found it.
    ``cap`` overrides every rule's own block-size cap."""
    n = table.n
    codes, bits, stats = [], [], {}
    for rule in rules:
        keys, owners = rule_keys(table, rule)
        a, b, rule_stats = pairs_within_blocks(keys, owners, cap or rule.cap)
        lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
        keep = lo != hi
        if table.linking:
            keep &= table.source[lo] != table.source[hi]
        code = np.unique(lo[keep] * n + hi[keep])
        rule_stats["pairs"] = len(code)
        stats[rule.code] = rule_stats
        codes.append(code)
        bits.append(np.full(len(code), rule.bit, dtype=np.uint16))
    if not codes or not sum(len(c) for c in codes):
        empty = np.zeros(0, dtype=np.int32)
        return Candidates(empty, empty, np.zeros(0, dtype=np.uint16), stats)
    code = np.concatenate(codes)
    bit = np.concatenate(bits)
    order = np.argsort(code, kind="stable")
    code, bit = code[order], bit[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    mask = np.bitwise_or.reduceat(bit, starts)
    code = code[starts]
    if exclude_pairs is not None and len(exclude_pairs):
        keep = ~np.isin(code, exclude_pairs)
        code, mask = code[keep], mask[keep]
    stats["total_pairs"] = len(code)
    return Candidates((code // n).astype(np.int32), (code % n).astype(np.int32), mask, stats)
