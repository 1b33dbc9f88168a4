"""The phone-test protocol of indicator 18 (电话申请指导), pure: no Flask, no SQLAlchemy.

Calls go to the published guidance number in office hours on a working day. An attempt counts
(is valid) only if it is in office hours on the same working day as the first valid attempt; the
test stops at the first connected call and at three valid attempts. It is complete when a valid
attempt connected or three valid attempts failed. If the first valid day ends before that, the
test is broken: later calls cannot repair it; the evaluator voids it and starts a new test.

Calls are often entered after the fact, one by one. Whether the calls themselves split the test
over two days (`broken_by_calls`) is judged from the calls alone; a test day that has merely passed
(`now`) may still miss calls not yet entered, so the guidance then asks to enter them or to void.

Office hours are half-open intervals [start, end) in Beijing time: a call at 18:00:00 is late.
Attempts are judged in time order whatever order they are given in; `AttemptVerdict.index` is
the attempt's position in the input.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from .workdays import BEIJING, WorkCalendar, format_cn_date

DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 30), time(18, 0)),
)
MAX_VALID_ATTEMPTS = 3

REASON_NOT_WORKING_DAY = "非工作日"
REASON_OTHER_DAY = "不在首次有效拨打的同一工作日"
REASON_AFTER_CONNECTED = "已接通后的多余拨打"
REASON_TOO_MANY = "超过三次"


@dataclass(frozen=True)
class Attempt:
    at: datetime  # timezone-aware
    connected: bool


@dataclass(frozen=True)
class AttemptVerdict:
    index: int  # position in the attempts given to evaluate_phone
    at: datetime  # in Beijing time
    connected: bool
    valid: bool
    number: int | None  # 1..3 for a valid attempt
    reason_zh: str | None  # why it does not count


@dataclass(frozen=True)
class PhoneProtocol:
    attempts: list[AttemptVerdict]  # in time order
    valid_count: int
    connected: bool
    complete: bool
    outcome: str | None  # "connected" | "missed" | None
    test_day: date | None
    broken: bool  # incomplete and its day is over (by a later call or by `now`)
    broken_reason_zh: str | None
    guidance_zh: str
    office_hours: tuple[tuple[time, time], ...]
    broken_by_calls: bool = False  # a call after the test day's close: calls on two days

    @property
    def summary_zh(self) -> str:
        """E.g. "2020年9月2日：第1次 09:12 未接通；第2次 10:05 接通" (valid attempts only)."""
        valid = [v for v in self.attempts if v.valid]
        if not valid:
            return "尚无有效拨打"
        calls = "；".join(
            f"第{v.number}次 {v.at:%H:%M} {'接通' if v.connected else '未接通'}" for v in valid
        )
        return f"{format_cn_date(valid[0].at.date())}：{calls}"


def format_office_hours(hours: Iterable[tuple[time, time]]) -> str:
    return "、".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in hours)


def evaluate_phone(
    attempts: Sequence[Attempt],
    office_hours: Sequence[tuple[time, time]] | None,
    cal: WorkCalendar,
    now: datetime | None = None,
) -> PhoneProtocol:
    """Judge every attempt and say what the evaluator should do next (as of `now`, if given)."""
    hours = _checked_office_hours(office_hours)
    ordered = sorted(enumerate(attempts), key=lambda pair: to_beijing(pair[1].at))
    verdicts: list[AttemptVerdict] = []
    test_day: date | None = None
    valid_count, connected = 0, False
    for index, attempt in ordered:
        local = to_beijing(attempt.at)
        reason = _invalid_reason(local, hours, cal, test_day, valid_count, connected)
        number = None
        if reason is None:
            valid_count += 1
            number, test_day, connected = valid_count, test_day or local.date(), attempt.connected
        verdicts.append(
            AttemptVerdict(index, local, attempt.connected, reason is None, number, reason)
        )
    last_call = verdicts[-1].at if verdicts else None
    return _protocol(verdicts, valid_count, connected, test_day, hours, last_call,
                     to_beijing(now) if now is not None else None)


def may_be_in_progress(
    attempts: Iterable[Attempt], office_hours: Sequence[tuple[time, time]] | None, cal: WorkCalendar,
    now: datetime,
) -> bool:
    """False when the test is certainly complete or broken at `now`: an attempt on an earlier day
    falls on a working day in office hours, so the first such attempt was valid and the test day
    is over. A cheap filter for lists of open tests (the dashboard); evaluate_phone decides the rest.
    """
    hours = _checked_office_hours(office_hours)
    today = to_beijing(now).date()
    for attempt in attempts:
        local = to_beijing(attempt.at)
        if local.date() < today and cal.is_working_day(local.date()) and _in_office_hours(local, hours):
            return False
    return True


def may_be_in_progress_by_first_call(
    first_calls: Iterable[tuple[Hashable, datetime | None, Sequence[tuple[time, time]] | None]],
    cal: WorkCalendar, now: datetime,
) -> list[Hashable]:
    """The keys of the tests that may_be_in_progress keeps when given each test's first call only:
    the same rule, for many tests at once (the dashboard's thousands), checking each distinct set of
    office hours once instead of once per test."""
    today = to_beijing(now).date()
    checked: dict[tuple, tuple[tuple[time, time], ...]] = {}
    kept = []
    for key, first, office_hours in first_calls:
        if first is not None:
            local = to_beijing(first)
            day = local.date()
            if day < today and cal.is_working_day(day):
                marker = tuple(office_hours) if office_hours else ()
                hours = checked.get(marker)
                if hours is None:
                    hours = checked[marker] = _checked_office_hours(office_hours)
                if _in_office_hours(local, hours):
                    continue
        kept.append(key)
    return kept


def check_new_attempt(protocol: PhoneProtocol, at: datetime) -> str | None:
    """A Chinese reason to refuse recording a new attempt, or None if it may be recorded.

    Refused once the test is complete: a call after a connection, or a fourth valid attempt.
    Other calls that will not count (wrong day, out of hours) may be recorded and are flagged.
    """
    to_beijing(at)  # rejects naive datetimes like evaluate_phone does
    if protocol.connected:
        return "电话已接通，测试已完成，不能再登记拨打。"
    if protocol.complete:
        return f"已有{MAX_VALID_ATTEMPTS}次有效拨打，测试已完成，不能登记第{MAX_VALID_ATTEMPTS + 1}次。"
    return None


def call_now_refusal(protocol: PhoneProtocol, now: datetime, cal: WorkCalendar) -> str | None:
    """Why a call made `now` cannot count (so the "正在拨打" buttons are not offered), or None.

    A call now counts only on a working day, in office hours, and on the test day once it began.
    """
    local = to_beijing(now)
    if protocol.complete:
        return "测试已完成，不需要再拨打。"
    if not cal.is_working_day(local.date()):
        return f"今天（{format_cn_date(local.date())}）不是工作日，现在拨打不计入测试。"
    if not _in_office_hours(local, protocol.office_hours):
        return (f"现在（{local:%H:%M}）不在办公时间（{format_office_hours(protocol.office_hours)}），"
                "现在拨打不计入测试。")
    if protocol.test_day is not None and local.date() != protocol.test_day:
        return (f"本次测试的拨打日是{format_cn_date(protocol.test_day)}，三次拨打须在同一工作日内完成，"
                "今天拨打不计入本次测试。")
    return None


def to_beijing(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"拨打时间必须带时区 / attempt time must be timezone-aware: {moment!r}")
    return moment.astimezone(BEIJING)


def _checked_office_hours(
    office_hours: Sequence[tuple[time, time]] | None,
) -> tuple[tuple[time, time], ...]:
    hours = tuple(sorted(office_hours)) if office_hours else DEFAULT_OFFICE_HOURS
    for start, end in hours:
        if not start < end:
            raise ValueError(f"办公时间段无效 / invalid office hours: {start}–{end}")
    return hours


def _in_office_hours(moment: datetime, hours: Iterable[tuple[time, time]]) -> bool:
    clock = moment.time().replace(tzinfo=None)
    return any(start <= clock < end for start, end in hours)


def _invalid_reason(
    local: datetime,
    hours: tuple[tuple[time, time], ...],
    cal: WorkCalendar,
    test_day: date | None,
    valid_count: int,
    connected: bool,
) -> str | None:
    if connected:
        return REASON_AFTER_CONNECTED
    if valid_count >= MAX_VALID_ATTEMPTS:
        return REASON_TOO_MANY
    if not cal.is_working_day(local.date()):
        return REASON_NOT_WORKING_DAY
    if not _in_office_hours(local, hours):
        return f"不在办公时间（{format_office_hours(hours)}）"
    if test_day is not None and local.date() != test_day:
        return REASON_OTHER_DAY
    return None


def _protocol(
    verdicts: list[AttemptVerdict],
    valid_count: int,
    connected: bool,
    test_day: date | None,
    hours: tuple[tuple[time, time], ...],
    last_call: datetime | None,
    now: datetime | None,
) -> PhoneProtocol:
    complete = connected or valid_count >= MAX_VALID_ATTEMPTS
    outcome = "connected" if connected else ("missed" if complete else None)
    broken_by_calls = not complete and _after_test_day(last_call, test_day, hours)
    broken = broken_by_calls or (not complete and _after_test_day(now, test_day, hours))
    broken_reason = None
    if broken:
        broken_reason = (
            f"首次有效拨打日（{format_cn_date(test_day)}）当日未完成三次拨打"
            f"（有效拨打{valid_count}次，均未接通），本次测试作废。"
        )
    today = now.date() if now is not None else None
    guidance = _guidance(verdicts, valid_count, test_day, hours, today, broken, broken_by_calls)
    return PhoneProtocol(
        verdicts, valid_count, connected, complete, outcome, test_day,
        broken, broken_reason, guidance, hours, broken_by_calls,
    )


def _after_test_day(
    moment: datetime | None, test_day: date | None, hours: tuple[tuple[time, time], ...]
) -> bool:
    """Is `moment` at or after the close of the test day's office hours?"""
    if moment is None or test_day is None:
        return False
    return (moment.date(), moment.time().replace(tzinfo=None)) >= (test_day, hours[-1][1])


VOID_AND_RESTART_ZH = "请作废本次测试（作废后新建的测试才计分）"


def _guidance(
    verdicts: list[AttemptVerdict],
    valid_count: int,
    test_day: date | None,
    hours: tuple[tuple[time, time], ...],
    today: date | None,
    broken: bool,
    broken_by_calls: bool,
) -> str:
    valid = [v for v in verdicts if v.valid]
    if valid and valid[-1].connected:
        return f"测试已完成：第{valid[-1].number}次拨打接通。"
    if valid_count >= MAX_VALID_ATTEMPTS:
        return f"测试已完成：{MAX_VALID_ATTEMPTS}次有效拨打均未接通。"
    if broken_by_calls:
        return (
            f"首次有效拨打日（{format_cn_date(test_day)}）办公时间内只有{valid_count}次有效拨打，"
            f"均未接通，其后的拨打不计入本次测试。{VOID_AND_RESTART_ZH}，"
            "再新建一次电话测试，在同一工作日内重新拨打。"
        )
    if broken:
        # Only time has passed: the rest of that day's calls may not have been entered yet.
        return (
            f"首次有效拨打日（{format_cn_date(test_day)}）已过，目前登记了{valid_count}次有效拨打，均未接通。"
            f"如当日还有拨打，请补录；如当日确未完成三次拨打，{VOID_AND_RESTART_ZH}。"
        )
    next_try = f"第{valid_count + 1}次（共{MAX_VALID_ATTEMPTS}次）"
    closing = f"{hours[-1][1]:%H:%M}"
    if test_day is None:
        return (
            f"{next_try}：请在工作日办公时间（{format_office_hours(hours)}）拨打；"
            f"{MAX_VALID_ATTEMPTS}次有效拨打须在同一工作日内完成。"
        )
    if today == test_day:
        return f"{next_try}：请今天{closing}前再拨打"
    return f"{next_try}：请于{format_cn_date(test_day)}{closing}前再拨打"
