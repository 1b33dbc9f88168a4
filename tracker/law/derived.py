"""Derived scores of indicators 16–22, computed from a target's mock requests (DESIGN §4).

Pure: the caller has already computed each request's status and timeliness (the law's clock)
and the phone protocol's outcome; this module only judges them against the rubric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from .deadline_terms import WRITTEN_CHANNELS, Channel

DERIVED_INDICATORS = (16, 17, 18, 19, 20, 21, 22)
PUBLISHED_MAXIMA: Mapping[int, float] = {16: 2, 17: 0, 18: 2, 19: 2.5, 20: 2, 21: 2, 22: 1}
SELECTION_ONLY = "selection_only"  # the status of a request not completed yet (ScoredRequest.completion)
NORMAL_CHANNELS = frozenset(WRITTEN_CHANNELS)
CHANNELS_BY_PURPOSE: Mapping[str, frozenset[str]] = {
    "16": frozenset({Channel.ONLINE}), "17": frozenset({Channel.ORAL}), "18": frozenset({Channel.PHONE}),
    "19.1": NORMAL_CHANNELS, "19.2": NORMAL_CHANNELS, "19.3": NORMAL_CHANNELS, "19.4": NORMAL_CHANNELS,
    "20": frozenset({Channel.MAIL}), "21": NORMAL_CHANNELS, "22": NORMAL_CHANNELS,
    "other": frozenset(Channel),
}


class Outcome(StrEnum):
    """The kind of a reply (条例第三十六条); stored in replies.outcome as the value."""

    ALREADY_PUBLIC = "already_public"
    DISCLOSED = "disclosed"
    PARTIALLY_DISCLOSED = "partially_disclosed"
    WITHHELD = "withheld"
    NOT_HELD = "not_held"
    NOT_RESPONSIBLE = "not_responsible"
    DUPLICATE = "duplicate"
    SPECIAL_LAW = "special_law"
    NOT_AN_OGI_REQUEST = "not_an_ogi_request"


OUTCOME_LABELS: Mapping[str, str] = {
    Outcome.ALREADY_PUBLIC: "已主动公开",
    Outcome.DISCLOSED: "予以公开",
    Outcome.PARTIALLY_DISCLOSED: "部分公开",
    Outcome.WITHHELD: "不予公开",
    Outcome.NOT_HELD: "信息不存在",
    Outcome.NOT_RESPONSIBLE: "非本机关负责公开",
    Outcome.DUPLICATE: "重复申请，不予重复处理",
    Outcome.SPECIAL_LAW: "按特别规定办理（工商、不动产登记资料等）",
    Outcome.NOT_AN_OGI_REQUEST: "不作为政府信息公开申请处理",
}
CHECK_LABELS: Mapping[str, str] = {
    "told_route": "告知获取该政府信息的方式和途径",
    "provided_or_route_and_time": "提供信息或告知获取的方式、途径和时间",
    "reasons_given": "说明理由",
    "special_law_referral": "告知依照有关法律、行政法规的规定办理",
    "remedy_notice": "告知救济途径",
    "sealed": "加盖公章",
}
# 条例第三十六、三十七条: the content each kind of reply must carry. remedy_notice and sealed
# are recorded for the report but the rubric does not score them.
REQUIRED_CHECKS_BY_OUTCOME: Mapping[str, tuple[str, ...]] = {
    "already_public": ("told_route",),
    "disclosed": ("provided_or_route_and_time",),
    "partially_disclosed": ("provided_or_route_and_time", "reasons_given"),
    "withheld": ("reasons_given",),
    "not_held": (),
    "not_responsible": (),
    "duplicate": (),
    "special_law": ("special_law_referral",),
    "not_an_ogi_request": (),
}
_PENDING_TEXT = {
    "awaiting_reply": "尚在答复期限内",
    "awaiting_clarification": "等待补正，期限暂停",
    "paused": "征求意见中，期限暂停",
    "not_received": "对方尚未收到申请（未签收或未确认）",
    "awaiting_payment": "等待缴费，期限暂停",
}
_ENDED_TEXT = {  # the test ended without a reply (DESIGN.md §10.3): scores like no normative handling
    "abandoned": "视为放弃申请（补正或缴费期限届满），未获答复",
    "withdrawn": "申请已撤回，未获答复",
}
NOT_TESTED = "尚未进行该项测试"


# Facts an evaluator may leave unknown are three-valued: None is 未知 and never scores as "no".

@dataclass(frozen=True)
class OnlineFacts:
    window_active: bool | None
    accepted: bool | None


@dataclass(frozen=True)
class OralFacts:
    filled_in_for_applicant: bool | None
    procedure_explained: bool | None
    declined_with_reason: bool | None


@dataclass(frozen=True)
class PhoneOutcome:
    complete: bool
    connected: bool
    answered_correctly: bool | None
    attempts_summary_zh: str  # e.g. "第1次 2020年9月2日 09:12 未接通；第2次 2020年9月2日 10:05 接通"


@dataclass(frozen=True)
class ReplyFacts:
    outcome: str
    dispatched_on: date | None = None
    received_on: date | None = None
    told_route: bool = False
    provided_or_route_and_time: bool = False
    reasons_given: bool = False
    special_law_referral: bool = False
    fee_charged: float = 0.0
    remedy_notice: bool = False
    sealed: bool = False
    form: str | None = None  # letter, email, platform, on_the_spot, phone (oral only); None: not recorded

    @classmethod
    def from_mapping(cls, reply: Mapping[str, Any]) -> ReplyFacts:
        """Build from a bundle's ``reply`` object (dates as ISO strings or dates)."""
        def day(name: str) -> date | None:
            value = reply.get(name)
            return date.fromisoformat(value) if isinstance(value, str) else value
        flags = {name: bool(reply.get(name)) for name in CHECK_LABELS}
        return cls(outcome=reply["outcome"], dispatched_on=day("dispatched_on"), form=reply.get("form"),
                   received_on=day("received_on"), fee_charged=float(reply.get("fee_charged") or 0), **flags)


