"""The demo scenario: synthetic, but faithful to the seed reports (shared/seeds).

Kota Kupang closing Karang Dempel, Kabupaten Kutai Kartanegara closing 12 sites in phases,
Kabupaten Kediri monitoring its ex-lokalisasi with UPT RSBKW Kediri, and Kemensos above them.
Organisation names are public institutions; every *person* here (staff users included) is
invented. Each later feature adds its part of the scenario in this module.

Every step is idempotent: running the loader twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction

from accounts.models import Role, User
from organisations.models import Accreditation, Organisation, OrgKind

KOTA_KUPANG = "53.71"
NTT = "53"
KUKAR = "64.02"
KALTIM = "64"
KAB_KEDIRI = "35.06"
KOTA_KEDIRI = "35.71"
JATIM = "35"
JAKARTA_PUSAT = "31.71"

# (key, name, short name, kind, region, parent key)
ORGANISATIONS: list[tuple[str, str, str, str, str, str | None]] = [
    ("kemensos", "Kementerian Sosial Republik Indonesia", "Kemensos", OrgKind.KEMENSOS, JAKARTA_PUSAT, None),
    # Kota Kupang and NTT (seeds 000–002)
    ("dinsos_ntt", "Dinas Sosial Provinsi Nusa Tenggara Timur", "Dinsos NTT", OrgKind.DINSOS_PROVINSI, NTT, None),
    ("dinsos_kupang", "Dinas Sosial Kota Kupang", "Dinsos Kota Kupang", OrgKind.DINSOS_KABKOTA, KOTA_KUPANG, None),
    ("pemkot_kupang", "Pemerintah Kota Kupang", "Pemkot Kupang", OrgKind.FORKOPIMDA, KOTA_KUPANG, None),
    ("dprd_kupang", "DPRD Kota Kupang", "DPRD Kota Kupang", OrgKind.FORKOPIMDA, KOTA_KUPANG, None),
    (
        "satpolpp_kupang",
        "Satuan Polisi Pamong Praja Kota Kupang",
        "Satpol PP Kota Kupang",
        OrgKind.OPD,
        KOTA_KUPANG,
        None,
    ),
    ("dinkes_kupang", "Dinas Kesehatan Kota Kupang", "Dinkes Kota Kupang", OrgKind.OPD, KOTA_KUPANG, None),
    ("dispar_kupang", "Dinas Pariwisata Kota Kupang", "Dispar Kota Kupang", OrgKind.OPD, KOTA_KUPANG, None),
    (
        "kpad_kupang",
        "Komisi Penanggulangan AIDS Daerah Kota Kupang",
        "KPAD Kota Kupang",
        OrgKind.OPD,
        KOTA_KUPANG,
        None,
    ),
    ("inspektorat_kupang", "Inspektorat Kota Kupang", "Inspektorat", OrgKind.OPD, KOTA_KUPANG, None),
    ("polres_kupang", "Kepolisian Resor Kupang Kota", "Polres Kupang Kota", OrgKind.POLRI, KOTA_KUPANG, None),
    ("kodim_kupang", "Komando Distrik Militer 1604/Kupang", "Kodim 1604/Kupang", OrgKind.TNI, KOTA_KUPANG, None),
    ("opsi_ntt", "Organisasi Perubahan Sosial Indonesia (OPSI) NTT", "OPSI NTT", OrgKind.LSM, KOTA_KUPANG, None),
    ("lks_kupang", "LKS Bina Harapan Sejahtera", "LKS BHS", OrgKind.LKS, KOTA_KUPANG, None),
    ("lks_expired", "LKS Mekar Kasih", "LKS Mekar Kasih", OrgKind.LKS, KOTA_KUPANG, None),
    ("kel_alak", "Pemerintah Kelurahan Alak", "Kelurahan Alak", OrgKind.VILLAGE_GOVERNMENT, "53.71.01", None),
    # Kutai Kartanegara and Kalimantan Timur (seed 003)
    ("dinsos_kaltim", "Dinas Sosial Provinsi Kalimantan Timur", "Dinsos Kaltim", OrgKind.DINSOS_PROVINSI, KALTIM, None),
    ("dinsos_kukar", "Dinas Sosial Kabupaten Kutai Kartanegara", "Dinsos Kukar", OrgKind.DINSOS_KABKOTA, KUKAR, None),
    ("pemkab_kukar", "Pemerintah Kabupaten Kutai Kartanegara", "Pemkab Kukar", OrgKind.FORKOPIMDA, KUKAR, None),
    (
        "satpolpp_kukar",
        "Satuan Polisi Pamong Praja Kabupaten Kutai Kartanegara",
        "Satpol PP Kukar",
        OrgKind.OPD,
        KUKAR,
        None,
    ),
    ("dinkes_kukar", "Dinas Kesehatan Kabupaten Kutai Kartanegara", "Dinkes Kukar", OrgKind.OPD, KUKAR, None),
    ("polres_kukar", "Kepolisian Resor Kutai Kartanegara", "Polres Kukar", OrgKind.POLRI, KUKAR, None),
    ("kodim_kukar", "Komando Distrik Militer 0906/Kutai Kartanegara", "Kodim 0906", OrgKind.TNI, KUKAR, None),
    # Kabupaten Kediri and Jawa Timur (seed 004)
    ("dinsos_jatim", "Dinas Sosial Provinsi Jawa Timur", "Dinsos Jatim", OrgKind.DINSOS_PROVINSI, JATIM, None),
    (
        "upt_rsbkw",
        "UPT Rehabilitasi Sosial Bina Karya Wanita Kediri",
        "UPT RSBKW Kediri",
        OrgKind.UPT,
        KOTA_KEDIRI,
        "dinsos_jatim",
    ),
    ("dinsos_kediri", "Dinas Sosial Kabupaten Kediri", "Dinsos Kab. Kediri", OrgKind.DINSOS_KABKOTA, KAB_KEDIRI, None),
    ("pemkab_kediri", "Pemerintah Kabupaten Kediri", "Pemkab Kediri", OrgKind.FORKOPIMDA, KAB_KEDIRI, None),
]

# LKS accreditations (number, grade, granted on). One valid, one expired, to show the refusal later.
ACCREDITATIONS = {
    "lks_kupang": ("BALKS/2017/53.71/0142", "A", dt.date(2017, 5, 8)),
    "lks_expired": ("BALKS/2014/53.71/0087", "C", dt.date(2014, 9, 1)),
}

# (username, first name, last name, role, organisation key, region scope or None for national)
USERS: list[tuple[str, str, str, str, str, str | None]] = [
    ("admin.kupang", "Yohanes", "Ndolu", Role.SYSADMIN, "dinsos_kupang", KOTA_KUPANG),
    ("analis.kemensos", "Ratna", "Wulandari", Role.KEMENSOS_ANALYST, "kemensos", None),
    ("petugas.ntt", "Maria", "Bani", Role.PROVINCE_OFFICER, "dinsos_ntt", NTT),
    ("kadis.kupang", "Agustina", "Lerik", Role.HEAD_OF_DINSOS, "dinsos_kupang", KOTA_KUPANG),
    ("peksos.kupang", "Fransiska", "Tefa", Role.CASE_WORKER, "dinsos_kupang", KOTA_KUPANG),
    ("pendata.kupang", "Yanti", "Mooy", Role.REGISTRAR, "dinsos_kupang", KOTA_KUPANG),
    ("bendahara.kupang", "Dewi", "Kase", Role.FINANCE_OFFICER, "dinsos_kupang", KOTA_KUPANG),
    ("mitra.lks", "Grace", "Benu", Role.PARTNER_USER, "lks_kupang", KOTA_KUPANG),
    ("auditor.kupang", "Paulus", "Hendrik", Role.AUDITOR, "inspektorat_kupang", KOTA_KUPANG),
    ("kadis.kukar", "Hendra", "Purnomo", Role.HEAD_OF_DINSOS, "dinsos_kukar", KUKAR),
    ("kadis.kediri", "Sri", "Rahayu", Role.HEAD_OF_DINSOS, "dinsos_kediri", KAB_KEDIRI),
    ("petugas.jatim", "Bambang", "Hartono", Role.PROVINCE_OFFICER, "dinsos_jatim", JATIM),
]


@dataclass
class DemoLogin:
    username: str
    password: str
    role_label: str
    organisation: str


def _valid_until(grade: str, granted: dt.date) -> dt.date:
    from organisations.services import accreditation_valid_until

    return accreditation_valid_until(grade, granted)


@transaction.atomic
def seed_organisations() -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for key, name, short, kind, region, parent_key in ORGANISATIONS:
        org, _ = Organisation.objects.update_or_create(
            name=name,
            region_id=region,
            defaults={"short_name": short, "kind": kind, "parent": orgs.get(parent_key) if parent_key else None},
        )
        orgs[key] = org
    for key, (number, grade, granted) in ACCREDITATIONS.items():
        Accreditation.objects.get_or_create(
            organisation=orgs[key],
            number=number,
            defaults={"grade": grade, "granted_on": granted, "valid_until": _valid_until(grade, granted)},
        )
    return orgs


@transaction.atomic
def seed_users(orgs: dict[str, Organisation]) -> list[DemoLogin]:
    """Creates the demo users once, with random passwords; returns logins for the new ones."""
    created: list[DemoLogin] = []
    for username, first, last, role, org_key, region in USERS:
        if User.objects.filter(username=username).exists():
            continue
        password = f"Pulih-{secrets.token_urlsafe(9)}"
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            organisation=orgs[org_key],
            region_id=region,
            email=f"{username}@demo.pulih.invalid",
        )
        user.set_password(password)
        user.save()
        created.append(DemoLogin(username, password, str(user.get_role_display()), orgs[org_key].name))
    return created


def load_scenario() -> list[DemoLogin]:
    from demo.assistance import seed_assistance
    from demo.matching import seed_matching
    from demo.programmes import seed_programmes
    from demo.registry import seed_registry
    from demo.repatriation import seed_repatriation
    from demo.training import seed_training

    orgs = seed_organisations()
    created = seed_users(orgs)
    seed_registry(orgs)
    seed_programmes(orgs)
    # Repatriation first: it opens the repatriation cases; later seeds reuse open cases.
    seed_repatriation(orgs)
    seed_training(orgs)
    # Money last: eligibility reads the pathways and training the seeds above recorded.
    seed_assistance(orgs)
    # Planted duplicates (records registered after the payments above, as a later round would)
    # and the first national matching run, as the nightly job would do.
    seed_matching(orgs)
    return created
