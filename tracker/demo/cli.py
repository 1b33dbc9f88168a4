"""`tracker demo [--if-empty] [--today D]`."""
from __future__ import annotations

import click
from sqlalchemy import func, select

from ..bundles.cli import resolve_today, today_option
from ..campaigns.models import Campaign
from ..core import unit_of_work
from ..core.cli_support import with_app
from ..extensions import db
from .loader import load_demo


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="only when the database has no campaign yet")
@today_option
@with_app
def demo_command(if_empty: bool, today: str | None) -> None:
    """Load the demo campaign (Wuwei's four counties, fictitious data); idempotent."""
    if if_empty and db.session.scalar(select(func.count()).select_from(Campaign)):
        click.echo("数据库中已有考评，未加载演示数据。")
        return
    summary = load_demo(resolve_today(today))
    if summary is None:
        click.echo("演示考评已存在，未做改动。")
        return
    unit_of_work.save()
    click.echo(f"已加载演示考评：{summary.campaign.name}")
