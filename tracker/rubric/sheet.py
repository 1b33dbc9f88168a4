"""A target's whole score sheet (附件2): every indicator, the group subtotals and the total."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .model import Indicator, Rubric, to_fraction, to_number
from .rules import DerivedScore, FactError, FactsError, IndicatorScore, score_indicator


@dataclass(frozen=True)
class SheetScore:
    indicators: dict[int, IndicatorScore]
    level2: dict[str, float]
    level1: dict[str, float]
    total: float
    complete: bool
    pending: list[int]

    def fingerprint(self) -> str:
        """A digest of every indicator's score, explanation and override: what a reviewer saw."""
        seen = [[ident, s.points, s.explanation_zh, s.overridden, s.override_reason, s.computed_points]
                for ident, s in sorted(self.indicators.items())]
        return hashlib.sha256(json.dumps(seen, ensure_ascii=False).encode()).hexdigest()[:32]


def score_sheet(rubric: Rubric,
                facts_by_indicator: Mapping[int | str, Mapping[str, Any] | None],
                derived_by_indicator: Mapping[int | str, DerivedScore] | None = None) -> SheetScore:
    """Score every indicator of ``rubric``; sums skip the unscored (null) ones.

    Keys may be ints or digit strings ("10", as in a bundle).  Raises ``FactsError`` (with
    ``indicator_id`` set) for invalid facts or facts about an indicator the rubric lacks.
    """
    facts = _by_id(rubric, facts_by_indicator)
    derived = _by_id(rubric, derived_by_indicator or {})
    seen = rubric.scores_seen
    scores = {
        indicator.id: _score_once(seen, indicator, facts.get(indicator.id), derived.get(indicator.id))
        for indicator in rubric.indicators
    }
    level2: dict[str, float] = {}
    level1: dict[str, float] = {}
    total = Fraction(0)
    for group1 in rubric.level1:
        subtotal1 = Fraction(0)
        for group2 in group1.level2:
            subtotal2 = sum((_points(scores[i.id]) for i in group2.indicators), Fraction(0))
            level2[group2.name] = _rounded(subtotal2)
            subtotal1 += subtotal2
        level1[group1.name] = _rounded(subtotal1)
        total += subtotal1
    pending = [ident for ident, score in scores.items() if score.points is None]
    return SheetScore(scores, level2, level1, _rounded(total), not pending, pending)


def _score_once(seen: dict, indicator: Indicator, facts: Mapping[str, Any] | None,
                derived: DerivedScore | None) -> IndicatorScore:
    """score_indicator, worked out once per distinct (indicator, facts, derived score): it is pure, and
    its result frozen. Facts are JSON values, keyed by their repr: True and 1, 1 and 1.0 stay apart
    (the same facts with their keys in another order are merely worked out again)."""
    key = (indicator.id, repr(facts), derived)
    score = seen.get(key)
    if score is None:
        score = score_indicator(indicator, facts, derived)  # invalid facts raise: nothing is remembered
        if len(seen) >= _SEEN_LIMIT:
            seen.clear()
        seen[key] = score
    return score


_SEEN_LIMIT = 50_000  # distinct scores kept per rubric (free-text notes make most of them)


def _by_id(rubric: Rubric, mapping: Mapping[int | str, Any]) -> dict[int, Any]:
    known = {indicator.id for indicator in rubric.indicators}
    result = {}
    for key, value in mapping.items():
        ident = int(key) if isinstance(key, str) and key.isdigit() else key
        if ident not in known:
            error = FactError("indicator", f"考评指标 {rubric.code} 中没有指标 {key}")
            raise FactsError([error], ident if isinstance(ident, int) else None)
        result[ident] = value
    return result


def _points(score: IndicatorScore) -> Fraction:
    return Fraction(0) if score.points is None else to_fraction(score.points)


def _rounded(value: Fraction) -> float:
    return float(to_number(value))
