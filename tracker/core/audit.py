"""The audit log: who changed what, when, with the values before and after."""
from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .revisions import Bookkeeping
from .db import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __revision_scope__ = Bookkeeping()

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values: one lookup, not four isinstance checks (a bundle import makes millions)
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):  # plain keys and values inline: a call for each was most of an audit record's time
        plain = _PLAIN
        return {k if type(k) is str else str(k): v if type(v) in plain else jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj, fields: tuple[str, ...]) -> dict:
    return {name: jsonable(getattr(obj, name)) for name in fields}


_collector: contextvars.ContextVar[list | None] = contextvars.ContextVar("audit_collector", default=None)


@contextmanager
def collected() -> Iterator[list[dict]]:
    """Inside, record() hands its entries to the caller as INSERT parameter sets (audit_log columns)
    instead of adding them to the session: bulk writers insert thousands in one statement. The
    caller must write them in the same transaction."""
    entries: list[dict] = []
    token = _collector.set(entries)
    try:
        yield entries
    finally:
        _collector.reset(token)


def record(actor, action: str, entity: str, entity_id: int | None, *, before=None, after=None,
           summary: str = "") -> AuditEntry | None:
    """Add an audit entry to the current transaction (the caller's edge commits it).

    Inside collected() the entry goes to the collector and None is returned. An update that changed
    nothing is not recorded (None): the log lists changes, not saves."""
    if action == "update" and before is not None and jsonable(before) == jsonable(after):
        return None
    values = {"user_id": getattr(actor, "id", None), "action": action, "entity": entity, "entity_id": entity_id,
              "summary": summary[:500], "before": jsonable(before), "after": jsonable(after)}
    sink = _collector.get()
    if sink is not None:
        sink.append(values | {"at": utcnow()})
        return None
    entry = AuditEntry(**values)
    db.session.add(entry)
    return entry


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
