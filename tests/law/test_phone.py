from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from tracker.law.phone import Attempt, call_now_refusal, check_new_attempt, evaluate_phone
from tracker.law.workdays import BEIJING

from .calendars import d, plain_calendar


def at(iso: str) -> datetime:
    """A Beijing time, e.g. at("2020-09-02 09:12")."""
    return datetime.fromisoformat(iso).replace(tzinfo=BEIJING)


def miss(iso: str) -> Attempt:
    return Attempt(at(iso), connected=False)


def hit(iso: str) -> Attempt:
    return Attempt(at(iso), connected=True)


def evaluate(*attempts: Attempt, now: str | None = None, hours=None):
    return evaluate_phone(list(attempts), hours, plain_calendar(), now=at(now) if now else None)


def test_connected_on_the_third_valid_attempt() -> None:
    result = evaluate(miss("2020-09-02 09:12"), miss("2020-09-02 10:05"), hit("2020-09-02 15:00"))
    assert (result.complete, result.connected, result.outcome) == (True, True, "connected")
    assert [v.number for v in result.attempts] == [1, 2, 3]
    assert result.guidance_zh == "测试已完成：第3次拨打接通。"
    assert result.summary_zh == "2020年9月2日：第1次 09:12 未接通；第2次 10:05 未接通；第3次 15:00 接通"


def test_three_valid_misses_complete_the_test() -> None:
    result = evaluate(miss("2020-09-02 08:30"), miss("2020-09-02 11:59"), miss("2020-09-02 17:59"))
    assert (result.complete, result.connected, result.valid_count) == (True, False, 3)
    assert result.outcome == "missed"
    assert result.test_day == d("2020-09-02") and not result.broken
    assert "均未接通" in result.guidance_zh


def test_a_miss_outside_office_hours_does_not_count() -> None:
    result = evaluate(miss("2020-09-02 09:00"), miss("2020-09-02 12:30"), miss("2020-09-02 15:00"),
                      now="2020-09-02 15:10")
    lunch = result.attempts[1]
    assert (lunch.valid, lunch.number) == (False, None)
    assert lunch.reason_zh == "不在办公时间（08:30–12:00、14:30–18:00）"
    assert (result.valid_count, result.complete) == (2, False)
    assert result.guidance_zh == "第3次（共3次）：请今天18:00前再拨打"


def test_office_hours_are_half_open() -> None:
    result = evaluate(miss("2020-09-02 08:29"), miss("2020-09-02 18:00"), miss("2020-09-02 08:30"))
    assert [v.valid for v in result.attempts] == [False, True, False]  # sorted by time


def test_an_attempt_on_another_day_does_not_count_and_breaks_the_test() -> None:
    result = evaluate(miss("2020-09-02 09:00"), miss("2020-09-03 09:00"))
    other_day = result.attempts[1]
    assert (other_day.valid, other_day.reason_zh) == (False, "不在首次有效拨打的同一工作日")
    assert result.broken and not result.complete and result.outcome is None
    assert "当日未完成三次拨打" in result.broken_reason_zh
    assert "再新建一次电话测试" in result.guidance_zh


def test_the_test_day_ending_breaks_the_test() -> None:
    attempts = (miss("2020-09-02 09:00"), miss("2020-09-02 10:00"))
    assert not evaluate(*attempts, now="2020-09-02 17:59").broken
    assert evaluate(*attempts, now="2020-09-02 18:00").broken
    waiting = evaluate(*attempts)
    assert not waiting.broken
    assert waiting.guidance_zh == "第3次（共3次）：请于2020年9月2日18:00前再拨打"


def test_non_working_days_and_makeup_days() -> None:
    result = evaluate(miss("2020-10-01 09:00"), miss("2020-10-10 09:00"))
    holiday, makeup_saturday = result.attempts
    assert (holiday.valid, holiday.reason_zh) == (False, "非工作日")
    assert (makeup_saturday.valid, makeup_saturday.number) == (True, 1)
    assert result.test_day == d("2020-10-10")


def test_calls_after_completion_do_not_count() -> None:
    connected = evaluate(hit("2020-09-02 09:00"), miss("2020-09-02 09:30"))
    assert connected.attempts[1].reason_zh == "已接通后的多余拨打"
    fourth = evaluate(*(miss(f"2020-09-02 {h}:00") for h in ("09", "10", "11", "15")))
    assert fourth.attempts[3].reason_zh == "超过三次" and fourth.valid_count == 3


