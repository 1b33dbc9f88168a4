"""A reminder email through a real SMTP server (aiosmtpd) whose link, followed in a real browser on a desktop
and on a 390×844 phone, opens the request on the server that sent it (issue 18: links said port 5000
while the server listened on 5101)."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import assert_fits
from tests.conftest import TEST_PASSWORD
from tests.reminders.conftest import (
    SmtpServer,
    _point_mail_at,
    load_requests,
    online_request,
)

TODAY = date(2020, 10, 12)  # the Monday after National Day: LZ-21 due on Friday 9 Oct is overdue
EVALUATOR = [{"username": "evaluator", "name": "张填报", "email": "evaluator@example.org", "role": "evaluator"}]


@pytest.fixture
def smtp(app, smtp_guard):
    server = SmtpServer(smtp_guard)
    server.start()
    saved = _point_mail_at(app, server.port, timeout=5)
    yield server
    server.stop()
    app.config.update(saved)


@pytest.fixture
def served_here(app, live_server, monkeypatch, tmp_path):
    """The app without TRACKER_BASE_URL takes its links from where it listens (as `tracker serve` does)."""
    from tracker.core.serve import adopt_listening_url

    monkeypatch.setitem(app.config, "BASE_URL_SET", False)
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(tmp_path))
    address = urlsplit(live_server)
    adopt_listening_url(app, address.hostname, address.port)
    return live_server


def test_the_reminder_link_opens_the_request_on_this_server(screen, app, smtp, served_here):
    from tracker.reminders.job import run_and_deliver

    load_requests(app, [online_request("LZ-21", date(2020, 10, 9), owner="evaluator")], team=EVALUATOR)
    summary, delivery = run_and_deliver(app, TODAY)
    assert summary.reminder_count == 1 and delivery.sent == 1
    (mail,) = smtp.received
    assert mail.rcpt_tos == ["evaluator@example.org"] and "LZ-21" in mail.subject + mail.part("plain")
    links = re.findall(r'href="([^"]+/requests/\d+)"', mail.part("html"))
    assert links and all(link.startswith(served_here + "/") for link in links)
    assert re.search(re.escape(served_here) + r"/requests/\d+", mail.part("plain"))

    screen.goto(links[0])  # not logged in: the login page, then the request itself
    screen.fill("#f-username", "evaluator")
    screen.fill("#f-password", TEST_PASSWORD)
    screen.click("main button[type=submit]")
    screen.wait_for_url(links[0])
    assert "LZ-21" in screen.inner_text("h1") and "已逾期" in screen.inner_text("main")
    assert_fits(screen)
