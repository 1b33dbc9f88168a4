"""Score reports, 依申请公开 statistics and the annual-report table (read-only, any logged-in role)."""
from __future__ import annotations

import itertools
import os
import tempfile
import unicodedata
from datetime import date
from urllib.parse import quote
from io import BytesIO

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file,
                   stream_with_context, url_for)
from flask_login import current_user

from ..campaigns.access import get_campaign
from ..campaigns.views import get_target
from ..core.auth import staff_required
from ..core import unit_of_work
from ..core.heap import collector_paused
from ..extensions import db
from ..core.errors import TrackerError, ValidationError
from ..scoring.rubric_store import get_rubric
from .annual import COLUMNS
from .annual import annual_table as build_annual_table
from .files import safe_filename
from .html import render_print_html
from .json_report import stream_report_json
from .overview import CHART_NAMES, overview_page
from . import report_jobs
from .kept_reports import kept_sheet_reports
from .models import ReportJob
from .overview_cache import cached_campaign_overview
from .sheet_model import build_sheet_reports
from .statistics import campaign_statistics
from .stats_tables import sections, status_chart
from .stats_tables import statistics_csv as csv_bytes
from .xlsx import build_workbook
from ..core import clock

bp = Blueprint("reports", __name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_day() -> date:
    """``?today=YYYY-MM-DD`` (or the form's ``today``) makes a report reproducible; the default is today in
    Beijing."""
    value = request.values.get("today", "").strip()
    if not value:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"日期“{value}”无效，应为 YYYY-MM-DD，例如 2020-11-30", "today") from None


def _download(data: bytes, name: str, mimetype: str):
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name,
                     max_age=0)


@bp.get("/campaigns/<int:campaign_id>/report")
@staff_required
def campaign_report(campaign_id: int):
    # One page of the ranking and the charts as images: 300 counties inline were 2.9 MB of HTML
    # (DESIGN.md §10.6: ≤ 600 KB); the charts are drawn once per change and kept with the overview.
    campaign = get_campaign(current_user, campaign_id)
    today = report_day()
    overview = cached_campaign_overview(campaign, today)
    page = overview_page(overview, request.args.get("page"))
    return render_template("reports/overview.html", campaign=campaign, today=today, overview=overview,
                           page=page, chart_names=CHART_NAMES, workbook_job=report_jobs.is_big(campaign))


@bp.get("/campaigns/<int:campaign_id>/report/charts/<name>.svg")
@staff_required
def campaign_chart(campaign_id: int, name: str):
    campaign = get_campaign(current_user, campaign_id)
    if name not in CHART_NAMES:
        abort(404)
    overview = cached_campaign_overview(campaign, report_day())
    if not overview.charts:
        abort(404)
    return Response(str(overview.charts[CHART_NAMES.index(name)]), mimetype="image/svg+xml")


@bp.get("/campaigns/<int:campaign_id>/targets/<int:target_id>/report")
@staff_required
def target_report(campaign_id: int, target_id: int):
    campaign = get_campaign(current_user, campaign_id)
    target = get_target(campaign, target_id)
    reports = build_sheet_reports(campaign, report_day(), target)
    toolbar = [("← 评分报告总览", url_for(".campaign_report", campaign_id=campaign.id)),
               ("下载 Excel", url_for(".target_xlsx", campaign_id=campaign.id, target_id=target.id)),
               ("年报统计表", url_for(".annual_table", campaign_id=campaign.id, target_id=target.id))]
    return render_print_html(reports, standalone=False, toolbar=toolbar)


