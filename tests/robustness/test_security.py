"""Security, beyond tests/foundation/test_auth.py (which has: two logins get two session rows, logout
invalidates a replayed cookie, a disabled user is logged out by the operation, one username
throttled while another logs in, the headers of the dashboard): session fixation, logout by POST
with CSRF only, disabling through the admin page, throttling that neither locks out others nor
ends an existing session, secure cookie flags, the security headers and no-store on every page, no
inline script in any rendered page, and an API that ignores the session cookie. The route × role
matrix is tests/foundation/test_route_matrix.py."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD, Browserless, csrf_from
from tests.load.htmlforms import form_posting_to
from tests.robustness.conftest import page_paths, rich_world

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


# ---------------------------------------------------------------------------- sessions

def test_a_session_planted_before_login_is_not_the_one_logged_in(app, users):
    """Session fixation: an attacker's pre-login cookie stays anonymous after the victim logs in with it."""
    attacker = app.test_client()
    token = csrf_from(attacker.get("/login").get_data(as_text=True))
    planted = attacker.get_cookie("session").value
    victim = app.test_client()
    victim.set_cookie("session", planted)
    response = victim.post("/login", data={"username": "evaluator", "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert victim.get_cookie("session").value != planted
    assert victim.get("/").status_code == 200
    assert attacker.get("/").status_code == 302  # the planted cookie is still nobody's session


def test_login_starts_a_fresh_session_and_old_form_tokens_die(app, users):
    browser = app.test_client()
    before = csrf_from(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"username": "admin", "password": TEST_PASSWORD, "csrf_token": before})
    after = csrf_from(browser.get("/settings").get_data(as_text=True))
    assert after != before
    refused = browser.post("/campaigns/new", data={"name": "x", "year": "2020", "rubric_code": "wuwei-2020-county",
                                                   "csrf_token": before})
    assert refused.status_code == 400


def test_logout_needs_post_and_csrf(app, login):
    evaluator = login("evaluator")
    assert evaluator.get("/logout").status_code == 405
    assert evaluator.client.post("/logout").status_code == 400  # no CSRF token: a foreign page cannot log you out
    assert evaluator.get("/").status_code == 200
    assert evaluator.post("/logout").status_code == 302
    assert evaluator.get("/").status_code == 302


def test_logout_revokes_the_server_side_session(app, login):
    from tracker.extensions import db
    from tracker.users.models import UserSession

    evaluator = login("evaluator")
    evaluator.post("/logout")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.revoked_at.is_(None))) == 0


def test_disabling_a_user_on_the_admin_page_logs_them_out_at_once(app, users, login):
    evaluator, admin = login("evaluator"), login("admin")
    assert evaluator.get("/").status_code == 200
    page = admin.get(f"/admin/users/{users['evaluator'].id}").get_data(as_text=True)
    form = form_posting_to(page, r"^$|/admin/users/\d+$").defaults()
    form.pop("active", None)  # untick 启用
    assert admin.post(f"/admin/users/{users['evaluator'].id}", form).status_code == 302
    assert evaluator.get("/").status_code == 302
    assert evaluator.post("/logout").status_code in (302, 400)
    assert Browserless(app.test_client()).login("evaluator").status_code == 400  # and cannot log in again


def test_a_password_reset_by_an_admin_ends_the_users_sessions(app, users, login):
    evaluator, admin = login("evaluator"), login("admin")
    page = admin.get(f"/admin/users/{users['evaluator'].id}").get_data(as_text=True)
    form = form_posting_to(page, r"^$|/admin/users/\d+$").defaults() | {"password": "a-brand-new-password"}
    assert admin.post(f"/admin/users/{users['evaluator'].id}", form).status_code == 302
    assert evaluator.get("/").status_code == 302


# ---------------------------------------------------------------------------- throttling

