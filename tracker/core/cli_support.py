"""Shared plumbing of the `tracker` commands: an app context, one-line errors, exit codes."""
from __future__ import annotations

import functools
import sys
from datetime import date

import click

from .. import create_app  # cheap: the package imports Flask only inside create_app
from ..config import ConfigError, load_config


def fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


def with_app(func):
    """Run the command inside an app context; turn expected errors into one line and exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        # Imported here, not at the top: commands that need no app (workdays, rubric validate)
        # import this module too and must not pay for Flask and SQLAlchemy (DESIGN.md §10.6).
        from ..extensions import db
        from .errors import TrackerError

        try:
            app = create_app()
        except ConfigError as error:
            fail(str(error))
        with app.app_context():
            try:
                return func(*args, **kwargs)
            except TrackerError as error:
                db.session.rollback()
                fail(error.message)
            except (ValueError, LookupError) as error:
                db.session.rollback()
                fail(str(error))
            finally:
                # Close this app's connections: a command run in-process (tests, scripts) must not
                # leave a pool of open database connections behind for the garbage collector.
                db.session.remove()
                db.engine.dispose()

    return wrapper


def without_app(func):
    """For commands that need no app: bad values (ValueError, LookupError) become one line and exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, LookupError) as error:
            fail(str(error))

    return wrapper


def database_url() -> str:
    """TRACKER_DATABASE_URL as the app would use it, without building the app."""
    try:
        return load_config()["SQLALCHEMY_DATABASE_URI"]
    except ConfigError as error:
        fail(str(error))


def parse_cli_date(value: str, name: str):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        fail(f"{name} 不是有效日期（应为 YYYY-MM-DD）: {value!r}")
