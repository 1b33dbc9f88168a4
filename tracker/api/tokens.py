"""API tokens: create (the plaintext is shown once), revoke, and authenticate a Bearer header.

Only the SHA-256 of a token is stored: a copy of the database does not hand out API access.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..core import audit
from ..core import parsing as p
from ..core.db import sqlite_begin_mode, utcnow
from ..core.errors import NotFound, PermissionDenied, ValidationError
from ..extensions import db
from ..users.models import User
from .models import ApiToken

PREFIX = "trk_"
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                             ApiToken.id.desc())))


def create_token(actor: User, name) -> tuple[ApiToken, str]:
    """A new token of `actor`; returns the row and the plaintext, which is never stored."""
    name = p.text(name, field="name", required=True, max_length=100)
    active = [t for t in tokens_of(actor) if t.revoked_at is None]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise ValidationError({"name": f"每人最多 {MAX_ACTIVE_TOKENS} 个有效令牌，请先撤销不用的令牌"})
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name, token_hash=hash_token(plaintext))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "create", "api_token", token.id, after={"name": name, "user": actor.username},
                 summary=f"创建 API 令牌“{name}”")
    return token, plaintext


def revoke_token(actor: User, token_id) -> ApiToken:
    """Revoke one token: one's own, or anybody's for an admin."""
    token = db.session.get(ApiToken, p.integer(token_id, field="token", minimum=1, maximum=2**31 - 1))
    if token is None:
        raise NotFound("该 API 令牌不存在")
    if token.user_id != actor.id and actor.role != "admin":
        raise PermissionDenied("只能撤销自己的 API 令牌")
    if token.revoked_at is not None:
        raise ValidationError({"token": f"令牌“{token.name}”已于之前撤销"})
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
    with db.engine.begin() as connection:
        connection.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    set_committed_value(token, "last_used_at", now)  # known, not a pending change of this session
