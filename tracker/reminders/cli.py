"""`tracker remind` and `tracker scheduler`."""
from __future__ import annotations

import click
from flask import current_app

from ..config import ConfigError, load_config
from ..core.cli_support import fail, parse_cli_date, with_app
from ..core.scheduler import SchedulerLocked, lock_for, start_scheduler
from .job import run_and_deliver


@click.command("remind")
@click.option("--today", "today_text", metavar="YYYY-MM-DD", help="按这一天运行（默认：北京时间今天）")
@click.option("--dry-run", is_flag=True, help="只显示将发送的提醒，不写入、不发送")
@with_app
def remind_command(today_text: str | None, dry_run: bool) -> None:
    """Run the reminder job once, then deliver the outbox (unless --dry-run)."""
    today = parse_cli_date(today_text, "--today") if today_text is not None else None
    report, delivery = run_and_deliver(current_app._get_current_object(), today, dry_run=dry_run)
    for line in report.lines():
        click.echo(line)
    if delivery is not None:
        click.echo(delivery.summary())


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the reminder scheduler alone, in the foreground (exits 1 if another one is running)."""
    try:
        config = load_config()
    except ConfigError as error:
        fail(str(error))
    # Take the lock before building the app, so that a second copy gives up at once.
    lock = lock_for(config["SQLALCHEMY_DATABASE_URI"], config["INSTANCE_PATH"])
    if not lock.acquire():
        fail(SchedulerLocked(lock.where).message)
    try:
        _run_scheduler(lock)
    finally:
        lock.release()


@with_app
def _run_scheduler(lock) -> None:
    app = current_app._get_current_object()
    hour, minute = app.config["REMIND_AT"]

    def announce() -> None:
        click.echo(f"提醒调度器已启动：每个工作日 {hour:02d}:{minute:02d}（北京时间）发送期限提醒。按 Ctrl+C 退出。")

    try:
        start_scheduler(app, blocking=True, on_start=announce, held_lock=lock)
    except KeyboardInterrupt:
        click.echo("提醒调度器已停止。")
