"""Big downloads do not hold a web worker (DESIGN.md §10.6, issue 19): a big campaign's workbook is a
background job with progress and a link; the JSON report is streamed a group of counties at a time."""
from __future__ import annotations

import json
import re
from io import BytesIO

import sqlite3

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from .conftest import TODAY

XLSX = "/campaigns/{c}/report.xlsx?today=2020-11-30"
QUEUE = "/campaigns/{c}/report-jobs"


def queue(browser, campaign_id, today="2020-11-30"):
    """The button of the download page: a POST with the CSRF token (Browserless adds it)."""
    return browser.post(QUEUE.format(c=campaign_id), data={"today": today})


def jobs(app) -> list:
    from tracker.extensions import db
    from tracker.reports.models import ReportJob

    with app.app_context():
        return [(job.id, job.status, job.business_date.isoformat())
                for job in db.session.scalars(select(ReportJob).order_by(ReportJob.id))]


@pytest.fixture
def big(app):
    """Every campaign counts as big: its workbook is built as a job."""
    app.config["REPORT_JOB_TARGETS"] = 1
    yield app
    app.config.pop("REPORT_JOB_TARGETS")


@pytest.fixture
def not_started(monkeypatch):
    """The jobs the request queued, not run: what the request itself does, alone."""
    from tracker.reports import report_jobs

    started: list[int] = []
    monkeypatch.setattr(report_jobs, "start", lambda _app, job_id: started.append(job_id))
    return started


def test_big_workbook_is_queued_not_built_in_the_request(big, login, campaign_id, not_started, monkeypatch):
    from tracker.reports import files, xlsx

    def refuse(*_args, **_kwargs):
        raise AssertionError("the request built the workbook")

    monkeypatch.setattr(xlsx, "build_workbook", refuse)
    monkeypatch.setattr(files, "build_workbook_in_parts", refuse)
    browser = login("reviewer")
    response = queue(browser, campaign_id)
    assert response.status_code == 302 and "/report-jobs/" in response.headers["Location"]
    assert len(not_started) == 1
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "排队等待生成" in page and 'http-equiv="refresh"' in page and "report-job-file" not in page
    again = queue(browser, campaign_id)  # a second click follows the same job
    assert again.headers["Location"] == response.headers["Location"] and len(not_started) == 1


def test_a_get_queues_nothing_and_offers_the_button(big, app, login, campaign_id, not_started):
    """Queuing changes data: a GET (a link followed, a prefetch) never does it; the page has the button."""
    browser = login("evaluator")
    response = browser.get(XLSX.format(c=campaign_id))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and jobs(app) == [] and not_started == []
    form = re.search(r'<form[^>]*id="report-job-queue".*?</form>', page, re.S).group(0)
    assert 'method="post"' in form and f'action="/campaigns/{campaign_id}/report-jobs"' in form
    assert 'name="csrf_token"' in form and 'name="today" value="2020-11-30"' in form
    overview = browser.get(f"/campaigns/{campaign_id}/report?today=2020-11-30").get_data(as_text=True)
    assert 'id="report-job-queue"' in overview and f"/campaigns/{campaign_id}/report.xlsx" not in overview
    without_token = browser.client.post(QUEUE.format(c=campaign_id), data={"today": "2020-11-30"})
    assert without_token.status_code == 400 and jobs(app) == [] and not_started == []


@pytest.mark.parametrize("today", ["", " ", "2020-02-30", "0000-00-00", "1900-01-01", "9999-12-31", "<script>",
                                   "長" * 3000, "\x00", "2020-11-30T25:61"])
def test_bad_days_posted_to_the_queue_never_give_a_500(big, app, login, campaign_id, not_started, today):
    """The queue button's one field, fuzzed (its form shows only for a big campaign, so the crawling fuzzer of
    tests/robustness/test_bad_input.py does not reach it): a clear refusal or a job, never a crash."""
    response = queue(login("evaluator"), campaign_id, today)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert jobs(app) == [] and not_started == []


def test_a_small_campaign_posted_is_sent_to_the_download(app, login, campaign_id, not_started):
    response = queue(login("evaluator"), campaign_id)
    assert response.status_code == 302 and "/report.xlsx?today=2020-11-30" in response.headers["Location"]
    assert jobs(app) == [] and not_started == []


