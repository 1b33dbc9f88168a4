from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..core.auth import admin_required
from ..core.errors import TrackerError, ValidationError, form_errors
from ..extensions import db
from . import operations as ops
from . import sessions
from .models import ROLE_LABELS, User

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
            db.session.commit()  # keep the failed attempt: throttling depends on it
            errors = error.errors
        else:
            row = ops.start_session(user)
            db.session.commit()
            session.clear()  # a fresh session at every login: nothing carries over from before
            user._session_id = row.id
            login_user(user)
            sessions.mark_seen()
            flash(f"欢迎，{user.display_name}。", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("users/login.html", errors=errors, username=request.form.get("username", "")), (
        400 if errors else 200)


@bp.post("/logout")
@login_required
def logout():
    ops.end_session(current_user.get_id())
    db.session.commit()
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
        try:
            _save_settings(current_user._get_current_object())
            db.session.commit()
            revoked = "密码已修改；您的 API 令牌和日历订阅地址已全部失效，需要时请重新生成。" if request.form.get(
                "new_password") else ""
            flash("设置已保存。" + revoked, "success")
            return redirect(url_for("users.settings"))
        except TrackerError as error:
            db.session.rollback()
            errors, status = form_errors(error), error.status
    from ..api.tokens import tokens_of

    return render_template("users/settings.html", errors=errors,
                           tokens=tokens_of(current_user._get_current_object())), status


def _save_settings(user: User) -> None:
    from ..core import parsing as p

    c = p.Collector()
    name = c.run("name", p.text, request.form.get("name"), max_length=100)
    email = c.run("email", p.text, request.form.get("email"), max_length=254)
    horizon = c.run("remind_working_days", p.integer, request.form.get("remind_working_days"),
                    minimum=0, maximum=20, required=False)
    c.raise_if_any()
    ops.update_user(user, user, version=request.form.get("version"), name=name, email=email or None,
                    remind_working_days=horizon)
    new_password = request.form.get("new_password", "")
    if new_password:
        from .passwords import verify_password

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
    generated = None
    if request.method == "POST":
        form = request.form
        password = form.get("password") or None
        try:
            user = ops.create_user(current_user, form.get("username", ""), form.get("role", ""),
                                   name=form.get("name", ""), email=form.get("email") or None,
                                   password=password)
            if password is None:
                generated = ops.generate_initial_password(current_user, user)
            db.session.commit()
        except TrackerError as error:
            db.session.rollback()
            errors, status = form_errors(error), error.status
        else:
            if generated:
                flash(f"用户 {user.username} 已创建，初始密码：{generated}（只显示这一次，请转告本人并提醒其修改）", "warning")
            else:
                flash(f"用户 {user.username} 已创建。", "success")
            return redirect(url_for("users.user_list"))
    return render_template("users/edit.html", user=None, errors=errors, roles=ROLE_LABELS), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = request.form
        try:
            ops.update_user(current_user, user, version=form.get("version"),
                            username=form.get("username", "").strip(), role=form.get("role", ""),
                            name=form.get("name", ""), email=form.get("email") or None,
                            active=form.get("active") == "on")
            if form.get("password"):
                ops.set_password(current_user, user, form["password"])
            db.session.commit()
        except TrackerError as error:
            db.session.rollback()
            errors, status = form_errors(error), error.status
        else:
            revoked = "（已设置新密码：其登录、API 令牌和日历订阅地址均已失效）" if form.get("password") else ""
            flash(f"用户 {user.username} 已保存。{revoked}", "success")
            return redirect(url_for("users.user_list"))
    return render_template("users/edit.html", user=user, errors=errors, roles=ROLE_LABELS), status
