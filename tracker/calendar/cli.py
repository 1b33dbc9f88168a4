"""`tracker workdays`: working-day arithmetic on the command line (DESIGN.md §6)."""
from __future__ import annotations

import sys

import click

from ..core.cli_support import database_url, fail, parse_cli_date, without_app
from .direct import calendar_from_database


def _calendar():
    # Read with the driver alone, not through the app: `tracker workdays` starts in ≤ 0.35 s
    # (DESIGN.md §10.6). Before `tracker init`: the official calendar without overrides.
    return calendar_from_database(database_url())


def _parse_n(value: str, where: str = "N") -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        fail(f"{where} 必须是整数: {value!r}")


def _flag(provisional: bool) -> str:
    return " provisional" if provisional else ""


@click.group()
def workdays() -> None:
    """Working days of the Chinese State Council calendar (with admin overrides)."""


@workdays.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("day", required=False)
@click.argument("n", required=False)
@click.option("--stdin", "from_stdin", is_flag=True, help='read lines "DATE N", print one date per line')
@without_app
def add(day: str | None, n: str | None, from_stdin: bool) -> None:
    """The N-th working day after DATE (N may be negative)."""
    calendar = _calendar()
    if from_stdin:
        if day or n:
            fail("--stdin 不能与 DATE N 参数同时使用")
        _add_stdin(calendar)
        return
    if day is None or n is None:
        fail("用法：tracker workdays add DATE N 或 tracker workdays add --stdin")
    result = calendar.add_flagged(parse_cli_date(day, "DATE"), _parse_n(n))
    click.echo(result.date.isoformat() + _flag(result.provisional))


def _add_stdin(calendar) -> None:
    out = []
    for number, line in enumerate(sys.stdin, start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            fail(f"第 {number} 行应为 “DATE N”: {line.strip()!r}")
        result = calendar.add_flagged(parse_cli_date(parts[0], f"第 {number} 行的日期"),
                                      _parse_n(parts[1], f"第 {number} 行的 N"))
        out.append(result.date.isoformat() + _flag(result.provisional))
    if out:
        click.echo("\n".join(out))


@workdays.command("count")
@click.argument("start")
@click.argument("end")
@without_app
def count(start: str, end: str) -> None:
    """Working days in (START, END]."""
    result = _calendar().count_flagged(parse_cli_date(start, "A"), parse_cli_date(end, "B"))
    click.echo(f"{result.value}{_flag(result.provisional)}")
