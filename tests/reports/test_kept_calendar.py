"""A calendar change rescores only the counties whose deadlines it can move (issue 19).

The example campaign, seen on 2020-11-30, with 民勤县's two open requests answered: its spans are then
2020-09-01…09-28 (MQ-16), 10-12…11-09 (MQ-21) and its phone calls on 09-02, while 凉州区 keeps two open
requests (spans up to today) and LZ-21 answered one working day late (due 10-12, sent 10-13).
A day off on 2020-09-30 lies in 凉州区's spans only and makes LZ-21's reply timely."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from .conftest import TODAY, bundle_data, import_data

LIANGZHOU, MINQIN = "凉州区", "民勤县"
A_DAY_OFF_IN_LIANGZHOU_ONLY = {"day": "2020-09-30", "working": "false", "note": "测试：临时放假"}
MID_AUTUMN_ADJUSTMENT = "国务院办公厅关于调整2020年中秋节假期安排的通知\n一、2020年9月30日放假，共1天。"


def answered(reply_of: dict, dispatched: str) -> dict:
    return {**reply_of, "dispatched_on": dispatched, "received_on": dispatched}


@pytest.fixture
def campaign_id(app, users, monkeypatch) -> int:
    from tracker.law.workdays import BEIJING

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime.combine(TODAY, time(10, 0), tzinfo=BEIJING))
    data = bundle_data()
    data.pop("reviews")
    requests = {request["key"]: request for request in data["requests"]}
    reply = requests["LZ-21"]["reply"]
    requests["LZ-21"]["reply"] = answered(reply, "2020-10-13")
    requests["MQ-16"]["reply"] = answered(reply, "2020-09-20")
    requests["MQ-21"]["reply"] = answered(reply, "2020-10-20")
    return import_data(app, data)


def overview(app, campaign_id) -> dict:
    """County name → its kept report, checked against one computed afresh."""
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.kept_reports import kept_sheet_reports
    from tracker.reports.sheet_model import build_sheet_reports

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        kept = kept_sheet_reports(campaign, TODAY)
        assert kept == build_sheet_reports(campaign, TODAY)
        db.session.remove()
    return {report.target_name: report for report in kept}


def committed(app, operation, *args) -> None:
    from tracker.extensions import db

    with app.app_context():
        operation(None, *args)
        db.session.commit()
        db.session.remove()


def stored(app, key: str) -> tuple:
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        request = db.session.scalar(select(MockRequest).where(MockRequest.key == key))
        return request.due_date, request.status, request.on_time


def seen_once(app, campaign_id, rescored) -> dict:
    first = overview(app, campaign_id)
    assert rescored == [{LIANGZHOU, MINQIN}]
    rescored.clear()
    return first


def test_a_day_off_in_one_countys_span_rescores_that_county_only(app, campaign_id, rescored):
    from tracker.calendar.operations import remove_override_on, set_override

    before = seen_once(app, campaign_id, rescored)
    assert stored(app, "LZ-21") == (date(2020, 10, 12), "replied_late", False)
    committed(app, set_override, A_DAY_OFF_IN_LIANGZHOU_ONLY)
    after = overview(app, campaign_id)
    assert rescored == [{LIANGZHOU}]
    assert after[MINQIN] is before[MINQIN]  # the very report kept before
    assert after[LIANGZHOU].total > before[LIANGZHOU].total  # LZ-21 answered in time now
    assert stored(app, "LZ-21") == (date(2020, 10, 13), "replied_on_time", True)

    rescored.clear()
    committed(app, remove_override_on, "2020-09-30")
    back = overview(app, campaign_id)
    assert rescored == [{LIANGZHOU}] and back[MINQIN] is before[MINQIN]
    assert back[LIANGZHOU] == before[LIANGZHOU]
    assert stored(app, "LZ-21") == (date(2020, 10, 12), "replied_late", False)


@pytest.mark.parametrize("day", ["2020-08-20", "2020-12-10"], ids=["before-every-receipt", "after-today"])
def test_a_day_outside_every_span_rescores_nothing(app, campaign_id, rescored, day):
    from tracker.calendar.operations import set_override

    before = seen_once(app, campaign_id, rescored)
    committed(app, set_override, {"day": day, "working": "false", "note": "测试：范围之外"})
    after = overview(app, campaign_id)
    assert rescored == []
    assert all(after[name] is before[name] for name in before)


def test_a_note_only_change_rescores_nothing(app, campaign_id, rescored):
    from tracker.calendar.operations import set_override

    committed(app, set_override, A_DAY_OFF_IN_LIANGZHOU_ONLY)
    seen_once(app, campaign_id, rescored)
    committed(app, set_override, {**A_DAY_OFF_IN_LIANGZHOU_ONLY, "note": "测试：改写说明"})
    overview(app, campaign_id)
    assert rescored == []


def test_an_imported_notice_rescores_only_the_counties_it_reaches(app, campaign_id, rescored):
    from tracker.calendar.operations import import_notice

    before = seen_once(app, campaign_id, rescored)
    committed(app, import_notice, MID_AUTUMN_ADJUSTMENT)
    after = overview(app, campaign_id)
    assert rescored == [{LIANGZHOU}] and after[MINQIN] is before[MINQIN]
    assert stored(app, "LZ-21") == (date(2020, 10, 13), "replied_on_time", True)


def test_a_phone_test_is_reached_on_its_call_days_only(app, campaign_id):
    """LZ-18 and MQ-18 were called on 2020-09-02 (Beijing; stored in UTC), on no other day."""
    from tracker.campaigns.models import Target
    from tracker.extensions import db
    from tracker.requests.calendar_reach import _targets_called_on

    with app.app_context():
        both = set(db.session.scalars(select(Target.id)))
        assert _targets_called_on({date(2020, 9, 2)}) == both
        assert _targets_called_on({date(2020, 9, 1), date(2020, 9, 3)}) == set()
        db.session.remove()


def test_a_day_off_moving_a_due_date_updates_the_stored_date_and_the_dashboard(app, campaign_id, login):
    from tracker.calendar.operations import set_override

    admin = login("admin")
    assert "答复期限 2020年10月27日" in admin.get("/?scope=all").get_data(as_text=True)  # LZ-21-R, overdue
    committed(app, set_override, {"day": "2020-10-20", "working": "false", "note": "测试：临时放假"})
    assert stored(app, "LZ-21-R")[:2] == (date(2020, 10, 28), "overdue")
    page = admin.get("/?scope=all").get_data(as_text=True)
    assert "答复期限 2020年10月28日" in page and "答复期限 2020年10月27日" not in page


def test_a_confirmed_year_moves_stored_flags_only_and_reaches_no_report(app, campaign_id):
    """Confirming a year changes no working day: only `provisional`, which no report prints."""
    from tracker.extensions import db
    from tracker.requests.calendar_reach import CalendarChange, reach_of

    with app.app_context():
        reached = reach_of(CalendarChange((), frozenset({2020})), TODAY)
        assert reached.target_ids == set() and len(reached.clock_ids) >= 10
        db.session.remove()


def test_a_calendar_change_no_one_narrowed_renews_every_county(app, campaign_id):
    """A change that bypasses the operations (no signal, so no list of counties) renews them all."""
    from tracker.calendar.models import CalendarOverride
    from tracker.core.revisions import EVERY, TARGET, current_tokens
    from tracker.extensions import db

    with app.app_context():
        before = current_tokens([(TARGET, EVERY)])
        db.session.add(CalendarOverride(day=date(2020, 9, 30), working=False, note="直接写入"))
        db.session.commit()
        assert current_tokens([(TARGET, EVERY)]) != before
        db.session.remove()


def test_a_report_of_a_later_day_is_computed_afresh(app, campaign_id, rescored):
    """Kept reports are renewed for changes up to today: one of a later day is never kept."""
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.kept_reports import kept_sheet_reports

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        for _ in range(2):
            kept_sheet_reports(campaign, date(2020, 12, 15))
        db.session.remove()
    assert rescored == [{LIANGZHOU, MINQIN}] * 2
