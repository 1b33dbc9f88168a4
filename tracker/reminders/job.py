"""The reminder job (DESIGN §5): what is due today → one email per recipient, recorded once.

`run_reminders` is an operation: it writes the outbox rows and the ReminderSent records in the
caller's transaction and flushes. `run_and_deliver` is the edge used by the CLI and the scheduler:
it commits once, then delivers the outbox. The unique ReminderSent.key makes a concurrent second
run fail at its commit instead of sending anything twice.
"""
from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from flask import Flask, current_app, render_template
from sqlalchemy import and_, case, func, insert, or_, select

from ..calendar.service import current_calendar
from ..campaigns.models import Target
from ..core import clock, unit_of_work
from ..core.errors import ConflictError
from ..core.mail import DeliveryReport, deliver_pending, queue_email
from ..core.web import cn_date
from ..extensions import db
from ..requests.law_bridge import effective_status, refresh_waiting_requests
from ..law.deadline_terms import CHANNEL_LABELS, REMINDED_STATUSES
from ..requests.models import MockRequest, RequestEvent
from ..users.models import User
from ..law.workdays import WorkCalendar
from .models import ReminderSent
from ..law.reminder_selection import (
    KIND_LABELS,
    DueReminder,
    OpenRequest,
    group_by_recipient,
    select_reminders,
)

STREAM_CHUNK = 5000
MAX_ITEMS_PER_EMAIL = 200  # a longer list helps nobody; the rest are on the /reminders page


@dataclass(frozen=True)
class EmailItem:
    kind: str
    kind_label: str
    request_key: str
    target_name: str
    channel_label: str
    due_text: str
    state_text: str
    url: str


@dataclass
class RecipientSummary:
    user_id: int
    name: str
    email: str | None  # None: no address (or account disabled) — nothing recorded, the reminders wait
    reminders: list[DueReminder]
    subject: str = ""
    text: str = ""
    html: str = ""
    outbox_id: int | None = None

    def line(self) -> str:
        counts = Counter(r.kind for r in self.reminders)
        kinds = "，".join(f"{KIND_LABELS[k].split('，')[0]} {n}" for k, n in counts.items())
        if not self.email:
            return (f"{self.name}：{len(self.reminders)} 条提醒等待发送 — 没有可用的电子邮箱（未填写或账户已停用），"
                    f"填写邮箱后下次运行补发 — {kinds}")
        return f"{self.name}（{self.email}）：{len(self.reminders)} 条提醒 — {kinds}"


@dataclass
class RunReport:
    today: date
    dry_run: bool
    working_day: bool = True
    open_requests: int = 0
    unowned: int = 0  # reminders of requests without an owner: not recorded, caught up once assigned
    refreshed: int = 0  # waiting requests whose stored status time moved (a 补正 period ran out…)
    recipients: list[RecipientSummary] = field(default_factory=list)
    waiting: list[RecipientSummary] = field(default_factory=list)  # no usable address: not recorded
    note: str = ""

    @property
    def reminder_count(self) -> int:
        return sum(len(r.reminders) for r in self.recipients)

    def lines(self) -> list[str]:
        if not self.working_day:
            return [f"{cn_date(self.today)} 不是工作日，不发送提醒。"]
        verb = "将发送（演练，未写入）" if self.dry_run else "已记录"
        head = (f"{cn_date(self.today)}：检查 {self.open_requests} 项未结申请，{verb} {self.reminder_count} 条提醒，"
                f"收件人 {len(self.recipients)} 位。")
        tail = [f"另有 {self.unowned} 条提醒所属申请没有负责人，未记录。"] if self.unowned else []
        tail += [f"{self.refreshed} 项等待中的申请状态已随日期更新（如补正期限届满视为放弃申请）。"] if self.refreshed else []
        lines = [head] + [r.line() for r in self.recipients] + [r.line() for r in self.waiting]
        return lines + tail + ([self.note] if self.note else [])


