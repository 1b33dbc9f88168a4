"""score_sheet works each distinct (indicator, facts, derived score) out once per rubric (rubric/sheet.py):
the memo must answer exactly what scoring afresh answers, and keep apart facts that only look alike."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.rubric import DerivedScore, FactsError, load_rubric, score_sheet
from tracker.rubric.rules import score_indicator

RUBRIC = load_rubric("wuwei-2020-county")
SIX = RUBRIC.indicator(6)  # two sub-items of 2 points each: true is 2 points, 1 is one point


@pytest.fixture(autouse=True)
def empty_memo():
    RUBRIC.scores_seen.clear()
    yield
    RUBRIC.scores_seen.clear()


def test_true_and_one_are_told_apart():
    whole = score_sheet(RUBRIC, {6: {"items": [True, True]}}).indicators[6]
    partial = score_sheet(RUBRIC, {6: {"items": [1, 1]}}).indicators[6]
    assert (whole.points, partial.points) == (4.0, 2.0)
    assert partial.explanation_zh != whole.explanation_zh


def test_one_and_one_point_zero_give_the_same_score():
    assert score_sheet(RUBRIC, {6: {"items": [1, 2]}}).indicators[6] == \
        score_sheet(RUBRIC, {6: {"items": [1.0, 2.0]}}).indicators[6]


def test_invalid_facts_are_refused_every_time_and_never_remembered():
    score_sheet(RUBRIC, {6: {"items": [True, True]}})
    for _ in range(2):
        with pytest.raises(FactsError) as raised:
            score_sheet(RUBRIC, {6: {"items": [True, 3]}})
        assert raised.value.indicator_id == 6
    assert all(key[1] != repr({"items": [True, 3]}) for key in RUBRIC.scores_seen)


def test_a_derived_score_is_part_of_the_key():
    first = score_sheet(RUBRIC, {}, {16: DerivedScore(1.0, "按时答复")}).indicators[16]
    second = score_sheet(RUBRIC, {}, {16: DerivedScore(0.0, "逾期答复")}).indicators[16]
    assert (first.points, first.explanation_zh) == (1.0, "按时答复")
    assert (second.points, second.explanation_zh) == (0.0, "逾期答复")


def test_the_memo_stays_bounded(monkeypatch):
    import tracker.rubric.sheet as sheet

    monkeypatch.setattr(sheet, "_SEEN_LIMIT", 3)
    for note in "abcdefg":
        score_sheet(RUBRIC, {6: {"items": [True, True], "note": note}})
        assert len(RUBRIC.scores_seen) <= 3
    assert score_sheet(RUBRIC, {6: {"items": [True, True], "note": "a"}}).indicators[6].explanation_zh.endswith("备注：a")


ITEM = st.one_of(st.none(), st.booleans(), st.sampled_from([0, 0.5, 1, 1.5, 2]))


@settings(max_examples=150, deadline=None)
@given(first=st.lists(ITEM, min_size=2, max_size=2), second=st.lists(ITEM, min_size=2, max_size=2),
       note=st.sampled_from(["", "核查截图", None]))
def test_remembered_scores_are_what_scoring_afresh_gives(first, second, note):
    for items in (first, second, first):
        facts = {"items": items} | ({"note": note} if note is not None else {})
        assert score_sheet(RUBRIC, {6: facts}).indicators[6] == score_indicator(SIX, facts)
