"""Census import benchmark: upload + check, then apply, for 1k, 5k and 10k synthetic rows.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--database-url postgres://…/pulih_bench]

Works on a throwaway database (an SQLite file in a temporary directory unless --database-url
names a PostgreSQL database, which is created and dropped). Each size runs in its own process so
its peak memory (tracemalloc peak, ru_maxrss) is its own: the figures should stay flat as the
number of rows grows, because the file is read in chunks and applied in chunks.

The import is driven as the progress page drives it: ``parse_next_chunk`` again and again.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "pulih.settings.test"


def _django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _postgres_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlparse(url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql)


def prepare(database_url: str) -> None:
    """Schema, regions (provinces, kabupaten/kota and Kota Kupang's villages) and an organisation."""
    _django(database_url)
    from django.core.management import call_command

    from organisations.models import Organisation, OrgKind
    from regions.loader import load_regions

    call_command("migrate", verbosity=0)
    load_regions(within=("53.71",))
    Organisation.objects.get_or_create(
        name="Dinas Sosial Kota Kupang", defaults={"kind": OrgKind.DINSOS_KABKOTA, "region_id": "53.71"}
    )


def run_size(rows: int, chunk: int, trace: bool) -> dict:
    """One import of ``rows`` rows in this (fresh) process; returns the figures."""
    import datetime as dt

    from accounts.models import Role, User
    from census import imports
    from census.models import CensusEntry, CensusRound, ImportStatus, Resolution
    from census.xlsform import template_workbook
    from organisations.models import Organisation
    from people.models import Person
    from people.synthetic import generate_residents
    from sites.models import Site

    organisation = Organisation.objects.get(name="Dinas Sosial Kota Kupang")
    user = User.objects.create_user(
        username=f"pendata_{rows}_{int(trace)}",
        password=None,
        organisation=organisation,
        role=Role.REGISTRAR,
        region_id="53.71",
    )
    site = Site.objects.create(
        name=f"Lokalisasi uji {rows}",
        short_code=f"{'M' if trace else 'T'}{rows // 1000}K",
        region_id="53.71",
        owner_organisation=organisation,
    )
    census_round = CensusRound.objects.create(
        site=site, kind="initial", name="Pendataan awal", held_on=dt.date(2018, 10, 1), created_by=user
    )
    origins = ["53.71", "53.01", "53.02", "35.06", "64.02", None]
    residents = generate_residents([origins[i % len(origins)] for i in range(rows)], seed=rows)
    content = template_workbook(imports.person_row(r.identity, r.attrs) for r in residents)
    del residents

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    batch = imports.create_batch(actor=user, census_round=census_round, content=content, filename="bench.xlsx")
    peaks = {}
    if trace:
        peaks["upload"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
    chunks = 0
    while batch.status in (ImportStatus.UPLOADED, ImportStatus.PARSING):
        batch = imports.parse_next_chunk(batch, chunk)
        chunks += 1
    parsed, cpu_parsed = time.perf_counter(), time.process_time()
    if trace:
        peaks["check"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
    if batch.status != ImportStatus.READY or batch.error_count:
        raise SystemExit(f"import not ready: {batch.status} {batch.failure} errors={batch.error_count}")
    # Synthetic names repeat now and then with the same birth date: decide them as different people.
    pending = imports.pending_duplicates(batch).update(resolution=Resolution.DIFFERENT)
    decided, cpu_decided = time.perf_counter(), time.process_time()
    result = imports.apply_batch(actor=user, batch=batch)
    applied, cpu_applied = time.perf_counter(), time.process_time()
    if trace:
        peaks["apply"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    peak = max(peaks.values()) if trace else None
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert Person.objects.filter(registered_site=site).count() == rows
    assert CensusEntry.objects.filter(round=census_round).count() == rows
    return {
        "rows": rows,
        "file_kb": len(content) // 1024,
        "chunks": chunks,
        "duplicates_decided": pending,
        "parse_s": parsed - started,
        "apply_s": applied - decided,
        "total_s": applied - started,
        "parse_cpu_s": cpu_parsed - cpu_started,
        "apply_cpu_s": cpu_applied - cpu_decided,
        "new_people": result.new,
        "tracemalloc_peak_mb": peak / 2**20 if peak is not None else None,
        "tracemalloc_peaks_mb": {phase: round(value / 2**20, 1) for phase, value in peaks.items()},
        "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": rss_peak / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="largest size (also runs 1,000 and 5,000 below it)")
    parser.add_argument("--database-url", help="PostgreSQL URL of a throwaway database (created and dropped)")
    parser.add_argument("--chunk", type=int, default=1000, help="rows checked per progress request")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the memory pass (tracemalloc)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        _django(os.environ["DATABASE_URL"])
        figures = run_size(args.child, args.chunk, not args.no_tracemalloc)
        print(json.dumps(figures))
        return

    sizes = sorted({n for n in (1000, 5000) if n < args.rows} | {args.rows})
    with tempfile.TemporaryDirectory(prefix="pulih-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        postgres = url.startswith(("postgres://", "postgresql://"))
        if postgres:
            name = urlparse(url).path.lstrip("/")
            _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
            _postgres_admin(url, f'CREATE DATABASE "{name}"')
        try:
            started = time.perf_counter()
            prepare(url)
            engine = "PostgreSQL" if postgres else "SQLite"
            print(f"database: {engine}; schema and regions in {time.perf_counter() - started:.1f} s")
            env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}

            def child(rows: int, trace: bool) -> dict:
                command = [sys.executable, __file__, "--child", str(rows), "--chunk", str(args.chunk)]
                if not trace:
                    command.append("--no-tracemalloc")
                output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout  # noqa: S603
                return json.loads(output.strip().splitlines()[-1])

            # Timed without tracemalloc (it slows Python down several times), then measured with it.
            print("\nSpeed: wall clock, CPU time of the process in brackets (the machine may be shared)")
            print(
                f"{'rows':>6} {'file':>7} {'upload+check':>16} {'rows/s':>7} {'apply':>16} {'rows/s':>7} {'total':>7}"
            )
            for rows in sizes:
                f = child(rows, trace=False)
                print(
                    f"{f['rows']:>6} {f['file_kb']:>5}kB {f['parse_s']:>6.1f}s ({f['parse_cpu_s']:>5.1f}s)"
                    f" {f['rows'] / f['parse_s']:>7.0f} {f['apply_s']:>6.1f}s ({f['apply_cpu_s']:>5.1f}s)"
                    f" {f['rows'] / f['apply_s']:>7.0f} {f['total_s']:>6.1f}s"
                    f"   ({f['chunks']} chunks; {f['duplicates_decided']} synthetic duplicates decided)"
                )
            if not args.no_tracemalloc:
                print("\nMemory: tracemalloc peak (upload / check / apply), ru_maxrss before and after the import")
                header = f"{'rows':>6} {'peak':>9} {'upload':>8} {'check':>8} {'apply':>8}"
                print(f"{header} {'RSS before':>11} {'RSS peak':>9}")
                for rows in sizes:
                    f = child(rows, trace=True)
                    p = f["tracemalloc_peaks_mb"]
                    print(
                        f"{f['rows']:>6} {f['tracemalloc_peak_mb']:>6.1f} MB {p['upload']:>5.1f} MB"
                        f" {p['check']:>5.1f} MB {p['apply']:>5.1f} MB"
                        f" {f['rss_before_mb']:>8.0f} MB {f['rss_peak_mb']:>6.0f} MB"
                    )
        finally:
            if postgres:
                from django.db import connections

                connections.close_all()
                _postgres_admin(url, f'DROP DATABASE IF EXISTS "{urlparse(url).path.lstrip("/")}"')


if __name__ == "__main__":
    main()
