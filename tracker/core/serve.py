"""`tracker serve`: waitress, with the scheduler embedded in this one process when enabled."""
from __future__ import annotations

import click
from waitress import serve

from .. import create_app
from . import base_url
from .heap import settle_after_startup
from .scheduler import start_scheduler


def adopt_listening_url(app, host: str, port: int) -> None:
    """Without TRACKER_BASE_URL, links in emails and the feed point where this server listens."""
    if app.config["BASE_URL_SET"]:
        return
    url = base_url.listening_url(host, port)
    app.config["BASE_URL"] = url
    base_url.record(app.config["INSTANCE_PATH"], url)  # for `tracker remind`, another process
    warning = base_url.warning_for(host, url)
    if warning:
        click.echo(warning, err=True)


def serve_app(host: str, port: int, threads: int) -> None:
    app = create_app()
    adopt_listening_url(app, host, port)
    settle_after_startup()
    scheduler = None
    if app.config["SCHEDULER_ENABLED"]:
        scheduler = start_scheduler(app, blocking=False)
    click.echo(f"tracker 正在 http://{host}:{port}/ 提供服务" + ("（已启用提醒调度器）" if scheduler else ""))
    try:
        serve(app, host=host, port=port, threads=threads, ident="tracker")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
