"""Derived scores of indicators 16–22, scenario by scenario."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from tracker.bundles import schema
from tracker.law.derived import (
    CHECK_LABELS,
    NOT_TESTED,
    OUTCOME_LABELS,
    PUBLISHED_MAXIMA,
    REQUIRED_CHECKS_BY_OUTCOME,
    DerivedScore,
    OnlineFacts,
    OralFacts,
    PhoneOutcome,
    ReplyFacts,
    SELECTION_ONLY,
    ScoredRequest,
    derive_scores,
    pick_request,
    reply_is_normative,
)

BEIJING = timezone(timedelta(hours=8))
START = datetime(2020, 9, 1, 10, 0, tzinfo=BEIJING)
DEFAULT_CHANNEL = {"16": "online", "17": "oral", "18": "phone", "20": "mail"}


def req(key: str, purpose: str, *, day: int = 0, channel: str | None = None,
        status: str = "replied_on_time", **fields: Any) -> ScoredRequest:
    fields.setdefault("on_time", {"replied_on_time": True, "replied_late": False}.get(status))
    return ScoredRequest(key=key, purpose=purpose, channel=channel or DEFAULT_CHANNEL.get(purpose, "online"),
                         voided=fields.pop("voided", False), submitted_at=START + timedelta(days=day),
                         status=status, **fields)


def reply(outcome: str = "already_public", **flags: Any) -> ReplyFacts:
    return ReplyFacts(outcome=outcome, dispatched_on=date(2020, 9, 15), received_on=date(2020, 9, 16), **flags)


GOOD = {
    "19.1": reply("already_public", told_route=True),
    "19.2": reply("disclosed", provided_or_route_and_time=True),
    "19.3": reply("withheld", reasons_given=True),
    "19.4": reply("special_law", special_law_referral=True),
}


def nineteen(**overrides: ScoredRequest | None) -> list[ScoredRequest]:
    """Four well-handled 19.x requests; keyword ``r1``..``r4`` replaces (or with None removes) one."""
    made: dict[str, ScoredRequest | None] = {
        f"r{n}": req(f"Q{n}", purpose, reply=GOOD[purpose]) for n, purpose in enumerate(GOOD, start=1)}
    made.update(overrides)
    return [r for r in made.values() if r is not None]


def score(indicator: int, requests: list[ScoredRequest], maxima: dict[int, float] | None = None) -> DerivedScore:
    return derive_scores(requests, maxima or dict(PUBLISHED_MAXIMA))[indicator]


# ---------------------------------------------------------------------------- the table

ATTEMPTS_3RD = "第1次 09:05 未接通；第2次 10:30 未接通；第3次 15:20 接通"
MISSES = "第1次 09:05 未接通；第2次 10:30 未接通；第3次 15:20 未接通"

SCENARIOS: list[tuple[str, int, list[ScoredRequest], float | None, str]] = [
    # 16 互联网申请
    ("16 active window, accepted", 16, [req("A", "16", online=OnlineFacts(True, True))], 2, "申请提交成功并获确认"),
    ("16 active window only", 16, [req("A", "16", online=OnlineFacts(True, False))], 1, "未能提交成功"),
    ("16 dead window", 16, [req("A", "16", online=OnlineFacts(False, False))], 0, "不是活动窗口"),
    ("16 nothing recorded", 16, [req("A", "16")], None, "尚未记录"),
    ("16 not tested", 16, [], None, NOT_TESTED),
    # 17 口头申请指导 (0 as published)
    ("17 filled in and explained", 17, [req("O", "17", oral=OralFacts(True, True, False))], 0, "符合要求"),
    ("17 declined with reason", 17, [req("O", "17", oral=OralFacts(False, False, True))], 0, "符合要求"),
    ("17 filled in, not explained", 17, [req("O", "17", oral=OralFacts(True, False, False))], 0, "不符合要求"),
    # 18 电话申请指导
    ("18 third valid attempt answered correctly", 18,
     [req("P", "18", status="no_deadline", phone=PhoneOutcome(True, True, True, ATTEMPTS_3RD))], 2, "正确告知"),
    ("18 connected, wrong answer", 18,
     [req("P", "18", status="no_deadline", phone=PhoneOutcome(True, True, False, ATTEMPTS_3RD))], 1, "未能正确告知"),
    ("18 connected, answer not judged yet", 18,
     [req("P", "18", status="no_deadline", phone=PhoneOutcome(True, True, None, ATTEMPTS_3RD))], None, "尚未记录"),
    ("18 three valid misses", 18,
     [req("P", "18", status="no_deadline", phone=PhoneOutcome(True, False, None, MISSES))], 0, "均未接通"),
    ("18 protocol incomplete", 18,
     [req("P", "18", status="no_deadline", phone=PhoneOutcome(False, False, None, "第1次 09:05 未接通"))],
     None, "尚未完成"),
    ("18 no attempts recorded", 18, [req("P", "18", status="no_deadline")], None, "尚无有效拨打记录"),
    # 19 答复办理的规范性
    ("19 all five checks", 19, nineteen(), 2.5, "(5) 已有按期答复且均未收费 0.5分"),
    ("19 fee charged fails check 5", 19,
     nineteen(r2=req("Q2", "19.2", reply=reply("disclosed", provided_or_route_and_time=True, fee_charged=20))),
     2, "收取费用：Q2 20 元 0分"),
    ("19 pending request", 19, nineteen(r3=req("Q3", "19.3", status="awaiting_reply")), None, "尚在答复期限内，待定"),
    ("19 clarification pending", 19, nineteen(r4=req("Q4", "19.4", status="awaiting_clarification")),
     None, "等待补正"),
    ("19 not_held instead of withheld", 19, nineteen(r3=req("Q3", "19.3", reply=reply("not_held"))),
     2, "答复为信息不存在，告知不予公开并说明理由：否 0分"),
    ("19 late reply counts as none", 19,
     nineteen(r1=req("Q1", "19.1", status="replied_late", reply=GOOD["19.1"])), 2, "逾期答复"),
    ("19 one test missing", 19, nineteen(r4=None), None, "19.4 尚未测试"),
    ("19 nobody answered", 19,
     [req(f"Q{n}", p, status="overdue") for n, p in enumerate(GOOD, start=1)], 0, "无一按期答复"),
    ("19 not tested", 19, [req("X", "21", reply=GOOD["19.1"])], None, NOT_TESTED),
    # 20 重要部署申请
    ("20 normative partial disclosure", 20,
     [req("L", "20", reply=reply("partially_disclosed", provided_or_route_and_time=True, reasons_given=True))],
     2, "处理规范"),
    ("20 partial disclosure without reasons", 20,
     [req("L", "20", reply=reply("partially_disclosed", provided_or_route_and_time=True))], 0, "未说明理由"),
    ("20 letter returned", 20, [req("L", "20", status="not_received", letter_returned=True)], 0, "信件被退回"),
    ("20 never answered", 20, [req("L", "20", status="overdue")], 0, "逾期未答复"),
    ("20 late reply", 20, [req("L", "20", status="replied_late", reply=reply(told_route=True))], 0, "视同未答复"),
    ("20 fee charged", 20, [req("L", "20", reply=reply(told_route=True, fee_charged=5))], 0, "收取费用 5 元"),
    ("20 still inside its deadline", 20, [req("L", "20", status="awaiting_reply")], None, "尚在答复期限内"),
    ("20 consultation pause", 20, [req("L", "20", status="paused")], None, "征求意见"),
    ("20 letter not yet received", 20, [req("L", "20", status="not_received")], None, "尚未收到"),
    ("20 sent online does not count", 20, [req("L", "20", channel="online", reply=reply(told_route=True))],
     None, NOT_TESTED + "（申请 L 的渠道不符合该项测试要求，不计）"),
    # 21, 22
    ("21 withheld with reasons", 21, [req("E", "21", reply=reply("withheld", reasons_given=True))], 2, "已说明理由"),
    ("21 withheld without reasons", 21, [req("E", "21", channel="mail", reply=reply("withheld"))], 0, "未说明理由"),
    ("21 by phone does not count", 21, [req("E", "21", channel="phone", status="no_deadline")], None, NOT_TESTED),
    ("22 not responsible suffices", 22, [req("R", "22", channel="oral", reply=reply("not_responsible"))],
     1, "答复类型本身即满足要求"),
    ("22 late reply", 22, [req("R", "22", status="replied_late", reply=reply("not_held"))], 0, "逾期答复"),
    ("22 special law without referral", 22, [req("R", "22", reply=reply("special_law"))], 0, "未告知依照"),
]


@pytest.mark.parametrize(("indicator", "requests", "points", "words"), [s[1:] for s in SCENARIOS],
                         ids=[s[0] for s in SCENARIOS])
def test_scenario(indicator: int, requests: list[ScoredRequest], points: float | None, words: str) -> None:
    result = score(indicator, requests)
    assert result.points == points, result.explanation_zh
    assert words in result.explanation_zh


# ---------------------------------------------------------------------------- explanations

def test_phone_explanation_reads_like_the_design_example() -> None:
    summary = "第1次 09:12 未接通；第2次 10:05 接通"
    result = score(18, [req("LZ-18", "18", status="no_deadline", phone=PhoneOutcome(True, True, True, summary))])
    assert result.explanation_zh == (
        "电话测试：第1次 09:12 未接通；第2次 10:05 接通，正确告知已主动公开及获取途径 → 2分（依据申请 LZ-18）")
    assert result.request_keys == ("LZ-18",)


def test_nineteen_lists_all_five_checks() -> None:
    result = score(19, nineteen(r2=req("Q2", "19.2", status="overdue")))
    assert result.points == 2
    for n in range(1, 6):
        assert f"({n})" in result.explanation_zh
    assert "(2) 19.2（Q2）逾期未答复 0分" in result.explanation_zh
    assert result.request_keys == ("Q1", "Q2", "Q3", "Q4")


def test_fee_is_reported_even_while_another_check_is_pending() -> None:
    requests = nineteen(r1=req("Q1", "19.1", reply=reply(told_route=True, fee_charged=10)),
                        r3=req("Q3", "19.3", status="awaiting_reply"))
    result = score(19, requests)
    assert result.points is None
    assert "收取费用：Q1 10 元 0分" in result.explanation_zh


# ---------------------------------------------------------------------------- earliest counts

def test_retry_is_listed_not_scored() -> None:
    first = req("E1", "21", day=0, reply=reply("withheld"))
    retry = req("E2", "21", day=10, reply=reply("withheld", reasons_given=True))
    result = score(21, [retry, first])
    assert (result.points, result.request_keys, result.retries) == (0, ("E1",), ("E2",))
    assert "另有重复测试 E2，不计分" in result.explanation_zh


def test_voided_request_is_ignored_entirely() -> None:
    voided = req("E0", "21", day=0, voided=True, reply=reply("withheld"))
    counted = req("E1", "21", day=3, reply=reply("withheld", reasons_given=True))
    result = score(21, [voided, counted])
    assert (result.points, result.request_keys, result.retries) == (2, ("E1",), ())
    assert "E0" not in result.explanation_zh


def test_request_without_submission_time_sorts_last() -> None:
    planned = ScoredRequest("E9", "21", "online", False, None, "not_received")
    sent = req("E1", "21", day=5, reply=reply("not_held"))
    chosen, retries = pick_request([planned, sent], "21")
    assert chosen == sent and retries == ("E9",)


def test_nineteen_retries_are_collected_across_sub_purposes() -> None:
    result = score(19, [*nineteen(), req("Q1b", "19.1", day=9), req("Q3b", "19.3", day=9)])
    assert result.points == 2.5 and result.retries == ("Q1b", "Q3b")


# ---------------------------------------------------------------------------- maxima

@pytest.mark.parametrize(("oral", "maximum", "points"), [
    (OralFacts(True, True, False), 0, 0),
    (OralFacts(True, True, False), 1, 1),
    (OralFacts(False, False, True), 1, 1),
    (OralFacts(False, True, False), 1, 0),
    (OralFacts(False, True, False), 0, 0),
])
def test_seventeen_scores_its_rubric_maximum_when_it_passes(oral: OralFacts, maximum: float, points: float) -> None:
    result = score(17, [req("O", "17", oral=oral)], {**PUBLISHED_MAXIMA, 17: maximum})
    assert result.points == points
    assert "代为填写申请：" in result.explanation_zh and "告知办理程序：" in result.explanation_zh
    assert ("满分为0分" in result.explanation_zh) == (maximum == 0)


def test_partial_scores_scale_with_a_variant_maximum() -> None:
    maxima = {**PUBLISHED_MAXIMA, 16: 4, 18: 3, 19: 5}
    requests = [req("A", "16", online=OnlineFacts(True, False)),
                req("P", "18", status="no_deadline", phone=PhoneOutcome(True, True, False, "第1次 09:00 接通")),
                *nineteen(r4=req("Q4", "19.4", status="overdue"))]
    scores = derive_scores(requests, maxima)
    assert (scores[16].points, scores[18].points, scores[19].points) == (2, 1.5, 4)


def test_every_derived_indicator_is_answered_and_missing_maxima_fall_back() -> None:
    scores = derive_scores([], {})
    assert sorted(scores) == [16, 17, 18, 19, 20, 21, 22]
    assert all(s == DerivedScore(None, NOT_TESTED) for s in scores.values())


# ---------------------------------------------------------------------------- replies

@pytest.mark.parametrize(("facts", "on_time", "normative", "words"), [
    (reply("already_public", told_route=True), True, True, "已告知获取该政府信息的方式和途径"),
    (reply("already_public"), True, False, "未告知获取该政府信息的方式和途径"),
    (reply("disclosed", provided_or_route_and_time=True), True, True, "按期答复"),
    (reply("partially_disclosed", reasons_given=True), True, False, "未提供信息"),
    (reply("withheld", reasons_given=True), True, True, "已说明理由"),
    (reply("special_law", special_law_referral=True), True, True, "已告知依照"),
    (reply("not_held"), True, True, "答复类型本身即满足要求"),
    (reply("duplicate"), True, True, "未收费"),
    (reply("not_an_ogi_request"), True, True, "按期答复"),
    (reply("not_responsible"), False, False, "未按期答复"),
    (reply("not_responsible"), None, False, "无法判断"),
    (reply("not_held", fee_charged=0.5), True, False, "收取费用 0.5 元"),
    (reply("rejected"), True, False, "未知"),
])
def test_reply_is_normative(facts: ReplyFacts, on_time: bool | None, normative: bool, words: str) -> None:
    ok, reasons = reply_is_normative(facts, on_time)
    assert ok is normative
    assert words in "；".join(reasons)


def test_failures_list_every_shortcoming() -> None:
    ok, reasons = reply_is_normative(reply("partially_disclosed", fee_charged=3), False)
    assert not ok and len(reasons) == 4


def test_outcomes_and_checks_match_the_bundle_schema() -> None:
    outcomes = schema()["$defs"]["reply"]["properties"]["outcome"]["enum"]
    assert set(REQUIRED_CHECKS_BY_OUTCOME) == set(OUTCOME_LABELS) == set(outcomes)
    required = {check for checks in REQUIRED_CHECKS_BY_OUTCOME.values() for check in checks}
    assert required <= set(CHECK_LABELS) <= set(schema()["$defs"]["reply"]["properties"])


def test_reply_facts_from_a_bundle_reply() -> None:
    facts = ReplyFacts.from_mapping({"dispatched_on": "2020-10-09", "received_on": None,
                                     "outcome": "withheld", "reasons_given": True, "fee_charged": 0})
    assert facts == ReplyFacts("withheld", date(2020, 10, 9), None, reasons_given=True)


# ---------------------------------------------------------------------------- requests completed when picked

def selection_only(whole: ScoredRequest, completed: list[str]) -> ScoredRequest:
    """`whole` as the bridge builds it: what selection reads, the rest given when it is picked."""
    def complete() -> ScoredRequest:
        completed.append(whole.key)
        return whole

    return ScoredRequest(key=whole.key, purpose=whole.purpose, channel=whole.channel, voided=whole.voided,
                         submitted_at=whole.submitted_at, status=SELECTION_ONLY, misfit_zh=whole.misfit_zh,
                         completion=complete)


def county() -> list[ScoredRequest]:
    """Every purpose, with retries, a voided request, a wrong channel and a misfit letter."""
    return [*nineteen(), req("Q1b", "19.1", day=3, reply=reply()), req("O", "16", online=OnlineFacts(True, True)),
            req("O2", "16", day=-1, voided=True, online=OnlineFacts(False, None)),
            req("K", "17", oral=OralFacts(True, True, None)), req("K2", "17", day=2, status="overdue"),
            req("P", "18", channel="phone", status="no_deadline", phone=PhoneOutcome(True, True, True, "接通")),
            req("L", "20", misfit_zh="信封未注明", reply=reply(told_route=True)),
            req("L2", "20", day=1, status="replied_late", reply=reply()), req("E", "21", status="awaiting_reply"),
            req("R", "22", channel="phone", status="no_deadline"), req("X", "other", day=5)]


def test_requests_completed_when_picked_score_as_whole_ones() -> None:
    whole = county()
    completed: list[str] = []
    assert derive_scores([selection_only(r, completed) for r in whole]) == derive_scores(whole)
    # Only the counted requests were worked out: retries, voided, misfits and other purposes were not.
    assert sorted(completed) == sorted(["Q1", "Q2", "Q3", "Q4", "O", "K", "P", "L2", "E"])


def test_scenarios_score_the_same_when_completed_on_picking() -> None:
    for _name, indicator, requests, _points, _words in SCENARIOS:
        assert score(indicator, [selection_only(r, []) for r in requests]) == score(indicator, requests)
