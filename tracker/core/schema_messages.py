"""JSON Schema errors told in Chinese, one wording for every caller: the API's request bodies
(api/schema_check.py) and bundle import (bundles/validate.py). Each caller names the field its own
way (a dotted path, or the bundle's field label); this module says what is wrong with the value.
Both callers also check the "date" and "date-time" formats the same way (check_dates)."""
from __future__ import annotations

import json
import re
from datetime import date, datetime

from .parsing import missing_day

TYPE_LABELS = {"string": "字符串", "integer": "整数", "number": "数字", "boolean": "布尔值（true/false）",
               "object": "对象", "array": "数组", "null": "null"}
_LIMITS = {
    "minimum": "不能小于 {}", "maximum": "不能大于 {}", "exclusiveMinimum": "应大于 {}",
    "multipleOf": "应为 {} 的整数倍", "minItems": "至少应有 {} 项", "maxItems": "最多只能有 {} 项",
    "minLength": "至少 {} 个字符", "maxLength": "不能超过 {} 个字符",
    "minProperties": "不能为空对象", "additionalProperties": "含有不支持的字段",
}


def show_value(value) -> str:
    """A value as JSON, cut to 60 characters: enough to recognise it in a message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def schema_message(error) -> str:
    """What is wrong with the value of one jsonschema ValidationError ("required" and the
    combinators are the callers' business: they know which field or branch to name)."""
    kind, expected, actual = error.validator, error.validator_value, error.instance
    shown = show_value(actual)
    if kind == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        return f"应为{'或'.join(TYPE_LABELS.get(t, t) for t in wanted)}，实际为 {shown}"
    if kind == "enum":
        return f"取值 {shown} 无效，应为以下之一：{'、'.join(map(str, expected))}"
    if kind == "const":
        return f"应为 {show_value(expected)}，实际为 {shown}"
    if kind == "format" and isinstance(actual, str) and missing_day(actual[:10]):
        return missing_day(actual[:10])  # "2026年2月30日不存在" (issue 15)
    if kind in ("pattern", "format"):
        return f"{error.schema.get('x-problem-zh', '格式不正确')}，实际为 {shown}"
    if kind in _LIMITS:
        return f"{_LIMITS[kind].format(expected)}，实际为 {shown}"
    return "不符合要求"


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})")


def is_date(value) -> bool:
    """Format "date": YYYY-MM-DD of a day that exists (a non-string is the type check's business)."""
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and date.fromisoformat(value))


def is_datetime(value) -> bool:
    """Format "date-time": RFC 3339 with its UTC offset ("T" or a space between date and time)."""
    if not isinstance(value, str):
        return True
    if not _DATETIME.fullmatch(value):
        return False
    normalised = f"{value[:10]}T{value[11:]}".upper().replace("Z", "+00:00")
    return datetime.fromisoformat(normalised).tzinfo is not None


def check_dates(checker):
    """Register "date" and "date-time" on a jsonschema FormatChecker and return it: date-time is then
    checked even without the optional rfc3339 package, and both callers refuse the same strings."""
    checker.checks("date", raises=ValueError)(is_date)
    checker.checks("date-time", raises=ValueError)(is_datetime)
    return checker
