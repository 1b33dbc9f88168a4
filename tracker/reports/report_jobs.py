"""Big report downloads built in the background (DESIGN.md §10.6, issue 19).

A national workbook (3 000 counties) takes tens of seconds to build: the web request only queues a
ReportJob and answers at once with a page that follows its progress; a background thread of the
process that took the request builds the file into the instance folder, committing the progress
after each group of counties (so any web process shows it), and the page then links to the file,
which is sent from disk. Like the OCR reading (ocr/jobs.py): one build at a time per process, and a
build cut off by a restart is shown as stale and may be asked for again.

Queuing changes data, so only a POST does it. A job records the digest of the revision tokens
(core/revisions.py) of what the workbook reads (`data_key`): while they are unchanged, a finished file
of the same day is offered again instead of built again; once they moved, that file is outdated —
offered to no one, removed — and the next request builds a new one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, or_, select, true, update

from ..campaigns.models import Campaign, Target
from ..core import unit_of_work
from ..core.revisions import CALENDAR, EVERY, SHARED, TARGET, current_tokens, pending_scopes
from ..core.db import sqlite_begin_mode, utcnow
from ..extensions import db
from .files import part_count, safe_filename, write_campaign_xlsx
from .models import ReportJob

STALE_AFTER = timedelta(minutes=15)  # no progress for that long: the process that built it is gone
# Queued and never started, or started and silent that long (a build writes progress every few seconds):
# the web process that took it went away — a gunicorn worker recycled — and the scheduler builds it.
ORPHANED_AFTER = timedelta(minutes=2)
KEEP_FOR = timedelta(days=1)  # finished files are removed after a day (a new job clears them)
log = logging.getLogger(__name__)
_one_at_a_time = threading.Semaphore(1)
_threads: list[threading.Thread] = []


def report_dir() -> Path:
    directory = Path(current_app.instance_path) / "report_jobs"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def is_big(campaign: Campaign) -> bool:
    """Whether the campaign's workbook is built as a job rather than inside the request (counted, not
    loaded: the overview asks it on every page)."""
    count = db.session.scalar(select(func.count()).select_from(Target).where(Target.campaign_id == campaign.id))
    return count > current_app.config.get("REPORT_JOB_TARGETS", 200)


def is_stale(job: ReportJob) -> bool:
    return not job.finished and job.updated_at is not None and utcnow() - job.updated_at > STALE_AFTER


def data_key(campaign: Campaign, today: date) -> str | None:
    """The digest of what the campaign's workbook of `today` reads, as kept_reports.py keys a county's
    report: every county's token, the bulk and shared ones — and the calendar's, since the day may lie
    after today, where a calendar change renews no county. The name is printed and renews no token;
    the ids see a county added or removed. None: this transaction's changes are under no token yet."""
    if pending_scopes() & {SHARED, CALENDAR, TARGET}:
        return None
    ids = sorted(db.session.scalars(select(Target.id).where(Target.campaign_id == campaign.id)))
    tokens = current_tokens([(SHARED, EVERY), (CALENDAR, EVERY), (TARGET, EVERY), *((TARGET, i) for i in ids)])
    text = json.dumps([campaign.name, today.isoformat(), ids, list(tokens.values())], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def current_job(campaign: Campaign, today: date, key: str | None = None) -> ReportJob | None:
    """The newest job that serves the campaign's workbook of `today` as the data is now: under way, or
    finished with its file still there — both built from the tokens of now (`key`, read if not given)."""
    key = data_key(campaign, today) if key is None else key
    if key is None:
        return None
    candidates = db.session.scalars(select(ReportJob).where(
        ReportJob.campaign_id == campaign.id, ReportJob.kind == "xlsx", ReportJob.business_date == today,
        ReportJob.data_key == key, ReportJob.status.in_(("queued", "running", "done")))
        .order_by(ReportJob.id.desc()))
    return next((job for job in candidates if job_file(job) is not None or not (job.finished or is_stale(job))), None)


def is_current(job: ReportJob, campaign: Campaign) -> bool:
    """Whether a finished job's file still holds the data as it is now (else it is not offered)."""
    return job.status == "done" and job.data_key is not None and job.data_key == data_key(campaign, job.business_date)


def queue_xlsx(actor, campaign: Campaign, today: date) -> tuple[ReportJob, bool]:
    """(the job serving this campaign's workbook for `today`, whether it is new): one under way or a file
    built from the same data is reused (a second click, a colleague: no second build); the day's files
    built from older data are outdated. The caller commits, then starts a new one."""
    _remove_old_jobs(campaign.id)
    key = data_key(campaign, today)
    reused = current_job(campaign, today, key)
    if reused is not None:
        return reused, False
    _outdate_files(campaign.id, today)
    job = ReportJob(campaign_id=campaign.id, kind="xlsx", business_date=today, status="queued", data_key=key,
                    parts_total=part_count(campaign) + 1, created_by_id=getattr(actor, "id", None),
                    download_name=safe_filename(f"{campaign.name}评分表", ".xlsx"))
    db.session.add(job)
    db.session.flush()
    return job, True


def _outdate_files(campaign_id: int, today: date) -> None:
    """The day's finished files that did not serve (built from older data, or lost): marked outdated so
    no page offers them, and removed once that is committed."""
    finished = db.session.scalars(select(ReportJob).where(
        ReportJob.campaign_id == campaign_id, ReportJob.business_date == today, ReportJob.status == "done"))
    for job in finished:
        _remove_file_when_committed(job.stored_name)
        job.status, job.stored_name, job.message = "outdated", None, "数据已变化，此文件已作废"


def _remove_old_jobs(campaign_id: int) -> None:
    old = db.session.scalars(select(ReportJob).where(ReportJob.campaign_id == campaign_id,
                                                     ReportJob.updated_at < utcnow() - KEEP_FOR))
    for job in old:
        _remove_file_when_committed(job.stored_name)
        db.session.delete(job)


def _remove_file_when_committed(stored_name: str | None) -> None:
    if stored_name:
        path = report_dir() / stored_name
        unit_of_work.when_committed(lambda: path.unlink(missing_ok=True))


def start(app: Flask, job_id: int) -> threading.Thread:
    """Build the job's file in a background thread (call once the job's row is committed)."""
    thread = threading.Thread(target=_run, args=(app, job_id), name=f"report-job-{job_id}", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()
    return thread


def wait_all(timeout: float = 300.0) -> None:
    """Wait for the builds started by this process (tests)."""
    for thread in list(_threads):
        thread.join(timeout)


def _run(app: Flask, job_id: int) -> None:
    with _one_at_a_time, app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def run_job(job_id: int, orphaned_before: datetime | None = None) -> bool:
    """Build the workbook in a read-only transaction: on SQLite a write transaction would hold the
    database's one write lock for the whole build and every page that saves would wait or fail.
    Progress is written beside it, each step in a short transaction of its own. Only the builder that
    claims the job builds it: a queued one, or (`orphaned_before`, the scheduler) one whose builder went
    silent before that moment. Whether this call claimed (and so built) it."""
    db.session.rollback()  # a job starts its own read, whatever transaction its caller's session had open
    token = sqlite_begin_mode.set("DEFERRED")
    try:
        if not _claim(job_id, orphaned_before):
            return False
        _build(db.session.get(ReportJob, job_id))
        return True
    finally:
        db.session.rollback()
        sqlite_begin_mode.reset(token)


def _claim(job_id: int, orphaned_before: datetime | None) -> bool:
    """Mark the job running if it is still to be built by us — in one conditional UPDATE, so that two
    builders (a web process and the scheduler) never both take it."""
    waiting = ReportJob.status == "queued"
    if orphaned_before is not None:
        waiting = or_(waiting, ReportJob.status == "running") & (ReportJob.updated_at < orphaned_before)
    return _write_apart(job_id, waiting, status="running", parts_done=0, message="") == 1


def resume_orphaned_jobs(app: Flask) -> list[int]:
    """The scheduler's round: build, one after the other, the jobs whose web process went away
    (ORPHANED_AFTER); the ids it built. Jobs under way elsewhere are left to their builder."""
    with app.app_context():
        try:
            cutoff = utcnow() - ORPHANED_AFTER
            ids = list(db.session.scalars(select(ReportJob.id).where(
                ReportJob.status.in_(("queued", "running")), ReportJob.updated_at < cutoff).order_by(ReportJob.id)))
            db.session.rollback()
            built = []
            for job_id in ids:
                with _one_at_a_time:
                    if run_job(job_id, orphaned_before=cutoff):
                        built.append(job_id)
            return built
        finally:
            db.session.remove()


def _build(job: ReportJob) -> None:
    stored = secrets.token_hex(16)
    path = report_dir() / stored
    try:
        campaign = db.session.get(Campaign, job.campaign_id)
        write_campaign_xlsx(campaign, job.business_date, path, lambda done: _update(job.id, parts_done=done))
    except Exception as error:  # noqa: BLE001 — a job records its failure, never dies silently
        log.exception("report job %s failed", job.id)
        path.unlink(missing_ok=True)
        message = (getattr(error, "message", "") or "生成报告时出错，请重试或联系管理员。")[:500]
        _update(job.id, status="failed", message=message)
        return
    _update(job.id, status="done", parts_done=job.parts_total, stored_name=stored, size=path.stat().st_size)


def _update(job_id: int, **values) -> None:
    """One progress step (the page that follows the job sees it at once)."""
    _write_apart(job_id, true(), **values)


def _write_apart(job_id: int, condition, **values) -> int:
    """Set `values` on the job where `condition` holds, committed at once on a connection of its own
    (the build's read transaction goes on); how many rows it changed (0 or 1)."""
    token = sqlite_begin_mode.set("IMMEDIATE")
    try:
        with db.engine.begin() as connection:
            return connection.execute(update(ReportJob).where(ReportJob.id == job_id, condition)
                                      .values(**values, updated_at=utcnow())).rowcount
    finally:
        sqlite_begin_mode.reset(token)


def job_file(job: ReportJob) -> Path | None:
    """The finished file, if it is still there."""
    if job.status != "done" or not job.stored_name:
        return None
    path = report_dir() / job.stored_name
    return path if path.exists() else None
