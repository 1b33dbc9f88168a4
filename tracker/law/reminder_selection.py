"""Which deadline reminders are due today (DESIGN §5) — pure, state-based, idempotent.

Each reminder has a key that encodes its kind, its request and the date it is about
(``due_soon:123:2020-09-29``). The job records the keys it sent; a reminder whose key was
already sent is never selected again, so running twice sends nothing new, a missed day is
caught up by the next run, and a new due date (after an extension or 补正) earns new keys.

Stages of one due date: ``due_soon`` → ``due_today`` → ``overdue``. A run selects only the
stage the request is in now, never an earlier one it skipped; each stage fires at most once
per due date. So a request inside the horizon gets one due_soon (the first run that sees it,
e.g. 3 working days before), then nothing until its due day (due_today), then one overdue.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .deadline_terms import OPEN_STATUSES

DEFAULT_HORIZON = 3  # TRACKER_REMIND_WORKING_DAYS
LETTER_UNCONFIRMED_AFTER = 5  # working days after posting with no delivery recorded
KINDS = ("overdue", "due_today", "due_soon", "clarification", "letter_unconfirmed")
KIND_LABELS = {
    "due_soon": "即将到期",
    "due_today": "今日到期",
    "overdue": "已逾期",
    "clarification": "对方要求补正，请及时答复",
    "letter_unconfirmed": "信件寄出已满5个工作日仍未登记签收，请查询邮件跟踪",
}


@dataclass(frozen=True)
class OpenRequest:
    request_id: int | str
    key: str  # the request's reference, e.g. "LZ-20"
    owner_id: int | str
    target_name: str
    channel: str
    status: str  # as computed by the deadline engine
    due_date: date | None
    working_days_left: int | None  # working days in (today, due_date]; negative when overdue
    clarification_requested_on: date | None = None
    clarification_open: bool = False
    letter_posted_on: date | None = None
    letter_delivered: bool = False  # delivery, phone confirmation or return recorded
    posted_working_days_ago: int | None = None


@dataclass(frozen=True)
class DueReminder:
    key: str
    kind: str
    request_id: int | str
    owner_id: int | str
    due_date: date | None
    working_days_left: int | None
    request_key: str = ""
    target_name: str = ""
    about: date | None = None  # the date the key encodes: due date, 补正 request date or posting date


AlreadySent = Collection[str] | Callable[[str], bool]


def reminder_key(kind: str, request_id: int | str, about: date) -> str:
    return f"{kind}:{request_id}:{about.isoformat()}"


def select_reminders(
    requests: Iterable[OpenRequest],
    today: date,
    *,
    horizon: int = DEFAULT_HORIZON,
    horizons: Mapping[Any, int] | None = None,  # owner id → N
    already_sent: AlreadySent = frozenset(),
) -> list[DueReminder]:
    """Every reminder due on ``today`` and not yet sent, most urgent first.

    ``horizons`` overrides ``horizon`` (the due_soon window in working days) per owner id;
    ``already_sent`` is the set of keys sent before, or a predicate answering that.
    """
    sent = already_sent if callable(already_sent) else already_sent.__contains__
    found: list[DueReminder] = []
    for request in requests:
        window = (horizons or {}).get(request.owner_id, horizon)
        for reminder in _candidates(request, today, window):
            if not sent(reminder.key):
                found.append(reminder)
    return sorted(found, key=_order)


def group_by_recipient(reminders: Iterable[DueReminder]) -> dict[int | str, list[DueReminder]]:
    """One list per owner (the recipient), keeping the order given."""
    groups: dict[int | str, list[DueReminder]] = {}
    for reminder in reminders:
        groups.setdefault(reminder.owner_id, []).append(reminder)
    return groups


def _order(reminder: DueReminder) -> tuple[int, date, str, str]:
    return KINDS.index(reminder.kind), reminder.due_date or date.max, reminder.request_key, reminder.key


def _candidates(request: OpenRequest, today: date, window: int) -> list[DueReminder]:
    found: list[DueReminder] = []
    stage = _deadline_stage(request, today, window)
    if stage is not None and request.due_date is not None:
        found.append(_make(request, stage, request.due_date))
    if request.clarification_open and request.clarification_requested_on is not None:
        found.append(_make(request, "clarification", request.clarification_requested_on))
    posted = request.letter_posted_on
    if posted is not None and _letter_unconfirmed(request):
        found.append(_make(request, "letter_unconfirmed", posted))
    return found


def _deadline_stage(request: OpenRequest, today: date, window: int) -> str | None:
    """The most advanced of overdue / due_today / due_soon the request is in, if any."""
    left, due = request.working_days_left, request.due_date
    if due is None or request.status not in OPEN_STATUSES:  # a clock standing still has no due reminder
        return None
    if request.status == "overdue" or due < today or (left is not None and left < 0):
        return "overdue"
    if due == today or left == 0:
        return "due_today"
    if left is not None and left <= window:
        return "due_soon"
    return None


def _letter_unconfirmed(request: OpenRequest) -> bool:
    return (request.channel == "mail" and request.letter_posted_on is not None
            and not request.letter_delivered
            and request.posted_working_days_ago is not None
            and request.posted_working_days_ago >= LETTER_UNCONFIRMED_AFTER)


def _make(request: OpenRequest, kind: str, about: date) -> DueReminder:
    return DueReminder(
        key=reminder_key(kind, request.request_id, about), kind=kind,
        request_id=request.request_id, owner_id=request.owner_id,
        due_date=request.due_date, working_days_left=request.working_days_left,
        request_key=request.key, target_name=request.target_name, about=about,
    )
