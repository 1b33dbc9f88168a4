"""`tracker rubric export|validate`."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .core.cli_support import fail, with_app
from .rubric import parse_rubric, read_rubric_mapping, rubric_to_contract, validate_rubric


@click.group()
def rubric() -> None:
    """Rubric versions (考评指标)."""


@rubric.command("export")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@with_app
def export(code: str, fmt: str) -> None:
    """Print a rubric as the JSON contract of DESIGN.md §6."""
    # Lazy: the store and the session load Flask and SQLAlchemy, which `rubric validate` must not (≤ 0.35 s).
    from .extensions import db
    from .scoring.rubric_store import builtin_documents, get_rubric

    try:
        parsed = get_rubric(code)
    except Exception:  # noqa: BLE001 — no database yet, or not stored: fall back to the built-ins
        db.session.rollback()
        document = builtin_documents().get(code)
        if document is None:
            fail(f"考评指标版本 {code} 不存在")
        parsed = parse_rubric(document)
    click.echo(json.dumps(rubric_to_contract(parsed), ensure_ascii=False, indent=2))


@rubric.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
def validate(path: str) -> None:
    """Check a rubric file (.toml or .json); print every problem with its location."""
    file = Path(path)
    if not file.exists():
        fail(f"文件不存在: {path}")
    try:
        document = read_rubric_mapping(file)
    except ValueError as error:
        fail(f"{path}: {error}")
    report = validate_rubric(document)
    for note in report.notes:
        click.echo(f"说明：{note}")
    for problem in report.problems:
        click.echo(f"{path}: {problem.where}: {problem.message}", err=True)
    if report.problems:
        fail(f"{len(report.problems)} 个问题")
    click.echo("有效（valid）")
