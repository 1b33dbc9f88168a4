"""The demo campaign works whatever day it is loaded on (issue 18: loaded on a Saturday, its "phone
test in progress today" was an invalid call made on a day off)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from tracker.demo.data import build_demo
from tracker.law.workdays import BEIJING


@pytest.mark.parametrize("today", [date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6), date(2026, 10, 3)])
def test_every_demo_date_is_a_working_day(app, today):
    from tracker.calendar.service import current_calendar
    from tracker.scoring.rubric_store import get_rubric

    with app.app_context():
        calendar = current_calendar()
        data = build_demo("演示", today, calendar, get_rubric("wuwei-2020-county"), ("admin", "li"))
    calls = [datetime.fromisoformat(a["at"]).astimezone(BEIJING).date()
             for r in data["requests"] for a in (r.get("phone") or {}).get("attempts", [])]
    submitted = [datetime.fromisoformat(r["submitted_at"]).date() for r in data["requests"]]
    assert calls and all(calendar.is_working_day(day) for day in calls + submitted)
    assert max(calls + submitted) <= today
