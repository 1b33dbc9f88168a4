"""The 附件2 score sheets as an Excel workbook: one sheet per county laid out like the form, plus 汇总.

Every text cell goes through ``safe_text`` (no formula can run); scores are numbers formatted
0.0, empty while an indicator is unscored. The position of each score is fixed by the rubric:
``sheet_layout(rubric)`` (or ``score_cell``) gives the addresses, the same on every county sheet.

County sheet (columns A–G = Table 2's 一级指标 … 责任单位):
  row 3            县区名称 (B3) and 总分得分 (E3)
  Table 1          as in 附件2, the indicators run across: column A holds the row names 一级指标 /
                   满分 / 得分 / 二级指标 / 满分 / 得分 (rows 6–11); one column per level-2 indicator
                   from B (B–M for the Wuwei rubric), each level-1 cell merged over its level-2
                   columns; 总得分 in the next column (N6 heading, N7 满分, N8 得分)
  Table 2          one row per indicator in official order; 得分 in column E; then 合计, 合格分
  signatures       填报人/填报日期, 审核人/审核日期, 核验码 (and whether this is the signed snapshot)
汇总 sheet: 排名, 县区, level-1 subtotals, 总分, 是否完成, 未评指标, 审核状态, 核验码 — one row per county, ranked.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from io import BytesIO

from openpyxl import Workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from ..core.web import cn_date
from ..rubric.model import Rubric
from .safe_cells import safe_text
from .sheet_model import SheetReport, ranked
from .xlsx_book import ReportWorkbook
from .xlsx_cells import CENTER, RIGHT, WRAP, SheetBuffer, Styles, look_of

SUMMARY_TITLE = "汇总"
WIDTHS = {"A": 12, "B": 14, "C": 24, "D": 62, "E": 9, "F": 44, "G": 10}
TABLE2_HEADERS = ("一级指标", "二级指标", "三级指标", "赋分标准及计算要求", "得分", "赋分说明", "责任单位")
TABLE1_ROW_LABELS = ("一级指标", "满分", "得分", "二级指标", "满分", "得分")  # 附件2's Table 1, top to bottom
TABLE1_EXTRA_WIDTH = 10  # Table 1's columns right of Table 2's seven (H… for the later level-2 indicators)
LINE_POINTS = 14.5
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class SheetLayout:
    """Cell addresses on every county sheet (they depend on the rubric only)."""

    total: str
    table1_level1: dict[str, str]
    table1_level2: dict[str, str]
    table1_total: str
    table1_header_row: int
    table2_header_row: int
    indicators: dict[int, str]
    table2_total: str
    pass_mark: str
    filled_row: int
    reviewed_row: int


@dataclass
class WorkbookLayout:
    sheet: SheetLayout
    sheet_titles: dict[int, str] = field(default_factory=dict)  # target id -> sheet title
    summary_rows: dict[int, int] = field(default_factory=dict)  # target id -> row on 汇总
    summary_columns: dict[str, str] = field(default_factory=dict)  # heading -> column letter


def sheet_layout(rubric: Rubric) -> SheetLayout:
    table1_header = 6
    level1, level2, total_column = _table1_addresses(rubric, table1_header)
    table2_header = table1_header + len(TABLE1_ROW_LABELS) + 2  # a blank row and Table 2's title between
    indicators = {ind.id: f"E{table2_header + 1 + i}" for i, ind in enumerate(rubric.indicators)}
    last = table2_header + len(rubric.indicators)
    return SheetLayout(total="E3", table1_level1=level1, table1_level2=level2,
                       table1_total=f"{total_column}{table1_header + 2}",
                       table1_header_row=table1_header, table2_header_row=table2_header, indicators=indicators,
                       table2_total=f"E{last + 1}", pass_mark=f"E{last + 2}", filled_row=last + 4,
                       reviewed_row=last + 5)


def _table1_addresses(rubric: Rubric, top: int) -> tuple[dict[str, str], dict[str, str], str]:
    """Table 1's score cells: (level-1 name → its 得分 cell, level-2 name → its 得分 cell, the 总得分
    column). One column per level-2 indicator from B; a level-1 score sits in its first column."""
    level1, level2, column = {}, {}, 2
    for group1 in rubric.level1:
        level1[group1.name] = f"{get_column_letter(column)}{top + 2}"
        for group2 in group1.level2:
            level2[group2.name] = f"{get_column_letter(column)}{top + 5}"
            column += 1
    return level1, level2, get_column_letter(column)


def score_cell(rubric: Rubric, indicator_id: int) -> str:
    """The address of an indicator's 得分 on a county sheet, e.g. "E13"."""
    return sheet_layout(rubric).indicators[indicator_id]


