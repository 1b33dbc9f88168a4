import pytest
from tests.browser.conftest import browser, chromium_path, live_server, log_in  # noqa
from tests.scoring.helpers import make_campaign, sheet_url
from tests.scoring.test_sheet_entry import fill_whole_sheet


def test_shot(app, browser, live_server, users, login):
    cid, (tid,) = make_campaign(app)
    ev = login("evaluator")
    fill_whole_sheet(app, ev, cid, tid)
    ev.post(f"{sheet_url(cid, tid)}/indicators/1/evidence", data={"url": "https://example.org/a", "note": "栏目"})
    ev.post(f"{sheet_url(cid, tid)}/indicators/10", data={"count": "7", "points": "5", "version": "1"})
    ctx = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    log_in(page, "evaluator")
    page.goto(sheet_url(cid, tid))
    page.locator("#i1").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/shot1.png")
    page.locator("#i16").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/shot2.png")
    page.locator("#f10-points").select_option("5")
    page.click("#i10 button[type=submit]")
    page.wait_for_load_state()
    page.screenshot(path="/tmp/shot3.png")
    ctx.close()
