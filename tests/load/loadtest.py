"""Load test: 20 concurrent evaluators on the real HTTP forms, then proof that every acknowledged
write is in the database with its exact value.

    scripts/loadtest [--backend sqlite|postgres|both] [--duration 120] [--workers 20]

* ``sqlite``: ``tracker serve`` (waitress) on a SQLite database in a fresh instance folder;
* ``postgres``: gunicorn with 4 workers on a scratch PostgreSQL database (created, then dropped).

Each evaluator logs in, then loops until the time is up: new requests on every channel, edits,
phone attempts, replies and score facts on its own county, and (to make conflicts happen) facts on
one county that every evaluator edits at once. Every POST reads its CSRF token and fields from the
page's form, the way a browser does. Every write the server acknowledged (302) is recorded with
its exact value; afterwards the database is read with plain SQL (not through the app) and every
acknowledged value must be there, unchanged. The shared county's history in the audit log must be
a chain (each change's "before" is the previous change's "after": nothing was silently
overwritten). Zero 500s, zero "database is locked" in the server log. Exit status 0 only then.

Standard library only (plus SQLAlchemy and psycopg, which the app installs), so CI needs nothing more.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if __package__:
    from .htmlforms import csrf_token, form_posting_to, forms
else:  # run as a script by scripts/loadtest
    sys.path.insert(0, str(HERE))
    sys.path.insert(1, str(ROOT))  # tests.load.scenarios
    from htmlforms import csrf_token, form_posting_to, forms

PASSWORD = "load-test-password-1"
CAMPAIGN = "负载测试考评（2020）"
BIN = Path(sys.executable).parent
LOCKED_PATTERN = re.compile(r"database is locked", re.IGNORECASE)
UTC_OFFSET = timedelta(hours=8)  # Beijing; 2020 has no daylight saving


# ============================================================================ the server under test

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_env(instance: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({
        "TRACKER_INSTANCE": str(instance),
        "TRACKER_DATABASE_URL": database_url,
        "TRACKER_SCHEDULER": "off",
        "TRACKER_SECRET_KEY": secrets.token_hex(16),
        "TRACKER_MAIL_SERVER": "127.0.0.1",
        "TRACKER_MAIL_PORT": "9",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def _no_control_socket() -> list[str]:
    """Recent gunicorn opens a control socket at one fixed path per user: two servers would share it.
    The option is looked up in gunicorn's source, not imported: a process that has imported gunicorn
    looks like a gunicorn worker to the app (which then refuses to start its scheduler)."""
    import importlib.util

    spec = importlib.util.find_spec("gunicorn")
    config = Path(spec.origin).parent / "config.py" if spec and spec.origin else None
    known = config is not None and config.exists() and "no-control-socket" in config.read_text(encoding="utf-8")
    return ["--no-control-socket"] if known else []


class Server:
    """`tracker serve` (waitress) or gunicorn, on a free loopback port, logging to a file."""

    def __init__(self, kind: str, env: dict[str, str], log: Path, workers: int = 4, threads: int = 8):
        self.kind, self.env, self.log, self.workers, self.threads = kind, env, log, workers, threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        if self.kind == "waitress":
            return [str(BIN / "tracker"), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                    "--threads", str(self.threads)]
        return [str(BIN / "gunicorn"), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                "--timeout", "120", "--graceful-timeout", "5", *_no_control_socket(), "tracker.wsgi:app"]

    def start(self, timeout: float = 90) -> Server:
        handle = open(self.log, "ab")
        self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start ({self.process.returncode}):\n{self.log_text()[-3000:]}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                if response.status == 200 and response.read() == b"ok":
                    return self
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz within {timeout} s:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the whole process group (gunicorn's workers too): a power cut, as far as the database knows."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=15)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


# ============================================================================ databases

class Database:
    """A SQLite file in the instance folder, or a scratch PostgreSQL database made for this run."""

    def __init__(self, backend: str, workdir: Path, admin_url: str | None = None):
        self.backend = backend
        self.name = None
        if backend == "sqlite":
            self.url = f"sqlite:///{workdir / 'instance' / 'tracker.sqlite3'}"
            return
        self.admin_url = _psycopg_url(admin_url or os.environ.get("TRACKER_TEST_DATABASE_URL")
                                      or "postgresql://postgres@127.0.0.1:5432/postgres")
        self.name = f"tracker_load_{os.getpid()}_{secrets.token_hex(3)}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        parts = urlsplit(self.admin_url)
        self.url = f"postgresql+psycopg://{parts.netloc}/{self.name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql)

    def drop(self) -> None:
        if self.name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.name = None

    def engine(self):
        from sqlalchemy import create_engine

        return create_engine(self.url)


def _psycopg_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


# ============================================================================ setup (run as a subprocess)

def setup_main(evaluators: int) -> None:
    """Create the schema, an admin, the evaluators, a campaign with one county each plus a shared one.
    Runs in its own process with the server's environment; prints what the clients need as JSON."""
    from tracker import create_app
    from tracker.campaigns import operations as campaign_ops
    from tracker.core.setup import initialise_database
    from tracker.extensions import db
    from tracker.scoring.rubric_store import get_rubric
    from tracker.users import operations as user_ops

    app = create_app()
    with app.app_context():
        initialise_database()
        admin = user_ops.create_user(None, "loadadmin", "admin", name="负载管理员", password=PASSWORD)
        names = [f"eval{i:02d}" for i in range(evaluators)]
        users = [user_ops.create_user(None, n, "evaluator", name=f"评估员{n[-2:]}", email=f"{n}@example.org",
                                      password=PASSWORD) for n in names]
        campaign = campaign_ops.create_campaign(admin, {"name": CAMPAIGN, "year": 2020, "rubric_code": "wuwei-2020-county",
                                                       "member_ids": [u.id for u in users]})
        targets = {}
        extra = [f"extra{n:04d}" for n in range(int(os.environ.get("LOADTEST_EXTRA_TARGETS", "0")))]
        for key in names + ["shared"] + extra:
            target = campaign_ops.create_target(admin, campaign, {
                "key": key, "name": f"负载测试县 {key}", "apply_url": f"https://{key}.example.org/apply",
                "address": f"{key} 路 1 号", "legal_representative": f"法人{key[-2:]}", "guide_phone": "0935-0000000"})
            targets[key] = target.id
        rubric = get_rubric(campaign.rubric_code)
        checklists = {str(i.id): [float(item.points) for item in i.items]
                      for i in rubric.indicators if i.kind == "checklist" and i.items}
        db.session.commit()
        print(json.dumps({"campaign": campaign.id, "targets": targets, "users": names, "checklists": checklists}))


