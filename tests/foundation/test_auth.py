from datetime import timedelta

from sqlalchemy import select

from tests.conftest import TEST_PASSWORD, Browserless


def test_login_page_is_public_and_chinese(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "登录" in page.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_healthz_answers_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_login_with_wrong_password_names_the_field(client, users):
    browser = Browserless(client)
    response = browser.login("evaluator", "wrong-password")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_regenerates_session_and_logout_invalidates_it(app, users):
    from tracker.extensions import db
    from tracker.users.models import UserSession

    first = Browserless(app.test_client())
    first.login("evaluator")
    second = Browserless(app.test_client())
    second.login("evaluator")
    with app.app_context():
        ids = db.session.scalars(select(UserSession.id)).all()
    assert len(set(ids)) == 2
    old_cookie = first.client.get_cookie("session").value
    first.post("/logout")
    assert first.get("/").status_code == 302
    # Replaying the old cookie after logout must not log anyone in.
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert replay.get("/").status_code == 302
    assert second.get("/").status_code == 200


def test_disabled_user_is_logged_out(app, users, login):
    from tracker.extensions import db
    from tracker.users import operations as ops

    evaluator = login("evaluator")
    with app.app_context():
        user = db.session.get(type(users["evaluator"]), users["evaluator"].id)
        ops.update_user(None, user, active=False)
        db.session.commit()
    assert evaluator.get("/").status_code == 302


def test_throttling_locks_one_username_only(app, users):
    for _ in range(5):
        Browserless(app.test_client()).login("evaluator", "nope-nope-nope")
    locked = Browserless(app.test_client()).login("evaluator", TEST_PASSWORD)
    assert locked.status_code == 400 and "过多" in locked.get_data(as_text=True)
    other = Browserless(app.test_client()).login("reviewer", TEST_PASSWORD)
    assert other.status_code == 302


def test_throttle_window_expires(app, users):
    from tracker.extensions import db
    from tracker.users.models import LoginAttempt

    for _ in range(5):
        Browserless(app.test_client()).login("evaluator", "nope-nope-nope")
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(minutes=16)
        db.session.commit()
    assert Browserless(app.test_client()).login("evaluator").status_code == 302


def test_post_without_csrf_is_refused(login):
    admin = login("admin")
    response = admin.client.post("/campaigns/new", data={"name": "x", "year": "2020", "rubric_code": "wuwei-2020-county"})
    assert response.status_code == 400


def test_security_headers_and_no_store(login):
    admin = login("admin")
    response = admin.get("/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_password_is_hashed_with_scrypt(ctx, users):
    assert users["admin"].password_hash.startswith("scrypt:")


def test_change_own_password_keeps_session(login):
    evaluator = login("evaluator")
    page = evaluator.get("/settings").get_data(as_text=True)
    version = __import__("re").search(r'name="version" value="(\d+)"', page).group(1)
    response = evaluator.post("/settings", {"version": version, "name": "张填报", "email": "e@example.org",
                                            "current_password": TEST_PASSWORD, "new_password": "another-long-pass"})
    assert response.status_code == 302
    assert evaluator.get("/").status_code == 200
    assert Browserless(evaluator.client.application.test_client()).login("evaluator", "another-long-pass").status_code == 302
