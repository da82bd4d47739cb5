"""Who counts as the same person for "once per cycle".

1. The same person row (database constraint on (cycle, person)).
2. The same NIK registered at two sites: the NIK blind index (``Person.nik_hash``) is the
   entitlement's ``identity_key`` (database constraint on (cycle, identity_key)); without a NIK
   the key is the person's own id.
3. A duplicate resolved by an officer (the ``matching`` app, when installed): records decided to
   be one person, even without a NIK. Looked up once for the whole run, never per person.
"""

from __future__ import annotations

from django.apps import apps


def identity_key(person_id: int, nik_hash: str) -> str:
    return nik_hash or f"p{person_id}"


def groups() -> list[set[int]]:
    """Sets of person ids resolved as one person (two or more records each), in one query.

    With the ``matching`` app: its bulk selector ``same_person_groups()`` when it offers one,
    otherwise its active group memberships read directly — the data its per-person
    ``same_person_ids`` reads, without a query per person. Without the app: none (the NIK blind
    index still applies)."""
    if not apps.is_installed("matching"):
        return []
    from matching import selectors as matching

    bulk = getattr(matching, "same_person_groups", None)
    if callable(bulk):
        return [set(group) for group in bulk() if len(set(group)) > 1]
    membership = apps.get_model("matching", "GroupMembership")
    members: dict[int, set[int]] = {}
    # Only merged records have memberships: this stays small whatever the registry's size.
    for group_id, person_id in membership.objects.filter(left_at__isnull=True).values_list("group_id", "person_id"):
        members.setdefault(group_id, set()).add(person_id)
    return [group for group in members.values() if len(group) > 1]


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
