"""Admin changes to the calendar. Each recomputes, once, the deadlines the days it changed reach; its
commit renews the calendar's token and those counties' (core/revisions.py: the calendar models declare
the CALENDAR scope, narrowed to the counties reached by requests/law_bridge.py)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..core import audit
from ..core import parsing as p
from ..core.errors import ConflictError, NotFound, ValidationError
from ..extensions import db
from ..law.workdays import MAX_YEAR, MIN_YEAR, WorkCalendar
from .models import CalendarOverride, ConfirmedYear
from .notice import Change, Notice, NoticeError, parse_notice, plan_changes
from .service import current_calendar, current_revision
from .signals import calendar_changed

FIELDS = ("day", "working", "note")
NOTICE_MAX_CHARS = 20_000


def _after_change(actor, before: WorkCalendar) -> None:
    """`before`: the calendar as the operation found it, taken before its first change (the requests
    recompute only what the days that changed can reach: calendar/signals.py)."""
    calendar_changed.send(actor, before=before)


def _upsert(actor, day: date, working: bool, note: str) -> CalendarOverride:
    """Write one override and its audit record; the caller recomputes the deadlines once."""
    row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    before = audit.snapshot(row, FIELDS) if row else None
    if row is None:
        row = CalendarOverride(day=day)
        db.session.add(row)
    row.working, row.note = working, note
    db.session.flush()
    audit.record(actor, "update" if before else "create", "calendar_override", row.id, before=before,
                 after=audit.snapshot(row, FIELDS), summary=f"设置 {day} 为{'工作日' if working else '休息日'}")
    return row


def set_override(actor, data: dict) -> CalendarOverride:
    c = p.Collector()
    day = c.run("day", p.required_date, data.get("day"))
    working = c.run("working", p.optional_bool, data.get("working"))
    note = c.run("note", p.text, data.get("note"), required=True, max_length=300)
    if working is None and "working" not in c.errors:
        c.add("working", "请选择：上班或放假")
    c.raise_if_any()
    before = current_calendar()
    row = _upsert(actor, day, working, note)
    _after_change(actor, before)
    return row


def _delete(actor, row: CalendarOverride) -> None:
    before = audit.snapshot(row, FIELDS)
    db.session.delete(row)
    db.session.flush()
    audit.record(actor, "delete", "calendar_override", row.id, before=before, summary=f"删除 {row.day} 的日历调整")


def remove_override(actor, override_id: int) -> None:
    row = db.session.get(CalendarOverride, override_id)
    if row is None:
        raise NotFound("该日历调整不存在")
    before = current_calendar()
    _delete(actor, row)
    _after_change(actor, before)


def remove_override_on(actor, day_value) -> date:
    """`tracker calendar unset DATE`: the override of that day goes, the official schedule applies."""
    day = p.required_date(day_value, field="日期")
    row = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
    if row is None:
        raise NotFound(f"{day} 没有管理员调整")
    before = current_calendar()
    _delete(actor, row)
    _after_change(actor, before)
    return day


def overrides_in_year(year: int) -> list[CalendarOverride]:
    return list(db.session.scalars(select(CalendarOverride).where(
        CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
        .order_by(CalendarOverride.day)))


def confirm_year(actor, data: dict) -> ConfirmedYear:
    c = p.Collector()
    year = c.run("year", p.integer, data.get("year"), minimum=MIN_YEAR, maximum=MAX_YEAR)
    source = c.run("source", p.text, data.get("source"), required=True, max_length=300)
    allow_empty = c.run("allow_empty", p.checkbox, data.get("allow_empty"))
    c.raise_if_any()
    if db.session.get(ConfirmedYear, year):
        raise ValidationError({"year": f"{year} 年已确认"})
    if not allow_empty and not overrides_in_year(year):
        # Confirming a year nobody entered turns the package's guess (statutory days only, no
        # make-up days) into the official calendar: ask twice.
        raise ValidationError({"allow_empty": f"{year} 年没有录入任何放假或调休上班日，确认后将按软件包的推测"
                                              f"（仅法定节日、无调休）计算；如确认无误，请再次确认（命令行加 --yes-empty）"})
    before = current_calendar()
    row = ConfirmedYear(year=year, source=source)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "create", "calendar_year", year, after={"year": year, "source": source},
                 summary=f"确认 {year} 年放假安排已录入")
    _after_change(actor, before)
    return row


def unconfirm_year(actor, year: int) -> None:
    row = db.session.get(ConfirmedYear, year)
    if row is None:
        raise NotFound("该年份未确认")
    before = current_calendar()
    db.session.delete(row)
    db.session.flush()
    audit.record(actor, "delete", "calendar_year", year, before={"year": year, "source": row.source},
                 summary=f"撤销 {year} 年放假安排的确认")
    _after_change(actor, before)


def read_notice(text, year=None) -> tuple[Notice, list[Change]]:
    """Parse a pasted notice and list what importing it would change; changes nothing."""
    c = p.Collector()
    body = c.run("notice", p.text, text, required=True, max_length=NOTICE_MAX_CHARS)
    wanted = c.run("year", p.integer, year, minimum=MIN_YEAR, maximum=MAX_YEAR) if year not in (None, "") else None
    c.raise_if_any()
    try:
        notice = parse_notice(body, wanted)
    except NoticeError as error:
        raise ValidationError({"notice": str(error)}) from None
    if not MIN_YEAR <= notice.year <= MAX_YEAR:
        raise ValidationError({"year": f"年份须在 {MIN_YEAR} 至 {MAX_YEAR} 之间"})
    return notice, plan_changes(current_calendar(), notice)


def import_notice(actor, text, year=None, confirm: bool = False,
                  expected_revision: str | None = None) -> tuple[Notice, list[Change]]:
    """Enter every change of the notice as an override (one audit record each), then recompute once.

    `expected_revision`: the calendar revision the admin previewed; a calendar changed since then
    would make the preview a lie, so the import is refused.
    """
    if expected_revision is not None and expected_revision != current_revision():
        raise ConflictError("预览之后日历已被修改，请重新预览后再导入（未保存任何调整）。")
    notice, changes = read_notice(text, year)
    if confirm and not notice.complete:
        raise ValidationError({"confirm": "只有完整的年度放假安排通知才能确认该年，调整或延长假期的通知不能"})
    before = current_calendar()  # read_notice planned the changes against it
    for change in changes:
        _upsert(actor, change.date, change.working, change.note)
    confirmed = confirm and db.session.get(ConfirmedYear, notice.year) is None
    if confirmed:
        db.session.add(ConfirmedYear(year=notice.year, source=notice.source[:300]))
        db.session.flush()
        audit.record(actor, "create", "calendar_year", notice.year,
                     after={"year": notice.year, "source": notice.source[:300]},
                     summary=f"按放假通知确认 {notice.year} 年放假安排已录入")
    if changes or confirmed:
        audit.record(actor, "import", "calendar_notice", notice.year,
                     after={"source": notice.source, "changes": len(changes)},
                     summary=f"导入 {notice.year} 年放假通知（{notice.source}），调整 {len(changes)} 天")
        _after_change(actor, before)
    return notice, changes


# -- the bundle's `calendar` section ------------------------------------------------------------


def calendar_document() -> dict:
    """The `calendar` section of an exported bundle: every override and every confirmed year."""
    overrides = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day))
    years = db.session.scalars(select(ConfirmedYear).order_by(ConfirmedYear.year))
    return {"overrides": [{"date": row.day.isoformat(), "working": row.working, "note": row.note} for row in overrides],
            "confirmed_years": [{"year": row.year, "source": row.source} for row in years]}


def merge_calendar(actor, section: dict) -> int:
    """Merge a bundle's `calendar` section by date (the bundle wins for its dates; other overrides stay)
    and add its confirmed years; recompute once. Raises ValidationError with the item's path."""
    changed = 0
    before = current_calendar()
    existing = {row.day: row for row in db.session.scalars(select(CalendarOverride))}
    for index, item in enumerate(section.get("overrides") or []):
        c = p.Collector()
        day = c.run(f"overrides[{index}].date", p.required_date, item.get("date"))
        note = c.run(f"overrides[{index}].note", p.text, item.get("note") or "数据包导入", max_length=300)
        c.raise_if_any()
        row = existing.get(day)
        if row is None or (row.working, row.note) != (bool(item["working"]), note):
            _upsert(actor, day, bool(item["working"]), note)
            changed += 1
    confirmed = set(db.session.scalars(select(ConfirmedYear.year)))
    for index, item in enumerate(section.get("confirmed_years") or []):
        source = p.text(item.get("source") or "数据包导入", field=f"confirmed_years[{index}].source", max_length=300)
        if item["year"] in confirmed:
            continue
        db.session.add(ConfirmedYear(year=item["year"], source=source))
        db.session.flush()
        audit.record(actor, "create", "calendar_year", item["year"], after={"year": item["year"], "source": source},
                     summary=f"数据包导入：确认 {item['year']} 年放假安排已录入")
        confirmed.add(item["year"])
        changed += 1
    if changed:
        _after_change(actor, before)
    return changed
