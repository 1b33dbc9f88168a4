"""The scoring engine: check an evaluator's facts for one indicator and turn them into a score
with its generated 赋分说明 (pure: no Flask, no SQLAlchemy).

Facts per kind (DESIGN.md §4); every kind also accepts ``note`` (free text) and
``override: {points, reason}``:
- checklist       ``items``: one entry per sub-item, true/false/null or points 0..p (step 0.5)
- tiered          ``tier`` (a tier name of the indicator), plus ``items`` for a "sum" tier and
                  ``points`` for an "entered" tier
- scale           ``points`` 0..max (step 0.5)
- all_or_nothing  ``passed``: true/false
- bands           ``count`` (integer ≥ 0), plus ``points`` where the band is a range
- derived         none: the score comes from a ``DerivedScore``
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .model import Indicator, format_points as fmt, is_number, is_step_multiple, to_fraction, to_number

_UNSCORED = "未评"
_COMMON_KEYS = frozenset({"note", "override"})
_KIND_KEYS: dict[str, frozenset[str]] = {
    "checklist": frozenset({"items"}),
    "tiered": frozenset({"tier", "items", "points"}),
    "scale": frozenset({"points"}),
    "all_or_nothing": frozenset({"passed"}),
    "bands": frozenset({"count", "points"}),
    "derived": frozenset(),
}


@dataclass(frozen=True)
class FactError:
    field: str
    message_zh: str

    def __str__(self) -> str:
        return f"{self.field}：{self.message_zh}"


class FactsError(ValueError):
    """Facts that cannot be scored; ``errors`` names each bad field."""

    def __init__(self, errors: list[FactError], indicator_id: int | None = None) -> None:
        self.errors = list(errors)
        self.indicator_id = indicator_id
        where = f"指标{indicator_id}" if indicator_id is not None else "评分依据"
        super().__init__(f"{where}的评分依据有误：" + "；".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class DerivedScore:
    """A score computed elsewhere (the requests domain) for indicators 16–22."""
    points: float | None
    explanation_zh: str = ""


@dataclass(frozen=True)
class IndicatorScore:
    points: float | None
    explanation_zh: str
    overridden: bool = False
    override_reason: str | None = None
    computed_points: float | None = None


def _text(params: Mapping[str, Any], key: str, default: str) -> str:
    """An optional label of the rubric's params (absent or null -> default)."""
    return params.get(key) or default


# ---------------------------------------------------------------- checking facts

def validate_facts(indicator: Indicator, facts: Mapping[str, Any] | None) -> list[FactError]:
    if facts is None:
        return []
    if not isinstance(facts, Mapping):
        return [FactError("facts", "评分依据应为对象（字段: 值）")]
    allowed = _COMMON_KEYS | _KIND_KEYS[indicator.kind]
    errors = [
        FactError(str(key), f"指标{indicator.id}不接受此字段；可用字段：{'、'.join(sorted(allowed))}")
        for key in facts if key not in allowed
    ]
    if facts.get("note") is not None and not isinstance(facts["note"], str):
        errors.append(FactError("note", "备注应为文字"))
    if facts.get("override") is not None:
        errors += _check_override(indicator, facts["override"])
    if _has_kind_facts(indicator, facts):
        errors += _VALIDATORS[indicator.kind](indicator, facts)
    return errors


def _has_kind_facts(indicator: Indicator, facts: Mapping[str, Any]) -> bool:
    return any(facts.get(key) is not None for key in _KIND_KEYS[indicator.kind])


def _points_error(value: object, low: float | Fraction, high: float | Fraction) -> str | None:
    if not is_number(value):
        return f"应为数字，实际为 {value!r}"
    if not to_fraction(low) <= to_fraction(value) <= to_fraction(high):
        return f"应在{fmt(low)}–{fmt(high)}分之间，实际为{value}"
    if not is_step_multiple(value):
        return f"应为0.5分的整数倍，实际为{value}"
    return None


