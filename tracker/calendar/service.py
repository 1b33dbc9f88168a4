"""The process's working-day calendar, rebuilt whenever the overrides in the database change.

Every caller asks `current_calendar()`; it is kept under the token of the CALENDAR scope
(core/revisions.py), which every committed change to the overrides or confirmed years renews: one
indexed read, so a change made in one worker is seen by every other worker on its next request, and
a transaction that changed the calendar itself reads its own change.
"""
from __future__ import annotations

from sqlalchemy import select

from ..core.kept import Kept
from ..core.revisions import CALENDAR, EVERY, current_tokens
from ..extensions import db
from ..law.workdays import Override, WorkCalendar
from .models import CalendarOverride, ConfirmedYear

_calendars: Kept[WorkCalendar] = Kept(max_entries=4, scopes=(CALENDAR,))  # per database


def current_revision() -> str:
    """The calendar's committed token: a signed sheet records it, a previewed notice import checks it."""
    return current_tokens([(CALENDAR, EVERY)])[(CALENDAR, EVERY)]


def build_calendar() -> WorkCalendar:
    overrides = {row.day: Override(working=row.working, note=row.note)
                 for row in db.session.scalars(select(CalendarOverride))}
    confirmed = set(db.session.scalars(select(ConfirmedYear.year)))
    return WorkCalendar(overrides=overrides, confirmed_years=confirmed)


def current_calendar() -> WorkCalendar:
    return _calendars.get((), build_calendar)
