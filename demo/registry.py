"""Demo registry: Karang Dempel (KD), Kota Kupang, its status history, its wisma and its census rounds (seeds 000–002).

The initial census counted 145 residents: 3 residents of Kota Kupang, 8 from other kabupaten/
kota of NTT, 134 from other provinces. The final census just before the closure on
1 January 2019 found fewer. Every person is synthetic (people.synthetic).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from lokal import wilayah

from accounts.models import User
from census.models import CensusEntry, CensusRound, EntrySource, RoundKind, RoundStatus
from organisations.models import Organisation
from people.models import Person
from people.services import person_register
from people.synthetic import generate_residents
from regions.models import Region
from sites.models import Site, SiteStatus

KOTA_KUPANG = "53.71"
# Provinces most residents came from, with weights (Java and neighbouring islands).
OTHER_PROVINCES = {"35": 40, "32": 25, "33": 20, "73": 15, "52": 12, "51": 8, "36": 8, "18": 6}
INITIAL_ON = dt.date(2018, 10, 15)
FINAL_ON = dt.date(2018, 12, 17)


def _regencies(province: str) -> list[str]:
    return [w.code for w in wilayah.list_wilayah(province)]


def karang_dempel_origins(seed: int = 145) -> list[str]:
    """145 origin regency codes: 3 Kota Kupang, 8 other NTT, 134 other provinces."""
    rng = random.Random(seed)
    ntt_others = [code for code in _regencies("53") if code != KOTA_KUPANG]
    provinces = list(OTHER_PROVINCES)
    weights = list(OTHER_PROVINCES.values())
    others = [rng.choice(_regencies(rng.choices(provinces, weights)[0])) for _ in range(134)]
    origins = [KOTA_KUPANG] * 3 + [rng.choice(ntt_others) for _ in range(8)] + others
    rng.shuffle(origins)
    return origins


def _site_region() -> str:
    """Kelurahan Alak (Kecamatan Alak), where Karang Dempel lies; the kecamatan if desa data is absent."""
    region = Region.objects.filter(code__startswith="53.71.01.", name__iexact="Alak").first()
    return region.code if region else "53.71.01"


@transaction.atomic
def seed_karang_dempel(orgs: dict[str, Organisation]) -> Site:
    site, created = Site.objects.get_or_create(
        regency_code=KOTA_KUPANG,
        short_code="KD",
        defaults={
            "name": "Karang Dempel",
            "region_id": _site_region(),
            "owner_organisation": orgs["dinsos_kupang"],
            "address": "Kawasan Karang Dempel, Kelurahan Alak",
            "year_opened": 1984,
            "status": SiteStatus.CLOSED,
            "estimated_residents": 145,
        },
    )
    if created:
        seed_karang_dempel_history_and_wisma(site)
    if not created or CensusRound.objects.filter(site=site).exists():
        return site

    registrar = User.objects.get(username="pendata.kupang")
    people: list[Person] = []
    residents = list(generate_residents(karang_dempel_origins(), seed=145, today=INITIAL_ON))
    # One resident is 17 today and one shows trafficking indicators: the supervisor's alert list has work.
    residents[7].identity.birth_date = dt.date.today().replace(year=dt.date.today().year - 17)
    residents[7].identity.nik = ""
    residents[12].attrs.trafficking_indicators = ["recruited_by_others", "debt_bondage"]
    for resident in residents:
        person, _warnings = person_register(
            actor=registrar, site=site, identity=resident.identity, attrs=resident.attrs, consent_on=INITIAL_ON
        )
        people.append(person)

    initial = CensusRound.objects.create(
        site=site,
        kind=RoundKind.INITIAL,
        name="Pendataan awal",
        held_on=INITIAL_ON,
        status=RoundStatus.CLOSED,
        created_by=registrar,
    )
    CensusEntry.objects.bulk_create(
        [CensusEntry(round=initial, person=p, source=EntrySource.FORM, recorded_by=registrar) for p in people]
    )
    # Final count: 21 had left (most of them to other provinces), two came back after the first count.
    rng = random.Random(2018)
    gone = set(rng.sample(range(len(people)), 21))
    final = CensusRound.objects.create(
        site=site,
        kind=RoundKind.FINAL,
        name="Pendataan akhir sebelum penutupan",
        held_on=FINAL_ON,
        status=RoundStatus.CLOSED,
        created_by=registrar,
    )
    late = list(generate_residents(["35.78", "53.02"], seed=1218, today=FINAL_ON))
    for resident in late:
        person, _warnings = person_register(
            actor=registrar, site=site, identity=resident.identity, attrs=resident.attrs, consent_on=FINAL_ON
        )
        people.append(person)
        gone.discard(len(people) - 1)
    CensusEntry.objects.bulk_create(
        [
            CensusEntry(round=final, person=p, source=EntrySource.FORM, recorded_by=registrar)
            for i, p in enumerate(people)
            if i not in gone
        ]
    )
    return site


# Karang Dempel's status over time: open since 1984, socialisation from 8 October 2018, closed at the end of 2018.
KD_STATUS_HISTORY = (
    (SiteStatus.OPERATING, dt.date(1984, 1, 1), ""),
    (SiteStatus.SOCIALISING, dt.date(2018, 10, 8), "Sosialisasi penutupan kepada penghuni dan pemilik wisma."),
    (SiteStatus.CLOSED, dt.date(2018, 12, 31), "Ditutup sesuai keputusan Wali Kota Kupang, berlaku 1 Januari 2019."),
)
# (wisma name, estimated residents before the closure, closing note). All closed by now: one
# before the socialisation, the others with the site.
KD_WISMA = (
    ("Wisma Melati", 31, ""),
    ("Wisma Anggrek", 28, ""),
    ("Wisma Mawar", 27, ""),
    ("Wisma Kenanga", 24, ""),
    ("Wisma Flamboyan", 21, ""),
    ("Wisma Cempaka", 14, "Tutup sebelum sosialisasi penutupan."),
)
CLOSED_WITH_THE_SITE = "Tutup bersama lokalisasi, 31 Desember 2018."


def seed_karang_dempel_history_and_wisma(site: Site) -> None:
    """Status history and six wisma for a newly created KD. Owners are synthetic stand-ins
    (lokal.kembaran under a fixed secret, so every demo load gets the same ones), encrypted like
    real owners."""
    from lokal import normalize_phone
    from lokal.kembaran import Kembaran

    from sites.models import SiteStatusChange, Wisma
    from sites.owners import WismaOwner, seal_owner

    head = User.objects.filter(username="kadis.kupang").first()
    SiteStatusChange.objects.bulk_create(
        SiteStatusChange(site=site, status=status, on=on, note=note, recorded_by=head)
        for status, on, note in KD_STATUS_HISTORY
    )
    twin = Kembaran(secret="pulih-wisma")  # noqa: S106 (a fixed seed for stand-ins, not a credential)
    wisma = []
    for i, (name, estimate, note) in enumerate(KD_WISMA):
        owner = WismaOwner(
            name=twin.value("NAME", f"Budi Santoso x{i}").title(),
            phone=normalize_phone(twin.value("PHONE", f"0812345678{i:02d}")) or "",
            address=twin.value("ADDRESS", f"Jl. Mawar {i + 1}, Kupang"),
        )
        wisma.append(
            Wisma(
                site=site,
                name=name,
                estimated_residents=estimate,
                is_active=False,
                note=note or CLOSED_WITH_THE_SITE,
                owner_ciphertext=seal_owner(owner),
                created_by=head,
            )
        )
    Wisma.objects.bulk_create(wisma)


def seed_registry(orgs: dict[str, Organisation]) -> None:
    seed_karang_dempel(orgs)
