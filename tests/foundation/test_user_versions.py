"""The user forms carry the version their author saw, like every other edit: a stale one is a
conflict, a tampered one a message naming the field; neither changes anything."""
from __future__ import annotations

import re

import pytest


def stored_user(app, username):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def form_of(page: str) -> dict:
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    return {k: v for k, v in fields.items() if k != "csrf_token"}


@pytest.mark.parametrize("version, status, message", [("0", 409, "已被他人修改"), ("2", 409, "已被他人修改"), ("abc", 400, "版本号无效"),
                                                      ("99999999999999999999999", 400, "版本号无效")])
def test_admin_user_edit_refuses_a_stale_or_tampered_version(app, login, version, status, message):
    admin = login("admin")
    target = stored_user(app, "reviewer")
    form = form_of(admin.get(f"/admin/users/{target.id}").get_data(as_text=True))
    assert form["version"] == str(target.version)
    response = admin.post(f"/admin/users/{target.id}", form | {"name": "改过的名字", "role": "reviewer",
                                                              "active": "on", "version": version})
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert stored_user(app, "reviewer").name == "李审核"


@pytest.mark.parametrize("url", ["/settings", "/reminders/settings"])
def test_own_settings_refuse_a_tampered_version(app, login, url):
    evaluator = login("evaluator")
    response = evaluator.post(url, {"name": "改过的名字", "email": "evaluator@example.org",
                                    "remind_working_days": "4", "version": "x1"})
    assert response.status_code == 400 and "版本号无效" in response.get_data(as_text=True)
    user = stored_user(app, "evaluator")
    assert user.name == "张填报" and user.remind_working_days != 4
