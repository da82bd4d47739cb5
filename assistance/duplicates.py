"""Who counts as the same person for "once per cycle".

1. The same person row (database constraint on (cycle, person)).
2. The same NIK registered at two sites: the NIK blind index (``Person.nik_hash``) is the
   entitlement's ``identity_key`` (database constraint on (cycle, identity_key)); without a NIK
   the key is the person's own id.
3. A duplicate resolved by an officer in the ``matching`` review queue: records decided to be
   one person, even without a NIK. Looked up once for the whole run, never per person.
"""

from __future__ import annotations

from matching.selectors import same_person_groups


def identity_key(person_id: int, nik_hash: str) -> str:
    return nik_hash or f"p{person_id}"


def groups() -> list[set[int]]:
    """Sets of person ids resolved as one person by an officer (``matching``), in one query."""
    return same_person_groups()


def skipped_for_cycle(groups_: list[set[int]], *, holding: set[int], eligible: set[int]) -> set[int]:
    """Records to leave out of a run: every record of a person who already holds a place in the
    cycle through another record; otherwise all but the first eligible record of the person."""
    skip: set[int] = set()
    for group in groups_:
        if group & holding:
            skip |= group - holding
            continue
        candidates = sorted(group & eligible)
        skip |= group - set(candidates[:1])
    return skip