@dataclass(frozen=True)
class ScoredRequest:
    key: str
    purpose: str
    channel: str
    voided: bool
    submitted_at: datetime | None
    status: str
    on_time: bool | None = None
    online: OnlineFacts | None = None
    oral: OralFacts | None = None
    phone: PhoneOutcome | None = None
    letter_returned: bool = False
    reply: ReplyFacts | None = None
    fee_notices: tuple[float | None, ...] = ()  # amounts of the agency's fee notices (None: not recorded)
    misfit_zh: str | None = None  # why this request cannot test its purpose (e.g. 20's letter requirements)
    # Set on a request built with only what selection reads (key, purpose, channel, voided, submitted_at,
    # misfit_zh; status SELECTION_ONLY): gives the whole request. A county's counted requests are a
    # quarter of its 40; the clock and the phone protocol of the others need not be worked out.
    completion: Callable[[], ScoredRequest] | None = field(default=None, compare=False, repr=False)

    def completed(self) -> ScoredRequest:
        """This request with every fact the rules read."""
        return self if self.completion is None else self.completion()

    def fees_zh(self, charged: str = "收取费用 ") -> list[str]:
        """Every fee asked or charged, for the 赋分说明 (any fee fails 19(5) and 20–22, 条例第四十二条)."""
        return fees_zh(self.reply, self.fee_notices, charged)


def fees_zh(reply: ReplyFacts | None, fee_notices: Sequence[float | None], charged: str = "收取费用 ") -> list[str]:
    """A request's fees in words: charged in the reply, and each fee notice's amount."""
    fees = []
    if reply is not None and reply.fee_charged > 0:
        fees.append(f"{charged}{reply.fee_charged:g} 元")
    fees += [f"收费通知 {amount:g} 元" if amount is not None else "收费通知（金额未记录）" for amount in fee_notices]
    return fees


@dataclass(frozen=True)
class DerivedScore:
    points: float | None  # None: not yet known (未评 / pending)
    explanation_zh: str  # 赋分说明
    request_keys: tuple[str, ...] = ()  # the requests that were scored
    retries: tuple[str, ...] = ()  # later non-voided requests for the same purpose: listed, not scored


# ---------------------------------------------------------------------------- replies

