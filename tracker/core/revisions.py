"""Freshness tokens ("revisions"): how a process tells whether a value it computed from the database
(core/kept.py) is still current. One table of (scope, key, token), one set of session listeners, and
on every mapped model a declaration, `__revision_scope__`, of the tokens a change to its rows renews:

- `Bookkeeping()`: no kept value is computed from these rows (sessions, mail, the audit log…).
- `Shared(scope=SHARED, ignore_columns=(), reaches_targets=False)`: the scope's one token (key EVERY).
  SHARED is what every county's report reads (the campaign, users, the rubric), CALENDAR the
  working-day calendar. A change to nothing but `ignore_columns` (read by no report: a user's
  reminder horizon) leaves it alone. `reaches_targets`: a change may alter any target's report, so
  its commit renews every target's token — unless the transaction names, after its last change to
  the scope, the targets the change reached (`renew_only_targets`: a calendar change reaches the
  counties whose deadlines span a changed day).
- `ViaTarget(*columns)`: the token of the target the row belongs to (scope TARGET, key = target id),
  reached by following the columns' foreign keys: `ViaTarget("target_id")` for a request,
  `ViaTarget("request_id", "target_id")` for its reply, `ViaTarget("id")` for the target itself.

Any change to a row that is not bookkeeping also renews DATA, the token of the pages that read a
little of everything (the overview, the dashboard's summary), which are cheap to redo from the finer
kept values. A bulk statement names no rows: it renews its whole scope (key EVERY: every target).

The commit writes the tokens as its last statement — one INSERT … ON CONFLICT, rows in (scope, key)
order, so two commits lock them in the same order (no cycle on PostgreSQL) — inside its transaction:
a rolled-back change renews nothing, a committed one always does. Until then `pending_scopes()` names
what the open transaction changed, so nothing it reads is filed under (or served from) an old token.
A random token rather than a counter: a restored backup brings back the tokens of the data it holds.
`create_app` refuses to start when a mapped table declares nothing (`check_declarations`).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_sqlalchemy.session import Session
from sqlalchemy import Integer, String, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.interfaces import MANYTOONE

from ..extensions import db
from .transaction_cache import transaction_cache

DATA, SHARED, CALENDAR, TARGET = "data", "shared", "calendar", "target"
EVERY = 0  # the key of a scope's one token; for TARGET, "every target" (a bulk statement's renewal)
ScopeKey = tuple[str, int]
_PENDING = "tracker_pending_revisions"


class UndeclaredTables(RuntimeError):
    """Mapped tables whose model does not say (or says wrongly) which tokens its rows renew."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("declare __revision_scope__ (tracker/core/revisions.py) on every model: " + "; ".join(problems))


@dataclass(frozen=True)
class Bookkeeping:
    def problems(self, _table) -> list[str]:
        return []


@dataclass(frozen=True)
class Shared:
    scope: str = SHARED
    ignore_columns: tuple[str, ...] = ()
    reaches_targets: bool = False

    def problems(self, table) -> list[str]:
        return [f"{table.name}: ignore_columns names {name!r}, which it does not have"
                for name in self.ignore_columns if name not in table.c]


@dataclass(frozen=True, init=False)
class ViaTarget:
    columns: tuple[str, ...]

    def __init__(self, *columns: str) -> None:
        object.__setattr__(self, "columns", columns)

    def problems(self, table) -> list[str]:
        """Each column but the last leads by its one foreign key to the table holding the next; the
        last is a target id (targets.id, or a foreign key to it)."""
        where = f"{table.name}: ViaTarget{self.columns}"
        for index, name in enumerate(self.columns):
            if name not in table.c:
                return [f"{where}: {table.name} has no column {name!r}"]
            last = index == len(self.columns) - 1
            if last and (table.name, name) == ("targets", "id"):
                return []
            keys = list(table.c[name].foreign_keys)
            if len(keys) != 1:
                return [f"{where}: {table.name}.{name} has no single foreign key to follow"]
            table = keys[0].column.table
            if last and (table.name, keys[0].column.name) != ("targets", "id"):
                return [f"{where}: ends at {table.name}.{keys[0].column.name}, not at a target"]
        return [] if self.columns else [f"{where}: names no column"]

    def follow(self, session, table, ids: set) -> set[int]:
        """The target ids the rows whose first column holds `ids` belong to (one query per hop)."""
        for name, next_name in zip(self.columns, self.columns[1:]):
            if not ids:
                break
            referenced = next(iter(table.c[name].foreign_keys)).column
            table = referenced.table
            ids = set(session.scalars(select(table.c[next_name]).where(referenced.in_(sorted(ids)))))
        return {ident for ident in ids if ident is not None}


