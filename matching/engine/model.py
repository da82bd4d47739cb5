"""The Fellegi–Sunter model, with its parameters estimated from the data.

- ``u`` (how often two *different* people agree at each level) from random pairs: nearly every
  random pair is two different people.
- ``m`` (how often the *same* person agrees at each level) by expectation maximisation on the
  blocked pairs, one session per blocking rule: a rule forces its own fields to agree, so a
  session trains only the other fields (as Splink does). The initial values act as a weak prior
  (a few dozen pseudo-pairs) so a small registry stays sensible and a large one speaks for itself.
- ``λ`` (probability that two random records are the same person) by EM over all candidate
  pairs with m and u fixed; pairs never blocked together count as different people.

A pair's match weight is log2(λ/(1-λ)) + Σ log2(m/u) over its fields, plus term-frequency
adjustments; its probability is 1 / (1 + 2^-weight).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .blocking import RULES
from .compare import Comparison

PRIOR_PAIRS = 30.0  # weight of the initial m values, in pseudo-pairs
U_PRIOR_PAIRS = 5000.0  # weight of the initial u values: decisive for a site's few hundred pairs, not for 200,000
TF_CLIP = 6.0  # a single field's term-frequency adjustment stays within ±6 bits


@dataclass
class Parameters:
    comparisons: list[Comparison]
    m: list[np.ndarray]
    u: list[np.ndarray]
    lam: float = 1e-4
    sessions: list[dict] = field(default_factory=list)
    random_pairs: int = 0

    def weights(self) -> list[np.ndarray]:
        return [np.log2(np.maximum(m, 1e-6) / np.maximum(u, 1e-9)) for m, u in zip(self.m, self.u, strict=True)]

    def summary(self) -> dict:
        """Non-identifying description of the model (levels and weights only)."""
        return {
            "lambda": self.lam,
            "random_pairs": self.random_pairs,
            "fields": {
                c.name: [
                    {"level": c.labels[k], "m": round(float(m[k]), 5), "u": round(float(u[k]), 6)}
                    for k in range(c.n_levels)
                ]
                for c, m, u in zip(self.comparisons, self.m, self.u, strict=True)
            },
            "sessions": self.sessions,
        }


def _pattern_counts(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct agreement patterns (levels shifted so -1 → 0) and how many pairs show each."""
    shifted = (levels.astype(np.int16) + 1).astype(np.uint8)
    view = np.ascontiguousarray(shifted).view(f"V{shifted.shape[1]}").ravel()
    _unique, first, counts = np.unique(view, return_index=True, return_counts=True)
    return levels[first], counts.astype(np.float64)


def estimate_u(comparisons: list[Comparison], levels: np.ndarray) -> list[np.ndarray]:
    """u from the levels of random pairs, shrunk towards the initial values: in a small registry
    the few random pairs include the duplicates themselves and would make agreement look common."""
    out = []
    for c, comparison in enumerate(comparisons):
        column = levels[:, c]
        counts = np.bincount(column[column >= 0].astype(np.int64), minlength=comparison.n_levels).astype(np.float64)
        prior = np.asarray(comparison.u_prior, dtype=np.float64)
        out.append((counts + U_PRIOR_PAIRS * prior) / (counts.sum() + U_PRIOR_PAIRS))
    return out


def _log_likelihoods(patterns, probabilities, active):
    total = np.zeros(len(patterns))
    for c in active:
        column = patterns[:, c]
        present = column >= 0
        total[present] += np.log(probabilities[c][column[present]])
    return total


def em_session(
    comparisons: list[Comparison],
    levels: np.ndarray,
    m_start: list[np.ndarray],
    u: list[np.ndarray],
    *,
    excluded: set[str],
    iterations: int = 40,
) -> tuple[list[np.ndarray], float, float]:
    """EM on one rule's pairs: m of the non-excluded fields and the share of matches, u fixed.
    Returns (m, share of matches, expected matching pairs)."""
    patterns, counts = _pattern_counts(levels)
    active = [c for c, comparison in enumerate(comparisons) if comparison.name not in excluded]
    m = [p.copy() for p in m_start]
    share = 0.1
    prior = [np.asarray(c.m_prior) for c in comparisons]
    for _ in range(iterations):
        log_m = _log_likelihoods(patterns, m, active)
        log_u = _log_likelihoods(patterns, u, active)
        logit = np.log(share) - np.log1p(-share) + log_m - log_u
        posterior = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
        weighted = counts * posterior
        new_share = float(np.clip(weighted.sum() / counts.sum(), 1e-6, 1 - 1e-6))
        for c in active:
            column = patterns[:, c]
            present = column >= 0
            tally = np.bincount(column[present].astype(np.int64), weights=weighted[present], minlength=len(m[c]))
            m[c] = (tally + PRIOR_PAIRS * prior[c]) / (tally.sum() + PRIOR_PAIRS)
        converged = abs(new_share - share) < 1e-7
        share = new_share
        if converged:
            break
    return m, share, share * counts.sum()


