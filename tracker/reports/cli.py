"""`tracker report --campaign NAME [--target NAME] --format json|xlsx|html [--today D] [-o PATH]`."""
from __future__ import annotations

import json

import click

from ..bundles.cli import find_campaign, resolve_today, today_option, write_output
from ..core.cli_support import fail, with_app
from .files import write_report_files
from .json_report import report_json


@click.command("report")
@click.option("--campaign", "campaign_name", required=True)
@click.option("--target", "target_name", default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "html"]), required=True)
@today_option
@click.option("-o", "--output", default=None)
@with_app
def report_command(campaign_name: str, target_name: str | None, fmt: str, today: str | None,
                   output: str | None) -> None:
    """Score reports of one target or all of them."""
    campaign = find_campaign(campaign_name)
    target = None
    if target_name:
        target = next((t for t in campaign.targets if target_name in (t.name, t.key)), None)
        if target is None:
            fail(f"考评中没有被考评对象 {target_name!r}")
    day = resolve_today(today)
    if fmt == "json":
        write_output(json.dumps(report_json(campaign, day, target), ensure_ascii=False, indent=2), output)
        return
    if not output:
        fail(f"--format {fmt} 需要 -o 指定输出文件或文件夹")
    for path in write_report_files(campaign, day, target, fmt, output):
        click.echo(str(path))
