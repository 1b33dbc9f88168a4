"""Excel entry of the manual facts: a template laid out like Table 2 (one sheet per target) and an
all-or-nothing import that names the sheet and cell of every problem (layout in workbook_layout,
safe reading and row parsing in workbook_read).
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from ..core import files
from ..core.errors import ConflictError, LockedError, ValidationError
from ..extensions import db
from ..rubric import Indicator
from ..rubric.model import format_points
from . import forms
from . import operations as ops
from .models import IndicatorFacts, ScoreSheet
from .rubric_store import get_rubric
from .workbook_layout import (COLUMNS, DERIVED_MARK, FIRST_ROW, HEADER_ROW, HELP_TITLE, MARKER, input_columns,
                              safe)
from .workbook_read import (WHOLE_FILE, Problem, SheetRows, WorkbookError, cell_problem, check_archive, parse_book,
                            read_limited, read_sheets)

__all__ = ["Problem", "WorkbookError", "blank_workbook", "current_facts", "import_facts_workbook"]

MAX_SAVE_SECONDS = 10.0
GREY = PatternFill("solid", fgColor="D9D9D9")
LIGHT = PatternFill("solid", fgColor="EEEEEE")
HEAD = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")


# ---------------------------------------------------------------------------- writing

def current_facts(campaign) -> dict[int, dict[int, tuple[dict, int]]]:
    """target id → indicator id → (facts, version), in one query."""
    result: dict[int, dict[int, tuple[dict, int]]] = {}
    query = (select(ScoreSheet.target_id, IndicatorFacts).join(IndicatorFacts, IndicatorFacts.sheet_id == ScoreSheet.id)
             .where(ScoreSheet.campaign_id == campaign.id))
    for target_id, row in db.session.execute(query):
        result.setdefault(target_id, {})[row.indicator_id] = (row.facts or {}, row.version)
    return result


def blank_workbook(campaign, targets, current: dict | None = None) -> Workbook:
    """One sheet per target laid out like Table 2; `current` (see current_facts) pre-fills the inputs."""
    rubric = get_rubric(campaign.rubric_code)
    book = Workbook()
    _write_help(book.active, campaign, rubric)
    titles: set[str] = {HELP_TITLE.lower()}
    for target in targets:
        sheet = book.create_sheet(_sheet_title(target.name, titles))
        _write_target(sheet, campaign, rubric, target, (current or {}).get(target.id, {}))
    return book


def _sheet_title(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:28] or "被考评对象"
    title, number = base, 2
    while title.lower() in taken:
        title, number = f"{base}({number})", number + 1
    taken.add(title.lower())
    return title


def _write_help(sheet, campaign, rubric) -> None:
    sheet.title = HELP_TITLE
    lines = [f"{campaign.name} · {rubric.title}", "",
             ("每个被考评对象一张工作表，按表2逐项填写；灰色单元格不填写。导入时整个文件全部正确才会保存，"
              "否则列出每个错误所在的工作表和单元格，什么都不保存。"),
             "各子项得分：按子项顺序用逗号分隔，每项填 是 / 否（得满分 / 0分）或分数（0.5分为单位），未评填“未评”，例如 是,是,否,0.5。",
             "档次：从下拉列表选择（见每行的填写提示）。分值：0.5分为单位。次数：非负整数。是否公开：是 / 否。",
             "人工调整：人工调整分值和人工调整原因须同时填写；报表中注明“人工调整”。",
             f"灰色且注明“{DERIVED_MARK}”的指标由模拟申请记录计算，只可填写说明或人工调整。",
             "整行清空表示该指标改回“未评”。删除整行则不修改该指标。",
             "P列（隐藏）记录被考评对象代码和版本，请勿修改；下载模板后如有他人修改了同一指标，导入时会提示冲突。"]
    for row, text in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=safe(text)).alignment = Alignment(wrap_text=True)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 110


def _write_target(sheet, campaign, rubric, target, current: dict) -> None:
    sheet["A1"] = safe(f"县区名称：{target.name}")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = safe(f"{rubric.title} · 表2 三级考核指标得分")
    sheet["A3"] = f"灰色单元格无需填写；填写方法见“{HELP_TITLE}”工作表和每行的填写提示。"
    sheet["P1"], sheet["P2"], sheet["P3"] = MARKER, safe(target.key), campaign.id
    for letter, title, width in COLUMNS:
        cell = sheet[f"{letter}{HEADER_ROW}"]
        cell.value, cell.font, cell.fill, cell.alignment = title, Font(bold=True), HEAD, WRAP
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions["P"].hidden = True
    sheet.freeze_panes = f"E{FIRST_ROW}"
    validations = _Validations(sheet)
    for row, indicator in enumerate(rubric.indicators, start=FIRST_ROW):
        facts, version = current.get(indicator.id, ({}, 0))
        _write_row(sheet, row, indicator, facts, version)
        validations.add(row, indicator)


def _write_row(sheet, row: int, indicator: Indicator, facts: dict, version: int) -> None:
    group2 = indicator.level2
    values = {"A": indicator.id, "B": indicator.level1, "C": group2, "D": indicator.name,
              "E": indicator.max, "F": indicator.criteria.strip(), "O": _hint(indicator), "P": version}
    values |= _fact_cells(indicator, facts)
    allowed = input_columns(indicator)
    for letter, _title, _width in COLUMNS:
        cell = sheet[f"{letter}{row}"]
        cell.value, cell.alignment = safe(values.get(letter)), WRAP
        if indicator.kind == "derived" and letter in "GHIJK":
            cell.fill = LIGHT
        elif letter in "GHIJK" and letter not in allowed:
            cell.fill = GREY
    if indicator.kind == "derived":
        sheet[f"G{row}"] = DERIVED_MARK
    lines = sum(math.ceil(len(part) / 30) or 1 for part in values["F"].split("\n"))
    sheet.row_dimensions[row].height = min(409, max(30, 15 * lines))


def tier_label(indicator: Indicator, name: str) -> str:
    """A tier as the sheet shows it: its Chinese label (the import reads the label or the code)."""
    return next((t.get("label") or t["name"] for t in indicator.params["tiers"] if t["name"] == name), name)


def _fact_cells(indicator: Indicator, facts: dict) -> dict:
    cells = {}
    items = facts.get("items")
    if isinstance(items, list):
        cells["G"] = ",".join(_item_word(v) for v in items)
    for key, letter in (("points", "I"), ("count", "J"), ("note", "L")):
        if facts.get(key) is not None:
            cells[letter] = facts[key]
    if facts.get("tier") is not None:
        cells["H"] = tier_label(indicator, facts["tier"])
    if facts.get("passed") is not None:
        cells["K"] = "是" if facts["passed"] else "否"
    override = facts.get("override") or {}
    cells["M"], cells["N"] = override.get("points"), override.get("reason")
    return cells


def _item_word(value) -> str:
    if value is None:
        return "未评"
    if isinstance(value, bool):
        return "是" if value else "否"
    return format_points(value)


def _hint(indicator: Indicator) -> str:
    if indicator.kind == "derived":
        return f"{DERIVED_MARK}；如需人工调整，填写人工调整分值和原因"
    parts = []
    if indicator.items and indicator.kind in ("checklist", "tiered"):
        points = ",".join(format_points(item.points) for item in indicator.items)
        parts.append(f"各子项得分：{len(indicator.items)}项，满分依次为 {points}；填 是/否 或分数，逗号分隔")
    if indicator.kind == "tiered":
        parts.append("档次：" + "；".join(t.get("label") or t["name"] for t in indicator.params["tiers"]))
    if indicator.kind == "scale":
        parts.append(f"分值：0–{format_points(indicator.params['max'])}分，0.5分为单位")
    if indicator.kind == "all_or_nothing":
        parts.append("是否公开：填 是 或 否")
    if indicator.kind == "bands":
        parts.append("次数：检索结果第一页出现的次数（整数）；分值：落在区间档时必填")
    return "。".join(parts)


class _Validations:
    """Drop-down lists and number ranges, one validation object per distinct rule."""

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.rules: dict[tuple, DataValidation] = {}

    def _rule(self, key: tuple, **options) -> DataValidation:
        if key not in self.rules:
            rule = DataValidation(allow_blank=True, showErrorMessage=True, errorTitle="输入有误", **options)
            self.sheet.add_data_validation(rule)
            self.rules[key] = rule
        return self.rules[key]

    def _points(self, maximum: float) -> DataValidation:
        text = f"请填写 0–{format_points(maximum)} 之间的分数（0.5分为单位）"
        return self._rule(("points", maximum), type="decimal", operator="between", formula1="0",
                          formula2=format_points(maximum), error=text)

    def add(self, row: int, indicator: Indicator) -> None:
        allowed = input_columns(indicator)
        if "H" in allowed:
            names = ",".join(tier_label(indicator, t["name"]) for t in indicator.params["tiers"])
            self._rule(("tier", names), type="list", formula1=f'"{names}"', error="请从下拉列表选择档次").add(f"H{row}")
        if "I" in allowed:
            self._points(_points_cap(indicator)).add(f"I{row}")
        if "J" in allowed:
            self._rule(("count",), type="whole", operator="greaterThanOrEqual", formula1="0",
                       error="次数应为非负整数").add(f"J{row}")
        if "K" in allowed:
            self._rule(("passed",), type="list", formula1='"是,否"', error="请填写 是 或 否").add(f"K{row}")
        self._points(indicator.max).add(f"M{row}")


def _points_cap(indicator: Indicator) -> float:
    if indicator.kind == "tiered":
        return next(t.get("cap", indicator.max) for t in indicator.params["tiers"] if t["score"] == "entered")
    return indicator.params["max"] if indicator.kind == "scale" else indicator.max


# ---------------------------------------------------------------------------- import

@dataclass
class ImportSummary:
    saved: list[tuple[str, int]]
    unchanged: int

    @property
    def message(self) -> str:
        if not self.saved:
            return f"导入完成：文件与系统中的评分依据一致，没有需要修改的指标（{self.unchanged}项未变）。"
        targets = len({name for name, _ in self.saved})
        return f"导入完成：{targets}个被考评对象共{len(self.saved)}项指标已更新，{self.unchanged}项未变。"


def read_upload(fileobj, max_bytes: int | None = None) -> list:
    """Read and check an uploaded file into plain rows; touches no database (call it holding no lock)."""
    data = read_limited(fileobj, max_bytes or files.max_bytes())
    check_archive(data)
    return read_sheets(data)


def check_upload(campaign, sheets: list) -> list[SheetRows]:
    """Turn the rows of read_upload into facts, refusing the file with every problem; reads only."""
    problems: list[Problem] = []
    parsed = parse_book(sheets, get_rubric(campaign.rubric_code), campaign, problems)
    if not problems and not parsed:
        problems.append(Problem(WHOLE_FILE, "文件中没有评分表工作表"))
    if problems:
        raise WorkbookError(problems)
    return parsed


def import_facts_workbook(actor, campaign, fileobj, *, max_bytes: int | None = None,
                          parsed: list[SheetRows] | None = None) -> ImportSummary:
    """Check the whole file, then save every changed indicator; any problem refuses the whole file.
    `parsed`: the file already read and checked (read_upload, check_upload): the web view does both
    before its write transaction begins."""
    if parsed is None:
        parsed = check_upload(campaign, read_upload(fileobj, max_bytes))
    problems: list[Problem] = []
    summary = _save_all(actor, campaign, get_rubric(campaign.rubric_code), parsed, problems)
    if problems:
        raise WorkbookError(problems)  # the caller rolls back what was saved before
    return summary


def _save_all(actor, campaign, rubric, parsed: list[SheetRows], problems: list[Problem]) -> ImportSummary:
    stored = current_facts(campaign)
    summary = ImportSummary([], 0)
    # Saving holds the write lock (on SQLite, the whole database's): an import that would hold it
    # longer than others wait (busy timeout 15 s) is refused instead of failing their saves (issue 17).
    deadline = time.monotonic() + MAX_SAVE_SECONDS
    for entry in parsed:
        for indicator_id, (number, facts, version) in entry.rows.items():
            indicator = rubric.indicator(indicator_id)
            before = stored.get(entry.target.id, {}).get(indicator_id, ({}, 0))[0]
            if forms.normalise_facts(indicator, before) == forms.normalise_facts(indicator, facts):
                summary.unchanged += 1
                continue
            if time.monotonic() > deadline:
                raise WorkbookError([Problem(WHOLE_FILE, (
                    f"本文件需要修改的指标过多，保存超过 {MAX_SAVE_SECONDS:.0f} 秒仍未完成；为免长时间阻塞他人保存，"
                    f"未导入任何内容。请拆分为几个文件（每个文件少一些被考评对象）分批导入"))])
            problem = _save_one(actor, campaign, entry.target, indicator_id, facts, version)
            if problem is None:
                summary.saved.append((entry.target.name, indicator_id))
            else:
                problems.append(cell_problem(entry.title, f"A{number}", problem))
    return summary


def _save_one(actor, campaign, target, indicator_id: int, facts: dict, version) -> str | None:
    try:
        ops.save_facts(actor, campaign, target, indicator_id, facts, version=version)
    except ConflictError:
        return f"指标{indicator_id}在下载模板之后已被他人修改；为免覆盖，请重新下载模板后再填写该指标"
    except LockedError as error:
        return error.message
    except ValidationError as error:
        return "；".join(error.errors.values())
    return None