def run_setup(env: dict[str, str], evaluators: int) -> dict:
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "_setup", str(evaluators)], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"setup failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ============================================================================ an HTTP client that acts like a browser

class Unknown(Exception):
    """The server's answer to a write was lost (timeout, reset): whether it was saved is unknown."""


@dataclass
class Sample:
    method: str
    label: str
    status: int
    seconds: float


class Browser:
    def __init__(self, port: int, stats: Stats, timeout: float = 120):
        self.port, self.stats, self.timeout = port, stats, timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if (response.getheader("Connection") or "").lower() == "close":
            self.close()
        return response, data

    def request(self, method: str, path: str, label: str, data: dict | None = None) -> tuple[int, str, dict]:
        headers = {"Host": f"127.0.0.1:{self.port}", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                response, raw = self._send(method, path, body, headers)
                break
            except (OSError, http.client.HTTPException) as error:
                self.close()
                # A kept-alive connection the server had closed: a GET may be repeated; a POST may not.
                if method == "GET" and attempt == 1:
                    continue
                self.stats.add(Sample(method, label, -1, time.perf_counter() - started))
                raise Unknown(f"{method} {path}: {error!r}") from error
        self.stats.add(Sample(method, label, response.status, time.perf_counter() - started))
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["expires"] and "1970" in morsel["expires"] or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, raw.decode("utf-8", errors="replace"), dict(response.headers)

    def get(self, path: str, label: str) -> tuple[int, str]:
        status, text, _ = self.request("GET", path, label)
        return status, text

    def post(self, path: str, data: dict, label: str) -> tuple[int, str, str]:
        status, text, headers = self.request("POST", path, label, data)
        return status, text, headers.get("Location", "")


class Stats:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


# ============================================================================ what the evaluators write, and what must be stored

# form field → (table column, kind). Written out here, not imported from the app: the proof must not
# share the code it checks.
REQUEST_FIELDS = {
    "subject": ("subject", "text"), "notes": ("notes", "text"), "submitted_at": ("submitted_at", "local_datetime"),
    "online.url": ("online_url", "text"), "online.window_active": ("online_window_active", "tri"),
    "online.accepted": ("online_accepted", "tri"), "online.confirmed_on": ("online_confirmed_on", "date"),
    "online.confirmation_number": ("online_confirmation_number", "text"),
    "oral.place": ("oral_place", "text"), "oral.filled_in_for_applicant": ("oral_filled_in_for_applicant", "tri"),
    "oral.procedure_explained": ("oral_procedure_explained", "tri"),
    "oral.declined_with_reason": ("oral_declined_with_reason", "tri"),
    "phone.question": ("phone_question", "text"), "phone.answered_correctly": ("phone_answered_correctly", "tri"),
    "letter.addressee": ("letter_addressee", "text"), "letter.marked": ("letter_marked", "text"),
    "letter.posted_on": ("letter_posted_on", "date"), "letter.tracking_number": ("letter_tracking_number", "text"),
    "letter.delivered_on": ("letter_delivered_on", "date"), "letter.confirmed_on": ("letter_confirmed_on", "date"),
}
REPLY_FIELDS = {
    "outcome": "text", "dispatched_on": "date", "received_on": "date", "fee_charged": "money", "notes": "text",
    "told_route": "check", "provided_or_route_and_time": "check", "reasons_given": "check",
    "special_law_referral": "check", "remedy_notice": "check", "sealed": "check",
}
KINDS = [("online", "16"), ("oral", "17"), ("phone", "18"), ("mail", "20"), ("online", "21"), ("mail", "19.2")]
OUTCOMES = ["already_public", "disclosed", "partially_disclosed", "withheld", "not_held", "not_responsible"]
WORKING_DAYS_2020_09 = [date(2020, 9, d) for d in (1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18)]
TEXTS = ["申请公开2019年财政预算执行情况", "请提供重大建设项目批准文件 🏗️", "关于“放管服”改革的实施方案",
         "Ｆｕｌｌ-width ＡＢＣ 与 emoji ✅", "行政执法结果公示 <b>不是标签</b> & 符号 \"引号\" '单引号'"]


def expected_value(kind: str, raw: str):
    raw = raw.strip()
    if kind == "tri":
        return None if raw == "" else raw == "true"
    if kind == "check":
        return raw in ("true", "on")
    if kind == "date":
        return raw or None
    if kind == "local_datetime":
        if not raw:
            return None
        return (datetime.fromisoformat(raw) - UTC_OFFSET).strftime("%Y-%m-%d %H:%M:%S")
    if kind == "money":
        return str(Decimal(raw or "0").quantize(Decimal("0.01")))
    return raw


def stored_value(kind: str, value):
    """A value read from the database, in the spelling of expected_value (SQLite and PostgreSQL alike)."""
    if value is None:
        return None
    if kind in ("tri", "check"):
        return bool(int(value)) if not isinstance(value, bool) else value
    if kind == "date":
        return str(value)[:10]
    if kind == "local_datetime":
        return str(value).replace("T", " ")[:19]
    if kind == "money":
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    return str(value)


def expected_item(raw: str, points: float):
    """A sub-item as the sheet stores it: full points → true, 0 → false, otherwise the points."""
    value = float(raw)
    if value == points:
        return True
    if value == 0:
        return False
    return int(value) if value.is_integer() else value


@dataclass
class Expected:
    """Everything the server acknowledged, as it must now be stored."""

    requests: dict[int, dict] = field(default_factory=dict)  # id → column → value
    replies: dict[int, dict] = field(default_factory=dict)  # request id → column → value
    attempts: dict[int, list] = field(default_factory=lambda: defaultdict(list))  # request id → [(at, connected, note)]
    facts: dict[tuple[int, int], dict] = field(default_factory=dict)  # (target, indicator) → facts
    shared_tokens: list[str] = field(default_factory=list)  # the acknowledged saves on the shared county
    unknown: list[str] = field(default_factory=list)  # writes whose answer was lost
    uncertain: set = field(default_factory=set)  # entities a lost answer made unverifiable
    acknowledged: Counter = field(default_factory=Counter)
    conflicts: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)  # 4xx on a write this test meant to succeed
    lock: threading.Lock = field(default_factory=threading.Lock)