def run_reminders(today: date, *, dry_run: bool = False) -> RunReport:
    """Select what is due on `today` and not yet sent; queue one email per recipient (flush only)."""
    report = RunReport(today=today, dry_run=dry_run)
    calendar = current_calendar()
    report.refreshed = refresh_waiting_requests(calendar, today)  # every day, working or not
    if not calendar.is_working_day(today):
        report.working_day = False
        return report
    details: dict[int, tuple[str, bool]] = {}
    reminders = select_reminders(
        _open_requests(today, calendar, details), today,
        horizon=current_app.config["REMIND_WORKING_DAYS"], horizons=_horizons(), already_sent=_sent_keys())
    report.open_requests = len(details)
    report.unowned = sum(1 for r in reminders if r.owner_id is None)
    groups = group_by_recipient(r for r in reminders if r.owner_id is not None)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(groups))))} if groups else {}
    for owner_id, items in groups.items():
        summary = _compose(users[owner_id], items, details, today, calendar)
        if summary.email is None:  # DESIGN §10.4: not "sent" — it waits, and the dashboard says so
            report.waiting.append(summary)
            continue
        if not dry_run:
            _record(summary, today)
        report.recipients.append(summary)
    return report


def run_and_deliver(app: Flask, today: date | None = None, *, dry_run: bool = False
                    ) -> tuple[RunReport, DeliveryReport | None]:
    """The edge: run the job, commit once, then (not in a dry run) deliver the outbox."""
    with app.app_context():
        today = today or clock.today()
        if dry_run:
            report = run_reminders(today, dry_run=True)
            unit_of_work.rollback()
            return report, None
        outcome = unit_of_work.run(lambda: run_reminders(today))
        if isinstance(outcome.error, ConflictError):  # the unique ReminderSent.key: another run got there first
            report = RunReport(today=today, dry_run=False, note="另一个进程同时记录了这些提醒，本次未重复发送。")
        elif outcome.error is not None:
            raise outcome.error
        else:
            report = outcome.value
    return report, deliver_pending(app)  # after the commit: the outbox holds this run's mail


# -- loading ---------------------------------------------------------------------------------

def _open_filter():
    r = MockRequest
    letter_waiting = and_(r.channel == "mail", r.status == "not_received", r.letter_posted_on.is_not(None))
    return and_(r.voided.is_(False), r.channel != "phone", or_(r.status.in_(REMINDED_STATUSES), letter_waiting))


def _open_query():
    e = RequestEvent
    clarification = (
        select(e.request_id,
               func.max(case((e.type == "clarification_requested", e.on))).label("requested_on"),
               func.max(case((e.type == "clarified", e.on))).label("clarified_on"))
        .where(e.type.in_(("clarification_requested", "clarified")))
        .group_by(e.request_id).subquery())
    r = MockRequest
    return (select(r.id, r.key, r.owner_id, r.channel, r.status, r.due_date, r.provisional, r.letter_posted_on,
                   r.letter_delivered_on, r.letter_confirmed_on, r.letter_returned, Target.name.label("target_name"),
                   clarification.c.requested_on, clarification.c.clarified_on)
            .join(Target, Target.id == r.target_id)
            .outerjoin(clarification, clarification.c.request_id == r.id)
            .where(_open_filter()))


def _open_requests(today: date, calendar: WorkCalendar, details: dict) -> Iterator[OpenRequest]:
    """Stream the open requests as plain values, noting each one's channel and provisional flag.

    Core rows, not ORM objects, and working-day counts memoised per date (many requests share a due
    date): this loop is the job's cost at 100 000 open requests.
    """
    days_until = functools.cache(lambda day: _count(calendar, today, day))
    days_since = functools.cache(lambda day: _count(calendar, day, today))
    statement = _open_query().execution_options(yield_per=STREAM_CHUNK)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Streaming uses a server-side cursor, which PostgreSQL plans for the first 10 % of the rows;
        # without fresh statistics (just after a bulk load or a restore, before autovacuum's ANALYZE)
        # that plan is nested loops: 84 s instead of 3 s at 100 000 open requests. The job reads
        # every row, so plan for all of them.
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
    for (request_id, key, owner_id, channel, status, due, provisional, posted, delivered_on, confirmed_on,
         returned, target_name, requested, clarified) in connection.execute(statement):
        details[request_id] = (channel, bool(provisional))
        yield OpenRequest(
            request_id=request_id, key=key, owner_id=owner_id, target_name=target_name, channel=channel,
            status=effective_status(status, due, today), due_date=due,
            working_days_left=days_until(due) if due is not None else None,
            clarification_requested_on=requested,
            clarification_open=requested is not None and (clarified is None or clarified < requested),
            letter_posted_on=posted, letter_delivered=bool(delivered_on or confirmed_on or returned),
            posted_working_days_ago=days_since(posted) if posted is not None else None,
        )


