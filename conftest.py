"""Shared fixtures: a small slice of the region data, organisations, and one standing user
per role (healthchecks' owner/member/outsider pattern, extended to every role)."""

from __future__ import annotations

import itertools

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from organisations.models import Organisation, OrgKind
from regions.loader import load_regions

# Browser fixtures (browser, page, phone_page) are defined once, for every test module.
pytest_plugins = ["tests.browser"]

# Kecamatan and desa of these regions are loaded; all provinces and kabupaten/kota always are.
TEST_REGIONS = ("53.71", "53.01", "64.02", "35.06")
PASSWORD = "Uji-Sandi-2026!"

_seq = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the region slice once per test database: most tests need it, and each test's own
    transaction is rolled back afterwards, so the rows stay for the next one."""
    with django_db_blocker.unblock():
        load_regions(within=TEST_REGIONS)


@pytest.fixture
def regions(db):
    # A transactional test (browser, concurrency) ends with a flush that empties every table:
    # load the slice again for the tests after it.
    from regions.models import Region

    if not Region.objects.filter(code="53.71.01").exists():
        load_regions(within=TEST_REGIONS)


@pytest.fixture
def make_org(regions):
    def _make(name: str | None = None, *, kind: str = OrgKind.OPD, region: str = "53.71", **extra) -> Organisation:
        return Organisation.objects.create(
            name=name or f"Organisasi Uji {next(_seq)}", kind=kind, region_id=region, **extra
        )

    return _make


@pytest.fixture
def orgs(make_org):
    """The organisations the standing users belong to."""
    return {
        "dinsos_kupang": make_org("Dinas Sosial Kota Kupang", kind=OrgKind.DINSOS_KABKOTA, region="53.71"),
        "dinsos_ntt": make_org("Dinas Sosial Provinsi Nusa Tenggara Timur", kind=OrgKind.DINSOS_PROVINSI, region="53"),
        "kemensos": make_org("Kementerian Sosial RI", kind=OrgKind.KEMENSOS, region="31.71"),
        "lks_kupang": make_org("LKS Uji Kupang", kind=OrgKind.LKS, region="53.71"),
        "inspektorat_kupang": make_org("Inspektorat Kota Kupang", kind=OrgKind.OPD, region="53.71"),
        "dinsos_kukar": make_org(
            "Dinas Sosial Kabupaten Kutai Kartanegara", kind=OrgKind.DINSOS_KABKOTA, region="64.02"
        ),
    }


@pytest.fixture
def make_user(orgs):
    def _make(
        role: str,
        *,
        organisation: Organisation | None = None,
        region: str | None = "53.71",
        username: str | None = None,
        two_factor: bool = True,
        **extra,
    ) -> User:
        user = User.objects.create_user(
            username=username or f"{role}_{next(_seq)}",
            password=PASSWORD,
            email=f"{role}@contoh.go.id",
            organisation=organisation or orgs["dinsos_kupang"],
            role=role,
            region_id=region,
            **extra,
        )
        if two_factor:
            TOTPDevice.objects.create(user=user, name="uji", confirmed=True)
        return user

    return _make


@pytest.fixture
def users(make_user, orgs):
    """One standing user per role, in Kota Kupang unless the role is provincial or national."""
    return {
        Role.SYSADMIN: make_user(Role.SYSADMIN, username="admin"),
        Role.KEMENSOS_ANALYST: make_user(
            Role.KEMENSOS_ANALYST, organisation=orgs["kemensos"], region=None, username="analis", two_factor=False
        ),
        Role.PROVINCE_OFFICER: make_user(
            Role.PROVINCE_OFFICER, organisation=orgs["dinsos_ntt"], region="53", username="provinsi"
        ),
        Role.HEAD_OF_DINSOS: make_user(Role.HEAD_OF_DINSOS, username="kadis"),
        Role.CASE_WORKER: make_user(Role.CASE_WORKER, username="peksos"),
        Role.REGISTRAR: make_user(Role.REGISTRAR, username="pendata"),
        Role.FINANCE_OFFICER: make_user(Role.FINANCE_OFFICER, username="bendahara"),
        Role.PARTNER_USER: make_user(Role.PARTNER_USER, organisation=orgs["lks_kupang"], username="mitra"),
        Role.AUDITOR: make_user(Role.AUDITOR, organisation=orgs["inspektorat_kupang"], username="auditor"),
    }


def login_verified(client, user) -> None:
    """Sign ``client`` in as ``user`` with the second factor already satisfied."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()


