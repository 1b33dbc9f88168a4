"""Issue 14 / DESIGN.md §10.1: every report of a signed county shows the signed snapshot, not a
recomputation — print HTML, xlsx, JSON (with its `review` object), the overview and the ranking —
and prints the 核验码 with 审核人 and date, so the print alone tells whether and what was signed."""
from __future__ import annotations

import json
from io import BytesIO

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tracker.cli import main

from .conftest import TODAY, bundle_data, import_data, sign_target


@pytest.fixture
def signed(app, users):
    """The example campaign (every sheet a draft), 凉州区 signed: (campaign id, 核验码)."""
    data = bundle_data()
    data.pop("reviews")
    campaign_id = import_data(app, data)
    return campaign_id, sign_target(app, campaign_id, "liangzhou")


def printed(code: str) -> str:
    return "-".join(code[i:i + 4] for i in (0, 4, 8)).upper()


def correct_the_calendar(app) -> None:
    """A correction of the working-day calendar after signing: a recomputation of 凉州区 now gives
    another total (its phone test's day is no longer a working day)."""
    from tracker.calendar.operations import set_override
    from tracker.extensions import db

    with app.app_context():
        set_override(None, {"day": "2020-09-02", "working": "false", "note": "更正：临时放假"})
        db.session.commit()


def recomputed_total(app, campaign_id) -> float:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.scoring.models import ScoreSheet
    from tracker.scoring.review import live_sheet

    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.campaign_id == campaign_id,
                                                           ScoreSheet.status == "signed"))
        return live_sheet(sheet, TODAY).score.total


def report_json(app, campaign_id):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.json_report import report_json as build

    with app.app_context():
        return build(db.session.get(Campaign, campaign_id), TODAY)


def test_json_of_a_signed_county_is_its_snapshot_with_the_review(app, signed):
    campaign_id, code = signed
    before = report_json(app, campaign_id)
    correct_the_calendar(app)
    after = report_json(app, campaign_id)
    signed_now, signed_then = after["targets"][0], before["targets"][0]
    assert signed_now == signed_then  # the record does not move…
    assert recomputed_total(app, campaign_id) != signed_now["total"]  # …though a recomputation would
    assert signed_now["review"] == {"status": "signed", "filled_by": "evaluator", "reviewed_by": "reviewer",
                                    "reviewed_on": TODAY.isoformat(), "code": code}


def test_print_report_tells_signed_from_unsigned(app, login, signed):
    campaign_id, code = signed
    browser = login("evaluator")
    page = browser.get(f"/campaigns/{campaign_id}/targets/1/report?today=2020-11-30").get_data(as_text=True)
    assert printed(code) in page and "已审核签字" in page and "李审核" in page and "签字时的快照" in page
    assert "2020年11月30日" in page.split('class="signatures"')[1]
    other = browser.get(f"/campaigns/{campaign_id}/targets/2/report?today=2020-11-30").get_data(as_text=True)
    assert "未审核签字" in other and "不是正式记录" in other and "核验码：<span class=\"verification-code\">（未签字，无）" in other


def test_xlsx_carries_the_code_and_the_signed_figures(app, signed):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.sheet_model import build_sheet_reports
    from tracker.reports.xlsx import build_workbook, workbook_bytes
    from tracker.scoring.rubric_store import get_rubric

    campaign_id, code = signed
    correct_the_calendar(app)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        book, layout = build_workbook(build_sheet_reports(campaign, TODAY), get_rubric(campaign.rubric_code))
        book = load_workbook(BytesIO(workbook_bytes(book)))
    first = book[layout.sheet_titles[1]]
    row = layout.sheet.reviewed_row + 1
    assert first[f"A{row}"].value == "核验码：" and first[f"B{row}"].value == printed(code)
    assert "签字时的快照" in first[f"D{row}"].value
    assert first[f"B{layout.sheet.reviewed_row}"].value == "李审核"
    assert first[layout.sheet.total].value == report_json(app, campaign_id)["targets"][0]["total"]
    line = [cell.value for cell in book["汇总"][layout.summary_rows[1]]]
    assert line[-1] == printed(code) and line[-2] == "已审核（锁定）"
    unsigned = book[layout.sheet_titles[2]]
    assert unsigned[f"B{row}"].value == "（未签字，无）" and "不是正式记录" in unsigned[f"D{row}"].value


def test_overview_ranks_by_the_signed_totals(app, login, signed):
    campaign_id, _code = signed
    before = report_json(app, campaign_id)["targets"][0]["total"]
    correct_the_calendar(app)
    assert recomputed_total(app, campaign_id) != before
    page = login("reviewer").get(f"/campaigns/{campaign_id}/report?today=2020-11-30").get_data(as_text=True)
    row = page.split("凉州区", 1)[1].split("</tr>", 1)[0]
    assert f">{before:g}<" in row and "李审核" in row
    assert printed(_code) in row  # the overview prints the 核验码 of the record it ranks


def test_cli_report_json_has_the_review_object(app, signed):
    campaign_id, code = signed
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        name = db.session.get(Campaign, campaign_id).name
    result = CliRunner().invoke(main, ["report", "--campaign", name, "--format", "json", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    targets = json.loads(result.output)["targets"]
    assert targets[0]["review"]["code"] == code and targets[1]["review"]["status"] == "draft"


def test_a_sheet_signed_before_the_record_existed_is_recomputed_and_says_so(app, login, users):
    """Migrated data: status signed, no snapshot. It cannot print a 核验码 it never had."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.scoring.models import ScoreSheet

    data = bundle_data()
    data.pop("reviews")
    campaign_id = import_data(app, data)
    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.campaign_id == campaign_id,
                                                           ScoreSheet.target_id == 1))
        sheet.status = "signed"
        db.session.commit()
    review = report_json(app, campaign_id)["targets"][0]["review"]
    assert review["status"] == "signed" and review["code"] is None
    page = login("evaluator").get(f"/campaigns/{campaign_id}/targets/1/report?today=2020-11-30").get_data(as_text=True)
    assert "签字早于核验记录" in page and "核验码 " not in page.split('class="review-line')[1][:200]
