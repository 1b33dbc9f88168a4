"""Validation of ``tracker-bundle/1`` documents.

Two layers: the published JSON Schema (``schema.json``) and the rules a schema cannot
express (unique keys, references between sections, purpose vs channel, office hours).
Every problem is reported with its JSON path; nothing stops at the first one.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from tracker.core.parsing import missing_day
from tracker.deadline_checks import date_problems
from tracker.deadlines import Event, RequestClock
from tracker.requests.derived import CHANNELS_BY_PURPOSE
from tracker.requests.letters import legal_representative_problem, purpose_20_problems, tracking_number_problem
from tracker.workdays import BEIJING

FORMAT = "tracker-bundle/1"
OFFICIAL_INDICATOR_IDS = frozenset(str(i) for i in [*range(1, 29), 31, 32, 33, 34])
DERIVED_INDICATOR_IDS = frozenset(str(i) for i in range(16, 23))
CHANNEL_LABELS: Mapping[str, str] = {"online": "互联网", "oral": "当面口头", "phone": "电话", "mail": "信函"}

FIELD_LABELS = {
    "format": "格式标识", "campaign": "考评", "name": "名称", "rubric": "指标版本", "year": "年度",
    "team": "项目组", "username": "用户名", "email": "电子邮箱", "role": "角色",
    "targets": "被考评对象列表", "key": "编号", "kind": "类型", "website": "网站",
    "apply_url": "申请网址", "guide_phone": "申请指南电话", "address": "地址",
    "legal_representative": "法定代表人", "office_hours": "办公时间",
    "requests": "模拟申请列表", "target": "被考评对象", "owner": "负责人", "channel": "渠道",
    "purpose": "申请目的", "subject": "申请内容", "submitted_at": "提交时间", "voided": "作废",
    "void_reason": "作废原因", "notes": "备注", "online": "互联网申请信息",
    "oral": "当面申请信息", "phone": "电话测试信息", "letter": "信函信息",
    "window_active": "活动窗口", "accepted": "申请成功", "confirmed_on": "确认日期",
    "confirmation_number": "确认编号", "filled_in_for_applicant": "代为填写",
    "procedure_explained": "告知办理程序", "declined_with_reason": "说明不能办理的原因",
    "place": "地点", "visited_at": "到访时间", "attempts": "拨打记录", "at": "拨打时间",
    "connected": "接通", "answered_correctly": "正确回答", "question": "询问内容",
    "addressee": "收件人", "marked": "信封标注", "posted_on": "交寄日期",
    "tracking_number": "邮件单号", "delivered_on": "签收日期", "returned": "退回",
    "events": "程序事件", "type": "事件类型", "on": "日期", "working_days": "工作日数",
    "reply": "答复", "dispatched_on": "答复交邮日期", "received_on": "答复收到日期",
    "outcome": "答复类型", "told_route": "告知获取途径",
    "provided_or_route_and_time": "提供信息或告知途径和时间", "reasons_given": "说明理由",
    "special_law_referral": "告知按特别规定办理", "fee_charged": "收取费用",
    "remedy_notice": "告知救济途径", "sealed": "加盖公章", "facts": "指标事实",
    "items": "子项", "tier": "档次", "points": "分值", "count": "数量", "passed": "达标",
    "note": "说明", "override": "人工调整", "reason": "原因", "reviews": "审核信息",
    "status": "状态", "submitted_by": "填报人", "reviewed_by": "审核人", "reviewed_on": "审核日期",
    "tracking_other_format": "其他格式单号", "number_called": "实际拨打号码", "party": "征求意见对象",
    "amount": "金额", "form": "答复形式", "documents": "文书", "number": "文号",
    "calendar": "节假日日历", "overrides": "日历调整", "confirmed_years": "已确认年份", "date": "日期",
    "working": "上班", "source": "依据文件",
}
_TYPE_LABELS = {
    "string": "字符串", "number": "数字", "integer": "整数", "boolean": "布尔值（true/false）",
    "object": "对象", "array": "数组", "null": "null",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})")
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

PathPart = str | int


@dataclass(frozen=True)
class BundleProblem:
    """One problem of a bundle: where (a JSON path such as ``$.requests[3].reply.outcome``) and what."""

    path: str
    message_zh: str

    def __str__(self) -> str:
        return f"{self.path}：{self.message_zh}"


class BundleTextError(ValueError):
    """The text is not a JSON object; ``line``/``column`` are 1-based when known."""

    def __init__(self, message_zh: str, line: int | None = None, column: int | None = None):
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.line = line
        self.column = column


def schema() -> dict[str, Any]:
    """The published JSON Schema of tracker-bundle/1 (a fresh copy: callers may modify it)."""
    return copy.deepcopy(_schema())


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# ---------------------------------------------------------------------------- text -> data

_JSON_MESSAGES = {
    "Expecting value": "此处应为一个值",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name enclosed in double quotes": "字段名须用双引号括起，或有多余的逗号",
    "Unterminated string starting at": "字符串没有结束引号",
    "Invalid control character at": "字符串中含有控制字符（如未转义的换行）",
    "Extra data": "JSON 结束后还有多余内容",
}


def load_bundle_text(text: str | bytes) -> dict[str, Any]:
    """Parse bundle text; raise :class:`BundleTextError` naming the line and column of bad JSON."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BundleTextError(f"文件不是 UTF-8 编码（第 {exc.start + 1} 个字节处）") from None
    text = text.removeprefix("\ufeff")  # editors on Windows add a BOM
    try:
        data = json.loads(text, object_pairs_hook=_object_without_duplicates,
                          parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        reason = _JSON_MESSAGES.get(exc.msg, exc.msg)
        raise BundleTextError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{reason}",
                              line=exc.lineno, column=exc.colno) from None
    except RecursionError:  # [[[[…]]]] nested thousands deep: the parser gives up, the app must not crash
        raise BundleTextError("不是有效的数据包：JSON 嵌套层次过深") from None
    except ValueError as exc:  # an integer of more than 4300 digits (Python's limit on int conversion)
        if "digits" not in str(exc):
            raise
        raise BundleTextError("不是有效的数据包：数字过长（超过 4300 位）") from None
    if not isinstance(data, dict):
        raise BundleTextError("数据包的最外层应为 JSON 对象 {…}")
    return data


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would silently keep the last of two equal keys: data loss nobody notices.
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise BundleTextError(f"不是有效的数据包：同一对象中字段 {json.dumps(name, ensure_ascii=False)} 出现了两次")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise BundleTextError(f"不是有效的 JSON：不支持 {name}")


