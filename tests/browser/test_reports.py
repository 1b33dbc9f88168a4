"""Every report page of the demo campaign in a real browser, on a desktop and on a 390×844 phone (issue 18):
the ranked overview with its charts, the print sheet (no /favicon.ico 404), the xlsx download, the
依申请公开 statistics and the annual-report table; on the phone no page scrolls sideways."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import assert_fits, log_in

TODAY = date(2024, 11, 1)  # a Friday


@pytest.fixture
def demo(app, monkeypatch):
    from sqlalchemy import select

    from tracker.campaigns.models import Campaign
    from tracker.demo.loader import load_demo
    from tracker.extensions import db
    from tracker.law.workdays import BEIJING

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime.combine(TODAY, time(10, 0), tzinfo=BEIJING))
    with app.app_context():
        load_demo(TODAY)
        db.session.commit()
        campaign = db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).first()
        return campaign.id, {target.name: target.id for target in campaign.targets}


def test_the_overview_ranks_the_counties_and_shows_its_charts(screen, demo):
    campaign_id, _ = demo
    log_in(screen, "admin")
    screen.goto(f"/campaigns/{campaign_id}/report")
    table = screen.locator("main table").first.inner_text()
    assert all(name in table for name in ("凉州区", "民勤县", "古浪县", "天祝藏族自治县"))
    assert "核验码" in table  # the signed 凉州区
    charts = screen.locator("figure.report-chart img")
    assert charts.count() >= 2
    for index in range(charts.count()):
        charts.nth(index).scroll_into_view_if_needed()
        screen.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=charts.nth(index).element_handle())
    assert_fits(screen)


def test_the_print_sheet_asks_for_nothing_missing(screen, demo):
    campaign_id, targets = demo
    missing: list[str] = []
    screen.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    log_in(screen, "admin")
    screen.goto(f"/campaigns/{campaign_id}/targets/{targets['凉州区']}/report")
    screen.wait_for_load_state("networkidle")
    assert "凉州区" in screen.inner_text("body") and "核验码" in screen.inner_text("body")
    assert missing == []  # the browser's own /favicon.ico probe included


def test_the_excel_report_downloads(screen, demo, tmp_path):
    campaign_id, _ = demo
    log_in(screen, "admin")
    screen.goto(f"/campaigns/{campaign_id}/report")
    with screen.expect_download() as download:
        screen.click("text=下载 Excel（全部县区）")
    path = tmp_path / "report.xlsx"
    download.value.save_as(path)
    assert {"凉州区", "民勤县", "古浪县", "天祝藏族自治县"} <= set(load_workbook(path).sheetnames)


def test_the_statistics_and_the_annual_table(screen, demo):
    campaign_id, targets = demo
    log_in(screen, "admin")
    screen.goto(f"/campaigns/{campaign_id}/statistics")
    assert "依申请公开统计" in screen.inner_text("h1")
    assert screen.locator("figure.report-chart svg").count() == 1
    assert screen.locator("table.stats-table").count() >= 3
    assert_fits(screen)
    screen.goto(f"/campaigns/{campaign_id}/targets/{targets['民勤县']}/annual-table")
    assert "民勤县" in screen.inner_text("main")
    assert_fits(screen)
