"""Precision, recall and F1 of predicted pairs against known truth."""

from __future__ import annotations

import numpy as np


def true_pair_count(entities: np.ndarray) -> int:
    _values, counts = np.unique(entities, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def pair_scores(a: np.ndarray, b: np.ndarray, entities: np.ndarray, *, true_pairs: int | None = None) -> dict:
    """Scores of predicted pairs (row indices) given each row's true entity."""
    entities = np.asarray(entities)
    true_pairs = true_pair_count(entities) if true_pairs is None else true_pairs
    predicted = len(a)
    tp = int((entities[a] == entities[b]).sum()) if predicted else 0
    precision = tp / predicted if predicted else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"predicted": predicted, "true": true_pairs, "tp": tp, "precision": precision, "recall": recall, "f1": f1}


def best_threshold(prob: np.ndarray, a: np.ndarray, b: np.ndarray, entities: np.ndarray) -> tuple[float, dict]:
    """The probability threshold with the best pairwise F1 (for reporting, not for choosing)."""
    entities = np.asarray(entities)
    true_pairs = true_pair_count(entities)
    order = np.argsort(-prob)
    hits = np.cumsum(entities[a[order]] == entities[b[order]])
    k = np.arange(1, len(order) + 1)
    precision = hits / k
    recall = hits / max(true_pairs, 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)
    if not len(f1):
        return 1.0, pair_scores(a[:0], b[:0], entities)
    best = int(np.argmax(f1))
    threshold = float(prob[order[best]])
    chosen = order[: best + 1]
    return threshold, pair_scores(a[chosen], b[chosen], entities, true_pairs=true_pairs)
