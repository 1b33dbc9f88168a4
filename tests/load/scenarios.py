"""Two fault scenarios of scripts/loadtest (issue 17):

* ``outage``: the SMTP server is down for a simulated day, then up. The reminder job runs each
  working morning and the outbox is delivered every 10 simulated minutes (the clock is passed to
  ``deliver_pending``); a real SMTP server on loopback (aiosmtpd) is stopped, then started. Proof:
  no attempt counted and no back-off set during the outage, and once the server answers every
  reminder arrives exactly once (one message per outbox row, one Message-ID each, every recorded
  reminder's request named in the message it was recorded with).
* ``slow-upload``: writers keep working while an Excel import of a large workbook (hundreds of
  counties) is read: the ordinary load run of loadtest.py with an admin uploading the workbook in a
  loop meanwhile. Proof: the usual one (every acknowledged write stored, no 500, no "database is
  locked"), the imports saved, and the writers' latency while an import was being read.
"""
from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

EXTRA_TARGETS = 300  # counties of the slow upload's workbook, besides the evaluators' own
OUTAGE_DAY = date(2020, 9, 25)  # a Friday; Sunday 27 September 2020 was a make-up working day
REMINDER_DAYS = (date(2020, 9, 25), date(2020, 9, 27), date(2020, 9, 28), date(2020, 9, 29))


# ============================================================================ outage

@dataclass
class OutageResult:
    evaluators: int = 0
    requests: int = 0
    reminders: int = 0
    emails: int = 0
    runs_during_outage: int = 0
    attempts_during_outage: int = 0
    backed_off_during_outage: int = 0
    catch_up_seconds: float = 0.0
    received: int = 0
    duplicates: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.reminders > 0

    def summary(self) -> str:
        return "\n".join([
            f"== outage: SMTP down for a simulated day, then up ({self.evaluators} evaluators, {self.requests} requests) ==",
            f"reminders recorded {self.reminders} in {self.emails} emails; delivery runs during the outage "
            f"{self.runs_during_outage}: attempts counted {self.attempts_during_outage}, messages backed off "
            f"{self.backed_off_during_outage}",
            f"first delivery once the server answered: {self.catch_up_seconds:.2f} s; emails received "
            f"{self.received} (of {self.emails}), duplicates {self.duplicates}",
            *[f"  PROBLEM: {p}" for p in self.problems[:30]],
            "RESULT: " + ("PASS" if self.ok else "FAIL"),
        ])


class _Recorder:
    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _outage_bundle(evaluators: int, per_evaluator: int) -> dict:
    from tracker.law.workdays import WorkCalendar

    calendar = WorkCalendar()
    team = [{"username": f"eval{n:02d}", "name": f"评估员{n:02d}", "email": f"eval{n:02d}@example.org",
             "role": "evaluator"} for n in range(evaluators)]
    requests = []
    for n in range(evaluators):
        for k in range(per_evaluator):
            due = calendar.add(OUTAGE_DAY, k % 8 - 1)  # overdue, due today, due soon, later
            received = calendar.add(due, -20)
            requests.append({
                "key": f"OUT-{n:02d}-{k:03d}", "target": "liangzhou", "owner": f"eval{n:02d}", "channel": "online",
                "purpose": "21", "subject": f"停电演练 {n}-{k}", "submitted_at": f"{received.isoformat()}T10:00:00+08:00",
                "online": {"window_active": True, "accepted": True, "confirmed_on": received.isoformat()}})
    return {"format": "tracker-bundle/1", "campaign": {"name": "邮件停电演练（2020）", "rubric": "wuwei-2020-county",
                                                       "year": 2020},
            "team": team, "targets": [{"key": "liangzhou", "name": "凉州区", "kind": "county"}], "requests": requests}


