"""Running the engine over the registry, and the decisions people make about its pairs.

Identities are decrypted (``people.identity.unseal``) only inside these functions, into the
engine's in-memory arrays, and dropped when they return: nothing plain is stored, logged or
audited. What is stored is person ids, scores and explanations made of agreement levels.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass, replace

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.policy import Perm
from audit.models import Action
from audit.services import audit_record
from people.crypto import blind_index
from people.identity import unseal
from people.models import NameToken, Person
from people.services import name_token_hashes, nik_hash, normalise_phone
from regions.models import within_q

from . import selectors
from .engine import DEFAULT_LOWER, DEFAULT_UPPER, Record, Table, link, prepare, score_pairs
from .engine import model as fs
from .engine import normalise as nz
from .engine.compare import comparisons_for
from .models import (
    OPEN_STATUSES,
    CandidateStatus,
    GroupMembership,
    MatchCandidate,
    MatchRun,
    PersonGroup,
    RunStatus,
)

# Above this many records a run from the page would keep the request waiting too long:
# the nightly `manage.py match_people` covers it.
SYNC_LIMIT = 5000
# "Known elsewhere?" compares one person with at most this many records found through the
# blind indexes (shared name token, NIK or phone).
KNOWN_ELSEWHERE_LIMIT = 5000
# Probable matches of a batch of incoming records (an import chunk, a registration) compare at
# most this many registered records found through the blind indexes.
PROBABLE_MATCH_LIMIT = 20000
# A shared name token counts for people born within this many years of each other (or of an
# unknown birth year).
BIRTH_YEAR_SLACK = 3
# Scoring incoming records with a run's model, λ is at least this share of duplicates per record.
MIN_DUPLICATE_SHARE = 0.01
# λ for incoming records before any run has trained a model (the engine's own starting value).
FALLBACK_LAMBDA = 1e-4


def people_in(region: str | None):
    qs = Person.objects.filter(anonymised_at__isnull=True)
    return qs.filter(within_q("scope_region_code", region)) if region else qs


def record_of(person: Person) -> Record:
    """The engine's view of a person: decrypted here, in memory, never written anywhere."""
    identity = unseal(person.identity_ciphertext)
    return Record(
        id=person.pk,
        name=identity.full_name,
        aliases=identity.aliases,
        birth_date=identity.birth_date,
        nik=identity.nik,
        phone=identity.phone,
        region=person.origin_regency_id or "",
    )


def _scoped_pairs(region: str | None):
    qs = MatchCandidate.objects.all()
    if region:
        qs = qs.filter(within_q("person_a__scope_region_code", region)).filter(
            within_q("person_b__scope_region_code", region)
        )
    return qs


# --- Runs ----------------------------------------------------------------------------------


