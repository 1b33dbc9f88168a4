"""Fixtures: one app and schema per session (SQLite file, or PostgreSQL when TRACKER_TEST_DATABASE_URL
is set), every table emptied after each test, users of each role, a logged-in client per role."""
from __future__ import annotations

import os
import re
import smtplib
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from tests.factories import join_everyone  # noqa: F401 — imported from here by many test files

TEST_PASSWORD = "correct-horse-battery"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROLES = ("admin", "reviewer", "evaluator")



_tmp = Path(tempfile.mkdtemp(prefix="tracker-tests-"))
os.environ["TRACKER_INSTANCE"] = str(_tmp / "instance")
os.environ["TRACKER_DATABASE_URL"] = os.environ.get("TRACKER_TEST_DATABASE_URL") or f"sqlite:///{_tmp / 'test.sqlite3'}"
os.environ["TRACKER_SCHEDULER"] = "off"
os.environ["TRACKER_MAIL_SERVER"] = "127.0.0.1"
# The discard port: nothing listens there. A delivery run that cannot reach a server leaves the outbox as
# it was (DESIGN.md §10.4) — quietly; what makes a stray connection loud is `smtp_guard` below.
os.environ["TRACKER_MAIL_PORT"] = "9"
os.environ.setdefault("TRACKER_SECRET_KEY", "test-secret-key")


def _drop_everything(db) -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.fixture(autouse=True)
def smtp_guard(monkeypatch):
    """Fail any test that opens an SMTP connection to a server it did not start (ports it registered): tests/reminders's `smtp` fixture registers its server's port."""
    allowed: set[int] = set()
    original = smtplib.SMTP.connect

    def guarded(self, host="localhost", port=0, source_address=None):
        if int(port) not in allowed:
            pytest.fail(f"SMTP connection to {host}:{port}, a server this test did not start")
        return original(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded)
    return allowed


@pytest.fixture(scope="session")
def app():
    from tracker import create_app
    from tracker.core.setup import initialise_database
    from tracker.extensions import db

    app = create_app({"TESTING": True, "UPLOAD_DIR": str(_tmp / "uploads")})
    with app.app_context():
        _drop_everything(db)
        initialise_database()
    yield app
    with app.app_context():
        db.session.remove()
        _drop_everything(db)
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from tracker.extensions import db

    with app.app_context():
        db.session.remove()
        reset_database(db)


def reset_database(db) -> None:
    from tracker.core.kept import reset_all
    from tracker.scoring.models import RubricVersion
    from tracker.scoring.rubric_store import forget_parsed_rubrics

    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != RubricVersion.__tablename__]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            connection.exec_driver_sql("DELETE FROM rubric_versions WHERE builtin = false")
        else:
            for table in tables:
                connection.execute(table.delete())
            connection.exec_driver_sql("DELETE FROM rubric_versions WHERE builtin = 0")
    reset_all()
    forget_parsed_rubrics()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def password_hash():
    """scrypt with a small work factor: a login per test must not cost 100 ms (production uses the default)."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(TEST_PASSWORD, method="scrypt:1024:8:1")


@pytest.fixture
def users(app, password_hash):
    """One active user per role, named after the role, all with TEST_PASSWORD (detached objects).

    No app context stays pushed: requests of several test clients must not share `g`.
    """
    from tests import factories
    from tracker.extensions import db

    with app.app_context():
        created = {role: factories.user(role, role, password_hash=password_hash) for role in ROLES}
        db.session.commit()
        for user in created.values():
            db.session.refresh(user)
        db.session.expunge_all()
    return created


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    """The Flask CLI runner of the session's app: `runner.invoke(main, ["init"])` runs a `tracker`
    command in-process, on the test database, with stdout and stderr apart (result.stdout, result.stderr).
    The command is passed each time: the runner's default would be Flask's own `app.cli`."""
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Browserless:
    """A logged-in test client that fetches CSRF tokens the way a browser would."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, username: str, password: str = TEST_PASSWORD):
        page = self.client.get("/login")
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": csrf_from(page.get_data(as_text=True))})
        self.refresh_token()
        return response

    def refresh_token(self):
        page = self.client.get("/settings")
        if page.status_code == 200:
            self.token = csrf_from(page.get_data(as_text=True))

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def login(app, users):
    """login("evaluator") → a Browserless client logged in as that role's user."""

    def _login(role: str):
        browser = Browserless(app.test_client())
        response = browser.login(role)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return _login


# ---------------------------------------------------------------------------- a real browser
# One Playwright driver per test process: its sync API cannot run twice at once.

@pytest.fixture(scope="session")
def chromium_path():
    if not Path(CHROMIUM).exists():
        if os.environ.get("TRACKER_REQUIRE_BROWSER") == "1":
            pytest.fail("TRACKER_REQUIRE_BROWSER=1 but chromium is not installed (scripts/install-browser)")
        pytest.skip("chromium is not installed: run scripts/install-browser")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(app):
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


