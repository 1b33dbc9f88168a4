"""The bridge between stored requests and the pure deadline and phone rules."""
from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..calendar.service import build_calendar
from ..calendar.signals import calendar_changed
from ..core.revisions import CALENDAR, renew_only_targets
from ..core.db import from_db_time
from ..law.deadline_terms import OPEN_STATUSES, WAITING_STATUSES
from ..law.deadlines import Deadline, Event, RequestClock, compute_deadline
from ..extensions import db
from ..law.phone import Attempt, PhoneProtocol, evaluate_phone
from ..law.workdays import WorkCalendar
from .calendar_reach import CalendarChange, reach_of
from .models import MockRequest
from ..core import clock

_NOTHING: dict = {}
_CHUNK = 1000  # requests read at a time after a calendar change (bound parameters stay few)


def clock_of(request: MockRequest, **overrides) -> RequestClock:
    """The pure clock of a stored request; `overrides` (column names, `events`, `reply_dispatched_on`,
    `reply_received_on`) describe it as a pending change would leave it, to check before changing."""
    get = _reader(request, overrides)
    submitted = from_db_time(get("submitted_at"))
    reply = get("reply")
    events = (overrides["events"] if "events" in overrides else get("events")) or ()
    return RequestClock(
        channel=get("channel"),
        submitted_on=submitted.date() if submitted else None,
        online_confirmed_on=get("online_confirmed_on"),
        letter_delivered_on=get("letter_delivered_on"),
        letter_confirmed_on=get("letter_confirmed_on"),
        letter_returned=bool(get("letter_returned")),
        letter_kind=get("letter_kind") or "registered",
        letter_posted_on=get("letter_posted_on"),
        events=tuple(event_of(e) for e in events),
        reply_dispatched_on=overrides.get("reply_dispatched_on", reply.dispatched_on if reply else None),
        reply_received_on=overrides.get("reply_received_on", reply.received_on if reply else None),
    )


def _reader(request: MockRequest, overrides: dict):
    """How clock_of reads a value by name: the override, else the value straight from the row (the
    attribute machinery costs more than the clock: a national import builds 360 000 clocks); a stored
    row's unloaded or expired values go through it."""
    loaded = getattr(request, "__dict__", _NOTHING)
    if loaded is _NOTHING and not overrides:
        return request.__getattribute__  # a snapshot (requests/snapshots.py): slots, every value set
    state = loaded.get("_sa_instance_state")
    unsaved = state is not None and state.key is None  # a new row: what was never set reads as None

    def get(name: str):
        if name in overrides:
            return overrides[name]
        if name in loaded:
            return loaded[name]
        return None if unsaved else getattr(request, name)
    return get


def event_of(event) -> Event:
    """A stored event (row, snapshot or mapping of its values) as the pure clock's Event."""
    if isinstance(event, dict):
        values = (event.get("type"), event.get("on"), event.get("working_days"), event.get("party"))
        amount = event.get("amount")
    else:
        values = (getattr(event, "type", None), getattr(event, "on", None), getattr(event, "working_days", None),
                  getattr(event, "party", None))
        amount = getattr(event, "amount", None)
    return Event(*values, float(amount) if amount is not None else None)


def deadline_of(request: MockRequest, calendar: WorkCalendar, today: date | None = None, *,
                explain: bool = True) -> Deadline:
    """`explain=False`: no steps (see compute_deadline), for callers that need only dates and status."""
    return compute_deadline(clock_of(request), calendar, today or clock.today(), explain=explain)


def office_hours_of(request: MockRequest) -> tuple[tuple[time, time], ...]:
    return parse_office_hours(request.target.office_hours)


def parse_office_hours(stored: list) -> tuple[tuple[time, time], ...]:
    """A target's stored office hours ([["08:30", "12:00"], …]) as times; a few distinct values
    serve every target, so a page listing thousands of calls parses each once."""
    return _parsed_office_hours(tuple(tuple(period) for period in stored))


@lru_cache(maxsize=256)
def _parsed_office_hours(stored: tuple[tuple[str, str], ...]) -> tuple[tuple[time, time], ...]:
    return tuple((time.fromisoformat(start), time.fromisoformat(end)) for start, end in stored)


