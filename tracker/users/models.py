from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..extensions import db

ROLES = ("admin", "reviewer", "evaluator")
ROLE_LABELS = {"admin": "管理员", "reviewer": "审核人", "evaluator": "项目组成员（填报人）"}
ROLE_SHORT = {"admin": "管理员", "reviewer": "审核人", "evaluator": "填报人"}  # where space is short: the nav bar


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_working_days: Mapped[int | None] = mapped_column(Integer)
    # The SHA-256 of the calendar-feed token, like API tokens: a copy of the database opens no feed.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def role_short(self) -> str:
        return ROLE_SHORT.get(self.role, self.role)


class UserSession(db.Model):
    """A server-side login session: a fresh id at every login, revoked at logout."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """Logins kept in the database so that throttling holds across worker processes.

    Failures count towards the delays; a success (one row per username and address, renewed) lets
    the user in from that address even while their account is under attack from elsewhere.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), default="", index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


def _login_identity(self: User) -> str:
    return getattr(self, "_session_id", "") or ""


# Flask-Login's contract, kept off the column definitions: the login id is the session row's id,
# so a logout or a disabled account invalidates every cookie that carries it.
User.is_authenticated = property(lambda self: True)
User.is_anonymous = property(lambda self: False)
User.is_active = property(lambda self: bool(self.active))
User.get_id = _login_identity
