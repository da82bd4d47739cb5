"""One call from records to scored pairs and person groups."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import blocking, cluster, model
from .compare import Comparer
from .features import Record, Table, prepare

DEFAULT_UPPER = 0.95  # at or above: proposed as the same person
DEFAULT_LOWER = 0.30  # between lower and upper: a human decides; below: dropped


@dataclass
class Result:
    table: Table
    a: np.ndarray
    b: np.ndarray
    rules: np.ndarray
    levels: np.ndarray
    tf: np.ndarray
    weight: np.ndarray
    prob: np.ndarray
    params: model.Parameters
    groups: np.ndarray
    upper: float
    lower: float
    stats: dict = field(default_factory=dict)

    def links(self, threshold: float | None = None) -> np.ndarray:
        """Indices of pairs at or above the threshold (default: upper)."""
        return np.flatnonzero(self.prob >= (self.upper if threshold is None else threshold))

    def explanation(self, k: int) -> dict:
        found_by = [r.label for r in blocking.RULES if int(self.rules[k]) & r.bit]
        return {
            "fields": model.explain(self.params, self.levels[k], self.tf[k]),
            "weight": round(float(self.weight[k]), 2),
            "found_by": found_by,
        }

    def group_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every pair of rows placed in one group (what "same person" means after clustering)."""
        order = np.argsort(self.groups, kind="stable")
        groups = self.groups[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        sizes = np.diff(np.r_[starts, len(groups)])
        out_a, out_b = [], []
        for size in np.unique(sizes[sizes >= 2]):
            block_starts = starts[sizes == size]
            i, j = np.triu_indices(int(size), k=1)
            out_a.append(order[(block_starts[:, None] + i).ravel()])
            out_b.append(order[(block_starts[:, None] + j).ravel()])
        if not out_a:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        a, b = np.concatenate(out_a), np.concatenate(out_b)
        return np.minimum(a, b), np.maximum(a, b)


def random_pairs(table: Table, count: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """A sample of random pairs (all pairs when there are few) and the number of possible pairs."""
    rng = np.random.default_rng(seed)
    n = table.n
    if table.linking:
        left, right = np.flatnonzero(table.source == 0), np.flatnonzero(table.source == 1)
        total = float(len(left) * len(right))
        if total <= count:
            a, b = np.repeat(left, len(right)), np.tile(right, len(left))
        else:
            a, b = rng.choice(left, count), rng.choice(right, count)
        return a, b, total
    total = n * (n - 1) / 2
    if total <= count:
        a, b = np.triu_indices(n, k=1)
        return a, b, total
    a = rng.integers(0, n, count)
    b = rng.integers(0, n - 1, count)
    b = np.where(b >= a, b + 1, b)
    return np.minimum(a, b), np.maximum(a, b), total


def link(
    records: list[Record] | Table,
    *,
    upper: float = DEFAULT_UPPER,
    lower: float = DEFAULT_LOWER,
    cap: int | None = None,
    sample: int = 200_000,
    seed: int = 2018,
    params: model.Parameters | None = None,
    cannot_link: set[tuple[int, int]] | None = None,
    must_link: list[tuple[int, int]] | None = None,
    max_group: int = 20,
) -> Result:
    """Deduplicate one set of records, or link two (``Record.source`` 0 and 1)."""
    clock = time.perf_counter()
    timings = {}
    table = records if isinstance(records, Table) else prepare(records)
    timings["prepare"] = time.perf_counter() - clock
    tick = time.perf_counter()
    candidates = blocking.block(table, cap=cap)
    timings["block"] = time.perf_counter() - tick
    tick = time.perf_counter()
    comparer = Comparer(table)
    levels, tf = comparer.compute(candidates.a, candidates.b)
    timings["compare"] = time.perf_counter() - tick
    tick = time.perf_counter()
    if params is None:
        ra, rb, total = random_pairs(table, sample, seed)
        random_levels, _ = comparer.compute(ra, rb)
        params = model.train(comparer.comparisons, levels, candidates.rules, random_levels, total_pairs=total)
    timings["train"] = time.perf_counter() - tick
    tick = time.perf_counter()
    weight = model.score(params, levels, tf)
    prob = model.probability(weight)
    groups = cluster.cluster(
        table.n,
        candidates.a,
        candidates.b,
        prob,
        threshold=upper,
        max_size=max_group,
        cannot_link=cannot_link,
        must_link=must_link,
    )
    timings["score_cluster"] = time.perf_counter() - tick
    timings["total"] = time.perf_counter() - clock
    stats = {"pairs_compared": len(candidates), "blocking": candidates.stats, "timings": timings}
    return Result(
        table=table,
        a=candidates.a,
        b=candidates.b,
        rules=candidates.rules,
        levels=levels,
        tf=tf,
        weight=weight,
        prob=prob,
        params=params,
        groups=groups,
        upper=upper,
        lower=lower,
        stats=stats,
    )


def score_pairs(table: Table, a: np.ndarray, b: np.ndarray, params: model.Parameters):
    """(levels, tf, weight, probability) of given pairs under an already trained model."""
    comparer = Comparer(table)
    levels, tf = comparer.compute(a, b)
    weight = model.score(params, levels, tf)
    return levels, tf, weight, model.probability(weight)
