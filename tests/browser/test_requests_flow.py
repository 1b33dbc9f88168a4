"""The evaluator's main request flows in a real browser: a phone test of three attempts, a mailed letter
with its delivery and a reply."""
from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, screenshot


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

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2020, 9, 2, 9, 0, tzinfo=BEIJING))
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


def test_mailed_letter_delivery_and_reply(page, campaign_id):
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
    screenshot(page, "request")
