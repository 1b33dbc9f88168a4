"""User operations, shared by the admin UI, the CLI and the API. They flush, never commit."""
from __future__ import annotations

import re
import secrets
from sqlalchemy import select

from ..api.models import ApiToken
from ..core import audit
from ..core.db import utcnow
from ..core.errors import ValidationError
from ..core.versions import check_version
from ..extensions import db
from . import throttle
from .models import ROLES, User, UserSession
from .passwords import generate_password, hash_password, password_problem, verify_password_or_dummy

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
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


def check_password_strength(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise ValidationError({"password": problem})


def create_user(actor, username: str, role: str, *, name: str = "", email: str | None = None,
                password: str | None = None, must_change_password: bool = False) -> User:
    """`must_change_password`: the password was chosen by someone else (an admin), so the user
    replaces it at first login."""
    username = (username or "").strip()
    errors = _check_user_fields(username, role, email, name)
    if "username" not in errors and db.session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = f"用户名 {username} 已存在"
    if errors:
        raise ValidationError(errors)
    if password is not None:
        check_password_strength(password, username)
    user = User(username=username, role=role, name=name or "", email=email or None,
                password_hash=hash_password(password) if password else None,
                must_change_password=bool(password) and must_change_password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, after=audit.snapshot(user, AUDITED), summary=f"新建用户 {username}")
    return user


def update_user(actor, user: User, *, version=None, **fields) -> User:
    """`version`: what the editor saw (a form's raw hidden field is fine); None skips the check."""
    check_version(user.version, version)
    merged = {k: getattr(user, k) for k in ("username", "role", "email", "name")} | fields
    errors = _check_user_fields(merged["username"], merged["role"], merged["email"], merged["name"] or "")
    if "username" not in errors and merged["username"] != user.username and db.session.scalar(
            select(User.id).where(User.username == merged["username"], User.id != user.id)):
        errors["username"] = f"用户名 {merged['username']} 已被其他用户使用，请换一个"
    if errors:
        raise ValidationError(errors)
    if user.id == getattr(actor, "id", None) and (fields.get("active") is False or merged["role"] != "admin") and user.role == "admin":
        raise ValidationError({"role": "不能停用自己或取消自己的管理员角色"})
    before = audit.snapshot(user, AUDITED)
    for key, value in fields.items():
        setattr(user, key, value)
    if fields.get("active") is False and before["active"]:
        revoke_sessions(user)
        revoke_access(user)  # re-enabling brings none of it back (DESIGN §10.2)
    db.session.flush()
    audit.record(actor, "update", "user", user.id, before=before, after=audit.snapshot(user, AUDITED),
                 summary=f"修改用户 {user.username}")
    return user


def set_password(actor, user: User, password: str, *, must_change: bool = False) -> None:
    """`must_change`: someone else chose it (an admin's reset): the user replaces it at next login.
    A password the user chose clears the flag."""
    check_password_strength(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    revoke_sessions(user)
    revoke_access(user)
    db.session.flush()
    audit.record(actor, "set_password", "user", user.id, summary=f"设置用户 {user.username} 的密码")


def revoke_sessions(user: User) -> None:
    for session_row in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                                    UserSession.revoked_at.is_(None))):
        session_row.revoked_at = utcnow()


def revoke_access(user: User) -> None:
    """End every way in that outlives a session: API tokens and the calendar-feed link (DESIGN §10.2)."""
    now = utcnow()
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_(None))):
        token.revoked_at = now
    user.calendar_token_hash = None


def authenticate(username: str, password: str, remote_addr: str = "") -> User:
    """Return the user or raise ValidationError; throttled per account and per address (see throttle)."""
    username = (username or "").strip()[:64]
    address = (remote_addr or "")[:64]
    if "\x00" in username or "\x00" in (password or ""):  # PostgreSQL cannot even look such a name up
        raise ValidationError({"password": "用户名或密码错误"})
    throttle.purge_old()
    wait = throttle.wait_needed(username, address)
    if wait:
        raise ValidationError({"password": f"登录失败次数过多，请 {throttle.describe_wait(wait)}后再试"})
    user = db.session.scalar(select(User).where(User.username == username))
    # One scrypt whatever the case (a dummy hash for unknown names): the time tells nothing.
    valid = verify_password_or_dummy(user.password_hash if user else None, password or "")
    if user is None or not user.active or not valid:
        throttle.record_failure(username, address)
        raise ValidationError({"password": "用户名或密码错误"})
    throttle.record_success(username, address)
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
    password = generate_password()
    set_password(actor, user, password, must_change=True)  # shown once to someone else: never kept
    return password
