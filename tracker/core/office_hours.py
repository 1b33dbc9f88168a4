"""Office hours as people type them: "9:00-12:00", "09：00～12：00", "8:30 — 12:00，14:30至18:00".
Pure: core/parsing.py's office_hours (forms, API, bundles) parses through here."""
from __future__ import annotations

import re

_RANGE_MARKS = re.compile(r"\s*(?:-|–|—|―|~|～|至|到)+\s*")
_SEPARATORS = re.compile(r"[,，;；、\s]+")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
EXAMPLE = "例如 08:30-12:00, 14:30-18:00"


class OfficeHoursError(ValueError):
    """The message names the part that could not be read (Chinese, for the user)."""


def _minutes(hours: str, minutes: str, part: str) -> int:
    h, m = int(hours), int(minutes)
    if h > 24 or m > 59 or (h == 24 and m):
        raise OfficeHoursError(f"“{part}”中的时间不存在")
    return h * 60 + m


def _text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_text(value: str) -> list[tuple[str, str]]:
    """The ranges of `value`, each as ("HH:MM", "HH:MM") text, in the order given."""
    normal = _RANGE_MARKS.sub("-", value.replace("：", ":").strip())
    parts = [part for part in _SEPARATORS.split(normal) if part]
    if not parts:
        raise OfficeHoursError(f"请填写办公时间，{EXAMPLE}")
    result = []
    for part in parts:
        match = _RANGE.match(part)
        if not match:
            raise OfficeHoursError(f"“{part}”无法识别：每段办公时间应为 开始-结束，{EXAMPLE}")
        result.append((part.split("-")[0], part.split("-")[1]))
    return result


def normalise(pairs) -> list[list[str]]:
    """[(start, end), …] → sorted [["HH:MM", "HH:MM"], …]; refuses a range that ends before it starts
    and two ranges that overlap, quoting them."""
    spans = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise OfficeHoursError(f"每段办公时间应为 开始-结束，{EXAMPLE}")
        shown = f"{pair[0]}-{pair[1]}"
        times = [re.match(r"^(\d{1,2})[:：](\d{2})$", str(t).strip()) for t in pair]
        if not all(times):
            raise OfficeHoursError(f"“{shown}”无法识别：时间应为 HH:MM")
        start, end = (_minutes(*t.groups(), shown) for t in times)
        if start >= end:
            raise OfficeHoursError(f"办公时间“{shown}”的开始须早于结束")
        spans.append((start, end))
    spans.sort()
    for (first_start, first_end), (second_start, second_end) in zip(spans, spans[1:]):
        if second_start < first_end:
            raise OfficeHoursError(f"办公时间“{_text(first_start)}-{_text(first_end)}”与"
                                   f"“{_text(second_start)}-{_text(second_end)}”重叠")
    return [[_text(start), _text(end)] for start, end in spans]


def office_hours(value) -> list[list[str]]:
    """Text or a list of pairs → sorted, non-overlapping [["HH:MM", "HH:MM"], …]."""
    pairs = parse_text(value) if isinstance(value, str) else (value or [])
    if not pairs:
        raise OfficeHoursError(f"请填写办公时间，{EXAMPLE}")
    return normalise(pairs)