def test_a_finished_job_is_reused_while_nothing_it_reads_changed(big, app, login, campaign_id, not_started):
    from tracker.reports import report_jobs

    browser = login("evaluator")
    location = queue(browser, campaign_id).headers["Location"]
    with app.app_context():
        report_jobs.run_job(not_started[0])
    again = queue(login("reviewer"), campaign_id)  # another user, the same day, the same data
    assert again.headers["Location"] == location and len(not_started) == 1
    offer = browser.get(XLSX.format(c=campaign_id)).get_data(as_text=True)
    assert f'href="{location}/file"' in offer  # the download page offers the file already built
    other_day = queue(browser, campaign_id, today="2020-12-01")
    assert other_day.headers["Location"] != location and len(not_started) == 2


def test_a_change_to_what_the_report_reads_outdates_the_file(big, app, login, campaign_id, not_started):
    from tracker.campaigns.models import Target
    from tracker.extensions import db
    from tracker.reports import report_jobs

    browser = login("evaluator")
    location = queue(browser, campaign_id).headers["Location"]
    with app.app_context():
        report_jobs.run_job(not_started[0])
        old_file = report_jobs.job_file(db.session.get(report_jobs.ReportJob, not_started[0]))
        target = db.session.scalars(select(Target).where(Target.campaign_id == campaign_id)).first()
        target.notes = "补充说明：数据已更正"  # a county's data: its token is renewed at the commit
        db.session.commit()
    page = browser.get(location).get_data(as_text=True)
    assert "数据已变化" in page and "report-job-file" not in page and 'id="report-job-queue"' in page
    not_current = browser.get(location + "/file")
    assert not_current.status_code == 302 and not_current.headers["Location"].endswith(location)
    fresh = queue(browser, campaign_id)
    assert fresh.headers["Location"] != location and len(not_started) == 2
    assert [status for _id, status, _day in jobs(app)] == ["outdated", "queued"]
    assert not old_file.exists()  # an outdated file is offered to no one: removed with the change
    assert "数据已变化" in browser.get(location).get_data(as_text=True)


def test_a_rename_outdates_the_file_though_it_renews_no_token(big, app, login, campaign_id, not_started):
    """The workbook prints the campaign's name; a rename renews no county's token (campaigns/models.py)."""
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports import report_jobs

    browser = login("evaluator")
    location = queue(browser, campaign_id).headers["Location"]
    with app.app_context():
        report_jobs.run_job(not_started[0])
        db.session.get(Campaign, campaign_id).name = "武威市2020年考评（更名）"
        db.session.commit()
    assert queue(browser, campaign_id).headers["Location"] != location and len(not_started) == 2


def test_finished_job_links_the_workbook(big, app, login, campaign_id, not_started):
    from tracker.reports import report_jobs

    browser = login("evaluator")
    location = queue(browser, campaign_id).headers["Location"]
    with app.app_context():
        report_jobs.run_job(not_started[0])
    page = browser.get(location).get_data(as_text=True)
    assert "已生成" in page and "report-job-file" in page and 'http-equiv="refresh"' not in page
    response = browser.get(location + "/file")
    assert response.status_code == 200 and "attachment;" in response.headers["Content-Disposition"]
    data = response.data
    response.close()
    assert load_workbook(BytesIO(data)).sheetnames == ["汇总", "凉州区", "民勤县"]


def test_job_records_progress_per_part(big, app, campaign_id, monkeypatch):
    from tracker.extensions import db
    from tracker.reports import files, report_jobs
    from tracker.reports.models import ReportJob

    monkeypatch.setattr(files, "PART_TARGETS", 1)  # two counties: two parts, then the save
    seen: list[tuple[int, int]] = []
    original = report_jobs._update

    def spy(job_id, **values):  # what another process reads once the step is written
        original(job_id, **values)
        with db.engine.connect() as connection:
            seen.append(tuple(connection.execute(
                select(ReportJob.parts_done, ReportJob.parts_total).where(ReportJob.id == job_id)).one()))

    monkeypatch.setattr(report_jobs, "_update", spy)
    with app.app_context():
        from tracker.campaigns.models import Campaign

        job, _new = report_jobs.queue_xlsx(None, db.session.get(Campaign, campaign_id), TODAY)
        db.session.commit()
        report_jobs.run_job(job.id)
        job = db.session.get(ReportJob, job.id)
        assert job.status == "done" and report_jobs.job_file(job) is not None
    assert seen == [(1, 3), (3, 3)]  # after the claim, which marked it running at 0 parts


