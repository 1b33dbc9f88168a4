"""Engine tuning for SQLite (WAL, busy timeout, IMMEDIATE write transactions) and shared helpers."""
from __future__ import annotations

import contextvars
import sqlite3
from datetime import datetime, timezone

from sqlalchemy import event
from sqlalchemy.engine import Engine

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
    from zoneinfo import ZoneInfo

    return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Asia/Shanghai"))
