"""The campaign's score overview: counties ranked by total, with three SVG charts."""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from ..campaigns.models import Campaign
from ..core.errors import ValidationError
from ..rubric.model import format_points
from ..scoring.rubric_store import get_rubric
from .charts import HeatCell, bar_chart, grouped_bars, heat_map, heat_row
from .sheet_model import SheetReport, build_sheet_reports, ranked


@dataclass(frozen=True)
class OverviewRow:
    rank: int
    report: SheetReport
    level1_texts: tuple[str, ...]

    @property
    def pending_count(self) -> int:
        return len(self.report.pending_ids)


CHART_NAMES = ("totals", "profile", "heat")  # the order of Overview.charts
PAGE_SIZE = 50


@dataclass(frozen=True)
class Overview:
    rubric_title: str
    level1_headings: tuple[str, ...]
    rows: tuple[OverviewRow, ...]
    charts: tuple[Markup, ...]

    @property
    def signed_count(self) -> int:
        return sum(1 for row in self.rows if row.report.signed)

    @property
    def complete_count(self) -> int:
        return sum(1 for row in self.rows if row.report.complete)


@dataclass(frozen=True)
class OverviewPage:
    number: int
    count: int
    rows: tuple[OverviewRow, ...]
    size: int = PAGE_SIZE


def overview_page(overview: Overview, value: str | None) -> OverviewPage:
    """Page `value` (1-based, default 1) of the ranking; past the end: the last page."""
    count = max(1, -(-len(overview.rows) // PAGE_SIZE))
    try:
        number = int(value) if value not in (None, "") else 1
    except ValueError:
        raise ValidationError(f"页码“{value}”无效，应为正整数", "page") from None
    if number < 1:
        raise ValidationError(f"页码“{value}”无效，应为正整数", "page")
    number = min(number, count)
    start = (number - 1) * PAGE_SIZE
    return OverviewPage(number, count, overview.rows[start:start + PAGE_SIZE])


def campaign_overview(campaign: Campaign, today: date, reports: list[SheetReport] | None = None) -> Overview:
    """The overview of `reports` (by default every target's, computed now)."""
    reports = build_sheet_reports(campaign, today) if reports is None else reports
    rubric = get_rubric(campaign.rubric_code)
    rows = tuple(OverviewRow(rank, report, tuple(group.score_text for group in report.level1))
                 for rank, report in ranked(reports))
    headings = tuple(f"{group.name}（{format_points(group.max)}分）" for group in rubric.level1)
    charts = _charts(rubric, [row.report for row in rows]) if rows else ()
    return Overview(rubric.title, headings, rows, charts)


def _charts(rubric, reports: list[SheetReport]) -> tuple[Markup, ...]:
    totals = bar_chart([(r.target_name, r.total) for r in reports], rubric.total, "各县区总分（按总分排序）")
    series = [(group.name, [_percent(report.level1[index].score, group.max) for report in reports])
              for index, group in enumerate(rubric.level1)]
    profile = grouped_bars([r.target_name for r in reports], series, "一级指标得分率（得分 ÷ 满分）")
    return totals, profile, _heat(rubric, reports)


def _heat(rubric, reports: list[SheetReport]) -> Markup:
    columns = [str(indicator.id) for indicator in rubric.indicators]
    rows = [_heat_row(report) for report in reports]
    return heat_map([r.target_name for r in reports], columns, rows, "三级指标得分热力图（得分 ÷ 满分；灰色为未评或待定）")


# A county's row of the heat map, drawn once per report object: the kept reports (kept_reports.py)
# of the counties a change did not reach come back as the same objects, so the overview that
# follows a change draws one row, not 300. Entries leave with their report.
_drawn_rows: dict[int, tuple[weakref.ref, str]] = {}


def _heat_row(report: SheetReport) -> str:
    key = id(report)
    entry = _drawn_rows.get(key)
    if entry is not None and entry[0]() is report:
        return entry[1]
    markup = heat_row(report.target_name, [_heat_cell(report, row) for row in report.rows])
    _drawn_rows[key] = (weakref.ref(report, lambda _dead, key=key: _drawn_rows.pop(key, None)), markup)
    return markup


def _heat_cell(report: SheetReport, row) -> HeatCell:
    tooltip = f"{report.target_name} · {row.title}：{row.score_text}"
    if row.pending:
        return HeatCell(None, "—", tooltip)
    if not row.max:
        return HeatCell(None, "0", tooltip + "（本指标满分为0分）")
    return HeatCell(row.points / row.max, row.score_text, tooltip)


def _percent(score: float, maximum: float) -> float:
    return 100 * score / maximum if maximum else 0.0
