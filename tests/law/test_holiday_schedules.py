"""Every State Council holiday notice 2019–2026, day by day.

Each row: festival, first and last day off, the 调休 make-up working days (Saturdays/Sundays).
Sources: 国办发明电〔2018〕15号 and 〔2019〕2号 (2019 and its May Day change), 〔2019〕16号 and
〔2020〕1号 (2020 and the Spring Festival extension to Feb 2, which also cancelled the Feb 1
make-up Saturday), 〔2020〕27号 (2021), 〔2021〕11号 (2022), 〔2022〕16号 (2023), 〔2023〕7号 (2024),
〔2024〕12号 (2025), 〔2025〕7号 (2026).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from .calendars import d, plain_calendar

SCHEDULES: dict[int, list[tuple[str, str, str, tuple[str, ...]]]] = {
    2019: [
        ("元旦", "2018-12-30", "2019-01-01", ("2018-12-29",)),
        ("春节", "2019-02-04", "2019-02-10", ("2019-02-02", "2019-02-03")),
        ("清明节", "2019-04-05", "2019-04-07", ()),
        ("劳动节", "2019-05-01", "2019-05-04", ("2019-04-28", "2019-05-05")),
        ("端午节", "2019-06-07", "2019-06-09", ()),
        ("中秋节", "2019-09-13", "2019-09-15", ()),
        ("国庆节", "2019-10-01", "2019-10-07", ("2019-09-29", "2019-10-12")),
    ],
    2020: [
        ("元旦", "2020-01-01", "2020-01-01", ()),
        ("春节", "2020-01-24", "2020-02-02", ("2020-01-19",)),
        ("清明节", "2020-04-04", "2020-04-06", ()),
        ("劳动节", "2020-05-01", "2020-05-05", ("2020-04-26", "2020-05-09")),
        ("端午节", "2020-06-25", "2020-06-27", ("2020-06-28",)),
        ("国庆节、中秋节", "2020-10-01", "2020-10-08", ("2020-09-27", "2020-10-10")),
    ],
    2021: [
        ("元旦", "2021-01-01", "2021-01-03", ()),
        ("春节", "2021-02-11", "2021-02-17", ("2021-02-07", "2021-02-20")),
        ("清明节", "2021-04-03", "2021-04-05", ()),
        ("劳动节", "2021-05-01", "2021-05-05", ("2021-04-25", "2021-05-08")),
        ("端午节", "2021-06-12", "2021-06-14", ()),
        ("中秋节", "2021-09-19", "2021-09-21", ("2021-09-18",)),
        ("国庆节", "2021-10-01", "2021-10-07", ("2021-09-26", "2021-10-09")),
    ],
    2022: [
        ("元旦", "2022-01-01", "2022-01-03", ()),
        ("春节", "2022-01-31", "2022-02-06", ("2022-01-29", "2022-01-30")),
        ("清明节", "2022-04-03", "2022-04-05", ("2022-04-02",)),
        ("劳动节", "2022-04-30", "2022-05-04", ("2022-04-24", "2022-05-07")),
        ("端午节", "2022-06-03", "2022-06-05", ()),
        ("中秋节", "2022-09-10", "2022-09-12", ()),
        ("国庆节", "2022-10-01", "2022-10-07", ("2022-10-08", "2022-10-09")),
    ],
    2023: [
        ("元旦", "2022-12-31", "2023-01-02", ()),
        ("春节", "2023-01-21", "2023-01-27", ("2023-01-28", "2023-01-29")),
        ("清明节", "2023-04-05", "2023-04-05", ()),
        ("劳动节", "2023-04-29", "2023-05-03", ("2023-04-23", "2023-05-06")),
        ("端午节", "2023-06-22", "2023-06-24", ("2023-06-25",)),
        ("中秋节、国庆节", "2023-09-29", "2023-10-06", ("2023-10-07", "2023-10-08")),
    ],
    2024: [
        ("元旦", "2024-01-01", "2024-01-01", ()),
        ("春节", "2024-02-10", "2024-02-17", ("2024-02-04", "2024-02-18")),
        ("清明节", "2024-04-04", "2024-04-06", ("2024-04-07",)),
        ("劳动节", "2024-05-01", "2024-05-05", ("2024-04-28", "2024-05-11")),
        ("端午节", "2024-06-08", "2024-06-10", ()),
        ("中秋节", "2024-09-15", "2024-09-17", ("2024-09-14",)),
        ("国庆节", "2024-10-01", "2024-10-07", ("2024-09-29", "2024-10-12")),
    ],
    2025: [
        ("元旦", "2025-01-01", "2025-01-01", ()),
        ("春节", "2025-01-28", "2025-02-04", ("2025-01-26", "2025-02-08")),
        ("清明节", "2025-04-04", "2025-04-06", ()),
        ("劳动节", "2025-05-01", "2025-05-05", ("2025-04-27",)),
        ("端午节", "2025-05-31", "2025-06-02", ()),
        ("国庆节、中秋节", "2025-10-01", "2025-10-08", ("2025-09-28", "2025-10-11")),
    ],
    2026: [
        ("元旦", "2026-01-01", "2026-01-03", ("2026-01-04",)),
        ("春节", "2026-02-15", "2026-02-23", ("2026-02-14", "2026-02-28")),
        ("清明节", "2026-04-04", "2026-04-06", ()),
        ("劳动节", "2026-05-01", "2026-05-05", ("2026-05-09",)),
        ("端午节", "2026-06-19", "2026-06-21", ()),
        ("中秋节", "2026-09-25", "2026-09-27", ()),
        ("国庆节", "2026-10-01", "2026-10-07", ("2026-09-20", "2026-10-10")),
    ],
}
# The package names New Year's Eve separately inside the Spring Festival block (2024 revision).
FESTIVAL_ALIASES = {"春节": ("春节", "农历除夕")}

BLOCKS = [(year, *row) for year, rows in SCHEDULES.items() for row in rows]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def _expected_days_off(year: int) -> set[date]:
    rows = SCHEDULES[year]
    days_off = {day for _, first, last, _ in rows for day in _days(d(first), d(last))}
    makeup = {d(day) for *_, makeups in rows for day in makeups}
    span = _days(d(rows[0][1]).replace(month=1, day=1), date(year, 12, 31))
    weekends = {day for day in span if day.weekday() >= 5}
    return (days_off | weekends) - makeup


def _festival_names(label: str) -> tuple[str, ...]:
    return tuple(n for f in label.split("、") for n in FESTIVAL_ALIASES.get(f, (f,)))


@pytest.mark.parametrize("year", sorted(SCHEDULES))
def test_every_day_of_the_year_matches_the_notice(year: int) -> None:
    cal = plain_calendar()
    expected_off = _expected_days_off(year)
    first = min(d(SCHEDULES[year][0][1]), date(year, 1, 1))
    wrong = [
        day.isoformat()
        for day in _days(first, date(year, 12, 31))
        if cal.is_working_day(day) == (day in expected_off)
    ]
    assert wrong == []


@pytest.mark.parametrize(("year", "festival", "first", "last", "makeups"), BLOCKS)
def test_block_days_are_named_holidays(year, festival, first, last, makeups) -> None:
    cal = plain_calendar()
    names = _festival_names(festival)
    for day in _days(d(first), d(last)):
        info = cal.day_info(day)
        assert not info.working and not info.provisional
        if day.weekday() < 5:
            assert info.kind == "holiday", day
            assert any(n in info.name for n in names), (day, info.name)


@pytest.mark.parametrize(("year", "festival", "first", "last", "makeups"), BLOCKS)
def test_makeup_days_are_working_and_named(year, festival, first, last, makeups) -> None:
    cal = plain_calendar()
    for day in map(d, makeups):
        info = cal.day_info(day)
        assert day.weekday() >= 5
        assert info.working and info.kind == "makeup_workday"
        assert info.name.endswith("（调休上班）")
        assert any(n in info.name for n in _festival_names(festival)), info.name


def test_2020_spring_festival_extension_cancelled_the_feb_1_makeup_saturday() -> None:
    cal = plain_calendar()
    for day in map(d, ("2020-01-31", "2020-02-01", "2020-02-02")):
        assert not cal.is_working_day(day)
        assert "春节" in cal.day_info(day).name
    assert cal.is_working_day(d("2020-02-03"))


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2020-10-01", "中秋节、国庆节"),
        ("2020-10-10", "中秋节、国庆节（调休上班）"),
        ("2019-02-04", "春节（调休）"),
        ("2026-02-14", "春节（调休上班）"),
        ("2026-02-28", "春节（调休上班）"),
        ("2018-12-29", "元旦（调休上班）"),
        ("2020-09-05", "周六"),
        ("2020-09-01", ""),
    ],
)
def test_chinese_day_names(day: str, name: str) -> None:
    assert plain_calendar().day_info(d(day)).name == name
