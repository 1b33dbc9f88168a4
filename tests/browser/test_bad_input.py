"""Bad input everywhere, in a real browser on a desktop and on a 390×844 phone (issue 18): each form answers
with a Chinese message naming the field in Chinese (never `password`, `working_days`, a raw choice list
or `(override.reason)`), and nothing is saved."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_fits, log_in

RAW_NAME = re.compile(r"[a-z]+_[a-z_]+|\(\w+\.\w+\)|\bpassword\b|\bemail\b")


def error_summary(page) -> str:
    """The form's error summary, checked to name no internal field."""
    text = page.inner_text("main .alert-danger")
    assert not RAW_NAME.search(text), text
    assert_fits(page)
    return text


@pytest.fixture
def county_request(app, users):
    """古浪县 (office hours 09:00–12:00) with an online request; returns (campaign id, target id, request id)."""
    from tests import factories as make
    from tests.requests.test_views import ONLINE_2020, make_request
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("错误输入")
        target = make.target(campaign, "gulang", "古浪县", guide_phone="0935-0000002")
        db.session.commit()
        ids = {"campaign": campaign.id, "target": target.id}
    return ids["campaign"], ids["target"], make_request(app, ids, target="gulang", **ONLINE_2020)


def _count(app, model) -> int:
    from sqlalchemy import func, select

    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_wrong_password_is_one_plain_message(screen):
    screen.goto("/login")
    screen.fill("#f-username", "admin")
    screen.fill("#f-password", "wrong-password")
    screen.click("main button[type=submit]")
    assert "用户名或密码错误" in error_summary(screen)
    assert "未保存" not in screen.inner_text("main")  # nothing was being saved


def test_a_user_with_a_bad_email_is_refused(screen, app):
    from tracker.users.models import User

    before = _count(app, User)
    log_in(screen, "admin")
    screen.goto("/admin/users/new")
    screen.fill("#f-username", "zhao liu")  # a space
    screen.fill("#f-email", "zhaoliu-at-example")
    screen.evaluate("document.querySelector('#f-email').type = 'text'")  # past the browser's own check
    screen.click("main button[type=submit]")
    summary = error_summary(screen)
    assert "用户名" in summary and "邮箱" in summary
    assert _count(app, User) == before


def test_overlapping_office_hours_are_refused_quoting_the_overlap(screen, county_request):
    campaign_id, target_id, _ = county_request
    log_in(screen, "admin")
    screen.goto(f"/campaigns/{campaign_id}/targets/{target_id}/edit")
    screen.fill("#f-office_hours", "09:00-12:00，11:30—13:00")
    screen.click("main button[type=submit]")
    summary = error_summary(screen)
    assert "办公时间" in summary and "11:30" in summary
    screen.goto(f"/campaigns/{campaign_id}/targets/{target_id}")
    assert "11:30" not in screen.inner_text("main")


def test_a_reply_dated_in_the_future_and_a_bad_extension_are_refused(screen, app, county_request):
    from tracker.requests.models import RequestEvent

    _, _, request_id = county_request
    log_in(screen, "evaluator")
    screen.goto(f"/requests/{request_id}/reply")
    screen.select_option("#f-outcome", "already_public")
    screen.fill("#f-dispatched_on", "2099-01-04")
    screen.click("#reply-form button[type=submit]")
    assert "答复日期" in error_summary(screen)
    screen.goto(f"/requests/{request_id}")
    assert "尚未收到答复" in screen.inner_text("main")

    events = _count(app, RequestEvent)
    screen.select_option("#f-type", "extended")
    screen.fill("#f-on", "2020-09-10")
    screen.fill("#f-working_days", "30")  # at most 20 (第三十三条)
    screen.click("form[action$='/events'] button[type=submit]")
    assert "工作日数" in error_summary(screen)
    assert _count(app, RequestEvent) == events


def test_a_wrong_current_password_is_named_in_chinese(screen):
    log_in(screen, "evaluator")
    screen.goto("/password")
    screen.fill("#f-current_password", "not-my-password")
    screen.fill("#f-new_password", "a-new-long-password-2026")
    screen.fill("#f-confirm", "a-new-long-password-2026")
    screen.click("main button[type=submit]")
    assert "当前密码" in error_summary(screen)
