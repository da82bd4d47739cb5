"""Database helpers for the statements that touch every person of a programme.

INSERT … SELECT: copy rows the database has just selected straight into a table.

Proposing or approving a run touches one row per person — 100,000 for a large programme. Django's
``bulk_create`` would build 100,000 model instances in Python and send them back in batches
(999 parameters per statement on SQLite): 90 % of the time went there. Here the ORM still writes
the SELECT (quoting, parameters, the eligibility rule), and the database copies its result into
the table in one statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, connections, router, transaction
from django.db.models import Model, QuerySet


@contextmanager
def no_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiles a query whose *estimated* cost is high. An eligibility rule's
    correlated subqueries make the estimate huge while the work is small, and compiling alone
    took about a second per query. Off for this transaction only (SET LOCAL); a no-op elsewhere.
    (Project-wide, ``-c jit=off`` in the connection options does the same for every query.)"""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def insert_select(model: type[Model], qs: QuerySet, columns: dict, *, constants: dict | None = None) -> int:
    """``INSERT INTO <model> (<columns>, <constants>) SELECT <expressions>, <values> FROM <qs>``.

    ``columns`` maps a field name of ``model`` to an expression evaluated on ``qs`` (``F``, an
    annotation); ``constants`` maps field names to plain values, the same for every row (prepared
    by the target field, sent as parameters). Fields left out take NULL: give every NOT NULL
    column. Returns the number of rows inserted."""
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    constants = constants or {}
    aliases = {f"ins_{i}": expression for i, expression in enumerate(columns.values())}
    select = qs.order_by().annotate(**aliases).values_list(*aliases)
    sql, params = select.query.get_compiler(using).as_sql()
    fields = [model._meta.get_field(name) for name in [*columns, *constants]]
    targets = ", ".join(quote(field.column) for field in fields)
    picked = ", ".join([*(f"sub.{quote(alias)}" for alias in aliases), *("%s" for _ in constants)])
    values = [model._meta.get_field(name).get_db_prep_save(value, connection) for name, value in constants.items()]
    # Table and column names are quoted by the backend; every value is a query parameter.
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({targets}) SELECT {picked} FROM ({sql}) sub"  # noqa: S608
    with connection.cursor() as cursor:
        # The constants' placeholders come first in the statement's text, then the inner query's.
        cursor.execute(statement, [*values, *params])
        return cursor.rowcount
