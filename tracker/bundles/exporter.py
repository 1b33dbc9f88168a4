"""Export of a campaign as tracker-bundle/1, with each request's computed clock (DESIGN.md §6)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from ..calendar.operations import calendar_document
from ..calendar.service import current_calendar
from ..campaigns.models import Campaign
from ..core.db import from_db_time
from ..extensions import db
from ..requests.law_bridge import deadline_of
from ..requests.fields import REPLY_FLAGS, SUB_OBJECTS
from ..requests.models import MockRequest
from ..requests.snapshots import load_snapshots
from ..scoring.models import IndicatorFacts, ScoreSheet
from ..users.models import User

FORMAT = "tracker-bundle/1"
# Requests are read and written this many at a time: a national campaign (120 000 requests) is
# streamed in ≤ 400 MB instead of being held whole as rows, dicts and one big string (1.3 GB).
WINDOW = 2000


def _iso(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _target(target) -> dict:
    return {"key": target.key, "name": target.name, "kind": target.kind, "website": target.website,
            "apply_url": target.apply_url, "guide_phone": target.guide_phone, "address": target.address,
            "legal_representative": target.legal_representative, "office_hours": target.office_hours,
            "notes": target.notes}


def _channel_object(request: MockRequest) -> tuple[str, dict]:
    name, mapping = SUB_OBJECTS[request.channel]
    sub = {key: _iso(getattr(request, column)) for key, column in mapping.items()}
    if request.channel == "phone":
        sub["attempts"] = [{"at": from_db_time(a.at).isoformat(), "connected": a.connected} for a in request.attempts]
    return name, sub


def _event(event) -> dict:
    data = {"type": event.type, "on": event.on.isoformat(), "note": event.note}
    if event.working_days is not None:
        data["working_days"] = event.working_days
    if event.party is not None:
        data["party"] = event.party
    if event.amount is not None:
        data["amount"] = float(event.amount)
    return data


def _document(document) -> dict:
    # The attached file does not travel in a bundle; its name says which one it was.
    return {"kind": document.kind, "on": document.dated_on.isoformat(), "number": document.number,
            "note": document.note}


def _reply(reply) -> dict:
    data = {"dispatched_on": _iso(reply.dispatched_on), "received_on": _iso(reply.received_on),
            "outcome": reply.outcome, "form": reply.form, "fee_charged": float(reply.fee_charged or 0),
            "notes": reply.notes}
    data.update({flag: getattr(reply, flag) for flag in REPLY_FLAGS})
    return data


def request_document(request: MockRequest, usernames: dict, target_keys: dict, calendar, today: date) -> dict:
    """One request in the bundle's shape plus `computed`; also the JSON API's request body (api/serialise.py)."""
    deadline = deadline_of(request, calendar, today, explain=False)
    submitted = from_db_time(request.submitted_at)
    data = {"key": request.key, "target": target_keys[request.target_id], "owner": usernames.get(request.owner_id),
            "channel": request.channel, "purpose": request.purpose, "subject": request.subject,
            "submitted_at": submitted.isoformat() if submitted else None, "notes": request.notes,
            "voided": request.voided, "void_reason": request.void_reason,
            "events": [_event(e) for e in request.events]}
    documents = getattr(request, "documents", None)
    if documents:
        data["documents"] = [_document(d) for d in documents]
    name, sub = _channel_object(request)
    data[name] = sub
    if request.reply is not None:
        data["reply"] = _reply(request.reply)
    data["computed"] = {"receipt_date": _iso(deadline.receipt_date), "due_date": _iso(deadline.due_date),
                        "status": deadline.status, "on_time": deadline.on_time, "provisional": deadline.provisional}
    return data


def _facts_and_reviews(campaign: Campaign, target_keys: dict, usernames: dict) -> tuple[dict, dict]:
    facts: dict = {}
    reviews: dict = {}
    sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id)).all()
    by_sheet = {s.id: target_keys[s.target_id] for s in sheets}
    for row in db.session.scalars(select(IndicatorFacts).where(IndicatorFacts.sheet_id.in_(list(by_sheet)))
                                  .order_by(IndicatorFacts.indicator_id)):
        if row.facts:
            facts.setdefault(by_sheet[row.sheet_id], {})[str(row.indicator_id)] = row.facts
    for sheet in sheets:
        reviews[target_keys[sheet.target_id]] = {
            "status": sheet.status, "submitted_by": usernames.get(sheet.filled_by_id),
            "submitted_on": _iso(sheet.filled_on), "reviewed_by": usernames.get(sheet.reviewed_by_id),
            "reviewed_on": _iso(sheet.reviewed_on)}
    return facts, reviews


def _parts(campaign: Campaign, today: date) -> Iterator[tuple[str, object]]:
    """The bundle's top-level (key, value) pairs in order; "requests" is an iterator of documents."""
    users = {u.id: u for u in db.session.scalars(select(User))}
    usernames = {i: u.username for i, u in users.items()}
    target_keys = {t.id: t.key for t in campaign.targets}
    team = [{"username": m.user.username, "name": m.user.name, "email": m.user.email, "role": m.user.role}
            for m in sorted(campaign.members, key=lambda m: m.user.username)]
    facts, reviews = _facts_and_reviews(campaign, target_keys, usernames)
    yield "format", FORMAT
    yield "campaign", {"name": campaign.name, "rubric": campaign.rubric_code, "year": campaign.year}
    yield "team", team
    yield "targets", [_target(t) for t in campaign.targets]
    yield "requests", _request_documents(campaign.id, usernames, target_keys, today)
    yield "facts", facts
    yield "reviews", reviews
    yield "calendar", calendar_document()


def _request_documents(campaign_id: int, usernames: dict, target_keys: dict, today: date) -> Iterator[dict]:
    """Every request's document in key order, read a window of WINDOW requests at a time."""
    calendar = current_calendar()
    table = MockRequest.__table__
    keyed = db.session.execute(select(table.c.key, table.c.id).where(table.c.campaign_id == campaign_id)).all()
    ids = [row.id for row in sorted(keyed, key=lambda row: row.key)]  # Python's order, not the collation's
    for start in range(0, len(ids), WINDOW):
        window = ids[start:start + WINDOW]
        rows = {row.id: row for row in load_snapshots(campaign_id, request_ids=window, documents=True)}
        for request_id in window:
            yield request_document(rows[request_id], usernames, target_keys, calendar, today)


def export_bundle(campaign: Campaign, today: date) -> dict:
    return {key: list(value) if key == "requests" else value for key, value in _parts(campaign, today)}


def _indented(value, level: int) -> str:
    # json.dumps escapes newlines inside strings, so every newline of its output is indentation.
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


def stream_bundle(campaign: Campaign, today: date) -> Iterator[str]:
    """The text of ``json.dumps(export_bundle(…), ensure_ascii=False, indent=2)``, piece by piece."""
    yield "{"
    for number, (key, value) in enumerate(_parts(campaign, today)):
        yield f'{"," if number else ""}\n  {json.dumps(key)}: '
        if key != "requests":
            yield _indented(value, 1)
            continue
        empty = True
        for document in value:
            yield ("[\n    " if empty else ",\n    ") + _indented(document, 2)
            empty = False
        yield "[]" if empty else "\n  ]"
    yield "\n}"
