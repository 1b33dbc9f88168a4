"""The reminder job end to end: stored requests → reminder records → outbox → a real SMTP server."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker.core.mail import deliver_pending
from tracker.extensions import db
from tracker.reminders.job import run_and_deliver, run_reminders
from tracker.core.mail import OutboxMessage
from tracker.reminders.models import ReminderSent
from tracker.users.models import User

from .conftest import (
    count_rows,
    load_requests,
    online_request,
    plain_calendar,
    request_due,
)

# 2020 National Day: Oct 1–8 off; Sunday Sep 27 and Saturday Oct 10 were make-up working days.
NATIONAL_DAY = [date(2020, 9, 26) + timedelta(days=n) for n in range(17)]  # Sep 26 … Oct 12


def sent_rows(app) -> list[tuple[str, str, date]]:
    with app.app_context():
        rows = db.session.execute(select(ReminderSent.kind, ReminderSent.key, ReminderSent.run_on)
                                  .order_by(ReminderSent.id)).all()
    return [tuple(row) for row in rows]


def test_due_dates_come_from_the_stored_clock(app):
    load_requests(app, [online_request("A", date(2020, 10, 12))])
    assert request_due(app, "A") == date(2020, 10, 12)


def test_running_twice_on_one_day_sends_each_email_once(app, smtp):
    load_requests(app, [online_request("A", date(2020, 9, 29)), online_request("B", date(2020, 9, 25), owner="li")])
    today = date(2020, 9, 25)
    first, delivery = run_and_deliver(app, today)
    assert first.reminder_count == 2 and delivery.sent == 2
    second, delivery = run_and_deliver(app, today)
    assert second.reminder_count == 0 and delivery.handled == 0
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ["li@example.org", "zhang@example.org"]
    assert count_rows(app, OutboxMessage) == 2


def test_email_lists_each_request_in_chinese(app, smtp):
    app.config["BASE_URL"], saved = "https://tracker.example.org/", app.config["BASE_URL"]
    try:
        load_requests(app, [online_request("LZ-21", date(2020, 10, 9)), online_request("LZ-22", date(2020, 10, 12))],
                      target_name="凉州区")
        run_and_deliver(app, date(2020, 10, 12))
    finally:
        app.config["BASE_URL"] = saved
    (got,) = smtp.received
    assert got.subject == "【政务公开考评】2 项模拟申请需要处理（2020年10月12日）"
    text, html = got.part("plain"), got.part("html")
    for body in (text, html):
        assert "LZ-21" in body and "LZ-22" in body and "凉州区" in body and "互联网" in body
        assert "已逾期 2 个工作日" in body and "今天到期" in body and "2020年10月9日" in body
    with app.app_context():
        request_id = db.session.scalar(select(ReminderSent.request_id).where(ReminderSent.kind == "overdue"))
    assert f"https://tracker.example.org/requests/{request_id}" in text
    assert f'href="https://tracker.example.org/requests/{request_id}"' in html


def test_a_missed_day_is_caught_up_without_stale_due_soon_mail(app, smtp):
    due = date(2020, 9, 30)
    load_requests(app, [online_request("A", due)])
    # Nobody ran the job in the three working days before the due date, nor on it.
    report, _ = run_and_deliver(app, due + timedelta(days=9))  # Oct 9: first working day after the holiday
    assert [r.kind for s in report.recipients for r in s.reminders] == ["overdue"]
    assert [kind for kind, _, _ in sent_rows(app)] == ["overdue"]
    assert "已逾期 1 个工作日" in smtp.received[0].part("plain")
    run_and_deliver(app, date(2020, 10, 12))
    assert len(smtp.received) == 1


def test_catch_up_inside_the_window_sends_one_due_soon(app, smtp):
    load_requests(app, [online_request("A", date(2020, 9, 30))])
    run_and_deliver(app, date(2020, 9, 29))  # one working day left; the three-days-left run was missed
    run_and_deliver(app, date(2020, 9, 30))
    assert [kind for kind, _, _ in sent_rows(app)] == ["due_soon", "due_today"]
    assert len(smtp.received) == 2


@pytest.mark.slow  # a month of daily runs (1.1 s)
def test_national_day_holiday_and_make_up_working_days(app, smtp):
    load_requests(app, [online_request("C", date(2020, 10, 9)), online_request("B", date(2020, 10, 10)),
                        online_request("A", date(2020, 10, 12))])
    by_day = {}
    for today in NATIONAL_DAY:
        report, _ = run_and_deliver(app, today)
        assert report.working_day == plain_calendar().is_working_day(today)
        by_day[today] = sorted(f"{r.request_key}:{r.kind}" for s in report.recipients for r in s.reminders)
    assert by_day == {
        date(2020, 9, 26): [], date(2020, 9, 27): [],  # Sunday make-up day: everything still > 3 days away
        date(2020, 9, 28): ["C:due_soon"], date(2020, 9, 29): ["B:due_soon"], date(2020, 9, 30): ["A:due_soon"],
        **{date(2020, 10, d): [] for d in range(1, 9)},  # the holiday: no reminders at all
        date(2020, 10, 9): ["C:due_today"],
        date(2020, 10, 10): ["B:due_today", "C:overdue"],  # the make-up Saturday is a working day
        date(2020, 10, 11): [],
        date(2020, 10, 12): ["A:due_today", "B:overdue"],
    }
    emails = Counter(r.subject for r in smtp.received)
    assert emails == Counter({f"【政务公开考评】{n} 项模拟申请需要处理（2020年{m}月{d}日）": 1 for n, m, d in [
        (1, 9, 28), (1, 9, 29), (1, 9, 30), (1, 10, 9), (2, 10, 10), (2, 10, 12)]})
    saturday = next(r for r in smtp.received if "10月10日" in r.subject).part("plain")
    assert "今天到期" in saturday and "已逾期 1 个工作日" in saturday


def test_smtp_down_for_a_day_then_back_delivers_everything_once(app, smtp):
    load_requests(app, [online_request("A", date(2020, 9, 29)), online_request("B", date(2020, 9, 30), owner="li")])
    smtp.stop()
    _, delivery = run_and_deliver(app, date(2020, 9, 25))  # A: 3 working days left
    assert delivery.sent == 0 and delivery.stopped
    _, delivery = run_and_deliver(app, date(2020, 9, 27))  # still down on the make-up Sunday; B: 3 left
    assert delivery.sent == 0
    assert count_rows(app, OutboxMessage) == 2
    smtp.start()
    report, delivery = run_and_deliver(app, date(2020, 9, 28))
    assert report.reminder_count == 0 and delivery.sent == 2
    run_and_deliver(app, date(2020, 9, 29))  # A due today
    assert deliver_pending(app).handled == 0
    with app.app_context():
        assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {"sent"}
    assert sorted((r.rcpt_tos[0], r.subject) for r in smtp.received) == [
        ("li@example.org", "【政务公开考评】1 项模拟申请需要处理（2020年9月27日）"),
        ("zhang@example.org", "【政务公开考评】1 项模拟申请需要处理（2020年9月25日）"),
        ("zhang@example.org", "【政务公开考评】1 项模拟申请需要处理（2020年9月29日）"),
    ]


def test_dry_run_writes_nothing_and_returns_what_would_be_sent(app, smtp):
    load_requests(app, [online_request("A", date(2020, 9, 29))])
    with app.app_context():
        before = {m: db.session.scalar(select(db.func.count()).select_from(m))
                  for m in (OutboxMessage, ReminderSent, User)}
    report, delivery = run_and_deliver(app, date(2020, 9, 25), dry_run=True)
    assert delivery is None and report.dry_run
    (recipient,) = report.recipients
    assert recipient.email == "zhang@example.org" and recipient.outbox_id is None
    assert recipient.subject == "【政务公开考评】1 项模拟申请需要处理（2020年9月25日）"
    assert "剩余 3 个工作日" in recipient.text  # Sunday Sep 27 was a working day
    with app.app_context():
        after = {m: db.session.scalar(select(db.func.count()).select_from(m)) for m in before}
    assert after == before and smtp.received == []
    assert run_and_deliver(app, date(2020, 9, 25))[0].reminder_count == 1


def test_a_reminder_to_a_user_without_email_waits_and_says_so(app, smtp, login):
    """It used to be recorded as sent without a message (issue 17): it waits, and is sent once an address exists."""
    load_requests(app, [online_request("A", date(2020, 9, 25), owner="nomail")])
    report, _ = run_and_deliver(app, date(2020, 9, 25))
    assert report.recipients == [] and [w.name for w in report.waiting] == ["赵六"]
    assert any("赵六：1 条提醒等待发送" in line and "没有可用的电子邮箱" in line for line in report.lines())
    assert count_rows(app, ReminderSent) == 0 and count_rows(app, OutboxMessage) == 0 and smtp.received == []
    # Admins are told on the dashboard…
    page = login("admin").get("/").get_data(as_text=True)
    assert "没有可用的电子邮箱" in page and "赵六（1 项）" in page
    # …and once the user has an address, the next run sends what waited.
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "nomail")).email = "zhao@example.org"
        db.session.commit()
    report, delivery = run_and_deliver(app, date(2020, 9, 28))
    assert report.reminder_count == 1 and delivery.sent == 1 and report.waiting == []
    assert smtp.received[0].rcpt_tos == ["zhao@example.org"] and "A" in smtp.received[0].part("plain")


def test_a_user_without_email_is_told_on_the_dashboard(app, login):
    from tracker.extensions import db as database

    browser = login("evaluator")
    assert "没有填写电子邮箱" not in browser.get("/").get_data(as_text=True)
    with app.app_context():
        database.session.scalar(select(User).where(User.username == "evaluator")).email = None
        database.session.commit()
    assert "没有填写电子邮箱，期限提醒邮件无法发送" in browser.get("/").get_data(as_text=True)
    assert "没有填写电子邮箱，期限提醒邮件无法发送" in browser.get("/reminders").get_data(as_text=True)


def test_failed_mail_is_shown_to_admins_on_the_dashboard(app, login):
    from tracker.core.mail import queue_email

    with app.app_context():
        message = queue_email("gone@example.org", "【政务公开考评】测试", "正文")
        message.status, message.last_error = "failed", "550 5.1.1 mailbox unavailable"
        db.session.commit()
    assert "有 1 封邮件发送失败" in login("admin").get("/").get_data(as_text=True)
    assert "邮件发送失败" not in login("evaluator").get("/").get_data(as_text=True)


def test_per_user_horizon_and_configured_default(app, smtp):
    load_requests(app, [online_request("A", date(2020, 10, 12)), online_request("B", date(2020, 10, 12), owner="li")])
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "li")).remind_working_days = 10
        db.session.commit()
        report = run_reminders(date(2020, 9, 25), dry_run=True)
        assert [r.request_key for s in report.recipients for r in s.reminders] == ["B"]  # 7 left: only li's 10
        saved, app.config["REMIND_WORKING_DAYS"] = app.config["REMIND_WORKING_DAYS"], 7
        try:
            report = run_reminders(date(2020, 9, 25), dry_run=True)
        finally:
            app.config["REMIND_WORKING_DAYS"] = saved
        assert sorted(r.request_key for s in report.recipients for r in s.reminders) == ["A", "B"]
        db.session.rollback()


def test_clarification_and_unconfirmed_letter_reminders(app, smtp):
    clarification = online_request("Q", date(2020, 10, 12))
    clarification["events"] = [{"type": "clarification_requested", "on": "2020-09-14"}]
    letter = {"key": "L", "target": "liangzhou", "owner": "zhang", "channel": "mail", "purpose": "20",
              "submitted_at": "2020-09-14T10:00:00+08:00",
              "letter": {"addressee": "法定代表人", "marked": "重要部署申请", "posted_on": "2020-09-14",
                         "delivered_on": None, "confirmed_on": None, "returned": False}}
    load_requests(app, [clarification, letter])
    report, _ = run_and_deliver(app, date(2020, 9, 18))  # posted 4 working days ago: not yet
    assert [r.kind for s in report.recipients for r in s.reminders] == ["clarification"]
    report, _ = run_and_deliver(app, date(2020, 9, 21))
    assert [r.kind for s in report.recipients for r in s.reminders] == ["letter_unconfirmed"]
    texts = [r.part("plain") for r in smtp.received]
    assert "对方要求补正" in texts[0] and "信函寄出已 5 个工作日未签收" in texts[1]


def test_an_extension_earns_new_reminders(app, smtp):
    load_requests(app, [online_request("A", date(2020, 9, 25))])
    run_and_deliver(app, date(2020, 9, 25))
    load_requests(app, [online_request("A", date(2020, 9, 25),
                                       events=[{"type": "extended", "on": "2020-09-24", "working_days": 3}])])
    assert request_due(app, "A") == date(2020, 9, 29)  # Sep 27 (make-up Sunday), 28, 29
    run_and_deliver(app, date(2020, 9, 25))
    assert [kind for kind, _, _ in sent_rows(app)] == ["due_today", "due_soon"]
    assert len(smtp.received) == 2


def test_non_working_day_does_nothing(app):
    load_requests(app, [online_request("A", date(2020, 10, 9))])
    with app.app_context():
        report = run_reminders(date(2020, 10, 3))
        assert not report.working_day and report.lines() == ["2020年10月3日 不是工作日，不发送提醒。"]
    assert sent_rows(app) == []


@pytest.mark.parametrize("status_kw", [{"voided": True}, {"channel": "phone"}])
def test_voided_and_phone_requests_get_no_reminders(app, status_kw):
    request = online_request("A", date(2020, 9, 25))
    if status_kw.get("channel") == "phone":
        request = {"key": "P", "target": "liangzhou", "owner": "zhang", "channel": "phone", "purpose": "18",
                   "phone": {"attempts": []}}
    else:
        request.update(status_kw, void_reason="测试作废")
    load_requests(app, [request])
    with app.app_context():
        assert run_reminders(date(2020, 9, 25), dry_run=True).reminder_count == 0


def test_a_concurrent_run_that_recorded_first_wins_and_nothing_is_sent_twice(app, smtp, monkeypatch):
    load_requests(app, [online_request("A", date(2020, 9, 25))])
    run_and_deliver(app, date(2020, 9, 25))
    # As if another process had recorded the same reminder between our selection and our commit.
    monkeypatch.setattr("tracker.reminders.job._sent_keys", lambda: set())
    report, delivery = run_and_deliver(app, date(2020, 9, 25))
    assert report.reminder_count == 0 and "另一个进程" in report.note and delivery.handled == 0
    assert count_rows(app, OutboxMessage) == 1 and len(smtp.received) == 1


def remind(*args: str):
    from click.testing import CliRunner

    from tracker.cli import main

    result = CliRunner().invoke(main, ["remind", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_remind_dry_run_then_for_real(app, smtp, monkeypatch):
    load_requests(app, [online_request("A", date(2020, 9, 29)), online_request("B", date(2020, 9, 25), owner="nomail")])
    code, out = remind("--today", "2020-09-25", "--dry-run")
    assert code == 0 and "演练" in out and "张三（zhang@example.org）：1 条提醒 — 即将到期 1" in out
    assert "赵六：1 条提醒等待发送 — 没有可用的电子邮箱" in out
    assert sent_rows(app) == [] and "邮件发送" not in out
    monkeypatch.setenv("TRACKER_MAIL_PORT", str(smtp.port))  # the command builds its own app from the environment
    code, out = remind("--today", "2020-09-25")
    assert code == 0 and "已记录 1 条提醒" in out and "邮件发送：成功 1 封" in out
    assert len(smtp.received) == 1 and len(sent_rows(app)) == 1


@pytest.mark.parametrize("bad", ["2020-13-01", "tomorrow"])
def test_cli_remind_bad_date_is_one_line_and_exit_1(app, bad):
    code, out = remind("--today", bad)
    assert code == 1 and out.count("\n") == 1 and "--today 不是有效日期" in out
