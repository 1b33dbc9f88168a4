"""Exactly one scheduler per deployment: the lock, the jobs, and two `tracker scheduler` processes."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker.core import scheduler as sched
from tracker.extensions import db
from tracker.law.workdays import BEIJING

from .conftest import load_requests, online_request

ROOT = Path(__file__).resolve().parents[2]
LOCKED_MESSAGE = "另一个提醒调度器已在运行"


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def test_the_lock_matches_the_database(app):
    lock = sched.scheduler_lock(app)
    if is_postgres(app):
        assert isinstance(lock, sched.PostgresSchedulerLock)
    else:
        assert isinstance(lock, sched.FileSchedulerLock)
        database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        assert lock.where.endswith(database + ".scheduler.lock")


def test_a_second_lock_is_refused_until_the_first_is_released(app):
    first, second = sched.scheduler_lock(app), sched.scheduler_lock(app)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_embedded_scheduler_starts_once_and_releases_the_lock(app, caplog):
    scheduler = sched.start_scheduler(app, blocking=False)
    assert isinstance(scheduler, BackgroundScheduler)
    try:
        assert str(scheduler.timezone) == "Asia/Shanghai"
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"reminders", "outbox", "report_jobs"}
        assert isinstance(jobs["reminders"].trigger, CronTrigger)
        assert isinstance(jobs["outbox"].trigger, IntervalTrigger)
        assert jobs["report_jobs"].trigger.interval.total_seconds() == 60
        for job in jobs.values():
            assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time >= 3600
        with caplog.at_level(logging.WARNING, logger="tracker.core.scheduler"):
            assert sched.start_scheduler(app, blocking=False) is None
        assert LOCKED_MESSAGE in caplog.text
        with pytest.raises(sched.SchedulerLocked):
            sched.start_scheduler(app, blocking=True)
    finally:
        scheduler.shutdown(wait=False)
    again = sched.start_scheduler(app, blocking=False)
    assert again is not None
    again.shutdown(wait=False)


def test_daily_job_runs_at_remind_at_and_catches_up_after_a_late_start(app):
    early = datetime(2020, 10, 9, 7, 0, tzinfo=sched.BEIJING)
    late = datetime(2020, 10, 9, 11, 0, tzinfo=sched.BEIJING)
    for now in (early, late):
        scheduler = BackgroundScheduler(timezone=sched.BEIJING, job_defaults=sched.JOB_DEFAULTS)
        sched.add_jobs(scheduler, app, now=now)
        scheduler.start(paused=True)
        try:
            job = scheduler.get_job("reminders")
            assert job.trigger.get_next_fire_time(None, early) == datetime(2020, 10, 9, 9, 0, tzinfo=sched.BEIJING)
            if now is late:  # past today's 09:00: run shortly after start instead of waiting for tomorrow
                assert job.next_run_time == late + sched.STARTUP_DELAY
            else:
                assert (job.next_run_time.hour, job.next_run_time.minute) == app.config["REMIND_AT"]
        finally:
            scheduler.shutdown(wait=False)


def test_no_embedded_scheduler_in_a_debug_reloader_parent(app, monkeypatch):
    monkeypatch.setattr(app, "debug", True)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert sched.start_scheduler(app, blocking=False) is None
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    scheduler = sched.start_scheduler(app, blocking=False)
    assert scheduler is not None
    scheduler.shutdown(wait=False)


def test_the_daily_job_sends_todays_reminders(app, smtp, monkeypatch):
    load_requests(app, [online_request("A", date(2020, 10, 10))])
    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2020, 10, 10, 9, 0, tzinfo=BEIJING))  # the one clock
    sched.daily_reminders(app)
    sched.retry_delivery(app)
    assert [r.subject for r in smtp.received] == ["【政务公开考评】1 项模拟申请需要处理（2020年10月10日）"]


def _scheduler_process() -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-c", "from tracker.cli import main; main()", "scheduler"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow  # starts two processes (3.1 s)
def test_two_scheduler_processes_one_keeps_running_the_other_exits(app):
    with app.app_context():
        db.session.remove()  # the processes use the same database: no transaction of ours stays open
    processes = [_scheduler_process(), _scheduler_process()]
    try:
        # The loser gives up as soon as it finds the lock taken, before building an app (about 1–2 s).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and all(p.poll() is None for p in processes):
            time.sleep(0.1)
        exited = [p for p in processes if p.poll() is not None]
        assert len(exited) == 1, "exactly one of the two must give up"
        loser = exited[0]
        winner = processes[1 - processes.index(loser)]
        _, err = loser.communicate(timeout=5)
        assert loser.returncode == 1
        assert err.strip().count("\n") == 0 and LOCKED_MESSAGE in err, err
        time.sleep(0.3)
        assert winner.poll() is None, "the first scheduler must keep running"
        probe = sched.scheduler_lock(app)
        stolen = probe.acquire()
        if stolen:
            probe.release()
        assert not stolen, "the running scheduler holds the lock"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)
