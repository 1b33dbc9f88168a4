"""What the request pages show: the list's filters and query, and the detail page's tables.

The list filters and sorts in SQL on the stored clock columns (status, due_date) and issues the
same few statements whatever the number of rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..core import clock
from ..core import parsing as p
from ..law.deadlines import STATUS_LABELS
from ..law.workdays import WorkCalendar
from ..law.deadline_terms import CHANNEL_LABELS, OPEN_STATUSES
from .law_bridge import effective_status
from ..law.derived import (
    CHECK_LABELS,
    OUTCOME_LABELS,
    REQUIRED_CHECKS_BY_OUTCOME,
    fees_zh,
    purpose_content,
    reply_is_normative,
)
from ..core.files import Attachment
from ..ocr.operations import search_condition
from .models import PURPOSE_LABELS, PURPOSES, MockRequest
from .scores import reply_facts
from .worklists import WORKLIST_LABELS, phone_tests_in_progress, worklist_condition

PAGE_SIZE = 50
LIST_STATUSES = {**STATUS_LABELS, **WORKLIST_LABELS}  # the 状态 filter: a status, or one of the dashboard's lists
FILTER_KEYS = ("key", "target", "channel", "purpose", "status", "owner", "due_within", "due_from", "due_to",
               "show_voided", "ocr_text")


@dataclass
class ListFilters:
    target: int | None = None
    channel: str | None = None
    purpose: str | None = None
    status: str | None = None
    owner: int | None = None
    due_within: int | None = None
    due_from: date | None = None
    due_to: date | None = None
    show_voided: bool = False
    ocr_text: str = ""  # words in the OCR-read reply letter (tracker/ocr)
    key: str = ""  # part of the request number (编号), e.g. "GL-19"
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)


def parse_filters(args) -> ListFilters:
    """Query arguments → filters; a bad one is dropped and named in `errors`."""
    c = p.Collector()
    filters = ListFilters(
        target=c.run("target", p.record_id, args.get("target")),
        channel=c.run("channel", p.choice, args.get("channel"), choices=CHANNEL_LABELS, required=False),
        purpose=c.run("purpose", p.choice, args.get("purpose"), choices=PURPOSES, required=False),
        status=c.run("status", p.choice, args.get("status"), choices=LIST_STATUSES, required=False),
        owner=c.run("owner", p.record_id, args.get("owner")),
        due_within=c.run("due_within", p.integer, args.get("due_within"), minimum=0, maximum=250,
                         required=False),
        due_from=c.run("due_from", p.optional_date, args.get("due_from")),
        due_to=c.run("due_to", p.optional_date, args.get("due_to")),
        show_voided=bool(c.run("show_voided", p.optional_bool, args.get("show_voided"))),
        ocr_text=c.run("ocr_text", p.text, args.get("ocr_text"), max_length=100) or "",
        key=c.run("key", p.text, args.get("key"), max_length=64) or "",
        page=c.run("page", p.integer, args.get("page"), minimum=1, maximum=100000, required=False) or 1,
    )
    filters.errors = c.errors
    return filters


def _status_condition(status: str, today: date):
    is_open = MockRequest.status.in_(OPEN_STATUSES)
    if status == "overdue":
        return is_open & (MockRequest.due_date < today)
    if status == "awaiting_reply":
        return is_open & (MockRequest.due_date >= today)
    if status in WORKLIST_LABELS:
        return worklist_condition(status, today)
    return MockRequest.status == status


def filtered_query(campaign_id: int, filters: ListFilters, calendar: WorkCalendar, today: date):
    query = select(MockRequest).where(MockRequest.campaign_id == campaign_id)
    exact = {"target_id": filters.target, "channel": filters.channel, "purpose": filters.purpose,
             "owner_id": filters.owner}
    for column, value in exact.items():
        if value is not None:
            query = query.where(getattr(MockRequest, column) == value)
    if filters.status == "phone_open":  # judged call by call at this moment, not a stored column
        in_progress = phone_tests_in_progress([MockRequest.campaign_id == campaign_id], clock.now())
        query = query.where(MockRequest.id.in_(in_progress))
    elif filters.status:
        query = query.where(_status_condition(filters.status, today))
    if filters.due_within is not None:
        horizon = calendar.add(today, filters.due_within)
        query = query.where(MockRequest.status.in_(OPEN_STATUSES), MockRequest.due_date >= today,
                            MockRequest.due_date <= horizon)
    if filters.due_from:
        query = query.where(MockRequest.due_date >= filters.due_from)
    if filters.due_to:
        query = query.where(MockRequest.due_date <= filters.due_to)
    # Searching for a number finds it even voided: "where did GL-19 go?" has an answer.
    if not filters.show_voided and not filters.key:
        query = query.where(or_(MockRequest.voided.is_(False), MockRequest.voided.is_(None)))
    if filters.key:
        query = query.where(MockRequest.key.ilike(f"%{_escaped(filters.key)}%", escape="\\"))
    if filters.ocr_text.strip():
        query = query.where(search_condition(MockRequest.id, filters.ocr_text))
    return query


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class ListRow:
    request: MockRequest
    status: str
    status_label: str
    days_text: str
    overdue: bool


def days_text(status: str, due: date | None, calendar: WorkCalendar, today: date) -> str:
    if due is None or status not in OPEN_STATUSES:
        return "—"
    if status == "overdue":
        late = calendar.count(due, today)
        return f"已逾期{late}个工作日" if late > 0 else "已逾期"
    return f"剩余{calendar.count(today, due)}个工作日"


def list_page(session, campaign_id: int, filters: ListFilters, calendar: WorkCalendar, today: date):
    """(rows of this page, total count), due dates first (earliest first), then undated, by key.

    The dated and the undated rows are read apart, each in the order of the index on
    (campaign_id, due_date, key), so a page reads its 50 rows instead of sorting every request
    of the campaign: one statement for both counts, one or two for the rows, one each for their
    targets and owners.
    """
    query = filtered_query(campaign_id, filters, calendar, today)
    counted = query.subquery()
    total, dated = session.execute(select(func.count(), func.count(counted.c.due_date))).one()
    start = (filters.page - 1) * PAGE_SIZE
    loaders = (selectinload(MockRequest.target), selectinload(MockRequest.owner))
    found: list[MockRequest] = []
    if start < dated:
        found += session.scalars(query.options(*loaders).where(MockRequest.due_date.is_not(None))
                                 .order_by(MockRequest.due_date, MockRequest.key).offset(start).limit(PAGE_SIZE))
    if len(found) < PAGE_SIZE and start + len(found) < total:
        found += session.scalars(query.options(*loaders).where(MockRequest.due_date.is_(None))
                                 .order_by(MockRequest.key).offset(max(0, start - dated))
                                 .limit(PAGE_SIZE - len(found)))
    rows = []
    for row in found:
        status = effective_status(row.status, row.due_date, today)
        rows.append(ListRow(row, status, STATUS_LABELS.get(status, status),
                            days_text(status, row.due_date, calendar, today), status == "overdue"))
    return rows, total


# ---------------------------------------------------------------------------- detail page

@dataclass(frozen=True)
class AttemptRow:
    id: int
    at: object  # Beijing datetime
    connected: bool
    counted: str  # "第2次" or "不计：<reason>"
    valid: bool
    note: str


def attempt_rows(row: MockRequest, protocol) -> list[AttemptRow]:
    """The protocol's verdicts joined with the stored attempts (verdict.index is the list position)."""
    stored = list(row.attempts)
    result = []
    for verdict in protocol.attempts:
        attempt = stored[verdict.index]
        counted = f"第{verdict.number}次" if verdict.valid else f"不计：{verdict.reason_zh}"
        result.append(AttemptRow(attempt.id, verdict.at, verdict.connected, counted, verdict.valid, attempt.note))
    return result