def reply_is_normative(reply: ReplyFacts, on_time: bool | None,
                       fees: Sequence[str] | None = None) -> tuple[bool, list[str]]:
    """Whether a reply is 规范: written, on time, free of charge, with the content its outcome requires.

    `fees`: every fee of the request (ScoredRequest.fees_zh), else the reply's own.
    Returns ``(True, what was satisfied)`` or ``(False, every shortcoming)`` — Chinese phrases.
    """
    failures: list[str] = []
    if reply.form == "phone":
        failures.append("未书面答复（仅电话口头答复）")
    if on_time is None:
        failures.append("无法判断是否按期答复")
    elif not on_time:
        failures.append("未按期答复")
    if fees is None:
        fees = [f"收取费用 {reply.fee_charged:g} 元"] if reply.fee_charged > 0 else []
    failures += list(fees)
    required = REQUIRED_CHECKS_BY_OUTCOME.get(reply.outcome)
    if required is None:
        return False, [*failures, f"答复类型 {reply.outcome} 未知"]
    failures += [f"未{CHECK_LABELS[check]}" for check in required if not getattr(reply, check)]
    if failures:
        return False, failures
    content = [f"已{CHECK_LABELS[check]}" for check in required] or ["答复类型本身即满足要求"]
    return True, ["按期答复", "未收费", *content]


ReplyState = Literal["replied", "failed", "pending"]


def _reply_state(request: ScoredRequest) -> tuple[ReplyState, str]:
    """Did the agency answer in time? A late reply counts as no reply (DESIGN §4)."""
    if request.channel == "mail" and request.letter_returned:
        return "failed", "信件被退回"
    reply = request.reply
    if reply is not None:
        on_time = request.on_time if request.on_time is not None else _status_on_time(request.status)
        if on_time:
            return "replied", ""
        if on_time is False:
            when = reply.dispatched_on or reply.received_on
            return "failed", f"逾期答复（{when.isoformat() if when else '日期不详'}），视同未答复"
        return "pending", "已收到答复，但答复期限尚未确定"
    if request.status == "overdue":
        return "failed", "逾期未答复"
    if request.status in _ENDED_TEXT:
        return "failed", _ENDED_TEXT[request.status]
    return "pending", _PENDING_TEXT.get(request.status, f"状态为 {request.status}，无法判断")


def _status_on_time(status: str) -> bool | None:
    return {"replied_on_time": True, "replied_late": False}.get(status)


# ---------------------------------------------------------------------------- selection

def _sort_key(request: ScoredRequest) -> tuple[bool, float, str]:
    moment = request.submitted_at.timestamp() if request.submitted_at else 0.0
    return request.submitted_at is None, moment, request.key


def pick_request(requests: Iterable[ScoredRequest], purpose: str) -> tuple[ScoredRequest | None, tuple[str, ...]]:
    """The request that counts for ``purpose`` (the earliest non-voided one) and the retries."""
    allowed = CHANNELS_BY_PURPOSE.get(purpose, frozenset())
    candidates = sorted((r for r in requests if r.purpose == purpose and not r.voided and r.channel in allowed
                         and r.misfit_zh is None), key=_sort_key)
    if not candidates:
        return None, ()
    return candidates[0].completed(), tuple(r.key for r in candidates[1:])


def _untested(requests: Iterable[ScoredRequest], *purposes: str) -> DerivedScore:
    misfits = [r.key for r in requests if r.purpose in purposes and not r.voided
               and r.channel not in CHANNELS_BY_PURPOSE.get(r.purpose, frozenset())]
    note = f"（申请 {'、'.join(misfits)} 的渠道不符合该项测试要求，不计）" if misfits else ""
    for r in requests:
        if r.purpose in purposes and not r.voided and r.misfit_zh:
            note += f"（申请 {r.key} {r.misfit_zh}，不计）"
    return DerivedScore(None, NOT_TESTED + note)


def _points(value: float | None) -> str:
    return "暂不计分" if value is None else f"{round(value, 2):g}分"


def _score(points: float | None, body: str, used: Sequence[ScoredRequest], retries: tuple[str, ...]) -> DerivedScore:
    keys = tuple(r.key for r in used)
    note = "、".join(keys)
    if retries:
        note += f"；另有重复测试 {'、'.join(retries)}，不计分"
    rounded = None if points is None else round(points, 2)
    return DerivedScore(rounded, f"{body} → {_points(rounded)}（依据申请 {note}）", keys, retries)


# ---------------------------------------------------------------------------- indicators

