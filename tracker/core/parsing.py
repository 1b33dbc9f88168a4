"""Parsing of user input (forms, API, CLI) into typed values, with Chinese messages naming the field.

Operations validate through these helpers, so the UI, the API, the CLI and bundle import share
one set of rules and one set of messages.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from ..law.workdays import BEIJING, MAX_YEAR, MIN_YEAR
from .errors import ValidationError
from .office_hours import OfficeHoursError
from .office_hours import office_hours as parse_office_hours

MIN_DATE = date(MIN_YEAR, 1, 1)
MAX_DATE = date(MAX_YEAR, 12, 31)
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Collector:
    """Gathers every field error so the user sees them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def run(self, field: str, parse, *args, **kwargs):
        try:
            return parse(*args, field=field, **kwargs)
        except ValidationError as error:
            for name, message in error.errors.items():
                self.add(name, message)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(dict(self.errors))


def text(value, *, field: str, required: bool = False, max_length: int = 200) -> str:
    value = "" if value is None else str(value).strip()
    if _UNSTORABLE.search(value):
        # NUL cannot be stored by PostgreSQL and a lone surrogate by either database: refuse, never crash.
        raise ValidationError({field: "包含不可见的控制字符或无效字符（如 \\x00），请删除后重新填写"})
    if required and not value:
        raise ValidationError({field: "必填"})
    if len(value) > max_length:
        raise ValidationError({field: f"不能超过 {max_length} 个字符（当前 {len(value)} 个）"})
    return value


def optional_date(value, *, field: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({field: _bad_date_message(str(value).strip())}) from None
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise ValidationError({field: f"日期须在 {MIN_DATE.year}–{MAX_DATE.year} 年之间"})
    return parsed


_DAY_SHAPE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def missing_day(text: str) -> str | None:
    """"2026年2月30日不存在" for a well-formed date that is not in the calendar (issue 15)."""
    match = _DAY_SHAPE.match(text)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        date(year, month, day)
        return None  # it exists: whatever is wrong, it is not the day
    except ValueError:
        pass
    if not 1 <= month <= 12:
        return f"{year}年{month}月不存在（月份应为1–12）"
    return f"{year}年{month}月{day}日不存在"


def _bad_date_message(text: str) -> str:
    return missing_day(text) or f"日期格式应为 YYYY-MM-DD（收到 {text[:40]!r}）"


def required_date(value, *, field: str) -> date:
    parsed = optional_date(value, field=field)
    if parsed is None:
        raise ValidationError({field: "必填（YYYY-MM-DD）"})
    return parsed


def optional_datetime(value, *, field: str) -> datetime | None:
    """Aware datetime; a naive input is read as Beijing time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            missing = missing_day(str(value).strip()[:10])
            raise ValidationError({field: missing or f"时间格式应为 YYYY-MM-DDTHH:MM（收到 {str(value)[:40]!r}）"}) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    if not MIN_DATE <= parsed.astimezone(BEIJING).date() <= MAX_DATE:
        raise ValidationError({field: f"时间须在 {MIN_DATE.year}–{MAX_DATE.year} 年之间"})
    return parsed


def optional_bool(value, *, field: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"1", "true", "yes", "on", "y", "是"}:
        return True
    if lowered in {"0", "false", "no", "off", "n", "否"}:
        return False
    raise ValidationError({field: "应为 是/否"})


def checkbox(value, *, field: str) -> bool:
    return bool(optional_bool(value, field=field))


def integer(value, *, field: str, minimum: int | None = None, maximum: int | None = None,
            required: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError({field: "必填（整数）"})
        return None
    if isinstance(value, bool):
        raise ValidationError({field: "应为整数"})
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError({field: f"应为整数（收到 {str(value)[:20]!r}）"}) from None
    if minimum is not None and number < minimum:
        raise ValidationError({field: f"不能小于 {minimum}"})
    if maximum is not None and number > maximum:
        raise ValidationError({field: f"不能大于 {maximum}"})
    return number


MAX_ID = 2**31 - 1


def record_id(value, *, field: str, required: bool = False) -> int | None:
    """A database id from user input: out-of-range numbers are "no such record", never an overflow."""
    return integer(value, field=field, minimum=1, maximum=MAX_ID, required=required)


def money(value, *, field: str) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: "应为金额数字"}) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1000000"):
        raise ValidationError({field: "金额须在 0–1000000 元之间"})
    return amount.quantize(Decimal("0.01"))


def choice(value, *, field: str, choices, required: bool = True) -> str | None:
    value = "" if value is None else str(value).strip()
    if not value and not required:
        return None
    if value not in choices:
        # A mapping names its choices in Chinese: "应为以下之一：已主动公开、予以公开…", never the codes alone.
        shown = (f"{label}（{code}）" for code, label in choices.items()) if isinstance(choices, Mapping) else choices
        raise ValidationError({field: "应为以下之一：" + "、".join(str(c) for c in shown)})
    return value


def clock_time(value, *, field: str) -> time:
    match = _TIME_RE.match(str(value or "").strip())
    if not match:
        raise ValidationError({field: "时间格式应为 HH:MM"})
    return time(int(match.group(1)), int(match.group(2)))


def office_hours(value, *, field: str) -> list[list[str]]:
    """Accept [["08:30","12:00"], …] or text as people type it (core/office_hours.py)."""
    try:
        return parse_office_hours(value)
    except OfficeHoursError as error:
        raise ValidationError({field: str(error)}) from None


def url(value, *, field: str) -> str:
    value = text(value, field=field, max_length=500)
    if value and not re.match(r"^https?://[^\s]+$", value):
        raise ValidationError({field: "网址须以 http:// 或 https:// 开头"})
    return value
