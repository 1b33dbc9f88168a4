"""The 附件2 view model: pending and overridden indicators, totals, signatures, fixed query count."""
from __future__ import annotations

from tracker.reports.sheet_model import build_sheet_reports, ranked

from .conftest import TODAY, QueryCounter, import_data, mark_submitted, scaled_bundle

LIANGZHOU_PENDING = (2, 3, 4, 6, 7, 11, 14, 15, 23, 24, 26, 27, 28, 31, 32, 33, 34)


def _by_name(campaign):
    return {report.target_name: report for report in build_sheet_reports(campaign, TODAY)}


def test_pending_indicators_are_named_and_total_is_incomplete(campaign):
    report = _by_name(campaign)["凉州区"]
    assert report.total == 34 and not report.complete
    assert report.pending_ids == LIANGZHOU_PENDING
    assert report.incomplete_text.startswith("未完成：指标 2、3、4、6、7、11、14")
    assert "尚未评分（共 17 项）" in report.incomplete_text
    rows = {row.indicator_id: row for row in report.rows}
    assert rows[2].pending and rows[2].score_text == "未评" and rows[2].points is None
    assert not rows[1].pending and rows[1].score_text == "7"


def test_derived_pending_reads_daiding(campaign):
    rows = {row.indicator_id: row for row in _by_name(campaign)["民勤县"].rows}
    assert rows[19].pending and rows[19].score_text == "待定"
    assert rows[5].score_text == "未评"


def test_override_is_flagged_with_reason(campaign):
    rows = {row.indicator_id: row for row in _by_name(campaign)["凉州区"].rows}
    assert rows[12].overridden and rows[12].points == 3
    assert rows[12].override_reason == "复核后认定征地信息已在市级平台公开"
    assert rows[12].computed_text == "未评"


def test_tables_follow_the_seed(campaign):
    report = _by_name(campaign)["凉州区"]
    assert [g.name for g in report.level1] == ["主动公开", "依申请公开", "政务新媒体与信息平台建设", "监督保障"]
    assert [c.name for c in report.level1[3].children] == ["制度建设", "工作考核"]
    assert [(g.max, g.score) for g in report.level1] == [(58.5, 23.5), (11.5, 8.5), (20, 2), (10, 0)]
    rows = report.rows
    assert [row.indicator_id for row in rows] == [*range(1, 29), 31, 32, 33, 34]
    assert rows[0].level1_span == 15 and rows[0].level2_span == 2 and rows[1].level1_span == 0
    assert sum(row.level1_span for row in rows) == sum(row.level2_span for row in rows) == 32
    assert next(r for r in rows if r.indicator_id == 31).level2_label == "制度体系\n5分"
    assert rows[16].title == "17.口头申请指导（0分）"
    assert report.pass_mark is None and report.pass_mark_text == "—"


def test_signatures_come_from_the_sheet(campaign):
    reports = _by_name(campaign)
    assert reports["凉州区"].filled_by == "张三" and reports["凉州区"].status_label == "待审核"
    assert reports["民勤县"].filled_by == "" and reports["民勤县"].reviewed_by == ""


def test_ranking_shares_ranks_on_equal_totals(campaign):
    reports = build_sheet_reports(campaign, TODAY)
    assert [(rank, r.target_name) for rank, r in ranked(reports)] == [(1, "凉州区"), (2, "民勤县")]
    twins = [reports[0], reports[0], reports[1]]
    assert [rank for rank, _ in ranked(twins)] == [1, 1, 3]


def _statements_for(app, campaign_id) -> int:
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        build_sheet_reports(db.session.get(Campaign, campaign_id), TODAY)  # warm the caches
        db.session.remove()
        campaign = db.session.get(Campaign, campaign_id)
        with QueryCounter(db.engine) as counter:
            reports = build_sheet_reports(campaign, TODAY)
        return counter.count, len(reports)


def test_query_count_does_not_grow_with_targets(app, campaign_id):
    small, small_targets = _statements_for(app, campaign_id)
    large, large_targets = _statements_for(app, mark_submitted(app, import_data(app, scaled_bundle(6))))
    assert (small_targets, large_targets) == (2, 8)
    assert small == large
