"""Whole score sheets: subtotals, total, completeness, exact half-point arithmetic."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.rubric import DerivedScore, FactsError, load_rubric, score_sheet

RUBRIC = load_rubric("wuwei-2020-county")
DERIVED = [i for i in RUBRIC.indicators if i.kind == "derived"]


def full_marks(indicator) -> dict:
    if indicator.kind == "checklist":
        return {"items": [True] * len(indicator.items)}
    return {
        "tiered": {"tier": "standard", "items": [True] * len(indicator.items)} if indicator.id == 5
        else {"tier": "smooth"},
        "scale": {"points": indicator.max},
        "all_or_nothing": {"passed": True},
        "bands": {"count": 12},
    }[indicator.kind]


def test_full_marks_make_100():
    facts = {i.id: full_marks(i) for i in RUBRIC.indicators if i.kind != "derived"}
    derived = {i.id: DerivedScore(i.max, "规范") for i in DERIVED}
    sheet = score_sheet(RUBRIC, facts, derived)
    assert (sheet.total, sheet.complete, sheet.pending) == (100.0, True, [])
    assert sheet.level1 == {"主动公开": 58.5, "依申请公开": 11.5, "政务新媒体与信息平台建设": 20.0, "监督保障": 10.0}
    assert sheet.level2["年度实施方案重点工作任务落实"] == 8.5
    assert sheet.level2["制度建设"] == 5.0
    assert list(sheet.indicators) == [i.id for i in RUBRIC.indicators]


def test_empty_sheet_is_incomplete_and_zero():
    sheet = score_sheet(RUBRIC, {}, {})
    assert (sheet.total, sheet.complete) == (0.0, False)
    assert sheet.pending == [i.id for i in RUBRIC.indicators]
    assert all(score.points is None for score in sheet.indicators.values())


def test_total_skips_unscored_indicators_and_accepts_string_keys():
    facts = {"10": {"count": 7, "points": 3.5}, "26": {"items": [True, False] * 3},
             "12": {"override": {"points": 3, "reason": "复核"}}}
    sheet = score_sheet(RUBRIC, facts, {"18": DerivedScore(1, "接通")})
    assert sheet.total == 3.5 + 1.5 + 3 + 1
    assert sheet.level2["重点领域信息"] == 6.5
    assert 10 not in sheet.pending and 1 in sheet.pending and not sheet.complete
    assert sheet.indicators[12].overridden


def test_unknown_indicator_is_refused():
    with pytest.raises(FactsError) as caught:
        score_sheet(RUBRIC, {29: {"items": []}}, {})
    assert caught.value.indicator_id == 29 and "没有指标 29" in str(caught.value)


def test_bad_facts_name_their_indicator():
    with pytest.raises(FactsError) as caught:
        score_sheet(RUBRIC, {25: {"tier": "channel_only", "points": 2.5}}, {})
    assert caught.value.indicator_id == 25
    assert caught.value.errors[0].field == "points"


half_points = st.integers(min_value=0, max_value=2).map(lambda n: n / 2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.booleans(), st.none()), min_size=6, max_size=6),
       st.lists(st.booleans(), min_size=5, max_size=5), half_points)
def test_sheet_arithmetic_is_exact(items26, items31, scale):
    """Sums of halves come out exact (no 0.1-style float drift), whatever is entered."""
    facts = {26: {"items": items26}, 31: {"items": items31}, 8: {"points": scale}}
    sheet = score_sheet(RUBRIC, facts, {})
    unscored = None in items26
    expected = Fraction(scale)
    expected += 0 if unscored else sum(Fraction(1, 2) for v in items26 if v)
    expected += sum(Fraction(p) for v, p in zip(items31, [1, 0.5, 0.5, 0.5, 0.5]) if v)
    assert Fraction(sheet.total) == expected
    assert (26 in sheet.pending) == unscored


def test_the_design_bundle_example_facts():
    facts = {"1": {"items": [True, True, True, False, True, True, True, True], "note": "…"},
             "10": {"count": 7, "points": 4}, "25": {"tier": "channel_only", "points": 2},
             "12": {"override": {"points": 3, "reason": "…"}}}
    sheet = score_sheet(RUBRIC, facts, {})
    assert {i: sheet.indicators[i].points for i in (1, 10, 25, 12)} == {1: 7, 10: 4, 25: 2, 12: 3}
    assert sheet.total == 16 and sheet.level1["主动公开"] == 14
