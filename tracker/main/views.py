from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select, text

from ..core.audit import AuditEntry
from ..core import policy
from ..core.auth import admin_required, staff_required
from ..extensions import db
from ..users.models import User
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


@bp.get("/")
@staff_required
def index():

    from flask_login import current_user

    from ..campaigns.views import visible_campaigns
    from .dashboard import build_dashboard

    # Evaluators start with their own requests; reviewers and admins with everything they may see.
    mine = request.args.get("scope", "all" if policy.can(current_user, policy.REVIEW) else "mine") == "mine"
    now = clock.now()
    board = build_dashboard(current_user, now.date(), now, mine)
    return render_template("main/index.html", campaigns=visible_campaigns(), board=board, mine=mine, now=now)


@bp.get("/admin/audit")
@admin_required
def audit_log():
    # Clamped: ?page=99999999999999999999 overflowed the database's integer (a 500 on PostgreSQL and SQLite).
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 1_000_000)
    query = (select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.user_id)
             .order_by(AuditEntry.id.desc()))
    entity = request.args.get("entity", "").replace("\x00", "").strip()[:64]  # NUL: PostgreSQL refuses it
    if entity:
        query = query.where(AuditEntry.entity == entity)
    rows = db.session.execute(query.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE)).all()
    return render_template("main/audit.html", rows=rows[:AUDIT_PAGE_SIZE], page=page,
                           has_next=len(rows) > AUDIT_PAGE_SIZE, entity=entity)