def build_workbook(reports: Sequence[SheetReport], rubric: Rubric, *,
                   summary: bool = True) -> tuple[Workbook, WorkbookLayout]:
    """A write-only workbook: save it once (``workbook_bytes`` or ``workbook.save(path)``)."""
    return build_workbook_in_parts([reports], rubric, summary=summary)


def build_workbook_in_parts(parts: Iterable[Sequence[SheetReport]], rubric: Rubric, *,
                            summary: bool = True) -> tuple[Workbook, WorkbookLayout]:
    """The workbook of every report of `parts`, a group of counties at a time: each county's sheet
    is written and its report dropped before the next group is computed. 汇总 stays first; it is
    filled last, from reports without their indicator rows (DESIGN.md §10.6: ≤ 400 MB at 3 000)."""
    workbook = ReportWorkbook()
    styles = Styles(workbook)
    layout = WorkbookLayout(sheet_layout(rubric))
    summary_sheet = workbook.create_sheet(SUMMARY_TITLE) if summary else None
    used = {SUMMARY_TITLE.casefold()} if summary else set()
    slim: list[SheetReport] = []
    county_sheets: list[WriteOnlyWorksheet] = []
    for reports in parts:
        for report in reports:
            title = sheet_title(report.target_name, used)
            used.add(title.casefold())
            layout.sheet_titles[report.target_id] = title
            # Not yet in the workbook: openpyxl compares a new sheet's title with every title in the
            # workbook (4.5 million comparisons at 3 000 counties); sheet_title already made it unique.
            county_sheets.append(WriteOnlyWorksheet(workbook, title))
            _county_sheet(county_sheets[-1], styles, report, layout.sheet)
            slim.append(replace(report, rows=()))
    for sheet in county_sheets:
        workbook._add_sheet(sheet)
    if summary_sheet is not None:
        _summary_sheet(summary_sheet, styles, slim, rubric, layout)
    return workbook, layout


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_title(name: str, used: set[str]) -> str:
    """A valid Excel sheet title (≤ 31 characters, none of []:*?/\\, no edge apostrophes), unique
    among `used` (the titles taken, casefolded: Excel compares titles ignoring case)."""
    base = _BAD_TITLE.sub("_", name).strip("'").strip() or "县区"
    base = base[:31]
    title, number = base, 2
    while title.casefold() in used:
        suffix = f"({number})"
        title, number = base[:31 - len(suffix)] + suffix, number + 1
    return title


# ---------------------------------------------------------------- cells

def _put(ws: SheetBuffer, coord: str, value, *, style: str = WRAP, bold: bool = False, header: bool = False,
         border: bool = True, number: bool = False, font: str | None = None) -> None:
    value = value if number or isinstance(value, (int, float)) or value is None else safe_text(value)
    font = font or ("bold" if bold or header else "normal")
    ws.put(coord, value, look_of(CENTER if header else style, font, header, border, number))


def _merge(ws: SheetBuffer, first: str, last: str) -> None:
    if first != last:
        ws.merge(first, last, border=True)


