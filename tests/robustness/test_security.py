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

def test_throttling_neither_locks_out_others_nor_ends_the_victims_session(app, users, login):
    from tracker.extensions import db
    from tracker.users.models import LoginAttempt

    victim = login("evaluator")  # already at work
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"):
        attacker = Browserless(app.test_client())
        page = attacker.client.get("/login").get_data(as_text=True)
        attacker.client.post("/login", data={"username": "evaluator", "password": "guess-" + address,
                                             "csrf_token": csrf_from(page)}, environ_base={"REMOTE_ADDR": address})
    assert victim.get("/").status_code == 200  # guessing does not log the victim out
    # During the lock even the right password is refused, with the same message (it reveals nothing)…
    locked = Browserless(app.test_client()).login("evaluator")
    assert locked.status_code == 400 and "过多" in locked.get_data(as_text=True)
    # …and does not reset the counter.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == "evaluator")) >= 5
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
    from tracker.users import operations as ops
    from tracker.users.models import LoginAttempt

    with app.app_context():
        for _ in range(ops.THROTTLE_FAILURES):
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
