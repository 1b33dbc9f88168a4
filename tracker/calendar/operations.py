"""Admin changes to the calendar. Each bumps the revision and recomputes open deadlines."""
from __future__ import annotations

from sqlalchemy import select

from ..core import audit
from ..core import parsing as p
from ..core.errors import NotFound, ValidationError
from ..extensions import db
from .models import CalendarOverride, ConfirmedYear
from .service import bump_revision

FIELDS = ("day", "working", "note")


def _after_change(actor) -> None:
    bump_revision()
    from ..requests.clock import recompute_open_requests

    recompute_open_requests()


def set_override(actor, data: dict) -> CalendarOverride:
    c = p.Collector()
    day = c.run("day", p.required_date, data.get("day"))
    working = c.run("working", p.optional_bool, data.get("working"))
    note = c.run("note", p.text, data.get("note"), required=True, max_length=300)
    if working is None and "working" not in c.errors:
        c.add("working", "请选择：上班或放假")
    c.raise_if_any()
    row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    before = audit.snapshot(row, FIELDS) if row else None
    if row is None:
        row = CalendarOverride(day=day)
        db.session.add(row)
    row.working, row.note = working, note
    db.session.flush()
    audit.record(actor, "update" if before else "create", "calendar_override", row.id, before=before,
                 after=audit.snapshot(row, FIELDS), summary=f"设置 {day} 为{'工作日' if working else '休息日'}")
    _after_change(actor)
    return row


def remove_override(actor, override_id: int) -> None:
    row = db.session.get(CalendarOverride, override_id)
    if row is None:
        raise NotFound("该日历调整不存在")
    before = audit.snapshot(row, FIELDS)
    db.session.delete(row)
    db.session.flush()
    audit.record(actor, "delete", "calendar_override", override_id, before=before, summary=f"删除 {row.day} 的日历调整")
    _after_change(actor)


def confirm_year(actor, data: dict) -> ConfirmedYear:
    c = p.Collector()
    year = c.run("year", p.integer, data.get("year"), minimum=2000, maximum=2045)
    source = c.run("source", p.text, data.get("source"), required=True, max_length=300)
    c.raise_if_any()
    if db.session.get(ConfirmedYear, year):
        raise ValidationError({"year": f"{year} 年已确认"})
    row = ConfirmedYear(year=year, source=source)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "create", "calendar_year", year, after={"year": year, "source": source},
                 summary=f"确认 {year} 年放假安排已录入")
    _after_change(actor)
    return row


def unconfirm_year(actor, year: int) -> None:
    row = db.session.get(ConfirmedYear, year)
    if row is None:
        raise NotFound("该年份未确认")
    db.session.delete(row)
    db.session.flush()
    audit.record(actor, "delete", "calendar_year", year, before={"year": year, "source": row.source},
                 summary=f"撤销 {year} 年放假安排的确认")
    _after_change(actor)
