"""API: mock requests, their deadline events, phone attempts and replies.

Reading is open to every role; changes need admin or evaluator, exactly as the UI's
`editor_required`. Every change answers with the whole request and its recomputed deadline.
"""
from __future__ import annotations

from flask import request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..calendar.service import current_calendar
from ..campaigns.access import get_campaign
from ..core import parsing as p
from ..core.errors import ConflictError
from ..law.deadlines import STATUS_LABELS
from ..extensions import db
from ..requests import documents
from ..requests import operations as ops
from ..requests.fields import SUB_OBJECTS
from ..law.deadline_terms import CHANNEL_LABELS
from ..requests.models import PURPOSES, MockRequest
from ..requests.pages import ListFilters, filtered_query
from .edge import EDIT, bounded_reference, endpoint, get_or_404, json_body, query_date, visible_or_404
from .serialise import request_json, request_summary_json

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def get_request(request_id: int) -> MockRequest:
    message = f"模拟申请 {request_id} 不存在"
    return visible_or_404(get_or_404(MockRequest, request_id, message), message)


def editable_request(request_id: int) -> MockRequest:
    row = get_request(request_id)
    ops.ensure_active(row)  # the operations' own rule, checked before the body is parsed
    return row


def detail(row: MockRequest, status: int = 200):
    db.session.flush()
    return request_json(row, current_calendar(), query_date()), status


# ---------------------------------------------------------------------------- list

def _list_filters(args) -> tuple[ListFilters, int, int]:
    c = p.Collector()
    filters = ListFilters(
        target=c.run("target", p.integer, args.get("target"), minimum=1, maximum=p.MAX_ID, required=False),
        channel=c.run("channel", p.choice, args.get("channel"), choices=CHANNEL_LABELS, required=False),
        purpose=c.run("purpose", p.choice, args.get("purpose"), choices=PURPOSES, required=False),
        status=c.run("status", p.choice, args.get("status"), choices=STATUS_LABELS, required=False),
        owner=c.run("owner", p.integer, args.get("owner"), minimum=1, maximum=p.MAX_ID, required=False),
        due_from=c.run("due_from", p.optional_date, args.get("due_from")),
        due_to=c.run("due_to", p.optional_date, args.get("due_to")),
        show_voided=bool(c.run("show_voided", p.optional_bool, args.get("show_voided"))),
    )
    limit = c.run("limit", p.integer, args.get("limit"), minimum=1, maximum=MAX_LIMIT, required=False)
    offset = c.run("offset", p.integer, args.get("offset"), minimum=0, maximum=p.MAX_ID, required=False)
    c.raise_if_any()
    return filters, limit or DEFAULT_LIMIT, offset or 0


@endpoint("/campaigns/<int:campaign_id>/requests", "GET")
def list_requests(actor, campaign_id: int):
    campaign = get_campaign(actor, campaign_id)
    filters, limit, offset = _list_filters(request.args)
    today = query_date()
    query = filtered_query(campaign.id, filters, current_calendar(), today)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = (query.options(joinedload(MockRequest.target), joinedload(MockRequest.owner))
            .order_by(MockRequest.due_date.is_(None), MockRequest.due_date, MockRequest.key)
            .limit(limit).offset(offset))
    items = [request_summary_json(row, today) for row in db.session.scalars(page)]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


# ---------------------------------------------------------------------------- create / read / change

@endpoint("/campaigns/<int:campaign_id>/requests", "POST", EDIT)
def create_request(actor, campaign_id: int):
    campaign = get_campaign(actor, campaign_id)
    data = json_body()
    for field in ("target", "owner"):
        bounded_reference(data.get(field), field)
    return detail(ops.create_request(actor, campaign, data), 201)


@endpoint("/requests/<int:request_id>", "GET")
def get_request_detail(actor, request_id: int):
    return detail(get_request(request_id))


def _merged(row: MockRequest, data: dict) -> dict:
    """A PATCH changes only the fields it names: lay them over the request as it is now."""
    current = request_json(row, current_calendar(), query_date())
    merged = {k: current[k] for k in ("key", "owner", "channel", "purpose", "subject", "submitted_at", "notes")}
    for name, _mapping in SUB_OBJECTS.values():
        merged[name] = dict(current.get(name) or {}) | dict(data.get(name) or {})
    return merged | {k: v for k, v in data.items() if k not in merged or not isinstance(v, dict)}


@endpoint("/requests/<int:request_id>", "PATCH", EDIT)
def update_request(actor, request_id: int):
    row = editable_request(request_id)
    data = json_body()
    bounded_reference(data.get("owner"), "owner")
    ops.check_version(row, data["version"])
    return detail(ops.update_request(actor, row, _merged(row, data)))


@endpoint("/requests/<int:request_id>/void", "POST", EDIT)
def void_request(actor, request_id: int):
    row = get_request(request_id)
    data = json_body()
    ops.void_request(actor, row, data.get("void_reason") or "", voided=data.get("voided", True))
    return detail(row)


@endpoint("/requests/<int:request_id>/events", "POST", EDIT)
def add_event(actor, request_id: int):
    row = editable_request(request_id)
    ops.add_event(actor, row, json_body())
    return detail(row, 201)


@endpoint("/requests/<int:request_id>/events/<int:event_id>", "DELETE", EDIT)
def delete_event(actor, request_id: int, event_id: int):
    row = editable_request(request_id)
    ops.delete_event(actor, row, event_id)
    return detail(row)


@endpoint("/requests/<int:request_id>/documents", "POST", EDIT)
def add_document(actor, request_id: int):
    row = editable_request(request_id)
    documents.add_document(actor, row, json_body())
    return detail(row, 201)


@endpoint("/requests/<int:request_id>/documents/<int:document_id>", "DELETE", EDIT)
def delete_document(actor, request_id: int, document_id: int):
    row = editable_request(request_id)
    documents.delete_document(actor, row, document_id)
    return detail(row)


@endpoint("/requests/<int:request_id>/attempts", "POST", EDIT)
def add_attempt(actor, request_id: int):
    row = editable_request(request_id)
    ops.add_attempt(actor, row, json_body())
    return detail(row, 201)


@endpoint("/requests/<int:request_id>/attempts/<int:attempt_id>", "DELETE", EDIT)
def delete_attempt(actor, request_id: int, attempt_id: int):
    row = editable_request(request_id)
    ops.delete_attempt(actor, row, attempt_id)
    return detail(row)


@endpoint("/requests/<int:request_id>/reply", "PUT", EDIT)
def save_reply(actor, request_id: int):
    row = editable_request(request_id)
    data = json_body()
    # `version` is what the client saw: the reply's version, or 0/null when it saw no reply.
    if (data.get("version") or 0) != (row.reply.version if row.reply else 0):
        raise ConflictError()
    ops.save_reply(actor, row, data)
    return detail(row)


@endpoint("/requests/<int:request_id>/reply", "DELETE", EDIT)
def delete_reply(actor, request_id: int):
    row = editable_request(request_id)
    ops.delete_reply(actor, row, request.args.get("version"))  # the reply's version the client saw; required
    return detail(row)