def run_matching(
    *,
    region: str | None = None,
    actor=None,
    request=None,
    upper: float = DEFAULT_UPPER,
    lower: float = DEFAULT_LOWER,
) -> MatchRun:
    """Match every record in ``region`` (the whole country when None) and refresh the queue.

    Pairs above ``upper`` are proposed as the same person, pairs between the thresholds wait
    for a reviewer, pairs below are dropped. Decided pairs are never touched: a "different"
    stays different (and keeps its two records out of one group), a "same" stays merged.
    """
    clock = time.perf_counter()
    run = MatchRun.objects.create(scope_region_code=region or "", started_by=actor)
    people = list(
        people_in(region).only("id", "identity_ciphertext", "origin_regency_id", "scope_region_code").order_by("pk")
    )
    ids = [p.pk for p in people]
    index = {pk: i for i, pk in enumerate(ids)}
    records = [record_of(p) for p in people]
    del people
    decided = {
        (c.person_a_id, c.person_b_id): c
        for c in _scoped_pairs(region).exclude(status__in=OPEN_STATUSES).only("person_a_id", "person_b_id", "status")
    }
    cannot = {
        (index[a], index[b])
        for (a, b), c in decided.items()
        if c.status == CandidateStatus.DIFFERENT and a in index and b in index
    }
    groups: dict[int, list[int]] = {}
    for group_id, person_id in GroupMembership.objects.filter(left_at__isnull=True).values_list(
        "group_id", "person_id"
    ):
        if person_id in index:
            groups.setdefault(group_id, []).append(index[person_id])
    must = [(members[0], other) for members in groups.values() for other in members[1:]]
    grouped = {pair for members in groups.values() for pair in _pairs_of(members)}

    result = link(records, upper=upper, lower=lower, cannot_link=cannot, must_link=must) if len(records) >= 2 else None
    del records
    wanted: dict[tuple[int, int], tuple[int, float, float, bool]] = {}
    if result is not None:
        for k in np.flatnonzero(result.prob >= lower):
            i, j = int(result.a[k]), int(result.b[k])
            if (i, j) in grouped:
                continue  # already one person
            # A strong pair whose records clustering kept apart (it would chain two people) waits
            # for a reviewer instead of being proposed.
            together = bool(result.groups[i] == result.groups[j])
            wanted[(ids[i], ids[j])] = (int(k), float(result.prob[k]), float(result.weight[k]), together)

    proposed = needs_review = 0
    with transaction.atomic():
        existing = {(c.person_a_id, c.person_b_id): c for c in _scoped_pairs(region).filter(status__in=OPEN_STATUSES)}
        create, update = [], []
        for pair, (k, prob, weight, together) in wanted.items():
            if pair in decided:
                continue  # decided by a person: never proposed again
            status = CandidateStatus.PROPOSED if prob >= upper and together else CandidateStatus.NEEDS_REVIEW
            proposed += status == CandidateStatus.PROPOSED
            needs_review += status == CandidateStatus.NEEDS_REVIEW
            explanation = result.explanation(k)
            candidate = existing.pop(pair, None)
            if candidate is None:
                create.append(
                    MatchCandidate(
                        person_a_id=pair[0],
                        person_b_id=pair[1],
                        score=prob,
                        weight=weight,
                        status=status,
                        explanation=explanation,
                        run=run,
                    )
                )
            else:
                candidate.score, candidate.weight, candidate.status = prob, weight, status
                candidate.explanation, candidate.run = explanation, run
                update.append(candidate)
        MatchCandidate.objects.bulk_create(create, batch_size=1000)
        MatchCandidate.objects.bulk_update(update, ["score", "weight", "status", "explanation", "run"], batch_size=1000)
        # Open pairs an earlier run found and this one no longer does (a record was corrected):
        # nobody needs to review them. Pairs put in the queue when a person was registered
        # (no run) wait for their reviewer: the registrar was told to look at them.
        stale = [c.pk for c in existing.values() if c.run_id is not None]
        MatchCandidate.objects.filter(pk__in=stale).delete()
        run.records = len(ids)
        run.pairs_compared = len(result.a) if result is not None else 0
        run.proposed, run.needs_review = proposed, needs_review
        run.parameters = fs.to_dict(result.params) if result is not None else {}
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - clock
        run.save()
        audit_record(
            Action.CREATE,
            request=request,
            actor=actor,
            obj=run,
            detail={
                "matching_run": run.pk,
                "region": region or "",
                "records": run.records,
                "pairs_compared": run.pairs_compared,
                "proposed": proposed,
                "needs_review": needs_review,
            },
        )
    return run


def _pairs_of(members: list[int]):
    ordered = sorted(members)
    for x in range(len(ordered)):
        for y in range(x + 1, len(ordered)):
            yield (ordered[x], ordered[y])


def run_for_user(user, *, request=None) -> MatchRun | None:
    """Run for the user's scope if it is small enough to wait for; None when it is left to the
    nightly command."""
    if not policy.has_perm(user, Perm.PEOPLE_REGISTER):
        raise PermissionDenied
    region = user.region_id
    if people_in(region).count() > SYNC_LIMIT:
        return None
    return run_matching(region=region, actor=user, request=request)


# --- Decisions -----------------------------------------------------------------------------


def _active(person_id: int) -> GroupMembership | None:
    return GroupMembership.objects.select_for_update().filter(person_id=person_id, left_at__isnull=True).first()


