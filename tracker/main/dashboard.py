"""The "今日工作" dashboard: what needs the user today, in a fixed number of queries."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..calendar.service import current_calendar
from ..campaigns.models import Target
from ..extensions import db
from ..requests.clock import OPEN_STATUSES, phone_protocol_of
from ..requests.models import MockRequest
from ..scoring.models import ScoreSheet

DUE_SOON_WORKING_DAYS = 5
LIST_LIMIT = 50


@dataclass
class Dashboard:
    phone: list = field(default_factory=list)  # (request, protocol)
    due_soon: list = field(default_factory=list)  # (request, working days left)
    overdue: list = field(default_factory=list)  # (request, working days overdue)
    letters: list = field(default_factory=list)  # (request, working days since posting)
    clarifications: list = field(default_factory=list)
    sheets: list = field(default_factory=list)
    provisional: int = 0
    per_target: list = field(default_factory=list)  # (target, counts)


def _base(user, mine: bool):
    query = (select(MockRequest).where(MockRequest.voided.is_(False))
             .options(joinedload(MockRequest.target).joinedload(Target.campaign), joinedload(MockRequest.owner)))
    return query.where(MockRequest.owner_id == user.id) if mine else query


def _open_requests(user, mine: bool, horizon: date) -> list[MockRequest]:
    """Everything the dashboard lists, in one query: open clocks up to the horizon and the chases."""
    due_or_late = and_(MockRequest.status.in_(OPEN_STATUSES), MockRequest.due_date <= horizon)
    chases = or_(MockRequest.status == "awaiting_clarification",
                 and_(MockRequest.channel == "mail", MockRequest.letter_delivered_on.is_(None),
                      MockRequest.letter_confirmed_on.is_(None), MockRequest.letter_returned.is_(False),
                      MockRequest.letter_posted_on.is_not(None)),
                 MockRequest.provisional.is_(True))
    return list(db.session.scalars(_base(user, mine).where(or_(due_or_late, chases))
                                   .order_by(MockRequest.due_date, MockRequest.key)))


def _phone_tests(user, mine: bool, now: datetime) -> list:
    calendar = current_calendar()
    query = _base(user, mine).where(MockRequest.channel == "phone").options(selectinload(MockRequest.attempts))
    tests = []
    for request in db.session.scalars(query):
        protocol = phone_protocol_of(request, calendar, now)
        if not protocol.complete and not protocol.broken:
            tests.append((request, protocol))
    return tests


def build_dashboard(user, today: date, now: datetime, mine: bool) -> Dashboard:
    calendar = current_calendar()
    board = Dashboard(phone=_phone_tests(user, mine, now))
    for request in _open_requests(user, mine, calendar.add(today, DUE_SOON_WORKING_DAYS)):
        _sort_into(board, request, today, calendar)
    if user.role in ("reviewer", "admin"):
        board.sheets = list(db.session.scalars(
            select(ScoreSheet).where(ScoreSheet.status == "submitted")
            .options(joinedload(ScoreSheet.filled_by)).order_by(ScoreSheet.filled_on)))
        targets = {t.id: t for t in db.session.scalars(select(Target).where(
            Target.id.in_([s.target_id for s in board.sheets])))} if board.sheets else {}
        board.sheets = [(sheet, targets[sheet.target_id]) for sheet in board.sheets]
    board.per_target = _per_target(board)
    for name in ("due_soon", "overdue", "letters", "clarifications"):
        setattr(board, name, getattr(board, name)[:LIST_LIMIT])
    return board


def _sort_into(board: Dashboard, request: MockRequest, today: date, calendar) -> None:
    if request.provisional:
        board.provisional += 1
    if request.status == "awaiting_clarification":
        board.clarifications.append(request)
    if request.channel == "mail" and request.letter_posted_on and not (
            request.letter_delivered_on or request.letter_confirmed_on or request.letter_returned):
        board.letters.append((request, calendar.count(request.letter_posted_on, today)))
    if request.status in OPEN_STATUSES and request.due_date is not None:
        if request.due_date < today:
            board.overdue.append((request, calendar.count(request.due_date, today)))
        else:
            board.due_soon.append((request, calendar.count(today, request.due_date)))


def _per_target(board: Dashboard) -> list:
    counts: dict[int, Counter] = {}
    targets = {}
    for kind, rows in (("phone", board.phone), ("due_soon", board.due_soon), ("overdue", board.overdue),
                       ("letters", board.letters)):
        for row in rows:
            request = row[0]
            targets[request.target_id] = request.target
            counts.setdefault(request.target_id, Counter())[kind] += 1
    for request in board.clarifications:
        targets[request.target_id] = request.target
        counts.setdefault(request.target_id, Counter())["clarifications"] += 1
    return sorted(((targets[i], c) for i, c in counts.items()), key=lambda pair: (pair[0].campaign_id, pair[0].id))
