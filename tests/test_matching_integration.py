"""The matching engine used from the census import and from the registration form: a woman
recorded as "Sri Rahayoe" (with her NIK) and later written "Sri Rahayu" without it is caught as a
probable duplicate instead of slipping in as a new person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from census import imports
from census.models import CensusEntry, DuplicateReason, ImportRow, ImportStatus, Resolution
from census.xlsform import template_workbook
from matching import selectors, services
from matching.engine import Record, synthetic
from matching.models import CandidateStatus, MatchCandidate
from people.models import Person
from people.synthetic import generate_residents
from people.views import _safe_warnings
from tests.test_census_import import row, upload, xlsx_upload
from tests.test_people_views import registration_data

BORN = dt.date(1991, 3, 14)
NIK = "3578015403910004"  # Surabaya, 14 March 1991, a woman
SECRETS = ("Rahay", "rahay", "RAHAY", "Rahyu", NIK, "1991-03-14", "14-03-1991", "Goreti")
REGISTER = reverse("people:register")


@pytest.fixture
def registrar(users):
    return users[Role.REGISTRAR]


@pytest.fixture
def census_round(make_round):
    return make_round(people=[])


@pytest.fixture
def as_registrar(login, registrar):
    return login(registrar)


@pytest.fixture
def registry(make_person):
    """Sri Rahayoe's record holds her NIK, her birth date only through it (so no name + birth
    date blind index), and a dozen unrelated residents of Karang Dempel."""
    people = {"rahayoe": make_person("Sri Rahayoe", nik=NIK, origin_regency="35.78", sex="P")}
    for k, resident in enumerate(synthetic.generate(12, seed=9, duplicate_share=0)[0]):
        born = dt.date.fromisoformat(resident["dob"]) if resident["dob"] else None
        people[f"other{k}"] = make_person(resident["name"], birth_date=born)
    return people


def _no_training(*args, **kwargs):
    raise AssertionError("a model was trained although a run's model exists")


def _stored(model, *, leave_out=()) -> str:
    """Every column of every row of ``model`` but ``leave_out``, as text."""
    columns = [f.attname for f in model._meta.concrete_fields if f.name not in leave_out]
    return repr(list(model.objects.values(*columns)))


# --- Census import -----------------------------------------------------------------------------


@pytest.mark.parametrize("trained", [False, True], ids=["no-run-yet", "after-a-run"])
def test_import_flags_the_spelling_variant_as_probable_and_same_counts_the_existing_person(
    as_registrar, registrar, census_round, registry, trained, monkeypatch
):
    existing = registry["rahayoe"]
    if trained:
        services.run_matching(region=None)
        monkeypatch.setattr(services, "link", _no_training)  # the run's model scores the file
    rows = [
        row(nama_lengkap="Sri Rahayu", tanggal_lahir="14-03-1991", jenis_kelamin="P", kabkota_asal="35.78"),
        row(nama_lengkap="Maria Goreti Bunga", tanggal_lahir="02-02-1988", jenis_kelamin="P"),
        # Same common name, another woman (born two years earlier, elsewhere).
        row(nama_lengkap="Sri Rahayu", tanggal_lahir="02-11-1989", kabkota_asal="33.10"),
    ]
    people_before = Person.objects.count()
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    assert batch.status == ImportStatus.READY and batch.error_count == 0

    flagged = batch.rows.get(row_number=2)
    assert flagged.duplicate_of == existing
    assert flagged.duplicate_reason == DuplicateReason.PROBABLE
    assert services.DEFAULT_LOWER <= flagged.duplicate_score <= 1
    assert flagged.resolution == Resolution.PENDING and flagged.needs_decision
    for other in (3, 4):
        other_row = batch.rows.get(row_number=other)
        assert other_row.duplicate_of is None and other_row.duplicate_score is None and not other_row.needs_decision
    assert batch.duplicate_count == 1

    # Nothing is applied before the registrar decides.
    assert any("belum diputuskan" in reason for reason in imports.apply_blockers(batch))
    with pytest.raises(ValidationError, match="belum diputuskan"):
        imports.apply_batch(actor=registrar, batch=batch)
    assert Person.objects.count() == people_before

    page = as_registrar.get(reverse("census:import_detail", kwargs={"pk": batch.pk}) + "?tampil=duplikat")
    content = page.content.decode()
    assert f"mirip orang terdaftar {existing.case_code}" in content
    assert "Kemungkinan orang yang sama" in content
    assert f'data-testid="duplicate-score">skor {int(flagged.duplicate_score * 100)}%<' in content

    response = as_registrar.post(
        reverse("census:import_resolve", kwargs={"pk": flagged.pk}), {"resolution": "same"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Kemungkinan orang yang sama" in response.content.decode()
    result = imports.apply_batch(actor=registrar, batch=batch)
    assert (result.new, result.existing, result.added) == (2, 1, 3)
    assert Person.objects.count() == people_before + 2
    assert existing.pk in set(CensusEntry.objects.filter(round=census_round).values_list("person_id", flat=True))


def test_resolving_a_probable_duplicate_as_different_registers_a_new_person(
    as_registrar, registrar, census_round, registry
):
    batch = upload(
        as_registrar, census_round, xlsx_upload([row(nama_lengkap="Sri Rahayu", tanggal_lahir="14-03-1991")])
    )
    flagged = batch.rows.get()
    assert flagged.duplicate_reason == DuplicateReason.PROBABLE
    imports.resolve_row(actor=registrar, row=flagged, resolution=Resolution.DIFFERENT)
    people_before = Person.objects.count()
    result = imports.apply_batch(actor=registrar, batch=batch)
    assert (result.new, result.existing, result.different) == (1, 0, 1)
    assert Person.objects.count() == people_before + 1
    assert registry["rahayoe"].pk not in set(CensusEntry.objects.values_list("person_id", flat=True))
    # The registrar's "different" is remembered: no matching run proposes the pair again.
    new = Person.objects.order_by("-pk").first()
    pair = MatchCandidate.objects.get(
        person_a=min(new.pk, registry["rahayoe"].pk), person_b=max(new.pk, registry["rahayoe"].pk)
    )
    assert pair.status == CandidateStatus.DIFFERENT and pair.decided_by == registrar
    services.run_matching(region="53.71")
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.DIFFERENT


def test_exact_duplicates_keep_priority_and_typos_are_probable(as_registrar, census_round, make_person):
    stated = make_person("Sri Rahayoe", nik=NIK, birth_date=BORN, origin_regency="35.78")
    rows = [
        row(nama_lengkap="Sri Rahayu", tanggal_lahir="14-03-1991"),  # same canonical name and date
        row(nama_lengkap="Sri R.", nik=NIK),  # same NIK
        row(nama_lengkap="Sri Rahyu", tanggal_lahir="14-03-1991"),  # a typo: no blind index is equal
    ]
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    by_row = {r.row_number: r for r in batch.rows.all()}
    assert (by_row[2].duplicate_of, by_row[2].duplicate_reason) == (stated, DuplicateReason.NAME_DOB)
    assert (by_row[3].duplicate_of, by_row[3].duplicate_reason) == (stated, DuplicateReason.NIK)
    assert by_row[2].duplicate_score is None and by_row[3].duplicate_score is None
    assert (by_row[4].duplicate_of, by_row[4].duplicate_reason) == (stated, DuplicateReason.PROBABLE)
    assert by_row[4].duplicate_score >= services.DEFAULT_LOWER
    assert batch.duplicate_count == 3


def test_people_outside_the_scope_are_not_probable_duplicates(as_registrar, census_round, make_person, make_site, orgs):
    kukar = make_site("KM 10", short_code="KM", region="64.02", owner_organisation=orgs["dinsos_kukar"])
    make_person("Sri Rahayoe", site=kukar, nik=NIK, origin_regency="35.78")
    batch = upload(
        as_registrar, census_round, xlsx_upload([row(nama_lengkap="Sri Rahayu", tanggal_lahir="14-03-1991")])
    )
    assert batch.rows.get().duplicate_of is None


def test_checking_a_chunk_takes_as_many_queries_for_50_rows_as_for_5(registrar, registry, make_round):
    def check(count: int, seed: int) -> tuple[int, ImportRow]:
        residents = list(generate_residents(["53.71", "53.01", None] * count, seed=seed))[: count - 1]
        rows = [imports.person_row(r.identity, r.attrs) for r in residents]
        rows.append(row(nama_lengkap="Sri Rahayu", tanggal_lahir="14-03-1991"))
        batch = imports.create_batch(
            actor=registrar, census_round=make_round(people=[]), content=template_workbook(rows), filename="x.xlsx"
        )
        with CaptureQueriesContext(connection) as captured:
            batch = imports.parse_next_chunk(batch)
        assert batch.status == ImportStatus.READY and batch.rows.count() == count
        return len(captured), batch.rows.get(row_number=count + 1)

    small, small_flagged = check(5, seed=5)
    large, large_flagged = check(50, seed=6)
    assert small == large
    for flagged in (small_flagged, large_flagged):
        assert flagged.duplicate_reason == DuplicateReason.PROBABLE
        assert flagged.duplicate_of == registry["rahayoe"]


def test_a_run_that_found_no_duplicates_does_not_hide_incoming_ones(registry, make_person, users):
    # A false friend the run compares with Sri Rahayoe and rightly keeps apart: the run learns
    # only that nobody in this registry matches anybody (λ at the EM's floor).
    make_person("Sri Rahayu", birth_date=dt.date(1984, 11, 2), origin_regency="33.10")
    run = services.run_matching(region=None)
    assert run.pairs_compared and run.parameters["lambda"] < 1e-9
    incoming = Record("row", "Sri Rahayu", birth_date=BORN, region="35.78")
    found = services.probable_matches([incoming], candidates=Person.objects.all())
    assert [m.person for m in found["row"]] == [registry["rahayoe"]]


# --- Registration ---------------------------------------------------------------------------------


def test_registering_a_look_alike_warns_with_the_case_code_and_queues_the_pair(
    login, registrar, site_kd, registry, make_person, make_site, orgs
):
    existing = registry["rahayoe"]
    kukar = make_site("KM 10", short_code="KM", region="64.02", owner_organisation=orgs["dinsos_kukar"])
    elsewhere = make_person("Sri Rahayoe", site=kukar, nik=NIK, origin_regency="35.78")
    client = login(registrar)
    data = registration_data(site_kd, full_name="Sri Rahayu", birth_date="1991-03-14", origin="35.78")
    response = client.post(REGISTER, data, follow=True)
    person = Person.objects.latest("pk")
    assert response.redirect_chain[-1][0] == reverse("people:detail", kwargs={"case_code": person.case_code})

    pair = MatchCandidate.objects.get(person_b=person)
    assert pair.person_a == existing and pair.person_a_id < pair.person_b_id
    assert pair.score >= services.DEFAULT_LOWER
    expected = CandidateStatus.PROPOSED if pair.score >= services.DEFAULT_UPPER else CandidateStatus.NEEDS_REVIEW
    assert pair.status == expected and pair.run is None and pair.decided_by is None
    assert pair.explanation["fields"]["dob"]["label"] == "tanggal lahir sama"
    assert "token nama" in pair.explanation["found_by"]

    shown = [str(m) for m in response.context["messages"]]
    warning = (
        f"Mungkin orang yang sama dengan {existing.case_code} (skor {int(pair.score * 100)}%). "
        "Periksa di antrean pencocokan."
    )
    assert warning in shown
    # The record in Kutai Kartanegara is outside the registrar's scope: not named, not queued.
    assert not any(elsewhere.case_code in m for m in shown)
    assert not MatchCandidate.objects.filter(person_a=elsewhere).exists()
    assert not MatchCandidate.objects.filter(person_b=elsewhere).exists()
    assert list(selectors.queue(registrar)) == [pair]


def test_registering_someone_clearly_different_queues_nothing(login, registrar, site_kd, registry):
    client = login(registrar)
    data = registration_data(site_kd, full_name="Maria Goreti Bunga", birth_date="1988-02-02", origin="53.71")
    response = client.post(REGISTER, data, follow=True)
    assert not any("Mungkin orang yang sama" in str(m) for m in response.context["messages"])
    assert not MatchCandidate.objects.exists()


def test_a_pair_decided_different_is_not_proposed_again(registrar, registry, make_person):
    newcomer = make_person("Sri Rahayu", birth_date=BORN, origin_regency="35.78")
    first = services.propose_for_new_person(newcomer, actor=registrar)
    assert [m.person for m in first] == [registry["rahayoe"]]
    assert len(services.propose_for_new_person(newcomer, actor=registrar)) == 1
    pair = MatchCandidate.objects.get()  # asked twice, queued once
    services.decide(pair, CandidateStatus.DIFFERENT, actor=registrar)

    again = services.propose_for_new_person(newcomer, actor=registrar)
    assert [m.person for m in again] == [registry["rahayoe"]]  # still a look-alike...
    pair.refresh_from_db()
    assert MatchCandidate.objects.count() == 1 and pair.status == CandidateStatus.DIFFERENT  # ...but decided


def test_warnings_naming_case_codes_survive_the_identity_filter():
    from people.identity import Identity

    warning = "Mungkin orang yang sama dengan 5371-KD-0006 (skor 97%). Periksa di antrean pencocokan."
    identity = Identity(full_name="Sri Rahayu", aliases=["Sam", "Yan"])
    assert _safe_warnings([warning], identity) == [warning]
    quoting = "Nama Sam tidak cocok dengan NIK."
    assert _safe_warnings([quoting], identity) != [quoting]


# --- Nothing plain is stored ------------------------------------------------------------------------


def test_no_plain_identity_in_import_rows_or_queue_columns(
    as_registrar, login, registrar, site_kd, census_round, registry
):
    rows = [
        row(nama_lengkap="Sri Rahayu", tanggal_lahir="14-03-1991"),
        row(nama_lengkap="Maria Goreti Bunga", tanggal_lahir="02-02-1988"),
    ]
    batch = upload(as_registrar, census_round, xlsx_upload(rows))
    assert batch.rows.get(row_number=2).duplicate_reason == DuplicateReason.PROBABLE
    as_registrar.post(REGISTER, registration_data(site_kd, full_name="Sri Rahyu", birth_date="1991-03-14"))
    assert MatchCandidate.objects.exists()
    # The encrypted row data aside, no column holds a name, NIK or date.
    stored = _stored(ImportRow, leave_out={"data_ciphertext"}) + _stored(MatchCandidate)
    assert "duplicate_score" in stored and "explanation" in stored
    for secret in SECRETS:
        assert secret not in stored


def test_the_nightly_run_keeps_pairs_queued_at_registration(registry, make_person):
    """A run drops open pairs an earlier run found and it no longer does; a pair queued when a
    person was registered waits for its reviewer (the registrar was told to look at it)."""
    first = make_person("Yohana Manafe", birth_date=dt.date(1988, 1, 5), origin_regency="53.71")
    second = make_person("Agustina Lakapu", birth_date=dt.date(1979, 9, 30), origin_regency="53.71")
    third = make_person("Maria Bulu", birth_date=dt.date(1993, 6, 2), origin_regency="53.71")
    earlier = services.run_matching(region="53.71")
    from_run = MatchCandidate.objects.create(
        person_a=first, person_b=second, score=0.5, status=CandidateStatus.NEEDS_REVIEW, run=earlier
    )
    from_registration = MatchCandidate.objects.create(
        person_a=first, person_b=third, score=0.5, status=CandidateStatus.NEEDS_REVIEW
    )
    services.run_matching(region="53.71")
    assert not MatchCandidate.objects.filter(pk=from_run.pk).exists()
    assert MatchCandidate.objects.get(pk=from_registration.pk).status == CandidateStatus.NEEDS_REVIEW
