"""Which targets' reports a commit changed, so a process can keep each target's report
(reports/kept_reports.py) until its own data changes.

A target's full report reads its requests with their events, calls and reply, its sheet, facts
and review record (a signed sheet prints its snapshot), and — shared by every target — the
campaign, the users named as 填报人/审核人, the working-day calendar and the rubric. Every commit that changes rows of the first kind writes a new
random token for each target they belong to; one that changes the shared kind, or writes through
bulk statements the session cannot attribute, writes a new shared token (target id 0). Other
tables (attachments, evidence, the team, mail, sessions…) are not read by the report and change
no token. Tokens are written as the commit's last statements, in target order (no lock-order
cycle on PostgreSQL), inside its transaction: a rolled-back change never changes a token.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_sqlalchemy.session import Session
from sqlalchemy import Integer, String, event, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import write_tokens
from ..extensions import db

SHARED = 0  # the token of what every target's report reads
_PENDING = "tracker_changed_targets"


class TargetRevision(db.Model):
    __tablename__ = "target_revisions"

    target_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[str] = mapped_column(String(32), default="")


# Rows that belong to one target, by the column that leads to it.
_BY_TARGET = {"targets": "id", "requests": "target_id", "score_sheets": "target_id"}
_BY_REQUEST = {"replies", "request_events", "phone_attempts", "request_documents"}
_BY_SHEET = {"indicator_facts", "sheet_review_events"}  # a signed sheet's report prints its snapshot
# Rows every target's report reads.
_SHARED_TABLES = {"campaigns", "users", "calendar_overrides", "calendar_confirmed_years", "calendar_revision",
                  "rubric_versions"}
# A campaign's name is printed on every report but scores nothing: kept reports take the new name
# when they are handed out (kept_reports.py), so a rename rescores no county (DESIGN.md §10.6).
_UNSCORED_COLUMNS = {"campaigns": frozenset({"name", "version"})}
# Read by no report, said explicitly: a table in none of these lists (nor in core/data_revision.py's
# BOOKKEEPING_TABLES) fails tests/reports/test_revision_declarations.py, so a new table is classified
# on purpose. Evidence and attachments feed a signed sheet only through its stored snapshot, and
# they cannot change while the sheet is submitted or signed (scoring/lock.py).
NOT_READ_BY_REPORTS = frozenset({"attachments", "evidence", "campaign_members"})
DECLARED_TABLES = frozenset(_BY_TARGET) | _BY_REQUEST | _BY_SHEET | _SHARED_TABLES | NOT_READ_BY_REPORTS


@dataclass
class _Changes:
    targets: set[int] = field(default_factory=set)
    requests: set[int] = field(default_factory=set)
    sheets: set[int] = field(default_factory=set)
    new: list = field(default_factory=list)  # attributed after the flush that gives them their keys
    shared: bool = False


def current_target_revisions(target_ids: Iterable[int]) -> tuple[str, dict[int, str]]:
    """(the shared token, target id → its token); "" for a target never changed since tokens exist."""
    ids = [SHARED, *target_ids]
    rows = dict(db.session.execute(select(TargetRevision.target_id, TargetRevision.revision)
                                   .where(TargetRevision.target_id.in_(ids))).all())
    return rows.get(SHARED, ""), {ident: rows.get(ident, "") for ident in ids[1:]}


def _changes(session) -> _Changes:
    return session.info.setdefault(_PENDING, _Changes())


def _attribute(obj, changes: _Changes, dirty: bool = False) -> None:
    table = obj.__table__.name
    if table in _SHARED_TABLES:
        if not (dirty and _changed_only(obj, _UNSCORED_COLUMNS.get(table, frozenset()))):
            changes.shared = True
    elif table in _BY_TARGET:
        changes.targets.update(_values(obj, _BY_TARGET[table]))
    elif table in _BY_REQUEST:
        changes.requests.update(_values(obj, "request_id"))
    elif table in _BY_SHEET:
        changes.sheets.update(_values(obj, "sheet_id"))


def _changed_only(obj, columns: frozenset[str]) -> bool:
    """True when the row's changes touch none but `columns` (a flush may carry none at all)."""
    if not columns:
        return False
    state = inspect(obj)
    return all(attr.key in columns for attr in state.attrs if attr.history.has_changes())


def _values(obj, column: str) -> set[int]:
    """The column's value now and, for a row moved (a request to another target), before."""
    history = inspect(obj).attrs[column].history
    values = {getattr(obj, column), *history.deleted}
    return {value for value in values if value is not None}


@event.listens_for(Session, "before_flush")
def _collect(session, _context, _instances) -> None:
    changes = _changes(session)
    for obj in session.dirty:
        _attribute(obj, changes, dirty=True)
    for obj in session.deleted:
        _attribute(obj, changes)
    changes.new.extend(session.new)


@event.listens_for(Session, "do_orm_execute")
def _collect_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = state.statement.table.name
        if table in _SHARED_TABLES or table in _BY_TARGET or table in _BY_REQUEST or table in _BY_SHEET:
            _changes(state.session).shared = True


@event.listens_for(Session, "before_commit")
def _write_tokens(session) -> None:
    session.flush()
    changes = session.info.pop(_PENDING, None)
    if changes is None:
        return
    for obj in changes.new:
        _attribute(obj, changes)
    targets = set(changes.targets) | ({SHARED} if changes.shared else set())
    if not changes.shared:
        targets |= _targets_of(changes.requests, changes.sheets)
    if targets:
        token = uuid.uuid4().hex
        write_tokens(session, TargetRevision, "target_id", {ident: token for ident in targets})


def _targets_of(requests: set[int], sheets: set[int]) -> set[int]:
    from ..requests.models import MockRequest
    from ..scoring.models import ScoreSheet

    found: set[int] = set()
    if requests:
        found.update(db.session.scalars(select(MockRequest.target_id).where(MockRequest.id.in_(requests))))
    if sheets:
        found.update(db.session.scalars(select(ScoreSheet.target_id).where(ScoreSheet.id.in_(sheets))))
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
