"""Reading an uploaded workbook safely, and turning its rows into facts with every problem's sheet and cell.

Nothing here writes: the caller saves only when no problem was found.
"""
from __future__ import annotations

import re
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import load_workbook

from ..core import parsing as p
from ..core.errors import ValidationError
from ..core.problems import Problem
from ..rubric import Indicator, validate_facts
from ..rubric.model import format_points
from . import forms
from .workbook_layout import (COLUMNS, DERIVED_MARK, FIELD_COLUMN, FIRST_ROW, HEADERS, HELP_TITLE, LAST_ROW, MARKER,
                              input_columns, unsafe)

MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 5000
# The work one upload may cause (issue 17): cells read (rows × columns, empty rows included) and
# seconds spent reading; beyond either the file is refused with a message, nothing saved.
MAX_CELLS = 5_000_000
MAX_SECONDS = 60.0
SPREADSHEET_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


WHOLE_FILE = "（整个文件）"  # the `where` of a problem of the file rather than of one cell


def cell_problem(sheet: str, cell: str, message: str) -> Problem:
    """A problem of one cell; its `where` is "sheet!cell", as Excel names a cell of another sheet."""
    return Problem(f"{sheet}!{cell}", message)


class WorkbookError(ValidationError):
    """The file was refused: every problem, with its sheet and cell; nothing was saved."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__({p.where: p.message for p in problems} or {"file": "文件有误"})


def _refuse(message: str) -> WorkbookError:
    return WorkbookError([Problem(WHOLE_FILE, message)])


def read_limited(fileobj, limit: int) -> bytes:
    data = fileobj.read(limit + 1)
    if len(data) > limit:
        raise _refuse(f"文件超过上传上限 {limit // (1024 * 1024)} MB，未导入")
    if not data:
        raise _refuse("文件为空")
    return data


def check_archive(data: bytes) -> None:
    """Refuse anything that is not an xlsx package, and zip bombs, before openpyxl opens it."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse("这是旧版 Excel（.xls）或加密文件，请在 Excel 中“另存为”.xlsx 格式后再导入")
    if not data.startswith(b"PK\x03\x04"):
        raise _refuse("文件内容不是 Excel 工作簿（.xlsx），请上传从本系统下载并填写的模板")
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
            _check_members(members)
            manifest = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError, NotImplementedError):
        raise _refuse("文件已损坏或不是 Excel 工作簿（.xlsx）") from None
    if SPREADSHEET_MAIN not in manifest:
        raise _refuse("文件不是 Excel 工作簿（可能是 Word 文档或其他压缩包），请上传 .xlsx 文件")


def _check_members(members) -> None:
    if len(members) > MAX_MEMBERS:
        raise _refuse("文件内部结构异常（成员过多），拒绝导入")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise _refuse(f"文件解压后超过 {MAX_UNCOMPRESSED // (1024 * 1024)} MB，疑似压缩炸弹，拒绝导入")
    for member in members:
        if member.flag_bits & 0x1:
            raise _refuse("文件已加密，请去掉密码后再导入")
        # zipfile stops at the declared size, so the declared sizes bound what openpyxl can inflate.
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise _refuse("文件压缩比异常，疑似压缩炸弹，拒绝导入")


