"""Synthetic, realistic Indonesian residents for the demo, the tests and the benchmarks.

Names, phones and addresses come from lokal-id's Kembaran stand-in generator (seeded, so a
seed always gives the same people); NIKs are built to be structurally valid for the person's
kecamatan of origin, birth date and sex. None of it is a real person.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from lokal import wilayah
from lokal.kembaran import Kembaran

from .identity import Identity
from .models import Education, MaritalStatus, Sex
from .services import PersonAttributes

# Kembaran takes the sex from the leading word and keeps the word count of the "original" it is
# given; the rest of the original only varies the stand-in.
_LEAD = {Sex.FEMALE: "Dewi", Sex.MALE: "Budi"}


@dataclass
class SyntheticResident:
    identity: Identity
    attrs: PersonAttributes


def nik_for(district_code: str, birth_date: dt.date, sex: str, serial: int) -> str:
    """A structurally valid NIK: kecamatan digits, DDMMYY (+40 on the day for women), serial."""
    day = birth_date.day + (40 if sex == Sex.FEMALE else 0)
    return f"{district_code.replace('.', '')}{day:02d}{birth_date:%m%y}{serial % 10000:04d}"


def _districts(regency_code: str) -> list[str]:
    return [w.code for w in wilayah.list_wilayah(regency_code)] or [f"{regency_code}.01"]


def generate_residents(
    origin_regencies: list[str | None],
    *,
    seed: int = 2018,
    today: dt.date | None = None,
    nik_share: float = 0.8,
    phone_share: float = 0.6,
) -> Iterator[SyntheticResident]:
    """One resident per entry of ``origin_regencies`` (None = origin unknown)."""
    rng = random.Random(seed)
    stand_in = Kembaran(secret=f"pulih-synthetic-{seed}")
    today = today or dt.date(2018, 10, 1)
    districts: dict[str, list[str]] = {}
    for index, regency in enumerate(origin_regencies):
        sex = Sex.MALE if rng.random() < 0.04 else Sex.FEMALE
        words = rng.choices([1, 2, 3], weights=[1, 6, 3])[0]
        full_name = stand_in.value(
            "NAME", " ".join([_LEAD[sex], *(f"Nama{seed}x{index}x{w}" for w in range(words - 1))])
        )
        age = rng.choices([rng.randint(19, 25), rng.randint(26, 40), rng.randint(41, 55)], weights=[3, 6, 2])[0]
        birth_date = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        nik = ""
        if regency and rng.random() < nik_share:
            district = rng.choice(districts.setdefault(regency, _districts(regency)))
            nik = nik_for(district, birth_date, sex, serial=rng.randint(1, 9999))
        phone = stand_in.value("PHONE", f"0812{index:08d}") if rng.random() < phone_share else ""
        aliases = [stand_in.value("NAME", f"Dewi Alias{seed}x{index}").split()[0]] if rng.random() < 0.3 else []
        identity = Identity(
            full_name=full_name,
            aliases=aliases,
            nik=nik,
            birth_place="",
            birth_date=birth_date,
            phone=phone,
            origin_address=stand_in.value("ADDRESS", f"Jl. Merdeka No. {index % 90 + 1} RT 01 RW 02"),
        )
        attrs = PersonAttributes(
            sex=sex,
            origin_regency=regency,
            origin_province=regency[:2] if regency else None,
            education=rng.choice([Education.SD, Education.SD, Education.SMP, Education.SMA, Education.NONE]),
            marital_status=rng.choice([MaritalStatus.SINGLE, MaritalStatus.DIVORCED, MaritalStatus.MARRIED]),
            dependent_children=rng.choice([0, 0, 1, 1, 2, 3]),
        )
        yield SyntheticResident(identity=identity, attrs=attrs)
