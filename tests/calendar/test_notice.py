"""The notice parser: the published notices 2019–2026 reproduce the holidays package's calendar
day for day, and every variant of wording and every mistake in a pasted text is handled."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest

from tracker.calendar.notice import NoticeError, parse_notice, plan_changes
from tracker.law.workdays import HOLIDAY_LANGUAGE, WorkCalendar

NOTICES = Path(__file__).parent / "notices"
YEARS = range(2019, 2027)


def notice_text(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def package():
    return holidays.country_holidays("CN", years=range(2018, 2028), language=HOLIDAY_LANGUAGE)


@pytest.fixture(scope="module")
def plain():
    return WorkCalendar(first_year=2015, last_year=2030)


@pytest.mark.parametrize("year", YEARS)
def test_published_notice_gives_the_package_days_off_and_makeup_days(year, package):
    notice = parse_notice(notice_text(year))
    assert notice.year == year and notice.complete
    mentioned = notice.mentioned()
    start = min(mentioned | {date(year, 1, 1)})
    days = [start + timedelta(days=k) for k in range((date(year, 12, 31) - start).days + 1)]
    expected_off = {d for d in days if d.weekday() < 5 and d in package}
    expected_makeup = {d for d in days if d in package.weekend_workdays}
    assert {d.date for d in notice.holidays if d.date.weekday() < 5} == expected_off
    assert {d.date for d in notice.makeup_workdays} == expected_makeup


@pytest.mark.parametrize("year", YEARS)
def test_published_notice_needs_no_change_to_the_package_calendar(year, plain):
    # Every day of the year (weekends included) is already what the notice says.
    assert plan_changes(plain, parse_notice(notice_text(year))) == []


SPOT_CHECKS = [
    # (year, date, "off" | "makeup", name): one per wording variant
    (2019, "2018-12-31", "off", "元旦"),  # a range across years, written with both years
    (2019, "2018-12-29", "makeup", "元旦（调休上班）"),  # a make-up day in the previous year
    (2019, "2019-04-06", "off", "清明节"),  # 与周末连休
    (2019, "2019-05-02", "off", "劳动节"),  # the 调整 notice of March 2019
    (2019, "2019-04-28", "makeup", "劳动节（调休上班）"),
    (2020, "2020-01-31", "off", "春节"),  # the 延长 notice of January 2020
    (2020, "2020-02-02", "off", "春节"),
    (2020, "2020-10-08", "off", "国庆节、中秋节"),
    (2022, "2022-02-06", "off", "春节"),  # a range across months: 1月31日至2月6日
    (2023, "2022-12-31", "off", "元旦"),
    (2024, "2023-12-31", "off", "元旦"),  # 1月1日放假，与周末连休 (a Monday)
    (2025, "2025-01-28", "off", "春节"),  # (农历除夕、周二)
    (2025, "2025-05-31", "off", "端午节"),  # 5月31日（周六）至6月2日（周一）
    (2026, "2026-02-28", "makeup", "春节（调休上班）"),
]


@pytest.mark.parametrize("year,day,kind,name", SPOT_CHECKS)
def test_wording_variants(year, day, kind, name):
    notice = parse_notice(notice_text(year))
    days = notice.holidays if kind == "off" else notice.makeup_workdays
    assert {d.date.isoformat(): d.name for d in days}[day] == name


@pytest.mark.parametrize("item,year,off", [
    ("三、清明节：4月5日放假，4月7日（星期一）补休。", 2014, ["2014-04-05", "2014-04-07"]),
    ("一、元旦：12月30日至1月1日放假调休，共3天。", 2019, ["2018-12-30", "2018-12-31", "2019-01-01"]),
    ("一、元旦：1月1日（周三）放假1天，不调休。", 2025, ["2025-01-01"]),
    ("四、劳动节：5月1日放假。", 2019, ["2019-05-01"]),
])
def test_older_and_shorter_wordings(item, year, off):
    # "12月30日至1月1日" without years, in the 2019 notice: from the end of 2018 into 2019.
    notice = parse_notice(item, year=year)
    assert [d.date.isoformat() for d in notice.holidays] == off


def test_the_2020_extension_cancels_the_makeup_saturday_inside_it():
    notice = parse_notice(notice_text(2020))
    assert date(2020, 2, 1) not in {d.date for d in notice.makeup_workdays}
    assert date(2020, 1, 19) in {d.date for d in notice.makeup_workdays}
    assert notice.source == "国办发明电〔2019〕16号、国办发明电〔2020〕1号"


def test_the_2019_notice_without_its_adjustment_differs_from_the_package(plain):
    original = notice_text(2019).split("国务院办公厅关于调整")[0]
    changes = plan_changes(plain, parse_notice(original))
    assert [(c.date.isoformat(), c.working) for c in changes] == [
        ("2019-04-28", False), ("2019-05-02", True), ("2019-05-03", True), ("2019-05-05", False)]


def test_half_width_punctuation_and_one_line_paste():
    text = notice_text(2021).translate(str.maketrans("：（），", ":(),")).replace("\n", " ")
    assert parse_notice(text) == parse_notice(notice_text(2021))


@pytest.mark.parametrize("separator", ["\n", " ", ""])
def test_items_without_a_full_stop_are_still_apart(separator):
    text = notice_text(2022).replace("上班。", "上班" + separator).replace("共3天。", "共3天" + separator)
    text = text.replace("共7天。", "共7天" + separator)  # "共7天1月29日（星期六）、…上班" too
    assert parse_notice(text) == parse_notice(notice_text(2022))


def test_items_alone_need_the_year():
    items = "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n二、春节：2月5日至11日放假调休，共7天。"
    with pytest.raises(NoticeError, match="请指定年份"):
        parse_notice(items)
    notice = parse_notice(items, year=2027)
    assert [d.date.isoformat() for d in notice.holidays][:3] == ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert notice.source == "国务院办公厅放假安排通知"


def test_an_adjustment_alone_is_not_complete():
    text = notice_text(2019).split("国办发明电〔2018〕15号")[1].split("国务院办公厅\n2018年12月4日")[1]
    notice = parse_notice(text)
    assert not notice.complete
    assert notice.mentioned() == {date(2019, 4, 28), date(2019, 5, 5)} | {date(2019, 5, d) for d in range(1, 5)}


BAD = [
    ("", None, "通知内容为空"),
    ("国务院办公厅关于2027年部分节假日安排的通知 节假日期间要妥善安排值班。", None, "没有找到编号条目"),
    ("一、元旦：1月1日（周四）放假，共1天。", 2027, "2027-01-01 是星期五，通知写的是星期四"),
    ("一、春节：2月30日放假，共1天。", 2027, "2027年2月30日不存在"),
    ("一、春节：2月5日至11日放假调休，共8天。", 2027, "是 7 天，与“共8天”不符"),
    ("一、劳动节：5月1日至5日放假调休，共5天。5月6日（周四）上班。", 2027, "不是周末"),
    ("一、元旦：1月1日放假，共1天。1月1日上班。", 2027, "既是放假日又是上班日"),
    ("国务院办公厅关于延长2027年春节假期的通知 一、延长2027年春节假期至2月14日。", None, "一并粘贴"),
    ("国务院办公厅关于2026年部分节假日安排的通知 一、元旦：1月1日放假，共1天。", 2027, "与指定的年份 2027 不符"),
    ("一、1月1日放假，共1天。", 2027, "没有写明节日名称"),
    ("随便写点什么", 2027, "没有找到任何放假或上班日期"),
]


@pytest.mark.parametrize("text,year,message", BAD)
def test_mistakes_are_refused_with_a_message(text, year, message):
    with pytest.raises(NoticeError, match=message):
        parse_notice(text, year=year)


def test_a_provisional_year_is_planned_against_the_package_guess():
    text = ("国务院办公厅关于2027年部分节假日安排的通知（测试用的虚构文本）\n"
            "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
            "二、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。")
    notice = parse_notice(text)
    changes = {c.date.isoformat(): c.working for c in plan_changes(WorkCalendar(), notice)}
    # The package guesses statutory days and 补假 only; a full notice decides the whole year, so
    # the days it does not list become working days again and its make-up days are added.
    assert changes == {
        "2027-02-05": True, "2027-02-08": True, "2027-02-09": True, "2027-02-10": True,
        "2027-04-05": True, "2027-04-25": True, "2027-05-05": False, "2027-05-08": True,
        "2027-06-09": True, "2027-09-15": True, "2027-10-01": True, "2027-10-04": True, "2027-10-05": True,
    }


def test_a_news_reprint_with_the_title_twice_reads_the_same():
    body = notice_text(2026).split("国办发明电〔2025〕7号")[1]
    reprint = ("国务院办公厅关于2026年部分节假日安排的通知\n新华社北京11月4日电 国务院办公厅关于2026年部分节假日安排的通知，"
               "全文如下：\n" + body)
    notice, published = parse_notice(reprint), parse_notice(notice_text(2026))
    assert (notice.holidays, notice.makeup_workdays) == (published.holidays, published.makeup_workdays)
    assert notice.source == "国务院办公厅关于2026年部分节假日安排的通知"
