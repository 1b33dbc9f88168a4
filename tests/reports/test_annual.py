"""The annual-report table (国办公开办函〔2021〕30号 第三部分) filled from the mock requests."""
from __future__ import annotations

from datetime import date

import pytest

from tracker.reports.annual import (
    CARRIED,
    COLUMNS,
    NEW,
    NEXT,
    TOTAL,
    UNSTATED,
    Entry,
    annual_table,
    build_rows,
    tally_rows,
)

YEAR_END = date(2020, 12, 31)


@pytest.mark.parametrize(("outcome", "row"), [
    ("already_public", "一.1"),
    ("disclosed", "一.1"),
    ("partially_disclosed", "二.1"),
    ("withheld", UNSTATED),
    ("not_held", "四.1"),
    ("not_responsible", "四.1"),
    ("not_an_ogi_request", "五.1"),
    ("duplicate", "五.2"),
    ("special_law", "六.3"),
])
def test_each_outcome_has_its_row(outcome, row):
    counts = tally_rows([Entry(date(2020, 9, 1), date(2020, 9, 20), outcome)], 2020, YEAR_END)
    assert counts == {NEW: 1, row: 1, TOTAL: 1}


@pytest.mark.parametrize(("entry", "expected"), [
    (Entry(date(2020, 12, 20), None, None), {NEW: 1, NEXT: 1}),
    (Entry(date(2020, 12, 20), date(2021, 1, 5), "disclosed"), {NEW: 1, NEXT: 1}),
    (Entry(date(2019, 12, 20), date(2020, 1, 10), "disclosed"), {CARRIED: 1, "一.1": 1, TOTAL: 1}),
    (Entry(date(2019, 12, 1), date(2019, 12, 15), "disclosed"), {}),
    (Entry(date(2021, 1, 4), None, None), {}),
])
def test_year_boundaries(entry, expected):
    assert tally_rows([entry], 2020, YEAR_END) == expected


def test_known_on_the_day_of_the_table():
    entry = Entry(date(2020, 9, 1), date(2020, 10, 9), "disclosed")
    assert tally_rows([entry], 2020, date(2020, 10, 1)) == {NEW: 1, NEXT: 1}


def test_rows_follow_the_template():
    rows = build_rows(tally_rows([Entry(date(2020, 9, 1), None, None)], 2020, YEAR_END))
    keys = [row.key for row in rows]
    assert keys[:3] == [NEW, CARRIED, "一.1"] and keys[-2:] == [TOTAL, NEXT]
    assert len(keys) == 2 + 2 + 9 + 3 + 5 + 3 + 1 + 1  # 一二, (一)(二), (三)1–8+未注明, (四), (五), (六), (七), 四
    results = [row for row in rows if row.key not in (NEW, CARRIED, NEXT)]
    assert results[0].labels[0].text == "三、本年度办理结果" and results[0].labels[0].rowspan == len(results)
    withheld = next(row for row in rows if row.key == "三.1")
    assert [cell.text for cell in withheld.labels] == ["（三）不予公开", "1.属于国家秘密"]
    assert withheld.labels[0].rowspan == 9
    assert rows[0].counts == (1, 0, 0, 0, 0, 0, 1) and len(COLUMNS) == 7


@pytest.mark.parametrize(("target", "expected"), [
    (0, {NEW: 10, CARRIED: 0, "一.1": 5, "二.1": 1, UNSTATED: 1, "六.3": 1, TOTAL: 8, NEXT: 2}),
    (1, {NEW: 2, CARRIED: 0, TOTAL: 0, NEXT: 2}),  # MQ-20's letter came back: never received
])
def test_bundle_counts(campaign, target, expected):
    table = annual_table(campaign, campaign.targets[target], date(2021, 1, 15))
    assert {key: table.count(key) for key in expected} == expected
    assert table.count(NEW) + table.count(CARRIED) == table.count(TOTAL) + table.count(NEXT)


def test_annual_page(login, campaign_id):
    browser = login("evaluator")
    page = browser.get(f"/campaigns/{campaign_id}/targets/1/annual-table?today=2021-01-15")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("一、本年新收政府信息公开申请数量", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息",
                 "四、结转下年度继续办理", "自然人", "法律服务机构", "※未注明理由", "说明", "国办公开办函〔2021〕30号"):
        assert text in html
    assert '<tr data-row="七"><th scope="row" rowspan="1" colspan="2" class="fw-normal">（七）总计</th>' in html