# ---------------------------------------------------------------------------- validation

def validate_bundle(
    data: Any,
    *,
    known_targets: Iterable[str] = (),
    known_users: Iterable[str] = (),
    known_indicators: Iterable[str | int] = OFFICIAL_INDICATOR_IDS,
) -> list[BundleProblem]:
    """Every problem of ``data``, sorted by path; an empty list means the bundle may be imported.

    ``known_targets``/``known_users`` are keys that already exist in the campaign the bundle is
    merged into, so requests may refer to them without repeating them in the bundle.
    """
    problems = [*_schema_problems(data)]
    if isinstance(data, dict):
        context = _Context(data, set(known_targets), set(known_users), {str(i) for i in known_indicators})
        problems += context.problems()
    unique = dict.fromkeys(problems)  # pattern and format may both flag one field
    return sorted(unique, key=lambda p: _natural_key(p.path))


def json_path(parts: Iterable[PathPart]) -> str:
    """``("requests", 3, "reply")`` → ``$.requests[3].reply``; other keys as ``['10']`` (RFC 9535)."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}"
        else:
            text += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return text


def _natural_key(path: str) -> list[Any]:
    return [int(piece) if piece.isdigit() else piece for piece in re.split(r"(\d+)", path)]


@functools.cache
def _validator() -> Draft202012Validator:
    checker = FormatChecker()
    # Registered here so that date-time is checked even without the optional rfc3339 package.
    checker.checks("date-time", raises=ValueError)(_is_datetime)
    checker.checks("date", raises=ValueError)(_is_date)
    fast = validators.extend(Draft202012Validator, {_WHEN: _when})
    return fast(_conditions_as_when(_inline_refs(_schema())), format_checker=checker)


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every local ``$ref`` replaced by its definition (the schema has no cycles).

    Same verdicts, messages and paths; jsonschema resolving a reference costs more than checking
    the value, and a 12 000-request bundle makes ~200 000 of them (about 1.5× faster without).
    """
    definitions = schema.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and set(node) <= {"$ref", "description"}:
            return inline(definitions[ref.removeprefix("#/$defs/")])
        return {key: inline(value) for key, value in node.items()}

    return {key: inline(value) for key, value in schema.items() if key != "$defs"}


# The validator's own copy of the schema (not the published one) spells each
# ``allOf: [{if: {required: [f], properties: {f: {const: v}}}, then: T}, …]`` as
# ``x-when: [[f, v, T], …]``: the same rule checked by a dictionary lookup, where jsonschema
# would build a validator for each `if` of each request (a third of the time of a large bundle).
_WHEN = "x-when"


