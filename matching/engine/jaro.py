"""Jaro–Winkler similarity, vectorised over many pairs of short strings with numpy.

Strings are held as a (vocabulary, width) byte matrix; a batch of (i, j) index pairs is
compared in one pass per character position, so a million token pairs cost seconds, not
minutes. Callers deduplicate pairs first (names repeat), see ``TokenSimilarity``.
"""

from __future__ import annotations

import numpy as np

WIDTH = 16  # longer tokens are cut: the tail of a 17-letter name adds little


def encode(strings: list[str], width: int = WIDTH) -> tuple[np.ndarray, np.ndarray]:
    """(chars uint8 matrix, lengths) for a list of ASCII-ish strings."""
    chars = np.zeros((len(strings), width), dtype=np.uint8)
    lengths = np.zeros(len(strings), dtype=np.int16)
    for row, text in enumerate(strings):
        raw = text.encode("ascii", "replace")[:width]
        chars[row, : len(raw)] = np.frombuffer(raw, dtype=np.uint8)
        lengths[row] = len(raw)
    return chars, lengths


def jaro_winkler(chars: np.ndarray, lengths: np.ndarray, ia: np.ndarray, ib: np.ndarray, chunk: int = 200_000):
    """Jaro–Winkler similarity of strings ``ia[k]`` and ``ib[k]`` (rows of ``chars``)."""
    out = np.empty(len(ia), dtype=np.float32)
    for start in range(0, len(ia), chunk):
        stop = start + chunk
        out[start:stop] = _jw(
            chars[ia[start:stop]], chars[ib[start:stop]], lengths[ia[start:stop]], lengths[ib[start:stop]]
        )
    return out