def phone_protocol_of(request: MockRequest, calendar: WorkCalendar, now: datetime | None = None) -> PhoneProtocol:
    attempts = [Attempt(at=from_db_time(a.at), connected=a.connected) for a in request.attempts]
    return evaluate_phone(attempts, office_hours_of(request), calendar, now=now)


def store_clock(request: MockRequest, calendar: WorkCalendar, today: date | None = None, *,
                request_clock: RequestClock | None = None) -> Deadline:
    """Keep the computed dates on the row, for SQL filtering, sorting and the reminder job;
    `request_clock`: clock_of(request), when the caller has just read it (bundle import)."""
    deadline = compute_deadline(request_clock or clock_of(request), calendar, today or clock.today(), explain=False)
    request.receipt_date = deadline.receipt_date
    request.due_date = deadline.due_date
    request.status = deadline.status
    request.on_time = deadline.on_time
    request.provisional = deadline.provisional
    return deadline


def effective_status(stored_status: str, due_date: date | None, today: date) -> str:
    """The status on `today` of a stored row: an open request past its due date is overdue."""
    if stored_status in OPEN_STATUSES and due_date is not None:
        return "overdue" if today > due_date else "awaiting_reply"
    return stored_status


def refresh_waiting_requests(calendar: WorkCalendar, today: date) -> int:
    """Recompute the stored clock of the requests whose status may have run out since they last changed,
    so that lists and the dashboard (which read the stored status) say "视为放弃申请" on time: time alone ends
    a 补正 period or an unpaid fee notice (§10.3)."""
    query = (select(MockRequest).where(MockRequest.status.in_(WAITING_STATUSES), MockRequest.voided.is_(False))
             .options(selectinload(MockRequest.events), selectinload(MockRequest.reply)))
    changed = 0
    for request in db.session.scalars(query):
        before = (request.status, request.due_date)
        store_clock(request, calendar, today)
        changed += (request.status, request.due_date) != before
    db.session.flush()
    return changed


def recompute_open_requests(calendar: WorkCalendar | None = None, today: date | None = None, *,
                            before: WorkCalendar | None = None) -> int:
    """After a calendar change, recompute the stored clocks it moved; returns how many were read.

    Given the calendar `before` the change, only the requests whose spans hold a changed day are read
    (requests/calendar_reach.py), only those whose clock moved are written, and the commit renews the
    kept reports of the counties the change reached, no others. Without it, every request's clock is
    written and every county's report renewed."""
    calendar = calendar or build_calendar()
    today = today or clock.today()
    if before is None:
        every = select(MockRequest.id).where(MockRequest.channel != "phone", MockRequest.voided.is_(False))
        return _store_clocks(list(db.session.scalars(every.order_by(MockRequest.id))), calendar, today)
    reach = reach_of(CalendarChange.between(before, calendar), today)
    count = _store_clocks(sorted(reach.clock_ids), calendar, today, before=before)
    renew_only_targets(CALENDAR, reach.target_ids)
    return count


def _store_clocks(ids: list[int], calendar: WorkCalendar, today: date, *, before: WorkCalendar | None = None) -> int:
    """Store the clock of the requests `ids`; with `before`, only where the two calendars give a
    different one (a stored status merely behind today is left to the job that refreshes it)."""
    for start in range(0, len(ids), _CHUNK):
        query = (select(MockRequest).where(MockRequest.id.in_(ids[start:start + _CHUNK]))
                 .options(selectinload(MockRequest.events), selectinload(MockRequest.reply)))
        for request in db.session.scalars(query):
            if before is None or _stored_fields(request, before, today) != _stored_fields(request, calendar, today):
                store_clock(request, calendar, today)
        db.session.flush()
    return len(ids)


def _stored_fields(request: MockRequest, calendar: WorkCalendar, today: date) -> tuple:
    deadline = deadline_of(request, calendar, today, explain=False)
    return deadline.receipt_date, deadline.due_date, deadline.status, deadline.on_time, deadline.provisional


def _recompute_after_calendar_change(_actor, before: WorkCalendar | None = None, **_) -> None:
    recompute_open_requests(before=before)


def listen_to_calendar() -> None:
    """Recompute the stored due dates whenever the calendar changes (called by create_app; connecting
    twice is harmless: blinker keeps one connection per receiver)."""
    calendar_changed.connect(_recompute_after_calendar_change, weak=False)