def _members(membership: GroupMembership | None, person_id: int) -> list[int]:
    if membership is None:
        return [person_id]
    return list(
        GroupMembership.objects.filter(group_id=membership.group_id, left_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def _merge(candidate: MatchCandidate, actor) -> None:
    """Put both records in one group; no record is changed or removed. Refused when it would put
    together two records a reviewer called different (chaining through a third record)."""
    now = timezone.now()
    ga, gb = _active(candidate.person_a_id), _active(candidate.person_b_id)
    if ga and gb and ga.group_id == gb.group_id:
        return
    left, right = _members(ga, candidate.person_a_id), _members(gb, candidate.person_b_id)
    cross = Q()
    for x in left:
        for y in right:
            cross |= Q(person_a_id=min(x, y), person_b_id=max(x, y))
    if MatchCandidate.objects.filter(cross, status=CandidateStatus.DIFFERENT).exists():
        raise ValidationError(
            {
                "decision": [
                    _(
                        "Penggabungan ini akan menyatukan dua data yang sudah diputuskan bukan orang yang sama. "
                        "Periksa kelompoknya dulu."
                    )
                ]
            }
        )
    if ga and gb:
        # Two groups become one: the second group's members move over, their old memberships
        # stay on record as ended.
        moving = list(GroupMembership.objects.select_for_update().filter(group_id=gb.group_id, left_at__isnull=True))
        GroupMembership.objects.filter(pk__in=[m.pk for m in moving]).update(left_at=now, left_by=actor)
        GroupMembership.objects.bulk_create(
            [
                GroupMembership(group_id=ga.group_id, person_id=m.person_id, via=candidate, joined_by=actor)
                for m in moving
            ]
        )
        return
    if ga or gb:
        group_id = (ga or gb).group_id
        joiner = candidate.person_b_id if ga else candidate.person_a_id
        GroupMembership.objects.create(group_id=group_id, person_id=joiner, via=candidate, joined_by=actor)
        return
    group = PersonGroup.objects.create(created_by=actor)
    GroupMembership.objects.bulk_create(
        [
            GroupMembership(group=group, person_id=candidate.person_a_id, via=candidate, joined_by=actor),
            GroupMembership(group=group, person_id=candidate.person_b_id, via=candidate, joined_by=actor),
        ]
    )


def decide(candidate: MatchCandidate, decision: str, *, actor, request=None) -> MatchCandidate:
    """Record a reviewer's "same" or "different" for a pair; audited, no names in the log."""
    if not selectors.can_decide(actor, candidate):
        raise PermissionDenied
    if decision not in (CandidateStatus.SAME, CandidateStatus.DIFFERENT):
        raise ValidationError({"decision": [_("Pilih “orang yang sama” atau “bukan orang yang sama”.")]})
    with transaction.atomic():
        candidate = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
        if not candidate.is_open:
            raise ValidationError(
                {"decision": [_("Pasangan ini sudah diputuskan. Batalkan keputusan itu dulu bila keliru.")]}
            )
        if decision == CandidateStatus.SAME:
            _merge(candidate, actor)
        else:
            ga, gb = _active(candidate.person_a_id), _active(candidate.person_b_id)
            if ga and gb and ga.group_id == gb.group_id:
                raise ValidationError(
                    {
                        "decision": [
                            _("Kedua data ini sudah digabung lewat keputusan lain. Batalkan penggabungan itu dulu.")
                        ]
                    }
                )
        previous = candidate.status
        candidate.status = decision
        candidate.decided_by = actor
        candidate.decided_at = timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=candidate,
            detail={"match": candidate.pk, "decision": decision, "was": previous, "score": round(candidate.score, 4)},
        )
    return candidate


def undo(candidate: MatchCandidate, *, actor, request=None) -> MatchCandidate:
    """Take a decision back: after "same", the records it brought together leave the group
    (their history stays); after "different", the pair is open for review again."""
    if not selectors.can_decide(actor, candidate):
        raise PermissionDenied
    with transaction.atomic():
        candidate = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.is_open:
            raise ValidationError({"decision": [_("Belum ada keputusan untuk dibatalkan.")]})
        previous = candidate.status
        if previous == CandidateStatus.SAME:
            now = timezone.now()
            leaving = list(GroupMembership.objects.select_for_update().filter(via=candidate, left_at__isnull=True))
            groups = {m.group_id for m in leaving}
            GroupMembership.objects.filter(pk__in=[m.pk for m in leaving]).update(left_at=now, left_by=actor)
            # A group of one is no group: its last member leaves too.
            for group_id in groups:
                rest = GroupMembership.objects.filter(group_id=group_id, left_at__isnull=True)
                if rest.count() < 2:
                    rest.update(left_at=now, left_by=actor)
        candidate.status = CandidateStatus.NEEDS_REVIEW
        candidate.decided_by = None
        candidate.decided_at = None
        candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=candidate,
            detail={"match": candidate.pk, "decision": "undo", "was": previous},
        )
    return candidate


