"""From accepted links to groups of records (one group = one person).

Plain connected components chain: A–B and B–C accepted makes A, B and C one person even when
A and C are obviously two people. Links are therefore merged strongest first, and two groups
join only when the pairs scored between them agree on average (average link), none of them is
clear evidence against (a cannot-link), no reviewer said "different", and the group stays
below a size no real person reaches in a registry.
"""

from __future__ import annotations

import numpy as np


def cluster(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    prob: np.ndarray,
    *,
    threshold: float,
    max_size: int = 20,
    mean_cut: float = 0.5,
    floor: float = 0.01,
    cannot_link: set[tuple[int, int]] | None = None,
    must_link: list[tuple[int, int]] | None = None,
) -> np.ndarray:
    """Group label per record (the smallest row index of its group)."""
    cannot = {(min(x, y), max(x, y)) for x, y in (cannot_link or ())}
    codes = a.astype(np.int64) * n + b
    order = np.argsort(codes)
    sorted_codes, sorted_prob = codes[order], prob[order]
    parent = np.arange(n)
    members: dict[int, list[int]] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(rx: int, ry: int) -> None:
        if rx > ry:
            rx, ry = ry, rx
        parent[ry] = rx
        members[rx] = members.pop(rx, [rx]) + members.pop(ry, [ry])

    def compatible(mx: list[int], my: list[int]) -> bool:
        if len(mx) + len(my) > max_size:
            return False
        cross = [(min(x, y), max(x, y)) for x in mx for y in my]
        if cannot and any(pair in cannot for pair in cross):
            return False
        if len(cross) == 1:
            return True
        wanted = np.array([x * n + y for x, y in cross], dtype=np.int64)
        index = np.clip(np.searchsorted(sorted_codes, wanted), 0, max(len(sorted_codes) - 1, 0))
        found = sorted_codes[index] == wanted if len(sorted_codes) else np.zeros(len(wanted), bool)
        scored = sorted_prob[index[found]]
        if not len(scored):
            return True
        return bool(scored.min() >= floor and scored.mean() >= mean_cut)

    for x, y in must_link or ():
        rx, ry = find(x), find(y)
        if rx != ry:
            union(rx, ry)
    accepted = np.flatnonzero(prob >= threshold)
    accepted = accepted[np.argsort(-prob[accepted], kind="stable")]
    for k in accepted:
        rx, ry = find(int(a[k])), find(int(b[k]))
        if rx == ry:
            continue
        if compatible(members.get(rx, [rx]), members.get(ry, [ry])):
            union(rx, ry)
    return np.array([find(i) for i in range(n)], dtype=np.int64)
