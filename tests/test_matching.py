"""Record linkage: the engine (normalisation, blocking, EM, scores, clusters), the review queue
(decisions, merge and undo, scope, audited identities), "known elsewhere?", the CSV command and
the planted duplicates of the demo."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from audit.models import Action, AuditEvent
from matching import selectors, services
from matching.engine import Record, link, prepare, synthetic
from matching.engine import blocking as blk
from matching.engine.compare import Comparer
from matching.engine.evaluate import pair_scores, true_pair_count
from matching.engine.normalise import name_parts, phonetic
from matching.models import CandidateStatus, GroupMembership, MatchCandidate

# --- Engine: normalisation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sri Rahayoe", "Sri Rahayu"),
        ("Djoeleha", "Juleha"),
        ("Tjahjani", "Cahyani"),
        ("Sjarifah", "Syarifah"),
        ("Chadijah", "Khadijah"),
        ("Noer Hasanah", "Nur Hasanah"),
        ("Sry Wahyuni", "Sri Wahyuni"),
        ("St. Aminah", "Siti Aminah"),
        ("Ny. Hj. SITI AMINAH", "Siti Aminah"),
        ("Moch. Ali", "Muhammad Ali"),
        ("Mochammad Ali", "Mohamad Ali"),
        ("Achmad Yani", "Ahmad Yani"),
        ("Annisa", "Anisa"),
        ("Siti Aminah binti Ahmad", "Siti Aminah"),
    ],
)
def test_indonesian_spelling_variants_meet(a, b):
    assert sorted(name_parts(a)[0]) == sorted(name_parts(b)[0])


@pytest.mark.parametrize(
    ("a", "b"),
    [("fatimah", "patimah"), ("rachmawati", "rahmawati"), ("zainab", "sainab"), ("rahmawaty", "rahmawati")],
)
def test_phonetic_keys_meet_for_sound_alike_tokens(a, b):
    ta, tb = name_parts(a)[0][0], name_parts(b)[0][0]
    assert phonetic(ta) == phonetic(tb)


def test_patronymic_is_kept_apart_from_the_own_name():
    assert name_parts("Siti Aminah binti Ahmad") == (("siti", "aminah"), ("ahmad",))


# --- Engine: comparisons, blocking, EM, scores -------------------------------------------------


def _levels(a: Record, b: Record) -> dict[str, int]:
    table = prepare([a, b])
    comparer = Comparer(table)
    levels, _tf = comparer.compute(np.array([0]), np.array([1]))
    return {c.name: int(levels[0, k]) for k, c in enumerate(comparer.comparisons)}


def test_comparison_levels_tolerate_the_usual_errors():
    base = Record(1, "Sri Wahyuni", birth_date="1990-03-05", nik="3578014503900001", phone="081234567890")
    swapped = Record(2, "SRI WAHJOENI", birth_date="1990-05-03", nik="3578014503900011", phone="+62 812-3456-7890")
    levels = _levels(base, swapped)
    assert levels["name"] == 6  # old spelling: the same canonical name
    assert levels["nik"] == 2  # one digit typed wrong
    assert levels["phone"] == 2  # 0812… and +62 812… are one number
    # The swapped date agrees with the birth date the other NIK encodes: as good as exact.
    assert levels["dob"] == 4
    assert (
        _levels(Record(8, "Sri Wahyuni", birth_date="1990-03-05"), Record(9, "Sri Wahyuni", birth_date="05/03/1990"))[
            "dob"
        ]
        == 4
    )
    assert (
        _levels(Record(8, "Sri Wahyuni", birth_date="1990-03-05"), Record(9, "Sri Wahyuni", birth_date="1990-05-03"))[
            "dob"
        ]
        == 3
    )  # day and month swapped
    # The NIK's birth date stands in for a missing stated date.
    assert _levels(base, Record(3, "Sri Wahyuni", nik="3578014503900001"))["dob"] == 4
    # A nickname registered as the name meets the alias of the other record.
    assert _levels(Record(4, "Nur Aisyah", aliases=["Ica"]), Record(5, "Ica"))["name"] == 2
    # One-word name inside a longer one; a missing value neither helps nor hurts.
    one_word = _levels(Record(6, "Wahyuni"), Record(7, "Sri Wahyuni"))
    assert one_word["name"] == 4 and one_word["dob"] == -1


@pytest.fixture(scope="module")
def synthetic_run():
    rows, entities = synthetic.generate(3000, seed=11)
    result = link(list(synthetic.to_records(rows)))
    return rows, np.asarray(entities), result


def test_blocking_keeps_candidate_pairs_near_linear_and_finds_the_duplicates():
    per_record = {}
    for size in (1500, 6000):
        rows, entities = synthetic.generate(size, seed=5)
        table = prepare(list(synthetic.to_records(rows)))
        candidates = blk.block(table)
        entities = np.asarray(entities)
        found = int((entities[candidates.a] == entities[candidates.b]).sum())
        assert found / true_pair_count(entities) > 0.97
        per_record[size] = len(candidates) / size
        # Never more than the caps allow, whatever the data.
        assert len(candidates) <= sum(rule.cap for rule in blk.RULES) * size
    # Four times the records: about the same number of pairs per record, not four times as many.
    assert per_record[6000] < 2 * per_record[1500]


def test_em_learns_that_agreement_means_the_same_person(synthetic_run):
    _rows, _entities, result = synthetic_run
    params = result.params
    by_name = {c.name: k for k, c in enumerate(params.comparisons)}
    for field, level in (("name", 6), ("dob", 4), ("nik", 3), ("phone", 2), ("region", 2)):
        k = by_name[field]
        assert params.m[k][level] > 10 * params.u[k][level], field
        assert params.m[k][0] < params.u[k][0], field  # disagreement counts against
    assert 0 < params.lam < 0.01
    assert {s["rule"] for s in params.sessions} >= {"token_dob", "nik", "phone"}


def test_scores_and_groups_are_accurate_on_realistic_records(synthetic_run):
    _rows, entities, result = synthetic_run
    links = result.links()
    scores = pair_scores(result.a[links], result.b[links], entities)
    assert scores["precision"] > 0.99 and scores["recall"] > 0.9
    ga, gb = result.group_pairs()
    assert pair_scores(ga, gb, entities)["f1"] > 0.95


def _with_background(*records: Record) -> list[Record]:
    rows, _ = synthetic.generate(1500, seed=3)
    return [*records, *synthetic.to_records(rows)]


def _prob(result, i: int, j: int) -> float:
    k = np.flatnonzero((result.a == min(i, j)) & (result.b == max(i, j)))
    return float(result.prob[k[0]]) if len(k) else 0.0


def test_spelling_variant_with_the_same_birth_date_is_proposed_and_false_friend_is_not():
    records = _with_background(
        Record("a", "Sri Rahayoe", birth_date="1991-03-14", region="35.78"),
        Record("b", "SRI RAHAYU", birth_date="1991-03-14", region="35.78", phone="081338112233"),
        Record("friend", "Sri Rahayu", birth_date="1984-11-02", region="33.10"),
        Record("swap", "Tukinah", birth_date="1979-04-09", nik="3310044904790003", region="33.10"),
        Record("swap2", "Toekinah", birth_date="1979-09-04", nik="3310044904790030", region="33.10"),
    )
    result = link(records)
    assert _prob(result, 0, 1) >= result.upper
    assert _prob(result, 0, 2) < result.lower and _prob(result, 1, 2) < result.lower
    # Old spelling, day/month swap and a NIK transposition together: still the same person.
    assert _prob(result, 3, 4) >= result.upper
    groups = result.groups
    assert groups[0] == groups[1] != groups[2]


def test_clustering_does_not_chain_two_people_through_a_third():
    # B is ambiguous between A and C, who clearly differ (NIK and birth date).
    records = _with_background(
        Record("A", "Siti Aminah", birth_date="1990-01-02", nik="3578014201900001", region="35.78"),
        Record("B", "Siti Aminah", region="35.78"),
        Record("C", "Siti Aminah", birth_date="1985-07-30", nik="3578017007850002", region="35.78"),
    )
    result = link(records, upper=0.5)
    assert result.groups[0] != result.groups[2]


# --- The registry: runs, queue, decisions ---------------------------------------------------------


@pytest.fixture
def planted(make_person, make_site, orgs):
    """A spelling-variant pair and a false friend in Karang Dempel, a woman in KM 10 (Kukar)
    who reappears in KD under her nickname, and some unrelated residents."""
    km10 = make_site("Lokalisasi KM 10", short_code="KM10", region="64.02", owner_organisation=orgs["dinsos_kukar"])
    same = dict(birth_date=dt.date(1991, 3, 14), origin_regency="35.78")
    people = {
        "old_spelling": make_person("Sri Rahayoe", nik="3578015403910004", **same),
        "new_spelling": make_person("Sri Rahayu", phone="081338112233", **same),
        "false_friend": make_person("Sri Rahayu", birth_date=dt.date(1984, 11, 2), origin_regency="33.10"),
        "kukar": make_person(
            "Nur Aisyah Wulandari",
            site=km10,
            aliases=["Ica"],
            birth_date=dt.date(1995, 8, 17),
            nik="3507125708950003",
            phone="085247660918",
            origin_regency="35.07",
        ),
        "moved": make_person("Ica", birth_date=dt.date(1995, 8, 17), phone="0852-4766-0918", origin_regency="35.07"),
    }
    for k, resident in enumerate(synthetic.generate(40, seed=9, duplicate_share=0)[0]):
        people[f"other{k}"] = make_person(
            resident["name"], birth_date=dt.date.fromisoformat(resident["dob"]) if resident["dob"] else None
        )
    return people


def _pair(p, q) -> MatchCandidate | None:
    a, b = sorted((p.pk, q.pk))
    return MatchCandidate.objects.filter(person_a_id=a, person_b_id=b).first()


def test_a_run_proposes_duplicates_within_the_scope_and_stores_no_identity(planted):
    run = services.run_matching(region="53.71")
    assert run.records == len(planted) - 1  # KM 10 lies outside Kota Kupang
    pair = _pair(planted["old_spelling"], planted["new_spelling"])
    assert pair is not None and pair.status == CandidateStatus.PROPOSED
    assert _pair(planted["old_spelling"], planted["false_friend"]) is None
    assert _pair(planted["new_spelling"], planted["false_friend"]) is None
    # Nothing identifying in the stored rows: ids, scores, levels and weights only.
    stored = repr(list(MatchCandidate.objects.values())) + repr(list(run.__class__.objects.values()))
    for secret in ("Rahay", "rahay", "RAHAY", "3578015403910004", "081338112233", "1991-03-14", "Ica", "Aisyah"):
        assert secret not in stored
    assert pair.explanation["fields"]["name"]["label"] == "nama sama"
    assert pair.explanation["fields"]["dob"]["weight"] > 0


def test_the_national_run_finds_the_woman_who_moved_under_a_nickname(planted):
    services.run_matching(region=None)
    pair = _pair(planted["kukar"], planted["moved"])
    assert pair is not None and pair.status == CandidateStatus.PROPOSED
    assert pair.explanation["fields"]["name"]["level"] == 2  # through the alias


def test_deciding_same_groups_the_records_and_undo_separates_them(planted, users):
    services.run_matching(region="53.71")
    pair = _pair(planted["old_spelling"], planted["new_spelling"])
    registrar = users[Role.REGISTRAR]
    services.decide(pair, CandidateStatus.SAME, actor=registrar)
    a, b = planted["old_spelling"], planted["new_spelling"]
    assert selectors.same_person_ids(a) == {a.pk, b.pk} == selectors.same_person_ids(b.pk)
    assert selectors.same_person_ids(planted["false_friend"]) == {planted["false_friend"].pk}
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_type="matching.matchcandidate").latest("at")
    assert event.detail["match"] == pair.pk and event.detail["decision"] == "same"
    assert "Rahay" not in repr(event.detail) + event.object_label

    services.undo(pair, actor=registrar)
    assert selectors.same_person_ids(a) == {a.pk}
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.NEEDS_REVIEW
    # Both records still exist, each with its own history; the ended memberships stay on record.
    assert GroupMembership.objects.filter(person=a, left_at__isnull=False).exists()
    assert AuditEvent.objects.filter(action=Action.UPDATE, detail__decision="undo").exists()


def test_merging_into_an_existing_group_and_a_third_record(planted, users):
    services.run_matching(region=None)
    registrar = users[Role.REGISTRAR]
    pair = _pair(planted["old_spelling"], planted["new_spelling"])
    services.decide(pair, CandidateStatus.SAME, actor=registrar)
    third = _candidate(planted["new_spelling"], planted["other0"])
    services.decide(third, CandidateStatus.SAME, actor=registrar)
    ids = selectors.same_person_ids(planted["old_spelling"])
    assert ids == {planted["old_spelling"].pk, planted["new_spelling"].pk, planted["other0"].pk}
    services.undo(third, actor=registrar)
    assert selectors.same_person_ids(planted["old_spelling"]) == {
        planted["old_spelling"].pk,
        planted["new_spelling"].pk,
    }


def _candidate(p, q, score=0.5) -> MatchCandidate:
    return MatchCandidate.objects.create(
        person_a_id=min(p.pk, q.pk), person_b_id=max(p.pk, q.pk), score=score, explanation={}
    )


def test_a_merge_that_would_join_two_people_called_different_is_refused(planted, users):
    from django.core.exceptions import ValidationError

    a, b, c = planted["old_spelling"], planted["new_spelling"], planted["other1"]
    registrar = users[Role.REGISTRAR]
    services.decide(_candidate(a, b), CandidateStatus.SAME, actor=registrar)
    services.decide(_candidate(a, c), CandidateStatus.DIFFERENT, actor=registrar)
    chain = _candidate(b, c)
    with pytest.raises(ValidationError, match="bukan orang yang sama"):
        services.decide(chain, CandidateStatus.SAME, actor=registrar)
    chain.refresh_from_db()
    assert chain.status == CandidateStatus.NEEDS_REVIEW
    assert selectors.same_person_ids(c) == {c.pk}


def test_different_is_remembered_and_never_proposed_again(planted, users):
    services.run_matching(region="53.71")
    pair = _pair(planted["old_spelling"], planted["new_spelling"])
    services.decide(pair, CandidateStatus.DIFFERENT, actor=users[Role.HEAD_OF_DINSOS])
    services.run_matching(region="53.71")
    services.run_matching(region=None)
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.DIFFERENT
    assert MatchCandidate.objects.filter(person_a=pair.person_a, person_b=pair.person_b).count() == 1
    assert selectors.same_person_ids(planted["old_spelling"]) == {planted["old_spelling"].pk}
    assert not selectors.queue(users[Role.REGISTRAR]).filter(pk=pair.pk).exists()


def test_a_decided_pair_cannot_be_decided_twice(planted, users, login):
    services.run_matching(region="53.71")
    pair = _pair(planted["old_spelling"], planted["new_spelling"])
    client = login(users[Role.CASE_WORKER])
    response = client.post(reverse("matching:decide", args=[pair.pk]), {"decision": "same"})
    assert response.status_code == 302
    response = client.post(reverse("matching:decide", args=[pair.pk]), {"decision": "different"})
    assert response.status_code == 200
    assert "sudah diputuskan" in response.content.decode()
    pair.refresh_from_db()
    assert pair.status == CandidateStatus.SAME and pair.decided_by == users[Role.CASE_WORKER]


def test_kukar_user_cannot_see_or_decide_a_kupang_pair(planted, make_user, orgs, login):
    services.run_matching(region=None)
    pair = _pair(planted["old_spelling"], planted["new_spelling"])
    kukar = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02")
    client = login(kukar)
    assert client.get(reverse("matching:pair", args=[pair.pk])).status_code == 404
    assert client.post(reverse("matching:decide", args=[pair.pk]), {"decision": "same"}).status_code == 404
    page = client.get(reverse("matching:queue")).content.decode()
    assert planted["old_spelling"].case_code not in page
    # The cross-region pair (KM 10 ~ KD) is in neither region's queue.
    moved = _pair(planted["kukar"], planted["moved"])
    assert not selectors.queue(kukar).filter(pk=moved.pk).exists()


def test_pair_page_shows_case_codes_and_reveals_identities_only_on_request_audited(planted, users, login):
    services.run_matching(region="53.71")
    pair = _pair(planted["old_spelling"], planted["new_spelling"])
    client = login(users[Role.REGISTRAR])
    page = client.get(reverse("matching:pair", args=[pair.pk])).content.decode()
    assert planted["old_spelling"].case_code in page and "Rahay" not in page
    assert "Tampilkan kedua identitas" in page
    before = AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).count()
    response = client.post(reverse("matching:pair", args=[pair.pk]))
    page = response.content.decode()
    assert "Sri Rahayoe" in page and "Sri Rahayu" in page
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).count() == before + 2


def test_a_role_without_identity_view_sees_only_case_codes(planted, users, login, monkeypatch):
    from access import policy
    from access.policy import Perm

    services.run_matching(region="53.71")
    pair = _pair(planted["old_spelling"], planted["new_spelling"])
    finance = users[Role.FINANCE_OFFICER]
    monkeypatch.setitem(
        policy.ROLE_PERMISSIONS, Role.FINANCE_OFFICER, policy.ROLE_PERMISSIONS[finance.role] - {Perm.IDENTITY_VIEW}
    )
    client = login(finance)
    page = client.get(reverse("matching:pair", args=[pair.pk])).content.decode()
    assert planted["old_spelling"].case_code in page and "Tampilkan kedua identitas" not in page
    assert "nama sama" in page  # the per-field agreement
    assert client.post(reverse("matching:pair", args=[pair.pk])).status_code == 403
    assert AuditEvent.objects.filter(action=Action.PERMISSION_DENIED, actor=finance).exists()


def test_queue_lists_pairs_without_a_query_per_row(planted, users, login, django_assert_max_num_queries):
    services.run_matching(region="53.71")
    for k in range(1, 12):
        p, q = planted[f"other{k}"], planted[f"other{k + 12}"]
        MatchCandidate.objects.get_or_create(
            person_a_id=min(p.pk, q.pk), person_b_id=max(p.pk, q.pk), defaults={"score": 0.4, "explanation": {}}
        )
    client = login(users[Role.CASE_WORKER])
    with django_assert_max_num_queries(14):
        page = client.get(reverse("matching:queue")).content.decode()
    assert planted["old_spelling"].case_code in page and "Diusulkan sama" in page


def test_run_from_the_page_for_a_small_scope(planted, users, login):
    client = login(users[Role.REGISTRAR])
    response = client.post(reverse("matching:run"), follow=True)
    assert "Pencocokan selesai" in response.content.decode()
    assert _pair(planted["old_spelling"], planted["new_spelling"]) is not None
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="matching.matchrun").exists()


def test_run_from_the_page_for_a_large_scope_is_left_to_the_nightly_command(planted, users, login, monkeypatch):
    monkeypatch.setattr(services, "SYNC_LIMIT", 5)
    client = login(users[Role.REGISTRAR])
    response = client.post(reverse("matching:run"), follow=True)
    assert "tiap malam" in response.content.decode()
    assert not MatchCandidate.objects.exists()


def test_match_people_command(planted):
    out = io.StringIO()
    call_command("match_people", "--region", "53.71", stdout=out)
    assert "diusulkan sama" in out.getvalue()
    assert _pair(planted["old_spelling"], planted["new_spelling"]) is not None


# --- Known elsewhere? ---------------------------------------------------------------------------


def test_known_elsewhere_names_the_holding_organisation_and_nothing_else(planted, users, login):
    services.run_matching(region=None)  # a trained model to score with
    client = login(users[Role.CASE_WORKER])
    url = reverse("matching:known_elsewhere", args=[planted["moved"].case_code])
    person_page = client.get(reverse("people:detail", args=[planted["moved"].case_code])).content.decode()
    assert f'href="{url}"' in person_page  # the record leads to the question
    assert "Periksa sekarang" in client.get(url).content.decode()
    page = client.post(url).content.decode()
    assert "Ya." in page and "Dinas Sosial Kabupaten Kutai Kartanegara" in page
    for secret in ("Aisyah", "Wulandari", "3507125708950003", planted["kukar"].case_code, "KM 10"):
        assert secret not in page
    event = AuditEvent.objects.filter(object_id=str(planted["moved"].pk), detail__purpose="known_elsewhere").get()
    assert event.detail["answer"] == "yes"
    # Someone known nowhere else.
    answer = services.known_elsewhere(planted["other3"], user=users[Role.CASE_WORKER])
    assert answer["answer"] == "no" and answer["organisations"] == []


def test_known_elsewhere_only_for_people_in_scope(planted, make_user, orgs, login):
    kukar = make_user(Role.CASE_WORKER, organisation=orgs["dinsos_kukar"], region="64.02")
    client = login(kukar)
    url = reverse("matching:known_elsewhere", args=[planted["moved"].case_code])
    assert client.post(url).status_code == 404
    answer = services.known_elsewhere(planted["kukar"], user=kukar)
    assert answer["answer"] == "yes" and answer["organisations"] == ["Dinas Sosial Kota Kupang"]


# --- CSV command ---------------------------------------------------------------------------------


def test_link_csv_scores_a_febrl_like_file_against_true_links(tmp_path):
    rows, entities = synthetic.generate(400, seed=21)
    people = tmp_path / "people.csv"
    with people.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["rec_id", "given_name", "surname", "date_of_birth", "soc_sec_id", "postcode", "suburb"])
        for row in rows:
            parts = row["name"].split()
            suburb = f"kecamatan {row['nik'][4:6]}" if row["nik"] else ""
            writer.writerow(
                [
                    row["id"],
                    parts[0],
                    " ".join(parts[1:]),
                    row["dob"].replace("-", ""),
                    row["nik"],
                    row["region"],
                    suburb,
                ]
            )
    truth = tmp_path / "truth.csv"
    with truth.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id_a", "id_b"])
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if entities[i] == entities[j]:
                    writer.writerow([rows[i]["id"], rows[j]["id"]])
    out = io.StringIO()
    call_command(
        "link_csv",
        "--left",
        str(people),
        "--map",
        "id=rec_id,name=given_name+surname,dob=date_of_birth,nik=soc_sec_id,region=postcode,suburb=suburb",
        "--truth",
        str(truth),
        stdout=out,
    )
    text = out.getvalue()
    assert text.startswith("id_a,id_b,probability,match_weight,decision")
    summary = text.strip().splitlines()[-1]
    values = dict(part.split("=") for part in summary.split())
    assert float(values["precision"]) > 0.95 and float(values["recall"]) > 0.85 and float(values["f1"]) > 0.9


def test_link_csv_links_two_files_and_reports_a_bad_mapping(tmp_path):
    left, right = tmp_path / "a.csv", tmp_path / "b.csv"
    left.write_text("id,nama,tgl_lahir\n1,Sri Rahayoe,14/03/1991\n2,Tukinah,1980-01-01\n")
    right.write_text("id,nama,tgl_lahir\n9,SRI RAHAYU,1991-03-14\n8,Wartini,1970-05-05\n")
    out = io.StringIO()
    call_command("link_csv", "--left", str(left), "--right", str(right), "--map", "name=nama,dob=tgl_lahir", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("1,9,")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no column"):
        call_command("link_csv", "--left", str(left), "--map", "name=nm", stdout=io.StringIO())


# --- Demo ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=False)
def test_demo_plants_duplicates_the_engine_proposes_and_a_false_friend_it_does_not(regions):
    from demo.matching import planted_duplicates, seed_matching
    from demo.scenario import load_scenario, seed_organisations

    load_scenario()
    planted = planted_duplicates()
    first, second = planted["spelling"]
    kukar, moved = planted["moved"]
    friend = planted["false_friend"]
    spelling = _pair(first, second)
    assert spelling is not None and spelling.status == CandidateStatus.PROPOSED
    assert first.census_entries.get().round.kind != second.census_entries.get().round.kind  # two rounds
    assert first.registered_site == second.registered_site == friend.registered_site
    moved_pair = _pair(kukar, moved)
    assert moved_pair is not None and moved_pair.status in (CandidateStatus.PROPOSED, CandidateStatus.NEEDS_REVIEW)
    for other in (first, second):
        pair = _pair(other, friend)
        assert pair is None or pair.status == CandidateStatus.NEEDS_REVIEW
        assert pair is None or pair.score < 0.95
    # Idempotent: a second call plants nothing.
    assert seed_matching(seed_organisations()) is None
