"""A password someone else set must be changed at first login (issue 18): the user is sent to the
change-password page and every other page sends them back there until they have; API tokens are
unaffected. Migration 0010 adds the flag, false for the accounts that exist."""
from __future__ import annotations

from sqlalchemy import select, text

from tests.api.conftest import ApiClient, issue_token
from tests.conftest import TEST_PASSWORD, Browserless, csrf_from
from tests.foundation.test_migrations import _diff, _revisions, _seed_rows, scratch_app  # noqa: F401

NEW_PASSWORD = "a-much-better-password-1"


def user_row(app, username):
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def create_as_admin(login, username="wang", password=TEST_PASSWORD):
    admin = login("admin")
    response = admin.post("/admin/users/new", data={"username": username, "role": "evaluator", "name": "王五",
                                                    "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return admin


def fresh_login(app, username, password=TEST_PASSWORD) -> Browserless:
    browser = Browserless(app.test_client())
    page = browser.client.get("/login")
    response = browser.client.post("/login", data={"username": username, "password": password,
                                                   "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    browser.first_location = response.headers["Location"]
    return browser


def test_a_user_created_by_an_admin_must_change_the_password_first(app, login):
    create_as_admin(login)
    assert user_row(app, "wang").must_change_password is True
    browser = fresh_login(app, "wang")
    assert browser.first_location.endswith("/password")
    for path in ("/", "/campaigns/", "/settings", "/reminders"):
        response = browser.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/password"), path
    page = browser.get("/password")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "首次登录" in text and "修改密码" in text
    browser.token = csrf_from(text)
    refused = browser.post("/password", data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD,
                                              "confirm": "something-else-entirely"})
    assert refused.status_code == 400 and "两次输入的新密码不一致" in refused.get_data(as_text=True)
    same = browser.post("/password", data={"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD,
                                           "confirm": TEST_PASSWORD})
    assert same.status_code == 400 and "新密码不能与当前密码相同" in same.get_data(as_text=True)
    assert user_row(app, "wang").must_change_password is True
    changed = browser.post("/password", data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/")
    assert user_row(app, "wang").must_change_password is False
    assert browser.get("/campaigns/").status_code == 200  # the new session of the change lets them in
    assert fresh_login(app, "wang", NEW_PASSWORD).first_location.endswith("/")


def test_logout_stays_possible_and_the_static_files_load(app, login):
    create_as_admin(login)
    browser = fresh_login(app, "wang")
    asset = browser.get("/static/confirm.js")
    asset.close()
    assert asset.status_code == 200
    browser.token = csrf_from(browser.get("/password").get_data(as_text=True))
    response = browser.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_password_reset_by_an_admin_must_be_changed_and_a_self_chosen_one_not(app, login, users):
    admin = create_as_admin(login)
    assert user_row(app, "evaluator").must_change_password is False
    evaluator = user_row(app, "evaluator")
    response = admin.post(f"/admin/users/{evaluator.id}", data={
        "username": "evaluator", "role": "evaluator", "name": "张填报", "email": "evaluator@example.org",
        "active": "on", "password": NEW_PASSWORD, "version": str(evaluator.version)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert user_row(app, "evaluator").must_change_password is True
    assert fresh_login(app, "evaluator", NEW_PASSWORD).first_location.endswith("/password")
    # The settings page's own password change is the user's choice: no further change is asked for.
    assert user_row(app, "admin").must_change_password is False


def test_a_generated_initial_password_must_be_changed(app, login):
    admin = login("admin")
    assert admin.post("/admin/users/new", data={"username": "li4", "role": "reviewer"}).status_code == 302
    assert user_row(app, "li4").must_change_password is True


def test_api_tokens_are_unaffected(app, users):
    from tracker.extensions import db
    from tracker.users.models import User

    token = issue_token(app, "evaluator")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "evaluator")).must_change_password = True
        db.session.commit()
    assert ApiClient(app.test_client(), token).get("/api/v1/campaigns").status_code == 200


def test_migration_0010_adds_the_flag_false_for_existing_users(scratch_app):  # noqa: F811
    from flask_migrate import upgrade

    from tracker.extensions import db

    with scratch_app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as connection:
            _seed_rows(connection)
        upgrade(revision="0010")
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT username, must_change_password FROM users")).all()
        assert [(name, bool(flag)) for name, flag in rows] == [("zhang", False)]
        upgrade(revision=_revisions()[-1])
        assert _diff(scratch_app) == []
