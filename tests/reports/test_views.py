"""The report routes: every role can read them, downloads are attachments, bad input is a clear 4xx."""
from __future__ import annotations

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook

from .conftest import TODAY, QueryCounter, import_data, mark_submitted, scaled_bundle

ROLES = ("admin", "reviewer", "evaluator")
ROUTES = ("/campaigns/{c}/report", "/campaigns/{c}/targets/{t}/report", "/campaigns/{c}/report.xlsx",
          "/campaigns/{c}/targets/{t}/report.xlsx", "/campaigns/{c}/report.json", "/campaigns/{c}/statistics",
          "/campaigns/{c}/statistics.csv", "/campaigns/{c}/targets/{t}/annual-table")


def _urls(campaign_id, target_id=1, today="2020-11-30"):
    return [route.format(c=campaign_id, t=target_id) + f"?today={today}" for route in ROUTES]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_report(login, campaign_id, role):
    browser = login(role)
    for url in _urls(campaign_id):
        assert browser.get(url).status_code == 200, url


def test_anonymous_is_sent_to_login(client, campaign_id):
    for url in _urls(campaign_id):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_unknown_ids_are_404(login, campaign_id):
    browser = login("evaluator")
    target_urls = [url for url in _urls(campaign_id, target_id=999) if "/targets/" in url]
    for url in [*_urls(999), *target_urls]:
        response = browser.get(url)
        assert response.status_code == 404, url
        assert "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("today", ["yesterday", "2020-13-01", "1800-01-01", "2999-12-31"])
def test_bad_dates_are_explained_not_500(login, campaign_id, today):
    browser = login("evaluator")
    for url in _urls(campaign_id, today=today):
        response = browser.get(url)
        assert response.status_code == 400, (url, response.status_code)
        assert "日期" in response.get_data(as_text=True) or "无法" in response.get_data(as_text=True)


def test_xlsx_download_is_an_attachment(login, campaign_id):
    response = login("reviewer").get(f"/campaigns/{campaign_id}/report.xlsx?today=2020-11-30")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert load_workbook(BytesIO(response.data)).sheetnames == ["汇总", "凉州区", "民勤县"]


def test_json_is_the_report_contract(app, login, campaign_id):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.json_report import report_json

    data = json.loads(login("evaluator").get(f"/campaigns/{campaign_id}/report.json?today=2020-11-30").data)
    with app.app_context():
        assert data == report_json(db.session.get(Campaign, campaign_id), TODAY)
    assert set(data["targets"][0]) == {"name", "total", "complete", "scores", "level1", "review"}
    # DESIGN §10.1: usernames; the code only when signed (凉州区 is submitted, 民勤县 a draft).
    assert data["targets"][0]["review"] == {"status": "submitted", "filled_by": "zhang", "reviewed_by": None,
                                            "reviewed_on": None, "code": None}
    assert data["targets"][1]["review"] == {"status": "draft", "filled_by": None, "reviewed_by": None,
                                            "reviewed_on": None, "code": None}


def test_print_page_links_static_css_and_has_no_script(login, campaign_id):
    browser = login("evaluator")
    html = browser.get(f"/campaigns/{campaign_id}/targets/1/report?today=2020-11-30").get_data(as_text=True)
    assert '/static/report-print.css' in html and "<script" not in html and "<style" not in html
    assert "未完成：指标 2、3、4" in html and "人工调整" in html and "合格分" in html and "—" in html
    assert "填报人：<span>张三</span>" in html
    css = browser.get("/static/report-print.css")
    try:
        assert css.status_code == 200 and b"size: A4 landscape" in css.data
    finally:
        css.close()