def derive_scores(
    requests: Iterable[ScoredRequest], maxima: Mapping[int, float] | None = None,
) -> dict[int, DerivedScore]:
    """Scores of indicators 16–22 for one target; a missing maximum falls back to the published one."""
    requests = list(requests)
    limits = {i: float((maxima or {}).get(i, PUBLISHED_MAXIMA[i])) for i in DERIVED_INDICATORS}
    scorers: dict[int, Callable[[list[ScoredRequest], float], DerivedScore]] = {
        16: _score_16, 17: _score_17, 18: _score_18, 19: _score_19,
        20: _normative("20", "重要部署申请（信函寄送法定代表人）"),
        21: _normative("21", "行政执法信息依申请公开"),
        22: _normative("22", "整改落实信息依申请公开"),
    }
    return {i: scorers[i](requests, limits[i]) for i in DERIVED_INDICATORS}


def _score_16(requests: list[ScoredRequest], maximum: float) -> DerivedScore:
    request, retries = pick_request(requests, "16")
    if request is None:
        return _untested(requests, "16")
    online = request.online
    if online is None:
        return _score(None, "互联网申请：尚未记录网站窗口和提交情况", [request], retries)
    if online.window_active is None:
        return _score(None, "互联网申请：尚未记录网站信息窗口是否为活动窗口（未知），暂不评分", [request], retries)
    if not online.window_active:
        return _score(0, "互联网申请：网站信息窗口不是活动窗口，无法办理", [request], retries)
    if online.accepted is None:
        return _score(None, "互联网申请：信息窗口为活动窗口，是否提交成功并获确认尚未记录（未知），暂不评分",
                      [request], retries)
    if not online.accepted:
        return _score(maximum / 2, "互联网申请：信息窗口为活动窗口，但申请未能提交成功或未获确认", [request], retries)
    return _score(maximum, "互联网申请：信息窗口为活动窗口，申请提交成功并获确认", [request], retries)


def _score_17(requests: list[ScoredRequest], maximum: float) -> DerivedScore:
    request, retries = pick_request(requests, "17")
    if request is None:
        return _untested(requests, "17")
    oral = request.oral
    if oral is None:
        return _score(None, "口头申请：尚未记录办理情况", [request], retries)
    passed = _either(_both(oral.filled_in_for_applicant, oral.procedure_explained), oral.declined_with_reason)
    checks = "；".join(f"{label}：{_yes_no(value)}" for label, value in (
        ("代为填写申请", oral.filled_in_for_applicant),
        ("告知办理程序", oral.procedure_explained),
        ("不能办理的说明原因", oral.declined_with_reason)))
    zero_note = "（本指标满分为0分，仅记录检查结果）" if maximum == 0 else ""
    if passed is None:
        return _score(None, f"口头申请：{checks}，有决定结果的事实尚未记录（未知），暂不评分", [request], retries)
    verdict = "符合要求" if passed else "不符合要求"
    return _score(maximum if passed else 0, f"口头申请：{checks}，{verdict}{zero_note}", [request], retries)


def _both(a: bool | None, b: bool | None) -> bool | None:
    """Kleene AND: false wins over unknown."""
    return False if a is False or b is False else (None if a is None or b is None else True)


def _either(a: bool | None, b: bool | None) -> bool | None:
    """Kleene OR: true wins over unknown."""
    return True if a is True or b is True else (None if a is None or b is None else False)


def _yes_no(value: bool | None) -> str:
    return "未知" if value is None else ("是" if value else "否")


def _score_18(requests: list[ScoredRequest], maximum: float) -> DerivedScore:
    request, retries = pick_request(requests, "18")
    if request is None:
        return _untested(requests, "18")
    phone = request.phone
    summary = phone.attempts_summary_zh if phone and phone.attempts_summary_zh else "尚无有效拨打记录"
    if phone is None or not phone.complete:
        return _score(None, f"电话测试：{summary}，测试尚未完成", [request], retries)
    if not phone.connected:
        return _score(0, f"电话测试：{summary}，三次有效拨打均未接通", [request], retries)
    if phone.answered_correctly is None:
        return _score(None, f"电话测试：{summary}，尚未记录是否正确回答", [request], retries)
    if phone.answered_correctly:
        return _score(maximum, f"电话测试：{summary}，正确告知已主动公开及获取途径", [request], retries)
    return _score(maximum / 2, f"电话测试：{summary}，未能正确告知已公开及获取途径", [request], retries)


