"""Demo training (issue 5, item 6): the three Kota Kupang residents of Karang Dempel follow local
empowerment with a local catering course; women of the Kabupaten Kediri ex-lokalisasi train at
UPT RSBKW Kediri in 2019 (tata rias, tata boga, tata busana; about four months, 60 places).

Seed 004 says most women working in Kediri's ex-lokalisasi come from elsewhere, so most origins
here lie outside Kabupaten Kediri. Everything goes through the training services (policy,
waiting list, promotion, audit, case history), acting as the demo users of each office.
Idempotent: a course that already has enrolments is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from cases.models import Case, CasePlan, CaseStatus, Pathway, Service, ServiceKind, Stage
from organisations.models import Organisation
from people.models import Person, Sex
from people.services import person_register
from people.synthetic import generate_residents
from sites.models import Site, SiteStatus
from training import services
from training.models import Course, Enrolment, EnrolmentStatus, LeaveReason, Skill

KUPANG_COURSE = "Pelatihan tata boga bagi warga binaan Karang Dempel"
KEDIRI_SITE_VILLAGE = "35.06.19.2009"  # Desa Kandangan, Kecamatan Kandangan
KEDIRI_REGISTERED_ON = dt.date(2019, 1, 2)
KEDIRI_CASES_OPENED_ON = dt.date(2019, 1, 3)
# Origins of the Kediri women: Kabupaten Kediri itself, the rest of Jawa Timur, and beyond.
KEDIRI_ORIGINS = {
    "35.06": 9,
    "35.71": 5,
    "35.18": 7,
    "35.04": 6,
    "35.05": 6,
    "35.17": 5,
    "35.07": 4,
    "35.03": 3,
    "33.12": 5,
    "33.13": 4,
    "33.01": 3,
    "32.03": 3,
    "32.12": 3,
    "52.01": 2,
}
KEDIRI_WOMEN = 68


@dataclass(frozen=True)
class KediriCourse:
    skill: str
    name: str
    starts_on: dt.date
    ends_on: dt.date
    toolkit: str
    sessions: int
    women: range  # indexes into the registered women, in enrolment order
    enrolled_on: dt.date
    dropped: tuple[tuple[int, str, dt.date], ...]  # (index, reason, on)
    pending: int  # participants whose completion is not recorded yet
    code: str  # certificate numbering


KEDIRI_COURSES = (
    KediriCourse(
        Skill.BEAUTY,
        "Pelatihan tata rias angkatan I tahun 2019",
        dt.date(2019, 1, 14),
        dt.date(2019, 5, 10),
        "Satu set alat rias dan perlengkapan salon",
        64,
        range(0, 24),
        dt.date(2019, 1, 7),
        ((5, LeaveReason.WENT_HOME, dt.date(2019, 3, 11)), (17, LeaveReason.FAMILY, dt.date(2019, 4, 8))),
        0,
        "TR",
    ),
    KediriCourse(
        Skill.CATERING,
        "Pelatihan tata boga angkatan I tahun 2019",
        dt.date(2019, 5, 13),
        dt.date(2019, 9, 6),
        "Kompor, oven, dan peralatan membuat kue",
        64,
        range(24, 46),
        dt.date(2019, 4, 29),
        ((30, LeaveReason.WORK, dt.date(2019, 7, 15)),),
        0,
        "TB",
    ),
    # Full: 66 cases for 60 places. Two drop out and the first two waiting take their places;
    # four stay on the waiting list, and four completions are still to be recorded.
    KediriCourse(
        Skill.TAILORING,
        "Pelatihan tata busana angkatan I tahun 2019",
        dt.date(2019, 9, 2),
        dt.date(2019, 12, 27),
        "Mesin jahit portabel dan perlengkapan menjahit",
        64,
        range(0, 66),
        dt.date(2019, 8, 19),
        ((12, LeaveReason.HEALTH, dt.date(2019, 9, 23)), (40, LeaveReason.ABSENT, dt.date(2019, 10, 14))),
        4,
        "TBS",
    ),
)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _course(actor, *, provider: Organisation, **fields) -> Course:
    course = Course.objects.filter(name=fields["name"], provider=provider).first()
    return course or services.course_create(actor=actor, provider=provider, **fields)


def _open_case(
    person: Person, *, organisation, worker, supervisor, opened_on: dt.date, pathway: str, goals: str
) -> Case:
    """The person's open case (another part of the demo may have opened it), else a new one with
    a first plan. A case without a plan gets this pathway's plan."""
    case = Case.objects.filter(person=person, status=CaseStatus.OPEN).first()
    if case is None:
        case = Case.objects.create(
            person=person,
            site=person.registered_site,
            number=f"{person.case_code}/{Case.objects.filter(person=person).count() + 1}",
            responsible_organisation=organisation,
            scope_region_code=organisation.region_id,
            case_worker=worker,
            supervisor=supervisor,
            stage=Stage.INTERVENTION,
            stage_changed_on=opened_on,
            pathway=pathway,
            opened_on=opened_on,
            created_by=supervisor,
        )
    if not case.plans.exists():
        CasePlan.objects.create(case=case, version=1, pathway=pathway, goals=goals, created_by=supervisor)
        Case.objects.filter(pk=case.pk).update(pathway=pathway)
        case.pathway = pathway
    return case