def _check_override(indicator: Indicator, override: object) -> list[FactError]:
    if not isinstance(override, Mapping):
        return [FactError("override", "人工调整应为对象 {points, reason}")]
    errors = [FactError(f"override.{key}", "人工调整只接受 points 和 reason")
              for key in override if key not in ("points", "reason")]
    points = override.get("points")
    problem = "必填" if points is None else _points_error(points, 0, indicator.max)
    if problem:
        errors.append(FactError("override.points", f"人工调整分数{problem}"))
    reason = override.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        errors.append(FactError("override.reason", "人工调整必须填写原因"))
    return errors


def _validate_items(indicator: Indicator, items: object, required: bool = True) -> list[FactError]:
    count = len(indicator.items)
    if items is None:
        return [FactError("items", f"必填：每个子项一项，共{count}项")] if required else []
    if not indicator.items:
        return [FactError("items", f"指标{indicator.id}没有子项，不接受 items")]
    if not isinstance(items, list) or len(items) != count:
        actual = f"{len(items)}项" if isinstance(items, list) else repr(items)
        return [FactError("items", f"应为列表，每个子项一项，共{count}项；实际为{actual}")]
    errors = []
    for index, (value, item) in enumerate(zip(items, indicator.items)):
        if value is None or isinstance(value, bool):
            continue
        problem = _points_error(value, 0, item.points)
        if problem:
            errors.append(FactError(f"items[{index}]", f"第{index + 1}项（满分{fmt(item.points)}分，"
                                                       f"可填 true/false 或分数）{problem}"))
    return errors


def _validate_checklist(indicator: Indicator, facts: Mapping[str, Any]) -> list[FactError]:
    return _validate_items(indicator, facts.get("items"))


def _validate_tiered(indicator: Indicator, facts: Mapping[str, Any]) -> list[FactError]:
    tiers = {tier["name"]: tier for tier in indicator.params["tiers"]}
    name = facts.get("tier")
    tier = tiers.get(name) if isinstance(name, str) else None
    if tier is None:
        choices = "、".join(f"{name}（{_text(t, 'label', name)}）" for name, t in tiers.items())
        return [FactError("tier", f"必填，应为以下之一：{choices}；实际为 {facts.get('tier')!r}")]
    errors = _validate_items(indicator, facts.get("items"), required=tier["score"] == "sum")
    points = facts.get("points")
    if tier["score"] == "entered":
        problem = "必填" if points is None else _points_error(points, 0, tier.get("cap", indicator.max))
        if problem:
            errors.append(FactError("points", f"“{_text(tier, 'label', tier['name'])}”档的得分{problem}"))
    elif points is not None:
        entered = "、".join(name for name, t in tiers.items() if t["score"] == "entered")
        errors.append(FactError("points", f"只有{entered or '评定'}档填写 points"))
    return errors


def _validate_scale(indicator: Indicator, facts: Mapping[str, Any]) -> list[FactError]:
    problem = _points_error(facts.get("points"), 0, indicator.params["max"])
    return [FactError("points", f"评定分数{problem}")] if problem else []


def _validate_all_or_nothing(indicator: Indicator, facts: Mapping[str, Any]) -> list[FactError]:
    if isinstance(facts.get("passed"), bool):
        return []
    return [FactError("passed", f"应为 true 或 false，实际为 {facts.get('passed')!r}")]


def _validate_bands(indicator: Indicator, facts: Mapping[str, Any]) -> list[FactError]:
    count = facts.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return [FactError("count", f"必填，应为非负整数（{_count_label(indicator)}的次数），实际为 {count!r}")]
    band = _find_band(indicator, count)
    low, high = _band_points(band)
    points = facts.get("points")
    where = f"{count}{_unit(indicator)}属“{_band_text(indicator, band)}”"
    if points is None:
        return [] if low == high else [FactError("points", f"{where}，须在该区间内评定得分 points")]
    problem = _points_error(points, low, high)
    return [FactError("points", f"{where}，得分{problem}")] if problem else []