@lru_cache(maxsize=4096)  # the rubric's texts recur on every county sheet
def _text_lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (CJK counts double)."""
    lines = 0
    for paragraph in str(text).split("\n"):
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in paragraph)
        lines += max(1, math.ceil(units / max(width - 1, 1)))
    return lines


def _fit_height(ws: SheetBuffer, row: int, texts: dict[str, str], minimum: float = 18) -> None:
    lines = max((_text_lines(text, WIDTHS[col]) for col, text in texts.items() if text), default=1)
    ws.heights[row] = max(minimum, lines * LINE_POINTS + 4)


# ---------------------------------------------------------------- county sheet

def _county_sheet(sheet, styles: Styles, report: SheetReport, layout: SheetLayout) -> None:
    # Everything but the rows first: a write-only sheet writes its columns and views before row 1.
    for column, width in (WIDTHS | table1_widths(layout)).items():
        sheet.column_dimensions[column].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{layout.table2_header_row}:{layout.table2_header_row}"
    ws = SheetBuffer()
    _header(ws, report, layout)
    _table1(ws, report, layout)
    _table2(ws, report, layout)
    _footer(ws, report, layout)
    ws.flush(sheet, styles)


def _header(ws: SheetBuffer, report: SheetReport, layout: SheetLayout) -> None:
    _put(ws, "A1", "附件2", border=False)
    _put(ws, "A2", report.rubric_title, style=CENTER, border=False, font="title16")
    ws.merge("A2", "G2", border=False)
    ws.heights[2] = 30
    _put(ws, "A3", "县区名称：", border=False, bold=True)
    _put(ws, "B3", report.target_name, border=False, bold=True)
    ws.merge("B3", "C3", border=False)
    _put(ws, "D3", "总分得分（分）：", style=RIGHT, border=False, bold=True)
    _put(ws, layout.total, report.total, number=True, bold=True)
    status = report.incomplete_text or "全部指标已评分"
    _put(ws, "F3", f"{status}；评分表状态：{report.status_label}；截至{cn_date(report.today)}", border=False)
    ws.merge("F3", "G3", border=False)
    ws.heights[3] = 32


def _table1(ws: SheetBuffer, report: SheetReport, layout: SheetLayout) -> None:
    top, total_column = layout.table1_header_row, _column_of(layout.table1_total)
    _put(ws, f"A{top - 1}", "表1 一、二级考评指标及总得分", style=CENTER, bold=True, border=False)
    ws.merge(f"A{top - 1}", f"{total_column}{top - 1}", border=False)
    for offset, label in enumerate(TABLE1_ROW_LABELS):
        _put(ws, f"A{top + offset}", label, header=True)
    for group1 in report.level1:
        _table1_level1(ws, group1, layout.table1_level1[group1.name], top)
        for group2 in group1.children:
            column = _column_of(layout.table1_level2[group2.name])
            _put(ws, f"{column}{top + 3}", group2.name, header=True)
            _put(ws, f"{column}{top + 4}", group2.max, style=CENTER, number=True)
            _put(ws, layout.table1_level2[group2.name], group2.score, style=CENTER, number=True)
    _put(ws, f"{total_column}{top}", "总得分", header=True)
    _put(ws, f"{total_column}{top + 1}", report.total_max, style=CENTER, number=True)
    _put(ws, layout.table1_total, report.total, style=CENTER, number=True, bold=True)
    _merge(ws, f"{total_column}{top + 3}", f"{total_column}{top + 5}")  # empty below 总得分, as in 附件2
    _table1_heights(ws, report, layout)


def _table1_level1(ws: SheetBuffer, group1, score_cell_address: str, top: int) -> None:
    """A level-1 indicator's name, 满分 and 得分, each merged over its level-2 columns."""
    first = column_index_from_string(_column_of(score_cell_address))
    first_letter, last_letter = get_column_letter(first), get_column_letter(first + len(group1.children) - 1)
    _put(ws, f"{first_letter}{top}", group1.name, header=True)
    _put(ws, f"{first_letter}{top + 1}", group1.max, style=CENTER, number=True)
    _put(ws, score_cell_address, group1.score, style=CENTER, number=True)
    for row in range(top, top + 3):
        _merge(ws, f"{first_letter}{row}", f"{last_letter}{row}")


def _table1_heights(ws: SheetBuffer, report: SheetReport, layout: SheetLayout) -> None:
    """The two rows of names are as tall as their longest name wraps to in its column(s)."""
    top = layout.table1_header_row
    level1 = [(group.name, sum(_table1_width(_column_of(layout.table1_level2[child.name]))
                               for child in group.children)) for group in report.level1]
    level2 = [(child.name, _table1_width(_column_of(layout.table1_level2[child.name])))
              for group in report.level1 for child in group.children]
    for row, names in ((top, level1), (top + 3, level2)):
        lines = max((_text_lines(name, width) for name, width in names), default=1)
        ws.heights[row] = max(18, lines * LINE_POINTS + 4)


def _table1_width(column: str) -> float:
    return WIDTHS.get(column, TABLE1_EXTRA_WIDTH)


def table1_widths(layout: SheetLayout) -> dict[str, float]:
    """The widths of Table 1's columns beyond Table 2's (set before the rows: write-only mode)."""
    last = column_index_from_string(_column_of(layout.table1_total))
    return {get_column_letter(index): TABLE1_EXTRA_WIDTH for index in range(len(WIDTHS) + 1, last + 1)}


def _column_of(address: str) -> str:
    return coordinate_from_string(address)[0]


def _table2(ws: SheetBuffer, report: SheetReport, layout: SheetLayout) -> None:
    top = layout.table2_header_row
    _put(ws, f"A{top - 1}", "表2 三级考核指标得分", style=CENTER, bold=True, border=False)
    ws.merge(f"A{top - 1}", f"G{top - 1}", border=False)
    for column, heading in zip("ABCDEFG", TABLE2_HEADERS):
        _put(ws, f"{column}{top}", heading, header=True)
    for offset, row in enumerate(report.rows, start=1):
        _indicator_row(ws, top + offset, row)
    last = top + len(report.rows)
    _put(ws, f"A{last + 1}", "合计", header=True)
    _merge(ws, f"A{last + 1}", f"D{last + 1}")
    _put(ws, layout.table2_total, report.total, style=CENTER, number=True, bold=True)
    _put(ws, f"F{last + 1}", report.incomplete_text or "全部指标已评分")
    _merge(ws, f"F{last + 1}", f"G{last + 1}")
    _put(ws, f"A{last + 2}", "合格分", header=True)
    _merge(ws, f"A{last + 2}", f"D{last + 2}")
    pass_mark = report.pass_mark if report.pass_mark is not None else report.pass_mark_text
    _put(ws, layout.pass_mark, pass_mark, style=CENTER, number=report.pass_mark is not None)
    _put(ws, f"F{last + 2}", "" if report.pass_mark is not None else "原表未设合格分")
    _merge(ws, f"F{last + 2}", f"G{last + 2}")


