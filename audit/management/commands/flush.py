"""Django's ``flush``, made able to empty the append-only audit log on SQLite.

On SQLite the trigger from migration ``audit.0002_append_only_triggers`` refuses every DELETE
on ``audit_auditevent`` unless ``audit_flush_guard`` holds a row. This command is the one
documented path that writes that row: inside a single transaction it opens the guard, runs
Django's flush and closes the guard again, so the row is never committed and no other
connection can use it. pytest-django runs this command after each transactional test.
(Run interactively, the confirmation is asked inside that transaction, holding SQLite's write
lock until answered: stop the application before flushing, as one would anyway.)

PostgreSQL needs nothing: Django flushes with TRUNCATE, which row-level triggers do not see.
"""

from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

GUARD_TABLE = "audit_flush_guard"


class Command(DjangoFlushCommand):
    def handle(self, **options):
        connection = connections[options.get("database", DEFAULT_DB_ALIAS)]
        if connection.vendor != "sqlite" or GUARD_TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {GUARD_TABLE} (opened) VALUES (1)")  # noqa: S608 — a constant
            result = super().handle(**options)
            cursor.execute(f"DELETE FROM {GUARD_TABLE}")  # noqa: S608 — a constant
        return result
