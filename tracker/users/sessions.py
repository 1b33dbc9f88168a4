"""Session expiry: idle (TRACKER_SESSION_IDLE_MINUTES) and absolute (TRACKER_SESSION_MAX_HOURS).

The absolute limit counts from the server-side session row's creation (the login). The idle clock
lives in the signed session cookie, so that a page view never writes to the database (a write on
every GET would queue readers behind SQLite's write lock); the cookie cannot be forged without the
secret key, and replaying an older cookie only shows an older, more idle time.
"""
from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, session

from ..core.db import utcnow

SEEN_KEY = "_seen"
SEEN_RESOLUTION = 60  # seconds: rewrite the cookie at most once a minute


def _now() -> int:
    return int(time.time())


def mark_seen() -> None:
    session[SEEN_KEY] = _now()


def is_current(created_at) -> bool:
    """Whether a session that began at `created_at` (naive UTC) may still be used; renews its idle clock."""
    config = current_app.config
    if created_at is not None and utcnow() - created_at > timedelta(hours=config["SESSION_MAX_HOURS"]):
        return False
    now = _now()
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int) or now - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN_KEY] = now
    return True
