"""The "今日工作" dashboard: what needs the user today, in a fixed number of queries.

The lists show at most LIST_LIMIT requests each, so each is one query with that LIMIT, reading
only the columns shown (no ORM objects); the per-target table and the provisional warning are
one GROUP BY. Phone tests are judged by the protocol (phone.py) on plain rows — the request, its
first call, its target's office hours; the calls of the few that may still be open — and only
the tests still open are loaded as objects. With 12 000 requests the page reads a few hundred
short rows, not thousands of objects (DESIGN.md §8: ≤ 150 ms).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from ..calendar.service import current_calendar
from ..campaigns.models import Campaign, Target
from ..core.db import from_db_time
from ..extensions import db
from ..phone import Attempt, evaluate_phone, may_be_in_progress_by_first_call
from ..requests.clock import OPEN_STATUSES, parse_office_hours
from ..requests.models import MockRequest, PhoneAttempt
from ..scoring.models import ScoreSheet

DUE_SOON_WORKING_DAYS = 5
LIST_LIMIT = 50
KINDS = ("due_soon", "overdue", "letters", "clarifications")


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


def _scope(user, mine: bool) -> list:
    r = MockRequest
    return [r.voided.is_(False)] + ([r.owner_id == user.id] if mine else [])


def _kinds(today: date, horizon: date) -> dict:
    """Which list each open request belongs to (a request may be in several)."""
    r = MockRequest
    running = r.status.in_(OPEN_STATUSES) & r.due_date.is_not(None)
    return {
        # Due within the horizon — or later, when the date is provisional (it may still move).
        "due_soon": running & (r.due_date >= today) & ((r.due_date <= horizon) | r.provisional.is_(True)),
        "overdue": running & (r.due_date < today),
        "letters": ((r.channel == "mail") & r.letter_posted_on.is_not(None) & r.letter_delivered_on.is_(None)
                    & r.letter_confirmed_on.is_(None) & r.letter_returned.is_(False)),
        "clarifications": r.status == "awaiting_clarification",
    }


class _Shown:
    """What the page shows of a row: plain attributes read with one query, no ORM object."""

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


class _ShownRequest(_Shown):
    channel_label = MockRequest.channel_label


_LISTED_COLUMNS = (MockRequest.id, MockRequest.key, MockRequest.channel, MockRequest.target_id,
                   MockRequest.due_date, MockRequest.provisional, MockRequest.letter_posted_on,
                   MockRequest.letter_tracking_number)


def _listed(scope: list, condition, *order) -> list[_ShownRequest]:
    """The first LIST_LIMIT requests meeting `condition`, with their target's name and phone."""
    query = (select(*_LISTED_COLUMNS, Target.name.label("target_name"), Target.guide_phone)
             .join(Target, Target.id == MockRequest.target_id).where(*scope, condition)
             .order_by(*(order or (MockRequest.due_date, MockRequest.key))).limit(LIST_LIMIT))
    rows = []
    for row in db.session.execute(query):
        values = row._asdict()
        target = _Shown(id=row.target_id, name=values.pop("target_name"), guide_phone=values.pop("guide_phone"))
        rows.append(_ShownRequest(**values, target=target))
    return rows


def _counts(scope: list, kinds: dict) -> tuple[dict[int, Counter], int]:
    """Per target, how many requests each list holds (untruncated); and how many are provisional."""
    flag = lambda condition: func.sum(case((condition, 1), else_=0))
    query = (select(MockRequest.target_id, *(flag(kinds[k]).label(k) for k in KINDS),
                    flag(MockRequest.provisional.is_(True)).label("provisional"))
             .where(*scope, or_(*kinds.values(), MockRequest.provisional.is_(True)))  # the rows counted, not all
             .group_by(MockRequest.target_id))
    counts: dict[int, Counter] = {}
    provisional = 0
    for row in db.session.execute(query):
        provisional += row.provisional or 0
        counter = Counter({k: getattr(row, k) for k in KINDS if getattr(row, k)})
        if counter:
            counts[row.target_id] = counter
    return counts, provisional


