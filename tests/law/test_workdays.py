from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.law.workdays import (
    OFFICIAL_LAST_YEAR,
    Counted,
    Dated,
    Override,
    WorkCalendar,
    format_cn_date,
    summarize_days_off,
)

from .calendars import d, package_holidays, plain_calendar

DATES_2019_2026 = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 12, 31))
STEPS = st.integers(min_value=1, max_value=40)


def test_official_last_year_is_2026_with_holidays_0_109() -> None:
    assert holidays.__version__ == "0.109"
    assert OFFICIAL_LAST_YEAR == 2026
    cal = plain_calendar()
    assert not cal.is_provisional_year(2026)
    assert cal.is_provisional_year(2027)
    assert not package_holidays().weekend_workdays & set(_year(2027))


def _year(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=k) for k in range(365)]


def test_provisional_2027_is_the_packages_silent_guess() -> None:
    cal = plain_calendar()
    info = cal.day_info(d("2027-02-09"))
    assert info.provisional and not info.working and "春节" in info.name
    assert not any(i.kind == "makeup_workday" for i in cal.year_days(2027))


def test_add_counts_strictly_after_and_before() -> None:
    cal = plain_calendar()
    assert cal.add(d("2020-09-30"), 1) == d("2020-10-09")
    assert cal.add(d("2020-10-09"), -1) == d("2020-09-30")
    assert cal.add(d("2020-10-01"), 2) == d("2020-10-10")  # the make-up Saturday counts
    assert cal.add(d("2020-10-01"), 0) == d("2020-10-01")  # n == 0 returns d itself


def test_count_is_half_open_and_antisymmetric() -> None:
    cal = plain_calendar()
    assert cal.count(d("2020-09-30"), d("2020-10-09")) == 1
    assert cal.count(d("2020-10-09"), d("2020-09-30")) == -1
    assert cal.count(d("2020-09-01"), d("2020-09-01")) == 0


def test_dates_outside_the_range_are_refused_in_both_languages() -> None:
    cal = WorkCalendar(first_year=2019, last_year=2027)
    with pytest.raises(ValueError, match="2019年至2027年.*2019-01-01 to 2027-12-31"):
        cal.is_working_day(d("2028-01-03"))
    with pytest.raises(ValueError, match="超出"):
        cal.add(d("2027-12-20"), 30)
    with pytest.raises(ValueError, match="outside"):
        cal.add(d("2019-01-05"), -5)


def test_overrides_win_and_do_not_confirm_a_year() -> None:
    notice = "国办发明电〔2026〕1号"
    overrides = {
        d("2027-02-11"): Override(False, notice),  # a Thursday made a day off
        d("2027-02-20"): Override(True, notice),  # a Saturday made a working day
    }
    cal = WorkCalendar(overrides)
    holiday, makeup = cal.day_info(d("2027-02-11")), cal.day_info(d("2027-02-20"))
    assert (holiday.working, holiday.kind, holiday.note) == (False, "override_holiday", notice)
    assert (makeup.working, makeup.kind) == (True, "override_workday")
    # Feb 10 is still the package's guessed holiday; Feb 11 and 20 follow the overrides.
    days_off = cal.non_working_days(d("2027-02-10"), d("2027-02-22"))
    assert [x.date.day for x in days_off] == [11, 13, 14, 21]
    assert cal.count(d("2027-02-10"), d("2027-02-22")) == 8
    assert holiday.provisional and cal.is_provisional_year(2027)
    confirmed = WorkCalendar(overrides, confirmed_years=[2027])
    assert not confirmed.is_provisional_year(2027)
    assert not confirmed.day_info(d("2027-02-11")).provisional


def test_provisional_flags_and_the_december_spill_over() -> None:
    cal = plain_calendar()
    assert cal.add_flagged(d("2026-11-02"), 20) == Dated(d("2026-11-30"), False)
    assert cal.add_flagged(d("2026-12-15"), 20).provisional
    assert cal.provisional_years(d("2026-12-01"), d("2027-03-01")) == {2027}
    # The 2027 notice could still move days of late December 2026.
    assert cal.provisional_years(d("2026-12-20"), d("2026-12-29")) == {2027}
    assert cal.provisional_years(d("2026-12-01"), d("2026-12-24")) == set()
    assert cal.count_flagged(d("2026-12-01"), d("2026-12-10")) == Counted(7, False)
    assert WorkCalendar(confirmed_years={2027}).provisional_years(
        d("2026-12-01"), d("2027-03-01")
    ) == set()


def test_non_working_days_lists_the_days_skipped() -> None:
    cal = plain_calendar()
    days = cal.non_working_days(d("2020-09-30"), d("2020-10-09"))
    assert [i.date for i in days] == [d("2020-10-01") + timedelta(days=k) for k in range(8)]
    assert {i.kind for i in days} == {"holiday", "weekend"}  # Sunday Oct 4 is a plain weekend
    assert cal.non_working_days(d("2020-10-09"), d("2020-09-30")) == days
    text = summarize_days_off(days)
    assert "2020年10月1日至10月8日（中秋节、国庆节）" in text and "8天" in text


def test_year_days_covers_the_whole_year() -> None:
    days = plain_calendar().year_days(2024)
    assert len(days) == 366 and days[0].date == d("2024-01-01")
    assert sum(i.working for i in days) == 251  # 366 - 104 weekend days - 11 statutory days


def test_helpers() -> None:
    assert format_cn_date(d("2020-09-01")) == "2020年9月1日"


@settings(max_examples=300, deadline=None)
@given(DATES_2019_2026, STEPS)
def test_add_agrees_with_the_holidays_package(start: date, n: int) -> None:
    cal, reference = plain_calendar(), package_holidays()
    assert cal.add(start, n) == reference.get_nth_working_day(start, n)
    assert cal.add(start, -n) == reference.get_nth_working_day(start, -n)


@settings(max_examples=200, deadline=None)
@given(DATES_2019_2026, DATES_2019_2026)
def test_count_agrees_with_the_holidays_package(a: date, b: date) -> None:
    cal, reference = plain_calendar(), package_holidays()
    lo, hi = sorted((a, b))
    expected = reference.get_working_days_count(lo, hi) - reference.is_working_day(lo)
    assert cal.count(lo, hi) == expected
    assert cal.count(hi, lo) == -expected


@settings(max_examples=300, deadline=None)
@given(DATES_2019_2026, STEPS)
def test_add_then_count_round_trips(start: date, n: int) -> None:
    cal = plain_calendar()
    forward = cal.add(start, n)
    assert cal.is_working_day(forward) and forward > start
    assert cal.count(start, forward) == n
    backward = cal.add(start, -n)
    assert cal.is_working_day(backward) and backward < start
    assert cal.count(backward, start) == n - 1 + cal.is_working_day(start)
    if cal.is_working_day(start):
        assert cal.add(forward, -n) == start
