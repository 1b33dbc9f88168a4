"""The reminder scheduler (APScheduler 3.x) — exactly one per deployment.

How to deploy it (for the README):

* ``tracker serve`` (waitress, one process) embeds a BackgroundScheduler unless
  ``TRACKER_SCHEDULER=off``.
* gunicorn (or any server with several worker processes): never start a scheduler in the
  workers — APScheduler's authors warn against one scheduler per worker. Set
  ``TRACKER_SCHEDULER=off`` for the web processes and run ``tracker scheduler`` as a process of its
  own (a systemd unit, supervisor, a Windows service…). An embedded start inside a gunicorn worker
  is refused anyway.
* The Werkzeug debug reloader runs the app in a parent and a child process: the embedded
  scheduler starts only in the child (``WERKZEUG_RUN_MAIN == "true"``), never in a debug parent.
* Nothing starts at import time; only ``start_scheduler()`` starts anything.

Exactly one: before starting, the process takes a lock that it holds for its whole life.
PostgreSQL: ``pg_try_advisory_lock(LOCK_KEY)`` on a dedicated connection (the server releases it
when that connection closes, so a killed process frees it). SQLite: a ``filelock.FileLock`` next to
the database file, ``<db>.scheduler.lock`` (the operating system releases it when the process
dies). A second copy finds the lock taken: ``tracker scheduler`` exits 1 with a message,
``tracker serve`` logs it and serves without a scheduler.

Jobs, in Asia/Shanghai time: the reminders daily at TRACKER_REMIND_AT for today's Beijing date (the
job itself does nothing on non-working days), then delivery; delivery retried every 10 minutes; every
minute, the big workbooks (reports/report_jobs.py) whose web process went away before building them.
Both coalesce, run one instance at a time and may start late (a late reminder beats none). The
job is idempotent, so a process started after today's time runs it shortly after start: a restart
at 10:00 does not lose the day, and never sends twice.
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from filelock import FileLock, Timeout
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ..law.workdays import BEIJING
from ..reminders.job import run_and_deliver
from ..reports.report_jobs import resume_orphaned_jobs
from .errors import TrackerError
from .mail import deliver_pending

LOCK_KEY = 4_620_211_905_350_081  # pg advisory lock id of "the tracker scheduler"; any constant, never changed
RETRY_MINUTES = 10
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600}
STARTUP_DELAY = timedelta(seconds=30)
log = logging.getLogger(__name__)


class SchedulerLocked(TrackerError):
    def __init__(self, where: str):
        super().__init__(f"另一个提醒调度器已在运行（{where}），本进程不再启动调度器。")


class FileSchedulerLock:
    def __init__(self, path: Path):
        self.where = f"文件锁 {path}"
        self._lock = FileLock(str(path), timeout=0, thread_local=False)

    def acquire(self) -> bool:
        try:
            self._lock.acquire()
        except Timeout:
            return False
        return True

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()


class PostgresSchedulerLock:
    """A session-level advisory lock on a connection of its own, outside the application's pool."""

    def __init__(self, url: str):
        self.where = f"PostgreSQL 咨询锁 {LOCK_KEY}"
        # Autocommit: the lock belongs to the connection's session, no transaction has to hold it.
        self._engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._connection = None

    def acquire(self) -> bool:
        connection = self._engine.connect()
        held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar()
        if not held:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        finally:
            connection.close()
            self._engine.dispose()


def scheduler_lock(app: Flask) -> FileSchedulerLock | PostgresSchedulerLock:
    return lock_for(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)


def lock_for(uri: str, instance_path: str) -> FileSchedulerLock | PostgresSchedulerLock:
    url = make_url(uri)
    if url.get_backend_name() == "postgresql":
        return PostgresSchedulerLock(uri)
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:"):
        return FileSchedulerLock(Path(database).resolve().with_name(Path(database).name + ".scheduler.lock"))
    return FileSchedulerLock(Path(instance_path) / "scheduler.lock")


def start_scheduler(app: Flask, blocking: bool, on_start: Callable[[], None] | None = None,
                    held_lock: FileSchedulerLock | PostgresSchedulerLock | None = None) -> BaseScheduler | None:
    """Start the one scheduler of the deployment, or return None (non-blocking) when it must not run here.

    Blocking mode (``tracker scheduler``) raises SchedulerLocked when another process holds the lock,
    and returns only after the scheduler has shut down. `held_lock`: a lock the caller already took.
    """
    if not blocking and (refusal := _embedded_refusal(app)):
        log.warning(refusal)
        return None
    lock = held_lock or scheduler_lock(app)
    if held_lock is None and not lock.acquire():
        if blocking:
            raise SchedulerLocked(lock.where)
        log.warning(SchedulerLocked(lock.where).message + "本进程只提供网页服务。")
        return None
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=BEIJING, job_defaults=JOB_DEFAULTS)
    scheduler.add_listener(lambda _event: lock.release(), EVENT_SCHEDULER_SHUTDOWN)
    add_jobs(scheduler, app)
    if on_start is not None:
        on_start()
    try:
        scheduler.start()
    except BaseException:
        lock.release()
        raise
    return scheduler


def add_jobs(scheduler: BaseScheduler, app: Flask, now: datetime | None = None) -> None:
    now = now or datetime.now(BEIJING)
    hour, minute = app.config["REMIND_AT"]
    todays_run = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    catch_up = now + STARTUP_DELAY if now > todays_run else None
    scheduler.add_job(daily_reminders, "cron", args=[app], id="reminders", name="期限提醒",
                      hour=hour, minute=minute, replace_existing=True,
                      **({"next_run_time": catch_up} if catch_up else {}))
    scheduler.add_job(retry_delivery, "interval", args=[app], id="outbox", name="发件箱重试",
                      minutes=RETRY_MINUTES, next_run_time=now + 2 * STARTUP_DELAY, replace_existing=True)
    scheduler.add_job(resume_orphaned_jobs, "interval", args=[app], id="report_jobs", name="接续后台报告",
                      minutes=1, next_run_time=now + STARTUP_DELAY, replace_existing=True)


def daily_reminders(app: Flask) -> None:
    report, delivery = run_and_deliver(app)
    for line in report.lines() + ([delivery.summary()] if delivery else []):
        log.info(line)


def retry_delivery(app: Flask) -> None:
    report = deliver_pending(app)
    if report.handled or report.released:
        log.info(report.summary())


def _embedded_refusal(app: Flask) -> str:
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return "调试模式的重载器父进程不启动提醒调度器（只在子进程中启动）。"
    if "gunicorn" in sys.modules:
        return "gunicorn 工作进程中不启动提醒调度器：请设置 TRACKER_SCHEDULER=off，并单独运行 `tracker scheduler`。"
    return ""
