"""API tokens: created in the settings page (shown once), used, throttled bookkeeping, revoked."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from .conftest import ApiClient, issue_token

TOKEN_RE = re.compile(r"trk_[A-Za-z0-9_\-]{20,}")


def _rows(app):
    from sqlalchemy import select

    from tracker.api.models import ApiToken
    from tracker.extensions import db

    with app.app_context():
        rows = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
        db.session.expunge_all()
        return rows


def test_lifecycle_create_use_revoke(app, login):
    browser = login("evaluator")
    page = browser.post("/settings/tokens", data={"name": "同步脚本"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    plaintext = TOKEN_RE.search(html).group(0)
    assert "只显示这一次" in html and "同步脚本" in html
    # Inside the token section the page scrolls to, not in the flash area at the top (issue 18).
    section = html.split('id="api-tokens"', 1)[1]
    assert f'id="new-token" readonly value="{plaintext}"' in section
    assert plaintext not in html.split('id="api-tokens"', 1)[0]
    assert plaintext not in browser.get("/settings").get_data(as_text=True)  # shown once only

    (row,) = _rows(app)
    assert row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest() and row.last_used_at is None
    client = ApiClient(app.test_client(), plaintext)
    assert client.get("/campaigns").status_code == 200
    assert _rows(app)[0].last_used_at is not None

    revoked = browser.post(f"/settings/tokens/{row.id}/revoke", follow_redirects=True)
    assert "已撤销" in revoked.get_data(as_text=True)
    assert client.get("/campaigns").status_code == 401
    again = browser.post(f"/settings/tokens/{row.id}/revoke", follow_redirects=True)
    assert "已于之前撤销" in again.get_data(as_text=True)


def test_token_forms_need_csrf_and_login(app, login, client, users):
    assert client.post("/settings/tokens", data={"name": "x"}).status_code != 200
    browser = login("evaluator")
    assert browser.client.post("/settings/tokens", data={"name": "x"}).status_code == 400  # no CSRF token
    assert not _rows(app)
    empty = browser.post("/settings/tokens", data={"name": "  "}, follow_redirects=True)
    assert "未创建" in empty.get_data(as_text=True) and not _rows(app)


def test_only_the_owner_or_an_admin_revokes(app, login, users):
    issue_token(app, "admin", "管理员的令牌")
    admin_token = _rows(app)[0]
    evaluator = login("evaluator")
    refused = evaluator.post(f"/settings/tokens/{admin_token.id}/revoke", follow_redirects=True)
    assert "只能撤销自己的" in refused.get_data(as_text=True) and _rows(app)[0].revoked_at is None
    issue_token(app, "evaluator", "填报人的令牌")
    admin = login("admin")
    admin.post(f"/settings/tokens/{_rows(app)[1].id}/revoke")
    assert _rows(app)[1].revoked_at is not None
    assert evaluator.post("/settings/tokens/99999/revoke", follow_redirects=True).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(app, users):
    from tracker.api.models import ApiToken
    from tracker.extensions import db

    client = ApiClient(app.test_client(), issue_token(app, "reviewer"))
    client.get("/campaigns")
    first = _rows(app)[0].last_used_at
    client.get("/campaigns")
    client.post("/campaigns", {})  # a write request (403 for a reviewer) is no different
    assert _rows(app)[0].last_used_at == first
    with app.app_context():
        db.session.execute(db.update(ApiToken).values(last_used_at=first - timedelta(minutes=2)))
        db.session.commit()
    client.get("/campaigns")
    assert _rows(app)[0].last_used_at > first - timedelta(minutes=2)


def test_token_creation_and_revocation_are_audited(app, users):
    from sqlalchemy import select

    from tracker.api.tokens import revoke_token
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db
    from tracker.users.models import User

    plaintext = issue_token(app, "evaluator", "审计")
    token_id = _rows(app)[0].id
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        revoke_token(admin, token_id)
        db.session.commit()
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "api_token")).all()
        assert [e.action for e in entries] == ["create", "revoke"]
        assert all(plaintext not in str(e.after) for e in entries)


def test_settings_page_lists_tokens(app, login, users):
    issue_token(app, "evaluator", "报表导出")
    html = login("evaluator").get("/settings").get_data(as_text=True)
    assert "API 令牌" in html and "报表导出" in html and "从未使用" in html


# ---------------------------------------------------------------------------- issue 17

def test_an_api_get_never_fails_while_another_writer_holds_the_sqlite_lock(app, users):
    """An API GET used to 500 ("database is locked") because recording a token's last use needs the
    write lock, e.g. during a long Excel import; now that bookkeeping is skipped at once."""
    import sqlite3
    import time

    import pytest

    from tracker.api.models import ApiToken
    from tracker.extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("the database-wide write lock is SQLite's")
    client = ApiClient(app.test_client(), issue_token(app, "reviewer"))
    writer = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process's long write transaction
        started = time.monotonic()
        response = client.get("/campaigns")
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert elapsed < 2, f"the GET waited {elapsed:.1f}s for the lock"
    assert _rows(app)[0].last_used_at is None  # skipped, not half-written
    client.get("/campaigns")  # the lock is free again: recorded now
    assert _rows(app)[0].last_used_at is not None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 1


def _cli(*args):
    from click.testing import CliRunner

    from tracker.cli import main

    result = CliRunner().invoke(main, ["tokens", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_cli_creates_and_revokes_a_token_by_name(app, users):
    code, out = _cli("create", "evaluator", "--name", "夜间同步")
    plaintext = out.strip()
    assert code == 0 and TOKEN_RE.fullmatch(plaintext), out
    (row,) = _rows(app)
    assert row.name == "夜间同步" and row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    client = ApiClient(app.test_client(), plaintext)
    assert client.get("/campaigns").status_code == 200
    code, out = _cli("create", "evaluator", "--name", "夜间同步")
    assert code == 1 and "已有名为“夜间同步”的有效令牌" in out and len(_rows(app)) == 1
    code, out = _cli("revoke", "evaluator", "--name", "夜间同步")
    assert code == 0 and "已撤销" in out
    assert client.get("/campaigns").status_code == 401
    code, out = _cli("revoke", "evaluator", "--name", "夜间同步")
    assert code == 1 and "没有名为“夜间同步”的有效令牌" in out
    assert _cli("create", "nobody", "--name", "x") == (1, "错误：用户 nobody 不存在\n")
    assert _cli("create", "evaluator", "--name", "")[0] == 1


def test_the_same_token_name_is_refused_in_the_settings_page_too(app, login):
    browser = login("evaluator")
    browser.post("/settings/tokens", data={"name": "同步脚本"})
    page = browser.post("/settings/tokens", data={"name": "同步脚本"}, follow_redirects=True).get_data(as_text=True)
    assert "已有名为“同步脚本”的有效令牌" in page and len(_rows(app)) == 1