def _plan_training(case: Case, course: Course, actor) -> None:
    """A planned training service for this course, unless the plan already has one waiting."""
    if not Service.objects.filter(case=case, kind=ServiceKind.TRAINING, status="planned").exists():
        Service.objects.create(
            case=case,
            kind=ServiceKind.TRAINING,
            provider=course.provider,
            planned_start=course.starts_on,
            planned_end=course.ends_on,
            created_by=actor,
        )


def _attendance(course: Course, actor, rng: random.Random, sessions: int) -> None:
    enrolled = Enrolment.objects.filter(course=course, status=EnrolmentStatus.ENROLLED)
    services.record_attendance(
        actor=actor,
        course=course,
        sessions_total=sessions,
        attended={e.pk: rng.randint(sessions - 12, sessions) for e in enrolled},
    )


# --- Kota Kupang ----------------------------------------------------------------------------------------


def seed_kupang_course(orgs: dict[str, Organisation]) -> Course | None:
    site = Site.objects.filter(regency_code="53.71", short_code="KD").first()
    kadis = _user("kadis.kupang")
    if site is None or kadis is None:
        return None
    residents = list(Person.objects.filter(registered_site=site, origin_regency_id="53.71").order_by("case_code"))
    course = _course(
        kadis,
        provider=orgs["lks_kupang"],
        name=KUPANG_COURSE,
        skill=Skill.CATERING,
        starts_on=dt.date(2019, 1, 15),
        ends_on=dt.date(2019, 4, 30),
        capacity=20,
        place="Aula Kelurahan Alak, Kota Kupang",
        toolkit="Peralatan masak dan modal awal usaha kue",
    )
    if course.enrolments.exists():
        return course
    worker = _user("peksos.kupang")
    for person in residents:
        case = _open_case(
            person,
            organisation=orgs["dinsos_kupang"],
            worker=worker,
            supervisor=kadis,
            opened_on=dt.date(2019, 1, 2),
            pathway=Pathway.LOCAL_EMPOWERMENT,
            goals="Tinggal di Kota Kupang, ikut pelatihan tata boga, lalu membuka usaha kue di rumah.",
        )
        _plan_training(case, course, kadis)
        services.enrol(actor=kadis, course=course, case=case, on=dt.date(2019, 1, 10))
    enrolments = list(course.enrolments.order_by("case__number"))
    services.record_attendance(
        actor=kadis, course=course, sessions_total=30, attended={e.pk: 30 - i for i, e in enumerate(enrolments)}
    )
    for number, enrolment in enumerate(enrolments, start=1):
        services.complete(
            actor=kadis,
            enrolment=enrolment,
            completed_on=dt.date(2019, 4, 30),
            certificate_number=f"LKS-BHS/TB/2019/{number:03d}",
            toolkit_handed_on=dt.date(2019, 5, 6),
        )
    return course


