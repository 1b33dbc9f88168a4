"""One indicator's flat HTML form (or workbook row) ↔ the facts dict of its rule kind (DESIGN §4).

Errors are keyed like the operations' errors (``"10.points"``), so a message lands next to the
input that caused it whichever layer found the problem.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from fractions import Fraction

from ..core import labels
from ..core import parsing as p
from ..core.errors import ValidationError
from ..rubric import Indicator, Item
from ..rubric.model import format_points
from .limits import bounded_text

FIELD_LABELS = {
    "items": "各子项得分", "tier": "档次", "points": "分值", "count": "次数", "passed": "是否公开",
    "note": "说明", "override": "人工调整", "override.points": "人工调整分值", "override.reason": "人工调整原因",
    "version": "版本", "indicator": "考评指标", "facts": "评分依据", "url": "网址", "file": "截图",
    "description": "截图说明", "status": "状态", "pending": "未评指标", "reason": "原因",
}
labels.register({name: label for name, label in FIELD_LABELS.items() if name not in labels.LABELS})
TRUE_WORDS = frozenset({"是", "符合", "已公开", "有", "true", "yes", "y", "√", "✓", "✔"})
FALSE_WORDS = frozenset({"否", "不符合", "未公开", "无", "false", "no", "n", "×", "✗", "✘"})
PENDING_WORDS = frozenset({"", "未评", "待评", "-", "—"})
PASSED_CHOICES = (("", "未评"), ("true", "是（已公开）"), ("false", "否（未公开）"))
_NUMBER_RE = re.compile(r"^[+]?\d+(\.\d+)?$")
_ITEM_FIELD = re.compile(r"^item-(\d+)$")
_ITEM_ERROR = re.compile(r"^items\[(\d+)\]$")


def field_label(field: str) -> str:
    """"10.items[2]" → "各子项得分 第3项"; "override.reason" → "人工调整原因"."""
    name = field.split(".", 1)[1] if field.split(".", 1)[0].isdigit() and "." in field else field
    match = _ITEM_ERROR.match(name)
    if match:
        return f"{FIELD_LABELS['items']} 第{int(match.group(1)) + 1}项"
    return FIELD_LABELS.get(name, name)


# ---------------------------------------------------------------------------- values

def number(value, *, field: str) -> int | float | None:
    """'' → None, '2.5' → 2.5, '4' → 4; words, negatives written as text, NaN and infinities are refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError({field: "应为数字"})
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValidationError({field: "应为有限的数字"})
        number_ = value
    else:
        text = str(value).strip().replace("．", ".")
        if text.startswith("-") and _NUMBER_RE.match(text[1:]):
            raise ValidationError({field: f"不能为负数（收到 {text[:20]!r}）"})
        if not _NUMBER_RE.match(text) or len(text) > 20:
            raise ValidationError({field: f"应为数字，如 1 或 1.5（收到 {text[:20]!r}）"})
        number_ = float(text)
    return int(number_) if float(number_).is_integer() else float(number_)


def item_value(raw, item: Item, *, field: str) -> bool | int | float | None:
    """A sub-item's entry: 是/否, points, or 未评; full points is stored as true and 0 as false."""
    if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(raw, str) and raw.strip().lower() in FALSE_WORDS:
        return False
    if raw is None or (isinstance(raw, str) and raw.strip() in PENDING_WORDS):
        return None
    if isinstance(raw, bool):
        return raw
    points = number(raw, field=field)
    return normalise_item(points, item)


def normalise_item(value, item: Item):
    if isinstance(value, bool) or value is None:
        return value
    if Fraction(value) == Fraction(item.points):
        return True
    return False if value == 0 else value


def normalise_facts(indicator: Indicator, facts: Mapping | None) -> dict:
    """Facts in one canonical spelling, so "unchanged" can be told from "changed"."""
    result = {k: v for k, v in dict(facts or {}).items() if v not in (None, "", [], {})}
    items = result.get("items")
    if isinstance(items, list) and len(items) == len(indicator.items):
        result["items"] = [normalise_item(v, item) for v, item in zip(items, indicator.items, strict=True)]
    return result


