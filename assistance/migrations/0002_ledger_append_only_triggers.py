# The money ledger is append-only in the database too: UPDATE and DELETE on
# assistance_ledgerentry are refused whatever code asks (ORM, raw SQL, a shell). A correction is
# a new entry (release, reversal). `manage.py reconcile_budget` still catches what slips past.
#
# Flushes (tests, maintenance) must still empty the table, as for the audit log
# (audit/migrations/0002_append_only_triggers.py):
# - PostgreSQL flushes with TRUNCATE, which row-level triggers do not see.
# - SQLite flushes with DELETE FROM: the DELETE trigger stands aside while audit's one-row
#   audit_flush_guard table holds a row, which only audit's own `flush` command writes, inside
#   the flush's transaction. UPDATE has no bypass on either database.
#
# SQLite drops a table's triggers when the schema editor rebuilds it (most AlterField and
# RemoveField operations): a later migration that alters assistance_ledgerentry must create
# them again. tests/test_assistance.py fails if they are missing.

from django.db import migrations

MESSAGE = "assistance ledger is append-only"

POSTGRESQL_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION assistance_ledgerentry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER assistance_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON assistance_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION assistance_ledgerentry_append_only()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS assistance_ledgerentry_append_only ON assistance_ledgerentry",
    "DROP FUNCTION IF EXISTS assistance_ledgerentry_append_only()",
]

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER assistance_ledgerentry_no_update BEFORE UPDATE ON assistance_ledgerentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER assistance_ledgerentry_no_delete BEFORE DELETE ON assistance_ledgerentry
    WHEN NOT EXISTS (SELECT 1 FROM audit_flush_guard)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS assistance_ledgerentry_no_update",
    "DROP TRIGGER IF EXISTS assistance_ledgerentry_no_delete",
]

STATEMENTS = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
}


def _run(schema_editor, index: int) -> None:
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for sql in statements[index]:
        # params=None: no placeholder interpolation, so the '%' in the PL/pgSQL message stays.
        schema_editor.execute(sql, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, 0)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0001_initial"),
        # audit_flush_guard (SQLite) is created there.
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
