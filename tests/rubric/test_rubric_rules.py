"""Each rule kind at its edges; bad facts refused with a message naming the field."""
from __future__ import annotations

import pytest

from tracker.rubric import DerivedScore, FactsError, load_rubric, score_indicator, validate_facts

RUBRIC = load_rubric("wuwei-2020-county")


def score(ident, facts, derived=None):
    return score_indicator(RUBRIC.indicator(ident), facts, derived)


def refused(ident, facts) -> dict[str, str]:
    """field -> message of every error; also checks score_indicator raises."""
    errors = validate_facts(RUBRIC.indicator(ident), facts)
    assert errors, facts
    with pytest.raises(FactsError) as caught:
        score(ident, facts)
    assert caught.value.indicator_id == ident
    assert f"指标{ident}" in str(caught.value)
    return {e.field: e.message_zh for e in errors}


# ---------------------------------------------------------------- no facts

@pytest.mark.parametrize("facts", [None, {}, {"note": "下周再查"}, {"items": None}])
def test_no_facts_is_unscored(facts):
    result = score(1, facts)
    assert result.points is None and result.computed_points is None
    assert result.explanation_zh.startswith("未评")
    assert not result.overridden


# ---------------------------------------------------------------- checklist

def test_checklist_explanation_as_in_the_design():
    result = score(12, {"items": [True, True, True, False, True]})
    assert result.points == 4
    assert result.explanation_zh == "第1、2、3、5项已公开，第4项未公开 → 4分（满分5分）"


def test_checklist_partial_points_and_note():
    result = score(14, {"items": [2, 0.5, False], "note": "目录未更新"})
    assert result.points == 2.5
    assert "第2项得0.5分（满分1分）" in result.explanation_zh
    assert "备注：目录未更新" in result.explanation_zh


def test_checklist_all_met_and_all_unmet():
    assert score(31, {"items": [True] * 5}).explanation_zh == "全部5项符合 → 3分（满分3分）"
    assert score(31, {"items": [False] * 5}).points == 0


def test_checklist_halves_sum_exactly():
    assert score(26, {"items": [True, True, True, False, True, True]}).points == 2.5


def test_checklist_item_not_yet_checked_leaves_indicator_unscored():
    result = score(12, {"items": [True, None, True, True, True]})
    assert result.points is None
    assert "第2项未评" in result.explanation_zh


@pytest.mark.parametrize("items", [[True] * 4, [True] * 6, [], "all"])
def test_checklist_wrong_number_of_items(items):
    message = refused(12, {"items": items})["items"]
    assert "共5项" in message


@pytest.mark.parametrize("value, words", [(0.3, "0.5分的整数倍"), (1.5, "0–1分之间"), (-1, "0–1分之间"),
                                          ("yes", "应为数字")])
def test_checklist_bad_item_value(value, words):
    errors = refused(12, {"items": [True, value, True, True, True]})
    assert words in errors["items[1]"] and "第2项" in errors["items[1]"]


def test_unknown_field_is_named():
    errors = refused(1, {"itmes": [True] * 8})
    assert "itmes" in errors and "items" in errors["itmes"]


# ---------------------------------------------------------------- tiered (5)

@pytest.mark.parametrize("tier, items, points", [
    ("standard", [True, True, True], 4),
    ("standard", [True, False, True], 2),
    ("nonstandard", [True, True, True], 2),
    ("nonstandard", [True, False, False], 1),
    ("none", [True, True, True], 0),
    ("none", None, 0),
])
def test_decision_tiers(tier, items, points):
    facts = {"tier": tier} if items is None else {"tier": tier, "items": items}
    assert score(5, facts).points == points


def test_decision_cap_is_explained():
    text = score(5, {"tier": "nonstandard", "items": [True, True, True]}).explanation_zh
    assert "合计4分" in text and "最多得2分" in text and text.endswith("2分（满分4分）")


@pytest.mark.parametrize("facts, field", [
    ({"tier": "standard"}, "items"),
    ({"tier": "excellent", "items": [True, True, True]}, "tier"),
    ({"items": [True, True, True]}, "tier"),
    ({"tier": ["standard"], "items": [True, True, True]}, "tier"),
    ({"tier": "standard", "items": [True, True]}, "items"),
    ({"tier": "standard", "items": [True, True, True], "points": 3}, "points"),
])
def test_decision_bad_facts(facts, field):
    assert field in refused(5, facts)


# ---------------------------------------------------------------- tiered (25)

@pytest.mark.parametrize("facts, points", [
    ({"tier": "smooth"}, 3),
    ({"tier": "channel_only", "points": 2}, 2),
    ({"tier": "channel_only", "points": 0.5}, 0.5),
    ({"tier": "none"}, 0),
])
def test_new_media_tiers(facts, points):
    assert score(25, facts).points == points


@pytest.mark.parametrize("facts, words", [
    ({"tier": "channel_only", "points": 2.5}, "0–2分之间"),
    ({"tier": "channel_only", "points": 1.2}, "0.5分的整数倍"),
    ({"tier": "channel_only"}, "必填"),
    ({"tier": "smooth", "points": 3}, "channel_only"),
])
def test_new_media_bad_points(facts, words):
    assert words in refused(25, facts)["points"]


def test_new_media_has_no_items():
    assert "没有子项" in refused(25, {"tier": "smooth", "items": [True]})["items"]


