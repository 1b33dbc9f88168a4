"""The rules of a bundle that a JSON Schema cannot express: unique keys, references between
sections, purpose vs channel, letters, dates that cannot be, office hours, facts, the calendar and
reviews. Every problem is named by its JSON path; nothing stops at the first one."""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from ..law.deadline_checks import date_problems
from ..law.deadline_terms import CHANNEL_LABELS
from ..law.deadlines import Event, RequestClock
from ..law.derived import CHANNELS_BY_PURPOSE
from ..law.letters import legal_representative_problem, purpose_20_problems, tracking_number_problem
from ..law.workdays import BEIJING, MAX_YEAR, MIN_YEAR

from ..core.problems import Problem
from ..core.schema_messages import show_value as _show
from .problems import DERIVED_INDICATOR_IDS, PathPart, json_path
from .problems import describe_field as _field

_FIRST_DAY, _LAST_DAY = f"{MIN_YEAR}-01-01", f"{MAX_YEAR}-12-31"  # ISO dates compare as text
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


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


class Context:
    """The rules that need more than one field: references, uniqueness, consistency."""

    def __init__(self, data: dict[str, Any], targets: set[str], users: set[str], indicators: set[str]):
        self.data = data
        self.found: list[Problem] = []
        self.users = users | self._unique_keys("team", "username", "用户名")
        self.targets = targets | self._unique_keys("targets", "key", "被考评对象编号")
        self.legal_representatives = {
            t["key"]: t["legal_representative"] for _, t in self._entries("targets")
            if isinstance(t.get("key"), str) and isinstance(t.get("legal_representative"), str)}
        self.indicators = indicators

    def problems(self) -> list[Problem]:
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
        self.found.append(Problem(json_path(parts), message_zh))

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
                if field == "date" and isinstance(value, str) and not _FIRST_DAY <= value <= _LAST_DAY:
                    self._add(here, f"日期 {_show(value)} 超出日历支持的范围（{MIN_YEAR}年至{MAX_YEAR}年）")

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
