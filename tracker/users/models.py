from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..extensions import db
from ..core.revisions import Bookkeeping, Shared



class Role(StrEnum):
    """What a user does in the team; stored in users.role as the value (core/policy decides what each may do)."""

    ADMIN = "admin"
    REVIEWER = "reviewer"
    EVALUATOR = "evaluator"


ROLES = tuple(role.value for role in Role)  # plain strings: click.Choice shows an enum's names, not its values
ROLE_LABELS = {Role.ADMIN: "管理员", Role.REVIEWER: "审核人", Role.EVALUATOR: "项目组成员（填报人）"}
ROLE_SHORT = {Role.ADMIN: "管理员", Role.REVIEWER: "审核人", Role.EVALUATOR: "填报人"}  # where space is short: the nav bar


class User(db.Model):
    __tablename__ = "users"
    # Reports print a user's name (填报人/审核人); logging in, the reminder horizon, the feed token do not reach them.
    __revision_scope__ = Shared(ignore_columns=("email", "password_hash", "must_change_password", "active",
                                                "remind_working_days", "calendar_token_hash", "created_at",
                                                "version"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Set when someone else chose the password (an admin creating or resetting it): the user must
    # replace it at first login before using anything else (users/first_login.py).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
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
    __revision_scope__ = Bookkeeping()

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
    __revision_scope__ = Bookkeeping()

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
