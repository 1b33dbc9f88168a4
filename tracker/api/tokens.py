"""API tokens: create (the plaintext is shown once), revoke, and authenticate a Bearer header.

Only the SHA-256 of a token is stored: a copy of the database does not hand out API access.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from ..core import audit, policy
from ..core import parsing as p
from ..core.db import sqlite_begin_mode, utcnow
from ..core.errors import NotFound, PermissionDenied, ValidationError
from ..extensions import db
from ..users.models import User
from .models import ApiToken

PREFIX = "trk_"
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20
log = logging.getLogger(__name__)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                             ApiToken.id.desc())))


def create_token(actor: User | None, name, owner: User | None = None) -> tuple[ApiToken, str]:
    """A new token of `owner` (default: `actor`; None as actor is the command line); returns the row
    and the plaintext, which is never stored. Active tokens of one user have distinct names, so
    `tracker tokens revoke USER --name NAME` names exactly one."""
    owner = owner or actor
    name = p.text(name, field="name", required=True, max_length=100)
    active = [t for t in tokens_of(owner) if t.revoked_at is None]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise ValidationError({"name": f"每人最多 {MAX_ACTIVE_TOKENS} 个有效令牌，请先撤销不用的令牌"})
    if any(t.name == name for t in active):
        raise ValidationError({"name": f"已有名为“{name}”的有效令牌，请换一个名称或先撤销它"})
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=owner.id, name=name, token_hash=hash_token(plaintext))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "create", "api_token", token.id, after={"name": name, "user": owner.username},
                 summary=f"创建 API 令牌“{name}”（{owner.username}）")
    return token, plaintext


def revoke_named(actor: User | None, owner: User, name: str) -> ApiToken:
    """Revoke `owner`'s active token called `name` (the command line's way to name one)."""
    token = next((t for t in tokens_of(owner) if t.revoked_at is None and t.name == name), None)
    if token is None:
        raise NotFound(f"用户 {owner.username} 没有名为“{name}”的有效令牌")
    return _revoke(actor, token)


def revoke_token(actor: User, token_id) -> ApiToken:
    """Revoke one token: one's own, or anybody's for an admin."""
    token = db.session.get(ApiToken, p.integer(token_id, field="token", minimum=1, maximum=p.MAX_ID))
    if token is None:
        raise NotFound("该 API 令牌不存在")
    if token.user_id != actor.id and not policy.is_admin(actor):
        raise PermissionDenied("只能撤销自己的 API 令牌")
    if token.revoked_at is not None:
        raise ValidationError({"token": f"令牌“{token.name}”已于之前撤销"})
    return _revoke(actor, token)


def _revoke(actor: User | None, token: ApiToken) -> ApiToken:
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "revoke", "api_token", token.id, before={"revoked_at": None},
                 after={"revoked_at": token.revoked_at, "user_id": token.user_id},
                 summary=f"撤销 API 令牌“{token.name}”")
    return token


def authenticate_bearer(header: str | None) -> User | None:
    """The user of `Authorization: Bearer <token>`, or None (missing, unknown, revoked, disabled)."""
    scheme, _, plaintext = (header or "").strip().partition(" ")
    plaintext = plaintext.strip()
    if scheme.lower() != "bearer" or not plaintext.startswith(PREFIX) or len(plaintext) > 200:
        return None
    digest = hash_token(plaintext)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    _touch(token)
    return token.user


def _touch(token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    if sqlite_begin_mode.get() == "IMMEDIATE":
        token.last_used_at = now  # the request already holds a write transaction: record it there
        return
    # A read-only request: a short transaction of its own, so the request's read never has to be
    # upgraded to a write (SQLite refuses that upgrade when another writer committed meanwhile).
    # The time of last use is a convenience: when the write lock is busy (a long import) it is
    # skipped at once — the next use a minute later records it — and never fails or delays the GET.
    try:
        with db.engine.begin() as connection, _no_waiting(connection):  # commits when the block ends
            connection.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    except OperationalError:
        log.info("API token %s: last use not recorded (database busy)", token.id)
        return
    set_committed_value(token, "last_used_at", now)  # known, not a pending change of this session


@contextmanager
def _no_waiting(connection):
    """Give up at once instead of waiting for a lock held by another writer."""
    if connection.dialect.name != "sqlite":
        connection.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")  # this transaction only
        yield
        return
    # The GET's transactions begin DEFERRED, so the UPDATE asks for the write lock; without a busy
    # timeout it is refused at once instead of after 15 s. The connection's timeout is put back.
    raw = connection.connection.dbapi_connection
    previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(previous)}")