def train(
    comparisons: list[Comparison],
    levels: np.ndarray,
    rules: np.ndarray,
    random_levels: np.ndarray,
    *,
    total_pairs: float,
) -> Parameters:
    """Estimate u, m (one EM session per rule) and λ."""
    u = estimate_u(comparisons, random_levels)
    m_prior = [np.asarray(c.m_prior, dtype=np.float64) for c in comparisons]
    sums = [np.zeros(c.n_levels) for c in comparisons]
    weights = [0.0 for _ in comparisons]
    sessions = []
    for rule in RULES:
        mask = (rules & rule.bit) != 0
        if mask.sum() < 2:
            continue
        excluded = set(rule.uses)
        m, share, matches = em_session(comparisons, levels[mask], m_prior, u, excluded=excluded)
        sessions.append({"rule": rule.code, "pairs": int(mask.sum()), "match_share": round(share, 5)})
        # Average each field's m over the sessions that trained it, by expected matches seen.
        for c, comparison in enumerate(comparisons):
            if comparison.name in excluded:
                continue
            seen = float(matches)
            sums[c] += seen * m[c]
            weights[c] += seen
    m_final = [
        (sums[c] + PRIOR_PAIRS * m_prior[c]) / (weights[c] + PRIOR_PAIRS) if weights[c] else m_prior[c]
        for c in range(len(comparisons))
    ]
    m_final = [p / p.sum() for p in m_final]
    params = Parameters(comparisons, m_final, u, sessions=sessions, random_pairs=len(random_levels))
    params.lam = estimate_lambda(params, levels, total_pairs=total_pairs)
    return params


def estimate_lambda(params: Parameters, levels: np.ndarray, *, total_pairs: float, iterations: int = 50) -> float:
    """Share of all possible pairs that are matches, m and u fixed."""
    if not len(levels) or total_pairs <= 0:
        return 1e-6
    patterns, counts = _pattern_counts(levels)
    everything = range(len(params.comparisons))
    log_ratio = _log_likelihoods(patterns, params.m, everything) - _log_likelihoods(patterns, params.u, everything)
    lam = min(max(len(levels) / total_pairs * 0.1, 1e-9), 0.5)
    for _ in range(iterations):
        logit = np.log(lam) - np.log1p(-lam) + log_ratio
        posterior = 1.0 / (1.0 + np.exp(-np.clip(logit, -60, 60)))
        new = float(np.clip((counts * posterior).sum() / total_pairs, 1e-12, 0.5))
        if abs(new - lam) < lam * 1e-6:
            lam = new
            break
        lam = new
    return lam


def score(params: Parameters, levels: np.ndarray, tf: np.ndarray, *, tf_adjust: bool = True) -> np.ndarray:
    """Match weight (bits) of each pair."""
    weights = params.weights()
    total = np.full(len(levels), np.log2(params.lam / (1 - params.lam)), dtype=np.float64)
    for c in range(len(params.comparisons)):
        column = levels[:, c].astype(np.int64)
        present = column >= 0
        total[present] += weights[c][column[present]]
        if tf_adjust:
            adjust = tf[:, c]
            has = present & ~np.isnan(adjust)
            if has.any():
                # Splink's term-frequency adjustment: replace the level's average u by the
                # chance of agreeing on this very value.
                level_u = params.u[c][column[has]]
                total[has] += np.clip(np.log2(level_u) - adjust[has], -TF_CLIP, TF_CLIP)
    return total


def probability(weight: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))


def explain(params: Parameters, levels_row: np.ndarray, tf_row: np.ndarray) -> dict:
    """Per field: level label and weight (bits). No values: safe to store and show."""
    weights = params.weights()
    out = {}
    for c, comparison in enumerate(params.comparisons):
        level = int(levels_row[c])
        if level < 0:
            out[comparison.name] = {"level": -1, "label": "tidak ada data", "weight": 0.0}
            continue
        w = float(weights[c][level])
        if not np.isnan(tf_row[c]):
            w += float(np.clip(np.log2(params.u[c][level]) - tf_row[c], -TF_CLIP, TF_CLIP))
        out[comparison.name] = {"level": level, "label": comparison.labels[level], "weight": round(w, 2)}
    return out


def to_dict(params: Parameters) -> dict:
    """The trained model as plain numbers (levels and probabilities, never values)."""
    return {
        "comparisons": [c.name for c in params.comparisons],
        "m": [[float(x) for x in m] for m in params.m],
        "u": [[float(x) for x in u] for u in params.u],
        "lambda": params.lam,
        "random_pairs": params.random_pairs,
        "sessions": params.sessions,
    }


def from_dict(data: dict, comparisons: list[Comparison]) -> Parameters | None:
    """Parameters for ``comparisons`` from ``to_dict`` output; None when they do not fit."""
    if not data or data.get("comparisons") != [c.name for c in comparisons]:
        return None
    m = [np.asarray(x, dtype=np.float64) for x in data["m"]]
    u = [np.asarray(x, dtype=np.float64) for x in data["u"]]
    if any(len(p) != c.n_levels for p, c in zip(m, comparisons, strict=True)):
        return None
    return Parameters(comparisons, m, u, lam=float(data["lambda"]), random_pairs=int(data.get("random_pairs", 0)))