def _smtp_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_outage(evaluators: int = 20, per_evaluator: int = 20, database_url: str | None = None) -> OutageResult:
    """In this process: an app on a scratch database (SQLite unless `database_url`), a real SMTP server."""
    import os

    from aiosmtpd.controller import Controller

    workdir = Path(tempfile.mkdtemp(prefix="tracker-outage-"))
    port = _smtp_port()
    os.environ.update({"TRACKER_INSTANCE": str(workdir / "instance"), "TRACKER_SCHEDULER": "off",
                       "TRACKER_DATABASE_URL": database_url or f"sqlite:///{workdir / 'instance' / 'tracker.sqlite3'}",
                       "TRACKER_MAIL_SERVER": "127.0.0.1", "TRACKER_MAIL_PORT": str(port), "TRACKER_MAIL_TIMEOUT": "5",
                       "TRACKER_SECRET_KEY": secrets.token_hex(16)})
    from tracker import create_app
    from tracker.bundles.importer import import_bundle
    from tracker.core.setup import initialise_database
    from tracker.extensions import db

    app = create_app()
    result = OutageResult(evaluators=evaluators, requests=evaluators * per_evaluator)
    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)  # started by _simulate, after the outage
    try:
        with app.app_context():
            initialise_database()
            import_bundle(None, _outage_bundle(evaluators, per_evaluator))
            db.session.commit()
        _simulate(app, controller, result)
        _check_exactly_once(app, recorder, result)
    finally:
        if getattr(controller, "_thread", None) is not None:
            controller.stop()
        with app.app_context():
            if database_url:
                db.drop_all()
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def _morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 0)  # 09:00 in Beijing, as naive UTC


def _simulate(app, controller, result: OutageResult) -> None:
    from tracker.core.mail import deliver_pending
    from tracker.extensions import db
    from tracker.reminders.job import run_reminders

    def job(day: date) -> None:
        with app.app_context():
            run_reminders(day)
            db.session.commit()

    job(OUTAGE_DAY)  # the server is down from here on
    now = _morning(OUTAGE_DAY)
    while now < _morning(OUTAGE_DAY) + timedelta(days=1):
        report = deliver_pending(app, now=now)
        result.runs_during_outage += 1
        if report.handled or not report.unreachable:
            result.problems.append(f"a run during the outage handled {report.handled} messages: {report.summary()}")
        now += timedelta(minutes=10)
    _outage_state(app, result)
    controller.start()
    started = time.perf_counter()
    deliver_pending(app, now=now)
    result.catch_up_seconds = time.perf_counter() - started
    for day in REMINDER_DAYS[1:]:
        job(day)
        for minutes in range(0, 60, 10):
            deliver_pending(app, now=_morning(day) + timedelta(minutes=minutes))


def _outage_state(app, result: OutageResult) -> None:
    from sqlalchemy import func, select

    from tracker.extensions import db
    from tracker.core.mail import OutboxMessage as M

    with app.app_context():
        attempts, backed_off, pending, total = db.session.execute(select(
            func.coalesce(func.sum(M.attempts), 0), func.count(M.next_attempt_at),
            func.count().filter(M.status == "pending"), func.count())).one()
    result.attempts_during_outage, result.backed_off_during_outage = int(attempts), int(backed_off)
    if attempts or backed_off or pending != total:
        result.problems.append(f"the outage changed messages: attempts {attempts}, backed off {backed_off}, "
                               f"pending {pending} of {total}")


def _check_exactly_once(app, recorder: _Recorder, result: OutageResult) -> None:
    from sqlalchemy import select

    from tracker.core.mail import message_id
    from tracker.extensions import db
    from tracker.core.mail import OutboxMessage
    from tracker.reminders.models import ReminderSent
    from tracker.requests.models import MockRequest

    with app.app_context():
        outbox = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
        reminders = db.session.execute(select(ReminderSent.outbox_id, MockRequest.key)
                                       .join(MockRequest, MockRequest.id == ReminderSent.request_id)).all()
        sender = app.config["MAIL_DEFAULT_SENDER"]
        expected_ids = {message_id(m.id, m.created_at, sender): m for m in outbox.values()}
    result.reminders, result.emails, result.received = len(reminders), len(outbox), len(recorder.messages)
    seen: dict[str, str] = {}
    for message in recorder.messages:
        mid = str(message["Message-ID"])
        if mid in seen:
            result.duplicates += 1
        seen[mid] = message.get_body(preferencelist=("plain",)).get_content()
    missing = [m.id for mid, m in expected_ids.items() if mid not in seen]
    unsent = [m.id for m in outbox.values() if m.status != "sent"]
    if missing or unsent or result.duplicates or len(seen) != len(outbox):
        result.problems.append(f"outbox {len(outbox)}, distinct received {len(seen)}, missing {missing[:10]}, "
                               f"not sent {unsent[:10]}, duplicates {result.duplicates}")
    by_outbox = {m.id: seen.get(mid, "") for mid, m in expected_ids.items()}
    absent = [(outbox_id, key) for outbox_id, key in reminders if outbox_id is None
              or not re.search(rf"{re.escape(key)}\b", by_outbox.get(outbox_id, ""))]
    if absent:
        result.problems.append(f"{len(absent)} reminders not named in the message recorded for them: {absent[:5]}")


# ============================================================================ slow upload

NOTED_SHEETS = 20  # sheets whose notes change: what the import saves (the rest is read and checked)


