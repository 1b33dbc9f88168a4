"""The outbox against a real SMTP server on loopback: delivery, retries, refusals, timeouts, claiming."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tracker.core import mail
from tracker.core.audit import AuditEntry
from tracker.core.db import utcnow
from tracker.core.errors import ValidationError
from tracker.extensions import db
from tracker.core.mail import OutboxMessage


def queue(app, count: int = 1, recipient: str = "zhang@example.org") -> list[int]:
    with app.app_context():
        ids = [mail.queue_email(recipient, f"【政务公开考评】测试邮件 {n}", f"正文 {n}：答复期限 2020年9月28日",
                                f"<p>正文 {n}</p>").id for n in range(count)]
        db.session.commit()
    return ids


def outbox(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def test_queued_message_is_sent_once_with_both_parts(app, smtp):
    (message_id,) = queue(app)
    report = mail.deliver_pending(app)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.rcpt_tos == ["zhang@example.org"]
    assert got.subject == "【政务公开考评】测试邮件 0"
    assert "2020年9月28日" in got.part("plain") and "<p>正文 0</p>" in got.part("html")
    row = outbox(app, message_id)
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    assert mail.deliver_pending(app).handled == 0
    assert len(smtp.received) == 1


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_451_is_retried_after_a_back_off_and_then_delivered_exactly_once(app, smtp, stage):
    smtp.handler.temporary, smtp.handler.temporary_at = 2, stage
    (message_id,) = queue(app)
    now = utcnow()
    for attempt, wait in ((1, mail.BACKOFF[0]), (2, mail.BACKOFF[1])):
        report = mail.deliver_pending(app, now=now)
        assert report.retrying == 1 and report.sent == 0
        row = outbox(app, message_id)
        assert (row.status, row.attempts) == ("pending", attempt)
        assert "451" in row.last_error and row.sent_at is None
        assert row.next_attempt_at == now + wait and row.first_failed_at is not None
        # Its turn has not come yet: a run before the back-off is over does not try it.
        assert mail.deliver_pending(app, now=now + wait - timedelta(seconds=1)).handled == 0
        now += wait
    assert mail.deliver_pending(app, now=now).sent == 1
    assert mail.deliver_pending(app, now=now + timedelta(days=1)).handled == 0
    assert len(smtp.received) == 1
    assert outbox(app, message_id).status == "sent"


def test_back_off_grows_from_minutes_to_hours():
    waits = [mail.backoff(n) for n in range(1, 9)]
    assert waits[0] == timedelta(minutes=5) and waits == sorted(waits)
    assert waits[-1] >= timedelta(hours=3)
    # Attempts over 7 days stay few (a day of outage costs a handful, not one per run).
    total, attempts = timedelta(0), 0
    while total < mail.GIVE_UP_AFTER:
        attempts += 1
        total += mail.backoff(attempts)
    assert attempts < 40


def test_refused_recipient_is_failed_and_the_others_still_go(app, smtp):
    smtp.handler.refused = {"gone@example.org"}
    (refused_id,) = queue(app, recipient="gone@example.org")
    (good_id,) = queue(app, recipient="li@example.org")
    report = mail.deliver_pending(app)
    assert (report.sent, report.failed) == (1, 1)
    row = outbox(app, refused_id)
    assert row.status == "failed" and "550" in row.last_error and "gone@example.org" in row.last_error
    assert outbox(app, good_id).status == "sent"
    assert [r.rcpt_tos for r in smtp.received] == [["li@example.org"]]


def test_permanent_data_error_fails_the_message(app, smtp):
    smtp.handler.data_reply = "554 5.6.0 Message rejected"
    (message_id,) = queue(app)
    assert mail.deliver_pending(app).failed == 1
    row = outbox(app, message_id)
    assert row.status == "failed" and "554" in row.last_error


@pytest.mark.slow  # waits for a timeout (2.1 s)
def test_stalled_server_times_out_and_no_message_is_touched(app, stalled_smtp):
    first, second = queue(app, 2)
    started = time.monotonic()
    report = mail.deliver_pending(app)
    elapsed = time.monotonic() - started
    assert elapsed < 6, f"MAIL_TIMEOUT=2 must bound the wait, took {elapsed:.1f}s"
    assert report.handled == 0 and report.unreachable and report.stopped
    assert "超时" in report.stopped or "timed out" in report.stopped
    # The run stops at the connection failure and counts no attempt (DESIGN §10.4).
    for message_id in (first, second):
        row = outbox(app, message_id)
        assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == ("pending", 0, None, "")


@pytest.mark.slow  # waits on a real SMTP server (2.3 s)
def test_an_outage_burns_no_attempt_and_delivers_as_soon_as_the_server_answers(app, smtp):
    """25 runs against a closed port used to fail the head of the queue for good (issue 17)."""
    smtp.stop()
    ids = queue(app, 3)
    for _ in range(25):
        report = mail.deliver_pending(app)
        assert report.handled == 0 and report.unreachable and "无法连接" in report.stopped
    for message_id in ids:
        row = outbox(app, message_id)
        assert (row.status, row.attempts, row.next_attempt_at, row.first_failed_at) == ("pending", 0, None, None)
    smtp.start()
    assert mail.deliver_pending(app).sent == 3
    assert sorted(r.subject for r in smtp.received) == [f"【政务公开考评】测试邮件 {n}" for n in range(3)]


@pytest.mark.slow  # waits on a real SMTP server (3.6 s)
def test_temporary_failures_stay_pending_for_seven_days_then_fail(app, smtp):
    smtp.handler.temporary = 100
    (message_id,) = queue(app)
    now = utcnow()
    assert mail.deliver_pending(app, now=now).retrying == 1
    first_failed = outbox(app, message_id).first_failed_at
    while now - first_failed < mail.GIVE_UP_AFTER - timedelta(hours=6):  # six days and more of 451s
        now = outbox(app, message_id).next_attempt_at
        assert mail.deliver_pending(app, now=now).retrying == 1
    assert outbox(app, message_id).status == "pending"
    now = max(first_failed + mail.GIVE_UP_AFTER, outbox(app, message_id).next_attempt_at)
    assert mail.deliver_pending(app, now=now).failed == 1
    row = outbox(app, message_id)
    assert row.status == "failed" and "7 天" in row.last_error and row.attempts < 40
    assert smtp.received == []


def test_a_permanent_refusal_fails_at_once(app, smtp):
    smtp.handler.data_reply = "550 5.7.1 Rejected by policy"
    (message_id,) = queue(app)
    assert mail.deliver_pending(app).failed == 1
    row = outbox(app, message_id)
    assert (row.status, row.attempts) == ("failed", 1) and "550" in row.last_error


def test_every_attempt_of_a_message_carries_the_same_message_id(app, smtp):
    """A crash between the server's acceptance and the commit sends it again: clients fold the copy."""
    first, second = queue(app, 2)
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(status="sending", sent_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    assert mail.deliver_pending(app).sent == 2
    with app.app_context():  # as if the commit of the outcome had been lost in a crash
        db.session.execute(update(OutboxMessage).values(status="sending", sent_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    assert mail.deliver_pending(app).sent == 2
    ids = [str(r.message["Message-ID"]) for r in smtp.received]
    assert len(ids) == 4 and len(set(ids)) == 2
    by_subject = {}
    for received in smtp.received:
        by_subject.setdefault(received.subject, set()).add(str(received.message["Message-ID"]))
    assert all(len(found) == 1 for found in by_subject.values())
    assert all(i.startswith("<tracker.") and i.endswith("@localhost>") for i in ids)


def test_a_claimed_message_is_not_claimed_again(app):
    (message_id,) = queue(app)
    with app.app_context():
        message = mail._next_due(0, utcnow())
        claimed = mail._claim(message, utcnow())
        assert claimed is not None and claimed.id == message_id and claimed.attempts == 1
        assert mail._claim(message, utcnow()) is None
        assert mail._next_due(0, utcnow()) is None
        row = db.session.get(OutboxMessage, message_id)
        assert row.status == "sending" and row.attempts == 1


def test_a_message_stuck_in_sending_goes_back_to_pending(app, smtp):
    fresh, stale = queue(app, 2)
    with app.app_context():
        for message_id, age in ((fresh, timedelta(minutes=5)), (stale, timedelta(hours=2))):
            row = db.session.get(OutboxMessage, message_id)
            row.status, row.sent_at = "sending", utcnow() - age
        db.session.commit()
    report = mail.deliver_pending(app)
    assert report.released == 1 and report.sent == 1
    assert outbox(app, stale).status == "sent"
    assert outbox(app, fresh).status == "sending"  # its sender may still be talking to the server
    assert len(smtp.received) == 1


def test_two_concurrent_deliverers_send_each_message_once(app, smtp):
    ids = queue(app, 12)
    barrier = threading.Barrier(2)
    reports = []

    def deliver():
        barrier.wait()
        reports.append(mail.deliver_pending(app))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(r.sent for r in reports) == 12
    subjects = [r.subject for r in smtp.received]
    assert len(subjects) == len(set(subjects)) == 12
    assert all(outbox(app, i).status == "sent" for i in ids)


def test_resend_puts_a_failed_message_back_and_is_audited(app, users):
    (message_id,) = queue(app)
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        with pytest.raises(ValidationError):
            mail.resend_message(None, row)
        row.status, row.attempts, row.last_error = "failed", 3, "550 mailbox unavailable"
        admin = db.session.get(type(users["admin"]), users["admin"].id)
        mail.resend_message(admin, row)
        db.session.commit()
        assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "outbox"))
        assert entry.action == "resend" and entry.before["status"] == "failed" and entry.user_id == admin.id


def test_stray_smtp_connections_are_refused_by_the_guard(app):
    queue(app)
    with pytest.raises(pytest.fail.Exception, match="did not start"):
        mail.deliver_pending(app)


def test_a_message_that_cannot_be_built_fails_without_touching_the_server(app):
    with app.app_context():
        message_id = mail.queue_email("zhang@example.org", "注入\r\nBcc: x@example.org", "正文").id
        db.session.commit()
    assert mail.deliver_pending(app).failed == 1  # the guard proves no SMTP connection was opened
    row = outbox(app, message_id)
    assert row.status == "failed" and "换行" in row.last_error