def test_overview_ranks_and_draws_charts(login, campaign_id):
    html = login("evaluator").get(f"/campaigns/{campaign_id}/report?today=2020-11-30").get_data(as_text=True)
    assert html.index("凉州区") < html.index("民勤县")
    # The charts are images drawn once per change, not inline SVG (DESIGN.md §10.6: a light page).
    assert html.count("<svg") == 0 and html.count("<img") == 3
    assert "未完成（17 项未评）" in html and "<script>" not in html.split("</main>")[0]
    browser = login("evaluator")
    titles = {"totals": "各县区总分", "profile": "一级指标得分率", "heat": "三级指标得分热力图"}
    for name, title in titles.items():
        assert f'/campaigns/{campaign_id}/report/charts/{name}.svg?today=2020-11-30' in html
        svg = browser.get(f"/campaigns/{campaign_id}/report/charts/{name}.svg?today=2020-11-30")
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert svg.get_data(as_text=True).startswith("<svg xmlns=") and title in svg.get_data(as_text=True)
    assert browser.get(f"/campaigns/{campaign_id}/report/charts/other.svg").status_code == 404


def test_overview_ranking_is_paged(login, campaign_id, monkeypatch):
    from tracker.reports import overview

    monkeypatch.setattr(overview, "PAGE_SIZE", 1)
    browser = login("evaluator")
    first = browser.get(f"/campaigns/{campaign_id}/report?today=2020-11-30").get_data(as_text=True)
    second = browser.get(f"/campaigns/{campaign_id}/report?today=2020-11-30&page=2").get_data(as_text=True)
    assert "凉州区" in first and "民勤县" not in first.split("</table>")[0]
    assert "民勤县" in second and "凉州区" not in second.split("</table>")[0]
    assert "page=2" in first
    past = browser.get(f"/campaigns/{campaign_id}/report?today=2020-11-30&page=9").get_data(as_text=True)
    assert "民勤县" in past.split("</table>")[0]  # past the end: the last page
    for bad in ("0", "x", "-1"):
        response = browser.get(f"/campaigns/{campaign_id}/report?page={bad}")
        assert response.status_code == 400 and "页码" in response.get_data(as_text=True)


def test_statistics_page_and_csv(login, campaign_id):
    browser = login("evaluator")
    html = browser.get(f"/campaigns/{campaign_id}/statistics?today=2020-11-30").get_data(as_text=True)
    assert "<svg" in html and "第2次有效拨打" in html and "50.0%" in html and "答复用时中位数" in html
    response = browser.get(f"/campaigns/{campaign_id}/statistics.csv?today=2020-11-30")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"\xef\xbb\xbf")


def test_campaign_page_links_to_reports(login, campaign_id):
    html = login("evaluator").get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'href="/campaigns/{campaign_id}/report">评分报告</a>' in html
    assert f'href="/campaigns/{campaign_id}/statistics">统计</a>' in html


def test_campaign_without_targets(app, login):
    from tests.conftest import join_everyone
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        campaign = Campaign(name="空考评", year=2020, rubric_code="wuwei-2020-county")
        db.session.add(campaign)
        join_everyone(campaign)
        db.session.commit()
        campaign_id = campaign.id
    browser = login("evaluator")
    assert "还没有被考评对象" in browser.get(f"/campaigns/{campaign_id}/report").get_data(as_text=True)
    response = browser.get(f"/campaigns/{campaign_id}/report.xlsx")
    assert response.status_code == 400 and "还没有被考评对象" in response.get_data(as_text=True)
    assert browser.get(f"/campaigns/{campaign_id}/statistics").status_code == 200


@pytest.mark.parametrize("route", ["/campaigns/{c}/report", "/campaigns/{c}/statistics", "/campaigns/{c}/report.xlsx"])
def test_statements_per_page_do_not_grow_with_the_campaign(app, login, campaign_id, route):
    from tracker.extensions import db

    large_id = mark_submitted(app, import_data(app, scaled_bundle(5)))
    browser = login("evaluator")
    counts = []
    for ident in (campaign_id, large_id):
        url = route.format(c=ident) + "?today=2020-11-30"
        browser.get(url)  # warm the per-process caches (rubric, calendar)
        with app.app_context(), QueryCounter(db.engine) as counter:
            assert browser.get(url).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
