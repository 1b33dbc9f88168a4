"""The live scores of sheet.js in headless Chromium, under the real CSP (no inline script)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.scoring.helpers import make_campaign, sheet_url, stored_facts

pytestmark = pytest.mark.browser


@pytest.fixture
def sheet_page(browser, live_server, users):
    """A page that fails the test on any script error or CSP violation (the browser's own favicon probe aside)."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(f"{message.text} {message.location.get('url')}")
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations in the browser: {errors}"


def test_scores_update_live_and_saving_keeps_them(app, sheet_page):
    page = sheet_page
    campaign_id, (target_id,) = make_campaign(app)
    log_in(page, "evaluator")
    page.goto(sheet_url(campaign_id, target_id))
    page.fill("#f10-count", "12")
    page.locator("#score-10").filter(has_text="5").wait_for()
    assert page.locator(".js-total").first.inner_text() == "5"
    assert page.locator('[data-level2="重点领域信息"]').inner_text() == "5"
    assert page.locator('[data-level1="主动公开"]').inner_text() == "5"
    assert "尚未保存" in page.locator("#i10 .js-preview").inner_text()
    assert stored_facts(app, campaign_id, target_id) == {}

    page.fill("#f10-count", "7")
    page.select_option("#f10-points", "5")
    page.locator("#i10 .js-preview").filter(has_text="应在3–4分之间").wait_for()

    page.select_option("#f10-points", "4")
    page.locator("#score-10").filter(has_text="4").wait_for()
    page.click("#i10 button[type=submit]")
    page.wait_for_url("**#i10")
    assert "指标10“三大攻坚战信息”已保存" in page.content()
    assert stored_facts(app, campaign_id, target_id) == {10: {"count": 7, "points": 4}}
