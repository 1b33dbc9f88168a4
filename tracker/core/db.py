"""Engine tuning for SQLite (WAL, busy timeout, IMMEDIATE write transactions) and shared helpers."""
from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import cache

from sqlalchemy import Integer, any_, event, func, inspect, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, configure_mappers

from ..extensions import db
from ..law.workdays import BEIJING

# Reads may share the database; a write must take the lock when its transaction begins,
# otherwise two writers that both read first deadlock into "database is locked".
sqlite_begin_mode: contextvars.ContextVar[str] = contextvars.ContextVar("sqlite_begin_mode", default="IMMEDIATE")


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"BEGIN {sqlite_begin_mode.get()}")


@contextmanager
def reads_before_writing(session):
    """Reads that must not take SQLite's write lock although the request will write afterwards (a
    long check of an upload): a DEFERRED transaction, ended before the caller's writes begin their
    own IMMEDIATE one. Elsewhere the reads are an ordinary transaction, ended the same way."""
    token = sqlite_begin_mode.set("DEFERRED")
    try:
        yield
    finally:
        session.rollback()
        sqlite_begin_mode.reset(token)


def utcnow() -> datetime:
    """Timestamps are stored naive in UTC, the same on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_db_time(moment: datetime | None) -> datetime | None:
    """Aware → naive UTC for storage."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def from_db_time(moment: datetime | None) -> datetime | None:
    """Stored naive UTC → aware Beijing time for display and business rules."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(BEIJING)


@contextmanager
def numbered_inserts(session):
    """SQLite: number new rows before each flush, so that the ORM batches their INSERTs.

    Rows also get the scalar default of every column left unset (what the INSERT stores anyway),
    so that rows of one table share one set of columns and so one batch.

    The ORM needs the id of every new row; PostgreSQL returns them in order from one multi-row
    INSERT … RETURNING, but SQLite cannot, so SQLAlchemy falls back to one INSERT per row (a
    12 000-request bundle import: ~30 000 statements). Giving the rows their ids up front (the
    table's max(id) + 1, …, in the order they were added) lets it use one executemany per table.
    Only inside a write transaction begun IMMEDIATE, which excludes every other writer until the
    commit, so nobody else can take those ids; elsewhere, and on other databases, does nothing.
    """
    real = session() if callable(session) and not isinstance(session, Session) else session
    if real.get_bind().dialect.name != "sqlite" or sqlite_begin_mode.get() != "IMMEDIATE":
        yield
        return
    def number(flushing, _context, _instances) -> None:
        last: dict = {}  # read again at every flush: a Core INSERT may have taken ids in between
        pending = sorted((inspect(obj) for obj in flushing.new), key=lambda state: state.insert_order)
        for state in pending:
            columns = state.mapper.primary_key
            if len(columns) != 1 or not isinstance(columns[0].type, Integer) or columns[0].foreign_keys:
                continue
            _fill_defaults(state)
            key = state.mapper.get_property_by_column(columns[0]).key
            if state.dict.get(key) is not None:
                continue
            table = columns[0].table
            if table not in last:
                last[table] = flushing.connection().execute(select(func.max(columns[0]))).scalar() or 0
            last[table] += 1
            setattr(state.obj(), key, last[table])

    event.listen(real, "before_flush", number)
    try:
        yield
    finally:
        event.remove(real, "before_flush", number)


def _fill_defaults(state) -> None:
    """Write the scalar column defaults the INSERT would apply, so every row has the same columns."""
    for prop in state.mapper.column_attrs:
        default = prop.columns[0].default
        if default is not None and default.is_scalar and state.dict.get(prop.key) is None:
            state.dict[prop.key] = default.arg


def reserve_ids(session, table, count: int) -> list[int] | None:
    """``count`` new primary keys of ``table`` for rows this transaction is about to insert itself.

    PostgreSQL: taken from the column's sequence. SQLite: max(id) + 1, … — only inside a write
    transaction begun IMMEDIATE (nobody else can insert until the commit); None elsewhere, and the
    caller lets the ORM insert its rows instead.
    """
    if count == 0:
        return []
    column = next(iter(table.primary_key.columns))
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return sorted(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :count)"),
            {"table": table.name, "column": column.name, "count": count}).scalars())
    if dialect == "sqlite" and sqlite_begin_mode.get() == "IMMEDIATE":
        last = connection.execute(select(func.max(column))).scalar() or 0
        return list(range(last + 1, last + 1 + count))
    return None


def insert_values(obj) -> dict:
    """Every column of a transient ORM object as a Core INSERT parameter set, defaults applied
    (one complete set of keys per table, so Core sends many rows in one executemany)."""
    values = {}
    state_dict = obj.__dict__
    for key, column_key, scalar, default in _insert_columns(type(obj)):
        value = state_dict.get(key)
        if value is None and default is not None:
            value = default if scalar else default(None)
        values[column_key] = value
    return values


@cache
def _insert_columns(model) -> tuple:
    """(attribute, column key, default is a scalar, default) of every column of a mapped class."""
    columns = []
    for prop in inspect(model).column_attrs:
        column = prop.columns[0]
        default = column.default
        columns.append((prop.key, column.key, bool(default is not None and default.is_scalar),
                        None if default is None else default.arg))
    return tuple(columns)


def new_row(model, columns: dict, **relationships):
    """``model(**columns, **relationships)`` for a bulk writer: the column values go straight into the
    new object's state, without one attribute event each (a national import builds ~350 000 objects,
    and the events were a tenth of its time). Only for plain column values: nothing listens to them
    on a new object, and an INSERT (Core or ORM) reads them from the state as they are."""
    if not model.__mapper__.configured:
        configure_mappers()  # what the constructor's init event would do first
    row = model._sa_class_manager.new_instance()
    row.__dict__.update(columns)
    for name, value in relationships.items():
        setattr(row, name, value)  # relationships keep their events (back-references, cascades)
    return row


def among(column, values: Iterable):
    """`column IN (values)` for a long list of ids. On PostgreSQL one array parameter (`= ANY`): the
    statement's text stays the same whatever the list, and a window of 2 000 ids sent as 2 000
    parameters cost more to render, send and parse than the rows it fetched (19 → 12 ms a statement,
    the streamed export reads 360 of them). Elsewhere IN."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(values)
