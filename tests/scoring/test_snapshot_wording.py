"""A release that rewords the generated 赋分说明 does not make every signed sheet show
"签字后数据已变化" (the phone calls gained their dates in this round)."""
from __future__ import annotations

from tracker.rubric import IndicatorScore, SheetScore
from tracker.scoring import snapshot

UNDATED = "第1次 09:12 未接通；第2次 10:05 接通"
DATED = "第1次 2020年9月2日 09:12 未接通；第2次 2020年9月2日 10:05 接通"


def sheet(explanation: str, points: float = 2) -> SheetScore:
    return SheetScore({18: IndicatorScore(points, explanation)}, {}, {}, points, True, [])


def test_old_wording_alone_is_no_change() -> None:
    assert snapshot.differences(sheet(UNDATED), sheet(DATED), {}, signed_wording=1) == []


def test_a_text_signed_in_todays_wording_is_still_compared() -> None:
    found = snapshot.differences(sheet(UNDATED), sheet(DATED), {}, signed_wording=snapshot.WORDING)
    assert [d.what for d in found] == ["指标18（赋分说明）"]


def test_an_evaluators_own_text_and_the_points_are_always_compared() -> None:
    typed = snapshot.differences(sheet("人工说明"), sheet(DATED), {18: "改过的说明"}, signed_wording=1)
    assert [d.what for d in typed] == ["指标18（赋分说明）"]
    points = snapshot.differences(sheet(UNDATED, 2), sheet(DATED, 1), {}, signed_wording=1)
    assert [d.what for d in points] == ["指标18", "总分"]

