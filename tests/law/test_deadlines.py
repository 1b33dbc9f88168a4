from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.law.deadlines import (
    STATUS_LABELS,
    Event,
    RequestClock,
    compute_deadline,
)
from tracker.law.workdays import WorkCalendar, format_cn_date

from .calendars import d, plain_calendar

TODAY = d("2020-09-10")


def online(confirmed: str, *events: Event, replied: str | None = None, **fields) -> RequestClock:
    return RequestClock(
        "online",
        online_confirmed_on=d(confirmed),
        events=events,
        reply_dispatched_on=d(replied) if replied else None,
        **fields,
    )


def deadline(clock: RequestClock, today: date = TODAY, cal: WorkCalendar | None = None):
    return compute_deadline(clock, cal or plain_calendar(), today)


def codes(result) -> set[str]:
    return {f.code for f in result.flags}


# -- receipt dates (Art. 31) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "receipt"),
    [
        (RequestClock("online", submitted_on=d("2020-09-01")), "2020-09-01"),
        (RequestClock("online", submitted_on=d("2020-09-01"), online_confirmed_on=d("2020-09-02")),
         "2020-09-02"),
        (RequestClock("oral", submitted_on=d("2020-09-03")), "2020-09-03"),
        (RequestClock("mail", letter_delivered_on=d("2020-09-03")), "2020-09-03"),
        (RequestClock("mail", letter_delivered_on=d("2020-09-03"),
                      letter_confirmed_on=d("2020-09-04"), letter_kind="to_other"), "2020-09-04"),
    ],
)
def test_receipt_date_by_channel(clock: RequestClock, receipt: str) -> None:
    assert deadline(clock).receipt_date == d(receipt)


@pytest.mark.parametrize(
    "clock",
    [
        RequestClock("mail", letter_delivered_on=d("2020-09-03"), letter_returned=True),
        RequestClock("mail"),
        RequestClock("online"),
        RequestClock("oral"),
    ],
)
def test_not_received(clock: RequestClock) -> None:
    result = deadline(clock)
    assert (result.status, result.due_date, result.receipt_date) == ("not_received", None, None)
    assert result.steps


def test_phone_tests_have_no_deadline() -> None:
    result = deadline(RequestClock("phone", submitted_on=d("2020-09-01")))
    assert (result.status, result.due_date) == ("no_deadline", None)


def test_unknown_channel_or_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match="channel"):
        RequestClock("fax")
    with pytest.raises(ValueError, match="event type"):
        Event("faxed", d("2020-09-01"))
    with pytest.raises(ValueError, match="letter kind"):
        RequestClock("mail", letter_kind="pigeon")


# -- the 20 working days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("receipt", "due", "why"),
    [
        ("2020-09-01", "2020-09-28", "Sunday Sep 27 is a make-up working day"),
        ("2020-09-05", "2020-10-09", "received on a Saturday: day 1 is Monday"),
        ("2020-10-01", "2020-11-04", "received on National Day: day 1 is Oct 9"),
        ("2020-09-27", "2020-10-30", "received on a make-up Sunday"),
        ("2020-01-20", "2020-02-25", "the extended 2020 Spring Festival"),
        ("2026-02-10", "2026-03-16", "2026 Spring Festival with make-up Saturdays Feb 14 and 28"),
    ],
)
def test_due_date(receipt: str, due: str, why: str) -> None:
    result = deadline(online(receipt), today=d(receipt))
    assert result.due_date == d(due), why
    assert result.status == "awaiting_reply" and result.working_days_left == 20
    assert not result.provisional


def test_steps_explain_the_holidays_skipped() -> None:
    result = deadline(online("2020-10-01"), today=d("2020-10-01"))
    receipt_step, due_step = result.steps[0], result.steps[1]
    assert "2020年10月1日（中秋节、国庆节，非工作日）" in receipt_step.detail_zh
    assert "第1个工作日为2020年10月9日" in receipt_step.detail_zh
    assert due_step.date == d("2020-11-04") and "2020年11月4日" in due_step.detail_zh
    assert "2020年10月2日至10月8日（国庆节、中秋节）" in due_step.detail_zh
    assert d("2020-10-10") not in {i.date for i in due_step.skipped}
    assert {i.kind for i in due_step.skipped} == {"holiday", "weekend"}