Declaration = Bookkeeping | Shared | ViaTarget


class Revision(db.Model):
    __tablename__ = "revisions"
    __revision_scope__ = Bookkeeping()

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32), default="")


# -- declarations ------------------------------------------------------------------------------


def declaration_of(base, table_name: str) -> Declaration | None:
    for mapper in base.registry.mappers:
        if mapper.local_table.name == table_name:
            return getattr(mapper.class_, "__revision_scope__", None)
    return None


def check_declarations(base) -> None:
    """Raise UndeclaredTables naming every table of `base`'s schema without a sound declaration."""
    problems: list[str] = []
    for table in base.metadata.sorted_tables:
        declaration = declaration_of(base, table.name)
        if declaration is None:
            problems.append(f"{table.name}: no __revision_scope__")
        else:
            problems.extend(declaration.problems(table))
    if problems:
        raise UndeclaredTables(problems)


_by_table: dict[str, Declaration] = {}


def _declaration_of_table(table_name: str) -> Declaration:
    if table_name not in _by_table:
        declaration = declaration_of(db.Model, table_name)
        if declaration is None:
            raise UndeclaredTables([f"{table_name}: no __revision_scope__"])
        _by_table[table_name] = declaration
    return _by_table[table_name]


# -- reading tokens ----------------------------------------------------------------------------


def current_tokens(scope_keys: Iterable[ScopeKey]) -> dict[ScopeKey, str]:
    """The committed token of each (scope, key); "" for one never renewed since tokens exist."""
    wanted = list(dict.fromkeys(scope_keys))
    read = transaction_cache("revisions.tokens")  # a token moves only when a transaction commits
    missing = [scope_key for scope_key in wanted if scope_key not in read]
    if missing:
        rows = db.session.execute(select(Revision.scope, Revision.key, Revision.token)
                                  .where(Revision.scope.in_({scope for scope, _ in missing}),
                                         Revision.key.in_({key for _, key in missing})))
        found = {(scope, key): token for scope, key, token in rows}
        read.update((scope_key, found.get(scope_key, "")) for scope_key in missing)
    return {scope_key: read[scope_key] for scope_key in wanted}


def pending_scopes() -> frozenset[str]:
    """The scopes the session's open transaction has changed (flushed): their tokens are renewed by
    its commit, so until then a value read from them must be neither kept nor taken from a store."""
    pending = db.session.info.get(_PENDING)
    return pending.scopes() if pending is not None else frozenset()


# -- collecting a transaction's changes --------------------------------------------------------


@dataclass
class _Pending:
    keys: set[ScopeKey] = field(default_factory=set)
    via: dict[tuple, set] = field(default_factory=dict)  # (table, declaration) → first-column values
    after_flush: list = field(default_factory=list)  # rows whose first column is known after the flush
    unnarrowed: set[str] = field(default_factory=set)  # reaches_targets scopes changed since renew_only_targets

    def scopes(self) -> frozenset[str]:
        return frozenset({scope for scope, _ in self.keys} | ({TARGET} if self.via or self.unnarrowed else set()))

    def values(self, obj) -> set:
        return self.via.setdefault((obj.__table__, obj.__revision_scope__), set())


def _pending(session) -> _Pending:
    return session.info.setdefault(_PENDING, _Pending())


def _changed_columns(obj) -> set[str]:
    """The row's changed column attributes; a many-to-one relationship set (its column moves at the flush)
    counts as its foreign-key columns. Collections change other rows, not this one."""
    state = inspect(obj)
    changed = {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}
    for relationship in state.mapper.relationships:
        if relationship.direction is MANYTOONE and state.attrs[relationship.key].history.has_changes():
            changed.update(column.key for column in relationship.local_columns)
    return changed


