"""Excel entry of the manual facts: a template laid out like Table 2 (one sheet per target) and an
all-or-nothing import that names the sheet and cell of every problem.

The template carries, in hidden column P, a marker, the target's key, the campaign id and each
row's facts version, so an import finds its target and never overwrites a later edit unseen.
"""
from __future__ import annotations

import math
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from ..core import files
from ..core import parsing as p
from ..core.errors import ConflictError, LockedError, ValidationError
from ..extensions import db
from ..rubric import Indicator, validate_facts
from ..rubric.model import format_points
from . import forms
from . import operations as ops
from .models import IndicatorFacts, ScoreSheet
from .rubric_store import get_rubric

MARKER = "tracker-sheet/1"
HELP_TITLE = "填表说明"
DERIVED_MARK = "由模拟申请自动计算"
HEADER_ROW, FIRST_ROW, LAST_ROW = 4, 5, 500
COLUMNS = (("A", "指标编号", 8), ("B", "一级指标", 12), ("C", "二级指标", 14), ("D", "三级指标", 22),
           ("E", "满分", 6), ("F", "赋分标准", 60), ("G", "各子项得分", 20), ("H", "档次", 14), ("I", "分值", 8),
           ("J", "次数", 8), ("K", "是否公开", 10), ("L", "说明", 30), ("M", "人工调整分值", 10),
           ("N", "人工调整原因", 24), ("O", "填写提示", 40), ("P", "版本（勿改）", 12))
HEADERS = {letter: title for letter, title, _ in COLUMNS}
FIELD_COLUMN = {"items": "G", "tier": "H", "points": "I", "count": "J", "passed": "K", "note": "L",
                "override": "M", "override.points": "M", "override.reason": "N"}
KIND_COLUMNS = {"scale": "I", "all_or_nothing": "K", "bands": "IJ", "derived": ""}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 5000
SPREADSHEET_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
GREY = PatternFill("solid", fgColor="D9D9D9")
LIGHT = PatternFill("solid", fgColor="EEEEEE")
HEAD = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")


def input_columns(indicator: Indicator) -> str:
    if indicator.kind == "checklist":
        return "G"
    if indicator.kind == "tiered":
        entered = any(t["score"] == "entered" for t in indicator.params["tiers"])
        return ("G" if indicator.items else "") + "H" + ("I" if entered else "")
    return KIND_COLUMNS[indicator.kind]


