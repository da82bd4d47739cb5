"""Assistance benchmark: eligibility preview and entitlement generation over 100,000 people.

    .venv/bin/python bench/assistance_bench.py [--people 100000] [--database-url postgres://…/pulih_bench_assist]

Works on a throwaway database (an SQLite file in a temporary directory unless --database-url names
a PostgreSQL database, which is created and dropped). People are bulk-created with clear
attributes (sex, birth year, origin, site) and one constant encrypted identity blob (the rules never
read identities); 70 % have a case with a pathway, a fifth of those completed training, 0.5 % share
a NIK with a record at another site.

Measured, each with the number of SQL queries:
- preview of a selective rule (city residents, adults, local empowerment, training completed) and
  of a broad one (adults): the eligible count, the total against the remaining budget, and the
  first page of 25 explained rows — what the preview page does;
- generation of the run for the broad rule (one entitlement per eligible person), its approval
  (one commit entry per entitlement, under the budget line's lock) and the reconciliation.
Reference: OpenSPP's targets are < 500 ms for a 100k preview and < 1 min for a 100k batch.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "pulih.settings.test"
ORIGINS = (["53.71"] * 15) + (["53.01", "53.02", "53.04", "53.10"] * 5) + (["35.06", "35.78", "32.73", "73.71"] * 16)


def _django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _postgres_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql)


def _timed(label: str, fn, results: list):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - started
    results.append((label, elapsed, len(queries)))
    print(f"  {label:<58} {elapsed * 1000:>10.0f} ms {len(queries):>6} queries", flush=True)
    return value


def populate(n: int, seed: int = 6):
    """Schema, regions, organisation, users, two sites, ``n`` people, cases, training services."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Role, User
    from cases.models import Case, Pathway, Service, ServiceKind, ServiceStatus
    from organisations.models import Organisation, OrgKind
    from people.identity import Identity, seal
    from people.models import Person
    from regions.loader import load_regions
    from sites.models import Site

    call_command("migrate", verbosity=0, skip_checks=True)
    load_regions(within=("53.71",))
    org = Organisation.objects.create(name="Dinas Sosial Kota Kupang", kind=OrgKind.DINSOS_KABKOTA, region_id="53.71")
    users = {
        role: User.objects.create_user(username=role, password=None, organisation=org, role=role, region_id="53.71")
        for role in (Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.FINANCE_OFFICER)
    }
    sites = [
        Site.objects.create(name="Karang Dempel", short_code="KD", region_id="53.71", owner_organisation=org),
        Site.objects.create(name="Lokalisasi Uji", short_code="LU", region_id="53.71", owner_organisation=org),
    ]
    blob = seal(Identity(full_name="Penghuni Uji"))  # one constant ciphertext: rules never read identity
    rng = random.Random(seed)
    started = time.perf_counter()
    people = []
    for i in range(n):
        site = sites[0] if i % 10 else sites[1]
        origin = rng.choice(ORIGINS)
        nik = "" if i % 10 == 9 else f"{rng.getrandbits(128):032x}"
        people.append(
            Person(
                case_code=f"5371-{site.short_code}-{i + 1:06d}",
                identity_ciphertext=blob,
                nik_hash=nik,
                sex="P" if i % 25 else "L",
                birth_year=rng.randint(1960, 2008),
                origin_province_id=origin[:2],
                origin_regency_id=origin,
                registered_site=site,
                scope_region_code=site.region_id,
            )
        )
    # 0.5 %: the same NIK registered again at the other site.
    for j in range(0, n, 200):
        people[j + 1].nik_hash = people[j].nik_hash or people[j + 1].nik_hash
        people[j + 1].registered_site = sites[1]
    Person.objects.bulk_create(people, batch_size=5000)
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    pathways = [Pathway.LOCAL_EMPOWERMENT, Pathway.REPATRIATION, Pathway.REPATRIATION, Pathway.REHAB_CENTRE]
    cases = [
        Case(
            person_id=pk,
            site=sites[0],
            number=f"C{pk}/1",
            responsible_organisation=org,
            scope_region_code="53.71",
            pathway=pathways[k % 4],
            opened_on=dt.date(2019, 1, 7),
        )
        for k, pk in enumerate(ids)
        if k % 10 < 7
    ]
    Case.objects.bulk_create(cases, batch_size=5000)
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    Service.objects.bulk_create(
        [
            Service(
                case_id=pk, kind=ServiceKind.TRAINING, status=ServiceStatus.COMPLETED, created_by=users["case_worker"]
            )
            for k, pk in enumerate(case_ids)
            if k % 5 == 0
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  {n} people, {len(cases)} cases generated in {time.perf_counter() - started:.1f} s", flush=True)
    return org, users


def _no_jit(fn, *args):
    from assistance.bulk import no_jit

    with no_jit():
        return fn(*args)


def run(n: int) -> list:
    import datetime as dt
    from decimal import Decimal

    from assistance import bulk, reconcile, selectors, services
    from assistance.models import AmountRule, FundingSource

    org, users = populate(n)
    head, worker = users["head_of_dinsos"], users["case_worker"]
    line = services.budget_line_create(
        actor=head,
        owner_organisation=org,
        fiscal_year=2019,
        source=FundingSource.APBN_KEMENSOS,
        code="BENCH",
        name="Bantuan uji",
        amount=Decimal("1000000000000"),
    )

    def cycle_for(name: str, rule: dict):
        programme = services.programme_create(
            actor=head, budget_line=line, name=name, amount_rule=AmountRule.FIXED, amount=Decimal("5050000")
        )
        services.programme_set_rule(actor=head, programme=programme, rule=rule)
        return services.cycle_create(
            actor=head, programme=programme, name="2019", starts_on=dt.date(2019, 1, 1), ends_on=dt.date(2019, 12, 31)
        )

    selective = cycle_for(
        "Selektif",
        {
            "op": "and",
            "conditions": [
                {"field": "domicile_local", "operator": "is", "value": True},
                {"field": "age", "operator": "gte", "value": 18},
                {"field": "pathway", "operator": "eq", "value": "local_empowerment"},
                {"field": "training_completed", "operator": "is", "value": True},
            ],
        },
    )
    broad = cycle_for("Luas", {"op": "and", "conditions": [{"field": "age", "operator": "gte", "value": 18}]})
    results: list = []

    def preview_page(cycle):
        """What the preview page computes (assistance.views.cycle_preview)."""

        def page():
            with bulk.no_jit():
                compiled = selectors.eligibility(cycle)
                preview = selectors.preview(cycle, compiled=compiled)
                rows = selectors.preview_rows(cycle, show="eligible", compiled=compiled)
                paginator = selectors.CountedPaginator(rows, 25, count=preview.list_count("eligible"))
                explained = selectors.explain(cycle, paginator.get_page(1).object_list)
            return preview, explained

        return page

    for cycle, label in ((selective, "selective rule"), (broad, "broad rule")):
        _timed(f"preview, {label} (warm-up)", preview_page(cycle), [])
        preview, _explained = _timed(f"preview + first explained page, {label}", preview_page(cycle), results)
        print(f"      eligible {preview.people} of {preview.population}, total Rp{preview.total:,.0f}")
        _timed(f"count + total only, {label}", lambda c=cycle: _no_jit(selectors.preview, c), results)
    proposed = _timed(
        "generate run (propose), broad rule", lambda: services.run_propose(actor=worker, cycle=broad), results
    )
    print(f"      {proposed.people_count} entitlements")
    _timed("approve run (lock line, commit entries)", lambda: services.run_approve(actor=head, run=proposed), results)
    outcome = _timed("reconcile_budget", lambda: reconcile.reconcile(), results)
    print(f"      reconciled: {'ok' if outcome.ok else outcome.problems[:3]}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database-url", help="PostgreSQL URL of a throwaway database (created and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pulih-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        postgres = url.startswith(("postgres://", "postgresql://"))
        name = urlparse(url).path.lstrip("/")
        if postgres:
            _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
            _postgres_admin(url, f'CREATE DATABASE "{name}"')
        try:
            _django(url)
            print(f"database: {'PostgreSQL' if postgres else 'SQLite'}; {args.people} people")
            run(args.people)
        finally:
            if postgres:
                from django.db import connections

                connections.close_all()
                _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
