"""The law's finer facts (DESIGN.md §10.3, issue 15): letter kinds, pauses, ends, contradictions."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.law.deadline_checks import date_problems
from tracker.law.deadlines import Event, RequestClock, compute_deadline

from .calendars import d, plain_calendar

TODAY = d("2020-12-31")


def deadline(clock: RequestClock, today: date = TODAY):
    return compute_deadline(clock, plain_calendar(), today)


def codes(result) -> set[str]:
    return {f.code for f in result.flags}


def online(*events: Event, replied: str | None = None) -> RequestClock:
    return RequestClock("online", online_confirmed_on=d("2020-09-01"), events=events,
                        reply_dispatched_on=d(replied) if replied else None)


def ev(kind: str, on: str, **fields) -> Event:
    return Event(kind, d(on), **fields)


def steps_text(result) -> str:
    return "\n".join(f"{s.title_zh}：{s.detail_zh}" for s in result.steps)


# -- letters (Art. 31, 207号) -------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "delivered", "confirmed", "receipt", "unconfirmed", "rule"), [
    ("registered", "2020-09-03", "2020-09-08", "2020-09-03", False, "挂号信/EMS"),
    ("registered", None, "2020-09-08", "2020-09-08", False, "未记录签收之日"),
    ("registered", None, None, None, False, "尚未签收"),
    ("ordinary", None, "2020-09-08", "2020-09-08", False, "平常信函"),
    ("ordinary", None, None, None, False, "平常信函"),
    ("to_other", "2020-09-03", "2020-09-08", "2020-09-08", False, "207号"),
    ("to_other", "2020-09-03", None, "2020-09-03", True, "未电话确认"),
    ("ordinary", "2020-09-03", None, "2020-09-03", True, "未电话确认"),
])
def test_letter_receipt_by_kind(kind, delivered, confirmed, receipt, unconfirmed, rule) -> None:
    clock = RequestClock("mail", letter_kind=kind, letter_delivered_on=delivered and d(delivered),
                         letter_confirmed_on=confirmed and d(confirmed))
    result = deadline(clock)
    assert result.receipt_date == (receipt and d(receipt))
    assert ("not_confirmed_by_phone" in codes(result)) is unconfirmed
    assert rule in steps_text(result)


def test_a_returned_letter_of_any_kind_is_not_received() -> None:
    for kind in ("registered", "ordinary", "to_other"):
        clock = RequestClock("mail", letter_kind=kind, letter_delivered_on=d("2020-09-03"), letter_returned=True)
        assert deadline(clock).status == "not_received"


# -- consultations: union and cap (Art. 32–34) ------------------------------------------------

@pytest.mark.parametrize(("events", "paused", "flag"), [
    # two parallel consultations: the clock stands while at least one is open (Sep 11–22: 8 days, not 5)
    ((ev("consultation_started", "2020-09-10"), ev("consultation_started", "2020-09-14"),
      ev("consultation_ended", "2020-09-17"), ev("consultation_ended", "2020-09-22")), 8, None),
    # one inside another counts once
    ((ev("consultation_started", "2020-09-10"), ev("consultation_started", "2020-09-14"),
      ev("consultation_ended", "2020-09-15"), ev("consultation_ended", "2020-09-17")), 5, None),
    # two apart add up
    ((ev("consultation_started", "2020-09-02"), ev("consultation_ended", "2020-09-04"),
      ev("consultation_started", "2020-09-10"), ev("consultation_ended", "2020-09-14")), 4, None),
    # 19 working days: only 15 stop the clock, flagged
    ((ev("consultation_started", "2020-09-10"), ev("consultation_ended", "2020-10-16")), 15,
     "consultation_over_cap"),
])
def test_consultations_union_and_cap(events, paused, flag) -> None:
    result = deadline(online(*events))
    assert result.paused_working_days == paused
    assert result.due_date == plain_calendar().add(d("2020-09-28"), paused)
    assert (flag in codes(result)) if flag else not codes(result)
    text = steps_text(result)
    assert "合并计算" in text and "最多中止15个工作日" in text


def test_an_unanswered_consultation_stops_the_clock_for_15_working_days_only() -> None:
    started = ev("consultation_started", "2020-09-10")
    assert deadline(online(started), today=d("2020-09-30")).status == "paused"
    later = deadline(online(started), today=d("2020-11-20"))
    assert later.status == "overdue" and later.paused_working_days == 15
    assert "consultation_over_cap" in codes(later)


def test_consultation_end_closes_the_consultation_of_its_party() -> None:
    events = (ev("consultation_started", "2020-09-10", party="third_party"),
              ev("consultation_started", "2020-09-11", party="other_agency"),
              ev("consultation_ended", "2020-09-14", party="other_agency"))
    result = deadline(online(*events), today=d("2020-09-15"))
    assert result.status == "paused"  # the third party's is still open
    assert "征求第三方意见" in steps_text(result) and "征求其他机关意见" in steps_text(result)


# -- clarification period, withdrawal, fees ----------------------------------------------------

@pytest.mark.parametrize(("today", "status"), [
    ("2020-09-10", "awaiting_clarification"),  # period of 5 working days ends Sep 11
    ("2020-09-11", "awaiting_clarification"),
    ("2020-09-14", "abandoned"),
])
def test_clarification_period_runs_out(today: str, status: str) -> None:
    result = deadline(online(ev("clarification_requested", "2020-09-04", working_days=5)), today=d(today))
    assert result.status == status
    if status == "abandoned":
        assert "视为放弃申请" in steps_text(result) and result.status_label == "视为放弃申请"


def test_clarification_without_a_period_never_ends_by_itself() -> None:
    assert deadline(online(ev("clarification_requested", "2020-09-04"))).status == "awaiting_clarification"


def test_late_completion_is_recorded_and_flagged() -> None:
    events = (ev("clarification_requested", "2020-09-04", working_days=5), ev("clarified", "2020-09-15"))
    result = deadline(online(*events), today=d("2020-09-16"))
    assert result.clock_start == d("2020-09-15") and "clarified_after_period" in codes(result)


@pytest.mark.parametrize(("replied", "status"), [(None, "withdrawn"), ("2020-09-20", "withdrawn")])
def test_withdrawal_ends_the_test(replied, status) -> None:
    result = deadline(online(ev("withdrawn", "2020-09-10"), replied=replied))
    assert result.status == status and result.due_date is None
    assert "撤回" in steps_text(result)


def test_withdrawal_after_the_reply_is_ignored() -> None:
    result = deadline(online(ev("withdrawn", "2020-09-25"), replied="2020-09-20"))
    assert result.status == "replied_on_time" and "event_after_reply" in codes(result)


@pytest.mark.parametrize(("events", "today", "status", "paused"), [
    ((ev("fee_notified", "2020-09-10", amount=50.0), ev("fee_paid", "2020-09-17")), "2020-09-18",
     "awaiting_reply", 5),
    ((ev("fee_notified", "2020-09-10", amount=50.0),), "2020-09-30", "awaiting_payment", 15),
    # 20 working days after Sep 10 is Oct 14 (National Day in between): unpaid after it → abandoned
    ((ev("fee_notified", "2020-09-10", amount=50.0),), "2020-10-14", "awaiting_payment", 20),
    ((ev("fee_notified", "2020-09-10", amount=50.0),), "2020-10-15", "abandoned", 0),
    # a fee notice during a consultation: one union, not two pauses
    ((ev("consultation_started", "2020-09-10"), ev("fee_notified", "2020-09-14"),
      ev("consultation_ended", "2020-09-17"), ev("fee_paid", "2020-09-18")), "2020-09-21", "awaiting_reply", 6),
])
def test_fee_notice_pauses_and_unpaid_notice_ends(events, today, status, paused) -> None:
    result = deadline(online(*events), today=d(today))
    assert result.status == status
    if status != "abandoned":
        assert result.paused_working_days == paused
    text = steps_text(result)
    assert ("国办函〔2020〕109号" in text) and ("收费通知" in text)


def test_irregular_agency_actions_are_kept_and_flagged() -> None:
    events = (ev("clarification_requested", "2020-09-14"), ev("clarified", "2020-09-15"),
              ev("clarification_requested", "2020-09-16"), ev("extended", "2020-11-30", working_days=10))
    result = deadline(online(*events), today=d("2020-12-01"))
    assert {"clarification_late", "second_clarification", "extension_late_ignored"} <= codes(result)


# -- contradictions ----------------------------------------------------------------------------

@pytest.mark.parametrize(("clock", "field", "words"), [
    (RequestClock("online", submitted_on=d("2027-01-05")), "submitted_at", "晚于今天"),
    (RequestClock("online", submitted_on=d("2020-09-05"), online_confirmed_on=d("2020-09-01")),
     "online.confirmed_on", "早于提交日期"),
    (RequestClock("mail", letter_posted_on=d("2020-09-05"), letter_delivered_on=d("2020-09-03")),
     "letter.delivered_on", "早于交寄日期"),
    (RequestClock("mail", letter_posted_on=d("2020-09-05"), letter_confirmed_on=d("2020-09-03")),
     "letter.confirmed_on", "早于交寄日期"),
    (online(ev("extended", "2020-08-20", working_days=5)), "events[0].on", "早于收到申请之日"),
    (online(ev("consultation_ended", "2020-09-08"), ev("consultation_started", "2020-09-10")),
     "events[0].on", "早于其开始日期"),
    (online(ev("clarified", "2020-09-08")), "events[0].on", "没有“要求补正”"),
    (online(ev("fee_paid", "2020-09-08")), "events[0].on", "没有“收费通知”"),
    (online(ev("extended", "2021-01-20", working_days=5)), "events[0].on", "晚于今天"),
    (online(replied="2020-08-20"), "reply.dispatched_on", "早于收到申请之日"),
    (online(replied="2021-02-01"), "reply.dispatched_on", "晚于今天"),
])
def test_impossible_dates_are_named(clock, field, words) -> None:
    problems = date_problems(clock, TODAY)
    assert field in problems and words in problems[field]


def test_bundles_may_hold_future_dates_but_not_contradictions() -> None:
    future = RequestClock("online", submitted_on=d("2027-01-05"))
    assert date_problems(future, None) == {}
    broken = online(ev("consultation_ended", "2020-09-08"), ev("consultation_started", "2020-09-10"))
    assert "events[0].on" in date_problems(broken, None)


def test_a_consistent_history_has_no_problems() -> None:
    clock = online(ev("consultation_started", "2020-09-10"), ev("consultation_ended", "2020-09-17"),
                   ev("clarification_requested", "2020-09-03"), ev("clarified", "2020-09-07"), replied="2020-10-01")
    assert date_problems(clock, TODAY) == {}


# -- properties --------------------------------------------------------------------------------

RECEIPTS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 6, 30))
PAUSES = st.lists(st.tuples(st.sampled_from(["consultation", "fee"]), st.integers(0, 30), st.integers(0, 30)),
                  max_size=4)


def _paused_clock(receipt: date, pauses) -> tuple[RequestClock, list[tuple[date, date]]]:
    cal, events, spans = plain_calendar(), [], []
    for kind, offset, length in pauses:
        start = cal.add(receipt, offset) if offset else receipt
        end = cal.add(start, length) if length else start
        names = ("consultation_started", "consultation_ended") if kind == "consultation" else ("fee_notified", "fee_paid")
        events += [Event(names[0], start), Event(names[1], end)]
        spans.append((start, end))
    return RequestClock("oral", submitted_on=receipt, events=tuple(events)), spans


@settings(max_examples=150, deadline=None)
@given(RECEIPTS, PAUSES)
def test_a_pause_never_makes_the_due_date_earlier(receipt: date, pauses) -> None:
    clock, _ = _paused_clock(receipt, pauses)
    far = date(2027, 6, 30)
    plain = compute_deadline(RequestClock("oral", submitted_on=receipt), plain_calendar(), far, explain=False)
    paused = compute_deadline(clock, plain_calendar(), far, explain=False)
    assert paused.due_date >= plain.due_date
    assert plain_calendar().count(plain.due_date, paused.due_date) == paused.paused_working_days


@settings(max_examples=150, deadline=None)
@given(RECEIPTS, PAUSES)
def test_the_union_of_pauses_never_exceeds_the_calendar_span(receipt: date, pauses) -> None:
    clock, spans = _paused_clock(receipt, pauses)
    result = compute_deadline(clock, plain_calendar(), date(2027, 6, 30), explain=False)
    cal = plain_calendar()
    if spans:
        assert result.paused_working_days <= cal.count(min(s for s, _ in spans), max(e for _, e in spans))
    assert result.paused_working_days <= sum(cal.count(s, e) for s, e in spans)