def test_failed_job_says_so_and_offers_a_new_one(big, app, login, campaign_id, not_started, monkeypatch):
    from tracker.core.errors import TrackerError
    from tracker.reports import report_jobs

    def fail(*_args):
        raise TrackerError("磁盘已满")

    monkeypatch.setattr(report_jobs, "write_campaign_xlsx", fail)
    browser = login("reviewer")
    location = queue(browser, campaign_id).headers["Location"]
    with app.app_context():
        report_jobs.run_job(not_started[0])
    page = browser.get(location).get_data(as_text=True)
    assert "生成失败" in page and "磁盘已满" in page and "重新生成" in page
    again = re.search(r'<form[^>]*id="report-job-queue".*?</form>', page, re.S).group(0)  # a button, not a link
    assert 'method="post"' in again and 'name="csrf_token"' in again
    not_ready = browser.get(location + "/file")  # no file: back to the progress page, which says why
    assert not_ready.status_code == 302 and not_ready.headers["Location"].endswith(location)
    assert queue(browser, campaign_id).headers["Location"] != location  # a new job


def test_a_job_of_another_campaign_is_404(big, login, campaign_id, not_started):
    browser = login("reviewer")
    location = queue(browser, campaign_id).headers["Location"]
    assert browser.get(location.replace(f"/campaigns/{campaign_id}/", "/campaigns/999/")).status_code == 404


def test_small_campaign_still_downloads_at_once(login, campaign_id):
    response = login("reviewer").get(XLSX.format(c=campaign_id))
    assert response.status_code == 200 and "attachment;" in response.headers["Content-Disposition"]


def test_streamed_json_is_the_report_text(app, campaign, monkeypatch):
    from tracker.reports import json_report

    whole = json.dumps(json_report.report_json(campaign, TODAY), ensure_ascii=False, indent=2)
    monkeypatch.setattr(json_report, "PART_TARGETS", 1)
    chunks = list(json_report.stream_report_json(campaign, TODAY))
    assert "".join(chunks) == whole
    assert len(chunks) >= 4  # the heading, then each county as its own group



def test_a_part_that_comes_back_empty_keeps_the_json_whole(app, campaign, monkeypatch):
    """A county removed while the report streams: its part is empty, the text still parses."""
    from tracker.reports import json_report

    monkeypatch.setattr(json_report, "PART_TARGETS", 1)
    original = json_report._target_parts

    def first_part_gone(*args):
        parts = original(*args)
        next(parts)
        yield []
        yield from parts

    monkeypatch.setattr(json_report, "_target_parts", first_part_gone)
    text = "".join(json_report.stream_report_json(campaign, TODAY))
    assert [target["name"] for target in json.loads(text)["targets"]] == ["民勤县"]

def test_json_download_is_streamed(login, campaign_id, monkeypatch):
    from tracker.reports import json_report

    monkeypatch.setattr(json_report, "PART_TARGETS", 1)
    response = login("evaluator").get(f"/campaigns/{campaign_id}/report.json?today=2020-11-30", buffered=False)
    assert response.is_streamed
    text = b"".join(response.response)
    response.close()
    assert [t["name"] for t in json.loads(text)["targets"]] == ["凉州区", "民勤县"]


def test_a_new_job_removes_the_files_of_jobs_older_than_a_day(big, app, campaign_id, monkeypatch):
    from datetime import timedelta

    from tracker.campaigns.models import Campaign
    from tracker.core import unit_of_work
    from tracker.core.db import utcnow
    from tracker.extensions import db
    from tracker.reports import report_jobs
    from tracker.reports.models import ReportJob

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        ids = []
        for day in (TODAY, TODAY + timedelta(days=1)):  # two days: two jobs (one day's finished job is reused)
            job, _new = report_jobs.queue_xlsx(None, campaign, day)
            unit_of_work.save()
            report_jobs.run_job(job.id)
            ids.append(job.id)
        old = [report_jobs.job_file(db.session.get(ReportJob, ident)) for ident in ids]
        for ident in ids:
            db.session.get(ReportJob, ident).updated_at = utcnow() - timedelta(days=2)
        unit_of_work.save()
        assert all(path.exists() for path in old)
        report_jobs.queue_xlsx(None, campaign, TODAY)
        unit_of_work.save()  # the files go once the change is committed, as the view commits it
        assert not any(path.exists() for path in old)
        assert db.session.query(ReportJob).count() == 1


