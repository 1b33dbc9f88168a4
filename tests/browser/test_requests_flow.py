"""The evaluator's main request flows in a real browser: a phone test of three attempts; on a desktop and
on a 390×844 phone (issue 18) a request on each of the online, oral and mail channels, 补正 and an
extension moving the due date, replies with the page's verdict (normative or not, and why; a fee
highlighted), the read-only county page, search by number and 返回列表 keeping the filters."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_fits, log_in, screenshot


@pytest.fixture
def campaign_id(app, users):
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("浏览器流程")
        make.target(campaign, "gulang", "古浪县", guide_phone="0935-0000002", legal_representative="演示某（虚构）")
        db.session.commit()
        return campaign.id


def _new_request(page, campaign_id, channel, purpose):
    page.goto(f"/campaigns/{campaign_id}/requests/new")
    page.select_option("#f-target", label="古浪县")
    page.select_option("#f-channel", channel)
    page.select_option("#f-purpose", purpose)
    page.click("main button[type=submit]")


def _log_attempt(page, at, connected):
    """Through "补录已拨打的电话": the day and the time of a call made earlier."""
    day, clock = at.split("T")
    page.fill("#f-at-date", day)
    page.fill("#f-at-time", clock)
    page.select_option("#f-connected", "true" if connected else "false")
    page.click("#past-call button[type=submit]")


def test_phone_test_with_three_attempts(page, campaign_id, app, monkeypatch):
    from datetime import datetime

    from tracker.law.workdays import BEIJING

    # Late on the test day: the three calls entered after the fact all lie in the past.
    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2020, 9, 2, 16, 0, tzinfo=BEIJING))
    log_in(page, "evaluator")
    _new_request(page, campaign_id, "phone", "18")
    page.fill("#f-submitted_at", "2020-09-02T09:00")
    page.fill('[name="phone.question"]', "本县2020年财政预算在哪里公开？")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/requests/*")
    _log_attempt(page, "2020-09-02T09:05", False)
    assert "第2次（共3次）" in page.locator("#phone").inner_text()
    _log_attempt(page, "2020-09-02T10:40", False)
    _log_attempt(page, "2020-09-02T15:20", False)
    phone = page.locator("#phone").inner_text()
    assert "测试已完成" in phone or "三次" in phone
    assert page.locator("#phone tbody tr").count() == 3
    screenshot(page, "phone-test")


def _due_date(page) -> str:
    return page.locator("xpath=//dt[text()='答复期限']/following-sibling::dd[1]").inner_text()


def _add_event(page, kind: str, on: str, working_days: str = "") -> None:
    page.select_option("#f-type", kind)
    page.fill("#f-on", on)
    if working_days:
        page.fill("#f-working_days", working_days)
    page.click("form[action$='/events'] button[type=submit]")
    page.wait_for_url("**/requests/*")


def _reply(page, outcome: str, form: str, dispatched_on: str, fee: str = "") -> None:
    page.click("text=登记答复")
    page.select_option("#f-outcome", outcome)
    page.select_option("#f-form", form)
    page.fill("#f-dispatched_on", dispatched_on)
    page.check("#f-told_route")
    if fee:
        page.fill("#f-fee_charged", fee)
    page.click("#reply-form button[type=submit]")
    page.wait_for_url("**/requests/*")


def test_online_request_with_clarification_extension_and_a_fee(screen, campaign_id):
    log_in(screen, "evaluator")
    _new_request(screen, campaign_id, "online", "16")
    screen.fill("#f-submitted_at", "2020-09-01T10:00")
    screen.select_option('[name="online.window_active"]', "true")
    screen.select_option('[name="online.accepted"]', "true")
    screen.fill('[name="online.confirmed_on"]', "2020-09-01")
    screen.click("main form button[type=submit]")
    screen.wait_for_url(re.compile(r".*/requests/\d+$"))
    request_url = screen.url
    first_due = _due_date(screen)
    assert_fits(screen)

    _add_event(screen, "clarification_requested", "2020-09-04", "10")
    assert "要求补正" in screen.inner_text("#events ~ table") and _due_date(screen) != first_due
    _add_event(screen, "clarified", "2020-09-10")  # the 20 working days start again (第三十条)
    restarted = _due_date(screen)
    assert restarted != first_due
    _add_event(screen, "extended", "2020-09-25", "20")
    assert _due_date(screen) != restarted and "延长答复期限" in screen.inner_text("#events ~ table")

    _reply(screen, "already_public", "platform", "2020-10-20", fee="10")
    verdict = screen.locator(".reply-verdict")
    assert "答复不规范" in verdict.inner_text() and "收取费用 10 元" in verdict.inner_text()
    fee = screen.locator("xpath=//th[text()='收取费用']/following-sibling::td[1]")
    assert "text-danger" in fee.get_attribute("class") and "模拟申请不应收费" in fee.inner_text()
    assert_fits(screen)

    # Found again by its number; 返回列表 goes back to the filtered list.
    key = screen.locator("h1").inner_text().split()[-1]
    screen.goto(f"/campaigns/{campaign_id}/requests?channel=online&key={key}")
    assert "共 1 件" in screen.inner_text("main")
    assert_fits(screen)
    screen.click(f"main table a:text-is('{key}')")
    screen.click("text=返回列表")
    assert "channel=online" in screen.url and f"key={key}" in screen.url
    assert request_url


def test_oral_request_answered_on_the_spot_is_normative(screen, campaign_id):
    log_in(screen, "evaluator")
    _new_request(screen, campaign_id, "oral", "17")
    screen.fill("#f-submitted_at", "2020-09-02T10:00")
    screen.select_option('[name="oral.filled_in_for_applicant"]', "true")
    screen.click("main form button[type=submit]")
    screen.wait_for_url(re.compile(r".*/requests/\d+$"))
    assert "2020年9月2日" in screen.inner_text("main")  # received the day it was made (第三十一条)
    _reply(screen, "already_public", "on_the_spot", "2020-09-02")
    verdict = screen.locator(".reply-verdict")
    assert "规范答复" in verdict.inner_text() and "alert-success" in verdict.get_attribute("class")
    assert_fits(screen)


def test_the_team_reads_the_county_page(screen, campaign_id):
    log_in(screen, "evaluator")
    screen.goto(f"/campaigns/{campaign_id}")
    screen.click("main table a:text-is('古浪县')")
    county = screen.inner_text("main")
    assert "0935-0000002" in county and "演示某（虚构）" in county and "通讯地址" in county
    assert screen.locator("main a:text-is('编辑')").count() == 0  # read-only for the team
    assert_fits(screen)


def test_mailed_letter_delivery_and_reply(screen, campaign_id):
    page = screen
    log_in(page, "evaluator")
    _new_request(page, campaign_id, "mail", "20")
    assert page.input_value('[name="letter.addressee"]') == "演示某（虚构）"
    assert page.input_value('[name="letter.marked"]') == "重要部署申请"
    page.fill("#f-submitted_at", "2020-09-23T10:00")
    page.fill('[name="letter.posted_on"]', "2020-09-23")
    page.fill('[name="letter.tracking_number"]', "XA000000014CN")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/requests/*")
    assert "未收到" in page.content() or "尚未收到" in page.content()
    page.click("text=编辑")
    page.fill('[name="letter.delivered_on"]', "2020-09-25")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/requests/*")
    assert "2020年10月29日" in page.content()  # 20 working days after Fri 25 Sep across National Day
    page.click("text=登记答复")
    page.select_option("#f-outcome", "already_public")
    page.fill("#f-dispatched_on", "2020-10-28")
    page.check("#f-told_route")
    page.click("#reply-form button[type=submit]")
    page.wait_for_url("**/requests/*")
    assert "按期答复" in page.content()
    assert "规范答复" in page.inner_text(".reply-verdict")
    assert_fits(page)
    screenshot(page, "request")
