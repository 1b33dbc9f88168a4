"""The demo campaign's dashboard in a real browser: work on it, every item linking to where it is done."""
from __future__ import annotations

from datetime import date, datetime, time

from tests.browser.conftest import log_in, screenshot

TODAY = date(2024, 11, 1)  # a Friday, a working day


def test_demo_dashboard_has_work_on_it(page, app, monkeypatch):
    from tracker.demo.loader import load_demo
    from tracker.extensions import db
    from tracker.law.workdays import BEIJING

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime.combine(TODAY, time(10, 0), tzinfo=BEIJING))
    with app.app_context():
        load_demo(TODAY)
        db.session.commit()
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