def read_sheets(data: bytes) -> list[tuple[str, list[tuple]]]:
    width = len(COLUMNS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a user's file may trip openpyxl's warnings; its content is checked below
        try:
            book = load_workbook(BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 — hostile or broken files fail in many ways inside openpyxl
            raise _refuse("无法读取该 Excel 文件（文件可能已损坏），请用下载的模板重新填写") from None
        budget = _Budget(MAX_CELLS // width, time.monotonic() + MAX_SECONDS)
        try:
            return [(sheet.title, _rows(sheet, width, budget)) for sheet in book.worksheets]
        except WorkbookError:
            raise
        except Exception:  # noqa: BLE001 — as above
            raise _refuse("无法读取该 Excel 文件的内容（文件可能已损坏）") from None
        finally:
            book.close()


@dataclass
class _Budget:
    rows: int
    deadline: float

    def spend(self, title: str, number: int) -> None:
        self.rows -= 1
        if self.rows < 0:
            raise WorkbookError([cell_problem(title, f"A{number}", f"文件过大：单元格超过 {MAX_CELLS:,} 个，未导入；"
                                                                   "请删除多余的行和工作表，或拆分后分批导入")])
        if self.rows % 64 == 0 and time.monotonic() > self.deadline:
            raise WorkbookError([cell_problem(title, f"A{number}",
                                              f"读取文件超过 {MAX_SECONDS:.0f} 秒仍未完成，已停止，"
                                              "未导入任何内容；请删除多余的行和工作表，或拆分后分批导入")])


def _rows(sheet, width: int, budget: _Budget) -> list[tuple]:
    rows = []
    for number, row in enumerate(sheet.iter_rows(max_col=width, values_only=True), start=1):
        budget.spend(sheet.title, number)
        if number > LAST_ROW:
            if any(v not in (None, "") for v in row):
                raise WorkbookError([cell_problem(sheet.title, f"A{number}", f"行数过多：评分表最多 {LAST_ROW} 行")])
            continue
        rows.append(tuple(row) + (None,) * (width - len(row)))
    return rows


# ---------------------------------------------------------------------------- parsing rows

@dataclass
class SheetRows:
    title: str
    target: object
    rows: dict[int, tuple[int, dict, int | None]] = field(default_factory=dict)  # id → (row, facts, version)


def parse_book(sheets, rubric, campaign, problems: list[Problem]) -> list[SheetRows]:
    targets = {t.key: t for t in campaign.targets}
    seen: dict[str, str] = {}
    result = []
    for title, rows in sheets:
        meta = [unsafe(rows[i][15]) if len(rows) > i else None for i in range(3)]
        if meta[0] != MARKER:
            if title != HELP_TITLE:
                problems.append(cell_problem(title, "P2", "不是本系统下载的评分表（缺少隐藏的被考评对象代码），"
                                                          "请删除该工作表或使用下载的模板"))
            continue
        target = _sheet_target(title, meta, campaign, targets, seen, problems)
        if target is not None:
            result.append(SheetRows(title, target, _parse_rows(title, rows, rubric, problems)))
    return result


def _sheet_target(title, meta, campaign, targets, seen, problems):
    if str(meta[2]) != str(campaign.id):
        problems.append(cell_problem(title, "P3", f"该工作表属于另一个考评，不能导入到“{campaign.name}”"))
        return None
    target = targets.get(str(meta[1] or ""))
    if target is None:
        problems.append(cell_problem(title, "P2", f"本考评中没有代码为“{meta[1]}”的被考评对象"))
    elif target.key in seen:
        problems.append(cell_problem(title, "P2", f"被考评对象“{target.name}”已出现在工作表“{seen[target.key]}”中"))
        return None
    else:
        seen[target.key] = title
    return target


def _parse_rows(title, rows, rubric, problems) -> dict:
    parsed: dict[int, tuple[int, dict, int | None]] = {}
    for number, row in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        cells = dict(zip(HEADERS, (unsafe(v) for v in row), strict=True))
        if all(_blank(cells[letter]) for letter in "ABCDEFGHIJKLMN"):
            continue
        indicator = _row_indicator(title, number, cells["A"], rubric, parsed, problems)
        if indicator is None:
            continue
        c = p.Collector()
        facts = _row_facts(indicator, cells, number, c)
        version = c.run(f"P{number}", p.integer, cells["P"], minimum=0, required=False)
        if not c.errors:
            for error in validate_facts(indicator, facts):
                column = FIELD_COLUMN.get(error.field.split("[")[0], "A")
                c.add(f"{column}{number}", f"{forms.field_label(error.field)}：{error.message_zh}")
        problems.extend(cell_problem(title, cell, reason) for cell, reason in c.errors.items())
        parsed[indicator.id] = (number, facts, version)
    return parsed


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _row_indicator(title, number, value, rubric, parsed, problems):
    try:
        indicator = rubric.indicator(int(str(value).strip().rstrip(".")))
    except (KeyError, ValueError, TypeError):
        problems.append(cell_problem(title, f"A{number}", f"指标编号“{value}”不在考评指标中"))
        return None
    if indicator.id in parsed:
        first_row = parsed[indicator.id][0]
        problems.append(cell_problem(title, f"A{number}", f"指标{indicator.id}重复（第{first_row}行已有）"))
        return None
    return indicator


def _row_facts(indicator: Indicator, cells: dict, number: int, c: p.Collector) -> dict:
    allowed = input_columns(indicator)
    for letter in "GHIJK":
        value = cells[letter]
        if letter not in allowed and not _blank(value) and not (letter == "G" and value == DERIVED_MARK):
            c.add(f"{letter}{number}", f"指标{indicator.id}不填写“{HEADERS[letter]}”，请清空该单元格")
    facts: dict = {}
    if "G" in allowed:
        facts["items"] = c.run(f"G{number}", _items, cells["G"], indicator)
    if "H" in allowed:
        facts["tier"] = c.run(f"H{number}", _tier, cells["H"], indicator)
    if "I" in allowed:
        facts["points"] = c.run(f"I{number}", forms.number, cells["I"])
    if "J" in allowed:
        facts["count"] = c.run(f"J{number}", _count, cells["J"])
    if "K" in allowed:
        facts["passed"] = c.run(f"K{number}", p.optional_bool, cells["K"])
    facts["note"] = c.run(f"L{number}", p.text, _text(cells["L"]), max_length=2000)
    points = c.run(f"M{number}", forms.number, cells["M"])
    reason = c.run(f"N{number}", p.text, _text(cells["N"]), max_length=500)
    if points is not None or reason:
        facts["override"] = {"points": points, "reason": reason}
    return {k: v for k, v in facts.items() if v not in (None, "")}


def _text(value) -> str:
    return "" if value is None else format_points(value) if isinstance(value, (int, float)) else str(value)


def _items(value, indicator: Indicator, *, field: str):
    if _blank(value):
        return None
    tokens = [t.strip() for t in re.split(r"[,，、;；]", _text(value))]
    if len(tokens) != len(indicator.items):
        raise ValidationError({field: f"应填写{len(indicator.items)}项（用逗号分隔），实际为{len(tokens)}项"})
    values = []
    for index, (token, item) in enumerate(zip(tokens, indicator.items, strict=True), start=1):
        try:
            values.append(forms.item_value(token, item, field=field))
        except ValidationError:
            raise ValidationError({field: f"第{index}项“{token}”应为 是/否、未评 或 0–{format_points(item.points)} 的分数"}) from None
    return values if any(v is not None for v in values) else None


def _tier(value, indicator: Indicator, *, field: str):
    if _blank(value):
        return None
    text = str(value).strip()
    for tier in indicator.params["tiers"]:
        if text in (tier["name"], tier.get("label")):
            return tier["name"]
    names = "、".join(t.get("label") or t["name"] for t in indicator.params["tiers"])
    raise ValidationError({field: f"档次应为以下之一：{names}（收到“{text[:30]}”）"})


def _count(value, *, field: str):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return p.integer(value, field=field, required=False)
