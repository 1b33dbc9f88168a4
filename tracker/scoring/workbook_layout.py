"""The layout of the Excel entry sheet (one per target, like Table 2), shared by writing and reading.

Hidden column P carries a marker (P1), the target's key (P2), the campaign id (P3) and each
row's facts version, so an import finds its target and never overwrites a later edit unseen.
"""
from __future__ import annotations

from ..rubric import Indicator

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
