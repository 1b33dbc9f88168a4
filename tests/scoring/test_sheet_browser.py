"""The score sheet in headless Chromium, under the real CSP (no inline script), on a desktop and on a
390×844 phone (issue 18): rows save as you go without losing each other's input, the live total
counts the whole sheet, a refused row says why in Chinese and stays unsaved, leaving with unsaved
changes asks first, and a submitted sheet cannot be edited."""
from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import log_in
from tests.scoring.helpers import (
    add_online_request,
    make_campaign,
    sheet_url,
    stored_facts,
)

pytestmark = pytest.mark.browser
VIEWPORTS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
REASON = "电话三次均未接通，人工复核"


@pytest.fixture(params=sorted(VIEWPORTS))
def sheet_page(request, browser, live_server, users):
    """A page that fails the test on any script error or CSP violation (the browser's own favicon probe
    aside); `page.dialogs` lists the dialogs the page opened (each dismissed: the user stays)."""
    phone = request.param == "phone"
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=VIEWPORTS[request.param],
                                  is_mobile=phone, has_touch=phone)
    context.set_default_timeout(15000)
    page = context.new_page()
    errors: list[str] = []
    page.dialogs = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(f"{message.text} {message.location.get('url')}")
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")
            and not message.text.startswith("Failed to load resource") else None)  # a refused save answers 400/409

    def on_dialog(dialog):
        page.dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.phone = phone
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations in the browser: {errors}"


def state_of(page, indicator: int):
    return page.locator(f"#i{indicator} .js-save-state")


def leaving_asks(page) -> bool:
    """Close the page as a user would (the browser runs beforeunload): did it ask first?"""
    try:
        with page.expect_event("dialog", timeout=3000) as asked:
            page.close(run_before_unload=True)
    except PlaywrightError:  # the page closed without a question
        return False
    return asked.value.type == "beforeunload" and not page.is_closed()


def test_rows_save_as_you_go_and_the_total_counts_the_whole_sheet(app, sheet_page):
    page = sheet_page
    campaign_id, (target_id,) = make_campaign(app)
    add_online_request(app, campaign_id, "liangzhou")  # indicator 16 (derived): 2 points
    log_in(page, "evaluator")
    page.goto(sheet_url(campaign_id, target_id))
    assert page.locator(".js-total").first.inner_text() == "2"

    page.fill("#f10-count", "12")
    page.press("#f10-count", "Tab")  # the field is left: the row saves
    page.select_option("#f8-points", "2")
    page.click("#i18 summary:has-text('人工调整')")
    page.select_option("#f18-override_points", "1")
    page.fill("#f18-override_reason", REASON)
    page.press("#f18-override_reason", "Tab")

    page.locator(".js-total").first.filter(has_text="10").wait_for()  # 2 (16) + 5 (10) + 2 (8) + 1 (18)
    for indicator in (10, 8, 18):
        state_of(page, indicator).filter(has_text="已保存").wait_for()
    page.locator(".js-sheet-state").filter(has_text="所有修改均已保存").wait_for()
    assert page.locator('[data-level2="申请指导"]').inner_text() == "1"
    assert page.locator("#score-10").inner_text() == "5" and page.input_value("#f10-count") == "12"
    assert page.locator("#i18 .js-override-badge").is_visible()
    assert stored_facts(app, campaign_id, target_id) == {
        10: {"count": 12}, 8: {"points": 2}, 18: {"override": {"points": 1, "reason": REASON}}}
    if page.phone:
        assert_buttons_fit_a_finger(page)
    assert not leaving_asks(page)  # everything is saved: no question


def test_a_refused_row_keeps_its_input_and_leaving_asks_first(app, sheet_page):
    page = sheet_page
    campaign_id, (target_id,) = make_campaign(app)
    log_in(page, "evaluator")
    page.goto(sheet_url(campaign_id, target_id))

    page.fill("#f10-count", "7")
    page.select_option("#f10-points", "5")
    state_of(page, 10).filter(has_text="未保存：分值：").filter(has_text="应在3–4分之间").wait_for()
    assert "points" not in state_of(page, 10).inner_text()
    page.select_option("#f8-points", "2")  # another row saves; the refused one keeps its input
    state_of(page, 8).filter(has_text="已保存").wait_for()
    page.locator(".js-total-note").filter(has_text="指标10").wait_for()
    assert page.locator(".js-total").first.inner_text() == "2"
    assert page.input_value("#f10-points") == "5" and page.input_value("#f10-count") == "7"
    assert "指标10" in page.locator(".js-sheet-state").inner_text()
    assert stored_facts(app, campaign_id, target_id) == {8: {"points": 2}}

    page.click("#i12 summary:has-text('人工调整')")
    page.fill("#f12-override_reason", "原" * 501)  # more than the field takes: the browser stops at 500
    assert len(page.input_value("#f12-override_reason")) == 500
    assert leaving_asks(page)


def test_the_save_button_saves_at_once_and_a_typed_note_is_unsaved_until_then(app, sheet_page):
    page = sheet_page
    campaign_id, (target_id,) = make_campaign(app)
    log_in(page, "evaluator")
    page.goto(sheet_url(campaign_id, target_id))
    page.fill("#f9-note", "栏目中可查到答复情况")  # still in the field: previewed, not yet saved
    state_of(page, 9).filter(has_text="有未保存的修改").wait_for()
    page.click("#i9 button[type=submit]")
    state_of(page, 9).filter(has_text="已保存").wait_for()
    assert page.url.endswith(sheet_url(campaign_id, target_id))  # the page stayed
    assert stored_facts(app, campaign_id, target_id) == {9: {"note": "栏目中可查到答复情况"}}
    assert not leaving_asks(page)


def test_a_submitted_sheet_shows_no_editable_row(app, sheet_page):
    from tracker.extensions import db
    from tracker.scoring.models import ScoreSheet

    page = sheet_page
    campaign_id, (target_id,) = make_campaign(app)
    with app.app_context():
        db.session.add(ScoreSheet(campaign_id=campaign_id, target_id=target_id, status="submitted"))
        db.session.commit()
    log_in(page, "evaluator")
    page.goto(sheet_url(campaign_id, target_id))
    assert "评分表已提交待审核，不能修改" in page.content()
    assert page.locator("form.js-facts fieldset:not([disabled])").count() == 0
    assert page.locator(".js-save-state").count() == 0
    answer = page.evaluate("""async (url) => {
        const token = document.querySelector("input[name=csrf_token]").value;
        const response = await fetch(url, {method: "POST", body: new URLSearchParams({points: "1", csrf_token: token}),
                                           headers: {"Accept": "application/json"}});
        return [response.status, (await response.json()).message];
    }""", f"{sheet_url(campaign_id, target_id)}/indicators/8")
    assert answer[0] == 409 and "凉州区的评分表已提交待审核" in answer[1]
    assert stored_facts(app, campaign_id, target_id) == {}


def assert_buttons_fit_a_finger(page) -> None:
    """Every visible button of the sheet is at least 44 px tall on the phone."""
    small = []
    for button in page.locator(".score-sheet button:visible").all():
        box = button.bounding_box()
        if box is not None and box["height"] < 44:
            small.append((button.inner_text(), box["height"]))
    assert not small, small