# ---------------------------------------------------------------- bands helpers

def _count_label(indicator: Indicator) -> str:
    return _text(indicator.params, "count_label", "出现")


def _unit(indicator: Indicator) -> str:
    return _text(indicator.params, "unit", "次")


def _find_band(indicator: Indicator, count: int) -> Mapping[str, Any]:
    for band in indicator.params["bands"]:
        if band["min"] <= count and ("max" not in band or count <= band["max"]):
            return band
    raise LookupError(f"指标{indicator.id}的档次未覆盖{count}")  # the validator rules this out


def _band_points(band: Mapping[str, Any]) -> tuple[Fraction, Fraction]:
    if "points" in band:
        return to_fraction(band["points"]), to_fraction(band["points"])
    return to_fraction(band["points_min"]), to_fraction(band["points_max"])


def _band_text(indicator: Indicator, band: Mapping[str, Any]) -> str:
    unit = _unit(indicator)
    if "max" not in band:
        span = f"{band['min']}{unit}及以上"
    elif band["min"] == 0:
        span = f"{band['max']}{unit}及以下"
    else:
        span = f"{band['min']}–{band['max']}{unit}"
    low, high = _band_points(band)
    points = fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"
    return f"{span}档，{points}分"


# ---------------------------------------------------------------- scoring

Computed = tuple[Fraction | None, str]


def _result(indicator: Indicator, points: Fraction, reason: str) -> Computed:
    arrow = "→ " if reason.endswith("）") else " → "
    return points, f"{reason}{arrow}{fmt(points)}分（满分{fmt(indicator.max)}分）"


def _item_points(value: bool | int | float | None, full: float) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return to_fraction(full) if value else Fraction(0)
    return to_fraction(value)


def _numbers(positions: list[int]) -> str:
    return "、".join(str(n) for n in positions)


def _item_status(points: Fraction | None, full: float) -> str:
    if points is None:
        return "pending"
    if points == to_fraction(full):
        return "met"
    return "unmet" if points == 0 else "partial"


def _items_summary(indicator: Indicator, values: list) -> Computed:
    """Sum of the sub-items and a phrase like "第1、2、3、5项已公开，第4项未公开"."""
    labels = {"met": _text(indicator.params, "met_label", "符合"),
              "unmet": _text(indicator.params, "unmet_label", "不符合"), "pending": _UNSCORED}
    points = [_item_points(v, item.points) for v, item in zip(values, indicator.items)]
    groups: dict[str, list[int]] = {"met": [], "partial": [], "unmet": [], "pending": []}
    for number, (value, item) in enumerate(zip(points, indicator.items), start=1):
        groups[_item_status(value, item.points)].append(number)
    total = None if groups["pending"] else sum(points, Fraction(0))  # type: ignore[arg-type]
    for status in ("met", "unmet"):
        if len(groups[status]) == len(points):
            return total, f"全部{len(points)}项{labels[status]}"
    phrases = []
    for status, numbers in groups.items():
        if status == "partial":
            phrases += [f"第{n}项得{fmt(points[n - 1])}分（满分{fmt(indicator.items[n - 1].points)}分）"
                        for n in numbers]
        elif numbers:
            phrases.append(f"第{_numbers(numbers)}项{labels[status]}")
    return total, "，".join(phrases)


def _score_checklist(indicator: Indicator, facts: Mapping[str, Any]) -> Computed:
    total, phrase = _items_summary(indicator, facts["items"])
    if total is None:
        return None, f"{phrase} → {_UNSCORED}"
    return _result(indicator, total, phrase)


