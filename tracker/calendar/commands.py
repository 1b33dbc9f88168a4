"""`tracker calendar …`: the holiday calendar as data (DESIGN.md §10.3).

Every change goes through the operations (audited, deadlines recomputed) and is committed once here.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core import parsing as p
from ..core import unit_of_work
from ..core.cli_support import fail, parse_cli_date, with_app
from ..core.errors import TrackerError, ValidationError
from . import operations as ops
from .service import current_calendar

# Field names of the operations' errors, as the command line shows them.
_LABELS = {"notice": "通知", "year": "年份", "source": "依据", "day": "日期", "note": "依据", "working": "类型",
           "allow_empty": "确认", "confirm": "确认"}
# How `show` names a day (DESIGN.md §10.3: "DATE holiday|makeup_workday NAME").
_SHOWN = {"holiday": "holiday", "override_holiday": "holiday", "makeup_workday": "makeup_workday"}


def _commit_or_fail(action, *args, commit: bool = True, **kwargs):
    """Run one operation as the command line (no user), commit once (not with commit=False: a
    preview); a refusal or a lost race is one line, exit 1."""
    if commit:
        outcome = unit_of_work.run(lambda: action(None, *args, **kwargs))
        if outcome.error is not None:
            _refused(outcome.error)
        return outcome.value
    try:
        return action(None, *args, **kwargs)
    except TrackerError as error:
        _refused(error)
    finally:
        unit_of_work.rollback()


def _refused(error) -> None:
    errors = getattr(error, "errors", None) or {"_": error.message}
    fail("；".join(f"{_LABELS.get(k, k)}：{v}" if k != "_" else v for k, v in errors.items()))


@click.group("calendar")
def calendar() -> None:
    """The holiday calendar: overrides, confirmed years, State Council notices."""


@calendar.command("set")
@click.argument("day")
@click.option("--workday", "kind", flag_value="workday", help="a working day (e.g. a 调休 Saturday)")
@click.option("--holiday", "kind", flag_value="holiday", help="a day off")
@click.option("--note", default="命令行设定", show_default=True, help="source, e.g. 国办发明电〔2026〕N号")
@with_app
def set_command(day: str, kind: str | None, note: str) -> None:
    """Set DATE as a working day or a day off."""
    if kind is None:
        fail("请指定 --workday 或 --holiday")
    parsed = parse_cli_date(day, "DATE")
    _commit_or_fail(ops.set_override, {"day": parsed.isoformat(), "working": kind == "workday", "note": note})
    click.echo(f"已设定 {parsed} 为{'上班' if kind == 'workday' else '放假'}，未结申请的答复期限已重新计算。")


@calendar.command("unset")
@click.argument("day")
@with_app
def unset_command(day: str) -> None:
    """Remove the override of DATE (the official schedule applies again)."""
    parsed = _commit_or_fail(ops.remove_override_on, parse_cli_date(day, "DATE").isoformat())
    click.echo(f"已删除 {parsed} 的调整，未结申请的答复期限已重新计算。")


@calendar.command("confirm")
@click.argument("year")
@click.option("--source", default="命令行确认", show_default=True, help="the notice, e.g. 国办发明电〔2026〕N号")
@click.option("--yes-empty", is_flag=True, help="confirm a year that has no entries")
@with_app
def confirm_command(year: str, source: str, yes_empty: bool) -> None:
    """Mark YEAR's schedule as entered in full: its dates are no longer provisional."""
    row = _commit_or_fail(ops.confirm_year, {"year": year, "source": source, "allow_empty": yes_empty})
    click.echo(f"已确认 {row.year} 年放假安排（{row.source}）。")


@calendar.command("show")
@click.argument("year")
@with_app
def show_command(year: str) -> None:
    """One line per day off or make-up working day of YEAR: DATE holiday|makeup_workday NAME."""
    try:
        number = p.integer(year, field="年份", minimum=p.MIN_DATE.year, maximum=p.MAX_DATE.year)
    except ValidationError as error:
        fail(error.message)
    calendar_ = current_calendar()
    lines = [f"{day.date.isoformat()} {_kind(day)} {day.name}" for day in calendar_.year_days(number)
             if _kind(day)]
    if lines:
        click.echo("\n".join(lines))
    if calendar_.is_provisional_year(number):
        click.echo(f"注意：{number} 年的放假安排尚未录入并确认（暂定）", err=True)


def _kind(day) -> str | None:
    if day.kind == "override_workday":  # an admin's working day: 调休 on a weekend, else a holiday cancelled
        return "makeup_workday" if day.date.weekday() >= 5 else "workday"
    return _SHOWN.get(day.kind)


def _read_text(file: str) -> str:
    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(file)
        if not path.is_file():
            fail(f"文件不存在: {file}")
        data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # a notice saved on a Windows office machine may be GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    fail(f"{file} 不是 UTF-8 或 GBK 编码的文本")


@calendar.command("import-notice")
@click.argument("file")
@click.option("--year", default=None, help="the notice's year, when the text does not name it")
@click.option("--dry-run", is_flag=True, help="show what would change, change nothing")
@click.option("--confirm", is_flag=True, help="also confirm the year (a full notice only)")
@with_app
def import_notice_command(file: str, year: str | None, dry_run: bool, confirm: bool) -> None:
    """Read a State Council holiday notice (text, FILE or - for standard input) into the calendar."""
    text = _read_text(file)
    if dry_run:
        notice, changes = _commit_or_fail(lambda _actor: ops.read_notice(text, year), commit=False)
    else:
        notice, changes = _commit_or_fail(ops.import_notice, text, year, confirm=confirm)
    for change in changes:
        click.echo(change.describe())
    if not changes:
        click.echo(f"{notice.year} 年放假通知（{notice.source}）与现有日历一致，无需调整。")
        return
    click.echo(f"{notice.year} 年放假通知（{notice.source}）：放假 {len(notice.holidays)} 天，"
               f"调休上班 {len(notice.makeup_workdays)} 天；日历{'将调整' if dry_run else '已调整'} {len(changes)} 天"
               + ("（预览，未保存）" if dry_run else "。"))
