"""Login throttling kept in the database (it holds across worker processes): growing delays per
account and per client address, never a hard lock-out.

- After ACCOUNT_FREE failed logins on one username (from anywhere), each further attempt on it must
  wait a delay that doubles with every failure, up to MAX_DELAY; the same from one client address
  after ADDRESS_FREE failures on any usernames (guessing across accounts).
- An attempt made before its delay is up is refused without checking the password and is not
  counted, so hammering does not lengthen the delay beyond MAX_DELAY.
- An address the user logged in from successfully before (within TRUSTED_FOR) is judged by the
  failures on that account *from that address only*: an attack from elsewhere does not lock the
  real user out of the office they work from.
- Failures older than FAILURES_KEPT and successes older than TRUSTED_FOR are deleted as logins go.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select

from ..core.db import utcnow
from ..extensions import db
from .models import LoginAttempt

ACCOUNT_FREE = 3
ADDRESS_FREE = 10
BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=15)
FAILURES_KEPT = timedelta(hours=24)
TRUSTED_FOR = timedelta(days=90)


def delay_after(failures: int, free: int) -> timedelta:
    """How long to wait after the latest of `failures` failures before the next attempt (pure)."""
    if failures < free:
        return timedelta(0)
    return min(BASE_DELAY * 2 ** min(failures - free, 20), MAX_DELAY)


def _failures(*conditions) -> tuple[int, datetime | None]:
    since = utcnow() - FAILURES_KEPT
    count, latest = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at)).select_from(LoginAttempt)
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since, *conditions)).one()
    return count or 0, latest


def is_trusted(username: str, address: str) -> bool:
    return bool(address) and db.session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.username == username, LoginAttempt.remote_addr == address,
        LoginAttempt.succeeded.is_(True), LoginAttempt.at >= utcnow() - TRUSTED_FOR).limit(1)) is not None


def wait_needed(username: str, address: str) -> timedelta:
    """How much longer this username from this address must wait (zero: the attempt may proceed)."""
    now = utcnow()
    account = [LoginAttempt.username == username]
    if is_trusted(username, address):
        account.append(LoginAttempt.remote_addr == address)
    waits = [_remaining(now, *_failures(*account), ACCOUNT_FREE)]
    if address:
        waits.append(_remaining(now, *_failures(LoginAttempt.remote_addr == address), ADDRESS_FREE))
    return max(waits)


def _remaining(now: datetime, failures: int, latest: datetime | None, free: int) -> timedelta:
    if latest is None:
        return timedelta(0)
    return max(timedelta(0), latest + delay_after(failures, free) - now)


def record_failure(username: str, address: str) -> None:
    db.session.add(LoginAttempt(username=username, remote_addr=address, succeeded=False))
    db.session.flush()


def record_success(username: str, address: str) -> None:
    """Trust this address for this user; forget this address's failures on the account."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == username,
                                                  LoginAttempt.remote_addr == address))
    db.session.add(LoginAttempt(username=username, remote_addr=address, succeeded=True))
    db.session.flush()


def purge_old() -> int:
    now = utcnow()
    result = db.session.execute(delete(LoginAttempt).where(or_(
        and_(LoginAttempt.succeeded.is_(False), LoginAttempt.at < now - FAILURES_KEPT),
        LoginAttempt.at < now - TRUSTED_FOR)).execution_options(synchronize_session=False))
    return result.rowcount or 0


def describe_wait(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    return f"{seconds} 秒" if seconds < 120 else f"{(seconds + 59) // 60} 分钟"
