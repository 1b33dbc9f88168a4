"""The `tracker` command. Commands are thin: they parse arguments and call operations.

Commands are loaded on use: `tracker workdays count` must not pay for importing Flask, SQLAlchemy,
Alembic and the bundle code (DESIGN.md §10.6: ≤ 0.35 s for commands that need no database). Each
entry of LAZY_COMMANDS names the module attribute that holds the click command and the one-line help
that `tracker --help` lists without importing it.
"""
from __future__ import annotations

import importlib

import click

from .core.cli_support import with_app

LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "users": ("tracker.users.cli:users", "Manage users."),
    "tokens": ("tracker.users.tokens_cli:tokens", "API tokens for scripts: create (printed once), revoke."),
    "workdays": ("tracker.calendar.cli:workdays", "Working days of the Chinese State Council calendar."),
    "rubric": ("tracker.rubric_cli:rubric", "Rubric versions (考评指标)."),
    "import": ("tracker.bundles.cli:import_command", "Import a tracker-bundle/1 file: all or nothing."),
    "export": ("tracker.bundles.cli:export_command", "Write a campaign as tracker-bundle/1."),
    "report": ("tracker.reports.cli:report_command", "Score reports of one target or all of them."),
    "demo": ("tracker.demo.cli:demo_command", "Load the demo campaign; idempotent."),
    "backup": ("tracker.core.backup_cli:backup_command", "Write a consistent copy of the database to FILE."),
    "restore": ("tracker.core.backup_cli:restore_command", "Replace the database's content with FILE."),
    "remind": ("tracker.reminders.cli:remind_command", "Run the reminder job once, then deliver the outbox."),
    "scheduler": ("tracker.reminders.cli:scheduler_command", "Run the reminder scheduler alone."),
    "calendar": ("tracker.calendar.commands:calendar",
                 "The holiday calendar: overrides, confirmed years, State Council notices."),
    "ocr": ("tracker.ocr.cli:ocr", "Read scanned reply letters (答复书) offline."),
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported only when they are run (or asked for help)."""

    def __init__(self, *args, lazy_commands: dict[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in self.lazy_commands:
            return command
        module_name, attr = self.lazy_commands[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(formatter.width - 6 - len(name))))
            else:
                rows.append((name, self.lazy_commands[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """政务公开考评 · 模拟依申请公开 tracker."""


@main.command()
@with_app
def init() -> None:
    """Create or upgrade the database and load the built-in rubrics (idempotent)."""
    from .core.setup import initialise_database  # lazy: Alembic and the models, only for `init`

    added = initialise_database()
    click.echo("数据库已是最新版本。" + (f" 已加载考评指标：{', '.join(added)}" if added else ""))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, threads: int) -> None:
    """Serve the app with waitress (and the embedded scheduler unless TRACKER_SCHEDULER=off)."""
    from .core.serve import serve_app  # lazy: waitress, the app and the scheduler, only for `serve`

    serve_app(host, port, threads)
