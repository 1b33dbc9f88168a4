"""What a change of the working-day calendar can reach: which stored clocks and which counties' reports.

A request's deadline reads the calendar only over its span: the days from its receipt to its due date
or its reply, whichever is later (a closed request: replied or withdrawn). An open request's status on
a day T reads the days up to T as well (it becomes overdue, or 视为放弃申请, on a working day), but a
day after T leaves its status on T as it was: so its report on any day up to today is reached only by
a changed day from its receipt up to today (reports of later days are never kept:
reports/kept_reports.py), while its stored due date may move with any later day. A phone test reads
only the days it was called on. A confirmed year changes no working day, only the `provisional` flag
of the stored clocks whose span touches it (no report prints it). Signed sheets need no exception:
their reports are snapshots, rescored to the same figures.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from ..core.db import from_db_time
from ..extensions import db
from ..law.deadline_terms import RequestStatus
from ..law.workdays import WorkCalendar
from .models import MockRequest, PhoneAttempt, Reply

# Stored statuses that today cannot move: the clock ended with the reply or the withdrawal.
CLOSED_STATUSES = (RequestStatus.REPLIED_ON_TIME, RequestStatus.REPLIED_LATE, RequestStatus.WITHDRAWN)
# The next year's notice may move the last week of December (law/workdays.py): a confirmed year
# reaches back to it.
_YEAR_REACHES_BACK = timedelta(days=7)


@dataclass(frozen=True)
class CalendarChange:
    days: tuple[date, ...]  # working in one calendar and not in the other, in date order
    years: frozenset[int]  # confirmed in one and not the other

    @classmethod
    def between(cls, before: WorkCalendar, after: WorkCalendar) -> CalendarChange:
        return cls(tuple(after.days_changed_from(before)), before.confirmed_years ^ after.confirmed_years)

    def year_spans(self) -> list[tuple[date, date]]:
        return [(date(year, 1, 1) - _YEAR_REACHES_BACK, date(year, 12, 31)) for year in sorted(self.years)]

    def bounds(self) -> tuple[date, date] | None:
        """The first and last day any of its changes concerns; None when it changes nothing."""
        ends = [*((day, day) for day in self.days[:1] + self.days[-1:]), *self.year_spans()]
        return (min(start for start, _ in ends), max(end for _, end in ends)) if ends else None

    def has_day_within(self, start: date, end: date | None) -> bool:
        """A changed working day in [start, end] (no end: from start on)."""
        index = bisect_left(self.days, start)
        return index < len(self.days) and (end is None or self.days[index] <= end)

    def has_year_within(self, start: date, end: date | None) -> bool:
        return any(first <= (end or last) and start <= last for first, last in self.year_spans())


@dataclass
class Reach:
    clock_ids: set[int] = field(default_factory=set)  # requests whose stored clock may move
    target_ids: set[int] = field(default_factory=set)  # counties whose report may change


def reach_of(change: CalendarChange, today: date) -> Reach:
    """The stored clocks and county reports `change` can alter, as of `today`."""
    reach = Reach()
    bounds = change.bounds()
    if bounds is None:
        return reach
    for ident, target_id, receipt, end, closed in _clocked_requests(*bounds):
        clock_end = end if closed else None
        if change.has_day_within(receipt, clock_end) or change.has_year_within(receipt, clock_end):
            reach.clock_ids.add(ident)
        report_end = end if closed else max(end or today, today)
        if change.has_day_within(receipt, report_end):
            reach.target_ids.add(target_id)
    if change.days:
        reach.target_ids.update(_targets_called_on(set(change.days)))
    return reach


def _clocked_requests(first: date, last: date):
    """(id, target id, receipt, last day of the span so far, closed) of every request with a clock whose
    span may hold a day of [first, last]: received by `last`, and open or ending on `first` or later."""
    query = (select(MockRequest.id, MockRequest.target_id, MockRequest.receipt_date, MockRequest.due_date,
                    MockRequest.status, Reply.dispatched_on, Reply.received_on)
             .outerjoin(Reply, Reply.request_id == MockRequest.id)
             .where(MockRequest.voided.is_(False), MockRequest.channel != "phone",
                    MockRequest.receipt_date.is_not(None), MockRequest.receipt_date <= last,
                    or_(MockRequest.status.not_in(CLOSED_STATUSES), MockRequest.due_date >= first,
                        Reply.dispatched_on >= first, Reply.received_on >= first)))
    for ident, target_id, receipt, due, status, dispatched, received in db.session.execute(query):
        closed = status in CLOSED_STATUSES  # a closed span without a date (withdrawn unanswered) is its receipt
        end = max((day for day in (due, dispatched, received) if day is not None), default=receipt if closed else None)
        yield ident, target_id, receipt, end, closed


def _targets_called_on(days: set[date]) -> set[int]:
    """The counties of the phone tests called on one of `days` (Beijing dates; stored times are UTC)."""
    start = datetime.combine(min(days), datetime.min.time()) - timedelta(days=1)
    end = datetime.combine(max(days), datetime.min.time()) + timedelta(days=2)
    query = (select(MockRequest.target_id, PhoneAttempt.at).join(PhoneAttempt, PhoneAttempt.request_id == MockRequest.id)
             .where(MockRequest.voided.is_(False), PhoneAttempt.at >= start, PhoneAttempt.at < end))
    return {target_id for target_id, at in db.session.execute(query) if from_db_time(at).date() in days}