def test_working_days_left_and_overdue() -> None:
    clock = online("2020-09-01")
    assert deadline(clock, today=d("2020-09-25")).working_days_left == 2  # Sep 27, Sep 28
    due_day = deadline(clock, today=d("2020-09-28"))
    assert (due_day.status, due_day.working_days_left) == ("awaiting_reply", 0)
    late = deadline(clock, today=d("2020-10-09"))
    assert (late.status, late.working_days_left) == ("overdue", -3)  # Sep 29, Sep 30, Oct 9
    assert late.status_label == STATUS_LABELS["overdue"] == "逾期未答复"


def test_reply_on_time_and_late_by_posting_day() -> None:
    on_time = deadline(online("2020-09-01", replied="2020-09-28"))
    assert (on_time.status, on_time.on_time) == ("replied_on_time", True)
    assert on_time.reply_date == d("2020-09-28")
    late = deadline(online("2020-09-01", replied="2020-09-29"))
    assert (late.status, late.on_time) == ("replied_late", False)
    assert "逾期1个工作日" in late.steps[-1].detail_zh


def test_received_on_decides_when_the_posting_day_is_unknown() -> None:
    clock = online("2020-09-01", reply_received_on=d("2020-09-29"))
    result = deadline(clock)
    assert (result.status, result.reply_date) == ("replied_late", d("2020-09-29"))
    assert "未记录交邮日" in result.steps[-1].detail_zh


def test_reply_before_receipt_is_flagged() -> None:
    result = deadline(online("2020-09-10", replied="2020-09-01"))
    assert result.on_time and "reply_before_receipt" in codes(result)


# -- clarification (Art. 30) ------------------------------------------------------------------


def test_clarification_restarts_the_clock() -> None:
    asked = Event("clarification_requested", d("2020-09-04"))
    clarified = Event("clarified", d("2020-09-14"))
    waiting = deadline(online("2020-09-01", asked), today=d("2020-09-10"))
    assert (waiting.status, waiting.due_date, waiting.clarification_due) == (
        "awaiting_clarification", None, d("2020-09-10")
    )
    result = deadline(online("2020-09-01", asked, clarified), today=d("2020-09-15"))
    assert result.status == "awaiting_reply"
    assert (result.receipt_date, result.clock_start, result.due_date) == (
        d("2020-09-01"), d("2020-09-14"), d("2020-10-16")
    )
    assert codes(result) == set()
    titles = [s.title_zh for s in result.steps][:4]
    assert titles == ["收到申请之日", "补正告知期限", "要求补正", "收到补正后的申请"]


def test_late_clarification_is_flagged_but_still_stops_the_clock() -> None:
    result = deadline(online("2020-09-01", Event("clarification_requested", d("2020-09-11"))))
    assert result.status == "awaiting_clarification"
    assert "clarification_late" in codes(result)
    assert "逾期1个工作日" in next(f.message_zh for f in result.flags if f.code == "clarification_late")


def test_second_clarification_and_stray_clarified_are_ignored() -> None:
    events = (
        Event("clarification_requested", d("2020-09-02")),
        Event("clarified", d("2020-09-04")),
        Event("clarification_requested", d("2020-09-08")),
        Event("clarified", d("2020-09-09")),
    )
    result = deadline(online("2020-09-01", *events))
    assert {"second_clarification", "clarified_without_request"} <= codes(result)
    assert result.clock_start == d("2020-09-04")
    assert result.due_date == plain_calendar().add(d("2020-09-04"), 20)


def test_reply_while_clarification_is_open_counts_as_on_time() -> None:
    asked = Event("clarification_requested", d("2020-09-02"))
    result = deadline(online("2020-09-01", asked, replied="2020-12-01"))
    assert (result.status, result.on_time, result.due_date) == ("replied_on_time", True, None)
    assert "reply_while_clarification_open" in codes(result)


# -- consultation (pause) and extension (Art. 33) ---------------------------------------------


def test_consultation_pauses_the_clock() -> None:
    start = Event("consultation_started", d("2020-09-10"))
    end = Event("consultation_ended", d("2020-09-17"))
    paused = deadline(online("2020-09-01", start), today=d("2020-09-15"))
    assert (paused.status, paused.due_date, paused.working_days_left) == ("paused", None, 13)
    result = deadline(online("2020-09-01", start, end), today=d("2020-09-18"))
    assert (result.paused_working_days, result.due_date) == (5, d("2020-10-12"))


