"""`tracker ocr suggest FILE --format json`: read a scanned reply letter offline and print the suggestions.

Nothing heavy is imported at module level: `tracker --help` must not load onnxruntime.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from .engine import OcrInputError, available  # stdlib only: rapidocr and onnxruntime load on first use
from .reading import read_scan


@click.group("ocr")
def ocr() -> None:
    """Read scanned reply letters (答复书) offline."""


@ocr.command("suggest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--max-pages", default=10, show_default=True, type=click.IntRange(1, 100))
def suggest_command(file: Path, output_format: str, max_pages: int) -> None:
    """Print the text of FILE (PDF, JPEG, PNG) and the suggested outcome, checks, date, 文号 and seal."""
    ok, reason = available()
    if not ok:
        raise click.ClickException(reason)
    try:
        _pages, suggestions = read_scan(file, max_pages=max_pages)
    except OcrInputError as error:
        raise click.ClickException(str(error)) from error
    data = suggestions.as_json()
    if output_format == "json":
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(data["text"])
    click.echo("")
    for key in ("outcome", "letter_date", "doc_number", "sealed"):
        click.echo(f"{key}: {data[key]}")
    for name, value in data["checks"].items():
        click.echo(f"{name}: {value}")
