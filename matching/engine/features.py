"""Records in, numeric feature arrays out.

A ``Record`` is what any source gives (the registry after decryption in memory, a CSV row, the
benchmark generator). ``prepare`` normalises every record once and keeps only integer codes
and small arrays: from here on, blocking and comparison never touch the raw strings, and the
arrays die with the job.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import normalise as nz

MAX_NAME_TOKENS = 4
MAX_ALIAS_TOKENS = 3
ID_WIDTH = 20


@dataclass
class Record:
    id: Hashable
    name: str = ""
    aliases: Sequence[str] = ()
    birth_date: object = None  # date, "YYYY-MM-DD", "DD/MM/YYYY", "YYYYMMDD"
    nik: str = ""  # NIK or any identity number
    phone: str = ""
    region: str = ""  # kabupaten/kota code ("35.06") or any location code
    source: int = 0  # 0 = left / only file, 1 = right file
    extra: dict[str, str] = field(default_factory=dict)  # generic text fields (address, suburb…)


class Codes:
    """String → dense integer code."""

    def __init__(self):
        self.index: dict = {}

    def __call__(self, value) -> int:
        index = self.index
        return index.setdefault(value, len(index))

    @property
    def values(self) -> list:
        return list(self.index)

    def __len__(self):
        return len(self.index)


@dataclass
class Table:
    """Feature arrays of n prepared records (row i = record i)."""

    ids: list
    source: np.ndarray
    vocab: list[str]
    name_tok: np.ndarray  # (n, MAX_NAME_TOKENS) token ids, -1 padding
    name_len: np.ndarray
    alias_tok: np.ndarray  # (n, MAX_ALIAS_TOKENS)
    name_key: np.ndarray  # code of the sorted token set, -1 when no name
    token_count: np.ndarray  # records whose name holds each token
    key_count: np.ndarray  # records with each name key
    token_phonetic: np.ndarray  # phonetic code per token id
    token_length: np.ndarray
    name_sound: np.ndarray  # code of the sorted phonetic keys of the name tokens
    dob: np.ndarray  # (n, 3) stated year, month, day (0 = unknown)
    dob_nik: np.ndarray  # (n, 3) derived from a 16-digit NIK
    id_chars: np.ndarray  # (n, ID_WIDTH) identity number characters
    id_len: np.ndarray
    id_code: np.ndarray  # -1 when missing
    ids_are_nik: bool
    phone_code: np.ndarray
    phone_suffix: np.ndarray
    region_code: np.ndarray
    province_code: np.ndarray
    extra_names: list[str]
    extra_code: np.ndarray  # (n, n_extra) exact codes, -1 missing
    extra_tok: np.ndarray  # (n, n_extra) ids into extra_vocab for fuzzy comparison
    extra_vocab: list[str]
    extra_count: list[np.ndarray]  # per extra field: records per code
    linking: bool = False  # two sources: only cross-source pairs count

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def dob_effective(self) -> np.ndarray:
        """Stated birth date, else the one the NIK encodes."""
        stated = self.dob[:, 0] > 0
        return np.where(stated[:, None], self.dob, self.dob_nik)


def _padded(rows: list[tuple], width: int) -> np.ndarray:
    """Rows of token ids as a (n, width) matrix padded with -1."""
    out = np.full((len(rows), width), -1, dtype=np.int32)
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    if lengths.sum():
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=int(lengths.sum()))
        row_index = np.repeat(np.arange(len(rows)), lengths)
        starts = np.cumsum(lengths) - lengths
        out[row_index, np.arange(len(flat)) - np.repeat(starts, lengths)] = flat
    return out


def _name_sound(name_tok: np.ndarray, token_phonetic: np.ndarray) -> np.ndarray:
    if not len(name_tok) or not len(token_phonetic):
        return np.full(len(name_tok), -1, dtype=np.int64)
    sounds = np.where(name_tok >= 0, token_phonetic[np.maximum(name_tok, 0)], -1)
    sounds = np.sort(sounds, axis=1) + 1
    key = np.zeros(len(name_tok), dtype=np.int64)
    span = int(sounds.max()) + 1
    for column in sounds.T:
        key = np.unique(key * span + column, return_inverse=True)[1].astype(np.int64)
    return np.where((name_tok >= 0).any(axis=1), key, -1)


def prepare(records: Iterable[Record], *, reference_year: int | None = None) -> Table:
    reference_year = reference_year or dt.date.today().year
    records = list(records)
    n = len(records)
    vocab = Codes()
    keys = Codes()
    ids_codes = Codes()
    phones = Codes()
    suffixes = Codes()
    regions = Codes()
    provinces = Codes()
    extra_vocab = Codes()
    extra_names = sorted({name for r in records for name in r.extra})
    extra_codes = [Codes() for _ in extra_names]

    source = np.fromiter((r.source for r in records), dtype=np.int8, count=n)
    name_cache: dict = {}
    date_cache: dict = {}
    nik_date_cache: dict = {}
    region_cache: dict = {}
    token_rows: list[tuple] = []
    alias_rows: list[tuple] = []
    name_key_list: list[int] = []
    dob_list: list[tuple] = []
    dob_nik_list: list[tuple] = []
    id_strings: list[bytes] = []
    id_code_list: list[int] = []
    phone_list: list[int] = []
    suffix_list: list[int] = []
    region_list: list[int] = []
    province_list: list[int] = []
    extra_code = np.full((n, len(extra_names)), -1, dtype=np.int64)
    extra_tok = np.full((n, len(extra_names)), -1, dtype=np.int32)
    sixteen = 0
    none = (0, 0, 0)

    for i, r in enumerate(records):
        # Names repeat: normalise each distinct (name, aliases) once.
        cache_key = (r.name, tuple(r.aliases) if r.aliases else ())
        entry = name_cache.get(cache_key)
        if entry is None:
            own, _patronymic = nz.name_parts(r.name)
            if not own and r.aliases:
                # Only a nickname is known: it is the name this record goes by.
                own = nz.alias_tokens(r.aliases)
            own = tuple(dict.fromkeys(own))[:MAX_NAME_TOKENS]
            aliases = [t for t in nz.alias_tokens(r.aliases) if t not in own][:MAX_ALIAS_TOKENS]
            entry = (
                tuple(vocab(t) for t in own),
                keys(" ".join(sorted(own))) if own else -1,
                tuple(vocab(t) for t in aliases),
            )
            name_cache[cache_key] = entry
        token_rows.append(entry[0])
        name_key_list.append(entry[1])
        alias_rows.append(entry[2])
        birth = r.birth_date
        if birth in ("", None):
            dob_list.append(none)
        else:
            parsed = date_cache.get(birth)
            if parsed is None:
                parsed = date_cache[birth] = nz.parse_date(birth)
            dob_list.append(parsed)
        nik = nz.nik_digits(r.nik)
        nik_date = none
        if nik:
            id_strings.append(nik[:ID_WIDTH].encode())
            id_code_list.append(ids_codes(nik))
            if len(nik) == 16:
                sixteen += 1
                nik_date = nik_date_cache.get(nik[6:12])
                if nik_date is None:
                    nik_date = nik_date_cache[nik[6:12]] = nz.nik_birth_date(nik, reference_year=reference_year)
        else:
            id_strings.append(b"")
            id_code_list.append(-1)
        dob_nik_list.append(nik_date)
        phone = nz.normalise_phone(r.phone) if r.phone else ""
        if phone:
            phone_list.append(phones(phone))
            suffix_list.append(suffixes(phone[-7:]))
        else:
            phone_list.append(-1)
            suffix_list.append(-1)
        raw_region = r.region or (nz.nik_region(nik) if len(nik) == 16 else "")
        codes = region_cache.get(raw_region)
        if codes is None:
            region = nz.normalise_region(raw_region)
            codes = (regions(region[:5] if "." in region else region), provinces(region[:2])) if region else (-1, -1)
            region_cache[raw_region] = codes
        region_list.append(codes[0])
        province_list.append(codes[1])
        for j, name in enumerate(extra_names):
            value = nz.normalise_text(r.extra.get(name, ""))
            if value:
                extra_code[i, j] = extra_codes[j](value)
                extra_tok[i, j] = extra_vocab(value)

    name_tok = _padded(token_rows, MAX_NAME_TOKENS)
    alias_tok = _padded(alias_rows, MAX_ALIAS_TOKENS)
    name_len = (name_tok >= 0).sum(axis=1).astype(np.int8)
    name_key = np.asarray(name_key_list, dtype=np.int64)
    dob = np.asarray(dob_list, dtype=np.int16).reshape(n, 3)
    dob_nik = np.asarray(dob_nik_list, dtype=np.int16).reshape(n, 3)
    id_code = np.asarray(id_code_list, dtype=np.int64)
    phone_code = np.asarray(phone_list, dtype=np.int64)
    phone_suffix = np.asarray(suffix_list, dtype=np.int64)
    region_code = np.asarray(region_list, dtype=np.int32)
    province_code = np.asarray(province_list, dtype=np.int32)

    ids_are_nik = sixteen > 0 and sixteen >= 0.5 * int((id_code >= 0).sum())
    if not ids_are_nik:
        dob_nik[:] = 0
    vocabulary = vocab.values
    token_count = np.bincount(name_tok[name_tok >= 0], minlength=len(vocabulary)).astype(np.float64)
    key_counts = np.bincount(name_key[name_key >= 0], minlength=len(keys)).astype(np.float64)
    phonetic_codes = Codes()
    token_phonetic = np.array([phonetic_codes(nz.phonetic(t)) for t in vocabulary], dtype=np.int32)
    id_len = np.fromiter(map(len, id_strings), dtype=np.int8, count=n)
    id_chars = np.frombuffer(b"".join(s.ljust(ID_WIDTH, b"\0") for s in id_strings), dtype=np.uint8)
    id_chars = id_chars.reshape(n, ID_WIDTH).copy()
    extra_count = []
    for j in range(len(extra_names)):
        column = extra_code[:, j]
        extra_count.append(np.bincount(column[column >= 0], minlength=len(extra_codes[j])).astype(np.float64))
    return Table(
        ids=[r.id for r in records],
        source=source,
        vocab=vocabulary,
        name_tok=name_tok,
        name_len=name_len,
        alias_tok=alias_tok,
        name_key=name_key,
        token_count=token_count,
        key_count=key_counts,
        token_phonetic=token_phonetic,
        token_length=np.array([len(t) for t in vocabulary], dtype=np.int16),
        name_sound=_name_sound(name_tok, token_phonetic),
        dob=dob,
        dob_nik=dob_nik,
        id_chars=id_chars,
        id_len=id_len,
        id_code=id_code,
        ids_are_nik=ids_are_nik,
        phone_code=phone_code,
        phone_suffix=phone_suffix,
        region_code=region_code,
        province_code=province_code,
        extra_names=extra_names,
        extra_code=extra_code,
        extra_tok=extra_tok,
        extra_vocab=extra_vocab.values,
        extra_count=extra_count,
        linking=bool(source.any()),
    )