def _conditions_as_when(node: Any) -> Any:
    if isinstance(node, list):
        return [_conditions_as_when(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _conditions_as_when(value) for key, value in node.items()}
    rules = [_as_rule(item) for item in result.get("allOf", [])]
    if rules and all(rules):
        del result["allOf"]
        result[_WHEN] = rules
    return result


def _as_rule(item: Any) -> list | None:
    """[field, constant, then] for {if: {required: [field], properties: {field: {const}}}, then}."""
    if not isinstance(item, dict) or set(item) != {"if", "then"}:
        return None
    condition = item["if"]
    if not isinstance(condition, dict) or set(condition) != {"required", "properties"}:
        return None
    (field,) = condition["required"] if len(condition["required"]) == 1 else (None,)
    test = condition["properties"].get(field) if field is not None else None
    if len(condition["properties"]) != 1 or not isinstance(test, dict) or set(test) != {"const"}:
        return None
    return [field, test["const"], item["then"]]


def _when(validator, rules: list, instance: Any, _schema: dict) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    for field, constant, then in rules:
        if field in instance and _same(instance[field], constant):
            yield from validator.descend(instance, then)


def _same(value: Any, constant: Any) -> bool:
    """JSON equality as `const` has it: true is not 1."""
    return isinstance(value, bool) == isinstance(constant, bool) and value == constant


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and date.fromisoformat(value))


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME.fullmatch(value):
        return False
    normalised = f"{value[:10]}T{value[11:]}".upper().replace("Z", "+00:00")
    return datetime.fromisoformat(normalised).tzinfo is not None


