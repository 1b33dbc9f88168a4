"""The demo campaign's dashboard in a real browser, on a desktop and on a 390×844 phone: work on it, every
item linking to where it is done; true counts whose 查看全部 opens the request list filtered to the same
requests; the campaign selector; no "已逾期 0 个工作日" on a Saturday (issue 18)."""
from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest

from tests.browser.conftest import assert_fits, log_in, screenshot

TODAY = date(2024, 11, 1)  # a Friday, a working day
SATURDAY = date(2024, 11, 2)
SECTIONS = {"#phone-tests": "status=phone_open", "#due-soon": "due_within", "#overdue": "status=overdue", "#letters": "status=letter_unsigned",
            "#clarifications": "status=awaiting_clarification", "#not-received": "status=not_sent"}


@pytest.fixture
def demo_on(app, monkeypatch):
    """Loads the demo anchored on TODAY and freezes the clock at 10:00 Beijing time of the given day."""
    from tracker.demo.loader import load_demo
    from tracker.extensions import db
    from tracker.law.workdays import BEIJING

    def _load(day: date) -> None:
        monkeypatch.setitem(app.config, "FROZEN_NOW", datetime.combine(day, time(10, 0), tzinfo=BEIJING))
        with app.app_context():
            load_demo(TODAY)
            db.session.commit()
    return _load


def _card_total(page, section: str) -> int:
    """（3） or （显示 10 / 共 12） in the card's header: the true count."""
    header = page.locator(f"{section}").locator("xpath=preceding-sibling::div[contains(@class,'card-header')]")
    return int(re.findall(r"\d+", header.inner_text().split("（", 1)[1])[-1])


def test_every_count_is_true_and_see_all_opens_the_same_requests(screen, demo_on):
    demo_on(TODAY)
    log_in(screen, "admin")
    assert screen.locator("#f-campaign option").count() >= 2  # 全部考评 and the demo
    assert_fits(screen)
    for section, wanted in SECTIONS.items():
        total = _card_total(screen, section)
        assert total >= 1, section
        link = screen.locator(f"{section}").locator("xpath=preceding-sibling::div//a[text()='查看全部']")
        link.click()
        screen.wait_for_url(f"**/requests?*{wanted}*")
        assert f"共 {total} 件" in screen.inner_text("main"), section
        assert_fits(screen)
        screen.go_back()


def test_a_saturday_says_overdue_without_zero_days(screen, demo_on):
    demo_on(SATURDAY)
    log_in(screen, "admin")
    overdue = screen.inner_text("#overdue")
    assert "已逾期" in overdue and "已逾期 0 个工作日" not in overdue
    screen.locator("#overdue a").first.click()
    assert "已逾期0个工作日" not in screen.inner_text("main")


def test_demo_dashboard_has_work_on_it(page, demo_on):
    demo_on(TODAY)
    log_in(page, "admin")
    # No demo sheet waits for review: a submitted sheet would lock its county's requests, which the demo
    # keeps in progress (DESIGN.md §10.1); the signed 凉州区 shows the end of the workflow instead.
    for section in ("#phone-tests", "#due-soon", "#overdue", "#letters", "#clarifications"):
        assert page.locator(f"{section} a").count() >= 1, section
    assert page.locator("#sheets").count() == 1
    assert "第2次（共3次）" in page.locator("#phone-tests").inner_text()
    assert "今天到期" in page.locator("#due-soon").inner_text()
    screenshot(page, "dashboard")
    page.locator("#overdue a").first.click()
    assert "答复期限" in page.content()


MAIN_PAGES = ("/", "/campaigns/", "/campaigns/{c}", "/campaigns/{c}/requests", "/campaigns/{c}/sheets",
              "/campaigns/{c}/report", "/campaigns/{c}/statistics", "/campaigns/{c}/targets/{t}",
              "/campaigns/{c}/targets/{t}/sheet", "/campaigns/{c}/requests/new", "/requests/{r}", "/requests/{r}/reply",
              "/reminders", "/settings", "/verify", "/admin/users", "/admin/audit", "/admin/calendar/",
              "/admin/import", "/admin/outbox")


@pytest.mark.parametrize("screen", ["phone"], indirect=True)
def test_no_main_page_scrolls_sideways_on_a_phone(screen, demo_on, app):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    demo_on(TODAY)
    with app.app_context():
        request = db.session.scalars(select(MockRequest).where(MockRequest.channel == "mail")).first()
        ids = {"c": request.campaign_id, "t": request.target_id, "r": request.id}
    log_in(screen, "admin")
    for path in MAIN_PAGES:
        screen.goto(path.format(**ids))
        assert screen.locator("main").count() == 1, path
        assert_fits(screen)
