"""The outbox: an email is a row written in the caller's transaction and delivered after the commit.

States: ``pending`` → ``sending`` → ``sent``; back to ``pending`` after a temporary failure (4xx, a
connection lost mid-message, a timeout), to be tried again after a back-off (minutes, then hours:
BACKOFF); ``failed`` after a permanent refusal (5xx, refused recipient) or when temporary failures
have lasted GIVE_UP_AFTER (7 days) — admins see those on the dashboard and may resend them.

An outage burns nothing (DESIGN §10.4): a run connects to the server *before* it claims a message,
so a run that cannot reach the server at all counts no attempt and sets no back-off — every message
stays as it was, and the next run (the scheduler's or ``tracker remind``) delivers as soon as the
server answers.

Claiming. A sender moves one row from pending to sending with a conditional UPDATE
(``… WHERE id = ? AND status = 'pending'``) and commits before it talks to the SMTP server: only
the process whose UPDATE changed the row sends it, so two processes never send one message twice,
and no transaction (no row or database lock) is held during the SMTP conversation. The outcome is
recorded in a second short transaction. While a row is ``sending`` its ``sent_at`` holds the time
it was claimed; a row left ``sending`` for over STALE_AFTER (a process killed mid-send) goes back
to pending — it may then arrive twice, which beats never. Every message carries a Message-ID
derived from its row (message_id()), the same at every attempt, so mail clients fold such a copy.

Flask-Mail builds the MIME message; the SMTP conversation is ours, because Flask-Mail sets no
timeout and ignores the recipients that a server refuses while accepting others.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Self

from flask import Flask
from flask_mail import Message
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .revisions import Bookkeeping
from . import audit, unit_of_work
from .db import utcnow
from .errors import ValidationError

# Waits after the 1st, 2nd, … temporary failure; the last one repeats until GIVE_UP_AFTER.
BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3), timedelta(hours=6))
GIVE_UP_AFTER = timedelta(days=7)
STALE_AFTER = timedelta(hours=1)
DEFAULT_BATCH = 500
STATUS_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}


class OutboxMessage(db.Model):
    """An email written in the same transaction as what caused it; delivered after the commit."""

    __tablename__ = "outbox"
    __revision_scope__ = Bookkeeping()

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Back-off (DESIGN §10.4): not tried before next_attempt_at; failed for good 7 days after the
    # first temporary failure.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_failed_at: Mapped[datetime | None] = mapped_column(DateTime)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0  # temporary failures, left pending for the next run
    failed: int = 0
    released: int = 0  # stale 'sending' rows put back to pending
    stopped: str = ""  # why the run stopped before the end of the queue
    unreachable: bool = False  # the server could not be reached: nothing was tried or counted

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed

    def summary(self) -> str:
        text = f"邮件发送：成功 {self.sent} 封，待重试 {self.retrying} 封，失败 {self.failed} 封"
        return text + (f"；已中止：{self.stopped}" if self.stopped else "")


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    attempts: int
    created_at: datetime
    first_failed_at: datetime | None


@dataclass(frozen=True)
class _Outcome:
    status: str  # sent | temporary | permanent
    error: str = ""
    connection_lost: bool = False  # the server is unreachable: stop this run, the rest wait


def queue_email(recipient: str, subject: str, text: str, html: str = "", user_id: int | None = None):
    """Add a message to the outbox in the current transaction (flush only; the edge commits)."""
    message = OutboxMessage(recipient=recipient, subject=subject[:300], body_text=text, body_html=html or "",
                            user_id=user_id, status="pending", attempts=0, last_error="")
    db.session.add(message)
    db.session.flush()
    return message


def resend_message(actor, message) -> None:
    """A failed message goes back to the queue with a fresh attempt count (audited)."""
    if message.status != "failed":
        raise ValidationError({"status": "只有发送失败的邮件可以重新发送"})
    fields = ("status", "attempts", "last_error")
    before = audit.snapshot(message, fields)
    message.status, message.attempts, message.last_error, message.sent_at = "pending", 0, "", None
    message.next_attempt_at = message.first_failed_at = None
    db.session.flush()
    audit.record(actor, "resend", "outbox", message.id, before=before, after=audit.snapshot(message, fields),
                 summary=f"重新发送邮件 #{message.id}（{message.recipient}）")


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th temporary failure in a row (pure)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def deliver_pending(app: Flask, limit: int = DEFAULT_BATCH, *, now: datetime | None = None) -> DeliveryReport:
    """Send up to `limit` messages that are due, each claimed and recorded in its own short transaction.

    Runs in an app context (and so a database session) of its own: call it after the caller's
    commit, never inside an open write transaction. `now` (naive UTC) replaces the clock, for the
    outage simulation of scripts/loadtest.
    """
    report = DeliveryReport()
    sender = app.config["MAIL_DEFAULT_SENDER"]
    with app.app_context():
        report.released = release_stale()
        with _SmtpSession(app.config) as smtp:
            last_id = 0
            while report.handled < limit:
                message = _next_due(last_id, now or utcnow())
                if message is None:
                    break
                last_id = message.id
                data, outcome = _build(message, sender)
                if outcome is None:
                    try:
                        smtp.ensure_connected()  # before the claim: an unreachable server costs no attempt
                    except (smtplib.SMTPException, OSError) as error:  # refused, timeout, greeting 421/554, login
                        smtp.close()
                        report.stopped = f"无法连接邮件服务器 {smtp.address}：{_describe(error)}"
                        report.unreachable = True
                        break
                claimed = _claim(message, now or utcnow())
                if claimed is None:
                    continue  # another process claimed it first
                outcome = outcome or _send(smtp, sender, claimed.recipient, data)
                _record(claimed, outcome, report, now or utcnow())
                if outcome.connection_lost:
                    report.stopped = outcome.error
                    break
    return report


def _build(message: _Claimed, sender: str) -> tuple[bytes, _Outcome | None]:
    try:
        return _mime_bytes(message, sender), None
    except ValueError as error:  # nothing a retry could fix, and no reason to call the server
        return b"", _Outcome("permanent", f"无法生成邮件：{error}")


def release_stale() -> int:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.sent_at < utcnow() - STALE_AFTER)
        .values(status="pending", sent_at=None, last_error="发送过程中断（超过1小时未完成），已重新排队")
        .execution_options(synchronize_session=False))
    unit_of_work.save()
    return result.rowcount or 0


def _next_due(after_id: int, now: datetime) -> _Claimed | None:
    """The next message whose turn has come (not claimed: the caller connects to the server first)."""
    M = OutboxMessage  # short: the query names many columns

    row = db.session.execute(
        select(M.id, M.recipient, M.subject, M.body_text, M.body_html, M.attempts, M.created_at, M.first_failed_at)
        .where(M.status == "pending", M.id > after_id, or_(M.next_attempt_at.is_(None), M.next_attempt_at <= now))
        .order_by(M.id).limit(1)).first()
    unit_of_work.save()
    return _Claimed(*row) if row is not None else None


def _claim(message: _Claimed, now: datetime) -> _Claimed | None:
    """pending → sending, counting the attempt; None when another process claimed it first."""
    M = OutboxMessage  # short: the query names many columns

    result = db.session.execute(
        update(M).where(M.id == message.id, M.status == "pending")
        .values(status="sending", sent_at=now, attempts=M.attempts + 1)
        .execution_options(synchronize_session=False))
    attempts = db.session.scalar(select(M.attempts).where(M.id == message.id)) if result.rowcount == 1 else None
    unit_of_work.save()
    return replace(message, attempts=attempts) if attempts is not None else None


def _record(claimed: _Claimed, outcome: _Outcome, report: DeliveryReport, now: datetime) -> None:
    M = OutboxMessage  # short: the query names many columns

    first_failed = claimed.first_failed_at or now
    if outcome.status == "sent":
        values = {"status": "sent", "sent_at": now, "last_error": "", "next_attempt_at": None}
        report.sent += 1
    elif outcome.status == "temporary" and now - first_failed < GIVE_UP_AFTER:
        values = {"status": "pending", "sent_at": None, "last_error": outcome.error, "first_failed_at": first_failed,
                  "next_attempt_at": now + backoff(claimed.attempts)}
        report.retrying += 1
    else:
        error = outcome.error
        if outcome.status == "temporary":
            error += f"（自 {first_failed:%Y-%m-%d %H:%M} UTC 起连续失败超过 7 天，已尝试 {claimed.attempts} 次，放弃）"
        values = {"status": "failed", "sent_at": None, "last_error": error, "next_attempt_at": None}
        report.failed += 1
    db.session.execute(update(M).where(M.id == claimed.id, M.status == "sending").values(**values)
                       .execution_options(synchronize_session=False))
    unit_of_work.save()


def message_id(outbox_id: int, created_at: datetime, sender: str) -> str:
    """The same Message-ID at every attempt of one outbox row, unique across rows and installations
    (row id plus its creation time to the microsecond)."""
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    return f"<tracker.{created_at:%Y%m%d%H%M%S%f}.{outbox_id}@{domain}>"


def _mime_bytes(claimed: _Claimed, sender: str) -> bytes:
    message = Message(claimed.subject, recipients=[claimed.recipient], body=claimed.body_text,
                      html=claimed.body_html or None, sender=sender)
    message.msgId = message_id(claimed.id, claimed.created_at, sender)
    if message.has_bad_headers():
        raise ValueError("邮件头含有换行符")
    return message.as_bytes()


def _send(smtp: _SmtpSession, sender: str, recipient: str, data: bytes) -> _Outcome:
    try:
        refused = smtp.host.sendmail(sender, [recipient], data)
    except smtplib.SMTPRecipientsRefused as error:
        return _refused(error.recipients)
    except smtplib.SMTPResponseException as error:  # MAIL FROM or DATA refused
        lost = error.smtp_code == 421
        if lost:
            smtp.close()
        return _Outcome("temporary" if 400 <= error.smtp_code < 500 else "permanent", _describe(error), lost)
    except smtplib.SMTPServerDisconnected as error:  # includes the timeout of a stalled server
        return _lost(smtp, error)
    except (smtplib.SMTPException, UnicodeError) as error:  # e.g. a non-ASCII address the server cannot take
        return _Outcome("permanent", _describe(error))
    except OSError as error:  # SMTPException is an OSError too: this clause must come after it
        return _lost(smtp, error)
    if refused:  # accepted for some recipients: sending again would duplicate it for them
        return _Outcome("permanent", "服务器拒收部分收件人：" + _describe_refused(refused))
    return _Outcome("sent")


def _lost(smtp: _SmtpSession, error: Exception) -> _Outcome:
    smtp.close()
    return _Outcome("temporary", f"与邮件服务器的连接中断：{_describe(error)}", connection_lost=True)


def _refused(recipients: dict) -> _Outcome:
    temporary = all(400 <= code < 500 for code, _ in recipients.values())
    return _Outcome("temporary" if temporary else "permanent", "收件人被拒收：" + _describe_refused(recipients))


def _describe_refused(recipients: dict) -> str:
    return "；".join(f"{address} {code} {_text(reply)}" for address, (code, reply) in recipients.items())


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, TimeoutError):
        return "超时未响应"
    return str(error) or error.__class__.__name__


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class _SmtpSession:
    """One SMTP connection per delivery run, opened on first use, with MAIL_TIMEOUT on every socket call."""

    def __init__(self, config) -> None:
        self.config = config
        self.host: smtplib.SMTP | None = None
        self.address = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc) -> None:
        if self.host is not None:
            try:
                self.host.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.close()

    def ensure_connected(self) -> None:
        if self.host is not None:
            return
        c = self.config
        timeout = float(c.get("MAIL_TIMEOUT") or 30)
        # smtplib's own default TLS context does not verify the server's certificate.
        context = ssl.create_default_context()
        if c.get("MAIL_USE_SSL"):
            host = smtplib.SMTP_SSL(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=timeout, context=context)
        else:
            host = smtplib.SMTP(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=timeout)
        try:
            if c.get("MAIL_USE_TLS"):
                host.starttls(context=context)
            if c.get("MAIL_USERNAME") and c.get("MAIL_PASSWORD"):
                host.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
        except BaseException:
            host.close()
            raise
        self.host = host

    def close(self) -> None:
        if self.host is not None:
            self.host.close()
        self.host = None
