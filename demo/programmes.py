"""Demo closure programmes, activities, monitoring and a grievance (seeds 000–004).

- Kota Kupang: Karang Dempel, deadline 1 January 2019 (Kemensos instruction). Rakor with
  Forkopimda and wisma residents at Hotel Maya, media socialisation, the rakor of 30 October
  2018 in ruang Garuda, Balai Kota Kupang, with OPD, LSM, TNI/Polri, then socialisation to the
  residents with Satpol PP, Dinas Pariwisata, Dinas Kesehatan and KPAD.
- Kutai Kartanegara: 12 sites in 11 kecamatan, launched at KM 10 (Loa Janan) on 27 February
  2016 with Kitadin, then the others in phases.
- Kabupaten Kediri: monitoring of the 9 ex-lokalisasi villages where covert activity continues.
- A grievance like the one in the seeds: "be fair, act on the hotels too".

Names of places and institutions are public; every person is invented.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.db import transaction

from accounts.models import User
from activities.models import Activity, ActivityKind, ActivityStatus, Audience, FollowUpAction
from grievances.models import Category, Channel, FromGroup, Grievance, GrievanceStatus
from monitoring.models import Finding, MonitoringVisit
from organisations.models import Organisation
from programmes.models import ClosureProgramme, Phase, ProgrammeSite, ProgrammeStatus, Stage, StageKind
from regions.models import Region
from sites.models import Site, SiteStatus

WITA = ZoneInfo("Asia/Makassar")  # Kupang and Kutai Kartanegara
WIB = ZoneInfo("Asia/Jakarta")  # Kediri


def _at(day: dt.date, hour: int, tz=WITA) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)


def _stages(programme: ClosureProgramme, planned: dict[str, tuple[dt.date, dt.date]]) -> None:
    for kind in StageKind.values:
        start, end = planned.get(kind, (None, None))
        Stage.objects.get_or_create(
            programme=programme, kind=kind, defaults={"planned_start": start, "planned_end": end}
        )


def _activity(
    programme,
    *,
    kind,
    title,
    on,
    hour,
    venue,
    organiser,
    participants,
    audience=(),
    female=0,
    male=0,
    minutes="",
    decisions="",
    site=None,
    status=ActivityStatus.HELD,
    tz=WITA,
    author=None,
) -> Activity:
    activity = Activity.objects.create(
        programme=programme,
        site=site,
        kind=kind,
        title=title,
        starts_at=_at(on, hour, tz),
        ends_at=_at(on, hour + 2, tz),
        venue=venue,
        organiser=organiser,
        audience=list(audience),
        attendance_female=female,
        attendance_male=male,
        minutes=minutes,
        decisions=decisions,
        status=status,
        region_code=programme.region_id,
        created_by=author,
    )
    activity.participants.set(participants)
    return activity


@transaction.atomic
def seed_kupang_programme(orgs: dict[str, Organisation]) -> ClosureProgramme | None:
    if ClosureProgramme.objects.filter(name__startswith="Penutupan Lokalisasi Karang Dempel").exists():
        return None
    site = Site.objects.get(regency_code="53.71", short_code="KD")
    kadis = User.objects.filter(username="kadis.kupang").first()
    programme = ClosureProgramme.objects.create(
        name="Penutupan Lokalisasi Karang Dempel",
        owner_organisation=orgs["dinsos_kupang"],
        region_id="53.71",
        legal_basis="Instruksi Kementerian Sosial: seluruh lokalisasi ditutup per 1 Januari 2019\n"
        "Keputusan Wali Kota Kupang tentang penutupan lokalisasi Karang Dempel",
        description="Penutupan lokalisasi Karang Dempel (KD), Kelurahan Alak, dengan pemulangan penghuni "
        "dari luar daerah dan pembinaan serta modal kerja bagi warga Kota Kupang.",
        launched_on=dt.date(2018, 9, 3),
        deadline=dt.date(2019, 1, 1),
        status=ProgrammeStatus.ACTIVE,
        created_by=kadis,
    )
    ProgrammeSite.objects.create(programme=programme, site=site)
    programme.partners.set(
        [
            orgs[k]
            for k in (
                "satpolpp_kupang",
                "dinkes_kupang",
                "dispar_kupang",
                "kpad_kupang",
                "polres_kupang",
                "kodim_kupang",
                "opsi_ntt",
                "lks_kupang",
                "dinsos_ntt",
                "pemkot_kupang",
            )
        ]
    )
    _stages(
        programme,
        {
            StageKind.COORDINATION: (dt.date(2018, 9, 3), dt.date(2018, 10, 31)),
            StageKind.SOCIALISATION: (dt.date(2018, 9, 17), dt.date(2018, 11, 30)),
            StageKind.CENSUS: (dt.date(2018, 10, 1), dt.date(2018, 12, 20)),
            StageKind.CLOSURE: (dt.date(2018, 12, 20), dt.date(2019, 1, 1)),
            StageKind.REPATRIATION: (dt.date(2019, 1, 2), dt.date(2019, 3, 31)),
            StageKind.TRAINING: (dt.date(2019, 1, 15), dt.date(2019, 4, 30)),
            StageKind.GRANTS: (dt.date(2019, 2, 1), dt.date(2019, 5, 31)),
            StageKind.FOLLOW_UP: (dt.date(2019, 1, 2), dt.date(2019, 12, 31)),
            StageKind.MONITORING: (dt.date(2019, 1, 2), dt.date(2020, 12, 31)),
        },
    )
    forkopimda = _activity(
        programme,
        kind=ActivityKind.COORDINATION,
        title="Rapat bersama Forkopimda, penghuni wisma dan pengusaha bar",
        on=dt.date(2018, 10, 8),
        hour=9,
        venue="Hotel Maya, Kupang",
        organiser=orgs["pemkot_kupang"],
        participants=[orgs[k] for k in ("dinsos_kupang", "polres_kupang", "kodim_kupang", "dprd_kupang", "opsi_ntt")],
        audience=[Audience.GOVERNMENT, Audience.RESIDENTS, Audience.WISMA_OWNERS],
        female=38,
        male=21,
        decisions="Penutupan KD per 1 Januari 2019 sesuai instruksi Kemensos; sosialisasi lewat media massa.",
        author=kadis,
    )
    _activity(
        programme,
        kind=ActivityKind.SOCIALISATION,
        title="Sosialisasi rencana penutupan melalui media cetak, elektronik dan daring",
        on=dt.date(2018, 10, 15),
        hour=10,
        venue="Balai Kota Kupang",
        organiser=orgs["pemkot_kupang"],
        participants=[orgs["dinsos_kupang"]],
        audience=[Audience.MEDIA, Audience.PUBLIC],
        female=6,
        male=11,
        author=kadis,
    )
    rakor = _activity(
        programme,
        kind=ActivityKind.COORDINATION,
        title="Rakor finalisasi rencana penutupan lokalisasi KD bersama OPD, LSM, TNI dan Polri",
        on=dt.date(2018, 10, 30),
        hour=9,
        venue="Ruang Garuda, Balai Kota Kupang",
        organiser=orgs["dinsos_kupang"],
        participants=[
            orgs[k]
            for k in (
                "satpolpp_kupang",
                "dinkes_kupang",
                "dispar_kupang",
                "kpad_kupang",
                "polres_kupang",
                "kodim_kupang",
                "opsi_ntt",
                "lks_kupang",
                "kel_alak",
            )
        ],
        audience=[Audience.GOVERNMENT, Audience.PARTNERS],
        female=14,
        male=23,
        minutes="Dinas Sosial memaparkan hasil pendataan awal: 145 penghuni, 3 warga Kota Kupang, 8 dari "
        "kabupaten/kota lain di NTT, 134 dari provinsi lain.",
        decisions="1. Sosialisasi kepada penghuni wisma bersama Satpol PP, Dinas Pariwisata, Dinas Kesehatan dan "
        "KPAD.\n2. Pendataan akhir saat sosialisasi.\n3. Koordinasi dengan daerah asal untuk pemulangan.",
        author=kadis,
    )
    _activity(
        programme,
        kind=ActivityKind.SOCIALISATION,
        title="Sosialisasi kepada penghuni wisma di lokalisasi KD",
        on=dt.date(2018, 11, 13),
        hour=10,
        venue="Lokalisasi Karang Dempel, Kelurahan Alak",
        organiser=orgs["dinsos_kupang"],
        participants=[orgs[k] for k in ("satpolpp_kupang", "dispar_kupang", "dinkes_kupang", "kpad_kupang")],
        audience=[Audience.RESIDENTS, Audience.WISMA_OWNERS],
        female=131,
        male=9,
        site=site,
        author=kadis,
    )
    for description, owner, due, done in [
        (
            "Menyiapkan daftar penghuni per daerah asal untuk koordinasi pemulangan",
            "dinsos_kupang",
            dt.date(2018, 11, 9),
            dt.date(2018, 11, 8),
        ),
        (
            "Menjadwalkan pemeriksaan kesehatan penghuni sebelum pemulangan",
            "dinkes_kupang",
            dt.date(2018, 11, 30),
            None,
        ),
        ("Mengirim surat koordinasi kepada Dinas Sosial daerah asal", "dinsos_kupang", dt.date(2018, 12, 7), None),
        ("Menyiapkan pengamanan kegiatan penutupan", "satpolpp_kupang", dt.date(2018, 12, 28), None),
    ]:
        FollowUpAction.objects.create(
            activity=rakor,
            programme=programme,
            description=description,
            owner_organisation=orgs[owner],
            due_on=due,
            status="done" if done else "open",
            done_on=done,
            region_code=programme.region_id,
            created_by=kadis,
        )
    FollowUpAction.objects.create(
        activity=forkopimda,
        programme=programme,
        description="Menyiapkan rilis media tentang rencana penutupan",
        owner_organisation=orgs["pemkot_kupang"],
        due_on=dt.date(2018, 10, 12),
        status="done",
        done_on=dt.date(2018, 10, 12),
        region_code=programme.region_id,
        created_by=kadis,
    )
    Grievance.objects.create(
        programme=programme,
        site=site,
        reference="ADU-5371-2018-0001",
        received_on=dt.date(2018, 10, 24),
        channel=Channel.MEDIA,
        category=Category.SUGGESTION,
        from_group=FromGroup.RESIDENT,
        anonymous=True,
        summary="Pemerintah kota diminta bersikap adil: praktik prostitusi juga terjadi di hotel-hotel di Kota "
        "Kupang, bukan hanya di KD. Penertiban hendaknya juga menyasar hotel.",
        handler_organisation=orgs["dinsos_kupang"],
        status=GrievanceStatus.ANSWERED,
        due_on=dt.date(2018, 11, 7),
        response="Wali Kota menyampaikan penertiban dimulai dari KD, lalu operasi terhadap tempat lain yang diduga "
        "menjadi tempat praktik prostitusi.",
        responded_on=dt.date(2018, 11, 2),
        region_code="53.71",
        created_by=kadis,
    )
    return programme


# 12 sites in 11 kecamatan (seed 003). KM 10 and Kitadin are named in the reports; the other
# ten are labelled by their kecamatan.
KUKAR_SITES: list[tuple[str, str, str, int]] = [
    ("Lokalisasi KM 10", "KM10", "64.02.03", 1),
    ("Lokalisasi Kitadin", "KTD", "64.02.16", 1),
    ("Lokalisasi Loa Janan Ilir", "LJI", "64.02.03", 2),
    ("Lokalisasi Loa Kulu", "LKL", "64.02.02", 2),
    ("Lokalisasi Tenggarong", "TGR", "64.02.06", 2),
    ("Lokalisasi Samboja", "SMB", "64.02.13", 2),
    ("Lokalisasi Muara Jawa", "MJW", "64.02.14", 2),
    ("Lokalisasi Sanga Sanga", "SGS", "64.02.15", 3),
    ("Lokalisasi Anggana", "AGN", "64.02.04", 3),
    ("Lokalisasi Muara Badak", "MBD", "64.02.05", 3),
    ("Lokalisasi Marang Kayu", "MRK", "64.02.17", 3),
    ("Lokalisasi Kota Bangun", "KTB", "64.02.08", 3),
]


@transaction.atomic
def seed_kukar_programme(orgs: dict[str, Organisation]) -> ClosureProgramme | None:
    if ClosureProgramme.objects.filter(owner_organisation=orgs["dinsos_kukar"]).exists():
        return None
    kadis = User.objects.filter(username="kadis.kukar").first()
    programme = ClosureProgramme.objects.create(
        name="Penutupan 12 Lokalisasi Kabupaten Kutai Kartanegara",
        owner_organisation=orgs["dinsos_kukar"],
        region_id="64.02",
        legal_basis="Program penutupan lokalisasi Kementerian Sosial\nKeputusan Bupati Kutai Kartanegara",
        description="Penutupan bertahap 12 lokalisasi di 11 kecamatan, dimulai dari KM 10 (Loa Janan), "
        "lokalisasi terbesar, bersama Kemensos.",
        launched_on=dt.date(2016, 2, 27),
        deadline=dt.date(2016, 12, 31),
        status=ProgrammeStatus.ACTIVE,
        created_by=kadis,
    )
    programme.partners.set(
        [
            orgs[k]
            for k in (
                "kemensos",
                "dinsos_kaltim",
                "pemkab_kukar",
                "satpolpp_kukar",
                "polres_kukar",
                "kodim_kukar",
                "dinkes_kukar",
            )
        ]
    )
    phases = {
        1: Phase.objects.create(
            programme=programme,
            number=1,
            name="KM 10 dan Kitadin",
            planned_start=dt.date(2016, 2, 27),
            planned_end=dt.date(2016, 4, 30),
        ),
        2: Phase.objects.create(
            programme=programme,
            number=2,
            name="Loa Janan, Loa Kulu, Tenggarong, pesisir selatan",
            planned_start=dt.date(2016, 5, 1),
            planned_end=dt.date(2016, 8, 31),
        ),
        3: Phase.objects.create(
            programme=programme,
            number=3,
            name="Pesisir timur dan hulu",
            planned_start=dt.date(2016, 9, 1),
            planned_end=dt.date(2016, 12, 31),
        ),
    }
    sites = []
    for name, code, district, phase in KUKAR_SITES:
        site, _created = Site.objects.get_or_create(
            regency_code="64.02",
            short_code=code,
            defaults={
                "name": name,
                "region_id": district,
                "owner_organisation": orgs["dinsos_kukar"],
                "status": SiteStatus.CLOSED if phase == 1 else SiteStatus.SOCIALISING,
                "estimated_residents": 250 if code == "KM10" else 40,
            },
        )
        ProgrammeSite.objects.create(programme=programme, site=site, phase=phases[phase])
        sites.append(site)
    _stages(
        programme,
        {
            StageKind.COORDINATION: (dt.date(2016, 2, 1), dt.date(2016, 2, 26)),
            StageKind.SOCIALISATION: (dt.date(2016, 2, 29), dt.date(2016, 3, 31)),
            StageKind.CENSUS: (dt.date(2016, 3, 1), dt.date(2016, 6, 30)),
            StageKind.CLOSURE: (dt.date(2016, 2, 27), dt.date(2016, 12, 31)),
        },
    )
    _activity(
        programme,
        kind=ActivityKind.COORDINATION,
        title="Rapat koordinasi Pemprov Kaltim untuk penutupan seluruh lokalisasi",
        on=dt.date(2016, 2, 15),
        hour=9,
        venue="Kantor Gubernur Kalimantan Timur, Samarinda",
        organiser=orgs["dinsos_kaltim"],
        participants=[orgs["dinsos_kukar"], orgs["pemkab_kukar"]],
        audience=[Audience.GOVERNMENT],
        female=12,
        male=30,
        author=kadis,
    )
    _activity(
        programme,
        kind=ActivityKind.LAUNCH,
        title="Pencanangan penutupan lokalisasi oleh Menteri Sosial di KM 10",
        on=dt.date(2016, 2, 27),
        hour=10,
        venue="Lokalisasi KM 10, Kecamatan Loa Janan",
        organiser=orgs["kemensos"],
        participants=[orgs[k] for k in ("dinsos_kukar", "pemkab_kukar", "dinsos_kaltim", "polres_kukar")],
        audience=[Audience.GOVERNMENT, Audience.RESIDENTS, Audience.MEDIA],
        female=180,
        male=95,
        site=sites[0],
        author=kadis,
    )
    _activity(
        programme,
        kind=ActivityKind.SOCIALISATION,
        title="Sosialisasi penutupan kepada penghuni dan pemilik wisma KM 10",
        on=dt.date(2016, 3, 5),
        hour=9,
        venue="Lokalisasi KM 10, Kecamatan Loa Janan",
        organiser=orgs["dinsos_kukar"],
        participants=[orgs["satpolpp_kukar"], orgs["dinkes_kukar"]],
        audience=[Audience.RESIDENTS, Audience.WISMA_OWNERS],
        female=160,
        male=40,
        site=sites[0],
        author=kadis,
    )
    _activity(
        programme,
        kind=ActivityKind.ENFORCEMENT,
        title="Patroli bersama di kawasan eks lokalisasi KM 10 (hitungan agregat)",
        on=dt.date(2016, 6, 11),
        hour=20,
        venue="Kawasan KM 10, Loa Janan",
        organiser=orgs["satpolpp_kukar"],
        participants=[orgs["polres_kukar"], orgs["kodim_kukar"]],
        female=7,
        male=3,
        site=sites[0],
        author=kadis,
    )
    return programme


# The nine ex-lokalisasi villages of seed 004 ("Keras" is Desa Kras, Kecamatan Kras).
KEDIRI_VILLAGES = [
    "35.06.19.2009",  # Kandangan
    "35.06.17.1009",  # Pare
    "35.06.10.2010",  # Gurah
    "35.06.10.2008",  # Wonojoyo
    "35.06.25.2007",  # Ngasem
    "35.06.04.2008",  # Ngadiluwih
    "35.06.03.2011",  # Kras
    "35.06.13.2002",  # Grogol
    "35.06.06.2005",  # Wates
]


@transaction.atomic
def seed_kediri_monitoring(orgs: dict[str, Organisation]) -> ClosureProgramme | None:
    if ClosureProgramme.objects.filter(owner_organisation=orgs["dinsos_kediri"]).exists():
        return None
    kadis = User.objects.filter(username="kadis.kediri").first()
    programme = ClosureProgramme.objects.create(
        name="Pemantauan dan pembinaan eks lokalisasi Kabupaten Kediri",
        owner_organisation=orgs["dinsos_kediri"],
        region_id="35.06",
        legal_basis="Program penutupan lokalisasi Kementerian Sosial",
        description="Sembilan desa eks lokalisasi masih beroperasi sembunyi-sembunyi: pendekatan kepada kepala desa, "
        "pemilik wisma dan WPS, pelatihan di UPT RSBKW Kediri, razia berkala.",
        launched_on=dt.date(2014, 11, 1),
        deadline=dt.date(2015, 12, 31),
        status=ProgrammeStatus.COMPLETED,
        created_by=kadis,
    )
    programme.partners.set([orgs["upt_rsbkw"], orgs["dinsos_jatim"], orgs["pemkab_kediri"]])
    _stages(programme, {StageKind.MONITORING: (dt.date(2016, 1, 1), dt.date(2022, 12, 31))})
    _activity(
        programme,
        kind=ActivityKind.COORDINATION,
        title="Koordinasi dengan sembilan kepala desa eks lokalisasi tentang pelatihan di UPT RSBKW",
        on=dt.date(2021, 3, 9),
        hour=9,
        venue="Kantor Dinas Sosial Kabupaten Kediri",
        organiser=orgs["dinsos_kediri"],
        participants=[orgs["upt_rsbkw"], orgs["pemkab_kediri"]],
        audience=[Audience.VILLAGE_HEADS],
        female=3,
        male=8,
        tz=WIB,
        author=kadis,
    )
    rng = random.Random(9)
    existing = set(Region.objects.filter(code__in=KEDIRI_VILLAGES).values_list("code", flat=True))
    for year in range(2018, 2023):
        for village in KEDIRI_VILLAGES:
            if village not in existing:
                continue
            for quarter in (2, 4):
                # Covert activity fades slowly: fewer active places each year, with village-to-village noise.
                places = max(0, rng.randint(0, 4) - (year - 2018) // 2)
                MonitoringVisit.objects.create(
                    programme=programme,
                    village_id=village,
                    visited_on=dt.date(year, quarter * 3, rng.randint(1, 28)),
                    organisation=orgs["upt_rsbkw"] if quarter == 2 else orgs["dinsos_kediri"],
                    finding=Finding.ACTIVE if places >= 2 else Finding.SIGNS if places == 1 else Finding.NONE,
                    active_places=places,
                    active_people=places * rng.randint(1, 3),
                    observation="Pengamatan lapangan bersama perangkat desa.",
                    created_by=kadis,
                )
    return programme


def seed_programmes(orgs: dict[str, Organisation]) -> None:
    seed_kupang_programme(orgs)
    seed_kukar_programme(orgs)
    seed_kediri_monitoring(orgs)
