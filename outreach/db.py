"""Writes that the ORM would make in several round trips, in one statement each."""

from django.db import connections, router
from django.db.models import Model


def insert_statement(obj: Model, connection) -> tuple[str, list]:
    """The SQL and parameters of INSERT … ON CONFLICT DO NOTHING RETURNING the key, for `obj`
    (every concrete field but an automatic key, as `save()` would write them)."""
    meta = type(obj)._meta
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    # Names from the models' metadata, quoted; every value a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
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