def _count(calendar: WorkCalendar, a: date | None, b: date | None) -> int | None:
    if a is None or b is None:
        return None
    try:
        return calendar.count(a, b)
    except ValueError:  # outside the calendar's range: no working-day arithmetic possible
        return None


def _sent_keys() -> set[str]:
    """The keys already sent for the open requests only — not the whole history."""
    query = (select(ReminderSent.key).join(MockRequest, MockRequest.id == ReminderSent.request_id)
             .where(_open_filter()))
    return set(db.session.scalars(query))


def _horizons() -> dict[int, int]:
    rows = db.session.execute(select(User.id, User.remind_working_days)
                              .where(User.remind_working_days.is_not(None)))
    return {user_id: days for user_id, days in rows}


# -- the email and the records ---------------------------------------------------------------

def _compose(user: User, reminders: list[DueReminder], details: dict, today: date,
             calendar: WorkCalendar) -> RecipientSummary:
    email = user.email if user.email and user.active else None
    summary = RecipientSummary(user_id=user.id, name=user.display_name, email=email, reminders=reminders)
    requests = len({r.request_id for r in reminders})
    summary.subject = f"【政务公开考评】{requests} 项模拟申请需要处理（{cn_date(today)}）"
    summary.text, summary.html = _render(summary, details, today, calendar)
    return summary


def _email_items(reminders: list[DueReminder], details: dict, today: date, calendar: WorkCalendar) -> list[EmailItem]:
    base = current_app.config["BASE_URL"].rstrip("/")
    items = []
    for reminder in reminders[:MAX_ITEMS_PER_EMAIL]:
        channel, provisional = details.get(reminder.request_id, ("", False))
        due = reminder.due_date
        due_text = (cn_date(due) + ("（暂定）" if provisional else "")) if due else "尚未起算"
        items.append(EmailItem(
            kind=reminder.kind, kind_label=KIND_LABELS[reminder.kind], request_key=reminder.request_key,
            target_name=reminder.target_name, channel_label=CHANNEL_LABELS.get(channel, channel), due_text=due_text,
            state_text=_state_text(reminder, today, calendar), url=f"{base}/requests/{reminder.request_id}"))
    return items


def _state_text(reminder: DueReminder, today: date, calendar: WorkCalendar) -> str:
    left = reminder.working_days_left
    if reminder.kind == "due_soon":
        return f"剩余 {left} 个工作日"
    if reminder.kind == "due_today":
        return "今天到期"
    if reminder.kind == "overdue":
        return f"已逾期 {-left} 个工作日" if left is not None and left < 0 else "已逾期"
    if reminder.kind == "clarification":
        return f"对方要求补正（{cn_date(reminder.about)}提出）"
    days = _count(calendar, reminder.about, today)
    return f"信函寄出已 {days} 个工作日未签收"


def _render(summary: RecipientSummary, details: dict, today: date, calendar: WorkCalendar) -> tuple[str, str]:
    items = _email_items(summary.reminders, details, today, calendar)
    context = {
        "name": summary.name, "today": cn_date(today), "items": items,
        "hidden": max(0, len(summary.reminders) - len(items)),
        "reminders_url": current_app.config["BASE_URL"].rstrip("/") + "/reminders",
    }
    return render_template("emails/reminders.txt", **context), render_template("emails/reminders.html", **context)


def _record(summary: RecipientSummary, today: date) -> None:
    message = queue_email(summary.email, summary.subject, summary.text, summary.html, user_id=summary.user_id)
    summary.outbox_id = message.id
    rows = [{"key": r.key, "kind": r.kind, "request_id": r.request_id, "user_id": summary.user_id,
             "due_date": r.due_date, "run_on": today, "outbox_id": summary.outbox_id} for r in summary.reminders]
    # Core executemany: the ORM's bulk path costs several times more at tens of thousands of rows.
    db.session.connection().execute(insert(ReminderSent.__table__), rows)
