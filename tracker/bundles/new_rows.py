"""The Core INSERTs of an import's new requests, with their replies, events, attempts and documents.

The rows were built as transient ORM objects (core/db.py new_row) and never join the session: their
ids are reserved up front and written straight into their state, one COPY or executemany per table
(core/bulk.py).
"""
from __future__ import annotations

from ..core.bulk import insert_many
from ..core.db import insert_values, reserve_ids
from ..requests.models import MockRequest, PhoneAttempt, Reply, RequestDocument, RequestEvent

_CHILDREN = (RequestEvent, PhoneAttempt, RequestDocument)  # their ids are left to the database


def insert_new_requests(session, rows: list[MockRequest]) -> bool:
    """INSERT `rows` and their children; False (nothing written) when ids cannot be reserved here."""
    replies = [row.__dict__["reply"] for row in rows if row.__dict__.get("reply") is not None]
    request_ids = reserve_ids(session, MockRequest.__table__, len(rows))
    reply_ids = reserve_ids(session, Reply.__table__, len(replies)) if request_ids is not None else None
    if request_ids is None or reply_ids is None:
        return False
    for row, ident in zip(rows, request_ids):
        row.__dict__["id"] = ident  # no attribute event: nothing listens to a transient row
        for child in _children(row):
            child.__dict__["request_id"] = ident
    for reply, ident in zip(replies, reply_ids):
        reply.__dict__["id"] = ident
    for model, objects in ((MockRequest, rows), (Reply, replies),
                           (RequestEvent, _collected(rows, "events")),
                           (PhoneAttempt, _collected(rows, "attempts")),
                           (RequestDocument, _collected(rows, "documents"))):
        if objects:
            insert_many(session, model.__table__, [_without_id(insert_values(o), model) if model in _CHILDREN
                                                   else insert_values(o) for o in objects])
    return True


def _collected(rows: list[MockRequest], collection: str) -> list:
    return [child for row in rows for child in row.__dict__.get(collection, ())]


def _children(row: MockRequest) -> list:
    """The new request's events, attempts, documents and reply, as far as they were ever set."""
    state = row.__dict__
    reply = state.get("reply")
    return [*state.get("events", ()), *state.get("attempts", ()), *state.get("documents", ()),
            *([reply] if reply is not None else [])]


def _without_id(values: dict, model) -> dict:
    values.pop(model.__table__.primary_key.columns[0].key)
    return values