class Evaluator(threading.Thread):
    def __init__(self, number: int, username: str, port: int, plan: dict, expected: Expected, stats: Stats,
                 stop_at: float, seed: int, actions: dict[str, int] | None = None):
        super().__init__(name=f"evaluator-{username}", daemon=True)
        self.number, self.username, self.plan, self.expected = number, username, plan, expected
        self.browser = Browser(port, stats)
        self.stop_at = stop_at
        self.random = random.Random(seed)
        self.campaign = plan["campaign"]
        self.target = plan["targets"][username]
        self.shared = plan["targets"]["shared"]
        self.checklists = {int(k): v for k, v in plan["checklists"].items()}
        self.mine: dict[int, dict] = {}  # request id → {"channel", "attempts", "connected", "reply"}
        self.sequence = 0
        self.error: BaseException | None = None
        self.logged_in = threading.Event()  # set by the runner once every evaluator has logged in
        self.login_done = threading.Event()
        self.actions = actions or {"create": 5, "edit": 3, "attempt": 2, "reply": 4, "facts": 4, "shared": 2}

    # ---------------------------------------------------------------- plumbing

    def token(self) -> str:
        self.sequence += 1
        return f"{self.username}#{self.sequence}"

    def text(self) -> str:
        return f"{self.random.choice(TEXTS)} [{self.token()}]"

    def ack(self, kind: str) -> None:
        with self.expected.lock:
            self.expected.acknowledged[kind] += 1

    def refused(self, what: str, status: int, page: str) -> None:
        message = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _alert(page)))[:300]
        with self.expected.lock:
            self.expected.refused.append(f"{self.username} {what}: {status} {message}")

    def lost(self, what: str, entity) -> None:
        with self.expected.lock:
            self.expected.unknown.append(f"{self.username} {what}")
            self.expected.uncertain.add(entity)

    def run(self) -> None:
        try:
            try:
                self.login()
            finally:
                self.login_done.set()
            self.logged_in.wait(timeout=600)
            # Every evaluator's first round touches each kind of record; then the mix is random.
            for action in ("create_online", "reply", "facts"):
                if time.monotonic() < self.stop_at:
                    getattr(self, f"do_{action}")()
            while time.monotonic() < self.stop_at:
                self.step()
        except BaseException as error:  # noqa: BLE001 — reported by the runner
            self.error = error
        finally:
            self.browser.close()

    def login(self) -> None:
        status, page = self.browser.get("/login", "GET /login")
        status, page, location = self.browser.post("/login", {"username": self.username, "password": PASSWORD,
                                                             "csrf_token": csrf_token(page)}, "POST /login")
        if status != 302:
            raise RuntimeError(f"{self.username} could not log in: {status}")

    def step(self) -> None:
        choices = list(self.actions)
        weights = [self.actions[c] for c in choices]
        if not self.mine:
            action = "create"
        else:
            action = self.random.choices(choices, weights)[0]
        try:
            getattr(self, f"do_{action}")()
        except Unknown as error:
            with self.expected.lock:
                self.expected.unknown.append(f"{self.username} {action}: {error}")

    # ---------------------------------------------------------------- requests

    def do_create_online(self) -> None:
        self.do_create(("online", "21"))

    def do_create(self, kind: tuple[str, str] | None = None) -> None:
        channel, purpose = kind or self.random.choice(KINDS)
        status, page = self.browser.get(f"/campaigns/{self.campaign}/requests/new?target={self.target}"
                                        f"&channel={channel}&purpose={purpose}", "GET new request")
        form = form_posting_to(page, r"^$|/requests/new")
        data = form.defaults()
        day = self.random.choice(WORKING_DAYS_2020_09[:6])
        key = f"{self.username}-{self.sequence + 1}"
        data.update({"key": key, "subject": self.text(), "notes": self.text() + "\n第二行",
                     "submitted_at": f"{day.isoformat()}T{self.random.randint(9, 11):02d}:{self.random.randint(0, 59):02d}"})
        data.update(self.channel_values(channel, day))
        action = form.action or f"/campaigns/{self.campaign}/requests/new"
        try:
            status, page, location = self.browser.post(action, data, "POST new request")
        except Unknown:
            self.lost(f"create {key}", ("request-key", key))
            raise
        match = re.search(r"/requests/(\d+)", location)
        if status != 302 or not match:
            self.refused(f"create {channel}/{purpose}", status, page)
            return
        request_id = int(match.group(1))
        values = {column: expected_value(kind, data[name]) for name, (column, kind) in REQUEST_FIELDS.items()
                  if name in data}
        values.update({"key": key, "channel": channel, "purpose": purpose, "voided": False})
        with self.expected.lock:
            self.expected.requests[request_id] = values
        self.mine[request_id] = {"channel": channel, "purpose": purpose, "attempts": 0, "connected": False,
                                 "reply": False, "day": day}
        self.ack("request created")

    def channel_values(self, channel: str, day: date) -> dict:
        tri = lambda: self.random.choice(["", "true", "false"])
        later = WORKING_DAYS_2020_09[WORKING_DAYS_2020_09.index(day) + 1].isoformat()
        if channel == "online":
            return {"online.window_active": "true", "online.accepted": tri(), "online.confirmed_on": later,
                    "online.confirmation_number": f"WS{self.random.randint(1000, 9999)}"}
        if channel == "oral":
            return {"oral.filled_in_for_applicant": tri(), "oral.procedure_explained": tri(),
                    "oral.declined_with_reason": tri()}
        if channel == "phone":
            return {"phone.question": self.text(), "phone.answered_correctly": tri()}
        return {"letter.posted_on": day.isoformat(), "letter.tracking_number": f"EMS{self.random.randint(10**8, 10**9)}",
                "letter.tracking_other_format": "true",
                "letter.delivered_on": later, "letter.confirmed_on": ""}

    def pick(self, predicate=lambda info: True) -> int | None:
        ids = [i for i, info in self.mine.items() if predicate(info)]
        return self.random.choice(ids) if ids else None

    def do_edit(self) -> None:
        request_id = self.pick()
        status, page = self.browser.get(f"/requests/{request_id}/edit", "GET edit request")
        form = form_posting_to(page, r"^$|/edit")
        data = form.defaults()
        data.update({"subject": self.text(), "notes": self.text()})
        info = self.mine[request_id]
        if info["channel"] == "online":
            data["online.confirmation_number"] = f"WS{self.random.randint(1000, 9999)}"
        elif info["channel"] == "oral":
            data["oral.procedure_explained"] = self.random.choice(["", "true", "false"])
        elif info["channel"] == "phone":
            data["phone.answered_correctly"] = self.random.choice(["", "true", "false"])
        else:
            data["letter.tracking_number"] = f"EMS{self.random.randint(10**8, 10**9)}"
            data["letter.tracking_other_format"] = "true"
        try:
            status, page, location = self.browser.post(f"/requests/{request_id}/edit", data, "POST edit request")
        except Unknown:
            self.lost(f"edit {request_id}", ("request", request_id))
            raise
        if status != 302:
            self.refused(f"edit {request_id}", status, page)
            return
        with self.expected.lock:
            values = self.expected.requests[request_id]
            for name, (column, kind) in REQUEST_FIELDS.items():
                if name in data:
                    values[column] = expected_value(kind, data[name])
        self.ack("request edited")

    def do_attempt(self) -> None:
        request_id = self.pick(lambda i: i["channel"] == "phone" and i["attempts"] < 3 and not i["connected"])
        if request_id is None:
            return self.do_create()
        info = self.mine[request_id]
        status, page = self.browser.get(f"/requests/{request_id}", "GET request")
        # the form for calls entered after the fact: the load runs on a frozen day past the test day
        form = next(f for f in forms(page) if f.method == "post" and f.action.endswith("/attempts")
                    and f.field("at_date"))
        clock_time = f"{9 + info['attempts']:02d}:{self.random.randint(0, 59):02d}"
        at = f"2020-09-02T{clock_time}"
        connected = self.random.random() < 0.3
        data = form.defaults() | {"at_date": "2020-09-02", "at_time": clock_time,
                                  "connected": "true" if connected else "false", "note": self.text()}
        try:
            status, page, location = self.browser.post(form.action, data, "POST phone attempt")
        except Unknown:
            self.lost(f"attempt {request_id}", ("attempts", request_id))
            raise
        if status != 302:
            self.refused(f"attempt {request_id}", status, page)
            return
        info["attempts"] += 1
        info["connected"] = connected
        with self.expected.lock:
            self.expected.attempts[request_id].append((expected_value("local_datetime", at), connected,
                                                       data["note"].strip()))
        self.ack("phone attempt")

    def do_reply(self) -> None:
        request_id = self.pick(lambda i: i["channel"] in ("online", "mail"))
        if request_id is None:
            return self.do_create()
        info = self.mine[request_id]
        status, page = self.browser.get(f"/requests/{request_id}/reply", "GET reply")
        form = form_posting_to(page, r"^$|/reply$")
        data = form.defaults()
        for name in ("told_route", "provided_or_route_and_time", "reasons_given", "special_law_referral",
                     "remedy_notice", "sealed"):
            data.pop(name, None)
            if self.random.random() < 0.5:
                data[name] = "true"
        start = WORKING_DAYS_2020_09.index(info["day"]) + 2
        dispatched = WORKING_DAYS_2020_09[self.random.randint(start, len(WORKING_DAYS_2020_09) - 2)]
        data.update({"outcome": self.random.choice(OUTCOMES), "dispatched_on": dispatched.isoformat(),
                     "received_on": (dispatched + timedelta(days=self.random.randint(0, 3))).isoformat(),
                     "fee_charged": self.random.choice(["0", "0", "10.5", "3"]), "notes": self.text()})
        try:
            status, page, location = self.browser.post(f"/requests/{request_id}/reply", data, "POST reply")
        except Unknown:
            self.lost(f"reply {request_id}", ("reply", request_id))
            raise
        if status != 302:
            self.refused(f"reply {request_id}", status, page)
            return
        info["reply"] = True
        with self.expected.lock:
            self.expected.replies[request_id] = {name: expected_value(kind, data.get(name, ""))
                                                 for name, kind in REPLY_FIELDS.items()}
        self.ack("reply saved")

    # ---------------------------------------------------------------- score facts

    def fill_facts(self, target: int, indicator: int) -> tuple[dict, dict, str]:
        sheet = f"/campaigns/{self.campaign}/targets/{target}/sheet"
        status, page = self.browser.get(sheet, "GET sheet")
        # The sheet is a big page: parse only the indicator's own form (the client shares 2 cores with the server).
        start = re.search(rf'<form[^>]*action="[^"]*/indicators/{indicator}#', page)
        end = page.find("</form>", start.start()) if start else -1
        form = form_posting_to(page[start.start():end + 7] if start and end > 0 else page,
                               rf"/indicators/{indicator}(#|$)")
        data = form.defaults()
        points = self.checklists[indicator]
        items = []
        for index, maximum in enumerate(points):
            options = [o for o in form.field(f"item-{index}").options if o != ""]
            choice = self.random.choice(options)
            data[f"item-{index}"] = choice
            items.append(expected_item(choice, maximum))
        note = self.text()
        data["note"] = note
        data["override_points"], data["override_reason"] = "", ""
        return data, {"items": items, "note": note.strip()}, form.action.split("#")[0]

    def do_facts(self) -> None:
        indicator = self.random.choice(sorted(self.checklists))
        data, facts, action = self.fill_facts(self.target, indicator)
        try:
            status, page, location = self.browser.post(action, data, "POST facts")
        except Unknown:
            self.lost(f"facts {indicator}", ("facts", self.target, indicator))
            raise
        if status != 302:
            self.refused(f"facts {indicator}", status, page)
            return
        with self.expected.lock:
            self.expected.facts[(self.target, indicator)] = facts
        self.ack("score facts saved")

    def do_shared(self) -> None:
        """Everybody edits indicator 1 of the shared county: some saves must meet a conflict."""
        indicator = min(self.checklists)
        data, facts, action = self.fill_facts(self.shared, indicator)
        try:
            status, page, location = self.browser.post(action, data, "POST facts (shared)")
        except Unknown:
            self.lost(f"shared facts {facts['note']}", ("facts", self.shared, indicator))
            raise
        if status == 409:
            with self.expected.lock:
                self.expected.conflicts["shared score facts"] += 1
            return
        if status != 302:
            self.refused("shared facts", status, page)
            return
        with self.expected.lock:
            self.expected.shared_tokens.append(facts["note"])
        self.ack("score facts saved (shared county)")


