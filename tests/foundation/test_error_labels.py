"""Error summaries speak the user's language (issue 18): field names in Chinese, choices by their
Chinese names, no "未保存：" heading a failed login."""
from __future__ import annotations

from tracker.core.labels import field_label


def test_internal_names_become_labels():
    assert field_label("password") == "密码"
    assert field_label("working_days") == "工作日数"
    assert field_label("requests[3].owner") == "填报人"
    assert field_label("人工调整原因") == "人工调整原因"
    assert field_label("some_internal_name") == ""


def test_a_form_error_names_the_field_in_chinese(login):
    admin = login("admin")
    page = admin.post("/admin/users/new", data={"username": "wang", "role": "evaluator", "password": "short"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "<strong>密码</strong>" in html
    assert "<code>password</code>" not in html


def test_a_bad_choice_is_named_in_chinese(app, login):
    from tracker.core import parsing as p
    from tracker.core.errors import ValidationError
    from tracker.law.derived import OUTCOME_LABELS

    try:
        p.choice("maybe", field="outcome", choices=OUTCOME_LABELS)
    except ValidationError as error:
        message = error.errors["outcome"]
    assert "已主动公开" in message or "已公开" in message
    assert message.startswith("应为以下之一")


def test_a_failed_login_is_not_headed_unsaved(client, users):
    page = client.get("/login")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": "admin", "password": "wrong-password", "csrf_token": token})
    assert "未保存" not in response.get_data(as_text=True)


def test_the_user_list_warns_of_a_user_without_email(app, login):
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        db.session.add(User(username="noemail", name="无邮箱", role="evaluator", password_hash="x"))
        db.session.commit()
    page = login("admin").get("/admin/users").get_data(as_text=True)
    row = page.split("noemail", 1)[1].split("</tr>", 1)[0]
    assert "未填写邮箱，收不到提醒" in row
    assert "未填写邮箱" not in page.split("evaluator@example.org", 1)[1].split("</tr>", 1)[0]
