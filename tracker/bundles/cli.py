"""`tracker import`, `tracker export`, `tracker report`."""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from ..campaigns.models import Campaign
from ..core import clock, unit_of_work
from ..core.cli_support import fail, parse_cli_date, with_app
from ..core.heap import collector_paused
from ..extensions import db
from .exporter import stream_bundle
from .importer import BundleError, import_bundle
from .validate import BundleTextError, load_bundle_text


def today_option(func):
    return click.option("--today", default=None, help="YYYY-MM-DD (default: today in Beijing)")(func)


def resolve_today(value: str | None):
    return parse_cli_date(value, "--today") if value else clock.today()


def find_campaign(name: str):
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == name))
    if campaign is None:
        fail(f"考评 {name!r} 不存在")
    return campaign


def write_output(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@with_app
def import_command(file: str) -> None:
    """Import a tracker-bundle/1 file: all or nothing."""
    path = Path(file)
    if not path.exists():
        fail(f"文件不存在: {file}")
    try:
        data = load_bundle_text(path.read_bytes())
        summary = import_bundle(None, data)
    except BundleTextError as error:
        fail(f"{file}: {error.message_zh}")
    except BundleError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"{file}: {problem.where}: {problem.message}", err=True)
        fail(f"数据包有 {len(error.problems)} 个问题，未导入任何内容")
    unit_of_work.save()
    click.echo(summary.describe())


@click.command("export")
@click.option("--campaign", "campaign_name", required=True)
@today_option
@click.option("-o", "--output", default=None)
@with_app
def export_command(campaign_name: str, today: str | None, output: str | None) -> None:
    """Write a campaign as tracker-bundle/1 (standard output without -o)."""
    # Streamed piece by piece: a national campaign never sits in memory as one document (≤ 400 MB).
    pieces = stream_bundle(find_campaign(campaign_name), resolve_today(today))
    with collector_paused():
        _write_pieces(pieces, output)


def _write_pieces(pieces, output: str | None) -> None:
    if output:
        with Path(output).open("w", encoding="utf-8") as file:
            file.writelines(pieces)
            file.write("\n")
    else:
        for piece in pieces:
            click.echo(piece, nl=False)
        click.echo()