def _alert(page: str) -> str:
    match = re.search(r'<div class="alert[^"]*alert-(?:danger|warning)[^"]*"[^>]*>(.*?)</div>', page, re.DOTALL)
    return match.group(1) if match else page[:300]


# ============================================================================ the proof

def verify(database: Database, plan: dict, expected: Expected) -> list[str]:
    """Every acknowledged write, read back with plain SQL: the list of problems (empty = proven)."""
    from sqlalchemy import text

    problems: list[str] = []
    engine = database.engine()
    try:
        with engine.connect() as connection:
            def rows(sql, **params):
                return connection.execute(text(sql), params).mappings().all()

            columns = sorted({c for v in expected.requests.values() for c in v})
            stored = {r["id"]: r for r in rows(f"SELECT id, {', '.join(columns)} FROM requests "
                                               f"WHERE campaign_id = :c", c=plan["campaign"])}
            kinds = {column: kind for column, kind in REQUEST_FIELDS.values()} | {
                "key": "text", "channel": "text", "purpose": "text", "voided": "check"}
            for request_id, values in expected.requests.items():
                if ("request", request_id) in expected.uncertain:
                    continue
                row = stored.get(request_id)
                if row is None:
                    problems.append(f"request {request_id} ({values['key']}) was acknowledged but is missing")
                    continue
                for column, value in values.items():
                    got = stored_value(kinds[column], row[column])
                    if got != value:
                        problems.append(f"request {values['key']}.{column}: stored {got!r}, acknowledged {value!r}")
            acknowledged_keys = {v["key"] for v in expected.requests.values()}
            uncertain_keys = {e[1] for e in expected.uncertain if e[0] == "request-key"}
            for row in stored.values():
                if row["key"] not in acknowledged_keys and row["key"] not in uncertain_keys:
                    problems.append(f"request {row['key']} is stored but was never acknowledged")

            replies = {r["request_id"]: r for r in rows(
                "SELECT r.* FROM replies r JOIN requests q ON q.id = r.request_id WHERE q.campaign_id = :c",
                c=plan["campaign"])}
            for request_id, values in expected.replies.items():
                if ("reply", request_id) in expected.uncertain:
                    continue
                row = replies.get(request_id)
                if row is None:
                    problems.append(f"the reply of request {request_id} was acknowledged but has vanished")
                    continue
                for column, value in values.items():
                    got = stored_value(REPLY_FIELDS[column], row[column])
                    if got != value:
                        problems.append(f"reply of request {request_id}.{column}: stored {got!r}, acknowledged {value!r}")

            attempts = defaultdict(list)
            for r in rows("SELECT a.request_id, a.at, a.connected, a.note FROM phone_attempts a "
                          "JOIN requests q ON q.id = a.request_id WHERE q.campaign_id = :c ORDER BY a.id",
                          c=plan["campaign"]):
                attempts[r["request_id"]].append((stored_value("local_datetime", r["at"]),
                                                  stored_value("check", r["connected"]), r["note"]))
            for request_id, values in expected.attempts.items():
                if ("attempts", request_id) in expected.uncertain:
                    continue
                if sorted(attempts.get(request_id, [])) != sorted(values):
                    problems.append(f"phone attempts of request {request_id}: stored {attempts.get(request_id)}, "
                                    f"acknowledged {values}")

            facts = {(r["target_id"], r["indicator_id"]): r for r in rows(
                "SELECT s.target_id, f.indicator_id, f.id, f.facts, f.version FROM indicator_facts f "
                "JOIN score_sheets s ON s.id = f.sheet_id WHERE s.campaign_id = :c", c=plan["campaign"])}
            for key, value in expected.facts.items():
                if ("facts",) + key in expected.uncertain:
                    continue
                row = facts.get(key)
                if row is None:
                    problems.append(f"score facts {key} were acknowledged but are missing")
                    continue
                if _canonical(row["facts"]) != _canonical(value):
                    problems.append(f"score facts {key}: stored {_canonical(row['facts'])}, acknowledged {_canonical(value)}")
            problems += _verify_shared(rows, plan, expected, facts)
    finally:
        engine.dispose()
    return problems