def _indicator_row(ws: SheetBuffer, number: int, row) -> None:
    if row.level1_span:
        _put(ws, f"A{number}", row.level1_label, header=True)
        _merge(ws, f"A{number}", f"A{number + row.level1_span - 1}")
    if row.level2_span:
        _put(ws, f"B{number}", row.level2_label, style=CENTER, bold=True)
        _merge(ws, f"B{number}", f"B{number + row.level2_span - 1}")
    _put(ws, f"C{number}", row.title)
    _put(ws, f"D{number}", row.criteria, font="small")
    _put(ws, f"E{number}", row.points, style=CENTER, number=True, bold=True)
    _put(ws, f"F{number}", _explanation(row))
    _put(ws, f"G{number}", row.responsible_unit, style=CENTER)
    _fit_height(ws, number, {"C": row.title, "D": row.criteria, "F": _explanation(row)})


def _explanation(row) -> str:
    parts = []
    if row.pending and row.explanation != row.score_text:
        parts.append(f"【{row.score_text}】")
    parts.append(row.explanation)
    if row.overridden:
        parts.append(f"\n【人工调整】计算得分 {row.computed_text} → {row.score_text}；理由：{row.override_reason}")
    return "".join(parts)


def _footer(ws: SheetBuffer, report: SheetReport, layout: SheetLayout) -> None:
    lines = ((layout.filled_row, "填报人：", report.filled_by, "填报日期：", report.filled_on),
             (layout.reviewed_row, "审核人：", report.reviewed_by, "审核日期：", report.reviewed_on))
    for row, who_label, who, day_label, day in lines:
        _put(ws, f"A{row}", who_label, border=False, bold=True)
        _put(ws, f"B{row}", who, border=False)
        _put(ws, f"C{row}", day_label, border=False, bold=True, style=RIGHT)
        _put(ws, f"D{row}", cn_date(day), border=False)
    # The signature's 核验码 (or that this is not the signed record): a reader must tell from the file alone.
    _put(ws, f"A{layout.reviewed_row + 1}", "核验码：", border=False, bold=True)
    _put(ws, f"B{layout.reviewed_row + 1}", report.code_text, border=False)
    _put(ws, f"D{layout.reviewed_row + 1}", report.review_text, border=False)


# ---------------------------------------------------------------- summary sheet

def _summary_headings(rubric: Rubric) -> list[str]:
    level1 = [f"{group.name}（{group.max:g}分）" for group in rubric.level1]
    return ["排名", "县区", *level1, f"总分（{rubric.total:g}分）", "是否完成", "未评指标", "审核状态", "核验码"]


def _summary_sheet(sheet, styles: Styles, reports: Sequence[SheetReport], rubric: Rubric,
                   layout: WorkbookLayout) -> None:
    headings = _summary_headings(rubric)
    last_column = get_column_letter(len(headings))
    for index in range(1, len(headings) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 8 if index == 1 else (16 if index == 2 else 14)
    sheet.freeze_panes = "C3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws = SheetBuffer()
    title = reports[0].campaign_name if reports else rubric.title
    _put(ws, "A1", f"{title} 评分汇总", style=CENTER, border=False, font="title14")
    ws.merge("A1", f"{last_column}1", border=False)
    for index, heading in enumerate(headings, start=1):
        column = get_column_letter(index)
        layout.summary_columns[heading] = column
        _put(ws, f"{column}2", heading, header=True)
    for offset, (rank, report) in enumerate(ranked(list(reports)), start=3):
        layout.summary_rows[report.target_id] = offset
        values = [rank, report.target_name, *[group.score for group in report.level1], report.total,
                  "是" if report.complete else "否", "、".join(map(str, report.pending_ids)), report.status_label, report.code or "—"]
        for index, value in enumerate(values, start=1):
            numeric = 3 <= index <= 3 + len(report.level1)
            _put(ws, f"{get_column_letter(index)}{offset}", value, style=CENTER, number=numeric)
    ws.flush(sheet, styles)
