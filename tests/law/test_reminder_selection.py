"""Reminder selection: what is due, once, and never a storm."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.law.reminder_selection import (
    DueReminder,
    OpenRequest,
    group_by_recipient,
    reminder_key,
    select_reminders,
)

TODAY = date(2020, 9, 24)  # a Thursday
DUE_KINDS = ("due_soon", "due_today", "overdue")


def open_request(request_id: int = 1, *, left: int | None = 3, due: date | None = None,
                 status: str = "awaiting_reply", owner: int = 7, **fields: Any) -> OpenRequest:
    if due is None and left is not None:
        due = working_day(TODAY, left)
    return OpenRequest(request_id=request_id, key=f"LZ-{request_id}", owner_id=owner, target_name="凉州区",
                       channel=fields.pop("channel", "online"), status=status, due_date=due,
                       working_days_left=left, **fields)


def working_day(start: date, n: int) -> date:
    """The n-th weekday after ``start`` (before it when n < 0): the tests' simple calendar."""
    day, step = start, (1 if n >= 0 else -1)
    for _ in range(abs(n)):
        day += timedelta(days=step)
        while day.weekday() >= 5:
            day += timedelta(days=step)
    return day


def working_days_between(today: date, due: date) -> int:
    """Weekdays in (today, due], negative when due is past."""
    sign, (low, high) = (1, (today, due)) if due >= today else (-1, (due, today))
    return sign * sum(1 for i in range(1, (high - low).days + 1) if (low + timedelta(i)).weekday() < 5)


def kinds(reminders: list[DueReminder]) -> list[str]:
    return [r.kind for r in reminders]


# ---------------------------------------------------------------------------- the table

POSTED = date(2020, 9, 17)
ASKED = date(2020, 9, 21)
CASES: list[tuple[str, OpenRequest, list[str]]] = [
    ("far from due", open_request(left=5), []),
    ("inside the horizon", open_request(left=3), ["due_soon:1:2020-09-29"]),
    ("one day left", open_request(left=1), ["due_soon:1:2020-09-25"]),
    ("due today: due_today only", open_request(left=0), ["due_today:1:2020-09-24"]),
    ("past due", open_request(left=-2, status="overdue"), ["overdue:1:2020-09-22"]),
    ("stale status but past due", open_request(left=-1, status="awaiting_reply"), ["overdue:1:2020-09-23"]),
    ("clock paused by consultation", open_request(left=1, status="paused"), []),
    ("replied", open_request(left=1, status="replied_on_time"), []),
    ("no deadline", open_request(left=None, status="no_deadline"), []),
    ("agency asked for 补正", open_request(left=None, status="awaiting_clarification",
                                       clarification_requested_on=ASKED, clarification_open=True),
     ["clarification:1:2020-09-21"]),
    ("补正 answered", open_request(left=None, status="awaiting_clarification",
                                 clarification_requested_on=ASKED, clarification_open=False), []),
    ("letter posted 5 working days ago, no delivery", open_request(
        left=None, status="not_received", channel="mail", letter_posted_on=POSTED, posted_working_days_ago=5),
     ["letter_unconfirmed:1:2020-09-17"]),
    ("letter posted 4 working days ago", open_request(
        left=None, status="not_received", channel="mail", letter_posted_on=POSTED, posted_working_days_ago=4), []),
    ("letter delivered", open_request(
        left=None, status="not_received", channel="mail", letter_posted_on=POSTED, posted_working_days_ago=9,
        letter_delivered=True), []),
    ("due soon and 补正 at once", open_request(left=2, clarification_requested_on=ASKED, clarification_open=True),
     ["due_soon:1:2020-09-28", "clarification:1:2020-09-21"]),
]


