"""The `tracker` command. Commands are thin: they parse arguments and call operations."""
from __future__ import annotations

import click

from .bundles.cli import export_command, import_command
from .calendar.cli import workdays
from .core.backup_cli import backup_command, restore_command
from .core.cli_support import with_app
from .demo.cli import demo_command
from .reminders.cli import remind_command, scheduler_command
from .reports.cli import report_command
from .rubric_cli import rubric
from .users.cli import users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """政务公开考评 · 模拟依申请公开 tracker."""


@main.command()
@with_app
def init() -> None:
    """Create or upgrade the database and load the built-in rubrics (idempotent)."""
    from .core.setup import initialise_database

    added = initialise_database()
    click.echo("数据库已是最新版本。" + (f" 已加载考评指标：{', '.join(added)}" if added else ""))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, threads: int) -> None:
    """Serve the app with waitress (and the embedded scheduler unless TRACKER_SCHEDULER=off)."""
    from .core.serve import serve_app

    serve_app(host, port, threads)


main.add_command(users)
main.add_command(workdays)
main.add_command(rubric)
main.add_command(import_command)
main.add_command(export_command)
main.add_command(report_command)
main.add_command(demo_command)
main.add_command(backup_command)
main.add_command(restore_command)
main.add_command(remind_command)
main.add_command(scheduler_command)
