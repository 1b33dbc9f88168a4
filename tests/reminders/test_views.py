"""Reminder pages: my reminders and settings, the calendar feed (no login), the admin outbox."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tracker.core.audit import AuditEntry
from tracker.core.mail import queue_email
from tracker.extensions import db
from tracker.reminders.job import run_and_deliver
from tracker.core.mail import OutboxMessage
from tracker.users.models import User

from .conftest import load_requests, online_request

LONG_TARGET = "凉州区人民政府办公室政府信息公开工作机构（用于检验折行的很长的被考评对象名称）"


def evaluator_requests(app, target_name: str = "凉州区") -> None:
    load_requests(app, [online_request("LZ-21", date(2020, 10, 9), owner="evaluator"),
                        online_request("LZ-22", date(2020, 10, 12), owner="evaluator"),
                        online_request("LZ-X", date(2020, 10, 12), owner="admin")],
                  team=[{"username": "evaluator", "name": "张填报", "email": "evaluator@example.org", "role": "evaluator"}],
                  target_name=target_name)


def user_field(app, username: str, name: str):
    with app.app_context():
        return getattr(db.session.scalar(select(User).where(User.username == username)), name)


def test_my_reminders_lists_what_i_was_sent(app, login, smtp):
    evaluator_requests(app)
    run_and_deliver(app, date(2020, 10, 12))
    page = login("evaluator").get("/reminders").get_data(as_text=True)
    assert "LZ-21" in page and "LZ-22" in page and "LZ-X" not in page
    assert "已逾期" in page and "今日到期" in page and "已发送" in page
    assert "2020年10月12日" in page and "2020年10月9日" in page


def test_horizon_setting_is_validated_and_saved(app, login):
    browser = login("evaluator")
    version = user_field(app, "evaluator", "version")
    response = browser.post("/reminders/settings", data={"remind_working_days": "5", "version": version})
    assert response.status_code == 302 and user_field(app, "evaluator", "remind_working_days") == 5
    bad = browser.post("/reminders/settings", data={"remind_working_days": "21",
                                                    "version": user_field(app, "evaluator", "version")})
    assert bad.status_code == 400 and "不能大于 20" in bad.get_data(as_text=True)
    assert user_field(app, "evaluator", "remind_working_days") == 5
    browser.post("/reminders/settings", data={"remind_working_days": "",
                                              "version": user_field(app, "evaluator", "version")})
    assert user_field(app, "evaluator", "remind_working_days") is None


def test_settings_need_a_csrf_token(app, login):
    browser = login("evaluator")
    response = browser.client.post("/reminders/settings", data={"remind_working_days": "5"})
    assert response.status_code == 400 and user_field(app, "evaluator", "remind_working_days") is None


def unfold(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")


def new_feed_token(browser) -> str:
    """Generate a feed address; it is shown once (in the message after the redirect), stored hashed."""
    page = browser.post("/reminders/calendar-token", follow_redirects=True).get_data(as_text=True)
    return re.search(r"/calendar/([A-Za-z0-9_\-]+)\.ics", page).group(1)


def test_calendar_feed_is_valid_icalendar_without_login(app, login, client):
    evaluator_requests(app, target_name=LONG_TARGET)
    browser = login("evaluator")
    token = new_feed_token(browser)
    assert f"/calendar/{token}" not in browser.get("/reminders").get_data(as_text=True)  # shown once only

    response = client.get(f"/calendar/{token}.ics")  # a fresh client: nobody logged in
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert b"\r\n " in body  # the long summaries were folded
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2  # LZ-X belongs to the admin
    summaries = sorted(line for line in lines if line.startswith("SUMMARY:"))
    assert summaries == [f"SUMMARY:答复期限：LZ-21 {LONG_TARGET}", f"SUMMARY:答复期限：LZ-22 {LONG_TARGET}"]
    assert "DTSTART;VALUE=DATE:20201009" in lines and "DTEND;VALUE=DATE:20201010" in lines
    assert any(line.startswith("DESCRIPTION:状态：") and "\\n" in line for line in lines)
    uids = [line for line in lines if line.startswith("UID:")]
    again = unfold(client.get(f"/calendar/{token}.ics").data)
    assert len(set(uids)) == 2 and uids == [line for line in again if line.startswith("UID:")]


def test_unknown_or_replaced_token_is_404_without_login(app, login, client):
    assert client.get("/calendar/no-such-token.ics").status_code == 404
    browser = login("evaluator")
    old = new_feed_token(browser)
    new = new_feed_token(browser)
    assert new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def queue_failed(app, recipient: str = "gone@example.org") -> int:
    with app.app_context():
        message = queue_email(recipient, "【政务公开考评】测试", "正文", "<p>正文</p>")
        message.status, message.attempts, message.last_error = "failed", 1, "550 5.1.1 mailbox unavailable"
        db.session.commit()
        return message.id


def test_outbox_is_for_admins_only(app, login, client):
    queue_failed(app)
    assert login("evaluator").get("/admin/outbox").status_code == 403
    assert login("reviewer").post("/admin/outbox/deliver").status_code == 403
    assert client.get("/admin/outbox").status_code == 302  # to the login page
    admin = login("admin")
    page = admin.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "gone@example.org" in page and "550 5.1.1 mailbox unavailable" in page and "发送失败（1）" in page
    assert "gone@example.org" not in admin.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert re.search(r'href="/admin/outbox"[^>]*>发件箱<', admin.get("/").get_data(as_text=True))


def test_resend_and_deliver_now(app, login, smtp):
    message_id = queue_failed(app, recipient="zhang@example.org")
    admin = login("admin")
    response = admin.post(f"/admin/outbox/{message_id}/resend")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        assert (row.status, row.attempts) == ("pending", 0)
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity == "outbox")) == "resend"
    again = admin.post(f"/admin/outbox/{message_id}/resend", follow_redirects=True)
    assert "只有发送失败的邮件可以重新发送" in again.get_data(as_text=True)
    delivered = admin.post("/admin/outbox/deliver", follow_redirects=True).get_data(as_text=True)
    assert "成功 1 封" in delivered
    assert [r.rcpt_tos for r in smtp.received] == [["zhang@example.org"]]
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == "sent"


def test_calendar_tokens_are_stored_hashed(app, login, client):
    import hashlib

    token = new_feed_token(login("evaluator"))
    stored = user_field(app, "evaluator", "calendar_token_hash")
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    assert client.get(f"/calendar/{stored}.ics").status_code == 404  # a copy of the database opens no feed
    assert client.get(f"/calendar/{token}.ics").status_code == 200
