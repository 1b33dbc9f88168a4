"""Issue 18, the phone test in the field, in a real browser at desktop size and on a phone (390×844):
calls entered after the fact, a call made now with 接通 → 是否正确告知, no one-click buttons on a
Saturday, the guidance number as a tel: link, buttons a fingertip tall, a confirm before deleting a call."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.browser.conftest import ASSET_TYPES, log_in
from tests.conftest import join_everyone

VIEWPORTS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
MIN_TAP_HEIGHT = 44


@pytest.fixture(params=sorted(VIEWPORTS))
def screen(request, browser, live_server, users):
    """A page at each viewport (the phone one as a touch device); fails the test on script or asset errors."""
    mobile = request.param == "phone"
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=VIEWPORTS[request.param],
                                  is_mobile=mobile, has_touch=mobile)
    context.set_default_timeout(15000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type in ASSET_TYPES else None)
    page.viewport_name = request.param
    yield page
    context.close()
    assert not errors, f"JavaScript errors or failed assets in the browser: {errors}"


@pytest.fixture
def at_beijing(app, monkeypatch):
    from tracker.law.workdays import BEIJING

    def _freeze(iso: str) -> None:
        monkeypatch.setitem(app.config, "FROZEN_NOW", datetime.fromisoformat(iso).replace(tzinfo=BEIJING))

    return _freeze


@pytest.fixture
def phone_test(app, users):
    """A phone test of 古浪县 (guidance number 0935-0000002); returns its page's path."""
    from tracker.campaigns import operations as campaigns
    from tracker.extensions import db
    from tracker.requests.operations import create_request

    with app.app_context():
        campaign = campaigns.create_campaign(None, {"name": "电话测试", "year": 2020, "rubric_code": "wuwei-2020-county"})
        join_everyone(campaign)
        campaigns.create_target(None, campaign, {"key": "gulang", "name": "古浪县", "guide_phone": "0935-0000002"})
        row = create_request(None, campaign, {"target": "gulang", "owner": "evaluator", "channel": "phone",
                                              "purpose": "18", "phone": {"question": "预算公开在哪里？"}})
        db.session.commit()
        return f"/requests/{row.id}"


def enter_past_call(page, day: str | None, clock: str, connected: bool = False) -> None:
    if day is not None:
        page.fill("#f-at-date", day)
    page.fill("#f-at-time", clock)
    page.select_option("#f-connected", "true" if connected else "false")
    page.click("#past-call button[type=submit]")
    page.wait_for_load_state()


def test_two_calls_of_a_past_day_entered_after_the_fact(screen, phone_test, at_beijing):
    at_beijing("2020-09-03 10:00")
    log_in(screen, "evaluator")
    screen.goto(phone_test)
    enter_past_call(screen, "2020-09-02", "09:10")
    assert screen.input_value("#f-at-date") == "2020-09-02"  # the day is kept for the next call
    enter_past_call(screen, None, "10:20")
    phone = screen.locator("#phone").inner_text()
    assert screen.locator("#phone tbody tr").count() == 2
    assert "第1次" in phone and "第2次" in phone
    assert "请新建" not in phone and "本次测试作废" not in phone
    assert "如当日还有拨打，请补录" in phone


def test_a_call_now_in_office_hours_then_connected_asks_whether_correctly_told(screen, phone_test, at_beijing):
    at_beijing("2020-09-02 09:30")
    log_in(screen, "evaluator")
    screen.goto(phone_test)
    screen.click("#call-now button[value=true]")
    screen.wait_for_url("**#phone-answer")
    question = screen.locator("#phone-answer")
    assert "是否正确告知" in question.inner_text()
    box = question.bounding_box()
    assert 0 <= box["y"] < VIEWPORTS[screen.viewport_name]["height"]  # in view at once, nothing to scroll
    screen.click("#phone-answer button[value=true]")
    screen.wait_for_load_state()
    assert "是否正确告知：是" in screen.locator("#phone").inner_text()
    assert screen.locator("#phone-answer").count() == 0


def test_no_call_now_buttons_on_a_saturday_morning(screen, phone_test, at_beijing):
    at_beijing("2020-09-05 05:05")
    log_in(screen, "evaluator")
    screen.goto(phone_test)
    assert screen.locator("#call-now").count() == 0
    assert "不是工作日" in screen.locator("#call-now-refusal").inner_text()
    assert screen.locator("#past-call").is_visible()


def test_the_guidance_number_is_a_tel_link(screen, phone_test, at_beijing):
    at_beijing("2020-09-02 09:30")
    log_in(screen, "evaluator")
    screen.goto(phone_test)
    link = screen.locator('#phone a[href^="tel:"]').first
    assert link.get_attribute("href") == "tel:09350000002" and link.inner_text() == "0935-0000002"


def test_every_action_button_is_a_fingertip_tall_on_a_phone(screen, phone_test, at_beijing):
    if screen.viewport_name != "phone":
        pytest.skip("the 44 px rule is for the phone's viewport")
    at_beijing("2020-09-02 09:30")
    log_in(screen, "evaluator")
    screen.goto(phone_test)
    enter_past_call(screen, "2020-09-02", "09:10")  # a row with its 删除 button
    heights = _button_heights(screen)
    assert "未接通" in heights and "删除" in heights and "补录" in heights and "作废" in heights
    assert {label: h for label, h in heights.items() if h < MIN_TAP_HEIGHT} == {}
    screen.click("#call-now button[value=true]")
    screen.wait_for_url("**#phone-answer")
    heights = _button_heights(screen)
    assert "是，正确告知" in heights
    assert {label: h for label, h in heights.items() if h < MIN_TAP_HEIGHT} == {}


def _button_heights(page) -> dict[str, float]:
    """The smallest height of each visible action button of the page's main part, by its label."""
    heights: dict[str, float] = {}
    for button in page.locator("main button:visible, main .btn:visible").all():
        label = button.inner_text().strip()
        heights[label] = min(heights.get(label, 1e9), button.bounding_box()["height"])
    return heights


def test_deleting_a_call_asks_first(screen, phone_test, at_beijing):
    at_beijing("2020-09-03 10:00")
    log_in(screen, "evaluator")
    screen.goto(phone_test)
    enter_past_call(screen, "2020-09-02", "09:10")
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    screen.once("dialog", lambda dialog: answer(dialog, False))
    screen.click("#phone tbody button:has-text('删除')")
    assert questions == ["确定删除这条拨打记录？"] and screen.locator("#phone tbody tr td.text-muted").count() == 0
    screen.once("dialog", lambda dialog: answer(dialog, True))
    screen.click("#phone tbody button:has-text('删除')")
    screen.wait_for_load_state()
    assert "还没有拨打记录" in screen.locator("#phone").inner_text()