def test_consultation_open_at_reply_counts_up_to_the_reply() -> None:
    start = Event("consultation_started", d("2020-09-10"))
    result = deadline(online("2020-09-01", start, replied="2020-09-25"))
    assert result.paused_working_days == 11
    assert plain_calendar().count(d("2020-09-10"), d("2020-09-25")) == 11
    assert result.on_time and "答复时征求意见尚未结束" in [s.title_zh for s in result.steps]


def test_consultation_edge_cases_are_flagged() -> None:
    stray_end = deadline(online("2020-09-01", Event("consultation_ended", d("2020-09-08"))))
    assert "consultation_end_without_start" in codes(stray_end)
    started_late = Event("consultation_started", d("2020-09-29"))
    after_due = deadline(online("2020-09-01", started_late), today=d("2020-10-09"))
    assert "consultation_after_due" in codes(after_due) and after_due.status == "overdue"


def test_extension_adds_working_days() -> None:
    result = deadline(online("2020-09-01", Event("extended", d("2020-09-20"), 20)))
    assert (result.extension_working_days, result.due_date) == (20, d("2020-11-02"))
    assert plain_calendar().count(d("2020-09-01"), d("2020-11-02")) == 40


def test_extension_notified_after_the_due_date_is_ignored() -> None:
    late = Event("extended", d("2020-09-29"), 20)
    result = deadline(online("2020-09-01", late), today=d("2020-09-30"))
    assert (result.extension_working_days, result.due_date) == (0, d("2020-09-28"))
    assert result.status == "overdue"
    assert "extension_late_ignored" in codes(result)
    on_due_day = deadline(online("2020-09-01", Event("extended", d("2020-09-28"), 5)))
    assert on_due_day.extension_working_days == 5


def test_extensions_are_capped_at_20_working_days() -> None:
    events = (Event("extended", d("2020-09-20"), 15), Event("extended", d("2020-10-20"), 10))
    result = deadline(online("2020-09-01", *events))
    assert result.extension_working_days == 20 and "extension_capped" in codes(result)
    assert result.due_date == d("2020-11-02")


def test_events_out_of_order_and_outside_the_clock_are_flagged() -> None:
    events = (
        Event("consultation_ended", d("2020-09-17")),
        Event("consultation_started", d("2020-09-10")),
        Event("extended", d("2020-08-01"), 10),
        Event("extended", d("2020-10-20"), 10),
    )
    result = deadline(online("2020-09-01", *events, replied="2020-10-12"))
    assert {"events_out_of_order", "event_before_receipt", "event_after_reply"} <= codes(result)
    assert (result.paused_working_days, result.extension_working_days) == (5, 0)
    assert result.on_time


# -- provisional years ------------------------------------------------------------------------


def test_a_deadline_crossing_into_provisional_2027() -> None:
    result = deadline(online("2026-12-15"), today=d("2026-12-16"))
    assert result.provisional and "provisional_calendar" in codes(result)
    assert result.due_date == plain_calendar().add(d("2026-12-15"), 20)
    assert result.due_date.year == 2027
    assert not deadline(online("2026-11-02"), today=d("2026-11-02")).provisional
    confirmed = WorkCalendar(confirmed_years={2027})
    assert not deadline(online("2026-12-15"), today=d("2026-12-16"), cal=confirmed).provisional


def test_format_cn_date_has_no_zero_padding() -> None:
    assert format_cn_date(d("2020-09-01")) == "2020年9月1日"
    assert format_cn_date(d("2020-10-10")) == "2020年10月10日"


# -- properties -------------------------------------------------------------------------------

RECEIPTS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 10, 31))
EXTENSIONS = st.integers(min_value=0, max_value=20)


@settings(max_examples=150, deadline=None)
@given(RECEIPTS, EXTENSIONS)
def test_due_is_the_right_working_day_after_receipt(receipt: date, extension: int) -> None:
    cal = plain_calendar()
    events = (Event("extended", receipt, extension),) if extension else ()
    result = deadline(RequestClock("oral", submitted_on=receipt, events=events), today=receipt)
    assert result.due_date > receipt and cal.is_working_day(result.due_date)
    assert cal.count(receipt, result.due_date) == 20 + extension


@settings(max_examples=150, deadline=None)
@given(RECEIPTS, RECEIPTS)
def test_later_receipt_never_gives_an_earlier_due_date(a: date, b: date) -> None:
    early, late = sorted((a, b))
    due_early = deadline(RequestClock("oral", submitted_on=early), today=early).due_date
    due_late = deadline(RequestClock("oral", submitted_on=late), today=late).due_date
    assert due_early <= due_late