# --- Look-alikes through the blind indexes ------------------------------------------------------


@dataclass(frozen=True)
class _Keys:
    """What a record can be looked up by: keyed hashes and a birth year, never a value."""

    tokens: frozenset[str]  # name token hashes (name and aliases)
    nik_hash: str = ""
    phone_hash: str = ""
    birth_year: int | None = None


def _birth_year(record: Record) -> int | None:
    year = nz.parse_date(record.birth_date)[0]
    if not year:
        year = nz.nik_birth_date(nz.nik_digits(record.nik), reference_year=timezone.localdate().year)[0]
    return year or None


def _keys_of(record: Record) -> _Keys:
    return _Keys(
        tokens=frozenset(h for h, _alias in name_token_hashes(record.name, list(record.aliases))),
        nik_hash=nik_hash(record.nik),
        phone_hash=blind_index("phone", normalise_phone(record.phone)) if record.phone else "",
        birth_year=_birth_year(record),
    )


def _years_near(year: int) -> range:
    return range(year - BIRTH_YEAR_SLACK, year + BIRTH_YEAR_SLACK + 1)


def _lookalike_q(keys: list[_Keys]) -> Q | None:
    """People sharing a name token (born within a few years, or of unknown birth year), the NIK
    or the phone with any of ``keys``: one condition for a whole batch. For a batch it is wider
    than each record's own condition (tokens of one record meet years of another); the pairs
    are narrowed record by record in memory."""
    tokens_any_year = set().union(*(k.tokens for k in keys if k.birth_year is None))
    tokens_dated = set().union(*(k.tokens for k in keys if k.birth_year is not None)) - tokens_any_year
    years = set().union(*(_years_near(k.birth_year) for k in keys if k.birth_year is not None))
    conditions = []
    if tokens_any_year:
        conditions.append(Q(pk__in=NameToken.objects.filter(token_hash__in=tokens_any_year).values("person_id")))
    if tokens_dated:
        conditions.append(
            Q(pk__in=NameToken.objects.filter(token_hash__in=tokens_dated).values("person_id"))
            & (Q(birth_year__isnull=True) | Q(birth_year__in=sorted(years)))
        )
    niks = {k.nik_hash for k in keys if k.nik_hash}
    phones = {k.phone_hash for k in keys if k.phone_hash}
    if niks:
        conditions.append(Q(nik_hash__in=niks))
    if phones:
        conditions.append(Q(phone_hash__in=phones))
    if not conditions:
        return None
    found = conditions[0]
    for condition in conditions[1:]:
        found |= condition
    return found


def _lookalikes(keys: list[_Keys], candidates: QuerySet) -> QuerySet:
    """The records of ``candidates`` that ``_lookalike_q`` finds, by the blind indexes alone
    (callers take at most a limit of them, in this order)."""
    found = _lookalike_q(keys)
    if found is None:
        return candidates.none()
    return candidates.filter(anonymised_at__isnull=True).filter(found).order_by("pk")


def _recent_models() -> list[tuple[dict, int]]:
    """(parameters, records) of the latest finished runs that trained a model, newest first."""
    runs = MatchRun.objects.filter(status=RunStatus.DONE).exclude(parameters={}).order_by("-started_at")
    return list(runs.values_list("parameters", "records")[:5])


def _fitting_model(models: list[tuple[dict, int]], comparisons) -> tuple[fs.Parameters, int] | None:
    """The newest of ``models`` that fits ``comparisons``, and how many records its run saw."""
    for data, records in models:
        params = fs.from_dict(data, comparisons)
        if params is not None:
            return params, records
    return None