def make_large_workbook(template: bytes, extra_prefix: str = "extra") -> bytes:
    """The downloaded template, cut to the extra counties' sheets, read up to each sheet's last allowed
    row; NOTED_SHEETS of them get a note on every indicator (what a real import saves)."""
    from openpyxl import load_workbook

    from tracker.scoring.workbook_layout import FIRST_ROW, LAST_ROW

    book = load_workbook(io.BytesIO(template))
    noted = 0
    for sheet in list(book.worksheets):
        key = sheet["P2"].value
        if key is not None and not str(key).startswith(extra_prefix):
            book.remove(sheet)  # the evaluators edit their counties meanwhile: leave those out
            continue
        if key is None:
            continue
        stamp, noted = uuid.uuid4().hex[:8], noted + 1
        for row in range(FIRST_ROW, sheet.max_row + 1):
            if noted <= NOTED_SHEETS and sheet[f"A{row}"].value is not None:  # derived indicators take notes too
                sheet[f"L{row}"] = f"批量导入说明 {stamp}"
        sheet[f"O{LAST_ROW}"] = " "
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Uploader(threading.Thread):
    """An admin who uploads the large workbook again and again while the evaluators work."""

    def __init__(self, port: int, plan: dict, stats, stop_at: float) -> None:
        super().__init__(name="uploader", daemon=True)
        from tests.load.loadtest import Browser

        self.browser = Browser(port, stats, timeout=600)
        self.plan, self.stats, self.stop_at = plan, stats, stop_at
        self.uploads: list[tuple[float, int, int, int]] = []  # (seconds, status, first sample, last sample)
        self.workbook_bytes = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._login()
            campaign = self.plan["campaign"]
            template = self._get(f"/campaigns/{campaign}/sheets/template.xlsx")
            data = make_large_workbook(template)
            self.workbook_bytes = len(data)
            while time.monotonic() < self.stop_at:  # the first import saves the notes, the next ones re-read them
                self._upload(campaign, data)
        except BaseException as error:  # noqa: BLE001 — reported by the runner
            self.error = error
        finally:
            self.browser.close()

    def _login(self) -> None:
        from tests.load.htmlforms import csrf_token
        from tests.load.loadtest import PASSWORD

        _status, page = self.browser.get("/login", "upload: GET /login")
        status, _page, _location = self.browser.post(
            "/login", {"username": "loadadmin", "password": PASSWORD, "csrf_token": csrf_token(page)}, "upload: login")
        if status != 302:
            raise RuntimeError(f"the uploading admin could not log in: {status}")

    def _get(self, path: str) -> bytes:
        self.browser.close()
        headers = {"Host": f"127.0.0.1:{self.browser.port}",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.browser.cookies.items())}
        response, data = self.browser._send("GET", path, None, headers)
        self.browser.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status}")
        return data

    def _upload(self, campaign: int, data: bytes) -> None:
        from tests.load.htmlforms import csrf_token

        _status, page = self.browser.get(f"/campaigns/{campaign}/sheets/import", "upload: GET form")
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf_token(page)}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"large.xlsx\"\r\n"
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
        body += data + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Host": f"127.0.0.1:{self.browser.port}", "Content-Type": f"multipart/form-data; boundary={boundary}",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.browser.cookies.items())}
        first = len(self.stats.samples)
        started = time.perf_counter()
        response, raw = self.browser._send("POST", f"/campaigns/{campaign}/sheets/import", body, headers)
        seconds = time.perf_counter() - started
        self.uploads.append((seconds, response.status, first, len(self.stats.samples)))
        if response.status != 302:
            text = re.sub(r"<[^>]+>", " ", raw.decode("utf-8", "replace"))
            raise RuntimeError(f"the import was refused ({response.status}): {' '.join(text.split())[:400]}")


def upload_figures(uploader: Uploader) -> dict:
    from tests.load.loadtest import percentile

    during = []
    for _seconds, _status, first, last in uploader.uploads:
        during += [s.seconds * 1000 for s in uploader.stats.samples[first:last]
                   if s.method == "POST" and not s.label.startswith("upload")]
    return {"workbook_mb": round(uploader.workbook_bytes / 1e6, 2), "imports": len(uploader.uploads),
            "import_seconds": [round(u[0], 1) for u in uploader.uploads],
            "writes_during_imports": len(during), "write_p95_ms_during": round(percentile(during, 0.95)),
            "write_max_ms_during": round(max(during, default=0))}


def result_json(result) -> str:
    return json.dumps(result.__dict__, ensure_ascii=False, default=str)
