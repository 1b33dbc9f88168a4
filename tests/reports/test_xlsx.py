"""The workbook: every score and total in its documented cell, formulas neutralised, summary ranked."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tracker.reports.json_report import report_json
from tracker.reports.sheet_model import build_sheet_reports
from tracker.reports.xlsx import (
    SUMMARY_TITLE,
    build_workbook,
    score_cell,
    sheet_layout,
    sheet_title,
    workbook_bytes,
)
from tracker.scoring.rubric_store import get_rubric

from .conftest import TODAY


def _workbook(campaign, target=None, summary=True):
    rubric = get_rubric(campaign.rubric_code)
    workbook, layout = build_workbook(build_sheet_reports(campaign, TODAY, target), rubric, summary=summary)
    # Read back what a user would open, not the objects in memory.
    return load_workbook(BytesIO(workbook_bytes(workbook))), layout, rubric


def test_scores_and_totals_are_in_the_documented_cells(campaign):
    book, layout, rubric = _workbook(campaign)
    expected = report_json(campaign, TODAY)
    assert book.sheetnames == [SUMMARY_TITLE, "凉州区", "民勤县"]
    for target in expected["targets"]:
        sheet = book[target["name"]]
        for ident, points in target["scores"].items():
            cell = sheet[score_cell(rubric, int(ident))]
            assert cell.value == points, (target["name"], ident)
            assert cell.number_format == "0.0"
        for cell_name in (layout.sheet.total, layout.sheet.table1_total, layout.sheet.table2_total):
            assert sheet[cell_name].value == target["total"]
        for name, points in target["level1"].items():
            assert sheet[layout.sheet.table1_level1[name]].value == points
        assert sheet["B3"].value == target["name"]


def test_documented_layout_of_the_builtin_rubric(campaign):
    layout = sheet_layout(get_rubric(campaign.rubric_code))
    assert layout.total == "E3" and layout.table1_total == "N8"  # Table 1 runs across, as in 附件2
    assert layout.indicators[1] == "E15" and layout.indicators[34] == "E46"
    assert layout.table2_total == "E47" and layout.pass_mark == "E48"


def test_merged_cells_and_pending_cells(campaign):
    book, layout, rubric = _workbook(campaign)
    sheet = book["凉州区"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"B6:F6", "B7:F7", "B8:F8", "A15:A29", "B15:B16", "A2:G2"} <= merged
    assert sheet[score_cell(rubric, 2)].value is None
    assert sheet["F16"].value.startswith("未评")
    assert "人工调整" in sheet[f"F{int(score_cell(rubric, 12)[1:])}"].value
    assert sheet[layout.sheet.pass_mark].value == "—"
    assert sheet[f"B{layout.sheet.filled_row}"].value == "张三"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.row_dimensions[15].height > 100  # indicator 1's long criteria wrap


def test_summary_sheet_ranks_counties(campaign):
    book, _layout, _rubric = _workbook(campaign)
    sheet = book[SUMMARY_TITLE]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_row=4)]
    assert rows[0][:2] == ["排名", "县区"] and rows[0][-5:] == ["总分（100分）", "是否完成", "未评指标", "审核状态", "核验码"]
    assert rows[1][:7] == [1, "凉州区", 23.5, 8.5, 2, 0, 34]
    assert rows[1][7:] == ["否", "2、3、4、6、7、11、14、15、23、24、26、27、28、31、32、33、34", "待审核", "—"]
    assert rows[2][:2] == [2, "民勤县"] and rows[2][-2:] == ["填报中", "—"]


def test_user_text_starting_with_formula_characters_stays_text(app, campaign):
    from tracker.extensions import db
    from tracker.scoring.models import IndicatorFacts

    liangzhou = campaign.targets[0]
    liangzhou.name = "=HYPERLINK(\"http://example.org\",\"点我\")"
    row = db.session.query(IndicatorFacts).filter_by(indicator_id=1).first()
    row.explanation = "=1+2"
    db.session.flush()
    book, _layout, rubric = _workbook(campaign)
    sheet = book[book.sheetnames[1]]
    for cell in (sheet["B3"], sheet[f"F{int(score_cell(rubric, 1)[1:])}"], book[SUMMARY_TITLE]["B3"]):
        assert cell.data_type == "s"
        assert cell.value.startswith("'=")
    db.session.rollback()


@pytest.mark.parametrize(("name", "used", "expected"), [
    ("凉州区", set(), "凉州区"),
    ("a/b:c*?[d]", set(), "a_b_c___d_"),
    ("'引号'", set(), "引号"),
    ("汇总", {"汇总"}, "汇总(2)"),
    ("Sheet", {"sheet", "sheet(2)"}, "Sheet(3)"),  # `used` is casefolded: Excel ignores case
    ("长" * 40, set(), "长" * 31),
    ("", set(), "县区"),
])
def test_sheet_titles_are_valid(name, used, expected):
    assert sheet_title(name, used) == expected


def test_single_target_workbook_has_no_summary(campaign):
    book, _layout, _rubric = _workbook(campaign, campaign.targets[1], summary=False)
    assert book.sheetnames == ["民勤县"]