def point_choices(maximum: float, *, blank: str | None = None) -> list[tuple[str, str]]:
    steps = int(Fraction(maximum) / Fraction(1, 2))
    choices = [(format_points(Fraction(n, 2)), format_points(Fraction(n, 2))) for n in range(steps + 1)]
    return ([("", blank)] if blank is not None else []) + choices


def text_of(value) -> str:
    """A stored number or flag as the form spells it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return format_points(value) if isinstance(value, (int, float)) else str(value)


# ---------------------------------------------------------------------------- form → facts

def facts_from_form(indicator: Indicator, form: Mapping) -> dict:
    """The posted row form → facts for `save_facts` (an empty form clears the indicator to 未评)."""
    c = p.Collector()
    key = f"{indicator.id}."
    facts: dict = {}
    kind = indicator.kind
    if kind in ("checklist", "tiered") and indicator.items:
        facts["items"] = _form_items(c, indicator, form)
    if kind == "tiered":
        facts["tier"] = (form.get("tier") or "").strip() or None
    if kind in ("scale", "bands") or (kind == "tiered" and _entered_tier(indicator, facts.get("tier"))):
        facts["points"] = c.run(key + "points", number, form.get("points"))
    if kind == "bands":
        facts["count"] = c.run(key + "count", p.integer, form.get("count"), required=False)
    if kind == "all_or_nothing":
        facts["passed"] = c.run(key + "passed", p.optional_bool, form.get("passed"))
    facts["note"] = c.run(key + "note", bounded_text, form.get("note"))
    facts["override"] = _form_override(c, key, form)
    c.raise_if_any()
    return {k: v for k, v in facts.items() if v not in (None, "")}


def _entered_tier(indicator: Indicator, tier: str | None) -> bool:
    # Only the tier whose points are entered by hand uses the points select; a value left in it
    # while another tier is chosen is not part of the facts.
    return any(t["name"] == tier and t["score"] == "entered" for t in indicator.params.get("tiers", ()))


def _form_items(c: p.Collector, indicator: Indicator, form: Mapping) -> list | None:
    count = len(indicator.items)
    extra = sorted(int(m.group(1)) for name in form if (m := _ITEM_FIELD.match(name)) and int(m.group(1)) >= count)
    if extra:
        c.add(f"{indicator.id}.items", f"指标{indicator.id}共有{count}个子项，收到第{extra[-1] + 1}项")
        return None
    values = [c.run(f"{indicator.id}.items[{i}]", item_value, form.get(f"item-{i}"), item)
              for i, item in enumerate(indicator.items)]
    return values if any(v is not None for v in values) else None


def _form_override(c: p.Collector, key: str, form: Mapping) -> dict | None:
    points = c.run(key + "override.points", number, form.get("override_points"))
    reason = c.run(key + "override.reason", bounded_text, form.get("override_reason"))
    if points is None and not reason:
        return None
    return {"points": points, "reason": reason}


# ---------------------------------------------------------------------------- facts → form

def form_values(indicator: Indicator, facts: Mapping | None) -> dict[str, str]:
    """Stored facts as the strings the row form shows."""
    facts = facts or {}
    values = {"tier": text_of(facts.get("tier")), "points": text_of(facts.get("points")),
              "count": text_of(facts.get("count")), "passed": text_of(facts.get("passed")),
              "note": facts.get("note") or ""}
    items = facts.get("items") if isinstance(facts.get("items"), list) else []
    for index, item in enumerate(indicator.items):
        value = items[index] if index < len(items) else None
        values[f"item-{index}"] = _item_text(value, item)
    override = facts.get("override") or {}
    values["override_points"] = text_of(override.get("points"))
    values["override_reason"] = override.get("reason") or ""
    return values


def _item_text(value, item: Item) -> str:
    if value is True:
        return format_points(item.points)
    if value is False:
        return "0"
    return text_of(value)
