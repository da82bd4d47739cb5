# Defence in depth for the audit log: the database itself refuses UPDATE and DELETE on
# audit_auditevent, whatever code (ORM, raw SQL, a shell) asks. The hash chain still detects
# an attacker who removes the triggers first; these only stop mistakes and casual edits.
#
# Test and maintenance flushes (`manage.py flush`, also run by pytest-django after every
# transactional test) must still empty the table:
# - PostgreSQL: Django flushes with TRUNCATE, which does not fire row-level triggers.
# - SQLite: Django flushes with DELETE FROM, which does. The DELETE trigger therefore stands
#   aside while the one-row table audit_flush_guard holds a row, and only audit's own `flush`
#   command (audit/management/commands/flush.py) writes that row, inside the flush's transaction,
#   so no other connection ever sees it. UPDATE has no bypass on either database.
#
# SQLite drops a table's triggers when Django's schema editor rebuilds the table (most
# AlterField/RemoveField operations): a later migration that alters audit_auditevent must
# create them again. tests/test_audit.py fails if they are missing.

from django.db import migrations

MESSAGE = "audit log is append-only"

POSTGRESQL_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only()",
]

SQLITE_FORWARD = [
    "CREATE TABLE audit_flush_guard (opened integer NOT NULL)",
    f"""
    CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM audit_flush_guard)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "DROP TABLE IF EXISTS audit_flush_guard",
]

STATEMENTS = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
}


def _run(schema_editor, index: int) -> None:
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return  # Other databases are not supported by Pulih; the hash chain still protects them.
    for sql in statements[index]:
        # params=None: no placeholder interpolation, so the '%' in the PL/pgSQL message stays.
        schema_editor.execute(sql, params=None)


def create_triggers(apps, schema_editor):
    _run(schema_editor, 0)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