def _normative(purpose: str, title: str) -> Callable[[list[ScoredRequest], float], DerivedScore]:
    def score(requests: list[ScoredRequest], maximum: float) -> DerivedScore:
        request, retries = pick_request(requests, purpose)
        if request is None:
            return _untested(requests, purpose)
        state, text = _reply_state(request)
        if state != "replied" or request.reply is None:
            return _score(0 if state == "failed" else None, f"{title}：{text}", [request], retries)
        ok, reasons = reply_is_normative(request.reply, True, request.fees_zh())
        outcome = OUTCOME_LABELS.get(request.reply.outcome, request.reply.outcome)
        body = f"{title}：答复为{outcome}，{'，'.join(reasons)}"
        return _score(maximum if ok else 0, body + ("，处理规范" if ok else "，处理不规范"), [request], retries)
    return score


# ---------------------------------------------------------------------------- indicator 19

Check = tuple[bool | None, str]  # (passed, or None while pending; why)


def _score_19(requests: list[ScoredRequest], maximum: float) -> DerivedScore:
    picks = {p: pick_request(requests, p) for p in ("19.1", "19.2", "19.3", "19.4")}
    used = [request for request, _ in picks.values() if request is not None]
    retries = tuple(key for _, keys in picks.values() for key in keys)
    if not used:
        return _untested(requests, *picks)
    checks = [_content_check(purpose, picks[purpose][0]) for purpose in picks] + [_fee_check(used)]
    step = maximum / len(checks)
    parts = [f"({n}) {why}{'' if ok is None else f' {_points(step if ok else 0)}'}"
             for n, (ok, why) in enumerate(checks, start=1)]
    results = [ok for ok, _ in checks]
    points = None if None in results else step * sum(1 for ok in results if ok)
    return _score(points, "答复办理规范性：" + "；".join(parts), used, retries)


_CONTENT_RULES: Mapping[str, tuple[str, Callable[[ReplyFacts], bool]]] = {
    "19.1": ("告知获取方式和途径", lambda r: r.told_route),
    "19.2": ("提供信息或告知获取方式、途径和时间", lambda r: r.provided_or_route_and_time),
    "19.3": ("告知不予公开并说明理由",
             lambda r: r.outcome in ("withheld", "partially_disclosed") and r.reasons_given),
    "19.4": ("告知依照有关法律、行政法规办理", lambda r: r.special_law_referral),
}


def purpose_content(purpose: str, reply: ReplyFacts) -> tuple[bool, str] | None:
    """For a 19(1)–19(4) request: whether the reply carries what its purpose tests, and that rule
    (None for the other purposes, whose reply needs only what its outcome requires)."""
    if purpose not in _CONTENT_RULES:
        return None
    rule, satisfied = _CONTENT_RULES[purpose]
    return bool(satisfied(reply)), rule


def _content_check(purpose: str, request: ScoredRequest | None) -> Check:
    rule, satisfied = _CONTENT_RULES[purpose]
    if request is None:
        return None, f"{purpose} 尚未测试"
    state, text = _reply_state(request)
    if state == "pending":
        return None, f"{purpose}（{request.key}）{text}，待定"
    if state == "failed" or request.reply is None:
        return False, f"{purpose}（{request.key}）{text}"
    if request.reply.form == "phone":
        return False, f"{purpose}（{request.key}）仅电话口头答复，未书面答复"
    ok = satisfied(request.reply)
    outcome = OUTCOME_LABELS.get(request.reply.outcome, request.reply.outcome)
    return ok, f"{purpose}（{request.key}）答复为{outcome}，{rule}：{'是' if ok else '否'}"


def _fee_check(used: list[ScoredRequest]) -> Check:
    # Only the 19.x requests count here: a fee on a 20–22 reply already costs that indicator.
    charged = [r for r in used if r.fees_zh()]
    if charged:
        return False, "收取费用：" + "、".join(f"{r.key} {'、'.join(r.fees_zh(charged=''))}" for r in charged)
    states = [_reply_state(r)[0] for r in used]
    if "pending" in states:
        return None, "是否收费：尚有申请未答复，待定"
    if "replied" in states:
        return True, "已有按期答复且均未收费"
    return False, "无一按期答复"