# ---------------------------------------------------------------- scale (8) and all_or_nothing (9)

@pytest.mark.parametrize("points", [0, 0.5, 2])
def test_scale(points):
    assert score(8, {"points": points}).points == points


@pytest.mark.parametrize("points, words", [(2.5, "0–2分之间"), (1.25, "0.5分的整数倍"), ("2", "应为数字"),
                                           (True, "应为数字"), (float("nan"), "应为数字")])
def test_scale_bad(points, words):
    assert words in refused(8, {"points": points})["points"]


def test_all_or_nothing():
    assert score(9, {"passed": True}).points == 3
    assert score(9, {"passed": False}).points == 0
    assert "未公开" in score(9, {"passed": False}).explanation_zh
    assert "passed" in refused(9, {"passed": "yes"})


# ---------------------------------------------------------------- bands (10)

@pytest.mark.parametrize("count, points, expected", [
    (0, None, 0), (2, None, 0), (2, 0, 0),
    (3, 1, 1), (3, 2, 2), (5, 1.5, 1.5),
    (6, 3, 3), (9, 4, 4), (9, 3.5, 3.5),
    (10, None, 5), (10, 5, 5), (250, None, 5),
])
def test_bands_edges(count, points, expected):
    facts = {"count": count} if points is None else {"count": count, "points": points}
    assert score(10, facts).points == expected


def test_bands_explanation_as_in_the_design():
    assert score(10, {"count": 7, "points": 4}).explanation_zh == \
        "检索结果第一页出现7次（6–9次档，3–4分）→ 4分（满分5分）"
    assert "2次及以下档" in score(10, {"count": 2}).explanation_zh
    assert "10次及以上档" in score(10, {"count": 10}).explanation_zh


@pytest.mark.parametrize("count, points, words", [
    (2, 1, "2次及以下档"),
    (3, 3, "3–5次档，1–2分"),
    (5, 0.5, "应在1–2分之间"),
    (6, 2.5, "应在3–4分之间"),
    (9, 5, "应在3–4分之间"),
    (10, 4, "10次及以上档"),
    (6, None, "须在该区间内评定"),
    (7, 3.25, "0.5分的整数倍"),
])
def test_bands_points_outside_the_band(count, points, words):
    facts = {"count": count} if points is None else {"count": count, "points": points}
    assert words in refused(10, facts)["points"]


@pytest.mark.parametrize("count", [-1, 7.0, "7", True])
def test_bands_bad_count(count):
    assert "非负整数" in refused(10, {"count": count})["count"]


# ---------------------------------------------------------------- derived (16–22)

def test_derived_without_value_is_pending():
    assert score(16, None).points is None
    pending = score(18, {}, DerivedScore(None, "电话测试：第1次 09:12 未接通，当日还可再拨"))
    assert pending.points is None and "第1次" in pending.explanation_zh


def test_derived_value_and_explanation_pass_through():
    text = "电话测试：第1次 09:12 未接通；第2次 10:05 接通，正确告知已主动公开及获取途径 → 2分"
    result = score(18, None, DerivedScore(2, text))
    assert (result.points, result.explanation_zh) == (2, text)
    assert score(20, None, DerivedScore(0)).explanation_zh == "按模拟申请结果计算 → 0分（满分2分）"


def test_derived_17_scores_zero_as_published():
    assert score(17, None, DerivedScore(0, "代为填写并告知程序")).points == 0


def test_derived_out_of_range_is_a_bug_of_the_caller():
    with pytest.raises(ValueError):
        score(22, None, DerivedScore(2, ""))


def test_derived_takes_no_evaluator_facts():
    assert "items" in refused(19, {"items": [True] * 5})


# ---------------------------------------------------------------- override

def test_override_replaces_the_computed_score():
    result = score(12, {"items": [True] * 5, "override": {"points": 3, "reason": "复核发现第5项未更新"}})
    assert (result.points, result.computed_points, result.overridden) == (3, 5, True)
    assert result.override_reason == "复核发现第5项未更新"
    assert "人工调整：5分 → 3分，原因：复核发现第5项未更新" in result.explanation_zh


def test_override_alone_and_on_a_derived_indicator():
    alone = score(12, {"override": {"points": 3, "reason": "整改后复查"}})
    assert alone.points == 3 and alone.computed_points is None
    assert alone.explanation_zh == "人工调整：未评 → 3分，原因：整改后复查"
    derived = score(20, {"override": {"points": 2, "reason": "信函签收后电话答复，经核实规范"}}, DerivedScore(0))
    assert (derived.points, derived.computed_points) == (2, 0)


@pytest.mark.parametrize("override, field, words", [
    ({"points": 3}, "override.reason", "必须填写原因"),
    ({"points": 3, "reason": "   "}, "override.reason", "必须填写原因"),
    ({"points": 3, "reason": None}, "override.reason", "必须填写原因"),
    ({"reason": "x"}, "override.points", "必填"),
    ({"points": 6, "reason": "x"}, "override.points", "0–5分之间"),
    ({"points": 2.2, "reason": "x"}, "override.points", "0.5分的整数倍"),
    ({"points": 3, "reason": "x", "by": "zhang"}, "override.by", "只接受"),
    ("3分", "override", "对象"),
])
def test_bad_override(override, field, words):
    assert words in refused(12, {"override": override})[field]


def test_bad_note():
    assert "note" in refused(12, {"items": [True] * 5, "note": 5})
