from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..api.tokens import tokens_of
from ..core import parsing as p
from ..core import unit_of_work
from ..core.auth import admin_required
from ..core.errors import ValidationError, form_errors
from ..extensions import db
from . import operations as ops
from . import sessions
from .models import ROLE_LABELS, User
from .passwords import verify_password

bp = Blueprint("users", __name__)


_URL_IGNORED = re.compile(r"[\x00-\x1f\x7f]")


def _safe_next(target: str | None) -> str:
    """Only a path of this site. Checked after the clean-up Werkzeug and browsers apply before they
    follow a Location (control characters and tabs dropped, backslashes read as slashes), so that
    "/%09/evil.example" cannot become "//evil.example" after the check."""
    cleaned = _URL_IGNORED.sub("", target or "").replace("\\", "/")
    parts = urlsplit(cleaned)
    if cleaned.startswith("/") and not cleaned.startswith("//") and not parts.scheme and not parts.netloc:
        return cleaned
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            user = ops.authenticate(request.form.get("username", ""), request.form.get("password", ""),
                                    request.remote_addr or "")
        except ValidationError as error:
            unit_of_work.save()  # keep the failed attempt: throttling depends on it
            errors = error.errors
        else:
            row = ops.start_session(user)
            unit_of_work.save()
            session.clear()  # a fresh session at every login: nothing carries over from before
            user._session_id = row.id
            login_user(user)
            sessions.mark_seen()
            flash(f"欢迎，{user.display_name}。", "success")
            if user.must_change_password:  # someone else chose it: replaced before anything else (first_login.py)
                return redirect(url_for("users.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("users/login.html", errors=errors, username=request.form.get("username", "")), (
        400 if errors else 200)


@bp.post("/logout")
@login_required
def logout():
    ops.end_session(current_user.get_id())
    unit_of_work.save()
    logout_user()
    session.clear()
    flash("您已退出登录。", "info")
    return redirect(url_for("users.login"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        error = unit_of_work.run(lambda: _save_settings(current_user._get_current_object())).error
        if error is None:
            revoked = "密码已修改；您的 API 令牌和日历订阅地址已全部失效，需要时请重新生成。" if request.form.get(
                "new_password") else ""
            flash("设置已保存。" + revoked, "success")
            return redirect(url_for("users.settings"))
        errors, status = form_errors(error), error.status
    return render_template("users/settings.html", errors=errors,
                           tokens=tokens_of(current_user._get_current_object())), status


def _save_settings(user: User) -> None:
    c = p.Collector()
    name = c.run("name", p.text, request.form.get("name"), max_length=100)
    email = c.run("email", p.text, request.form.get("email"), max_length=254)
    c.raise_if_any()
    # The reminder horizon is set on the reminders page only (one setting, not two: issue 18).
    ops.update_user(user, user, version=request.form.get("version"), name=name, email=email or None)
    new_password = request.form.get("new_password", "")
    if new_password:
        if not verify_password(user.password_hash, request.form.get("current_password", "")):
            raise ValidationError({"current_password": "当前密码不正确"})
        ops.set_password(user, user, new_password)
        row = ops.start_session(user)  # the password change revoked every session, this one included
        user._session_id = row.id
        login_user(user)
        sessions.mark_seen()


@bp.get("/admin/users")
@admin_required
def user_list():
    users = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("users/list.html", users=users, roles=ROLE_LABELS)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = request.form
        password = form.get("password") or None
        outcome = unit_of_work.run(lambda: _create_user(form, password))
        if outcome.error is not None:
            errors, status = form_errors(outcome.error), outcome.error.status
        else:
            user, generated = outcome.value
            if generated:
                flash(f"用户 {user.username} 已创建，初始密码：{generated}（只显示这一次，请转告本人并提醒其修改）", "warning")
            else:
                flash(f"用户 {user.username} 已创建。", "success")
            return redirect(url_for("users.user_list"))
    return render_template("users/edit.html", user=None, errors=errors, roles=ROLE_LABELS), status


def _create_user(form, password: str | None) -> tuple[User, str | None]:
    """The new user, and the generated initial password when the admin gave none."""
    user = ops.create_user(current_user, form.get("username", ""), form.get("role", ""), name=form.get("name", ""),
                           email=form.get("email") or None, password=password, must_change_password=True)
    return user, (ops.generate_initial_password(current_user, user) if password is None else None)


def _update_user(form, user: User) -> None:
    ops.update_user(current_user, user, version=form.get("version"), username=form.get("username", "").strip(),
                    role=form.get("role", ""), name=form.get("name", ""), email=form.get("email") or None,
                    active=form.get("active") == "on")
    if form.get("password"):  # a reset by an admin: the user replaces it at next login (not an admin's own)
        ops.set_password(current_user, user, form["password"], must_change=user.id != current_user.id)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = request.form
        error = unit_of_work.run(lambda: _update_user(form, user)).error
        if error is not None:
            errors, status = form_errors(error), error.status
        else:
            revoked = "（已设置新密码：其登录、API 令牌和日历订阅地址均已失效）" if form.get("password") else ""
            flash(f"用户 {user.username} 已保存。{revoked}", "success")
            return redirect(url_for("users.user_list"))
    return render_template("users/edit.html", user=user, errors=errors, roles=ROLE_LABELS), status


from . import first_login  # noqa: F401  (the change-password page and the first-login redirect join bp)