def safe(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (undone on import)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unsafe(value):
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


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
             "每个被考评对象一张工作表，按表2逐项填写；灰色单元格不填写。导入时整个文件全部正确才会保存，"
             "否则列出每个错误所在的工作表和单元格，什么都不保存。",
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


def _fact_cells(indicator: Indicator, facts: dict) -> dict:
    cells = {}
    items = facts.get("items")
    if isinstance(items, list):
        cells["G"] = ",".join(_item_word(v) for v in items)
    for key, letter in (("tier", "H"), ("points", "I"), ("count", "J"), ("note", "L")):
        if facts.get(key) is not None:
            cells[letter] = facts[key]
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
        parts.append("档次：" + "；".join(f"{t['name']} = {t.get('label') or t['name']}" for t in indicator.params["tiers"]))
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
            names = ",".join(t["name"] for t in indicator.params["tiers"])
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


# ---------------------------------------------------------------------------- reading (safely)

@dataclass(frozen=True)
class Problem:
    sheet: str
    cell: str
    reason: str


class WorkbookError(ValidationError):
    """The file was refused: every problem, with its sheet and cell; nothing was saved."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__({f"{p.sheet}!{p.cell}": p.reason for p in problems} or {"file": "文件有误"})


def _refuse(message: str) -> WorkbookError:
    return WorkbookError([Problem("（整个文件）", "—", message)])


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
        try:
            return [(sheet.title, _rows(sheet, width)) for sheet in book.worksheets]
        except WorkbookError:
            raise
        except Exception:  # noqa: BLE001 — as above
            raise _refuse("无法读取该 Excel 文件的内容（文件可能已损坏）") from None
        finally:
            book.close()


def _rows(sheet, width: int) -> list[tuple]:
    rows = []
    for number, row in enumerate(sheet.iter_rows(max_col=width, values_only=True), start=1):
        if number > LAST_ROW:
            if any(v not in (None, "") for v in row):
                raise WorkbookError([Problem(sheet.title, f"A{number}", f"行数过多：评分表最多 {LAST_ROW} 行")])
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
                problems.append(Problem(title, "P2", "不是本系统下载的评分表（缺少隐藏的被考评对象代码），请删除该工作表或使用下载的模板"))
            continue
        target = _sheet_target(title, meta, campaign, targets, seen, problems)
        if target is not None:
            result.append(SheetRows(title, target, _parse_rows(title, rows, rubric, problems)))
    return result


def _sheet_target(title, meta, campaign, targets, seen, problems):
    if str(meta[2]) != str(campaign.id):
        problems.append(Problem(title, "P3", f"该工作表属于另一个考评，不能导入到“{campaign.name}”"))
        return None
    target = targets.get(str(meta[1] or ""))
    if target is None:
        problems.append(Problem(title, "P2", f"本考评中没有代码为“{meta[1]}”的被考评对象"))
    elif target.key in seen:
        problems.append(Problem(title, "P2", f"被考评对象“{target.name}”已出现在工作表“{seen[target.key]}”中"))
        return None
    else:
        seen[target.key] = title
    return target


def _parse_rows(title, rows, rubric, problems) -> dict:
    parsed: dict[int, tuple[int, dict, int | None]] = {}
    for number, row in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        cells = dict(zip(HEADERS, (unsafe(v) for v in row)))
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
        problems.extend(Problem(title, cell, reason) for cell, reason in c.errors.items())
        parsed[indicator.id] = (number, facts, version)
    return parsed


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _row_indicator(title, number, value, rubric, parsed, problems):
    try:
        indicator = rubric.indicator(int(str(value).strip().rstrip(".")))
    except (KeyError, ValueError, TypeError):
        problems.append(Problem(title, f"A{number}", f"指标编号“{value}”不在考评指标中"))
        return None
    if indicator.id in parsed:
        problems.append(Problem(title, f"A{number}", f"指标{indicator.id}重复（第{parsed[indicator.id][0]}行已有）"))
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
    for index, (token, item) in enumerate(zip(tokens, indicator.items), start=1):
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
    names = "、".join(t["name"] for t in indicator.params["tiers"])
    raise ValidationError({field: f"档次应为以下之一：{names}（收到“{text[:30]}”）"})


def _count(value, *, field: str):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return p.integer(value, field=field, required=False)


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


def import_facts_workbook(actor, campaign, fileobj, *, max_bytes: int | None = None) -> ImportSummary:
    """Check the whole file, then save every changed indicator; any problem refuses the whole file."""
    data = read_limited(fileobj, max_bytes or files.max_bytes())
    check_archive(data)
    sheets = read_sheets(data)
    rubric = get_rubric(campaign.rubric_code)
    problems: list[Problem] = []
    parsed = parse_book(sheets, rubric, campaign, problems)
    if not problems and not parsed:
        problems.append(Problem("（整个文件）", "—", "文件中没有评分表工作表"))
    if problems:
        raise WorkbookError(problems)
    summary = _save_all(actor, campaign, rubric, parsed, problems)
    if problems:
        raise WorkbookError(problems)  # the caller rolls back what was saved before
    return summary


def _save_all(actor, campaign, rubric, parsed: list[SheetRows], problems: list[Problem]) -> ImportSummary:
    stored = current_facts(campaign)
    summary = ImportSummary([], 0)
    for entry in parsed:
        for indicator_id, (number, facts, version) in entry.rows.items():
            indicator = rubric.indicator(indicator_id)
            before = stored.get(entry.target.id, {}).get(indicator_id, ({}, 0))[0]
            if forms.normalise_facts(indicator, before) == forms.normalise_facts(indicator, facts):
                summary.unchanged += 1
                continue
            problem = _save_one(actor, campaign, entry.target, indicator_id, facts, version)
            if problem is None:
                summary.saved.append((entry.target.name, indicator_id))
            else:
                problems.append(Problem(entry.title, f"A{number}", problem))
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
