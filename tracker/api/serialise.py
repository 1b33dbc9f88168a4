"""Rows → JSON for the API. A request is the bundle's shape (bundles/exporter.request_document)
with ids, versions and the whole computed deadline added, so the API and export never disagree."""
from __future__ import annotations

from datetime import date, datetime, time

from ..bundles.exporter import request_document
from ..campaigns.models import Campaign, Target
from ..core.db import from_db_time
from ..law.deadlines import STATUS_LABELS, Deadline
from ..requests.law_bridge import deadline_of, effective_status, phone_protocol_of
from ..reports.json_report import review_json, usernames_of
from ..requests.models import MockRequest
from ..scoring.models import SHEET_STATUSES
from ..law.workdays import BEIJING, WorkCalendar


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def campaign_json(campaign: Campaign) -> dict:
    return {"id": campaign.id, "name": campaign.name, "year": campaign.year, "rubric_code": campaign.rubric_code,
            "created_at": _iso(from_db_time(campaign.created_at)), "version": campaign.version}


def campaign_detail_json(campaign: Campaign) -> dict:
    members = sorted((m.user for m in campaign.members), key=lambda u: u.username)
    return campaign_json(campaign) | {
        "members": [{"id": u.id, "username": u.username, "name": u.name, "role": u.role} for u in members],
        "target_count": len(campaign.targets),
    }


def target_json(target: Target) -> dict:
    return {"id": target.id, "campaign_id": target.campaign_id, "key": target.key, "name": target.name,
            "kind": target.kind, "website": target.website, "apply_url": target.apply_url,
            "guide_phone": target.guide_phone, "address": target.address,
            "legal_representative": target.legal_representative, "office_hours": target.office_hours,
            "notes": target.notes, "version": target.version}


def request_summary_json(row: MockRequest, today: date) -> dict:
    """A list row, from the stored clock columns (no recomputation: lists stay cheap)."""
    status = effective_status(row.status, row.due_date, today)
    return {"id": row.id, "key": row.key, "target_id": row.target_id, "target": row.target.key,
            "target_name": row.target.name, "owner": row.owner.username if row.owner else None,
            "channel": row.channel, "purpose": row.purpose, "subject": row.subject,
            "submitted_at": _iso(from_db_time(row.submitted_at)),
            "voided": row.voided, "receipt_date": _iso(row.receipt_date), "due_date": _iso(row.due_date),
            "status": status, "status_label": STATUS_LABELS.get(status, status), "on_time": row.on_time,
            "provisional": row.provisional, "version": row.version}


def request_json(row: MockRequest, calendar: WorkCalendar, today: date) -> dict:
    usernames = {row.owner_id: row.owner.username} if row.owner else {}
    data = request_document(row, usernames, {row.target_id: row.target.key}, calendar, today)
    data = {"id": row.id, "campaign_id": row.campaign_id, "target_id": row.target_id, "version": row.version} | data
    for event, shown in zip(row.events, data["events"]):
        shown["id"] = event.id
    for document, shown in zip(row.documents, data.get("documents", [])):
        shown["id"], shown["attachment_id"] = document.id, document.attachment_id
    if data.get("reply") is not None:
        data["reply"]["version"] = row.reply.version
    data["computed"] = deadline_json(deadline_of(row, calendar, today))
    if row.channel == "phone":
        data["phone"]["attempts"], data["phone_protocol"] = _phone(row, calendar, today)
    return data


def deadline_json(deadline: Deadline) -> dict:
    return {
        "receipt_date": _iso(deadline.receipt_date), "due_date": _iso(deadline.due_date),
        "status": deadline.status, "status_label": deadline.status_label, "on_time": deadline.on_time,
        "provisional": deadline.provisional, "working_days_left": deadline.working_days_left,
        "clarification_due": _iso(deadline.clarification_due), "paused_working_days": deadline.paused_working_days,
        "extension_working_days": deadline.extension_working_days, "clock_start": _iso(deadline.clock_start),
        "reply_date": _iso(deadline.reply_date),
        "flags": [{"code": f.code, "message": f.message_zh} for f in deadline.flags],
        "steps": [{"title": s.title_zh, "detail": s.detail_zh, "date": _iso(s.date),
                   "days_off": [{"date": d.date.isoformat(), "kind": d.kind, "name": d.name,
                                 "provisional": d.provisional} for d in s.skipped if d.kind != "weekend"]}
                  for s in deadline.steps],
    }


def _phone(row: MockRequest, calendar: WorkCalendar, today: date) -> tuple[list, dict]:
    # A frozen `today` judges the protocol as at the end of that Beijing day.
    protocol = phone_protocol_of(row, calendar, now=datetime.combine(today, time(23, 59), tzinfo=BEIJING))
    stored = list(row.attempts)
    attempts = [{"id": stored[v.index].id, "at": v.at.isoformat(), "connected": v.connected, "valid": v.valid,
                 "number": v.number, "reason": v.reason_zh, "note": stored[v.index].note}
                for v in protocol.attempts]
    summary = {"valid_count": protocol.valid_count, "connected": protocol.connected, "complete": protocol.complete,
               "outcome": protocol.outcome, "test_day": _iso(protocol.test_day), "broken": protocol.broken,
               "broken_by_calls": protocol.broken_by_calls, "broken_reason": protocol.broken_reason_zh,
               "guidance": protocol.guidance_zh,
               "summary": protocol.summary_zh}
    return attempts, summary


def sheet_json(campaign: Campaign, rubric, scores) -> dict:
    status = scores.sheet.status if scores.sheet else "draft"
    score = scores.score
    indicators = []
    for indicator in rubric.indicators:
        result, row = score.indicators[indicator.id], scores.facts.get(indicator.id)
        indicators.append({
            "id": indicator.id, "name": indicator.name, "level1": indicator.level1, "level2": indicator.level2,
            "max": indicator.max, "kind": indicator.kind, "points": result.points,
            "explanation": result.explanation_zh, "overridden": result.overridden,
            "override_reason": result.override_reason, "computed_points": result.computed_points,
            "facts": row.facts if row else None, "version": row.version if row else 0})
    return {"campaign_id": campaign.id, "target_id": scores.target.id, "target": scores.target.name,
            "status": status, "status_label": SHEET_STATUSES.get(status, status), "total": score.total,
            "complete": score.complete, "pending": list(score.pending), "level1": dict(score.level1),
            "level2": dict(score.level2), "review": review_json(scores, usernames_of([scores])),
            "indicators": indicators}
