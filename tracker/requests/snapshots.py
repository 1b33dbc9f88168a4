"""A campaign's requests read in bulk for reports: plain rows, not ORM objects.

Scores, statistics, the annual table and the export read every request of a campaign (12 000 for
a province) with its events, calls and reply, and change none of them. Loading them as ORM
objects (identity map, instrumentation, relationship collections) costs about five times more
than the SQL itself; these snapshots carry the same attributes — every column of MockRequest,
`events`, `attempts`, `reply` and `target` — read in one statement per table, whatever the size.
Anything that changes a request loads it through the ORM instead.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select

from ..campaigns.models import Target
from ..core.db import among
from ..extensions import db
from .models import MockRequest, PhoneAttempt, Reply, RequestDocument, RequestEvent


class RowSnapshot:
    """Attributes from one row (read-only by convention), in slots: 50 000 of them per report."""

    __slots__ = ()

    def __init__(self, values) -> None:
        for name, value in values:
            setattr(self, name, value)

    @classmethod
    def all(cls, result) -> list:
        keys = tuple(result.keys())
        fill = _filler(cls, keys)
        new = object.__new__
        snapshots = []
        for row in result.all():  # fetchall: one call, not one per row
            snapshot = new(cls)
            fill(snapshot, *row)
            snapshots.append(snapshot)
        return snapshots

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'id', '?')}>"


_FILLERS: dict[tuple, object] = {}


def _filler(cls, keys: tuple[str, ...]):
    """A function storing one row's values into a snapshot's slots with plain attribute stores.

    A national report reads 320 000 rows of ~40 columns; setattr in a loop spent more time than the
    SQL (DESIGN.md §10.6). Compiled once per class and column list, like collections.namedtuple.
    """
    filler = _FILLERS.get((cls, keys))
    if filler is None:
        if not all(key.isidentifier() and not key.startswith("_") for key in keys):
            def filler(snapshot, *values):
                for name, value in zip(keys, values):
                    setattr(snapshot, name, value)
        else:
            args = ", ".join(f"_{index}" for index in range(len(keys)))
            body = "".join(f"\n    self.{key} = _{index}" for index, key in enumerate(keys)) or "\n    pass"
            namespace: dict = {}
            exec(f"def fill(self, {args}):{body}", namespace)  # noqa: S102 — names checked just above
            filler = namespace["fill"]
        _FILLERS[(cls, keys)] = filler
    return filler


def columns_of(model, *extra: str) -> tuple[str, ...]:
    """The slots of a snapshot of `model`'s rows: its columns, then `extra` attributes filled in later."""
    return tuple(column.key for column in model.__table__.columns) + extra


class StoredEvent(RowSnapshot):
    __slots__ = columns_of(RequestEvent)
    type_label = RequestEvent.type_label
    party_label = RequestEvent.party_label


class StoredDocument(RowSnapshot):
    __slots__ = columns_of(RequestDocument)
    kind_label = RequestDocument.kind_label


class StoredAttempt(RowSnapshot):
    __slots__ = columns_of(PhoneAttempt)


class StoredReply(RowSnapshot):
    __slots__ = columns_of(Reply)


class StoredRequest(RowSnapshot):
    """A request as stored, with `events` (by date), `attempts` (by time), `reply` and `target`."""

    __slots__ = columns_of(MockRequest, "events", "attempts", "reply", "target", "documents")
    channel_label = MockRequest.channel_label
    purpose_label = MockRequest.purpose_label


def load_snapshots(campaign_id: int, target_ids: Collection[int] | None = None,
                   request_ids: Collection[int] | None = None, *, documents: bool = False) -> list[StoredRequest]:
    """The campaign's requests (or those of some targets, or some requests) ordered by submission, in
    five statements. `request_ids` lets a streamed export read a national campaign a window at a time;
    `documents` adds their dated documents (one more statement: the export carries them, scores do not)."""
    requests = MockRequest.__table__
    scope = [requests.c.campaign_id == campaign_id]
    if target_ids is not None:
        scope.append(among(requests.c.target_id, target_ids))
    if request_ids is not None:
        scope.append(among(requests.c.id, request_ids))
    rows = StoredRequest.all(db.session.execute(
        select(requests).where(*scope).order_by(requests.c.submitted_at, requests.c.id)))
    events, attempts = defaultdict(list), defaultdict(list)
    for event in StoredEvent.all(_children(RequestEvent, scope, RequestEvent.on, RequestEvent.id)):
        events[event.request_id].append(event)
    for attempt in StoredAttempt.all(_children(PhoneAttempt, scope, PhoneAttempt.at)):
        attempts[attempt.request_id].append(attempt)
    replies = {reply.request_id: reply for reply in StoredReply.all(_children(Reply, scope))}
    target_scope = [Target.campaign_id == campaign_id]
    if request_ids is not None or target_ids is not None:
        # Only the targets of these rows, not the campaign's 3 000 each time (one county's live sheet
        # is read for every review of a bundle import: quadratic at national scale).
        target_scope.append(Target.id.in_({row.target_id for row in rows}))
    targets = {t.id: t for t in db.session.scalars(select(Target).where(*target_scope))}
    papers = defaultdict(list)
    if documents:
        ordered = (RequestDocument.dated_on, RequestDocument.id)
        for paper in StoredDocument.all(_children(RequestDocument, scope, *ordered)):
            papers[paper.request_id].append(paper)
    for row in rows:
        row.documents = papers.get(row.id, [])
        row.events = events.get(row.id, [])
        row.attempts = attempts.get(row.id, [])
        row.reply = replies.get(row.id)
        row.target = targets.get(row.target_id)
    return rows


def _children(model, scope: list, *order):
    table, requests = model.__table__, MockRequest.__table__
    query = select(table).join(requests, requests.c.id == table.c.request_id).where(*scope)
    return db.session.execute(query.order_by(*order) if order else query)

