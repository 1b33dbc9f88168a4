"""Export of a campaign as tracker-bundle/1, with each request's computed clock (DESIGN.md §6)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from ..calendar.service import current_calendar
from ..campaigns.models import Campaign
from ..core.db import from_db_time
from ..extensions import db
from ..requests.clock import deadline_of
from ..requests.fields import REPLY_FLAGS, SUB_OBJECTS
from ..requests.models import MockRequest
from ..requests.scores import load_requests
from ..scoring.models import IndicatorFacts, ScoreSheet
from ..users.models import User

FORMAT = "tracker-bundle/1"


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
    return data


def _reply(reply) -> dict:
    data = {"dispatched_on": _iso(reply.dispatched_on), "received_on": _iso(reply.received_on),
            "outcome": reply.outcome, "fee_charged": float(reply.fee_charged or 0), "notes": reply.notes}
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


def export_bundle(campaign: Campaign, today: date) -> dict:
    users = {u.id: u for u in db.session.scalars(select(User))}
    usernames = {i: u.username for i, u in users.items()}
    target_keys = {t.id: t.key for t in campaign.targets}
    calendar = current_calendar()
    team = [{"username": m.user.username, "name": m.user.name, "email": m.user.email, "role": m.user.role}
            for m in sorted(campaign.members, key=lambda m: m.user.username)]
    requests = [request_document(r, usernames, target_keys, calendar, today)
                for r in sorted(load_requests(campaign.id), key=lambda r: r.key)]
    facts, reviews = _facts_and_reviews(campaign, target_keys, usernames)
    return {"format": FORMAT,
            "campaign": {"name": campaign.name, "rubric": campaign.rubric_code, "year": campaign.year},
            "team": team, "targets": [_target(t) for t in campaign.targets], "requests": requests,
            "facts": facts, "reviews": reviews}