def _score_tiered(indicator: Indicator, facts: Mapping[str, Any]) -> Computed:
    tier = next(t for t in indicator.params["tiers"] if t["name"] == facts["tier"])
    label = _text(tier, "label", tier["name"])
    if tier["score"] == "fixed":
        return _result(indicator, to_fraction(tier["points"]), label)
    if tier["score"] == "entered":
        return _result(indicator, to_fraction(facts["points"]), f"{label}，评定")
    total, phrase = _items_summary(indicator, facts["items"])
    if total is None:
        return None, f"{phrase}；{label} → {_UNSCORED}"
    cap = tier.get("cap")
    if cap is None or total <= to_fraction(cap):
        return _result(indicator, total, f"{phrase}；{label}")
    return _result(indicator, to_fraction(cap), f"{phrase}（合计{fmt(total)}分）；{label}")


def _score_scale(indicator: Indicator, facts: Mapping[str, Any]) -> Computed:
    return _result(indicator, to_fraction(facts["points"]), "按公开情况评定")


def _score_all_or_nothing(indicator: Indicator, facts: Mapping[str, Any]) -> Computed:
    if facts["passed"]:
        return _result(indicator, to_fraction(indicator.max), _text(indicator.params, "passed_label", "符合要求"))
    return _result(indicator, Fraction(0), _text(indicator.params, "failed_label", "不符合要求"))


def _score_bands(indicator: Indicator, facts: Mapping[str, Any]) -> Computed:
    count = facts["count"]
    band = _find_band(indicator, count)
    points = facts.get("points")
    score = _band_points(band)[0] if points is None else to_fraction(points)
    reason = f"{_count_label(indicator)}{count}{_unit(indicator)}（{_band_text(indicator, band)}）"
    return _result(indicator, score, reason)


def _score_derived(indicator: Indicator, derived: DerivedScore | None) -> Computed:
    if derived is None:
        return None, f"{_UNSCORED}（待模拟申请结果）"
    if derived.points is None:
        return None, derived.explanation_zh or f"{_UNSCORED}（待模拟申请结果）"
    if _points_error(derived.points, 0, indicator.max):
        raise ValueError(f"指标{indicator.id}的计算得分{derived.points}超出0–{fmt(indicator.max)}分")
    points = to_fraction(derived.points)
    if derived.explanation_zh:
        return points, derived.explanation_zh
    return _result(indicator, points, "按模拟申请结果计算")


_VALIDATORS = {
    "checklist": _validate_checklist,
    "tiered": _validate_tiered,
    "scale": _validate_scale,
    "all_or_nothing": _validate_all_or_nothing,
    "bands": _validate_bands,
    "derived": lambda indicator, facts: [],
}
_SCORERS = {
    "checklist": _score_checklist,
    "tiered": _score_tiered,
    "scale": _score_scale,
    "all_or_nothing": _score_all_or_nothing,
    "bands": _score_bands,
}


def _as_float(points: Fraction | None) -> float | None:
    return None if points is None else float(to_number(points))


def score_indicator(indicator: Indicator, facts: Mapping[str, Any] | None,
                    derived: DerivedScore | None = None) -> IndicatorScore:
    """Score one indicator; raise ``FactsError`` if the facts are invalid."""
    errors = validate_facts(indicator, facts)
    if errors:
        raise FactsError(errors, indicator.id)
    facts = facts or {}
    if indicator.kind == "derived":
        computed, explanation = _score_derived(indicator, derived)
    elif _has_kind_facts(indicator, facts):
        computed, explanation = _SCORERS[indicator.kind](indicator, facts)
    else:
        computed, explanation = None, _UNSCORED
    note = (facts.get("note") or "").strip()
    if note:
        explanation = f"{explanation}；备注：{note}"
    override = facts.get("override")
    if override is None:
        return IndicatorScore(_as_float(computed), explanation, computed_points=_as_float(computed))
    points = to_fraction(override["points"])
    reason = override["reason"].strip()
    before = _UNSCORED if computed is None else f"{fmt(computed)}分"
    prefix = "" if explanation == _UNSCORED else f"{explanation}；"
    text = f"{prefix}人工调整：{before} → {fmt(points)}分，原因：{reason}"
    return IndicatorScore(_as_float(points), text, True, reason, _as_float(computed))
