"""Table 1 of each county sheet is laid out as in 附件2 (issue 18): the indicators run across, one column
per level-2 indicator under its level-1 heading, and the rows are 一级指标 / 满分 / 得分 / 二级指标 / 满分 /
得分, with 总得分 in the last column."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from tracker.reports.sheet_model import build_sheet_reports
from tracker.reports.xlsx import build_workbook, sheet_layout, workbook_bytes
from tracker.scoring.rubric_store import get_rubric

from .conftest import TODAY

SEED = Path("/work/shared/seeds/000_aeb5db87e498f51c.txt")
SEED_TEXT = """一级指标	主动公开				依申请公开			政务新媒体与信息平台建设		监督保障		总得分
满分	58.5				11.5			20		10		100
得分
二级指标	制度文件信息	政策解读信息	决策执行信息	重点领域信息	年度实施方案重点工作任务落实	申请渠道	申请指导	申请办理	政务新媒体	网站平台建设	制度建设	工作考核
满分	10	9	16	15	8.5	2	4.5	5	13	7	5	5
得分"""


def seed_rows() -> list[list[str]]:
    """The six rows of the seed's Table 1, each without its empty (merged) cells."""
    text = SEED.read_text(encoding="utf-8") if SEED.exists() else SEED_TEXT
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("一级指标\t主动公开"))
    rows = [[cell for cell in line.split("\t") if cell.strip()] for line in lines[start:start + 6]]
    assert [row[0] for row in rows] == ["一级指标", "满分", "得分", "二级指标", "满分", "得分"]
    return rows


def as_text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def test_table1_runs_across_as_in_the_seed(campaign):
    rubric = get_rubric(campaign.rubric_code)
    workbook, layout = build_workbook(build_sheet_reports(campaign, TODAY), rubric)
    sheet = load_workbook(BytesIO(workbook_bytes(workbook)))["凉州区"]
    top = layout.sheet.table1_header_row
    shown = [[as_text(cell.value) for cell in row if cell.value is not None]
             for row in sheet.iter_rows(min_row=top, max_row=top + 5)]
    expected = seed_rows()
    for index in (0, 1, 3, 4):  # the headings and maxima, word for word and number for number
        assert shown[index] == expected[index]
    # The scores: each level-1 score under its heading, the level-2 scores under theirs, 总得分 last.
    assert sheet[f"A{top + 2}"].value == "得分" and sheet[f"A{top + 5}"].value == "得分"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {f"B{top}:F{top}", f"B{top + 1}:F{top + 1}", f"B{top + 2}:F{top + 2}", f"G{top}:I{top}",
            f"J{top}:K{top}", f"L{top}:M{top}"} <= merged
    assert sheet[f"N{top}"].value == "总得分" and sheet[f"N{top + 1}"].value == 100


def test_layout_addresses_follow_the_columns(campaign):
    layout = sheet_layout(get_rubric(campaign.rubric_code))
    assert layout.table1_header_row == 6
    assert layout.table1_level1 == {"主动公开": "B8", "依申请公开": "G8", "政务新媒体与信息平台建设": "J8", "监督保障": "L8"}
    assert layout.table1_level2["制度文件信息"] == "B11" and layout.table1_level2["工作考核"] == "M11"
    assert layout.table1_total == "N8"
    assert layout.table2_header_row == 14 and layout.indicators[1] == "E15"


def test_scores_sit_in_their_cells_and_stay_numbers(campaign):
    rubric = get_rubric(campaign.rubric_code)
    reports = build_sheet_reports(campaign, TODAY)
    workbook, layout = build_workbook(reports, rubric)
    book = load_workbook(BytesIO(workbook_bytes(workbook)))
    for report in reports:
        sheet = book[layout.sheet_titles[report.target_id]]
        for group1 in report.level1:
            assert sheet[layout.sheet.table1_level1[group1.name]].value == group1.score
            for group2 in group1.children:
                cell = sheet[layout.sheet.table1_level2[group2.name]]
                assert cell.value == group2.score and cell.number_format == "0.0"
        assert sheet[layout.sheet.table1_total].value == report.total