@bp.get("/campaigns/<int:campaign_id>/report.xlsx")
@staff_required
def campaign_xlsx(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    if report_jobs.is_big(campaign):  # tens of seconds of work: built in the background, asked for by a POST
        today = report_day()
        return _job_page(campaign, report_jobs.current_job(campaign, today), today)
    # The counties' kept reports (the overview's): nothing is scored again while the data is unchanged.
    reports = kept_sheet_reports(campaign, report_day())
    if not reports:
        raise TrackerError("该考评还没有被考评对象，无法导出评分表。")
    return _workbook_download(reports, get_rubric(campaign.rubric_code), f"{campaign.name}评分表", summary=True)


@bp.post("/campaigns/<int:campaign_id>/report-jobs")
@staff_required
def queue_report_job(campaign_id: int):
    """Queue the build of a big campaign's workbook (or follow the job that serves it already)."""
    campaign = get_campaign(current_user, campaign_id)
    today = report_day()
    if not report_jobs.is_big(campaign):  # built inside the request: the download is a plain GET
        return redirect(url_for(".campaign_xlsx", campaign_id=campaign.id, today=today.isoformat()))
    queued = unit_of_work.run(lambda: report_jobs.queue_xlsx(current_user, campaign, today))
    if queued.error is not None:
        raise queued.error
    job, new = queued.value
    if new:
        report_jobs.start(current_app._get_current_object(), job.id)
    return redirect(url_for(".report_job", campaign_id=campaign.id, job_id=job.id))


def _job(campaign_id: int, job_id: int) -> ReportJob:
    campaign = get_campaign(current_user, campaign_id)
    job = db.session.get(ReportJob, job_id)
    if job is None or job.campaign_id != campaign.id:
        abort(404)
    return job


@bp.get("/campaigns/<int:campaign_id>/report-jobs/<int:job_id>")
@staff_required
def report_job(campaign_id: int, job_id: int):
    """The progress of a workbook built in the background; the link to it once it is ready."""
    job = _job(campaign_id, job_id)
    return _job_page(get_campaign(current_user, campaign_id), job, job.business_date)


def _job_page(campaign, job: ReportJob | None, today: date):
    """A job's progress, its file while it holds the data as it is now, and else the button (a POST)
    that builds one; `job` None: no job serves the day yet, only the button."""
    ready = job is not None and report_jobs.job_file(job) is not None
    current = ready and report_jobs.is_current(job, campaign)
    return render_template("reports/report_job.html", campaign=campaign, job=job, today=today, ready=ready,
                           current=current, stale=job is not None and report_jobs.is_stale(job))


@bp.get("/campaigns/<int:campaign_id>/report-jobs/<int:job_id>/file")
@staff_required
def report_job_file(campaign_id: int, job_id: int):
    job = _job(campaign_id, job_id)
    path = report_jobs.job_file(job)
    if path is None or not report_jobs.is_current(job, get_campaign(current_user, campaign_id)):
        # not built yet, removed after a day, or built from data changed since: the progress page says which
        flash("评分表尚未生成或已不是最新数据，请按本页提示下载或重新生成。", "warning")
        return redirect(url_for(".report_job", campaign_id=campaign_id, job_id=job_id))
    return send_file(path, mimetype=XLSX_TYPE, as_attachment=True, download_name=job.download_name, max_age=0)


@bp.get("/campaigns/<int:campaign_id>/targets/<int:target_id>/report.xlsx")
@staff_required
def target_xlsx(campaign_id: int, target_id: int):
    campaign = get_campaign(current_user, campaign_id)
    target = get_target(campaign, target_id)
    reports = build_sheet_reports(campaign, report_day(), target)
    return _workbook_download(reports, get_rubric(campaign.rubric_code), f"{target.name}评分表", summary=False)


def _workbook_download(reports, rubric, name: str, *, summary: bool):
    """The workbook written to a temporary file and sent from it in blocks: a national workbook (tens of
    MB) is never held in memory as bytes. The file is removed once sent, or when the response closes."""
    handle, path = tempfile.mkstemp(prefix="tracker-report-", suffix=".xlsx")
    os.close(handle)
    try:
        with collector_paused():
            workbook, _layout = build_workbook(reports, rubric, summary=summary)
            workbook.save(path)
        size = os.path.getsize(path)
    except BaseException:
        _remove(path)
        raise
    response = Response(_blocks(path), mimetype=XLSX_TYPE, headers={
        "Content-Length": str(size), "Content-Disposition": _attachment(safe_filename(name, ".xlsx"))})
    response.call_on_close(lambda: _remove(path))
    return response


def _blocks(path: str, size: int = 1 << 16):
    # The file is opened only when the body is sent: an unsent response leaves no open file behind.
    try:
        with open(path, "rb") as file:
            while block := file.read(size):
                yield block
    finally:
        _remove(path)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _attachment(name: str) -> str:
    """As send_file writes it: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").strip() or "report.xlsx"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


@bp.get("/campaigns/<int:campaign_id>/report.json")
@staff_required
def campaign_json(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    # Streamed a group of counties at a time: the first bytes leave at once and a national report is
    # never one string in memory. The first group is scored here, so that an error is still a page.
    chunks = stream_report_json(campaign, report_day())
    try:
        first = [next(chunks), next(chunks, "")]
    except (LookupError, ValueError) as error:
        raise TrackerError(f"无法生成评分报告：{error}") from error
    return Response(stream_with_context(itertools.chain(first, chunks)), mimetype="application/json")


@bp.get("/campaigns/<int:campaign_id>/statistics")
@staff_required
def statistics(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    today = report_day()
    stats = campaign_statistics(campaign, today)
    return render_template("reports/statistics.html", campaign=campaign, today=today,
                           sections=sections(stats), chart=status_chart(stats))


@bp.get("/campaigns/<int:campaign_id>/statistics.csv")
@staff_required
def statistics_csv(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    today = report_day()
    data = csv_bytes(campaign_statistics(campaign, today), campaign.name, today)
    return _download(data, safe_filename(f"{campaign.name}依申请公开统计", ".csv"), "text/csv")  # Werkzeug adds "; charset=utf-8"


@bp.get("/campaigns/<int:campaign_id>/targets/<int:target_id>/annual-table")
@staff_required
def annual_table(campaign_id: int, target_id: int):
    campaign = get_campaign(current_user, campaign_id)
    target = get_target(campaign, target_id)
    table = build_annual_table(campaign, target, report_day())
    return render_template("reports/annual_table.html", campaign=campaign, target=target, table=table,
                           columns=COLUMNS)
