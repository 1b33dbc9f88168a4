"""China working-day calendar (pure: no Flask, no SQLAlchemy).

A day is a working day under the State Council holiday notice (国务院办公厅关于节假日安排的通知):
a weekday that is not a holiday, or a Saturday/Sunday named as a 调休 make-up working day.
The schedule comes from the `holidays` package; admin overrides win over everything.

The whole supported range is tabulated once, when a `WorkCalendar` is built: one flag per day,
a running count of working days (prefix sums) and the ordinals of the working days. Every query is
then O(1) or O(days listed) — no day-by-day loop per question. Build a new calendar whenever the
overrides change.

Provisional years: for a year after the last State Council notice the package knows
(`OFFICIAL_LAST_YEAR`), `holidays` silently guesses — statutory days only, no make-up days. Such a
year is provisional unless it is listed in `confirmed_years` (admin overrides alone do not confirm
it). The next year's notice can also move days in the last week of December (the 2019 notice made
Saturday 2018-12-29 a working day and 2018-12-31 a day off), so those days are provisional when
the following year is.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

BEIJING = ZoneInfo("Asia/Shanghai")
# The years a user may enter (forms, API, CLI, bundles). The calendar itself tabulates to 2050,
# so a deadline counted from a late-2045 receipt still has its due date.
MIN_YEAR, MAX_YEAR = 2000, 2045
HOLIDAY_LANGUAGE = "zh_CN"  # must be explicit: without it holidays follows $LANG (English here)
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DAY_KINDS = (
    "workday",
    "weekend",
    "holiday",
    "makeup_workday",
    "override_workday",
    "override_holiday",
)
# Each December day from here on may be changed by the next year's notice (see module doc).
_NEXT_NOTICE_REACHES_FROM_DAY = 25
# The package labels a swapped day off "休息日（由 2019-02-02 调休）" in zh_CN.
_SUBSTITUTED_LABEL = re.compile(r"休息日（由 (\d{4}-\d{2}-\d{2}) 调休）")
_OBSERVED_SUFFIX = "（补假）"
# Names of the days of a Spring Festival block that the notice calls simply 春节.
_BLOCK_FESTIVAL_ALIASES = {"农历除夕": "春节", "春节延长假期": "春节"}


def _country_holidays(years: Iterable[int]) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=years, language=HOLIDAY_LANGUAGE)


def _official_last_year() -> int:
    """The last year for which `holidays` carries a State Council notice.

    The package keeps each year's notice in China's `special_public_holidays` table (the swapped
    days off and their 调休 make-up working days); a year past the table gets statutory holidays
    only. Every notice since 2001 has at least one make-up working day, so the table's last year
    is taken only if populating it really yields make-up days (`weekend_workdays`); otherwise we
    step back to the last year that does.
    """
    table_years = sorted(_country_holidays(()).special_public_holidays, reverse=True)
    for year in table_years:
        if any(d.year == year for d in _country_holidays([year]).weekend_workdays):
            return year
    raise RuntimeError("holidays 包中没有国务院放假安排数据 / holidays has no CN notice data")


OFFICIAL_LAST_YEAR: int = _official_last_year()



@dataclass(frozen=True)
class Override:
    """An admin-entered day (e.g. from 国办发明电〔2026〕N号): working or not, with its source."""

    working: bool
    note: str = ""


@dataclass(frozen=True)
class DayInfo:
    date: date
    working: bool
    kind: str  # one of DAY_KINDS
    name: str  # Chinese, e.g. "国庆节", "春节（调休上班）", "周六"; "" for a plain workday
    provisional: bool
    note: str = ""


@dataclass(frozen=True)
class Dated:
    date: date
    provisional: bool


@dataclass(frozen=True)
class Counted:
    value: int
    provisional: bool


class OutsideCalendar(ValueError):
    """A date the working-day calendar does not cover (a year typed wrong, a deadline run past its last
    year): the input is at fault, not the code — the edges tell the user which field (core/unit_of_work)."""


class WorkCalendar:
    """Working days of [first_year-01-01, last_year-12-31]; see the module docstring."""

    def __init__(
        self,
        overrides: Mapping[date, Override] | None = None,
        confirmed_years: Iterable[int] = (),
        first_year: int = MIN_YEAR,
        last_year: int = 2050,  # inputs stop at MAX_YEAR; deadlines may run past it
    ) -> None:
        if first_year > last_year:
            raise ValueError(f"first_year {first_year} > last_year {last_year}")
        self.first_year = first_year
        self.last_year = last_year
        self.confirmed_years = frozenset(confirmed_years)
        self._first = date(first_year, 1, 1)
        self._last = date(last_year, 12, 31)
        self._base = self._first.toordinal()
        self._overrides = {d: o for d, o in (overrides or {}).items() if self._in_range(d)}
        self._package = _country_holidays(range(first_year, last_year + 1))
        self._working = self._tabulate_working_days()
        # _cumulative[i]: working days in [first, first + i]; _work_ordinals: sorted ordinals.
        self._cumulative = array("l", accumulate(self._working))
        self._work_ordinals = array(
            "l", (self._base + i for i, flag in enumerate(self._working) if flag)
        )
        self._day_off_for_makeup = self._index_substitutions()
        self._day_infos: dict[date, DayInfo] = {}

    # -- building -----------------------------------------------------------------------------

    def _tabulate_working_days(self) -> bytearray:
        holiday_dates = set(self._package.keys())
        makeup_dates = self._package.weekend_workdays
        days = self._last.toordinal() - self._base + 1
        working = bytearray(days)
        for i in range(days):
            d = date.fromordinal(self._base + i)
            if (override := self._overrides.get(d)) is not None:
                working[i] = override.working
            elif d.weekday() >= 5:
                working[i] = d in makeup_dates
            else:
                working[i] = d not in holiday_dates
        return working

    def _index_substitutions(self) -> dict[date, date]:
        """Make-up working day -> the day off it pays for (read from the package's labels)."""
        pairs: dict[date, date] = {}
        for day_off, label in self._package.items():
            for match in _SUBSTITUTED_LABEL.finditer(label):
                pairs[date.fromisoformat(match.group(1))] = day_off
        return pairs

    # -- range checks -------------------------------------------------------------------------

    def _in_range(self, d: date) -> bool:
        return self._first <= d <= self._last

    def _range_error(self, subject_zh: str, subject_en: str) -> OutsideCalendar:
        return OutsideCalendar(
            f"{subject_zh}超出工作日历支持的范围（{self.first_year}年至{self.last_year}年）/ "
            f"{subject_en} is outside the supported calendar range "
            f"{self.first_year}-01-01 to {self.last_year}-12-31"
        )

    def _index(self, d: date) -> int:
        i = d.toordinal() - self._base
        if not 0 <= i < len(self._working):
            raise self._range_error(f"日期 {d.isoformat()} ", f"date {d.isoformat()}")
        return i

    # -- queries ------------------------------------------------------------------------------

    @property
    def overrides(self) -> Mapping[date, Override]:
        """The admin overrides in effect (those inside the calendar's range)."""
        return MappingProxyType(self._overrides)

    def is_working_day(self, d: date) -> bool:
        return bool(self._working[self._index(d)])

    def days_changed_from(self, earlier: WorkCalendar) -> list[date]:
        """The days working in one calendar and not in the other (same range: a change of overrides),
        in date order: a deadline counted over none of them is the same in both."""
        if (earlier.first_year, earlier.last_year) != (self.first_year, self.last_year):
            raise ValueError("calendars of different ranges cannot be compared day by day")
        return [date.fromordinal(self._base + i)
                for i, (now, before) in enumerate(zip(self._working, earlier._working)) if now != before]

    def add(self, d: date, n: int) -> date:
        """The n-th working day strictly after d (n > 0) or strictly before d (n < 0).

        n == 0 returns d itself, working day or not (unlike holidays.get_nth_working_day, which
        rolls forward to a working day).
        """
        i = self._index(d)
        if n == 0:
            return d
        working_up_to_d = self._cumulative[i]
        if n > 0:
            k = working_up_to_d + n - 1
        else:
            k = working_up_to_d - self._working[i] + n
        if not 0 <= k < len(self._work_ordinals):
            raise self._range_error(
                f"{d.isoformat()} 起第 {n} 个工作日", f"working day {n} from {d.isoformat()}"
            )
        return date.fromordinal(self._work_ordinals[k])

    def count(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b < a (count(a, b) == -count(b, a))."""
        return self._cumulative[self._index(b)] - self._cumulative[self._index(a)]

    def day_info(self, d: date) -> DayInfo:
        # A calendar never changes once built (overrides make a new one), so neither does a day:
        # the deadline explanations ask for the same weekends and holidays thousands of times.
        info = self._day_infos.get(d)
        if info is None:
            info = self._day_infos[d] = self._describe_day(d)
        return info

    def _describe_day(self, d: date) -> DayInfo:
        i = self._index(d)
        provisional = self._is_provisional_date(d)
        if (override := self._overrides.get(d)) is not None:
            kind = "override_workday" if override.working else "override_holiday"
            name = self._override_name(d, override)
            return DayInfo(d, override.working, kind, name, provisional, override.note)
        working = bool(self._working[i])
        if d in self._package:
            return DayInfo(d, False, "holiday", self._holiday_name(d), provisional)
        if d.weekday() >= 5:
            if working:
                return DayInfo(d, True, "makeup_workday", self._makeup_name(d), provisional)
            return DayInfo(d, False, "weekend", WEEKDAY_NAMES[d.weekday()], provisional)
        return DayInfo(d, True, "workday", "", provisional)

    def non_working_days(self, a: date, b: date) -> list[DayInfo]:
        """The days off in (a, b] (the order of a and b does not matter), in date order."""
        lo, hi = (a, b) if a <= b else (b, a)
        start, end = self._index(lo) + 1, self._index(hi)
        return [
            self.day_info(date.fromordinal(self._base + i))
            for i in range(start, end + 1)
            if not self._working[i]
        ]

    def year_days(self, year: int) -> list[DayInfo]:
        first, last = date(year, 1, 1), date(year, 12, 31)
        if not (self._in_range(first) and self._in_range(last)):
            raise self._range_error(f"{year}年", f"year {year}")
        return [self.day_info(first + timedelta(days=k)) for k in range((last - first).days + 1)]

    # -- provisional years --------------------------------------------------------------------

    def is_provisional_year(self, year: int) -> bool:
        return year > OFFICIAL_LAST_YEAR and year not in self.confirmed_years

    def provisional_years(self, a: date, b: date) -> set[int]:
        """Years with no confirmed schedule that [a, b] depends on (a, b in any order).

        Includes year y + 1 when the span reaches the last week of December of y (see module doc).
        """
        lo, hi = (a, b) if a <= b else (b, a)
        years = {y for y in range(lo.year, hi.year + 1) if self.is_provisional_year(y)}
        for y in range(lo.year, hi.year + 1):
            if hi >= date(y, 12, _NEXT_NOTICE_REACHES_FROM_DAY) and self.is_provisional_year(y + 1):
                years.add(y + 1)
        return years

    def add_flagged(self, d: date, n: int) -> Dated:
        result = self.add(d, n)
        return Dated(result, bool(self.provisional_years(d, result)))

    def count_flagged(self, a: date, b: date) -> Counted:
        return Counted(self.count(a, b), bool(self.provisional_years(a, b)))

    def _is_provisional_date(self, d: date) -> bool:
        return bool(self.provisional_years(d, d))

    # -- Chinese names ------------------------------------------------------------------------

    def _holiday_name(self, d: date) -> str:
        names: list[str] = []
        for part in self._package[d].split("; "):
            name = f"{self._festival_of_block(d)}（调休）" if _SUBSTITUTED_LABEL.match(part) else part
            if name not in names:
                names.append(name)
        return "、".join(names)

    def _makeup_name(self, d: date) -> str:
        day_off = self._day_off_for_makeup.get(d)
        if day_off is None or not self._in_range(day_off):
            return "调休上班"
        return f"{self._festival_of_block(day_off)}（调休上班）"

    def _override_name(self, d: date, override: Override) -> str:
        if not override.working:
            return f"{self._holiday_name(d)}（管理员设定）" if d in self._package else "休息日（管理员设定）"
        if d.weekday() >= 5:
            return "调休上班（管理员设定）"
        return "工作日（管理员设定）"

    def _festival_of_block(self, d: date) -> str:
        """The festivals of the run of days off around d, e.g. "中秋节、国庆节"."""
        festivals: list[str] = []
        for day in self._package_days_off_around(d):
            for part in self._package.get(day, "").split("; "):
                festival = part.removesuffix(_OBSERVED_SUFFIX)
                festival = _BLOCK_FESTIVAL_ALIASES.get(festival, festival)
                if festival and not _SUBSTITUTED_LABEL.match(part) and festival not in festivals:
                    festivals.append(festival)
        return "、".join(festivals) or "节假日"

    def _package_days_off_around(self, d: date) -> list[date]:
        def off(day: date) -> bool:
            return self._in_range(day) and not self._package.is_working_day(day)

        start = end = d
        while off(start - timedelta(days=1)):
            start -= timedelta(days=1)
        while off(end + timedelta(days=1)):
            end += timedelta(days=1)
        return [start + timedelta(days=k) for k in range((end - start).days + 1)]


def format_cn_date(d: date) -> str:
    """2020年9月1日 (no zero padding)."""
    return f"{d.year}年{d.month}月{d.day}日"


def summarize_days_off(days: list[DayInfo]) -> str:
    """E.g. "跳过非工作日12天（其中周六、周日6天），节假日：2020年10月1日至10月8日（中秋节、国庆节）"."""
    if not days:
        return "期间没有非工作日。"
    weekends = sum(1 for d in days if d.kind == "weekend")
    runs = _consecutive_runs(days)
    holiday_runs = [run for run in runs if any(d.kind != "weekend" for d in run)]
    text = f"跳过非工作日{len(days)}天（其中周六、周日{weekends}天）"
    if holiday_runs:
        text += "，节假日：" + "；".join(_describe_run(run) for run in holiday_runs)
    return text + "。"


def _consecutive_runs(days: list[DayInfo]) -> list[list[DayInfo]]:
    runs: list[list[DayInfo]] = []
    for day in days:
        if runs and (day.date - runs[-1][-1].date).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _describe_run(run: list[DayInfo]) -> str:
    names: list[str] = []
    for day in run:
        if day.kind == "weekend":
            continue
        for name in day.name.removesuffix("（调休）").removesuffix("（补假）").split("、"):
            if name not in names:
                names.append(name)
    first, last = run[0].date, run[-1].date
    span = format_cn_date(first)
    if last != first:
        same_year = last.year == first.year
        span += "至" + (f"{last.month}月{last.day}日" if same_year else format_cn_date(last))
    return f"{span}（{'、'.join(names)}）"
