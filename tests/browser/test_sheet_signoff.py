"""Fill the last indicator of a score sheet, submit it, sign it off as the reviewer, download the xlsx report —
on a desktop and on a 390×844 phone (issue 18)."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import assert_fits, log_in, open_nav, screenshot

TODAY = date(2024, 11, 1)


@pytest.fixture
def finished_county(app, monkeypatch):
    """The demo's 凉州区, every request answered, every fact but indicator 9's entered, not yet submitted."""
    from tracker.bundles.importer import import_bundle
    from tracker.calendar.service import current_calendar
    from tracker.demo.data import build_demo
    from tracker.extensions import db
    from tracker.scoring.rubric_store import get_rubric
    from tracker.law.workdays import BEIJING

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime.combine(TODAY, time(10, 0), tzinfo=BEIJING))
    with app.app_context():
        data = build_demo("浏览器审核", TODAY, current_calendar(), get_rubric("wuwei-2020-county"), ("evaluator", "li"))
        data["targets"] = data["targets"][:1]
        data["requests"] = [r for r in data["requests"] if r["target"] == "liangzhou"]
        data["facts"] = {"liangzhou": {k: v for k, v in data["facts"]["liangzhou"].items() if k != "9"}}
        data.pop("reviews")
        data["team"] += [{"username": "evaluator", "name": "张填报", "email": "evaluator@example.org", "role": "evaluator"},
                         {"username": "reviewer", "name": "李审核", "email": "reviewer@example.org", "role": "reviewer"}]
        summary = import_bundle(None, data)
        db.session.commit()
        return summary.campaign.id, summary.campaign.targets[0].id


def test_fill_submit_sign_and_download(screen, finished_county, tmp_path):
    page = screen
    campaign_id, target_id = finished_county
    sheet_url = f"/campaigns/{campaign_id}/targets/{target_id}/sheet"
    log_in(page, "evaluator")
    page.goto(sheet_url)
    page.select_option("#f9-passed", "true")
    page.click("#i9 button[type=submit]")
    page.wait_for_url(f"**{sheet_url}*")
    page.click("text=提交审核")
    assert "待审核" in page.content()
    screenshot(page, "sheet")
    assert_fits(page)  # Table 2 scrolls inside its own box
    open_nav(page)
    page.click("nav button[type=submit]")  # 退出

    log_in(page, "reviewer")
    page.goto(sheet_url)
    page.click("text=审核通过…（下一步确认）")  # the confirmation step shows what will be signed
    shown = page.inner_text("#sign-code")
    assert_fits(page)
    page.click("text=确认签字并锁定")
    content = page.content()
    assert "已审核" in content and "李审核" in content and page.inner_text("#verification-code") == shown

    page.goto(f"/campaigns/{campaign_id}/report")
    with page.expect_download() as download_info:
        page.click("text=下载 Excel（全部县区）")
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    workbook = load_workbook(path)
    assert "凉州区" in workbook.sheetnames
    values = [cell.value for row in workbook["凉州区"].iter_rows() for cell in row if cell.value is not None]
    assert "李审核" in " ".join(str(v) for v in values) and shown in values