def _latest_parameters(comparisons):
    found = _fitting_model(_recent_models(), comparisons)
    return found[0] if found else None


def _parameters_for(table: Table, *, upper: float, lower: float) -> fs.Parameters:
    """The model of the latest run; when no run has trained one yet, one trained on ``table``
    itself (the priors carry a small table)."""
    params = _latest_parameters(comparisons_for(table))
    if params is None:
        params = link(table, upper=upper, lower=lower).params
    return params


def _linking_parameters(table: Table, models: list[tuple[dict, int]], *, upper: float, lower: float) -> fs.Parameters:
    """The model to score incoming records against registered ones: the latest run's m and u.
    Its λ (how often two records are one person) is kept at or above MIN_DUPLICATE_SHARE per
    record: a run over a registry without duplicates drives λ to the EM's floor (1e-12), which
    says nothing about incoming records and would hide every one of them.

    Without a run, m and u are trained on ``table`` (incoming records linked to the look-alikes),
    as "known elsewhere?" does, but λ is FALLBACK_LAMBDA: the table holds only look-alikes, most
    of them alike indeed, so the λ estimated from it runs up to 0.5 and would flag every woman
    sharing a common name."""
    found = _fitting_model(models, comparisons_for(table))
    if found is None:
        params = link(table, upper=upper, lower=lower).params
        params.lam = FALLBACK_LAMBDA
        return params
    params, records = found
    params.lam = max(params.lam, MIN_DUPLICATE_SHARE / max(records, 2))
    return params


# --- Probable matches of incoming records (import, registration) ----------------------------------


@dataclass(frozen=True)
class ProbableMatch:
    """A registered person an incoming record probably is. ``explanation`` holds agreement levels
    and weights only (as ``MatchCandidate.explanation``)."""

    person: Person
    score: float  # match probability, 0..1
    weight: float  # match weight in bits
    explanation: dict

    @property
    def percent(self) -> int:
        return int(self.score * 100)  # rounded down: 99.7 % is not "100 %"


def _found_by(mine: _Keys, theirs: Person, shared_token: bool) -> list[str]:
    """The blind indexes that brought the pair together. Stored with the pair, so plain
    Indonesian like the engine's own labels (``blocking.RULES``), not translated at store time."""
    found = []
    if shared_token:
        found.append("token nama")
    if mine.nik_hash and mine.nik_hash == theirs.nik_hash:
        found.append("NIK")
    if mine.phone_hash and mine.phone_hash == theirs.phone_hash:
        found.append("nomor HP")
    return found


