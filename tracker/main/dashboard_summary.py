"""The part of the 今日工作 dashboard that reads the whole campaign, kept while the data is unchanged.

Per target, how many requests each list holds; which phone tests may still be in progress (a test
whose first call fell on an earlier working day in office hours is over: phone.may_be_in_progress);
the targets' office hours and names. All of it depends only on the data and the day, so it is
computed once per data revision and day (core/kept.py) and the page itself reads only the short
lists and the calls of the few phone tests still open.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import case, func, or_, select

from ..calendar.service import current_calendar
from ..campaigns.models import Campaign, Target
from ..core.db import from_db_time
from ..core.kept import Kept
from ..extensions import db
from ..law.phone import may_be_in_progress_by_first_call
from ..requests.law_bridge import parse_office_hours
from ..requests.models import MockRequest, PhoneAttempt
from ..law.workdays import BEIJING

KINDS = ("due_soon", "overdue", "letters", "clarifications", "paused", "not_received")


class Shown:
    """What the page shows of a row: plain attributes read with one query, no ORM object."""

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


@dataclass(frozen=True)
class Summary:
    counts: dict[int, Counter]  # target id → requests per list (untruncated)
    provisional: int  # requests whose due date is provisional
    phone_candidates: dict[int, int]  # request id → target id: phone tests that may be in progress
    office_hours: dict[int, tuple]  # target id → its office hours, for the candidates' targets
    targets: dict[int, Shown]  # target id → name and campaign, for the per-target table


_summaries: Kept[Summary] = Kept(max_entries=32)  # per scope and day


def dashboard_summary(scope_key: tuple, scope: list, kinds: dict, today: date) -> Summary:
    """`scope_key` names `scope` (the same conditions give the same key); `kinds` depend on `today` only."""
    return _summaries.get((scope_key, today), lambda: _summary(scope, kinds, today))


def _summary(scope: list, kinds: dict, today: date) -> Summary:
    counts, provisional = _counts(scope, kinds)
    candidates, hours = _phone_candidates(scope, today)
    targets = _targets(set(counts) | set(candidates.values()))
    return Summary(counts, provisional, candidates, hours, targets)


def _counts(scope: list, kinds: dict) -> tuple[dict[int, Counter], int]:
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


def _phone_candidates(scope: list, today: date) -> tuple[dict[int, int], dict[int, tuple]]:
    r, a = MockRequest, PhoneAttempt
    phone = [*scope, r.channel == "phone"]
    firsts = db.session.execute(select(r.id, r.target_id, func.min(a.at)).outerjoin(a, a.request_id == r.id)
                                .where(*phone).group_by(r.id, r.target_id)).all()
    if not firsts:
        return {}, {}
    hours = {target_id: parse_office_hours(office_hours) for target_id, office_hours in db.session.execute(
                 select(Target.id, Target.office_hours).where(Target.id.in_(select(r.target_id).where(*phone))))}
    target_of = {request_id: target_id for request_id, target_id, _first in firsts}
    start_of_today = datetime.combine(today, time(0), tzinfo=BEIJING)  # the rule looks at the day only
    kept = may_be_in_progress_by_first_call(
        ((request_id, from_db_time(first), hours[target_id]) for request_id, target_id, first in firsts),
        current_calendar(), start_of_today)
    candidates = {request_id: target_of[request_id] for request_id in kept}
    return candidates, {target_id: hours[target_id] for target_id in set(candidates.values())}


def _targets(ids: set[int]) -> dict[int, Shown]:
    if not ids:
        return {}
    rows = db.session.execute(select(Target.id, Target.name, Target.campaign_id, Campaign.name)
                              .join(Campaign, Campaign.id == Target.campaign_id).where(Target.id.in_(list(ids))))
    return {ident: Shown(id=ident, name=name, campaign_id=campaign_id, campaign=Shown(id=campaign_id, name=campaign_name))
            for ident, name, campaign_id, campaign_name in rows}
