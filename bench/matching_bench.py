"""Record-linkage benchmark: Pulih's matching engine against Splink (DuckDB), same data, same run.

    .venv/bin/python bench/matching_bench.py --sizes 10000,100000[,1000000] [--tools pulih,splink]

For each size, ``matching.engine.synthetic.generate`` writes realistic Indonesian registry
records with known truth (spelling variants, typos, aliases, swapped dates, NIK typos, missing
NIK, changed phones; see that module) to a CSV file. Each tool then runs in its own process
(so peak memory is its own) from that file: the clock starts once the CSV is read and stops
when the tool has scored its pairs and built its clusters. Both are judged at the same match
probability threshold, 0.95 (the one Splink's documentation clusters at), on:

- *links*: the pairs the tool scored at or above the threshold;
- *groups*: every pair of records placed in one cluster (what a registry finally acts on);
- *best*: the best link F1 over all thresholds (hindsight, shown only to judge the scores).

Splink is configured as its documentation's examples do (deduplicate_50k_synthetic, febrl3):
standardised columns (lower case, no punctuation, nulls), first name/surname split, blocking
rules checked for size, ForenameSurnameComparison with term frequencies, DateOfBirthComparison,
DamerauLevenshtein on the NIK, exact phone and region; λ from deterministic rules, u from random
sampling (max_pairs 1e6, as in febrl3), m by EM on two training rules, predict, then clustering at 0.95.
Splink and DuckDB are installed from requirements/bench.in; Pulih needs only numpy.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THRESHOLD = 0.95
FIELDS = ("id", "name", "aliases", "dob", "nik", "phone", "region")


# --- Data --------------------------------------------------------------------------------


def write_dataset(size: int, seed: int, folder: Path) -> tuple[Path, Path]:
    import numpy as np

    from matching.engine import synthetic

    rows, entities = synthetic.generate(size, seed=seed)
    path = folder / f"records_{size}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow(
                [row["id"], row["name"], "|".join(row["aliases"]), row["dob"], row["nik"], row["phone"], row["region"]]
            )
    truth = folder / f"truth_{size}.npy"
    np.save(truth, np.asarray(entities, dtype=np.int64))
    return path, truth


# --- Workers (each in its own process) -----------------------------------------------------


def run_pulih(path: Path) -> dict:
    from matching.engine import pipeline
    from matching.engine.features import Record

    with path.open(encoding="utf-8") as fh:
        records = [
            Record(
                id=row["id"],
                name=row["name"],
                aliases=[a for a in row["aliases"].split("|") if a],
                birth_date=row["dob"],
                nik=row["nik"],
                phone=row["phone"],
                region=row["region"],
            )
            for row in csv.DictReader(fh)
        ]
    start = time.perf_counter()
    result = pipeline.link(records, upper=THRESHOLD)
    elapsed = time.perf_counter() - start
    ga, gb = result.group_pairs()
    return {
        "seconds": elapsed,
        "pairs_compared": len(result.a),
        "a": result.a.tolist(),
        "b": result.b.tolist(),
        "prob": result.prob.tolist(),
        "group_a": ga.tolist(),
        "group_b": gb.tolist(),
        "detail": {k: round(v, 2) for k, v in result.stats["timings"].items()},
    }


def run_splink(path: Path) -> dict:
    import logging

    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    con = duckdb.connect()
    start = time.perf_counter()
    # Standardise as Splink's documentation asks: lower case, no punctuation, empty → null.
    con.register("raw", con.read_csv(str(path), all_varchar=True, header=True))
    con.execute(
        """
        create table records as
        with clean as (
            select
                cast(substr(id, 2) as bigint) as unique_id,
                nullif(trim(regexp_replace(lower(name), '[^a-z ]', ' ', 'g')), '') as full_name,
                nullif(dob, '') as dob,
                nullif(nik, '') as nik,
                nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '') as phone,
                nullif(region, '') as region
            from raw
        ), split as (
            select *, string_split(regexp_replace(full_name, ' +', ' ', 'g'), ' ') as parts from clean
        )
        select
            unique_id,
            parts[1] as first_name,
            case when len(parts) > 1 then parts[len(parts)] end as surname,
            full_name as first_name_surname_concat,
            dob, nik, phone, region
        from split
        """
    )
    db_api = DuckDBAPI(connection=con)
    df = db_api.register(con.table("records"))
    # The deduplicate_50k_synthetic rules, with the region in the place of the postcode, plus
    # the NIK and the phone.
    blocking_rules = [
        block_on("nik"),
        block_on("phone"),
        block_on("substr(first_name, 1, 3)", "substr(surname, 1, 4)"),
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("region", "first_name"),
        block_on("region", "surname"),
        block_on("dob", "region"),
        block_on("substr(first_name, 1, 2)", "substr(surname, 1, 2)", "substr(dob, 1, 4)"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "surname", forename_surname_concat_col_name="first_name_surname_concat"
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.DamerauLevenshteinAtThresholds("nik", [1, 2]),
            cl.ExactMatch("phone"),
            cl.ExactMatch("region").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(df, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nik"), block_on("first_name", "surname", "dob")], recall=0.7
    )
    # febrl3's setting; the 50k example's 1e7 took 100 s for 10,000 records here, nearly all of it
    # Damerau–Levenshtein on sampled NIK pairs.
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    )
    elapsed = time.perf_counter() - start
    # Scoring needs the pairs, not all of them: at a million records Splink predicts over a
    # hundred million pairs, too many to copy into Python; pairs below 1 % never count.
    relation = predictions.as_duckdbpyrelation()
    compared = relation.aggregate("count(*)").fetchall()[0][0]
    pairs = relation.filter("match_probability >= 0.01").select("unique_id_l, unique_id_r, match_probability")
    pairs = pairs.fetchnumpy()
    cluster_rows = clusters.as_duckdbpyrelation().select("unique_id, cluster_id").fetchnumpy()
    import numpy as np

    ids = cluster_rows["unique_id"].astype(np.int64)
    labels = np.unique(cluster_rows["cluster_id"].astype(str), return_inverse=True)[1]
    groups = np.empty(ids.max() + 1 if len(ids) else 0, dtype=np.int64)
    groups[ids] = labels
    ga, gb = _group_pairs(groups)
    return {
        "seconds": elapsed,
        "pairs_compared": int(compared),
        "a": pairs["unique_id_l"].astype(np.int64).tolist(),
        "b": pairs["unique_id_r"].astype(np.int64).tolist(),
        "prob": pairs["match_probability"].astype(float).tolist(),
        "group_a": ga.tolist(),
        "group_b": gb.tolist(),
    }


def _group_pairs(groups):
    import numpy as np

    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_groups)])
    out_a, out_b = [], []
    for size in np.unique(sizes[sizes >= 2]):
        block_starts = starts[sizes == size]
        i, j = np.triu_indices(int(size), k=1)
        out_a.append(order[(block_starts[:, None] + i).ravel()])
        out_b.append(order[(block_starts[:, None] + j).ravel()])
    if not out_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


def worker(tool: str, path: Path, out: Path) -> None:
    result = run_pulih(path) if tool == "pulih" else run_splink(path)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps(result))


# --- Parent: run, score, print ---------------------------------------------------------------


def score(result: dict, truth_path: Path) -> dict:
    import numpy as np

    from matching.engine.evaluate import best_threshold, pair_scores

    entities = np.load(truth_path)
    a, b = np.asarray(result["a"], dtype=np.int64), np.asarray(result["b"], dtype=np.int64)
    prob = np.asarray(result["prob"])
    keep = prob >= THRESHOLD
    links = pair_scores(a[keep], b[keep], entities)
    groups = pair_scores(np.asarray(result["group_a"], np.int64), np.asarray(result["group_b"], np.int64), entities)
    _t, best = best_threshold(prob, a, b, entities)
    blocked_true = int((entities[a] == entities[b]).sum())
    return {"links": links, "groups": groups, "best": best, "blocked_true": blocked_true}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--tools", default="pulih,splink")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--worker", choices=("pulih", "splink"))
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.csv, args.out)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    tools = args.tools.split(",")
    rows = []
    with tempfile.TemporaryDirectory(prefix="pulih-match-bench-") as tmp:
        folder = Path(tmp)
        for size in sizes:
            started = time.perf_counter()
            path, truth = write_dataset(size, args.seed, folder)
            print(f"# {size:,} records generated in {time.perf_counter() - started:.0f} s", flush=True)
            for tool in tools:
                out = folder / f"{tool}_{size}.json"
                env = dict(os.environ)
                subprocess.run(  # noqa: S603 (this script, run again as a worker)
                    [sys.executable, __file__, "--worker", tool, "--csv", str(path), "--out", str(out)],
                    check=True,
                    env=env,
                )
                result = json.loads(out.read_text())
                scores = score(result, truth)
                row = {
                    "size": size,
                    "tool": tool,
                    "pairs": result["pairs_compared"],
                    "seconds": result["seconds"],
                    "rss_mb": result["peak_rss_mb"],
                    **{
                        f"{kind}_{k}": scores[kind][k]
                        for kind in ("links", "groups", "best")
                        for k in ("precision", "recall", "f1")
                    },
                    "true_pairs": scores["links"]["true"],
                    "blocked_true": scores["blocked_true"],
                    "detail": result.get("detail", {}),
                }
                rows.append(row)
                print(_line(row), flush=True)
    print()
    print(_table(rows))


def _line(row: dict) -> str:
    return (
        f"{row['tool']:7} {row['size']:>9,} pairs={row['pairs']:>11,} time={row['seconds']:7.1f}s "
        f"rss={row['rss_mb']:7.0f}MB links P={row['links_precision']:.4f} R={row['links_recall']:.4f} "
        f"F1={row['links_f1']:.4f} groups F1={row['groups_f1']:.4f} best F1={row['best_f1']:.4f} "
        f"(true pairs {row['true_pairs']:,}, blocked {row['blocked_true']:,}) {row['detail'] or ''}"
    )


def _table(rows: list[dict]) -> str:
    head = (
        "| records | tool | pairs compared | time (s) | peak RSS (MB) | P | R | F1 | groups P | groups R | "
        "groups F1 | best F1 |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['tool']} | {r['pairs']:,} | {r['seconds']:.1f} | {r['rss_mb']:.0f} | "
            f"{r['links_precision']:.4f} | {r['links_recall']:.4f} | {r['links_f1']:.4f} | "
            f"{r['groups_precision']:.4f} | {r['groups_recall']:.4f} | {r['groups_f1']:.4f} | {r['best_f1']:.4f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