@pytest.mark.slow  # many logins (4 s under load)
def test_throttling_neither_locks_out_others_nor_ends_the_victims_session(app, users, login):
    from tracker.extensions import db
    from tracker.users.models import LoginAttempt

    victim = login("evaluator")  # already at work (from 127.0.0.1)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"):
        attacker = Browserless(app.test_client())
        page = attacker.client.get("/login").get_data(as_text=True)
        attacker.client.post("/login", data={"username": "evaluator", "password": "guess-" + address,
                                             "csrf_token": csrf_from(page)}, environ_base={"REMOTE_ADDR": address})
    assert victim.get("/").status_code == 200  # guessing does not log the victim out
    # From an address the victim never logged in from, even the right password waits, with the same
    # message (it reveals nothing)…
    other = app.test_client()
    page = other.get("/login").get_data(as_text=True)
    elsewhere = other.post("/login", data={"username": "evaluator", "password": TEST_PASSWORD,
                                                       "csrf_token": csrf_from(page)},
                                       environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert elsewhere.status_code == 400 and "过多" in elsewhere.get_data(as_text=True)
    # …and the attempts made during the delay were not even checked: the count stopped growing.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == "evaluator", LoginAttempt.succeeded.is_(False))) == 3
    # The victim logs in again from where they work (issue 17: no lock-out of the real user).
    assert Browserless(app.test_client()).login("evaluator").status_code == 302
    # Everyone else logs in, including from the attacker's addresses.
    for role in ("admin", "reviewer"):
        assert Browserless(app.test_client()).login(role).status_code == 302
    # Guessing names that do not exist locks no real account.
    for _ in range(6):
        Browserless(app.test_client()).login("no-such-user", "whatever-123")
    assert Browserless(app.test_client()).login("reviewer").status_code == 302


def test_throttling_is_kept_in_the_database_for_every_worker(app, users):
    """Another process (a gunicorn worker) sees the same failures: they are rows, not memory."""
    from tracker.extensions import db
    from tracker.users.models import LoginAttempt
    from tracker.users.throttle import ACCOUNT_FREE

    with app.app_context():
        for _ in range(ACCOUNT_FREE + 2):
            db.session.add(LoginAttempt(username="evaluator", remote_addr="worker-2"))
        db.session.commit()
    response = Browserless(app.test_client()).login("evaluator")
    assert response.status_code == 400 and "过多" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- cookies

def test_secure_cookies_setting_is_read_from_the_environment(monkeypatch):
    from tracker.config import load_config

    monkeypatch.setenv("TRACKER_SECURE_COOKIES", "on")
    on = load_config()
    monkeypatch.setenv("TRACKER_SECURE_COOKIES", "off")
    off = load_config()
    assert on["SESSION_COOKIE_SECURE"] is True and on["REMEMBER_COOKIE_SECURE"] is True
    assert off["SESSION_COOKIE_SECURE"] is False
    assert on["SESSION_COOKIE_HTTPONLY"] is True and on["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_session_cookie_flags_behind_https(app, users, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    client = app.test_client()
    page = client.get("/login", base_url="https://tracker.example.org")
    response = client.post("/login", base_url="https://tracker.example.org", data={
        "username": "evaluator", "password": TEST_PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    cookies = [c for c in response.headers.get_all("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    for cookie in cookies:
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= flags, cookie
        assert "samesite=lax" in cookie.lower()


# ---------------------------------------------------------------------------- every page

@pytest.fixture
def every_page(app, world, login):
    """Every GET page rendered for an admin, plus error pages and pages of the other roles."""
    ids = rich_world(app, world)
    admin = login("admin")
    pages = [(path, admin.get(path)) for path in page_paths(app, ids)]
    pages += [("/no-such-page", admin.get("/no-such-page")), ("/requests/999999", admin.get("/requests/999999"))]
    evaluator = login("evaluator")
    pages += [("/admin/users (evaluator: 403)", evaluator.get("/admin/users")), ("/ (evaluator)", evaluator.get("/"))]
    pages += [("/login (anonymous)", app.test_client().get("/login"))]
    return pages


def test_every_page_renders_without_error(every_page):
    expected_refusals = ("999999", "no-such", "403")
    broken = [(path, r.status_code) for path, r in every_page
              if r.status_code >= 500 or (r.status_code >= 400 and not any(e in path for e in expected_refusals)
                                          and "电话测试不登记书面答复" not in r.get_data(as_text=True))]
    assert broken == []
    assert len(every_page) > 40


def test_security_headers_on_every_page(every_page):
    for path, response in every_page:
        csp = response.headers.get("Content-Security-Policy", "")
        script_src = re.search(r"script-src ([^;]*)", csp)
        assert script_src and "'unsafe-inline'" not in script_src.group(1) and "'unsafe-eval'" not in script_src.group(1), path
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
        assert response.headers.get("X-Frame-Options") == "DENY", path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path


def test_authenticated_pages_are_never_cached(every_page, app, world, login):
    for path, response in every_page:
        if "anonymous" in path:
            continue
        assert response.headers.get("Cache-Control") == "no-store", path
    admin = login("admin")
    downloads = [f"/campaigns/{world['campaign']}/report.xlsx", f"/campaigns/{world['campaign']}/report.json",
                 f"/campaigns/{world['campaign']}/statistics.csv",
                 f"/campaigns/{world['campaign']}/sheets/template.xlsx"]
    for path in downloads:
        response = admin.get(path)
        assert response.status_code == 200 and "no-store" in response.headers.get("Cache-Control", ""), path
        response.close()


def test_no_inline_script_or_event_handler_in_any_rendered_page(every_page):
    for path, response in every_page:
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.findall(html), (path, INLINE_SCRIPT.findall(html)[:3])
        assert not EVENT_HANDLER.findall(html), (path, EVENT_HANDLER.findall(html)[:3])
        assert not JS_URL.findall(html), path


def test_user_text_is_escaped_not_run(app, login, world):
    evaluator = login("evaluator")
    url = f"/requests/{world['online']}/edit"
    form = form_posting_to(evaluator.get(url).get_data(as_text=True), r"^$|/edit$").defaults()
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert evaluator.post(url, form | {"subject": payload}).status_code == 302
    for path in (f"/requests/{world['online']}", f"/campaigns/{world['campaign']}/requests", "/"):
        html = evaluator.get(path).get_data(as_text=True)
        assert payload not in html and "<img src=x" not in html, path


# ---------------------------------------------------------------------------- the API

API_WRITES = [
    ("post", "/api/v1/campaigns", {"name": "经会话创建的考评", "year": 2020, "rubric": "wuwei-2020-county"}),
    ("post", "/api/v1/campaigns/{campaign}/requests", {"target": "liangzhou", "channel": "online", "purpose": "16"}),
    ("put", "/api/v1/campaigns/{campaign}/targets/{target}/facts/2", {"items": [True, True]}),
    ("put", "/api/v1/requests/{online}/reply", {"outcome": "not_held", "dispatched_on": "2020-09-10"}),
    ("delete", "/api/v1/requests/{online}/reply", None),
    ("post", "/api/v1/requests/{online}/void", {"reason": "经会话作废"}),
    ("patch", "/api/v1/requests/{online}", {"subject": "经会话修改"}),
]


@pytest.mark.parametrize(("method", "path", "body"), API_WRITES)
def test_the_api_does_not_accept_the_session_cookie_for_writes(app, login, world, method, path, body):
    from tests.robustness.conftest import assert_unchanged, table_snapshot

    admin = login("admin")  # a logged-in browser: its session cookie would be sent by a foreign page too
    url = path.format(**world)
    before = table_snapshot(app)
    headers = {"X-CSRFToken": admin.token, "Origin": "http://localhost"}
    response = getattr(admin.client, method)(url, json=body, headers=headers)
    assert response.status_code == 401, (url, response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json and response.get_json()["error"]["status"] == 401
    assert_unchanged(before, table_snapshot(app))


def test_the_api_reads_need_a_token_too(app, login, world):
    admin = login("admin")
    response = admin.get(f"/api/v1/campaigns/{world['campaign']}")
    assert response.status_code == 401


# ---------------------------------------------------------------------------- issue 17: hardening

def test_instance_folder_database_and_uploads_are_owner_only(tmp_path, monkeypatch):
    import stat

    from tracker.config import load_config

    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    monkeypatch.setenv("TRACKER_INSTANCE", str(instance))
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    config = load_config()
    database = instance / "tracker.sqlite3"
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{database}"
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    database.chmod(0o644)
    (instance / "tracker.sqlite3-wal").write_bytes(b"")
    (instance / "tracker.sqlite3-wal").chmod(0o644)
    load_config()  # a database left readable by others is closed at the next start
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((instance / "tracker.sqlite3-wal").stat().st_mode) == 0o600


def test_backups_are_owner_only(app, tmp_path):
    import stat

    from tracker.core.backup import backup

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the PostgreSQL backup needs pg_dump; its file gets the same chmod")
    destination = tmp_path / "new-folder" / "tracker.db"
    backup(app.config["SQLALCHEMY_DATABASE_URI"], destination)
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    assert stat.S_IMODE(destination.parent.stat().st_mode) == 0o700


def test_downloads_name_their_charset_once(app, login, world):
    admin = login("admin")
    response = admin.get(f"/campaigns/{world['campaign']}/statistics.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    from tracker.core.files import KINDS

    assert KINDS["txt"].mimetype.count("charset") == 1


def test_a_text_attachment_is_served_with_one_charset(app, login, world):
    import io

    evaluator = login("evaluator")
    upload = evaluator.post(f"/requests/{world['online']}/attachments",
                            {"file": (io.BytesIO("答复全文".encode()), "reply.txt"), "description": "文本"},
                            content_type="multipart/form-data")
    assert upload.status_code == 302
    page = evaluator.get(f"/requests/{world['online']}").get_data(as_text=True)
    link = re.search(r'href="(/attachments/\d+[^"]*)"', page).group(1)
    response = evaluator.get(link)
    response.close()
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_the_openapi_document_is_public_and_holds_no_data(app, world, users):
    """Decision (README, security): /api/v1/openapi.json stays readable without a token — tools fetch it
    so — because it describes the interface only: no campaign, target, user or address of this instance."""
    from tracker.extensions import db
    from tracker.users.models import User

    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    with app.app_context():
        people = [(u.name, u.email) for u in db.session.scalars(select(User))]  # usernames here are role names
    secrets_of_this_instance = ["稳健性测试考评", "凉州区", "0935-2211000", "王区长"]
    secrets_of_this_instance += [value for person in people for value in person if value and len(value) > 3]
    assert not [value for value in secrets_of_this_instance if value in text]


# ---------------------------------------------------------------------------- issue 17: every change names its version

def _token(app, username: str = "evaluator") -> dict:
    from tracker.api.tokens import create_token
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        _row, plaintext = create_token(user, "测试")
        db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def test_api_reply_delete_needs_the_version(app, world):
    from tests.robustness.conftest import assert_unchanged, table_snapshot

    client, headers = app.test_client(), _token(app)
    url = f"/api/v1/requests/{world['online']}/reply"
    before = table_snapshot(app)
    missing = client.delete(url, headers=headers)
    assert missing.status_code == 400 and "version" in missing.get_json()["error"]["fields"]
    stale = client.delete(url + "?version=99", headers=headers)
    assert stale.status_code == 409
    assert_unchanged(before, table_snapshot(app))
    version = client.get(f"/api/v1/requests/{world['online']}", headers=headers).get_json()["reply"]["version"]
    assert client.delete(f"{url}?version={version}", headers=headers).status_code == 200


def test_web_reply_delete_without_version_is_refused(app, world, login):
    from tests.robustness.conftest import assert_unchanged, table_snapshot

    evaluator = login("evaluator")
    before = table_snapshot(app)
    response = evaluator.post(f"/requests/{world['online']}/reply/delete", {}, follow_redirects=True)
    assert "缺少版本号" in response.get_data(as_text=True)
    assert_unchanged(before, table_snapshot(app))


def test_api_facts_with_a_null_version_are_refused(app, world):
    from tests.robustness.conftest import assert_unchanged, table_snapshot

    client, headers = app.test_client(), _token(app)
    url = f"/api/v1/campaigns/{world['campaign']}/targets/{world['target']}/facts/1"
    before = table_snapshot(app)
    for body in ({"facts": {"items": [False] * 8}, "version": None}, {"facts": {"items": [False] * 8}}):
        response = client.put(url, json=body, headers=headers)
        assert response.status_code == 400, response.get_data(as_text=True)
        assert "version" in response.get_json()["error"]["fields"]
    assert_unchanged(before, table_snapshot(app))


# ---------------------------------------------------------------------------- issue 17: unique values

# Every unique constraint, and how a person reaches it: through a form/API check that names the
# field (tested below), or never (the application fills the value itself).
UNIQUE_REACHABLE = {
    ("users", "username"), ("campaigns", "name"), ("targets", "campaign_id,key"), ("targets", "campaign_id,name"),
    ("requests", "campaign_id,key"), ("api_tokens", "user_id,name (active)"),
}
UNIQUE_INTERNAL = {  # generated or one-per-parent rows the operations get or create
    ("api_tokens", "token_hash"), ("attachments", "stored_name"), ("reminders_sent", "key"), ("replies", "request_id"),
    ("indicator_facts", "sheet_id,indicator_id"), ("score_sheets", "campaign_id,target_id"),
    ("users", "calendar_token_hash"), ("rubric_versions", "code"), ("campaign_members", "campaign_id,user_id"),
    ("calendar_overrides", "day"),
}


def _unique_constraints(app) -> set[tuple[str, str]]:
    import sqlalchemy as sa

    from tracker.extensions import db

    found = set()
    for table in db.metadata.sorted_tables:
        groups = [c.columns for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
        groups += [i.columns for i in table.indexes if i.unique]
        groups += [[c] for c in table.columns if c.unique]
        found |= {(table.name, ",".join(c.name for c in group)) for group in groups}
    return found


def test_every_unique_constraint_is_accounted_for(app):
    known = {(t, c) for t, c in UNIQUE_REACHABLE | UNIQUE_INTERNAL}
    assert _unique_constraints(app) - known == set(), "say how a person reaches this unique value (and test it)"


def test_duplicates_from_forms_and_the_api_get_a_message_naming_the_field(app, world):
    from tracker.campaigns import operations as campaign_ops
    from tracker.campaigns.models import Campaign
    from tracker.core.errors import ValidationError
    from tracker.extensions import db
    from tracker.requests import operations as request_ops

    with app.app_context():
        campaign = db.session.get(Campaign, world["campaign"])
        attempts = {
            "campaign name": lambda: campaign_ops.create_campaign(None, {"name": campaign.name, "year": 2020,
                                                                         "rubric_code": "wuwei-2020-county"}),
            "target key": lambda: campaign_ops.create_target(None, campaign, {"key": "liangzhou", "name": "别名"}),
            "target name": lambda: campaign_ops.create_target(None, campaign, {"key": "other-key", "name": "凉州区"}),
            "request key": lambda: request_ops.create_request(None, campaign, {
                "target": campaign.targets[0], "key": "LZ-21", "owner": "evaluator", "channel": "phone",
                "purpose": "18", "phone": {"question": "？"}}),
        }
        for what, attempt in attempts.items():
            with pytest.raises(ValidationError) as error:
                attempt()
            db.session.rollback()
            assert error.value.errors and all(error.value.errors.values()), what
    client, headers = app.test_client(), _token(app, "admin")
    response = client.post("/api/v1/campaigns", json={"name": "稳健性测试考评（2020）", "year": 2020,
                                                      "rubric_code": "wuwei-2020-county"}, headers=headers)
    assert response.status_code == 400 and "name" in response.get_json()["error"]["fields"]


# ---------------------------------------------------------------------------- issue 17: Excel uploads

def _template(app, login, world) -> bytes:
    admin = login("admin")
    response = admin.get(f"/campaigns/{world['campaign']}/sheets/template.xlsx")
    data = response.data
    response.close()
    return data


def test_an_excel_upload_is_read_before_the_write_lock_is_taken(app, login, world, monkeypatch):
    """A 39 s parse used to hold SQLite's write lock from the first query: every writer waited or got
    "database is locked". Now another writer can commit while the file is being read."""
    import io
    import sqlite3

    from tracker.scoring import workbook_read

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("the database-wide write lock is SQLite's")
    data = _template(app, login, world)
    outcome = []

    def someone_writes(stage: str) -> None:
        other = sqlite3.connect(url[len("sqlite:///"):], timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # a colleague's save, while the file is read and checked
            other.execute("UPDATE users SET name = name WHERE id < 0")
            other.execute("COMMIT")
            outcome.append(f"{stage}: written")
        except sqlite3.OperationalError as error:
            outcome.append(f"{stage}: {error}")
        finally:
            other.close()

    def during(stage, real):
        def wrapped(*args, **kwargs):
            someone_writes(stage + " before")
            result = real(*args, **kwargs)
            someone_writes(stage + " after")
            return result
        return wrapped

    monkeypatch.setattr("tracker.scoring.workbook.read_sheets", during("read", workbook_read.read_sheets))
    monkeypatch.setattr("tracker.scoring.workbook.parse_book", during("check", workbook_read.parse_book))
    evaluator = login("evaluator")
    response = evaluator.post(f"/campaigns/{world['campaign']}/sheets/import",
                              {"file": (io.BytesIO(data), "评分表.xlsx")}, content_type="multipart/form-data")
    assert outcome == [f"{stage}: written" for stage in ("read before", "read after", "check before", "check after")]
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("limit", ["MAX_CELLS", "MAX_SECONDS"])
def test_an_excel_upload_is_capped_with_a_clear_message(app, login, world, monkeypatch, limit):
    import io

    from tests.robustness.conftest import assert_unchanged, table_snapshot

    data = _template(app, login, world)
    monkeypatch.setattr(f"tracker.scoring.workbook_read.{limit}", 50 if limit == "MAX_CELLS" else -1.0)
    before = table_snapshot(app)
    evaluator = login("evaluator")
    response = evaluator.post(f"/campaigns/{world['campaign']}/sheets/import",
                              {"file": (io.BytesIO(data), "评分表.xlsx")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("单元格超过" in html) if limit == "MAX_CELLS" else ("秒仍未完成" in html)
    assert "拆分后分批导入" in html
    assert_unchanged(before, table_snapshot(app))
