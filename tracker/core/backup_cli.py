"""`tracker backup FILE` and `tracker restore FILE`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from ..extensions import db
from .backup import backup, restore
from .cli_support import with_app


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@with_app
def backup_command(file: str) -> None:
    """Write a consistent copy of the database to FILE."""
    backup(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(file))
    click.echo(f"已备份到 {file}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@with_app
def restore_command(file: str, yes: bool) -> None:
    """Replace the database's content with FILE (stop the server first)."""
    if not yes and not click.confirm("恢复将覆盖当前数据库中的全部数据，确定继续？", default=False):
        click.echo("已取消。")
        return
    db.session.remove()
    db.engine.dispose()
    restore(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(file))
    click.echo(f"已从 {file} 恢复。请重启服务。")
