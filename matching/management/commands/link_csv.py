"""Deduplicate one CSV file or link two, with any column names, and score against known links.

    manage.py link_csv --left a.csv [--right b.csv] --map "name=nama,dob=tgl_lahir,nik=nik,phone=hp,region=kab"
        [--truth truth.csv] [--threshold 0.95] [--lower 0.3] [--output pairs.csv]

Prints the pairs at or above ``--lower`` (id, id, probability, match weight, decision), then, with
``--truth`` (a CSV of true id pairs), precision, recall and F1 of the pairs at or above
``--threshold``. Runs on the engine alone: no database, nothing stored.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from matching.engine import link
from matching.engine.csvio import parse_mapping, read_records, read_truth


class Command(BaseCommand):
    help = "Link or deduplicate CSV files with the matching engine; precision/recall/F1 against true links."

    def add_arguments(self, parser):
        parser.add_argument("--left", required=True, type=Path)
        parser.add_argument("--right", type=Path)
        parser.add_argument("--map", required=True, dest="mapping")
        parser.add_argument("--truth", type=Path)
        parser.add_argument("--threshold", type=float, default=0.95)
        parser.add_argument("--lower", type=float, default=0.3)
        parser.add_argument("--output", type=Path, help="write the pairs here instead of the screen")

    def handle(self, *args, **options):
        try:
            mapping = parse_mapping(options["mapping"])
            records = read_records(options["left"], mapping, source=0)
            if options["right"]:
                records += read_records(options["right"], mapping, source=1)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if len(records) < 2:
            raise CommandError("Need at least two records.")
        upper, lower = options["threshold"], min(options["lower"], options["threshold"])
        result = link(records, upper=upper, lower=lower)
        ids = result.table.ids
        shown = np.flatnonzero(result.prob >= lower)
        shown = shown[np.argsort(-result.prob[shown], kind="stable")]
        out = options["output"].open("w", newline="", encoding="utf-8") if options["output"] else self.stdout
        writer = csv.writer(out if options["output"] else _Lines(self.stdout))
        writer.writerow(["id_a", "id_b", "probability", "match_weight", "decision"])
        for k in shown:
            a, b = ids[result.a[k]], ids[result.b[k]]
            if result.table.linking and result.table.source[result.a[k]] == 1:
                a, b = b, a  # left id first
            decision = "match" if result.prob[k] >= upper else "review"
            writer.writerow([a, b, f"{result.prob[k]:.4f}", f"{result.weight[k]:.2f}", decision])
        if options["output"]:
            out.close()
        stats = result.stats
        matches = int((result.prob >= upper).sum())
        review = int(((result.prob >= lower) & (result.prob < upper)).sum())
        self.stdout.write(
            f"records={len(records)} pairs_compared={stats['pairs_compared']} matches={matches} review={review} "
            f"seconds={stats['timings']['total']:.2f}"
        )
        if options["truth"]:
            self._score(result, read_truth(options["truth"]), upper)

    def _score(self, result, truth: set[tuple[str, str]], upper: float) -> None:
        ids = [str(i) for i in result.table.ids]
        known = set(ids)
        truth = {(a, b) for a, b in truth if a in known and b in known and a != b}
        truth_unordered = {frozenset(p) for p in truth}
        predicted = {frozenset((ids[result.a[k]], ids[result.b[k]])) for k in np.flatnonzero(result.prob >= upper)}
        tp = len(predicted & truth_unordered)
        precision = tp / len(predicted) if predicted else 1.0
        recall = tp / len(truth_unordered) if truth_unordered else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        self.stdout.write(
            f"true_links={len(truth_unordered)} predicted={len(predicted)} true_positives={tp} "
            f"precision={precision:.4f} recall={recall:.4f} f1={f1:.4f}"
        )


class _Lines:
    """csv.writer target that writes through the command's stdout (so tests can capture it)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.write(text, ending="")


if __name__ == "__main__":  # pragma: no cover
    sys.exit("Run through manage.py link_csv")
