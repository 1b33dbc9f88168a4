"""Score reports, 依申请公开 statistics and the annual-report table (read-only, any logged-in role)."""
from __future__ import annotations

import json
from datetime import date
from io import BytesIO

from flask import Blueprint, Response, render_template, request, send_file, url_for

from ..campaigns.views import get_campaign, get_target
from ..core.auth import staff_required
from ..core.errors import TrackerError, ValidationError
from ..scoring.rubric_store import get_rubric
from .annual import COLUMNS
from .annual import annual_table as build_annual_table
from .files import safe_filename
from .html import render_print_html
from .json_report import report_json
from .overview_cache import cached_campaign_overview
from .sheet_model import build_sheet_reports
from .statistics import campaign_statistics
from .stats_tables import sections, status_chart
from .stats_tables import statistics_csv as csv_bytes
from .xlsx import build_workbook, workbook_bytes
from ..core import clock

bp = Blueprint("reports", __name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_day() -> date:
    """``?today=YYYY-MM-DD`` makes a report reproducible; the default is today in Beijing."""
    value = request.args.get("today", "").strip()
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
    campaign = get_campaign(campaign_id)
    today = report_day()
    return render_template("reports/overview.html", campaign=campaign, today=today,
                           overview=cached_campaign_overview(campaign, today))


@bp.get("/campaigns/<int:campaign_id>/targets/<int:target_id>/report")
@staff_required
def target_report(campaign_id: int, target_id: int):
    campaign = get_campaign(campaign_id)
    target = get_target(campaign, target_id)
    reports = build_sheet_reports(campaign, report_day(), target)
    toolbar = [("← 评分报告总览", url_for(".campaign_report", campaign_id=campaign.id)),
               ("下载 Excel", url_for(".target_xlsx", campaign_id=campaign.id, target_id=target.id)),
               ("年报统计表", url_for(".annual_table", campaign_id=campaign.id, target_id=target.id))]
    return render_print_html(reports, standalone=False, toolbar=toolbar)


@bp.get("/campaigns/<int:campaign_id>/report.xlsx")
@staff_required
def campaign_xlsx(campaign_id: int):
    campaign = get_campaign(campaign_id)
    reports = build_sheet_reports(campaign, report_day())
    if not reports:
        raise TrackerError("该考评还没有被考评对象，无法导出评分表。")
    workbook, _layout = build_workbook(reports, get_rubric(campaign.rubric_code))
    return _download(workbook_bytes(workbook), safe_filename(f"{campaign.name}评分表", ".xlsx"), XLSX_TYPE)


@bp.get("/campaigns/<int:campaign_id>/targets/<int:target_id>/report.xlsx")
@staff_required
def target_xlsx(campaign_id: int, target_id: int):
    campaign = get_campaign(campaign_id)
    target = get_target(campaign, target_id)
    reports = build_sheet_reports(campaign, report_day(), target)
    workbook, _layout = build_workbook(reports, get_rubric(campaign.rubric_code), summary=False)
    return _download(workbook_bytes(workbook), safe_filename(f"{target.name}评分表", ".xlsx"), XLSX_TYPE)


@bp.get("/campaigns/<int:campaign_id>/report.json")
@staff_required
def campaign_json(campaign_id: int):
    campaign = get_campaign(campaign_id)
    try:
        data = report_json(campaign, report_day())
    except (LookupError, ValueError) as error:
        raise TrackerError(f"无法生成评分报告：{error}") from error
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")


@bp.get("/campaigns/<int:campaign_id>/statistics")
@staff_required
def statistics(campaign_id: int):
    campaign = get_campaign(campaign_id)
    today = report_day()
    stats = campaign_statistics(campaign, today)
    return render_template("reports/statistics.html", campaign=campaign, today=today,
                           sections=sections(stats), chart=status_chart(stats))


@bp.get("/campaigns/<int:campaign_id>/statistics.csv")
@staff_required
def statistics_csv(campaign_id: int):
    campaign = get_campaign(campaign_id)
    today = report_day()
    data = csv_bytes(campaign_statistics(campaign, today), campaign.name, today)
    return _download(data, safe_filename(f"{campaign.name}依申请公开统计", ".csv"), "text/csv")  # Werkzeug adds "; charset=utf-8"


@bp.get("/campaigns/<int:campaign_id>/targets/<int:target_id>/annual-table")
@staff_required
def annual_table(campaign_id: int, target_id: int):
    campaign = get_campaign(campaign_id)
    target = get_target(campaign, target_id)
    table = build_annual_table(campaign, target, report_day())
    return render_template("reports/annual_table.html", campaign=campaign, target=target, table=table,
                           columns=COLUMNS)
