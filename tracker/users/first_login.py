"""The change-password page, and the first login (issue 18): a password someone else chose — an admin
creating or resetting an account, a generated initial password — must be replaced before anything
else is used. Until then every page sends the user to /password; logging out still works. API
tokens are unaffected: they are issued by the user, after the change, and are not a login.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from ..core import unit_of_work
from ..core.errors import ValidationError, form_errors
from . import operations as ops
from . import sessions
from .models import User
from .passwords import verify_password
from .views import bp

# What a user who must change the password may still reach: this page, logging out, the assets the
# page needs, and the ways in that are not a login session (the API, the calendar feed's token).
OPEN_ENDPOINTS = frozenset({"users.change_password", "users.logout", "users.login", "static", "bootstrap.static",
                            "reminders.calendar_feed"})


@bp.before_app_request
def send_to_password_change():
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or request.blueprint == "api":
        return None  # decided before current_user is loaded: an asset costs no session query
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("users.change_password"))
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    first_login = bool(user.must_change_password)
    errors, status = {}, 200
    if request.method == "POST":
        error = unit_of_work.run(lambda: _change(user, request.form)).error
        if error is None:
            flash("密码已修改；您的 API 令牌和日历订阅地址已全部失效，需要时请重新生成。", "success")
            return redirect(url_for("main.index"))
        errors, status = form_errors(error), error.status
    return render_template("users/password.html", errors=errors, first_login=first_login), status


def _change(user: User, form) -> None:
    current, new, confirm = (form.get(name, "") for name in ("current_password", "new_password", "confirm"))
    if not verify_password(user.password_hash, current):
        raise ValidationError({"current_password": "当前密码不正确"})
    if not new:
        raise ValidationError({"new_password": "请填写新密码"})
    if new != confirm:
        raise ValidationError({"confirm": "两次输入的新密码不一致"})
    if new == current:
        raise ValidationError({"new_password": "新密码不能与当前密码相同"})
    problem = ops.password_problem(new, user.username)
    if problem:
        raise ValidationError({"new_password": problem})
    ops.set_password(user, user, new)  # the user's own choice: clears must_change_password
    row = ops.start_session(user)  # the change revoked every session, this one included
    user._session_id = row.id
    login_user(user)
    sessions.mark_seen()
