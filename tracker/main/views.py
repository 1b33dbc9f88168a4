from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select, text

from ..core import parsing as p
from ..core.audit import AuditEntry
from ..core import policy
from ..core.auth import admin_required, staff_required
from ..extensions import db
from ..users.models import User
from ..calendar.service import current_calendar
from ..campaigns.views import visible_campaigns
from .audit_page import ENTITIES, audit_row, beijing_day_bounds
from .dashboard import build_dashboard
from ..core import clock

bp = Blueprint("main", __name__)
AUDIT_PAGE_SIZE = 100


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 — any database failure means "not healthy"
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages that name none (the print report, downloads): no 404s."""
    icon = Path(current_app.static_folder, "favicon.svg").read_bytes()  # small: no open file to close
    return icon, 200, {"Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"}


@bp.get("/")
@staff_required
def index():
    # Evaluators start with their own requests; reviewers and admins with everything they may see.
    mine = request.args.get("scope", "all" if policy.can(current_user, policy.REVIEW) else "mine") == "mine"
    campaigns = [c for c in visible_campaigns() if not c.closed]  # closed ones: on the campaign list only
    chosen = _chosen_campaign(campaigns)
    now = clock.now()
    horizon = current_user.remind_working_days
    horizon = current_app.config["REMIND_WORKING_DAYS"] if horizon is None else horizon  # as the reminders
    board = build_dashboard(current_user, now.date(), now, mine, chosen.id if chosen else None, horizon)
    return render_template("main/index.html", campaigns=campaigns, chosen=chosen, board=board, mine=mine, now=now,
                           scope="mine" if mine else "all", due_soon_days=horizon)


def _chosen_campaign(campaigns):
    """?campaign=ID shows one campaign's work, ?campaign=all every one; by default the newest."""
    wanted = request.args.get("campaign", "")
    if wanted == "all" or not campaigns:
        return None
    if not wanted:
        return campaigns[0]
    chosen = next((c for c in campaigns if str(c.id) == wanted.strip()), None)
    if chosen is None:
        abort(404)  # unknown, or a campaign outside the user's teams: not revealed
    return chosen


@bp.get("/calendar/<int:year>.json")
@staff_required
def calendar_year(year: int):
    """A year's days off and make-up days, for the date pickers (static/datepicker.js): only the days
    that are not plain working days, each with its kind and name."""
    calendar = current_calendar()
    try:
        days = calendar.year_days(year)
    except ValueError:
        abort(404)
    marked = {d.date.isoformat(): [d.kind, d.name] for d in days if d.kind != "workday"}
    return {"year": year, "provisional": calendar.is_provisional_year(year), "days": marked}


@bp.get("/admin/audit")
@admin_required
def audit_log():
    filters = _audit_filters(request.args)
    # Clamped: ?page=99999999999999999999 overflowed the database's integer (a 500 on PostgreSQL and SQLite).
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 1_000_000)
    query = (select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.user_id)
             .where(*filters.conditions).order_by(AuditEntry.id.desc()))
    rows = db.session.execute(query.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)).all()
    users = db.session.execute(select(User.id, User.username, User.name).order_by(User.username)).all()
    return render_template("main/audit.html", rows=[audit_row(e, u) for e, u in rows[:AUDIT_PAGE_SIZE]],
                           page=page, has_next=len(rows) > AUDIT_PAGE_SIZE, args=filters.args,
                           errors=filters.errors, users=users, entities=ENTITIES), 400 if filters.errors else 200


class _AuditFilters:
    def __init__(self):
        self.conditions: list = []
        self.args: dict[str, str] = {}
        self.errors: dict[str, str] = {}


def _audit_filters(args) -> _AuditFilters:
    """Who (user), what (record kind) and when (Beijing dates); a bad value is named and dropped."""
    result, c = _AuditFilters(), p.Collector()
    user_id = c.run("user", p.record_id, args.get("user"))
    entity = args.get("entity", "").replace("\x00", "").strip()[:64]  # NUL: PostgreSQL refuses it
    first = c.run("from", p.optional_date, args.get("from"))
    last = c.run("to", p.optional_date, args.get("to"))
    result.errors = {_AUDIT_LABELS.get(k, k): v for k, v in c.errors.items()}
    start, end = beijing_day_bounds(first, last)
    for value, condition in ((user_id, lambda: AuditEntry.user_id == user_id), (entity, lambda: AuditEntry.entity == entity),
                             (start, lambda: AuditEntry.at >= start), (end, lambda: AuditEntry.at < end)):
        if value:
            result.conditions.append(condition())
    result.args = {k: args[k] for k in ("user", "entity", "from", "to") if args.get(k) and _AUDIT_LABELS[k] not in result.errors}
    return result


_AUDIT_LABELS = {"user": "操作人", "entity": "对象类型", "from": "开始日期", "to": "结束日期"}
