"""The reminders page and the calendar feed are reachable (issue 18): the navigation links to 提醒,
个人设置 links to the reminder setting and the feed, and the horizon is set in one place only."""
from __future__ import annotations

import re

from sqlalchemy import select


def horizon(app):
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        return db.session.scalar(select(User.remind_working_days).where(User.username == "evaluator"))


def test_the_navigation_links_to_the_reminders(login):
    page = login("evaluator").get("/campaigns/").get_data(as_text=True)
    nav = page.split("</nav>", 1)[0]
    assert re.search(r'<a class="nav-link[^"]*" href="/reminders">提醒</a>', nav)


def test_settings_link_to_the_one_reminder_setting_and_the_feed(app, login):
    evaluator = login("evaluator")
    page = evaluator.get("/settings").get_data(as_text=True)
    assert 'name="remind_working_days"' not in page  # set on the reminders page only
    assert 'href="/reminders#reminder-settings"' in page and 'href="/reminders#calendar-feed"' in page
    assert "日历订阅" in page and "期限提醒" in page
    reminders = evaluator.get("/reminders").get_data(as_text=True)
    assert reminders.count('name="remind_working_days"') == 1
    assert 'id="reminder-settings"' in reminders and 'id="calendar-feed"' in reminders


def test_saving_settings_keeps_the_reminder_horizon(app, login):
    evaluator = login("evaluator")
    version = re.search(r'name="version" value="(\d+)"', evaluator.get("/reminders").get_data(as_text=True))[1]
    assert evaluator.post("/reminders/settings", data={"remind_working_days": "7", "version": version}).status_code == 302
    version = re.search(r'name="version" value="(\d+)"', evaluator.get("/settings").get_data(as_text=True))[1]
    saved = evaluator.post("/settings", data={"name": "张填报", "email": "evaluator@example.org", "version": version})
    assert saved.status_code == 302 and horizon(app) == 7
