"""The working-day calendar read with the database driver alone, for `tracker workdays …`.

`tracker workdays` must start in ≤ 0.35 s (DESIGN.md §10.6) yet still honour the admins' overrides.
Building the Flask app and importing SQLAlchemy costs ~1 s, so this reads the two small tables with
sqlite3 (standard library) or psycopg directly. Before `tracker init` the tables do not exist: the
official calendar without overrides, as the app-based path did.
"""
from __future__ import annotations

import sqlite3
from datetime import date
from urllib.parse import unquote, urlsplit

from ..law.workdays import Override, WorkCalendar

OVERRIDES_SQL = "SELECT day, working, note FROM calendar_overrides"
CONFIRMED_SQL = "SELECT year FROM calendar_confirmed_years"


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _build(override_rows, confirmed_rows) -> WorkCalendar:
    overrides = {_as_date(day): Override(working=bool(working), note=note or "")
                 for day, working, note in override_rows}
    return WorkCalendar(overrides=overrides, confirmed_years={int(year) for (year,) in confirmed_rows})


def _sqlite_calendar(url: str) -> WorkCalendar:
    path = unquote(url.split(":///", 1)[1]) if ":///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        return WorkCalendar()
    try:
        # Read-only: a missing file stays missing instead of being created empty.
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return WorkCalendar()
    try:
        return _build(connection.execute(OVERRIDES_SQL).fetchall(), connection.execute(CONFIRMED_SQL).fetchall())
    except sqlite3.Error:  # no tables yet (before `tracker init`)
        return WorkCalendar()
    finally:
        connection.close()


def _postgresql_calendar(url: str) -> WorkCalendar:
    import psycopg  # lazy: only the driver of the database in use is loaded (≤ 0.35 s start)

    parts = urlsplit(url)
    conninfo = parts._replace(scheme="postgresql").geturl()
    try:
        with psycopg.connect(conninfo, connect_timeout=10) as connection:
            overrides = connection.execute(OVERRIDES_SQL).fetchall()
            return _build(overrides, connection.execute(CONFIRMED_SQL).fetchall())
    except psycopg.Error:  # no tables yet, or no server: the official calendar, as the app-based path did
        return WorkCalendar()


def _other_calendar(url: str) -> WorkCalendar:
    # Lazy: SQLAlchemy is the slow import this module exists to avoid; only other databases need it.
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return _build(connection.execute(text(OVERRIDES_SQL)).all(),
                          connection.execute(text(CONFIRMED_SQL)).all())
    except SQLAlchemyError:
        return WorkCalendar()
    finally:
        engine.dispose()


def calendar_from_database(url: str) -> WorkCalendar:
    """The calendar of the database at `url` (a SQLAlchemy URL, as in TRACKER_DATABASE_URL)."""
    scheme = url.split(":", 1)[0]
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return _sqlite_calendar(url)
    if scheme in ("postgresql", "postgresql+psycopg"):
        return _postgresql_calendar(url)
    return _other_calendar(url)