def _jw(a: np.ndarray, b: np.ndarray, la: np.ndarray, lb: np.ndarray) -> np.ndarray:
    n, width = a.shape
    la = la.astype(np.int32)
    lb = lb.astype(np.int32)
    window = np.maximum(np.maximum(la, lb) // 2 - 1, 0)
    cols = np.arange(width, dtype=np.int32)[None, :]
    matched_b = np.zeros((n, width), dtype=bool)
    matched_a = np.zeros((n, width), dtype=bool)
    rows = np.arange(n)
    for i in range(int(la.max(initial=0))):
        active = i < la
        lo = np.maximum(i - window, 0)[:, None]
        hi = np.minimum(i + window + 1, lb)[:, None]
        candidates = (cols >= lo) & (cols < hi) & ~matched_b & (b == a[:, i : i + 1]) & active[:, None]
        has = candidates.any(axis=1)
        first = candidates.argmax(axis=1)
        matched_b[rows[has], first[has]] = True
        matched_a[has, i] = True
    m = matched_a.sum(axis=1)
    # Transpositions: the matched characters of each side, in order, compared position by position.
    order_a = np.argsort(~matched_a, axis=1, kind="stable")
    order_b = np.argsort(~matched_b, axis=1, kind="stable")
    seq_a = np.take_along_axis(a, order_a, axis=1)
    seq_b = np.take_along_axis(b, order_b, axis=1)
    half_t = ((seq_a != seq_b) & (cols < m[:, None])).sum(axis=1) // 2
    with np.errstate(divide="ignore", invalid="ignore"):
        mf = m.astype(np.float32)
        jaro = (mf / np.maximum(la, 1) + mf / np.maximum(lb, 1) + (mf - half_t) / np.maximum(mf, 1)) / 3.0
    jaro = np.where(m > 0, jaro, 0.0).astype(np.float32)
    prefix_len = np.minimum(np.minimum(la, lb), 4)
    same = np.cumprod(a[:, :4] == b[:, :4], axis=1).sum(axis=1)
    prefix = np.minimum(same, prefix_len)
    boosted = jaro + prefix * 0.1 * (1.0 - jaro)
    out = np.where(jaro > 0.7, boosted, jaro).astype(np.float32)
    # Equal strings are exactly 1 (also when both are empty, which callers mask anyway).
    equal = (la == lb) & (a == b).all(axis=1)
    out[equal] = 1.0
    return out


def is_affix(chars: np.ndarray, lengths: np.ndarray, ia: np.ndarray, ib: np.ndarray, *, minimum: int = 3):
    """True where the shorter string (3+ letters) starts or ends the longer one: Indonesian
    nicknames are often a head or tail of the name ("Yuni" for "Wahyuni", "Sri" for "Sriyati")."""
    a, b = chars[ia], chars[ib]
    la, lb = lengths[ia].astype(np.int32), lengths[ib].astype(np.int32)
    short = np.minimum(la, lb)
    cols = np.arange(chars.shape[1])[None, :]
    within = cols < short[:, None]
    prefix = ((a == b) | ~within).all(axis=1)
    # Right-align both strings to compare their tails.
    shift_a = (cols + (la[:, None] - short[:, None])) % chars.shape[1]
    shift_b = (cols + (lb[:, None] - short[:, None])) % chars.shape[1]
    tail_a = np.take_along_axis(a, shift_a, axis=1)
    tail_b = np.take_along_axis(b, shift_b, axis=1)
    suffix = ((tail_a == tail_b) | ~within).all(axis=1)
    return (short >= minimum) & (la != lb) & (prefix | suffix)


def within_one_edit(chars: np.ndarray, lengths: np.ndarray, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Damerau–Levenshtein distance <= 1 (one substitution, insertion, deletion or adjacent
    swap): "srimini"/"srumini" scores only 0.83 in Jaro–Winkler but is one keystroke away."""
    a, b = chars[ia], chars[ib]
    la, lb = lengths[ia].astype(np.int32), lengths[ib].astype(np.int32)
    width = chars.shape[1]
    cols = np.arange(width)[None, :]
    diff = (a != b) & (cols < np.maximum(la, lb)[:, None])
    ham = diff.sum(axis=1)
    first = diff.argmax(axis=1)
    rows = np.arange(len(ia))
    second = np.minimum(first + 1, width - 1)
    swapped = (
        (ham == 2) & diff[rows, second] & (a[rows, first] == b[rows, second]) & (a[rows, second] == b[rows, first])
    )
    same_length = (la == lb) & ((ham <= 1) | swapped)
    # One letter more or less: common prefix + common suffix cover the shorter string.
    short = np.minimum(la, lb)
    prefix = np.cumprod(a == b, axis=1).sum(axis=1)
    shift_a = (cols + (la[:, None] - short[:, None])) % width
    shift_b = (cols + (lb[:, None] - short[:, None])) % width
    tail_eq = np.take_along_axis(a, shift_a, axis=1) == np.take_along_axis(b, shift_b, axis=1)
    # Suffix length: equal characters counted from the right end of the aligned tails.
    tail_eq = tail_eq & (cols < short[:, None])
    reversed_eq = np.take_along_axis(tail_eq, np.clip(short[:, None] - 1 - cols, 0, width - 1), axis=1) & (
        cols < short[:, None]
    )
    suffix = np.cumprod(reversed_eq, axis=1).sum(axis=1)
    indel = (np.abs(la - lb) == 1) & (prefix + suffix >= short)
    return (short >= 3) & (same_length | indel)


def letter_counts(chars: np.ndarray) -> np.ndarray:
    counts = np.zeros((chars.shape[0], 27), dtype=np.uint8)
    letters = np.clip(chars.astype(np.int16) - 96, 0, 26)
    np.add.at(counts, (np.repeat(np.arange(chars.shape[0]), chars.shape[1]), letters.ravel()), 1)
    counts[:, 0] = 0
    return counts


def _bag_bound(counts: np.ndarray, lengths: np.ndarray, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Upper bound of Jaro–Winkler from letter counts alone (cheap; skips hopeless pairs)."""
    m = np.minimum(counts[ia], counts[ib]).sum(axis=1).astype(np.float32)
    la, lb = np.maximum(lengths[ia], 1).astype(np.float32), np.maximum(lengths[ib], 1).astype(np.float32)
    jaro = (m / la + m / lb + 1.0) / 3.0
    return jaro + 0.4 * (1.0 - jaro)


class TokenSimilarity:
    """Jaro–Winkler (and the nickname affix test) between vocabulary items, once per distinct pair."""

    def __init__(self, vocabulary: list[str]):
        self.chars, self.lengths = encode(vocabulary)
        self.counts = letter_counts(self.chars)
        self.size = max(len(vocabulary), 1)

    def _unique(self, ta: np.ndarray, tb: np.ndarray):
        lo = np.minimum(ta, tb).astype(np.int64)
        hi = np.maximum(ta, tb).astype(np.int64)
        unique, inverse = np.unique(lo * self.size + hi, return_inverse=True)
        return unique // self.size, unique % self.size, inverse

    def pairs(self, ta: np.ndarray, tb: np.ndarray, *, floor: float = 0.75):
        """(Jaro–Winkler, affix, within one edit) of token ids ``ta[k]``/``tb[k]`` (both >= 0).
        Similarities below ``floor`` are reported as 0 (they are never used)."""
        if len(ta) == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
        ua, ub, inverse = self._unique(ta, tb)
        jw = np.zeros(len(ua), dtype=np.float32)
        # A nickname affix or a one-edit pair always passes this bound, so nothing is lost.
        hopeful = np.flatnonzero(_bag_bound(self.counts, self.lengths, ua, ub) >= floor)
        ha, hb = ua[hopeful], ub[hopeful]
        jw[hopeful] = jaro_winkler(self.chars, self.lengths, ha, hb)
        affix = np.zeros(len(ua), dtype=bool)
        affix[hopeful] = is_affix(self.chars, self.lengths, ha, hb)
        edit = np.zeros(len(ua), dtype=bool)
        edit[hopeful] = within_one_edit(self.chars, self.lengths, ha, hb)
        return jw[inverse], affix[inverse], edit[inverse]