# --- Kabupaten Kediri and UPT RSBKW Kediri -----------------------------------------------------------------


def _kediri_site(orgs: dict[str, Organisation]) -> Site:
    site = Site.objects.filter(regency_code="35.06", short_code="KDG").first()
    if site is None:
        site = Site.objects.create(
            name="Eks lokalisasi Kandangan",
            short_code="KDG",
            region_id=KEDIRI_SITE_VILLAGE,
            owner_organisation=orgs["dinsos_kediri"],
            status=SiteStatus.MONITORED,
            address="Desa Kandangan, Kecamatan Kandangan",
        )
    return site


def _kediri_women(site: Site, actor) -> list[Person]:
    women = list(Person.objects.filter(registered_site=site, sex=Sex.FEMALE).order_by("case_code"))
    if women:
        return women
    rng = random.Random(3506)
    origins = rng.choices(list(KEDIRI_ORIGINS), weights=list(KEDIRI_ORIGINS.values()), k=KEDIRI_WOMEN + 8)
    for resident in generate_residents(origins, seed=3506, today=KEDIRI_REGISTERED_ON):
        if resident.attrs.sex != Sex.FEMALE or len(women) == KEDIRI_WOMEN:
            continue
        resident.attrs.share_consent = True
        person, _warnings = person_register(
            actor=actor, site=site, identity=resident.identity, attrs=resident.attrs, consent_on=KEDIRI_REGISTERED_ON
        )
        women.append(person)
    return women


def seed_kediri_courses(orgs: dict[str, Organisation]) -> list[Course]:
    kadis = _user("kadis.kediri")  # registers and enrols the Kabupaten's cases
    province = _user("petugas.jatim")  # the province runs the UPT: courses, attendance, completion
    if kadis is None or province is None:
        return []
    site = _kediri_site(orgs)
    upt = orgs["upt_rsbkw"]
    courses = []
    women: list[Person] | None = None
    for spec in KEDIRI_COURSES:
        course = _course(
            province,
            provider=upt,
            name=spec.name,
            skill=spec.skill,
            starts_on=spec.starts_on,
            ends_on=spec.ends_on,
            capacity=60,
            place="UPT RSBKW Kediri",
            toolkit=spec.toolkit,
        )
        courses.append(course)
        if course.enrolments.exists():
            continue
        women = women or _kediri_women(site, kadis)
        rng = random.Random(spec.code)
        for index in spec.women:
            case = _open_case(
                women[index],
                organisation=orgs["dinsos_kediri"],
                worker=None,
                supervisor=kadis,
                opened_on=KEDIRI_CASES_OPENED_ON,
                pathway=Pathway.REHAB_CENTRE,
                goals="Rehabilitasi sosial dan pelatihan keterampilan di UPT RSBKW Kediri, lalu usaha mandiri.",
            )
            _plan_training(case, course, kadis)
            services.enrol(actor=kadis, course=course, case=case, on=spec.enrolled_on)
        _attendance(course, province, rng, spec.sessions // 2)
        for index, reason, on in spec.dropped:
            enrolment = Enrolment.objects.get(course=course, case__person=women[index])
            services.drop(actor=province, enrolment=enrolment, reason=reason, on=on)
        _attendance(course, province, rng, spec.sessions)
        enrolled = list(
            Enrolment.objects.filter(course=course, status=EnrolmentStatus.ENROLLED).order_by("case__number")
        )
        completing = enrolled[: len(enrolled) - spec.pending]
        for number, enrolment in enumerate(completing, start=1):
            # A few tool kits are handed over later, at the next district ceremony.
            handed = None if number % 9 == 0 else spec.ends_on + dt.timedelta(days=14)
            services.complete(
                actor=province,
                enrolment=enrolment,
                completed_on=spec.ends_on,
                certificate_number=f"UPT-RSBKW/{spec.code}/{spec.starts_on:%Y}/{number:03d}",
                toolkit_handed_on=handed,
            )
    return courses


@transaction.atomic
def seed_training(orgs: dict[str, Organisation]) -> None:
    seed_kupang_course(orgs)
    seed_kediri_courses(orgs)