def probable_matches(
    records: list[Record],
    *,
    candidates: QuerySet,
    lower: float = DEFAULT_LOWER,
    upper: float = DEFAULT_UPPER,
    limit: int = PROBABLE_MATCH_LIMIT,
) -> dict[Hashable, list[ProbableMatch]]:
    """For many incoming records at once, the registered people each one probably is.

    ``records`` are identities held in memory (an import chunk, a registration); their ``id``
    keys the answer. ``candidates`` is a Person queryset the caller has already limited (by the
    policy's scope, without the record itself). Look-alikes are found through the blind indexes
    only, in one query for the whole batch (shared name token within a few birth years, NIK or
    phone), decrypted here in memory, and each incoming × look-alike pair that shares a key is
    scored with the latest trained model (see ``_linking_parameters``).

    Returns ``{record id: [ProbableMatch, ...]}``, best first, with only matches at or above
    ``lower``; records with none are left out. At most ``limit`` look-alikes are compared for
    the batch.
    """
    if not records:
        return {}
    # Two queries for the whole batch, found or not: the trained models and the look-alikes.
    models = _recent_models()
    keys = [_keys_of(r) for r in records]
    others = list(
        _lookalikes(keys, candidates).only(
            "id",
            "case_code",
            "identity_ciphertext",
            "origin_regency_id",
            "scope_region_code",
            "birth_year",
            "nik_hash",
            "phone_hash",
        )[:limit]
    )
    if not others:
        return {}
    other_records = [record_of(p) for p in others]
    # Pairs as the blind indexes would give them, record by record, in memory.
    by_token: dict[str, list[int]] = {}
    by_nik: dict[str, list[int]] = {}
    by_phone: dict[str, list[int]] = {}
    for j, (person, record) in enumerate(zip(others, other_records, strict=True)):
        for h, _alias in name_token_hashes(record.name, list(record.aliases)):
            by_token.setdefault(h, []).append(j)
        if person.nik_hash:
            by_nik.setdefault(person.nik_hash, []).append(j)
        if person.phone_hash:
            by_phone.setdefault(person.phone_hash, []).append(j)
    pairs: list[tuple[int, int, bool]] = []
    for i, mine in enumerate(keys):
        by_name = {
            j
            for h in mine.tokens
            for j in by_token.get(h, ())
            if mine.birth_year is None
            or others[j].birth_year is None
            or abs(others[j].birth_year - mine.birth_year) <= BIRTH_YEAR_SLACK
        }
        exact = set(by_nik.get(mine.nik_hash, ())) | set(by_phone.get(mine.phone_hash, ()))
        pairs += [(i, j, j in by_name) for j in sorted(by_name | exact)]
    if not pairs:
        return {}
    # Incoming records on one side, registered ones on the other: a fallback model trained on
    # this table links across the two and never within the file.
    n = len(records)
    table = prepare([replace(r, source=1) for r in records] + [replace(r, source=0) for r in other_records])
    del other_records
    params = _linking_parameters(table, models, upper=upper, lower=lower)
    a = np.fromiter((i for i, _j, _t in pairs), dtype=np.int64, count=len(pairs))
    b = np.fromiter((n + j for _i, j, _t in pairs), dtype=np.int64, count=len(pairs))
    levels, tf, weight, prob = score_pairs(table, a, b, params)
    found: dict[Hashable, list[ProbableMatch]] = {}
    for k in np.flatnonzero(prob >= lower):
        i, j, shared_token = pairs[k]
        explanation = {
            "fields": fs.explain(params, levels[k], tf[k]),
            "weight": round(float(weight[k]), 2),
            "found_by": _found_by(keys[i], others[j], shared_token),
        }
        match = ProbableMatch(person=others[j], score=float(prob[k]), weight=float(weight[k]), explanation=explanation)
        found.setdefault(records[i].id, []).append(match)
    for matches in found.values():
        matches.sort(key=lambda m: (-m.score, m.person.pk))
    return found


def queue_probable_matches(person: Person, matches: list[ProbableMatch], *, upper: float = DEFAULT_UPPER) -> int:
    """Put each (person, match) pair in the review queue, as ``run_matching`` stores pairs:
    proposed at or above ``upper``, else waiting for a reviewer. A pair decided by a person is
    never proposed again; an open one keeps the higher score. Returns how many pairs were
    created or updated."""
    if not matches:
        return 0
    wanted = {tuple(sorted((person.pk, m.person.pk))): m for m in matches if m.person.pk != person.pk}
    same_pair = Q()
    for a, b in wanted:
        same_pair |= Q(person_a_id=a, person_b_id=b)
    existing = {(c.person_a_id, c.person_b_id): c for c in MatchCandidate.objects.filter(same_pair)}
    create, update = [], []
    for pair, match in wanted.items():
        status = CandidateStatus.PROPOSED if match.score >= upper else CandidateStatus.NEEDS_REVIEW
        candidate = existing.get(pair)
        if candidate is None:
            create.append(
                MatchCandidate(
                    person_a_id=pair[0],
                    person_b_id=pair[1],
                    score=match.score,
                    weight=match.weight,
                    status=status,
                    explanation=match.explanation,
                )
            )
        elif candidate.is_open and match.score > candidate.score:
            candidate.score, candidate.weight, candidate.status = match.score, match.weight, status
            candidate.explanation = match.explanation
            update.append(candidate)
    MatchCandidate.objects.bulk_create(create)
    MatchCandidate.objects.bulk_update(update, ["score", "weight", "status", "explanation"])
    return len(create) + len(update)


