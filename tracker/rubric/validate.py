"""Validate a rubric mapping (as read from TOML or JSON) before it becomes a ``Rubric``.

Every problem names its location (e.g. ``indicators[id=10].params.bands[1]``) and says in
Chinese what is wrong.  Facts of the seed that are odd but true (an indicator worth 0, a group
named differently in Table 2, missing ids) are accepted and reported as notes.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..core.problems import Problem
from .model import KINDS, format_points, is_number, is_step_multiple, to_fraction


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))


@dataclass(frozen=True)
class _Group2:
    location: str
    level1: str
    max: Fraction | None
    order: int


def validate_rubric(mapping: object) -> ValidationReport:
    report = ValidationReport()
    if not isinstance(mapping, Mapping):
        report.add("$", "考评指标文件应为对象（表）/ rubric must be a mapping")
        return report
    _check_top(mapping, report)
    groups = _check_groups(mapping, report)
    indicators = _check_indicators(mapping, groups, report)
    _check_indicator_sums(indicators, groups, report)
    _check_order(indicators, groups, report)
    if report.ok:  # notes describe a usable rubric; the structure is only trusted when valid
        _collect_notes(mapping, indicators, report)
    return report


# ---------------------------------------------------------------- field helpers

def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_points(value: object) -> bool:
    return is_number(value) and value >= 0 and is_step_multiple(value)


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


_POINTS_ZH = "0.5分整数倍的非负数"


def _field(report: ValidationReport, obj: Mapping, key: str, loc: str,
           check: Callable[[Any], bool], expected: str, required: bool = True) -> Any:
    """Return obj[key] if it passes ``check``; otherwise record a problem and return None."""
    where = f"{loc}.{key}" if loc else key
    if key not in obj or obj[key] is None:
        if required:
            report.add(where, f"缺少必填字段 {key} / missing")
        return None
    value = obj[key]
    if not check(value):
        report.add(where, f"应为{expected}，实际为 {value!r}")
        return None
    return value


def _list_of_mappings(report: ValidationReport, obj: Mapping, key: str, loc: str) -> list:
    where = f"{loc}.{key}" if loc else key
    value = obj.get(key)
    if not isinstance(value, list) or not value:
        report.add(where, "应为非空列表 / must be a non-empty list")
        return []
    good = []
    for index, entry in enumerate(value):
        if isinstance(entry, Mapping):
            good.append((index, entry))
        else:
            report.add(f"{where}[{index}]", "应为对象（表）")
    return good


def _sum(values) -> Fraction:
    return sum((to_fraction(v) for v in values), Fraction(0))


# ---------------------------------------------------------------- top level and groups

def _check_top(mapping: Mapping, report: ValidationReport) -> None:
    _field(report, mapping, "code", "", _is_text, "非空字符串")
    _field(report, mapping, "title", "", _is_text, "非空字符串")
    total = _field(report, mapping, "total", "", lambda v: _is_points(v) and v > 0, "正数")
    pass_mark = _field(report, mapping, "pass_mark", "", _is_points, _POINTS_ZH, required=False)
    if total is not None and pass_mark is not None and pass_mark > total:
        report.add("pass_mark", f"合格分{format_points(pass_mark)}超过总分{format_points(total)}")
    _field(report, mapping, "notes", "", _is_text_list, "字符串列表", required=False)


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_groups(mapping: Mapping, report: ValidationReport) -> dict[str, _Group2]:
    groups: dict[str, _Group2] = {}
    level1_names: set[str] = set()
    level1_sum = Fraction(0)
    for i, group1 in _list_of_mappings(report, mapping, "level1", ""):
        loc1 = f"level1[{i}]"
        name1 = _field(report, group1, "name", loc1, _is_text, "非空字符串")
        max1 = _field(report, group1, "max", loc1, _is_points, _POINTS_ZH)
        if name1 is not None and name1 in level1_names:
            report.add(f"{loc1}.name", f"一级指标“{name1}”重复")
        level1_names.add(name1)
        children = Fraction(0)
        for j, group2 in _list_of_mappings(report, group1, "level2", loc1):
            loc2 = f"{loc1}.level2[{j}]"
            child = _check_level2(group2, loc2, name1, len(groups), groups, report)
            children += child or 0
        if max1 is not None and children != to_fraction(max1):
            report.add(f"{loc1}.max", f"一级指标“{name1}”满分{format_points(max1)}分，"
                                      f"但其二级指标合计{format_points(children)}分")
        level1_sum += to_fraction(max1 or 0)
    total = mapping.get("total")
    if _is_points(total) and level1_sum != to_fraction(total):
        report.add("total", f"总分{format_points(total)}分，但一级指标合计{format_points(level1_sum)}分")
    return groups


def _check_level2(group2: Mapping, loc: str, level1: str, order: int,
                  groups: dict[str, _Group2], report: ValidationReport) -> Fraction | None:
    name = _field(report, group2, "name", loc, _is_text, "非空字符串")
    _field(report, group2, "table2_name", loc, _is_text, "非空字符串", required=False)
    maximum = _field(report, group2, "max", loc, _is_points, _POINTS_ZH)
    if name is None:
        return None
    if name in groups:
        report.add(f"{loc}.name", f"二级指标“{name}”重复（已见于{groups[name].location}）")
        return None
    max_fraction = None if maximum is None else to_fraction(maximum)
    groups[name] = _Group2(loc, level1, max_fraction, order)
    return max_fraction


# ---------------------------------------------------------------- indicators

def _check_indicators(mapping: Mapping, groups: dict[str, _Group2],
                      report: ValidationReport) -> list[tuple[str, Mapping]]:
    """Check every indicator; return (location, indicator) for those with a usable id."""
    seen: dict[int, str] = {}
    checked = []
    for index, indicator in _list_of_mappings(report, mapping, "indicators", ""):
        loc = f"indicators[{index}]"
        ident = _field(report, indicator, "id", loc, _is_positive_int, "正整数")
        if ident is not None and ident in seen:
            report.add(f"{loc}.id", f"指标编号{ident}重复（已用于{seen[ident]}）")
            ident = None
        if ident is not None:
            seen[ident] = loc
            loc = f"indicators[id={ident}]"
        _check_indicator(indicator, loc, groups, report)
        if ident is not None:
            checked.append((loc, indicator))
    return checked


def _check_indicator(indicator: Mapping, loc: str, groups: dict[str, _Group2],
                     report: ValidationReport) -> None:
    _field(report, indicator, "name", loc, _is_text, "非空字符串")
    level2 = _field(report, indicator, "level2", loc, _is_text, "非空字符串")
    if level2 is not None and level2 not in groups:
        report.add(f"{loc}.level2", f"未知的二级指标“{level2}”")
    level1 = _field(report, indicator, "level1", loc, _is_text, "非空字符串", required=False)
    if level1 is not None and level2 in groups and groups[level2].level1 != level1:
        report.add(f"{loc}.level1", f"与二级指标“{level2}”所属的一级指标“{groups[level2].level1}”不符")
    _field(report, indicator, "max", loc, _is_points, _POINTS_ZH)
    _field(report, indicator, "criteria", loc, lambda v: isinstance(v, str), "字符串", required=False)
    _field(report, indicator, "responsible_unit", loc, _is_text, "非空字符串或null", required=False)
    _field(report, indicator, "notes", loc, _is_text_list, "字符串列表", required=False)
    _check_items(indicator, loc, report)
    kind = _field(report, indicator, "kind", loc, lambda v: v in KINDS, "以下之一：" + "、".join(KINDS))
    params = indicator.get("params", {})
    if not isinstance(params, Mapping):
        report.add(f"{loc}.params", "应为对象（表）")
    elif kind is not None and _is_points(indicator.get("max")):
        _PARAM_CHECKS[kind](indicator, params, loc, report)


def _check_items(indicator: Mapping, loc: str, report: ValidationReport) -> None:
    items = indicator.get("items", [])
    if not isinstance(items, list):
        report.add(f"{loc}.items", "应为列表")
        return
    for index, item in enumerate(items):
        where = f"{loc}.items[{index}]"
        if not isinstance(item, Mapping):
            report.add(where, "应为对象 {points, text}")
            continue
        _field(report, item, "points", where, _is_points, _POINTS_ZH)
        _field(report, item, "text", where, _is_text, "非空字符串")


def _group_name(indicator: Mapping) -> str | None:
    name = indicator.get("level2")
    return name if isinstance(name, str) else None


def _check_indicator_sums(indicators: list[tuple[str, Mapping]], groups: dict[str, _Group2],
                          report: ValidationReport) -> None:
    sums = {name: Fraction(0) for name in groups}
    for _, indicator in indicators:
        name = _group_name(indicator)
        if name in sums and _is_points(indicator.get("max")):
            sums[name] += to_fraction(indicator["max"])
    for name, group in groups.items():
        if group.max is not None and sums[name] != group.max:
            report.add(f"{group.location}.max", f"二级指标“{name}”满分{format_points(group.max)}分，"
                                                f"但其三级指标合计{format_points(sums[name])}分")


def _check_order(indicators: list[tuple[str, Mapping]], groups: dict[str, _Group2],
                 report: ValidationReport) -> None:
    """Official order = Table 2's order: indicators must follow their groups' order."""
    latest = -1
    for loc, indicator in indicators:
        group = groups.get(_group_name(indicator))
        if group is None:
            continue
        if group.order < latest:
            report.add(f"{loc}.level2", "指标顺序应与二级指标顺序一致（同组指标须相邻）")
        latest = max(latest, group.order)


def _collect_notes(mapping: Mapping, indicators: list[tuple[str, Mapping]],
                   report: ValidationReport) -> None:
    if mapping.get("pass_mark") is None:
        report.notes.append("未设合格分（pass_mark 为空）")
    for group1 in mapping["level1"]:
        for group2 in group1["level2"]:
            if group2.get("table2_name") not in (None, group2["name"]):
                report.notes.append(f"二级指标“{group2.get('name')}”在表2中称“{group2['table2_name']}”")
    ids = sorted(indicator["id"] for _, indicator in indicators)
    for _, indicator in indicators:
        if indicator.get("max") == 0:
            report.notes.append(f"指标{indicator['id']}（{indicator.get('name')}）满分为0分")
    if ids:
        missing = sorted(set(range(1, ids[-1] + 1)) - set(ids))
        if missing:
            report.notes.append("指标编号缺" + "、".join(str(m) for m in missing))


# ---------------------------------------------------------------- rule parameters per kind

def _within(maximum: Fraction) -> Callable[[Any], bool]:
    return lambda value: _is_points(value) and to_fraction(value) <= maximum


def _range_zh(maximum: Fraction) -> str:
    return f"0–{format_points(maximum)}分之间、0.5分整数倍的数"


def _check_items_sum(indicator: Mapping, loc: str, report: ValidationReport) -> None:
    items = indicator.get("items") or []
    if not isinstance(items, list):
        return  # already reported by _check_items
    if not items:
        report.add(f"{loc}.items", "该规则需要子项 items / items required")
        return
    points = [item.get("points") for item in items if isinstance(item, Mapping)]
    if all(_is_points(p) for p in points) and _sum(points) != to_fraction(indicator["max"]):
        report.add(f"{loc}.items", f"子项合计{format_points(_sum(points))}分，"
                                   f"与指标满分{format_points(indicator['max'])}分不符")


def _check_labels(params: Mapping, loc: str, report: ValidationReport, *keys: str) -> None:
    for key in keys:
        _field(report, params, key, f"{loc}.params", _is_text, "非空字符串", required=False)


def _check_checklist(indicator: Mapping, params: Mapping, loc: str, report: ValidationReport) -> None:
    _check_items_sum(indicator, loc, report)
    _check_labels(params, loc, report, "met_label", "unmet_label")


_TIER_SCORES = ("sum", "entered", "fixed")


def _check_tiered(indicator: Mapping, params: Mapping, loc: str, report: ValidationReport) -> None:
    maximum = to_fraction(indicator["max"])
    names: set[str] = set()
    uses_sum = False
    for i, tier in _list_of_mappings(report, params, "tiers", f"{loc}.params"):
        where = f"{loc}.params.tiers[{i}]"
        name = _field(report, tier, "name", where, _is_text, "非空字符串")
        if name in names:
            report.add(f"{where}.name", f"档次“{name}”重复")
        names.add(name)
        _field(report, tier, "label", where, _is_text, "非空字符串", required=False)
        score = _field(report, tier, "score", where, lambda v: v in _TIER_SCORES, "sum、entered 或 fixed")
        _field(report, tier, "points", where, _within(maximum), _range_zh(maximum), required=score == "fixed")
        _field(report, tier, "cap", where, _within(maximum), _range_zh(maximum), required=False)
        uses_sum = uses_sum or score == "sum"
    if uses_sum:
        _check_items_sum(indicator, loc, report)


def _check_scale(indicator: Mapping, params: Mapping, loc: str, report: ValidationReport) -> None:
    scale_max = _field(report, params, "max", f"{loc}.params", _is_points, _POINTS_ZH)
    if scale_max is not None and to_fraction(scale_max) != to_fraction(indicator["max"]):
        report.add(f"{loc}.params.max", f"量表上限{format_points(scale_max)}分应等于"
                                        f"指标满分{format_points(indicator['max'])}分")


def _check_all_or_nothing(indicator: Mapping, params: Mapping, loc: str, report: ValidationReport) -> None:
    points = _field(report, params, "points", f"{loc}.params", _is_points, _POINTS_ZH, required=False)
    if points is not None and to_fraction(points) != to_fraction(indicator["max"]):
        report.add(f"{loc}.params.points", f"通过得分{format_points(points)}分应等于"
                                           f"指标满分{format_points(indicator['max'])}分")
    _check_labels(params, loc, report, "passed_label", "failed_label")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_bands(indicator: Mapping, params: Mapping, loc: str, report: ValidationReport) -> None:
    where = f"{loc}.params"
    _check_labels(params, loc, report, "count_label", "unit")
    bounds = []
    for i, band in _list_of_mappings(report, params, "bands", where):
        checked = _check_band(band, f"{where}.bands[{i}]", to_fraction(indicator["max"]), report)
        if checked is not None:
            bounds.append((checked[0], checked[1], i))
    if bounds:
        _check_band_coverage(bounds, where, report)


def _check_band(band: Mapping, loc: str, maximum: Fraction,
                report: ValidationReport) -> tuple[int, float] | None:
    low = _field(report, band, "min", loc, _is_count, "非负整数")
    high = _field(report, band, "max", loc, _is_count, "非负整数", required=False)
    if low is not None and high is not None and high < low:
        report.add(f"{loc}.max", f"上限{high}小于下限{low}")
        return None
    if "points" in band:
        _field(report, band, "points", loc, _within(maximum), _range_zh(maximum))
        if "points_min" in band or "points_max" in band:
            report.add(loc, "points 与 points_min/points_max 只能二选一")
    else:
        low_points = _field(report, band, "points_min", loc, _within(maximum), _range_zh(maximum))
        high_points = _field(report, band, "points_max", loc, _within(maximum), _range_zh(maximum))
        if low_points is not None and high_points is not None and low_points >= high_points:
            report.add(f"{loc}.points_max", "应大于 points_min（同分请用 points）")
    return None if low is None else (low, float("inf") if high is None else high)


def _check_band_coverage(bounds: list[tuple[int, float, int]], where: str,
                         report: ValidationReport) -> None:
    """The bands must cover 0, 1, 2, … exactly once, the last one open-ended."""
    expected: float = 0
    for low, high, index in sorted(bounds):
        loc = f"{where}.bands[{index}]"
        if low > expected:
            gap = f"{int(expected)}" if low - 1 == expected else f"{int(expected)}–{low - 1}"
            report.add(loc, f"档次之间有缺口：{gap}次未被任何档次覆盖")
        elif low < expected:
            report.add(loc, f"与前一档重叠：{low}次已属于前一档")
        expected = max(expected, high + 1)
    if expected != float("inf"):
        report.add(f"{where}.bands", f"最高档应无上限：{int(expected)}次及以上未被覆盖")


def _check_derived(indicator: Mapping, params: Mapping, loc: str, report: ValidationReport) -> None:
    _field(report, params, "purposes", f"{loc}.params", _is_text_list, "字符串列表", required=False)
    _check_labels(params, loc, report, "basis")


_PARAM_CHECKS: dict[str, Callable[[Mapping, Mapping, str, ValidationReport], None]] = {
    "checklist": _check_checklist,
    "tiered": _check_tiered,
    "scale": _check_scale,
    "all_or_nothing": _check_all_or_nothing,
    "bands": _check_bands,
    "derived": _check_derived,
}
