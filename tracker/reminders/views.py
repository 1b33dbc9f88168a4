"""Reminder pages: what I was sent and my settings, my due-date calendar feed, the admin outbox."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..campaigns.models import Target
from ..core import clock, unit_of_work
from ..core import parsing as p
from ..core.auth import admin_required
from ..core.errors import form_errors
from ..core.mail import STATUS_LABELS, deliver_pending, resend_message
from ..core.web import cn_date
from ..law.deadline_terms import OPEN_STATUSES
from ..law.deadlines import STATUS_LABELS as REQUEST_STATUS_LABELS
from ..extensions import db
from ..requests.law_bridge import effective_status
from ..requests.models import MockRequest
from ..users import operations as user_ops
from ..users.models import User
from ..core import policy
from . import ics
from ..core.mail import OutboxMessage
from .models import ReminderSent
from .notices import mail_notices
from ..law.reminder_selection import KIND_LABELS

bp = Blueprint("reminders", __name__)
PAGE_SIZE = 200
ADMIN_LINK = ("reminders.outbox", "发件箱")


@bp.record_once
def _register_admin_link(state) -> None:
    # base.html loops over one shared list, so every domain's admin page can add itself to the menu.
    state.app.extensions.setdefault("admin_links", []).append(ADMIN_LINK)


@bp.record_once
def _register_notices(state) -> None:
    state.app.jinja_env.globals["mail_notices"] = mail_notices  # evaluated only where a template shows them


@bp.app_context_processor
def _admin_links() -> dict:
    return {"admin_links": current_app.extensions.get("admin_links", [])}


# -- my reminders ----------------------------------------------------------------------------

@bp.get("/reminders")
@login_required
def my_reminders():
    return _render_mine()


@bp.post("/reminders/settings")
@login_required
def save_settings():
    user = current_user._get_current_object()
    c = p.Collector()
    horizon = c.run("remind_working_days", p.integer, request.form.get("remind_working_days"),
                    minimum=0, maximum=20, required=False)

    def save():
        c.raise_if_any()
        user_ops.update_user(user, user, version=request.form.get("version"), remind_working_days=horizon)

    error = unit_of_work.run(save).error
    if error is not None:
        return _render_mine(form_errors(error), error.status)
    flash("提醒设置已保存。", "success")
    return redirect(url_for("reminders.my_reminders"))


@bp.post("/reminders/calendar-token")
@login_required
def new_calendar_token():
    user = current_user._get_current_object()
    token = secrets.token_urlsafe(32)
    # Only its SHA-256 is stored, like API tokens: the address is shown this once.
    error = unit_of_work.run(
        lambda: user_ops.update_user(user, user, calendar_token_hash=ics.hash_feed_token(token))).error
    if error is not None:
        return _render_mine(form_errors(error), error.status)
    feed_url = _base_url() + url_for("reminders.calendar_feed", token=token)
    flash(f"已生成新的日历订阅地址（只显示这一次，请立即复制到日历程序；旧地址已失效）：{feed_url}", "warning")
    return redirect(url_for("reminders.my_reminders"))


def _render_mine(errors: dict | None = None, status: int = 200):
    query = (select(ReminderSent, MockRequest.key, Target.name, OutboxMessage.status)
             .join(MockRequest, MockRequest.id == ReminderSent.request_id)
             .join(Target, Target.id == MockRequest.target_id)
             .outerjoin(OutboxMessage, OutboxMessage.id == ReminderSent.outbox_id)
             .where(ReminderSent.user_id == current_user.id)
             .order_by(ReminderSent.run_on.desc(), ReminderSent.id.desc()).limit(PAGE_SIZE))
    rows = db.session.execute(query).all()
    return render_template("reminders/index.html", rows=rows, kinds=KIND_LABELS, delivery=STATUS_LABELS,
                           has_feed=bool(current_user.calendar_token_hash),
                           default_horizon=current_app.config["REMIND_WORKING_DAYS"],
                           errors=errors or {}), status


# -- the calendar feed: no login, the secret token identifies the user ---------------------

@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    user = (db.session.scalar(select(User).where(User.calendar_token_hash == ics.hash_feed_token(token)))
            if token and len(token) <= 200 else None)
    if user is None or not user.active:
        abort(404)
    query = (select(MockRequest.id, MockRequest.key, MockRequest.status, MockRequest.due_date,
                    MockRequest.provisional, Target.name)
             .join(Target, Target.id == MockRequest.target_id)
             .where(MockRequest.owner_id == user.id, MockRequest.voided.is_(False),
                    MockRequest.due_date.is_not(None), MockRequest.status.in_(OPEN_STATUSES))
             .order_by(MockRequest.due_date, MockRequest.key))
    team = policy.visible_campaigns_clause(user, MockRequest.campaign_id)  # a former member's feed goes quiet
    query = query if team is None else query.where(team)
    today, base = clock.today(), _base_url()
    host = urlsplit(base).hostname or "tracker"
    events = [_feed_event(row, today, base, host) for row in db.session.execute(query)]
    body = ics.calendar(f"答复期限（{user.display_name}）", events)
    return current_app.response_class(body, headers={
        "Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, max-age=300",
        "Content-Disposition": 'inline; filename="due-dates.ics"', "X-Robots-Tag": "noindex"})


def _feed_event(row, today, base: str, host: str) -> ics.AllDayEvent:
    status = REQUEST_STATUS_LABELS.get(effective_status(row.status, row.due_date, today), row.status)
    due = cn_date(row.due_date) + ("（暂定）" if row.provisional else "")
    url = f"{base}/requests/{row.id}"
    return ics.AllDayEvent(
        uid=f"request-{row.id}-{row.due_date:%Y%m%d}@{host}", day=row.due_date,
        summary=f"答复期限：{row.key} {row.name}",
        description=f"状态：{status}\n答复期限：{due}\n{url}", url=url)


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


# -- the outbox (admin) ------------------------------------------------------------------------

@bp.get("/admin/outbox")
@admin_required
def outbox():
    status = request.args.get("status", "")
    status = status if status in STATUS_LABELS else ""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
    if status:
        query = query.where(OutboxMessage.status == status)
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return render_template("reminders/outbox.html", messages=db.session.scalars(query).all(), status=status,
                           labels=STATUS_LABELS, counts=counts)


@bp.post("/admin/outbox/<int:message_id>/resend")
@admin_required
def outbox_resend(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    error = unit_of_work.run(lambda: resend_message(current_user, message)).error
    if error is not None:
        flash(error.message, "error")
    else:
        flash(f"邮件 #{message_id} 已重新排队，将在下次发送时投递。", "success")
    return redirect(url_for("reminders.outbox", status=request.form.get("return_status") or None))


@bp.post("/admin/outbox/deliver")
@admin_required
def outbox_deliver():
    # End this request's transaction first: delivery claims rows in transactions of its own.
    unit_of_work.save()
    report = deliver_pending(current_app._get_current_object())
    flash(report.summary(), "warning" if report.stopped or report.failed else "success")
    return redirect(url_for("reminders.outbox"))