def _schema_problems(data: Any) -> Iterator[BundleProblem]:
    for error in _validator().iter_errors(data):
        parts = list(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    yield BundleProblem(json_path([*parts, name]), f"缺少必填字段：{_field(name)}")
        else:
            yield BundleProblem(json_path(parts), _schema_message(error, parts))


def _schema_message(error: ValidationError, parts: list[PathPart]) -> str:
    field = _field(next((p for p in reversed(parts) if isinstance(p, str)), ""))
    kind, expected, actual = error.validator, error.validator_value, error.instance
    if kind == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        return f"{field}应为{'或'.join(_TYPE_LABELS[t] for t in wanted)}，实际为 {_show(actual)}"
    if kind == "enum":
        return f"{field}取值 {_show(actual)} 无效，应为以下之一：{'、'.join(map(str, expected))}"
    if kind == "const":
        return f"{field}应为 {_show(expected)}，实际为 {_show(actual)}"
    if kind == "format" and isinstance(actual, str) and missing_day(actual[:10]):
        return f"{field}{missing_day(actual[:10])}"  # "2026年2月30日不存在" (issue 15)
    if kind in ("pattern", "format"):
        return f"{field}{error.schema.get('x-problem-zh', '格式不正确')}，实际为 {_show(actual)}"
    simple = {
        "minimum": f"应不小于 {expected}", "maximum": f"应不大于 {expected}",
        "multipleOf": f"应为 {expected} 的整数倍", "minItems": f"至少应有 {expected} 项",
        "maxItems": f"最多只能有 {expected} 项",
    }
    if kind in simple:
        return f"{field}{simple[kind]}，实际为 {_show(actual)}"
    return f"{field}不符合要求：{error.message}"


def review_problems(review: dict) -> dict[str, str]:
    """What a review entry says that §10.1 forbids, whatever the database holds: a submitted or signed
    sheet names its 填报人, a signed one its 审核人 too, and they differ (four eyes)."""
    status, filled, signer = review.get("status"), review.get("submitted_by"), review.get("reviewed_by")
    problems = {}
    if status in ("submitted", "signed") and not filled:
        problems["submitted_by"] = "已提交或已签署的评分表须注明填报人（submitted_by）"
    if status == "signed" and not signer:
        problems["reviewed_by"] = "已签署的评分表须注明审核人（reviewed_by）"
    elif status == "signed" and signer == filled:
        problems["reviewed_by"] = f"审核人与填报人同为 {_show(signer)}：四眼原则要求由另一人审核签字"
    return problems


def _field(name: PathPart) -> str:
    if not name:
        return "数据包"
    label = FIELD_LABELS.get(str(name))
    return f"{label}（{name}）" if label else f"字段 {name} "


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def contradictions(request: dict[str, Any]) -> dict[str, str]:
    """The dates of a bundle request that cannot be (tracker/deadline_checks.py); future dates are
    allowed in a bundle. Dates the schema refuses are left to its messages."""
    try:
        clock = _clock_of(request)
    except (TypeError, ValueError, AttributeError, KeyError):
        return {}
    return date_problems(clock, None)


def _clock_of(request: dict[str, Any]) -> RequestClock:
    def day(value: Any) -> date | None:
        return date.fromisoformat(value) if isinstance(value, str) else None

    letter, online, reply = (request.get(name) or {} for name in ("letter", "online", "reply"))
    submitted = request.get("submitted_at")
    moment = datetime.fromisoformat(f"{submitted[:10]}T{submitted[11:]}".upper().replace("Z", "+00:00")) \
        if isinstance(submitted, str) else None
    events = tuple(Event(e["type"], date.fromisoformat(e["on"]), e.get("working_days"), e.get("party"))
                   for e in request.get("events") or [])
    return RequestClock(
        request["channel"], submitted_on=moment.astimezone(BEIJING).date() if moment else None,
        online_confirmed_on=day(online.get("confirmed_on")), letter_delivered_on=day(letter.get("delivered_on")),
        letter_confirmed_on=day(letter.get("confirmed_on")), letter_returned=bool(letter.get("returned")),
        letter_kind=letter.get("kind") or ("to_other" if request.get("purpose") == "20" else "registered"),
        letter_posted_on=day(letter.get("posted_on")), events=events,
        reply_dispatched_on=day(reply.get("dispatched_on")), reply_received_on=day(reply.get("received_on")))


def _field_path(field: str) -> list[PathPart]:
    """"events[2].on" → ["events", 2, "on"]."""
    parts: list[PathPart] = []
    for piece in field.split("."):
        name, _, index = piece.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    return parts


class _Context:
    """The rules that need more than one field: references, uniqueness, consistency."""

    def __init__(self, data: dict[str, Any], targets: set[str], users: set[str], indicators: set[str]):
        self.data = data
        self.found: list[BundleProblem] = []
        self.users = users | self._unique_keys("team", "username", "用户名")
        self.targets = targets | self._unique_keys("targets", "key", "被考评对象编号")
        self.legal_representatives = {
            t["key"]: t["legal_representative"] for _, t in self._entries("targets")
            if isinstance(t.get("key"), str) and isinstance(t.get("legal_representative"), str)}
        self.indicators = indicators

    def problems(self) -> list[BundleProblem]:
        self._unique_keys("requests", "key", "申请编号")
        for index, request in self._entries("requests"):
            self._check_request(index, request)
        for index, target in self._entries("targets"):
            self._check_office_hours(index, target.get("office_hours"))
        self._check_facts()
        self._check_reviews()
        self._check_calendar()
        return self.found

    def _add(self, parts: list[PathPart], message_zh: str) -> None:
        self.found.append(BundleProblem(json_path(parts), message_zh))

    def _entries(self, section: str) -> Iterator[tuple[int, dict[str, Any]]]:
        items = self.data.get(section)
        if isinstance(items, list):
            yield from ((i, item) for i, item in enumerate(items) if isinstance(item, dict))

    def _mapping(self, section: str) -> dict[str, Any]:
        value = self.data.get(section)
        return value if isinstance(value, dict) else {}

    def _unique_keys(self, section: str, field: str, label: str) -> set[str]:
        first: dict[str, int] = {}
        for index, item in self._entries(section):
            value = item.get(field)
            if not isinstance(value, str):
                continue
            if value in first:
                where = json_path([section, first[value]])
                self._add([section, index, field], f"{label} {_show(value)} 重复（与 {where} 相同）")
            else:
                first[value] = index
        return set(first)

    def _check_request(self, index: int, request: dict[str, Any]) -> None:
        here: list[PathPart] = ["requests", index]
        target, owner = request.get("target"), request.get("owner")
        if isinstance(target, str) and target not in self.targets:
            self._add([*here, "target"], f"被考评对象（target）{_show(target)} 不存在：数据包和考评中都没有该编号")
        if isinstance(owner, str) and owner not in self.users:
            self._add([*here, "owner"], f"负责人（owner）{_show(owner)} 不存在：数据包的 team 和系统用户中都没有")
        purpose, channel = request.get("purpose"), request.get("channel")
        allowed = CHANNELS_BY_PURPOSE.get(purpose) if isinstance(purpose, str) else None
        if allowed is not None and isinstance(channel, str) and channel in CHANNEL_LABELS.keys() - allowed:
            names = "、".join(CHANNEL_LABELS[c] for c in CHANNEL_LABELS if c in allowed)
            self._add([*here, "channel"],
                      f"渠道（channel）{CHANNEL_LABELS[channel]}不适用于申请目的 {purpose}：只能通过{names}")
        reply = request.get("reply")
        if isinstance(reply, dict) and not (reply.get("dispatched_on") or reply.get("received_on")):
            self._add([*here, "reply"], "答复（reply）应至少填写交邮日期（dispatched_on）或收到日期（received_on）之一")
        for field, message in contradictions(request).items():
            self._add([*here, *_field_path(field)], message)
        if channel == "mail" and isinstance(request.get("letter"), dict):
            for field, message in self._letter_problems(request, request["letter"]).items():
                self._add([*here, *_field_path(field)], message)

    def _letter_problems(self, request: dict[str, Any], letter: dict[str, Any]) -> dict[str, str]:
        """The S10 tracking number and purpose 20's letter (tracker/requests/letters.py), as the importer
        would refuse them, so that a bundle's every problem is listed at once."""
        problems: dict[str, str] = {}
        number = letter.get("tracking_number")
        if isinstance(number, str):
            problem = tracking_number_problem(number, other_format=letter.get("tracking_other_format") is True)
            if problem:
                problems["letter.tracking_number"] = problem
        if request.get("purpose") == "20":
            kind = letter.get("kind") or "to_other"
            problems |= purpose_20_problems(kind, letter.get("marked"))
            addressee = letter.get("addressee")
            target = request.get("target")
            representative = self.legal_representatives.get(target) if isinstance(target, str) else None
            if isinstance(addressee, str):
                problems |= legal_representative_problem({"purpose": "20", "channel": "mail",
                                                          "letter_addressee": addressee}, representative)
        return problems

    def _check_office_hours(self, index: int, hours: Any) -> None:
        if not isinstance(hours, list):
            return
        periods = []
        for j, period in enumerate(hours):
            if not (isinstance(period, list) and len(period) == 2
                    and all(isinstance(t, str) and _HHMM.fullmatch(t) for t in period)):
                continue  # the schema already reports it
            if period[0] >= period[1]:
                self._add(["targets", index, "office_hours", j],
                          f"办公时间（office_hours）开始时间 {period[0]} 应早于结束时间 {period[1]}")
            else:
                periods.append((period[0], period[1], j))
        periods.sort()
        for (_, end, _), (start, _, j) in itertools.pairwise(periods):
            if start < end:
                self._add(["targets", index, "office_hours", j], "办公时间（office_hours）各时间段不能重叠")

    def _check_facts(self) -> None:
        for target, per_indicator in self._mapping("facts").items():
            if target not in self.targets:
                self._add(["facts", target], f"指标事实（facts）中的被考评对象 {_show(target)} 不存在")
            if not isinstance(per_indicator, dict):
                continue
            for indicator, fact in per_indicator.items():
                if indicator not in self.indicators:
                    self._add(["facts", target, indicator], f"指标编号 {_show(indicator)} 不存在于本考评指标中")
                elif indicator in DERIVED_INDICATOR_IDS and isinstance(fact, dict):
                    for name in sorted(set(fact) & {"items", "tier", "points", "count", "passed"}):
                        self._add(["facts", target, indicator, name],
                                  f"指标 {indicator} 由模拟申请自动计算，不能录入 {name}；如需调整请用 override")

    def _check_calendar(self) -> None:
        """Each date and year once; dates inside the calendar's range (the schema checks the rest)."""
        section = self.data.get("calendar")
        if not isinstance(section, dict):
            return
        for name, field, label in (("overrides", "date", "日期"), ("confirmed_years", "year", "年份")):
            items = section.get(name)
            first: dict[Any, int] = {}
            for index, item in enumerate(items if isinstance(items, list) else []):
                value = item.get(field) if isinstance(item, dict) else None
                if value is None or isinstance(value, (dict, list)):
                    continue
                here: list[PathPart] = ["calendar", name, index, field]
                if value in first:
                    self._add(here, f"节假日日历中{label} {_show(value)} 重复（与 $.calendar.{name}[{first[value]}] 相同）")
                    continue
                first[value] = index
                if field == "date" and isinstance(value, str) and not "2000-01-01" <= value <= "2045-12-31":
                    self._add(here, f"日期 {_show(value)} 超出日历支持的范围（2000年至2045年）")

    def _check_reviews(self) -> None:
        for target, review in self._mapping("reviews").items():
            if target not in self.targets:
                self._add(["reviews", target], f"审核信息（reviews）中的被考评对象 {_show(target)} 不存在")
            if not isinstance(review, dict):
                continue
            for field in ("submitted_by", "reviewed_by"):
                user = review.get(field)
                if isinstance(user, str) and user not in self.users:
                    self._add(["reviews", target, field], f"{_field(field)}{_show(user)} 不存在")
            for field, message in review_problems(review).items():
                self._add(["reviews", target, field], message)
