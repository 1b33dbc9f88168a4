"""Shared, cached calendars for the core tests (building one takes ~40 ms)."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays

from tracker.law.workdays import HOLIDAY_LANGUAGE, WorkCalendar


@cache
def plain_calendar() -> WorkCalendar:
    return WorkCalendar()


@cache
def package_holidays() -> holidays.HolidayBase:
    """The holidays package's own CN calendar, the reference for brute-force checks."""
    return holidays.country_holidays("CN", years=range(2000, 2046), language=HOLIDAY_LANGUAGE)


def d(iso: str) -> date:
    return date.fromisoformat(iso)
