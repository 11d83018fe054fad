"""Writes that the ORM would make in several round trips, in one statement each."""

from django.db import connections, router
from django.db.models import Model


def insert_statement(obj: Model, connection, *, returning: str = "") -> tuple[str, list]:
    """The SQL and parameters of INSERT … ON CONFLICT DO NOTHING RETURNING the key (or
    `returning`), for `obj` (every concrete field but an automatic key, as `save()` would write
    them)."""
    meta = type(obj)._meta
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    # Names from the models' metadata, quoted; every value a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {returning or quote(meta.pk.column)}"
    )
    return sql, values


def insert_unless_present(obj: Model) -> bool:
    """Insert `obj` unless a row sharing one of its unique values is there already, in one
    statement: INSERT … ON CONFLICT DO NOTHING RETURNING its key (PostgreSQL and SQLite alike).

    True, with `obj.pk` set, when the row was inserted; False, with nothing written, when it
    existed. A conflict is not an error, so no savepoint has to guard it. On PostgreSQL, a row
    inserted by a transaction that has not committed yet is waited for (within the transaction's
    lock_timeout), then counts as present if that transaction commits.
    Unlike `save()`, sends no pre_save or post_save signal: for models whose creation nothing
    listens to.
    """
    connection = connections[router.db_for_write(type(obj), instance=obj)]
    sql, values = insert_statement(obj, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    inserted(obj, row[0], connection)
    return True


def inserted(obj: Model, pk, connection) -> None:
    """Mark `obj` as the saved row `pk`, as `save()` would have left it."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


def insert_or_find(obj: Model, *, where: str, params: list) -> tuple[Model, bool]:
    """`obj` inserted, or else the row in its way: (the row, whether inserted). `where` (SQL on
    the model's table, with `params`) finds the row that one of `obj`'s unique values would
    clash with, by the same expressions as the unique constraint.

    One statement on PostgreSQL for either case (the insert in a data-modifying WITH, the
    lookup beside it); two elsewhere. A row that a concurrent transaction inserted and committed
    while this one waited for it is not in that statement's snapshot: a second lookup finds it.
    """
    model = type(obj)
    meta = model._meta
    manager = model._default_manager
    connection = connections[router.db_for_write(model, instance=obj)]
    table = connection.ops.quote_name(meta.db_table)
    if connection.vendor == "postgresql":
        insert_sql, values = insert_statement(obj, connection, returning="*")
        sql = (
            f"WITH new AS ({insert_sql}) SELECT *, true AS inserted FROM new "  # noqa: S608
            f"UNION ALL (SELECT *, false AS inserted FROM {table} WHERE {where} LIMIT 1) LIMIT 1"
        )
        for row in manager.raw(sql, [*values, *params]):
            return row, row.inserted
    elif insert_unless_present(obj):
        return obj, True
    found = manager.raw(f"SELECT * FROM {table} WHERE {where} LIMIT 1", params)  # noqa: S608
    return next(iter(found)), False
