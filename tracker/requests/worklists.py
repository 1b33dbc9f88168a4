"""The dashboard's work lists as SQL conditions on the stored clock columns, shared by the dashboard
(its true counts) and the request list (the filter its 查看全部 opens), so that a card that says 2 opens a
list of those 2 (issue 18: 信函未签收（2） opened 3 requests, the returned letter among them)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select

from ..calendar.service import current_calendar
from ..campaigns.models import Target
from ..core.db import from_db_time
from ..extensions import db
from ..law.deadline_terms import OPEN_STATUSES
from ..law.phone import Attempt, evaluate_phone
from .law_bridge import parse_office_hours
from .models import MockRequest, PhoneAttempt

# The lists that are not one status of a request, as the request list's 状态 filter offers them.
WORKLIST_LABELS = {
    "phone_open": "电话测试进行中",
    "letter_unsigned": "信函已寄出、尚未签收",
    "paused_any": "暂停计时（征求意见或等待缴费）",
    "not_sent": "尚未收到（信函未签收的除外）",
}
_WORKLIST_KINDS = {"letter_unsigned": "letters", "paused_any": "paused", "not_sent": "not_received"}


def worklist_conditions(today: date, horizon: date) -> dict:
    """Which list each open request belongs to (a request may be in several); due soon = by `horizon`."""
    r = MockRequest
    running = r.status.in_(OPEN_STATUSES) & r.due_date.is_not(None)
    letters = ((r.channel == "mail") & r.letter_posted_on.is_not(None) & r.letter_delivered_on.is_(None)
               & r.letter_confirmed_on.is_(None) & r.letter_returned.is_(False))
    return {
        # Due within the horizon only; a provisional date is a badge on the row, not a reason to list it.
        "due_soon": running & (r.due_date >= today) & (r.due_date <= horizon),
        "overdue": running & (r.due_date < today),
        "letters": letters,
        "clarifications": r.status == "awaiting_clarification",
        "paused": r.status.in_(("paused", "awaiting_payment")),
        "not_received": (r.status == "not_received") & ~letters,
    }


def worklist_condition(name: str, today: date):
    """The condition of one WORKLIST_LABELS entry (none of them depends on the horizon)."""
    return worklist_conditions(today, today)[_WORKLIST_KINDS[name]]


def phone_tests_in_progress(conditions: list, now: datetime) -> list[int]:
    """The phone tests among the requests meeting `conditions` that are neither complete nor broken at
    `now` — the dashboard's 电话测试 card, judged call by call like it."""
    r, a = MockRequest, PhoneAttempt
    tests = db.session.execute(select(r.id, Target.office_hours).join(Target, Target.id == r.target_id)
                               .where(*conditions, r.channel == "phone")).all()
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for request_id, at, connected in db.session.execute(
            select(a.request_id, a.at, a.connected).where(a.request_id.in_([t.id for t in tests])).order_by(a.at)):
        attempts[request_id].append(Attempt(at=from_db_time(at), connected=connected))
    calendar = current_calendar()
    protocols = {request_id: evaluate_phone(attempts[request_id], parse_office_hours(hours), calendar, now=now)
                 for request_id, hours in tests}
    return [request_id for request_id, protocol in protocols.items() if not (protocol.complete or protocol.broken)]