@pytest.fixture
def login(client):
    def _login(user):
        login_verified(client, user)
        return client

    return _login


# --- Registry: sites, people, census rounds ---------------------------------------------------


@pytest.fixture
def make_site(orgs):
    from sites.models import Site

    def _make(name: str = "Karang Dempel", *, short_code: str = "KD", region: str = "53.71", **extra) -> Site:
        extra.setdefault("owner_organisation", orgs["dinsos_kupang"])
        return Site.objects.create(name=name, short_code=short_code, region_id=region, **extra)

    return _make


@pytest.fixture
def site_kd(make_site):
    """Karang Dempel, Kota Kupang: the standing site of the tests."""
    return make_site()


@pytest.fixture
def make_person(site_kd):
    """A registered person, built through the same code path as the form and the import.
    Identity fields not given are left empty; ``origin_regency`` drives the origin class."""
    from django.db import transaction

    from people.identity import Identity
    from people.services import PersonAttributes, build_person, next_case_code, replace_name_tokens

    def _make(full_name: str = "Sri Rahayu", *, site=None, aliases=(), nik="", birth_date=None, phone="", **attrs):
        site = site or site_kd
        identity = Identity(full_name=full_name, aliases=list(aliases), nik=nik, birth_date=birth_date, phone=phone)
        # The case-code counter is taken under a row lock: inside a transaction on PostgreSQL.
        with transaction.atomic():
            person = build_person(
                site=site,
                identity=identity,
                attrs=PersonAttributes(**attrs),
                actor=None,
                case_code=next_case_code(site),
            )
            person.save()
            replace_name_tokens(person, identity)
        return person

    return _make


@pytest.fixture
def make_round(site_kd):
    import datetime as dt

    from census.models import CensusEntry, CensusRound, RoundKind

    def _make(*, site=None, kind: str = RoundKind.INITIAL, held_on=dt.date(2018, 10, 1), people=(), name=""):
        census_round = CensusRound.objects.create(
            site=site or site_kd, kind=kind, name=name or RoundKind(kind).label, held_on=held_on
        )
        CensusEntry.objects.bulk_create([CensusEntry(round=census_round, person=p) for p in people])
        return census_round

    return _make


# --- Closure programmes ------------------------------------------------------------------------


@pytest.fixture
def make_programme(orgs, site_kd):
    import datetime as dt

    from programmes.models import ClosureProgramme, ProgrammeSite

    def _make(name: str = "Penutupan Lokalisasi Karang Dempel", *, sites=None, owner=None, partners=(), **extra):
        owner = owner or orgs["dinsos_kupang"]
        extra.setdefault("deadline", dt.date(2019, 1, 1))
        programme = ClosureProgramme.objects.create(
            name=name, owner_organisation=owner, region_id=owner.region_id, **extra
        )
        for site in [site_kd] if sites is None else sites:
            ProgrammeSite.objects.create(programme=programme, site=site)
        programme.partners.set(partners)
        return programme

    return _make


# --- Cases ---------------------------------------------------------------------------------


@pytest.fixture
def make_case(make_person, orgs, users):
    """An open case for a (new) person, responsible: Dinsos Kota Kupang, worker: the standing case worker."""
    from accounts.models import Role
    from cases.models import Case

    def _make(person=None, *, organisation=None, case_worker="default", **extra) -> Case:
        person = person or make_person(origin_regency=extra.pop("origin_regency", "35.06"))
        organisation = organisation or orgs["dinsos_kupang"]
        worker = users[Role.CASE_WORKER] if case_worker == "default" else case_worker
        number = f"{person.case_code}/{Case.objects.filter(person=person).count() + 1}"
        extra.setdefault("opened_on", __import__("datetime").date(2018, 11, 1))
        return Case.objects.create(
            person=person,
            site=person.registered_site,
            number=number,
            responsible_organisation=organisation,
            scope_region_code=organisation.region_id,
            case_worker=worker,
            supervisor=users[Role.HEAD_OF_DINSOS],
            **extra,
        )

    return _make
