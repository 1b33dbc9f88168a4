"""The "今日工作" dashboard: what needs the user today, in a fixed number of queries.

The lists show at most LIST_LIMIT requests each, so each is one query with that LIMIT, reading
only the columns shown (no ORM objects). What needs the whole campaign — the per-target table,
the provisional warning, the phone tests that may still be in progress — is the kept summary
(dashboard_summary.py); the page judges only those phone tests call by call, at `now`. With
12 000 requests the page reads a few hundred short rows (DESIGN.md §8: ≤ 150 ms).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..calendar.service import current_calendar
from ..campaigns.models import Target
from ..core import policy
from ..core.db import from_db_time
from ..extensions import db
from ..law.phone import Attempt, call_now_refusal, evaluate_phone
from ..requests.models import MockRequest, PhoneAttempt
from ..requests.worklists import worklist_conditions
from ..scoring.models import ScoreSheet
from ..scoring.records import returned_to
from .dashboard_summary import Shown, Summary, dashboard_summary

DUE_SOON_WORKING_DAYS = 3  # 即将到期 when no horizon is given: TRACKER_REMIND_WORKING_DAYS's default
LIST_LIMIT = 50


@dataclass
class Dashboard:
    phone: list = field(default_factory=list)  # (request, protocol)
    due_soon: list = field(default_factory=list)  # (request, working days left)
    overdue: list = field(default_factory=list)  # (request, working days overdue)
    letters: list = field(default_factory=list)  # (request, working days since posting)
    clarifications: list = field(default_factory=list)
    paused: list = field(default_factory=list)  # consultation or fee notice: the clock stands still
    not_received: list = field(default_factory=list)  # sent, not yet received (letters are listed apart)
    totals: Counter = field(default_factory=Counter)  # every list's true length, beyond LIST_LIMIT
    sheets: list = field(default_factory=list)
    returned: list = field(default_factory=list)  # (sheet, return event): my sheets sent back, with the reason
    provisional: int = 0
    per_target: list = field(default_factory=list)  # (target, counts)


def _scope(user, mine: bool, campaign_id: int | None = None) -> list:
    """The user's requests to work on: their teams' campaigns, not closed ones, one campaign if chosen."""
    r = MockRequest
    team = policy.visible_campaigns_clause(user, r.campaign_id)
    closed = policy.closed_campaign_ids()
    return ([r.voided.is_(False)] + ([r.owner_id == user.id] if mine else []) + ([team] if team is not None else [])
            + ([r.campaign_id.not_in(sorted(closed))] if closed else [])
            + ([r.campaign_id == campaign_id] if campaign_id is not None else []))


def _scope_key(user, mine: bool, campaign_id: int | None = None) -> tuple:
    """Names the scope for the kept summary: the same conditions give the same key."""
    visible = policy.visible_campaign_ids(user)
    team = ("all",) if visible is None else tuple(sorted(visible))
    return (("mine", user.id) if mine else ("all",)) + (team, tuple(sorted(policy.closed_campaign_ids())), campaign_id)


def _kinds(today: date, horizon: date) -> dict:
    """Which list each open request belongs to (a request may be in several)."""
    return worklist_conditions(today, horizon)


class _ShownRequest(Shown):
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
        target = Shown(id=row.target_id, name=values.pop("target_name"), guide_phone=values.pop("guide_phone"))
        rows.append(_ShownRequest(**values, target=target))
    return rows


def _phone_tests(scope: list, summary: Summary, now: datetime) -> tuple[list, Counter]:
    """The first LIST_LIMIT phone tests still in progress, each with its protocol (incomplete and
    not broken) and call_now_refusal; and how many are in progress per target (untruncated). Only the summary's
    candidates are judged call by call."""
    candidates = summary.phone_candidates
    if not candidates:
        return [], Counter()
    calendar = current_calendar()
    a = PhoneAttempt
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for request_id, at, connected in db.session.execute(
            select(a.request_id, a.at, a.connected).where(a.request_id.in_(list(candidates))).order_by(a.at)):
        attempts[request_id].append(Attempt(at=from_db_time(at), connected=connected))
    open_tests = {}
    for request_id, target_id in candidates.items():
        protocol = evaluate_phone(attempts[request_id], summary.office_hours[target_id], calendar, now=now)
        if not protocol.complete and not protocol.broken:
            open_tests[request_id] = protocol
    if not open_tests:
        return [], Counter()
    shown = _listed(scope, MockRequest.id.in_(list(open_tests)), MockRequest.id)
    # Each with why a call now would not count (its one-click buttons are then not offered, issue 18).
    return ([(request, open_tests[request.id], call_now_refusal(open_tests[request.id], now, calendar))
             for request in shown], Counter(candidates[i] for i in open_tests))


def build_dashboard(user, today: date, now: datetime, mine: bool, campaign_id: int | None = None,
                    due_soon_days: int = DUE_SOON_WORKING_DAYS) -> Dashboard:
    """`campaign_id`: one campaign's work (None: every campaign the user may see); `due_soon_days`: the
    reader's reminder horizon, so that 即将到期 lists what the due-soon email announces."""
    calendar = current_calendar()
    scope = _scope(user, mine, campaign_id)
    kinds = _kinds(today, calendar.add(today, due_soon_days))
    summary = dashboard_summary(_scope_key(user, mine, campaign_id) + (due_soon_days,), scope, kinds, today)
    board = Dashboard(provisional=summary.provisional)
    board.phone, phone_counts = _phone_tests(scope, summary, now)
    for request in _listed(scope, kinds["due_soon"]):
        board.due_soon.append((request, calendar.count(today, request.due_date)))
    for request in _listed(scope, kinds["overdue"]):
        board.overdue.append((request, calendar.count(request.due_date, today)))
    # A letter not signed for has no due date yet: by key (the index on the letter columns finds them).
    for request in _listed(scope, kinds["letters"], MockRequest.key):
        board.letters.append((request, calendar.count(request.letter_posted_on, today)))
    board.clarifications = _listed(scope, kinds["clarifications"])
    board.paused = _listed(scope, kinds["paused"], MockRequest.key)
    board.not_received = _listed(scope, kinds["not_received"], MockRequest.submitted_at, MockRequest.key)
    if policy.can(user, policy.REVIEW):
        board.sheets = _sheets_to_review(user)
    board.returned = returned_to(user.id)
    board.per_target = _per_target(summary, phone_counts)
    board.totals = sum((counts for _target, counts in board.per_target), Counter())
    return board


def _sheets_to_review(user) -> list:
    query = select(ScoreSheet).where(ScoreSheet.status == "submitted",
                                     ScoreSheet.campaign_id.not_in(sorted(policy.closed_campaign_ids())))
    team = policy.visible_campaigns_clause(user, ScoreSheet.campaign_id)
    sheets = list(db.session.scalars((query if team is None else query.where(team))
                                     .options(joinedload(ScoreSheet.filled_by)).order_by(ScoreSheet.filled_on)))
    targets = {t.id: t for t in db.session.scalars(select(Target).where(
        Target.id.in_([s.target_id for s in sheets])))} if sheets else {}
    return [(sheet, targets[sheet.target_id]) for sheet in sheets]


def _per_target(summary: Summary, phone_counts: Counter) -> list:
    """(target, counts) for every target with something in a list, by campaign then target."""
    ids = set(summary.counts) | set(phone_counts)
    rows = []
    for ident in sorted(ids, key=lambda i: (summary.targets[i].campaign_id, i)):
        counts = Counter(summary.counts.get(ident, ()))  # a copy: the summary is shared
        if phone_counts[ident]:
            counts["phone"] = phone_counts[ident]
        rows.append((summary.targets[ident], counts))
    return rows