def remember_different(pairs: list[tuple[int, int, float | None]], *, actor) -> int:
    """Pairs an officer already judged "not the same person" elsewhere (an import's duplicate
    resolved as different): stored as decided, so no run proposes them again. An open pair is
    closed the same way; a decided one is left as it is. ``pairs``: (person id, person id, score)."""
    wanted = {tuple(sorted((a, b))): score for a, b, score in pairs if a != b}
    if not wanted:
        return 0
    same_pair = Q()
    for a, b in wanted:
        same_pair |= Q(person_a_id=a, person_b_id=b)
    existing = {(c.person_a_id, c.person_b_id): c for c in MatchCandidate.objects.filter(same_pair)}
    now = timezone.now()
    create, update = [], []
    for (a, b), score in wanted.items():
        candidate = existing.get((a, b))
        if candidate is None:
            create.append(
                MatchCandidate(
                    person_a_id=a,
                    person_b_id=b,
                    score=score or 0.0,
                    status=CandidateStatus.DIFFERENT,
                    decided_by=actor,
                    decided_at=now,
                )
            )
        elif candidate.is_open:
            candidate.status, candidate.decided_by, candidate.decided_at = CandidateStatus.DIFFERENT, actor, now
            update.append(candidate)
    MatchCandidate.objects.bulk_create(create)
    MatchCandidate.objects.bulk_update(update, ["status", "decided_by", "decided_at"])
    return len(create) + len(update)


def propose_for_new_person(
    person: Person, *, actor, upper: float = DEFAULT_UPPER, lower: float = DEFAULT_LOWER
) -> list[ProbableMatch]:
    """The people a just-registered person probably is, each pair put in the review queue. Best
    first. Candidates are the people whose pair the actor's queue will show (both records in the
    actor's region scope), so a warning never names a record the queue then hides."""
    candidates = policy.scope_people(actor, Person.objects.exclude(pk=person.pk)).filter(
        policy.region_scope_q(actor, "scope_region_code")
    )
    matches = probable_matches([record_of(person)], candidates=candidates, lower=lower, upper=upper).get(person.pk, [])
    queue_probable_matches(person, matches, upper=upper)
    return matches


# --- Known elsewhere? ----------------------------------------------------------------------


def known_elsewhere(person: Person, *, user, request=None, upper: float = DEFAULT_UPPER, lower: float = DEFAULT_LOWER):
    """Is this person (in the user's scope) also recorded somewhere else? Answers "yes",
    "maybe" or "no" with the organisations holding the other records; never their data.
    Audited."""
    if not (policy.has_perm(user, Perm.PEOPLE_VIEW) and policy.in_region_scope(user, person.scope_region_code)):
        raise PermissionDenied
    record = record_of(person)
    keys = _Keys(
        tokens=_keys_of(record).tokens,
        nik_hash=person.nik_hash,
        phone_hash=person.phone_hash,
        birth_year=person.birth_year,
    )
    others = list(
        _lookalikes([keys], Person.objects.exclude(pk=person.pk))
        .select_related("registered_site__owner_organisation")
        .only(
            "id",
            "identity_ciphertext",
            "origin_regency_id",
            "scope_region_code",
            "registered_site__owner_organisation__name",
        )[:KNOWN_ELSEWHERE_LIMIT]
    )
    matched: dict[int, str] = {}
    possible: dict[int, str] = {}
    if others:
        table = prepare([record, *(record_of(p) for p in others)])
        params = _parameters_for(table, upper=upper, lower=lower)
        a = np.zeros(len(others), dtype=np.int64)
        b = np.arange(1, len(others) + 1, dtype=np.int64)
        _levels, _tf, _weight, prob = score_pairs(table, a, b, params)
        for other, p in zip(others, prob, strict=True):
            organisation = other.registered_site.owner_organisation
            if p >= upper:
                matched[organisation.pk] = organisation.name
            elif p >= lower:
                possible[organisation.pk] = organisation.name
    for pk in matched:
        possible.pop(pk, None)
    answer = "yes" if matched else "maybe" if possible else "no"
    audit_record(
        Action.VIEW_IDENTITY,
        request=request,
        actor=user,
        obj=person,
        detail={
            "purpose": "known_elsewhere",
            "answer": answer,
            "organisations": sorted(matched) + sorted(possible),
            "compared": len(others),
        },
    )
    return {
        "answer": answer,
        "organisations": sorted(matched.values()),
        "possible_organisations": sorted(possible.values()),
        "compared": len(others),
    }