def _column_values(obj, column: str) -> set:
    """The column's value now and, for a row moved (a request to another target), before."""
    values = {getattr(obj, column), *inspect(obj).attrs[column].history.deleted}
    return {value for value in values if value is not None}


def _note(session, obj, changed: set[str] | None, *, later: bool) -> None:
    """Record what a new (changed None), changed or deleted row renews; `later`: read it again after the flush."""
    declaration = getattr(type(obj), "__revision_scope__", None) or _declaration_of_table(obj.__table__.name)
    if isinstance(declaration, Bookkeeping):
        return
    pending = _pending(session)
    pending.keys.add((DATA, EVERY))
    if isinstance(declaration, Shared):
        if changed is None or not changed <= set(declaration.ignore_columns):
            pending.keys.add((declaration.scope, EVERY))
            if declaration.reaches_targets:
                pending.unnarrowed.add(declaration.scope)
        return
    pending.values(obj).update(_column_values(obj, declaration.columns[0]))
    if later:
        pending.after_flush.append(obj)


@event.listens_for(Session, "before_flush")
def _collect_flushed_rows(session, _context, _instances) -> None:
    for obj in session.new:
        _note(session, obj, None, later=True)
    for obj in session.dirty:
        changed = _changed_columns(obj)
        if changed:
            _note(session, obj, changed, later=True)
    for obj in session.deleted:
        _note(session, obj, None, later=False)


@event.listens_for(Session, "do_orm_execute")
def _collect_statements(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        note_table_written(state.session, state.statement.table.name)


def note_table_written(session, table_name: str) -> None:
    """Rows of the table were written by a bulk statement (no rows to follow): its scope is renewed,
    for a target-reaching table every target's. Core statements are noted by themselves; a write
    the session does not see (core/bulk.py's COPY) says so here."""
    declaration = _declaration_of_table(table_name)
    if isinstance(declaration, Bookkeeping):
        return
    pending = _pending(session)
    pending.keys.add((DATA, EVERY))
    pending.keys.add((declaration.scope, EVERY) if isinstance(declaration, Shared) else (TARGET, EVERY))
    if isinstance(declaration, Shared) and declaration.reaches_targets:
        pending.unnarrowed.add(declaration.scope)


def renew_only_targets(scope: str, target_ids: Iterable[int]) -> None:
    """Say that the open transaction's changes to `scope` (a `reaches_targets` scope) so far reach only
    these targets' reports: its commit renews their tokens instead of every target's. A later change
    to the scope, unnamed, renews every target's again."""
    db.session.flush()  # the changes this covers are collected at their flush: flush them first
    pending = _pending(db.session)
    pending.unnarrowed.discard(scope)
    pending.keys.update((TARGET, ident) for ident in target_ids)


# -- writing them at the commit ----------------------------------------------------------------


@event.listens_for(Session, "before_commit")
def _write_renewed_tokens(session) -> None:
    session.flush()  # the commit's own flush comes after this hook: collect what it would write first
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    for obj in pending.after_flush:
        pending.values(obj).update(_column_values(obj, obj.__revision_scope__.columns[0]))
    keys = set(pending.keys)
    if pending.unnarrowed:  # a change no one narrowed may alter every target's report
        keys.add((TARGET, EVERY))
    if (TARGET, EVERY) not in keys:  # every target's token renewed: no single one needs to be
        for (table, declaration), values in pending.via.items():
            keys.update((TARGET, ident) for ident in declaration.follow(session, table, values))
    _write_tokens(session, keys, uuid.uuid4().hex)


def _write_tokens(session, keys: set[ScopeKey], token: str) -> None:
    """One INSERT … ON CONFLICT DO UPDATE: two commits creating the same row never collide."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(Revision).values([{"scope": scope, "key": key, "token": token} for scope, key in sorted(keys)])
    session.execute(statement.on_conflict_do_update(index_elements=["scope", "key"],
                                                    set_={"token": statement.excluded.token}))


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint, ended without a commit
        session.info.pop(_PENDING, None)