def _phone_tests(scope: list, now: datetime) -> tuple[list, Counter]:
    """The first LIST_LIMIT phone tests still in progress, each with its protocol (incomplete and
    not broken); and how many are in progress per target (untruncated).

    A test whose first call fell on an earlier working day in office hours is over (complete or
    broken: phone.may_be_in_progress); only the others are judged call by call, so the page reads
    one row per test and the calls of a few.
    """
    calendar = current_calendar()
    r, a = MockRequest, PhoneAttempt
    phone = [*scope, r.channel == "phone"]
    firsts = db.session.execute(select(r.id, r.target_id, func.min(a.at)).outerjoin(a, a.request_id == r.id)
                                .where(*phone).group_by(r.id, r.target_id)).all()
    if not firsts:
        return [], Counter()
    hours = {target_id: parse_office_hours(office_hours) for target_id, office_hours in db.session.execute(
                 select(Target.id, Target.office_hours).where(Target.id.in_(select(r.target_id).where(*phone))))}
    target_by_request = {request_id: target_id for request_id, target_id, _first in firsts}
    kept = may_be_in_progress_by_first_call(
        ((request_id, from_db_time(first), hours[target_id]) for request_id, target_id, first in firsts),
        calendar, now)
    target_of = {request_id: target_by_request[request_id] for request_id in kept}
    if not target_of:
        return [], Counter()
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for request_id, at, connected in db.session.execute(
            select(a.request_id, a.at, a.connected).where(a.request_id.in_(list(target_of))).order_by(a.at)):
        attempts[request_id].append(Attempt(at=from_db_time(at), connected=connected))
    open_tests = {}
    for request_id, target_id in target_of.items():
        protocol = evaluate_phone(attempts[request_id], hours[target_id], calendar, now=now)
        if not protocol.complete and not protocol.broken:
            open_tests[request_id] = protocol
    if not open_tests:
        return [], Counter()
    shown = _listed(scope, r.id.in_(list(open_tests)), r.id)
    return [(request, open_tests[request.id]) for request in shown], Counter(target_of[i] for i in open_tests)


def build_dashboard(user, today: date, now: datetime, mine: bool) -> Dashboard:
    calendar = current_calendar()
    scope = _scope(user, mine)
    kinds = _kinds(today, calendar.add(today, DUE_SOON_WORKING_DAYS))
    board = Dashboard()
    board.phone, phone_counts = _phone_tests(scope, now)
    for request in _listed(scope, kinds["due_soon"]):
        board.due_soon.append((request, calendar.count(today, request.due_date)))
    for request in _listed(scope, kinds["overdue"]):
        board.overdue.append((request, calendar.count(request.due_date, today)))
    # A letter not signed for has no due date yet: by key (the index on the letter columns finds them).
    for request in _listed(scope, kinds["letters"], MockRequest.key):
        board.letters.append((request, calendar.count(request.letter_posted_on, today)))
    board.clarifications = _listed(scope, kinds["clarifications"])
    counts, board.provisional = _counts(scope, kinds)
    if user.role in ("reviewer", "admin"):
        board.sheets = list(db.session.scalars(
            select(ScoreSheet).where(ScoreSheet.status == "submitted")
            .options(joinedload(ScoreSheet.filled_by)).order_by(ScoreSheet.filled_on)))
        targets = {t.id: t for t in db.session.scalars(select(Target).where(
            Target.id.in_([s.target_id for s in board.sheets])))} if board.sheets else {}
        board.sheets = [(sheet, targets[sheet.target_id]) for sheet in board.sheets]
    for target_id, open_tests in phone_counts.items():
        counts.setdefault(target_id, Counter())["phone"] = open_tests
    board.per_target = _per_target(counts)
    return board


def _per_target(counts: dict[int, Counter]) -> list:
    if not counts:
        return []
    rows = db.session.execute(select(Target.id, Target.name, Target.campaign_id, Campaign.name)
                              .join(Campaign, Campaign.id == Target.campaign_id).where(Target.id.in_(list(counts)))
                              .order_by(Target.campaign_id, Target.id))
    return [(_Shown(id=ident, name=name, campaign_id=campaign_id, campaign=_Shown(id=campaign_id, name=campaign_name)),
             counts[ident]) for ident, name, campaign_id, campaign_name in rows]