@dataclass(frozen=True)
class CheckRow:
    name: str
    label: str
    value: bool
    required: bool


@dataclass(frozen=True)
class ReplyVerdict:
    normative: bool
    reasons: tuple[str, ...]  # what made it so, or every shortcoming


def reply_verdict(row: MockRequest, on_time: bool | None) -> ReplyVerdict | None:
    """Is the reply 规范 for the law (written, on time, free, the content its outcome requires), and why —
    the rule the derived scores use (derived.reply_is_normative), shown where the reply is read (issue 18)."""
    facts = reply_facts(row.reply)
    if facts is None:
        return None
    notices = [None if e.amount is None else float(e.amount) for e in row.events if e.type == "fee_notified"]
    normative, reasons = reply_is_normative(facts, on_time, fees_zh(facts, notices))
    content = purpose_content(row.purpose, facts)
    if content is None:
        return ReplyVerdict(normative, tuple(reasons))
    # A 19(x) request tests one kind of answer: the sheet scores it by that rule, so the page says it too.
    ok, rule = content
    tested = f"申请目的 {PURPOSE_LABELS.get(row.purpose, row.purpose)} 要求{rule}"
    if not ok:
        return ReplyVerdict(False, (f"{tested}：否", *(() if normative else reasons)))
    return ReplyVerdict(normative, (*reasons, f"{tested}：是") if normative else tuple(reasons))


def reply_checks(reply) -> list[CheckRow]:
    required = REQUIRED_CHECKS_BY_OUTCOME.get(reply.outcome, ()) if reply else ()
    return [CheckRow(name, label, bool(getattr(reply, name, False)), name in required)
            for name, label in CHECK_LABELS.items()]


def outcome_table() -> list[tuple[str, str, str]]:
    """(outcome, label, the checks the law requires) — the reply form's static guide."""
    return [(outcome, label, "、".join(CHECK_LABELS[c] for c in REQUIRED_CHECKS_BY_OUTCOME[outcome])
             or "无（答复类型本身即满足要求）")
            for outcome, label in OUTCOME_LABELS.items()]


def attachments_of(session, request_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.request_id == request_id)
                                .order_by(Attachment.uploaded_at, Attachment.id)))


def deadline_days_text(deadline) -> str:
    left = deadline.working_days_left
    if deadline.status == "overdue":
        return f"已逾期{-left}个工作日" if left else "已逾期"
    if deadline.status == "awaiting_reply":
        return f"剩余{left}个工作日"
    if deadline.status in ("paused", "awaiting_payment") and left is not None:
        return f"期限暂停，恢复后剩余{left}个工作日"
    return "—"


def explained_steps(deadline) -> list[tuple[object, list]]:
    """Each step with the holidays it skipped (weekends are only counted in the step's text)."""
    return [(step, [day for day in step.skipped if day.kind != "weekend"]) for step in deadline.steps]