def test_a_fourth_attempt_or_one_after_connection_is_refused() -> None:
    three = evaluate(miss("2020-09-02 09:00"), miss("2020-09-02 10:00"), miss("2020-09-02 11:00"))
    assert "第4次" in check_new_attempt(three, at("2020-09-02 15:00"))
    connected = evaluate(hit("2020-09-02 09:00"))
    assert "已接通" in check_new_attempt(connected, at("2020-09-02 15:00"))
    in_progress = evaluate(miss("2020-09-02 09:00"))
    assert check_new_attempt(in_progress, at("2020-09-02 15:00")) is None


def test_times_are_converted_to_beijing_and_must_be_aware() -> None:
    utc = Attempt(datetime(2020, 9, 2, 1, 12, tzinfo=timezone.utc), False)  # 09:12 in Beijing
    result = evaluate(utc)
    assert result.attempts[0].valid and result.attempts[0].at.hour == 9
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(Attempt(datetime(2020, 9, 2, 9, 12), False))


def test_attempts_are_judged_in_time_order_keeping_their_index() -> None:
    result = evaluate(miss("2020-09-02 10:00"), miss("2020-09-02 09:00"))
    assert [(v.index, v.number) for v in result.attempts] == [(1, 1), (0, 2)]


def test_custom_office_hours_and_guidance_before_any_call() -> None:
    hours = [(time(9, 0), time(17, 0))]
    result = evaluate(miss("2020-09-02 08:45"), hours=hours)
    assert result.attempts[0].reason_zh == "不在办公时间（09:00–17:00）"
    assert result.guidance_zh.startswith("第1次（共3次）：请在工作日办公时间（09:00–17:00）拨打")
    with pytest.raises(ValueError, match="office hours"):
        evaluate(hours=[(time(12, 0), time(9, 0))])


# ---------------------------------------------------------------------------- issue 18: the phone test in the field

def test_entering_a_past_day_call_by_call_does_not_break_the_test() -> None:
    """Yesterday's first call entered today: the calls decide whether the day was split, not today."""
    result = evaluate(miss("2020-09-02 09:00"), now="2020-09-03 10:00")
    assert not result.broken_by_calls
    assert "本次测试作废" not in result.guidance_zh and "请新建" not in result.guidance_zh
    assert "如当日还有拨打，请补录" in result.guidance_zh
    assert "请作废本次测试（作废后新建的测试才计分）" in result.guidance_zh
    second = evaluate(miss("2020-09-02 09:00"), miss("2020-09-02 10:00"), now="2020-09-03 10:00")
    assert [v.number for v in second.attempts] == [1, 2] and not second.broken_by_calls


def test_calls_on_two_days_break_the_test_and_say_to_void_it() -> None:
    result = evaluate(miss("2020-09-02 09:00"), miss("2020-09-03 09:00"), now="2020-09-03 09:05")
    assert result.broken and result.broken_by_calls
    assert "请作废本次测试（作废后新建的测试才计分）" in result.guidance_zh


def test_a_call_now_is_offered_only_on_a_working_day_in_office_hours() -> None:
    fresh = evaluate()
    cal = plain_calendar()
    assert call_now_refusal(fresh, at("2020-09-02 09:00"), cal) is None
    assert "不是工作日" in call_now_refusal(fresh, at("2020-09-05 10:00"), cal)  # a Saturday
    assert "不是工作日" in call_now_refusal(fresh, at("2020-10-01 10:00"), cal)  # National Day
    late = call_now_refusal(fresh, at("2020-09-02 05:05"), cal)
    assert "不在办公时间" in late and "05:05" in late
    assert "不在办公时间" in call_now_refusal(fresh, at("2020-09-02 18:00"), cal)  # half-open


def test_a_call_now_on_another_day_than_the_test_day_is_not_offered() -> None:
    begun = evaluate(miss("2020-09-02 09:00"))
    refusal = call_now_refusal(begun, at("2020-09-03 09:00"), plain_calendar())
    assert refusal is not None and "2020年9月2日" in refusal
    assert call_now_refusal(begun, at("2020-09-02 15:00"), plain_calendar()) is None
    done = evaluate(hit("2020-09-02 09:00"))
    assert "测试已完成" in call_now_refusal(done, at("2020-09-02 10:00"), plain_calendar())