def _verify_shared(rows, plan: dict, expected: Expected, facts: dict) -> list[str]:
    """The shared county's indicator: its audit history is an unbroken chain of acknowledged saves."""
    problems = []
    indicator = min(int(k) for k in plan["checklists"])
    row = facts.get((plan["targets"]["shared"], indicator))
    if row is None:
        return ["the shared county's score facts are missing"] if expected.shared_tokens else []
    history = [(_json(r["before"]), _json(r["after"])) for r in rows(
        "SELECT before, after FROM audit_log WHERE entity = 'indicator_facts' AND entity_id = :i ORDER BY id",
        i=row["id"])]
    notes = [after.get("note") for _, after in history]
    acknowledged = set(expected.shared_tokens)
    lost_answers = ("facts", plan["targets"]["shared"], indicator) in expected.uncertain
    for token in acknowledged - set(notes):
        problems.append(f"shared county: the acknowledged save {token!r} is not in the history (lost)")
    for note, count in Counter(notes).items():
        if count > 1:
            problems.append(f"shared county: the save {note!r} is in the history {count} times")
    if not lost_answers:
        for note in set(notes) - acknowledged:
            problems.append(f"shared county: the history holds {note!r}, which was never acknowledged")
    for (before, _), (_, previous_after) in zip(history[1:], history[:-1]):
        if _canonical(before) != _canonical(previous_after):
            problems.append("shared county: a save overwrote a value it had not seen (the history is not a chain): "
                            f"{_canonical(before)} after {_canonical(previous_after)}")
    if history and _canonical(history[-1][1]) != _canonical(row["facts"]):
        problems.append("shared county: the stored facts are not the last acknowledged save")
    if len(history) != int(row["version"]):
        problems.append(f"shared county: {len(history)} audited saves but the row is at version {row['version']}")
    return problems


