"""A token that changes with every committed change to evaluation data, so a process can tell
whether something it computed from that data (core/kept.py) is still current.

Every unit of work (ORM flushes) and every INSERT/UPDATE/DELETE sent through the session (the
importer's bulk statements) marks the session when it touches a table other than the
bookkeeping ones below; the commit then writes a new random token as its last statement —
after the data rows, so it adds no lock-order cycle on PostgreSQL, and in the same transaction,
so a rolled-back change never changes the token and a committed one always does. A random
token rather than a counter: a restored backup brings back the token of the data it holds.
"""
from __future__ import annotations

import uuid

from flask_sqlalchemy.session import Session
from sqlalchemy import String, event, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .db import write_tokens

_MARK = "tracker_data_changed"


class DataRevision(db.Model):
    __tablename__ = "data_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[str] = mapped_column(String(32), default="")


# Tables whose rows feed no page that is kept: sessions, throttling, mail, reminders, tokens, the
# audit log. Everything else counts, the working-day calendar's overrides included.
BOOKKEEPING_TABLES = frozenset({
    "data_revision", "target_revisions", "user_sessions", "login_attempts", "outbox", "reminders_sent", "api_tokens",
    "audit_log",
    "ocr_scans",  # OCR progress and suggestions: no kept page or report reads them
})


def current_data_revision() -> str:
    return db.session.scalar(select(DataRevision.revision).where(DataRevision.id == 1)) or ""


def _touches_data(table_names) -> bool:
    return any(name not in BOOKKEEPING_TABLES for name in table_names)


@event.listens_for(Session, "before_flush")
def _mark_flushed_changes(session, _context, _instances) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if changed and _touches_data(obj.__table__.name for obj in changed):
        session.info[_MARK] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_statements(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _touches_data([state.statement.table.name]):
        state.session.info[_MARK] = True


# insert=True: this row is written before any other token row (reports/target_revisions.py), in
# every process whatever its import order, so two commits always lock token rows in the same order.
@event.listens_for(Session, "before_commit", insert=True)
def _write_new_revision(session) -> None:
    session.flush()  # the commit's own flush comes after this hook: mark what it would write first
    if not session.info.pop(_MARK, False):
        return
    write_tokens(session, DataRevision, "id", {1: uuid.uuid4().hex})


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint, ended without a commit
        session.info.pop(_MARK, None)
