"""Running the engine over the registry, and the decisions people make about its pairs.

Identities are decrypted (``people.identity.unseal``) only inside these functions, into the
engine's in-memory arrays, and dropped when they return: nothing plain is stored, logged or
audited. What is stored is person ids, scores and explanations made of agreement levels.
"""

from __future__ import annotations

import time

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.policy import Perm
from audit.models import Action
from audit.services import audit_record
from people.identity import unseal
from people.models import NameToken, Person
from people.services import name_token_hashes
from regions.models import within_q

from . import selectors
from .engine import DEFAULT_LOWER, DEFAULT_UPPER, Record, link, prepare, score_pairs
from .engine import model as fs
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
        # Open pairs the engine no longer finds (a record was corrected): nobody needs to review them.
        stale = [c.pk for c in existing.values()]
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


# --- Known elsewhere? ----------------------------------------------------------------------


def _lookalikes(person: Person, record: Record):
    """Other records sharing a name token (within a few birth years), the NIK or the phone,
    found through the blind indexes alone."""
    hashes = {h for h, _alias in name_token_hashes(record.name, list(record.aliases))}
    by_name = Q(pk__in=NameToken.objects.filter(token_hash__in=hashes).values("person_id"))
    if person.birth_year:
        by_name &= Q(birth_year__isnull=True) | Q(birth_year__range=(person.birth_year - 3, person.birth_year + 3))
    found = by_name
    if person.nik_hash:
        found |= Q(nik_hash=person.nik_hash)
    if person.phone_hash:
        found |= Q(phone_hash=person.phone_hash)
    return (
        Person.objects.filter(anonymised_at__isnull=True)
        .exclude(pk=person.pk)
        .filter(found)
        .select_related("registered_site__owner_organisation")
        .only(
            "id",
            "identity_ciphertext",
            "origin_regency_id",
            "scope_region_code",
            "registered_site__owner_organisation__name",
        )
        .order_by("pk")[:KNOWN_ELSEWHERE_LIMIT]
    )


def _latest_parameters(comparisons):
    for run in MatchRun.objects.filter(status=RunStatus.DONE).exclude(parameters={}).order_by("-started_at")[:5]:
        params = fs.from_dict(run.parameters, comparisons)
        if params is not None:
            return params
    return None


def known_elsewhere(person: Person, *, user, request=None, upper: float = DEFAULT_UPPER, lower: float = DEFAULT_LOWER):
    """Is this person (in the user's scope) also recorded somewhere else? Answers "yes",
    "maybe" or "no" with the organisations holding the other records; never their data.
    Audited."""
    if not (policy.has_perm(user, Perm.PEOPLE_VIEW) and policy.in_region_scope(user, person.scope_region_code)):
        raise PermissionDenied
    record = record_of(person)
    others = list(_lookalikes(person, record))
    matched: dict[int, str] = {}
    possible: dict[int, str] = {}
    if others:
        table = prepare([record, *(record_of(p) for p in others)])
        comparisons = comparisons_for(table)
        params = _latest_parameters(comparisons)
        a = np.zeros(len(others), dtype=np.int64)
        b = np.arange(1, len(others) + 1, dtype=np.int64)
        if params is None:
            # No run has trained a model yet: train one on these records (priors carry it).
            result = link(table, upper=upper, lower=lower)
            params = result.params
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