def test_the_build_leaves_sqlites_write_lock_free(big, app, campaign_id, monkeypatch):
    """Pages keep saving while a big workbook is built: the build only reads."""
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports import report_jobs

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's one write lock")
    original = report_jobs.write_campaign_xlsx
    writes: list[str] = []

    def build_while_a_page_saves(*args):
        other = sqlite3.connect(db.engine.url.database, timeout=0)  # a page's write, not willing to wait
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writes.append("saved")
        except sqlite3.OperationalError as error:
            writes.append(str(error))
        finally:
            other.close()
        return original(*args)

    monkeypatch.setattr(report_jobs, "write_campaign_xlsx", build_while_a_page_saves)
    with app.app_context():
        job, _new = report_jobs.queue_xlsx(None, db.session.get(Campaign, campaign_id), TODAY)
        db.session.commit()
        report_jobs.run_job(job.id)
    assert writes == ["saved"]


# ---------------------------------------------------------------------------- jobs whose web process went away

def _age(app, job_id: int, minutes: int, status: str | None = None) -> None:
    """Make the job look `minutes` old (and `status`), as if its web process had gone away since."""
    from datetime import timedelta

    from sqlalchemy import update

    from tracker.core.db import utcnow
    from tracker.extensions import db
    from tracker.reports.models import ReportJob

    with app.app_context():
        values = {"updated_at": utcnow() - timedelta(minutes=minutes)} | ({"status": status} if status else {})
        db.session.execute(update(ReportJob).where(ReportJob.id == job_id).values(**values))
        db.session.commit()


def test_the_scheduler_builds_a_job_its_web_process_never_started(big, app, login, campaign_id, not_started):
    from tracker.reports import report_jobs

    queue(login("evaluator"), campaign_id)
    (job_id,) = not_started  # queued by the request; its worker was recycled before the thread ran
    assert report_jobs.resume_orphaned_jobs(app) == []  # just queued: left to the process that took it
    _age(app, job_id, 3)
    assert report_jobs.resume_orphaned_jobs(app) == [job_id]
    assert jobs(app) == [(job_id, "done", "2020-11-30")]
    with app.app_context():
        from tracker.extensions import db
        from tracker.reports.models import ReportJob

        assert report_jobs.job_file(db.session.get(ReportJob, job_id)) is not None


def test_a_build_silent_too_long_is_built_again_and_a_live_one_is_left(big, app, login, campaign_id, not_started):
    from tracker.reports import report_jobs

    queue(login("evaluator"), campaign_id)
    (job_id,) = not_started
    _age(app, job_id, 1, status="running")  # progress a minute ago: its builder is alive
    assert report_jobs.resume_orphaned_jobs(app) == [] and jobs(app)[0][1] == "running"
    _age(app, job_id, 3, status="running")  # silent three minutes: the worker died mid-build
    assert report_jobs.resume_orphaned_jobs(app) == [job_id]
    assert jobs(app)[0][1] == "done"


def test_a_job_is_built_by_one_builder_only(big, app, login, campaign_id, not_started, monkeypatch):
    """The web thread and the scheduler both reach for the job: the one that claims it builds it."""
    from tracker.reports import files, report_jobs

    queue(login("evaluator"), campaign_id)
    (job_id,) = not_started
    builds = []
    real = files.write_campaign_xlsx
    monkeypatch.setattr(report_jobs, "write_campaign_xlsx", lambda *a: builds.append(1) or real(*a))
    with app.app_context():
        report_jobs.run_job(job_id)  # the web process's thread claims and builds it
        report_jobs.run_job(job_id)  # a late second start: nothing to claim
    _age(app, job_id, 3)
    assert report_jobs.resume_orphaned_jobs(app) == [] and builds == [1]  # done: no builder takes it again
