"""Values read once per database transaction: who is in which team, which campaigns are closed, a
rubric's stored row, the revision tokens, the sheet rows the transaction holds locked (scoring/lock.py).

Each read is one statement; a bundle import's 1 200 reviews asked them some 6 000 times (DESIGN.md
§10.6). Inside one transaction the answer may be kept: the transaction's own writes say so where
they change it (policy.forget_teams), and what another one commits meanwhile is not awaited by any
read of this one either. The values go when the transaction ends — committed or rolled back — so a
web request, a CLI command and a job each start afresh, and a value never outlives the data it read.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_KEY = "tracker.transaction_cache"


def transaction_cache(name: str) -> dict:
    """The open transaction's dict of `name` (empty at its start)."""
    return db.session.info.setdefault(_KEY, {}).setdefault(name, {})


def forget(name: str) -> None:
    """Drop what the open transaction kept under `name` (its own write changed it)."""
    db.session.info.get(_KEY, {}).pop(name, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_KEY, None)
