"""依申请公开 statistics of bundle_small.json, checked by hand (2020 holidays: 10月1日–8日 off,
9月27日 and 10月10日 make-up working days).

凉州区 (written requests; LZ-X1 is voided, LZ-18 is the phone test):
  LZ-16    online 9-01 → reply 9-15   on time   10 wd
  LZ-17    oral   9-02 → none, due 9-30         overdue
  LZ-19.1  online 9-03 → 9-10          on time    5 wd
  LZ-19.2  mail   delivered 9-07, 补正 9-09, completed 9-11 → 9-25  on time  10 wd (from 9-11)
  LZ-19.3  oral   9-04 → 9-18          on time   10 wd
  LZ-19.4  online 9-04, extended 10 wd → 10-16 (due 10-22)  on time  26 wd
  LZ-20    mail   confirmed 9-04, consultation (9-10, 9-17] = 5 wd → 10-09 (due 10-15)  on time  20 − 5 = 15 wd
  LZ-21    online 9-08 → 10-20 (due 10-12)  late  26 wd
  LZ-21-R  mail   delivered 9-23 → none, due 10-27  overdue
  LZ-22    online 9-08 → 9-22          on time   10 wd  (fee charged)
  → median of 5, 10, 10, 10, 10, 15, 26, 26 = 10
民勤县: MQ-16 online submitted 9-01, due 9-28 → overdue; MQ-20 letter returned → not received;
  MQ-21 online 10-12, due 11-09 → overdue on 11-30, still pending on 10-20.
"""
from __future__ import annotations

from datetime import date

import pytest

from tracker.reports.statistics import campaign_statistics
from tracker.reports.stats_tables import sections, statistics_csv

from .conftest import TODAY

COLUMNS = ("sent", "received", "on_time", "late", "overdue", "pending", "not_received", "median")


def _row(tally):
    return (tally.sent, tally.received, tally.count("on_time"), tally.count("late"), tally.count("overdue"),
            tally.count("pending"), tally.count("not_received"), tally.median_days)


@pytest.mark.parametrize(("today", "group", "label", "expected"), [
    (TODAY, "by_target", "凉州区", (10, 10, 7, 1, 2, 0, 0, 10)),
    (TODAY, "by_target", "民勤县", (3, 2, 0, 0, 2, 0, 1, None)),
    (TODAY, "by_channel", "互联网", (7, 7, 4, 1, 2, 0, 0, 10)),
    (TODAY, "by_channel", "当面口头", (2, 2, 1, 0, 1, 0, 0, 10)),
    (TODAY, "by_channel", "信函", (4, 3, 2, 0, 1, 0, 1, 12.5)),
    (TODAY, "total", "合计", (13, 12, 7, 1, 4, 0, 1, 10)),
    (date(2020, 10, 20), "by_target", "凉州区", (10, 10, 7, 1, 1, 1, 0, 10)),
    (date(2020, 10, 20), "by_target", "民勤县", (3, 2, 0, 0, 1, 1, 1, None)),
])
def test_reply_counts(campaign, today, group, label, expected):
    stats = campaign_statistics(campaign, today)
    tallies = [stats.total] if group == "total" else getattr(stats, group)
    tally = next(t for t in tallies if t.label == label)
    assert dict(zip(COLUMNS, _row(tally))) == dict(zip(COLUMNS, expected))


def test_outcomes(campaign):
    stats = campaign_statistics(campaign, TODAY)
    liangzhou = stats.by_target[0]
    assert dict(liangzhou.outcomes) == {"disclosed": 3, "already_public": 2, "withheld": 1, "special_law": 1,
                                        "partially_disclosed": 1}
    assert not stats.by_target[1].outcomes


@pytest.mark.parametrize(("key", "required", "passed"), [
    ("told_route", 2, 2),                   # LZ-19.1, LZ-22 (already public)
    ("provided_or_route_and_time", 4, 4),   # LZ-16, LZ-19.2, LZ-21 (disclosed), LZ-20 (partially)
    ("reasons_given", 2, 2),                # LZ-20 (partially), LZ-19.3 (withheld)
    ("special_law_referral", 1, 1),         # LZ-19.4
    ("remedy_notice", 8, 7),                # LZ-19.4 gave no remedy notice
    ("sealed", 8, 8),
    ("no_fee", 8, 7),                       # LZ-22 charged 10 元
])
def test_content_checks(campaign, key, required, passed):
    check = next(c for c in campaign_statistics(campaign, TODAY).checks if c.key == key)
    assert (check.total, check.passed) == (required, passed)


@pytest.mark.parametrize(("number", "calls", "connected"), [
    (1, 2, 0),  # LZ-18 09:12 missed; MQ-18 09:05 missed
    (2, 2, 1),  # LZ-18 10:05 connected; MQ-18 10:30 missed
    (3, 1, 0),  # MQ-18 15:20 missed
])
def test_phone_connection_by_attempt(campaign, number, calls, connected):
    tally = campaign_statistics(campaign, TODAY).calls[number - 1]
    assert (tally.total, tally.passed) == (calls, connected)


def test_phone_by_target(campaign):
    rows = {(p.label, p.tests, p.complete, p.connected, p.answered_correctly)
            for p in campaign_statistics(campaign, TODAY).phone_by_target}
    assert rows == {("凉州区", 1, 1, 1, 1), ("民勤县", 1, 1, 0, 0)}


def test_sections_for_page_and_csv(campaign):
    tables = sections(campaign_statistics(campaign, TODAY))
    assert [s.title[:2] for s in tables] == ["一、", "二、", "三、", "四、", "五、"]
    assert tables[0].rows[0][:10] == ("凉州区", 10, 10, 7, 1, 2, 0, 0, 0, 10.0)  # 0: 视为放弃或撤回
    assert tables[3].rows[1] == ("第2次有效拨打", 2, 1, "50.0%")


def test_csv_has_bom_and_neutralised_formulas(campaign):
    campaign.targets[0].name = "=cmd|' /C calc'!A0"
    data = statistics_csv(campaign_statistics(campaign, TODAY), "+考评", TODAY)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("'+考评 依申请公开统计")
    assert "\r\n'=cmd|' /C calc'!A0,10,10,7," in text
    assert not any(line.startswith(("=", "+", "-", "@")) or ",=" in line for line in lines)
    assert "截至2020年11月30日" in lines[0]
