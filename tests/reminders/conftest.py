"""Reminder and outbox fixtures: a real SMTP server on loopback (aiosmtpd), a stalled one, a guard
against stray SMTP connections, and bundle-shaped test requests with chosen due dates."""
from __future__ import annotations

import functools
import socket
import threading
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

CAMPAIGN = "提醒测试考评（2020）"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: object  # email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        return self.message.get_body(preferencelist=(subtype,)).get_content()


class Handler:
    """Records every accepted message; answers 451 to the first `temporary` attempts (at RCPT or DATA),
    550 to the addresses in `refused`, `data_reply` (e.g. a 554) to DATA when set."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.temporary = 0
        self.temporary_at = "rcpt"
        self.refused: set[str] = set()
        self.data_reply = ""
        self._lock = threading.Lock()

    def _temporary_now(self, stage: str) -> bool:
        with self._lock:
            if self.temporary_at == stage and self.temporary > 0:
                self.temporary -= 1
                return True
        return False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if self._temporary_now("rcpt"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self._temporary_now("data"):
            return "451 4.3.0 Try again later"
        if self.data_reply:
            return self.data_reply
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, allowed: set[int]) -> None:
        self.handler = Handler()
        self.port = free_port()
        allowed.add(self.port)
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _point_mail_at(app, port: int, timeout: int):
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=timeout)
    return saved


@pytest.fixture
def smtp(app, smtp_guard):
    """A running aiosmtpd server on 127.0.0.1 that the app sends to (restored afterwards)."""
    server = SmtpServer(smtp_guard)
    server.start()
    saved = _point_mail_at(app, server.port, timeout=5)
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)


@pytest.fixture
def stalled_smtp(app, smtp_guard):
    """A server that accepts TCP connections (the kernel's backlog) and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    smtp_guard.add(port)
    saved = _point_mail_at(app, port, timeout=2)
    try:
        yield port
    finally:
        listener.close()
        app.config.update(saved)


# -- data ------------------------------------------------------------------------------------

TEAM = [
    {"username": "zhang", "name": "张三", "email": "zhang@example.org", "role": "evaluator"},
    {"username": "li", "name": "李四", "email": "li@example.org", "role": "evaluator"},
    {"username": "nomail", "name": "赵六", "role": "evaluator"},
]


def online_request(key: str, due: date, owner: str = "zhang", **extra) -> dict:
    """An online request whose computed due date is `due` (received 20 working days before it)."""
    received = plain_calendar().add(due, -20)
    return {"key": key, "target": "liangzhou", "owner": owner, "channel": "online", "purpose": "21",
            "subject": f"测试申请 {key}", "submitted_at": f"{received.isoformat()}T10:00:00+08:00",
            "online": {"window_active": True, "accepted": True, "confirmed_on": received.isoformat()}, **extra}


@functools.cache
def plain_calendar():
    """The calendar without admin overrides (the tests add none)."""
    from tracker.law.workdays import WorkCalendar

    return WorkCalendar()


def load_requests(app, requests: list[dict], team: list[dict] | None = None, target_name: str = "凉州区") -> None:
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db

    data = {"format": "tracker-bundle/1",
            "campaign": {"name": CAMPAIGN, "rubric": "wuwei-2020-county", "year": 2020},
            "team": TEAM if team is None else team,
            "targets": [{"key": "liangzhou", "name": target_name, "kind": "county"}],
            "requests": requests}
    with app.app_context():
        import_bundle(None, data)
        db.session.commit()


def request_due(app, key: str) -> date | None:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        return db.session.scalar(select(MockRequest.due_date).where(MockRequest.key == key))


def count_rows(app, model) -> int:
    from sqlalchemy import func, select

    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))
