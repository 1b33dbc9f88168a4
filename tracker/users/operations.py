"""User operations, shared by the admin UI, the CLI and the API. They flush, never commit."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from ..core import audit
from ..core.db import utcnow
from ..core.errors import ValidationError
from ..core.versions import check_version
from ..extensions import db
from .models import ROLES, LoginAttempt, User, UserSession
from .passwords import MIN_LENGTH, hash_password, verify_password

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
AUDITED = ("username", "name", "email", "role", "active")


def _check_user_fields(username: str, role: str, email: str | None, name: str) -> dict[str, str]:
    errors = {}
    if not USERNAME_RE.match(username or ""):
        errors["username"] = "用户名须为 2–64 位字母、数字、点、下划线或短横线"
    if role not in ROLES:
        errors["role"] = f"角色必须是 {' / '.join(ROLES)} 之一"
    if email and not EMAIL_RE.match(email):
        errors["email"] = "电子邮箱格式不正确"
    if len(name or "") > 100:
        errors["name"] = "姓名不能超过100个字符"
    return errors


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_LENGTH:
        raise ValidationError({"password": f"密码至少需要 {MIN_LENGTH} 个字符"})
    if len(password) > 200:
        raise ValidationError({"password": "密码不能超过200个字符"})


def create_user(actor, username: str, role: str, *, name: str = "", email: str | None = None,
                password: str | None = None) -> User:
    username = (username or "").strip()
    errors = _check_user_fields(username, role, email, name)
    if "username" not in errors and db.session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = f"用户名 {username} 已存在"
    if errors:
        raise ValidationError(errors)
    if password is not None:
        check_password_strength(password)
    user = User(username=username, role=role, name=name or "", email=email or None,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, after=audit.snapshot(user, AUDITED), summary=f"新建用户 {username}")
    return user


def update_user(actor, user: User, *, version=None, **fields) -> User:
    """`version`: what the editor saw (a form's raw hidden field is fine); None skips the check."""
    check_version(user.version, version)
    merged = {k: getattr(user, k) for k in ("username", "role", "email", "name")} | fields
    errors = _check_user_fields(merged["username"], merged["role"], merged["email"], merged["name"] or "")
    if errors:
        raise ValidationError(errors)
    if user.id == getattr(actor, "id", None) and (fields.get("active") is False or merged["role"] != "admin") and user.role == "admin":
        raise ValidationError({"role": "不能停用自己或取消自己的管理员角色"})
    before = audit.snapshot(user, AUDITED)
    for key, value in fields.items():
        setattr(user, key, value)
    if fields.get("active") is False:
        revoke_sessions(user)
    db.session.flush()
    audit.record(actor, "update", "user", user.id, before=before, after=audit.snapshot(user, AUDITED),
                 summary=f"修改用户 {user.username}")
    return user


def set_password(actor, user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    revoke_sessions(user)
    db.session.flush()
    audit.record(actor, "set_password", "user", user.id, summary=f"设置用户 {user.username} 的密码")


def revoke_sessions(user: User) -> None:
    for session_row in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                                    UserSession.revoked_at.is_(None))):
        session_row.revoked_at = utcnow()


def is_throttled(username: str) -> bool:
    since = utcnow() - THROTTLE_WINDOW
    failures = db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username, LoginAttempt.at >= since))
    return failures >= THROTTLE_FAILURES


def authenticate(username: str, password: str, remote_addr: str = "") -> User:
    """Return the user or raise ValidationError; failures are recorded per username."""
    username = (username or "").strip()
    if "\x00" in username or "\x00" in (password or ""):  # PostgreSQL cannot even look such a name up
        raise ValidationError({"password": "用户名或密码错误"})
    if is_throttled(username):
        raise ValidationError({"password": "登录失败次数过多，请15分钟后再试"})
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not verify_password(user.password_hash, password or ""):
        db.session.add(LoginAttempt(username=username[:64], remote_addr=remote_addr[:64]))
        db.session.flush()
        raise ValidationError({"password": "用户名或密码错误"})
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    return user


def start_session(user: User) -> UserSession:
    row = UserSession(id=secrets.token_urlsafe(32), user_id=user.id)
    db.session.add(row)
    db.session.flush()
    return row


def end_session(session_id: str) -> None:
    row = db.session.get(UserSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def generate_initial_password(actor, user: User) -> str:
    from .passwords import generate_password

    password = generate_password()
    set_password(actor, user, password)
    return password
