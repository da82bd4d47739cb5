"""Privacy proof: a copy of the whole database reveals no name, alias, NIK or phone number.

The dump is the real thing — the SQLite database file's bytes, or `pg_dump` of the PostgreSQL
test database — taken after people were registered, searched, counted and audited.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.db import connection

from accounts.models import Role
from census.services import round_add_people
from people.identity import reveal
from people.services import consent_withdraw, person_register
from people.synthetic import generate_residents

pytestmark = pytest.mark.django_db(transaction=True)


def dump_database() -> bytes:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        # sqlite3.Connection.serialize(): the exact bytes of the database file (works in memory too).
        return connection.connection.serialize()
    if connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.fail("pg_dump is required for the privacy proof on PostgreSQL")
        params = connection.get_connection_params()
        env = os.environ | ({"PGPASSWORD": str(params["password"])} if params.get("password") else {})
        command = [pg_dump, "--no-owner", "--data-only", "-h", str(params.get("host") or "127.0.0.1")]
        command += ["-p", str(params.get("port") or 5432), "-U", str(params.get("user") or "postgres")]
        command.append(str(params["dbname"]))
        return subprocess.run(command, check=True, capture_output=True, env=env, timeout=120).stdout  # noqa: S603
    pytest.skip(f"no dump for {connection.vendor}")


def forms_of(value: str) -> set[bytes]:
    """The ways a value could sit in a dump: as typed, folded case, UTF-8 and UTF-16."""
    variants = {value, value.lower(), value.upper()}
    out = set()
    for v in variants:
        out.add(v.encode())
        out.add(v.encode("utf-16-le"))
    return out


def test_a_database_dump_reveals_no_identity(users, site_kd, make_round, client, login):
    registrar = users[Role.REGISTRAR]
    # Region and organisation names share words with people's names ("Rangga" is also a desa):
    # a single name word counts as a leak only if it was not in the database before.
    baseline = dump_database()
    residents = list(generate_residents(["53.71", "53.01", "35.06", "64.02", None, "52.01"], seed=77))
    residents[0].identity.aliases = ["Kembang Melati"]
    people = []
    for resident in residents:
        person, _warnings = person_register(
            actor=registrar, site=site_kd, identity=resident.identity, attrs=resident.attrs
        )
        people.append(person)
    census_round = make_round(people=[])
    round_add_people(actor=registrar, census_round=census_round, people=people)
    # Revealing, withdrawing consent and searching all write audit events: those must stay clean too.
    reveal(people[0], user=users[Role.CASE_WORKER])
    consent_withdraw(actor=users[Role.CASE_WORKER], person=people[1], on=census_round.held_on)

    dump = dump_database()
    assert len(dump) > 10_000  # a real dump, not an empty string
    assert people[0].case_code.encode() in dump  # the pseudonym is there, in clear

    secrets: list[str] = []
    for resident in residents:
        identity = resident.identity
        secrets += [identity.full_name, *identity.aliases]
        secrets += [w for w in identity.full_name.split() if not any(f in baseline for f in forms_of(w))]
        if identity.nik:
            secrets.append(identity.nik)
        if identity.phone:
            secrets += [identity.phone, "62" + identity.phone.lstrip("0")]
        secrets.append(identity.origin_address)
    # Words under 5 letters could collide with unrelated bytes (ciphertext is base64 text).
    checked = [s for s in secrets if len(s) >= 5]
    assert any(r.identity.nik for r in residents) and any(r.identity.phone for r in residents)
    leaks = [s for s in checked if any(form in dump for form in forms_of(s))]
    assert not leaks, f"identity values found in the database dump: {leaks}"