def _json(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def _canonical(value) -> str:
    return json.dumps(_json(value), sort_keys=True, ensure_ascii=False)


# ============================================================================ one run

@dataclass
class Result:
    backend: str
    server: str
    duration: float
    workers: int
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    statuses: dict
    errors_500: int
    locked_in_log: int
    tracebacks_in_log: int
    acknowledged: dict
    conflicts: dict
    refused: list
    unknown: list
    problems: list
    worker_errors: list
    slowest: dict = field(default_factory=dict)
    load_average: str = ""
    scenario: dict = field(default_factory=dict)  # figures of a scenario's extra thread (scenarios.py)

    @property
    def ok(self) -> bool:
        return not (self.errors_500 or self.locked_in_log or self.tracebacks_in_log or self.refused
                    or self.problems or self.worker_errors or self.unknown) and sum(self.acknowledged.values()) > 0

    def summary(self) -> str:
        lines = [
            f"== {self.backend} via {self.server}: {self.workers} evaluators, {self.duration:.0f} s "
            f"(machine load average before/after: {self.load_average}) ==",
            f"HTTP requests: {self.requests} ({self.per_second:.1f}/s); latency p50 {self.p50_ms:.0f} ms, "
            f"p95 {self.p95_ms:.0f} ms",
            "statuses: " + ", ".join(f"{k}×{v}" for k, v in sorted(self.statuses.items())),
            "acknowledged writes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.acknowledged.items()))
            + f" (total {sum(self.acknowledged.values())})",
            "conflicts shown to the second writer: " + (", ".join(f"{k} {v}" for k, v in self.conflicts.items()) or "0"),
            "p95 by page: " + "; ".join(f"{k} {v:.0f} ms" for k, v in self.slowest.items()),
            f"500 responses: {self.errors_500}; 'database is locked' in the server log: {self.locked_in_log}; "
            f"tracebacks in the log: {self.tracebacks_in_log}",
            f"writes refused unexpectedly: {len(self.refused)}; answers lost: {len(self.unknown)}; "
            f"worker errors: {len(self.worker_errors)}",
            f"verification: {'every acknowledged write is stored with its exact value' if not self.problems else ''}"
            + "".join(f"\n  PROBLEM: {p}" for p in self.problems[:50]),
        ]
        lines += [f"  refused: {r}" for r in self.refused[:10]] + [f"  lost: {u}" for u in self.unknown[:10]]
        lines += [f"  worker error: {e}" for e in self.worker_errors[:10]]
        if self.scenario:
            lines.append("scenario: " + ", ".join(f"{k} {v}" for k, v in self.scenario.items()))
        lines.append("RESULT: " + ("PASS" if self.ok else "FAIL"))
        return "\n".join(lines)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(backend: str = "sqlite", duration: float = 120, workers: int = 20, seed: int = 1,
        workdir: Path | None = None, keep: bool = False, admin_url: str | None = None, after=None,
        extra_targets: int = 0, during=None) -> Result:
    """One load run; `after(database, plan, expected)` is called once the proof is done, before clean-up;
    `during(port, plan, stats, stop_at)` returns a thread that works beside the evaluators (the slow
    upload of scenarios.py), joined before the proof; its `figures()` go into the result."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix=f"tracker-load-{backend}-"))
    database = Database(backend, workdir, admin_url)
    server = None
    try:
        env = base_env(workdir / "instance", database.url)
        plan = run_setup(env | {"LOADTEST_EXTRA_TARGETS": str(extra_targets)}, workers)
        server = Server("waitress" if backend == "sqlite" else "gunicorn", env, workdir / "server.log").start()
        expected, logins, stats = Expected(), Stats(), Stats()
        threads = [Evaluator(i, name, server.port, plan, expected, logins, float("inf"), seed * 1000 + i)
                   for i, name in enumerate(plan["users"])]
        for thread in threads:
            thread.start()
        for thread in threads:  # log everybody in first (scrypt is slow on purpose): the clock starts after
            thread.login_done.wait(timeout=300)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        for thread in threads:
            thread.browser.stats, thread.stop_at = stats, started + duration
            thread.logged_in.set()
        beside = during(server.port, plan, stats, started + duration) if during is not None else None
        if beside is not None:
            beside.start()
        for thread in threads:
            thread.join(timeout=duration + 300)
        if beside is not None:
            beside.join(timeout=900)
            threads = [*threads, beside]
        elapsed = time.monotonic() - started
        server.stop()
        log = server.log_text()
        problems = verify(database, plan, expected)
        result = _result(backend, server.kind, elapsed, workers, stats, expected, log, problems, threads)
        result.load_average = f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"
        if beside is not None:
            result.scenario = beside.figures()
        if after is not None:
            after(database, plan, expected)
        return result
    finally:
        if server is not None:
            server.stop()
        if not keep:
            database.drop()
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


def _result(backend, server_kind, elapsed, workers, stats, expected, log, problems, threads) -> Result:
    samples = stats.samples
    latencies = [s.seconds * 1000 for s in samples]
    by_label = defaultdict(list)
    for s in samples:
        by_label[s.label].append(s.seconds * 1000)
    slowest = dict(sorted(((k, percentile(v, 0.95)) for k, v in by_label.items()), key=lambda kv: -kv[1])[:6])
    return Result(
        backend=backend, server=server_kind, duration=elapsed, workers=workers, requests=len(samples),
        per_second=len(samples) / elapsed if elapsed else 0.0,
        p50_ms=statistics.median(latencies) if latencies else 0.0, p95_ms=percentile(latencies, 0.95),
        statuses=dict(Counter(s.status for s in samples)), errors_500=sum(1 for s in samples if s.status >= 500),
        locked_in_log=len(LOCKED_PATTERN.findall(log)), tracebacks_in_log=log.count("Traceback (most recent call last)"),
        acknowledged=dict(expected.acknowledged), conflicts=dict(expected.conflicts), refused=list(expected.refused),
        unknown=list(expected.unknown), problems=problems,
        worker_errors=[f"{t.name}: {t.error!r}" for t in threads if t.error is not None], slowest=slowest)


# ============================================================================ command line

def _run_scenario(args, backend: str):
    if args.scenario == "load":
        return run(backend, args.duration, args.workers, args.seed, keep=args.keep, admin_url=args.postgres_url)
    from tests.load import scenarios

    if args.scenario == "outage":
        url = None
        if backend == "postgres":
            database = Database("postgres", Path(tempfile.mkdtemp()), args.postgres_url)
            url = database.url
            try:
                return scenarios.run_outage(args.workers, database_url=url)
            finally:
                database.drop()
        return scenarios.run_outage(args.workers)

    def uploader(port, plan, stats, stop_at):
        thread = scenarios.Uploader(port, plan, stats, stop_at)
        thread.figures = lambda: scenarios.upload_figures(thread)
        return thread

    return run(backend, args.duration, args.workers, args.seed, keep=args.keep, admin_url=args.postgres_url,
               extra_targets=scenarios.EXTRA_TARGETS, during=uploader)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_setup"]:
        setup_main(int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(prog="scripts/loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load (default 120)")
    parser.add_argument("--workers", type=int, default=20, help="concurrent evaluators (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres-url", default=None,
                        help="a database URL on the PostgreSQL server (default: TRACKER_TEST_DATABASE_URL or "
                             "postgresql://postgres@127.0.0.1:5432/postgres); a scratch database is created there")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch instance folder and database")
    parser.add_argument("--scenario", choices=("load", "outage", "slow-upload"), default="load",
                        help="load (default); outage: SMTP down for a simulated day, then up; slow-upload: writers "
                             "during a large Excel import (tests/load/scenarios.py)")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = []
    for backend in backends:
        length = "" if args.scenario == "outage" else f" for {args.duration:.0f} s"
        print(f"… {backend}: {args.scenario}, {args.workers} evaluators{length}", flush=True)
        result = _run_scenario(args, backend)
        print(result.summary(), flush=True)
        results.append(result)
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], ensure_ascii=False, indent=2, default=str))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
