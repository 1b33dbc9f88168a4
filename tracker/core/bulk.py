"""Many new rows of one table at once: PostgreSQL's COPY, elsewhere one executemany.

A national import writes about half a million rows (requests, their events and replies, facts,
audit entries). As multi-row INSERTs on PostgreSQL, SQLAlchemy and the server handle every value
of every row as a statement parameter: a 12 000-request table took 1.2 s, streamed with COPY
0.26 s. COPY runs on the session's own connection, inside its transaction: a rollback undoes it.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from sqlalchemy import JSON, Table, insert

from .revisions import note_table_written


def insert_many(session, table: Table, rows: Sequence[dict]) -> None:
    """INSERT `rows` into `table`; every row has the same keys (column keys), as Core's executemany
    wants them. Columns a row leaves out take their server default, as with an INSERT."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    note_table_written(session, table.name)  # COPY passes the session by: tokens as for an INSERT
    keys = list(rows[0])
    convert = [_converter(table.c[key], connection.dialect) for key in keys]
    names = ", ".join(connection.dialect.identifier_preparer.quote(table.c[key].name) for key in keys)
    statement = f"COPY {connection.dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
    width = len(keys)
    with connection.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            if len(row) != width:
                raise ValueError(f"insert_many({table.name}): rows with different columns ({sorted(row)} vs {keys})")
            copy.write_row([value if change is None else change(value)
                            for value, change in zip(map(row.__getitem__, keys), convert)])


def _converter(column, dialect) -> Callable | None:
    """What the INSERT would have sent for a value of `column`, where psycopg cannot adapt it as it is."""
    if isinstance(column.type, JSON):
        serialise = getattr(dialect, "_json_serializer", None) or json.dumps
        if column.type.none_as_null:
            return lambda value: None if value is None else serialise(value)
        return serialise  # None is stored as JSON null, as SQLAlchemy's JSON type does
    return column.type.bind_processor(dialect)
