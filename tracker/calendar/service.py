"""The process's working-day calendar, rebuilt whenever the overrides in the database change.

Every caller asks `current_calendar()`; it costs one indexed read of the revision counter, so a
change made in one worker is seen by every other worker on its next request.
"""
from __future__ import annotations

import threading
import uuid

from sqlalchemy import select

from ..extensions import db
from ..law.workdays import Override, WorkCalendar
from .models import CalendarOverride, CalendarRevision, ConfirmedYear

_lock = threading.Lock()
_cached: tuple[str, WorkCalendar] | None = None


def current_revision() -> str:
    return db.session.scalar(select(CalendarRevision.revision).where(CalendarRevision.id == 1)) or ""


def bump_revision() -> None:
    row = db.session.get(CalendarRevision, 1)
    if row is None:
        row = CalendarRevision(id=1)
        db.session.add(row)
    row.revision = uuid.uuid4().hex
    db.session.flush()


def forget_calendar() -> None:
    """Drop the process's table (tests that reset the database call this)."""
    global _cached
    _cached = None


def build_calendar() -> WorkCalendar:
    overrides = {row.day: Override(working=row.working, note=row.note)
                 for row in db.session.scalars(select(CalendarOverride))}
    confirmed = set(db.session.scalars(select(ConfirmedYear.year)))
    return WorkCalendar(overrides=overrides, confirmed_years=confirmed)


def current_calendar() -> WorkCalendar:
    global _cached
    revision = current_revision()
    cached = _cached
    if cached is not None and cached[0] == revision:
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != revision:
            _cached = (revision, build_calendar())
        return _cached[1]
