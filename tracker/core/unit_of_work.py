"""The one unit of work: run a change, commit it once — or roll it back and hand back the error.

Operations only flush (DESIGN.md §7). Every edge — the web views, the API edge, the CLI and the
jobs — ends its change here, so that a lost race on the database (a unique key taken, a row
changed, a PostgreSQL serialization failure) is a 409 with a Chinese message everywhere, never a
500, and nothing of the change is kept. This module is the only place in tracker/ that calls the
session's commit (tests/core/test_unit_of_work.py checks it); a Core connection of its own
(a short side transaction) uses `engine.begin()`, which commits when its block ends.

Effects outside the database wait for the outcome: `when_committed` runs a callback once the commit
succeeded (deliver mail, remove the file of a deleted row); `when_rolled_back` runs one when the
change is rolled back, by whoever rolls it back (remove an upload whose row was not kept).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..law.workdays import OutsideCalendar
from ..rubric.loader import RubricError
from ..rubric.rules import FactsError
from .errors import ConflictError, TrackerError, ValidationError

RACE_LOST = "保存时与他人同时提交的数据冲突（如编号重复），未保存任何内容，请刷新页面后重试。"
# PostgreSQL's serialization_failure and deadlock_detected: another transaction won the race.
RACE_SQLSTATES = frozenset({"40001", "40P01"})
INPUT_ERRORS = (OutsideCalendar, FactsError, RubricError)  # the pure core's errors about its input
_AFTER_COMMIT = "tracker.after_commit"
_AFTER_ROLLBACK = "tracker.after_rollback"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What `run` returns: the action's value when committed, else the error to show (nothing saved)."""

    value: Any = None
    error: TrackerError | None = None


def run(action: Callable[[], Any]) -> Outcome:
    """Run `action` and commit; on a domain error or a lost race roll back and return the error.

    Anything else (a bug) is rolled back too and raised, for the 500 page and the log."""
    try:
        value = action()
        callbacks = _commit_session()
    except BaseException as error:  # whatever failed, nothing of the change may stay
        rollback()
        known = domain_error(error)
        if known is None:
            raise
        return Outcome(error=known)
    _call_each(callbacks)
    return Outcome(value=value)


def save() -> None:
    """Commit what the session holds, for a step of a longer job (a progress note, a mail claimed);
    on failure it is rolled back and a lost race raised as a ConflictError."""
    try:
        callbacks = _commit_session()
    except BaseException as error:
        rollback()
        known = domain_error(error)
        if known is None or known is error:
            raise
        raise known from error
    _call_each(callbacks)


def rollback() -> None:
    db.session.rollback()  # the session events below run the after-rollback callbacks


def when_committed(callback: Callable[[], Any]) -> None:
    """Run `callback` after the current change is committed; dropped if it is rolled back."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def when_rolled_back(callback: Callable[[], Any]) -> None:
    """Run `callback` if the current change is rolled back; dropped once it is committed."""
    db.session.info.setdefault(_AFTER_ROLLBACK, []).append(callback)


def domain_error(error: BaseException) -> TrackerError | None:
    """The error a user is shown for `error`, or None when it is a bug (not the user's input or a race)."""
    if isinstance(error, TrackerError):
        return error
    if isinstance(error, StaleDataError):  # a version column moved under us: someone saved first
        return ConflictError()
    if isinstance(error, IntegrityError) or is_lost_race(error):
        return ConflictError(RACE_LOST)
    if isinstance(error, INPUT_ERRORS):
        # What the pure core cannot compute for this input (a deadline past the end of the working-day
        # calendar, facts a rubric refuses): the input is at fault, the server keeps running. Any other
        # ValueError is a bug, and goes to the 500 page and the log like one.
        log.warning("input the domain could not handle: %s", error)
        return ValidationError(f"无法处理该输入：{error}")
    return None


def is_lost_race(error: BaseException) -> bool:
    """A PostgreSQL serialization failure or deadlock: the other transaction won."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state in RACE_SQLSTATES


def _commit_session() -> list[Callable[[], Any]]:
    """Commit; the after-commit callbacks are taken first, so that a failed commit leaves none behind."""
    callbacks = db.session.info.pop(_AFTER_COMMIT, [])
    db.session.commit()  # the one commit of the application's session (see the module docstring)
    return callbacks


def _call_each(callbacks: list[Callable[[], Any]]) -> None:
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    session.info.pop(_AFTER_ROLLBACK, None)  # the change is kept: so are its files


@event.listens_for(Session, "after_transaction_end")
def _on_transaction_end(session: Session, transaction) -> None:
    # A change that ends without a commit — rolled back by this module, the 500 handler or a view,
    # or a session closed at the end of the request — is discarded: so are the files written for it,
    # and its after-commit effects never happen.
    if transaction.parent is not None or transaction.nested:
        return
    session.info.pop(_AFTER_COMMIT, None)
    _call_each(session.info.pop(_AFTER_ROLLBACK, []))