@pytest.mark.parametrize(("request_", "keys"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_selection(request_: OpenRequest, keys: list[str]) -> None:
    assert [r.key for r in select_reminders([request_], TODAY)] == keys


def test_reminder_carries_what_the_email_needs() -> None:
    [reminder] = select_reminders([open_request(5, left=2, owner=3)], TODAY)
    assert reminder == DueReminder(key="due_soon:5:2020-09-28", kind="due_soon", request_id=5, owner_id=3,
                                   due_date=date(2020, 9, 28), working_days_left=2, request_key="LZ-5",
                                   target_name="凉州区", about=date(2020, 9, 28))


def test_per_user_horizon_overrides_the_default() -> None:
    requests = [open_request(1, left=5, owner=7), open_request(2, left=5, owner=8)]
    chosen = select_reminders(requests, TODAY, horizon=3, horizons={7: 5})
    assert [r.request_id for r in chosen] == [1]


def test_horizon_zero_sends_no_due_soon() -> None:
    assert select_reminders([open_request(left=1)], TODAY, horizon=0) == []


def test_already_sent_may_be_a_set_or_a_predicate() -> None:
    request = open_request(left=0)
    key = "due_today:1:2020-09-24"
    assert select_reminders([request], TODAY, already_sent={key}) == []
    assert select_reminders([request], TODAY, already_sent=lambda k: k == key) == []
    assert kinds(select_reminders([request], TODAY, already_sent=lambda k: False)) == ["due_today"]


def test_most_urgent_first_and_grouped_by_recipient() -> None:
    requests = [open_request(1, left=2, owner=7), open_request(2, left=-1, status="overdue", owner=8),
                open_request(3, left=0, owner=7), open_request(4, left=-3, status="overdue", owner=7)]
    chosen = select_reminders(requests, TODAY)
    assert kinds(chosen) == ["overdue", "overdue", "due_today", "due_soon"]
    groups = group_by_recipient(chosen)
    assert {owner: [r.request_id for r in items] for owner, items in groups.items()} == {7: [4, 3, 1], 8: [2]}


def test_reminder_key_format() -> None:
    assert reminder_key("due_soon", 123, date(2020, 9, 29)) == "due_soon:123:2020-09-29"


# ---------------------------------------------------------------------------- day after day

def run_days(due: date, run_on: list[date], *, horizon: int = 3) -> list[tuple[date, str]]:
    sent: set[str] = set()
    log = []
    for today in run_on:
        left = working_days_between(today, due)
        status = "overdue" if left < 0 else "awaiting_reply"
        for reminder in select_reminders([open_request(left=left, due=due, status=status)], today,
                                         horizon=horizon, already_sent=sent):
            sent.add(reminder.key)
            log.append((today, reminder.kind))
    return log


DUE = date(2020, 9, 29)  # a Tuesday
EVERY_WORKING_DAY = [working_day(DUE, n) for n in range(-7, 5)]


def test_daily_runs_send_due_soon_once_then_due_today_then_overdue_once() -> None:
    assert run_days(DUE, EVERY_WORKING_DAY) == [
        (date(2020, 9, 24), "due_soon"),  # 3 working days before
        (date(2020, 9, 29), "due_today"),
        (date(2020, 9, 30), "overdue"),
    ]


def test_missed_days_are_caught_up_without_a_storm() -> None:
    runs = [date(2020, 9, 21), date(2020, 9, 29), date(2020, 10, 2)]  # nothing between them
    assert run_days(DUE, runs) == [(date(2020, 9, 29), "due_today"), (date(2020, 10, 2), "overdue")]


def test_missing_the_due_day_goes_straight_to_overdue() -> None:
    runs = [date(2020, 9, 25), date(2020, 10, 1)]
    assert run_days(DUE, runs) == [(date(2020, 9, 25), "due_soon"), (date(2020, 10, 1), "overdue")]


def test_extension_earns_new_reminders_for_the_new_due_date() -> None:
    first = open_request(left=1, due=date(2020, 9, 25))
    sent = {r.key for r in select_reminders([first], TODAY)}
    extended = replace(first, due_date=date(2020, 10, 23), working_days_left=21)
    assert select_reminders([extended], TODAY, already_sent=sent) == []
    later = date(2020, 10, 20)
    soon = replace(extended, working_days_left=3)
    assert [r.key for r in select_reminders([soon], later, already_sent=sent)] == ["due_soon:1:2020-10-23"]


def test_extension_of_an_overdue_request_starts_again() -> None:
    overdue = open_request(left=-1, due=date(2020, 9, 23), status="overdue")
    sent = {r.key for r in select_reminders([overdue], TODAY)}
    assert sent == {"overdue:1:2020-09-23"}
    due_now = replace(overdue, status="awaiting_reply", due_date=TODAY, working_days_left=0)
    assert [r.key for r in select_reminders([due_now], TODAY, already_sent=sent)] == ["due_today:1:2020-09-24"]


# ---------------------------------------------------------------------------- properties

statuses = st.sampled_from(["awaiting_reply", "overdue", "paused", "awaiting_clarification", "not_received",
                            "replied_on_time", "replied_late", "no_deadline"])
optional_days = st.none() | st.dates(min_value=date(2020, 8, 1), max_value=date(2020, 11, 30))


@st.composite
def open_requests(draw: st.DrawFn) -> list[OpenRequest]:
    count = draw(st.integers(min_value=0, max_value=12))
    return [
        OpenRequest(
            request_id=i, key=f"R-{i}", owner_id=draw(st.integers(1, 3)), target_name="某县",
            channel=draw(st.sampled_from(["online", "oral", "phone", "mail"])), status=draw(statuses),
            due_date=draw(optional_days), working_days_left=draw(st.none() | st.integers(-30, 30)),
            clarification_requested_on=draw(optional_days), clarification_open=draw(st.booleans()),
            letter_posted_on=draw(optional_days), letter_delivered=draw(st.booleans()),
            posted_working_days_ago=draw(st.none() | st.integers(0, 30)),
        )
        for i in range(count)
    ]


settings_ = settings(max_examples=200, deadline=None)


@settings_
@given(requests=open_requests(), horizon=st.integers(0, 10),
       horizons=st.dictionaries(st.integers(1, 3), st.integers(0, 10), max_size=3))
@pytest.mark.slow  # a property over many generated runs (1.6 s)
def test_second_run_with_first_keys_sent_yields_nothing(requests: list[OpenRequest], horizon: int,
                                                         horizons: dict[int, int]) -> None:
    first = select_reminders(requests, TODAY, horizon=horizon, horizons=horizons)
    sent = {r.key for r in first}
    assert len(sent) == len(first)
    assert select_reminders(requests, TODAY, horizon=horizon, horizons=horizons, already_sent=sent) == []


@pytest.mark.slow  # a property over many generated runs (1.4 s)
@settings_
@given(requests=open_requests())
def test_at_most_one_deadline_stage_per_request_per_run(requests: list[OpenRequest]) -> None:
    chosen = select_reminders(requests, TODAY)
    due_ids = [r.request_id for r in chosen if r.kind in DUE_KINDS]
    assert len(due_ids) == len(set(due_ids))
    for reminder in chosen:
        kind, request_id, about = reminder.key.split(":")
        assert (kind, request_id, about) == (reminder.kind, str(reminder.request_id), str(reminder.about))


@settings_
@given(due_offset=st.integers(-5, 15), runs=st.sets(st.integers(0, 25), max_size=26),
       horizon=st.integers(0, 5))
def test_any_schedule_of_runs_sends_each_stage_at_most_once_and_in_order(due_offset: int, runs: set[int],
                                                                           horizon: int) -> None:
    start = date(2020, 9, 1)
    due = working_day(start, due_offset)
    days = [start + timedelta(days=n) for n in sorted(runs) if (start + timedelta(days=n)).weekday() < 5]
    sent_kinds = [kind for _, kind in run_days(due, days, horizon=horizon)]
    assert len(sent_kinds) == len(set(sent_kinds)) <= 3
    assert sent_kinds == sorted(sent_kinds, key=DUE_KINDS.index)
