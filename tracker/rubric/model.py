"""The rubric as immutable data: groups, indicators, sub-items (pure: no Flask, no SQLAlchemy).

Points are half-steps (0.5) throughout; the helpers at the bottom keep arithmetic exact by
working in ``Fraction`` and only turning numbers into floats at the edges.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any

KINDS = ("checklist", "tiered", "scale", "all_or_nothing", "bands", "derived")
STEP = Fraction(1, 2)


@dataclass(frozen=True)
class Item:
    points: float
    text: str


@dataclass(frozen=True)
class Indicator:
    id: int
    name: str
    level1: str
    level2: str
    max: float
    kind: str
    items: tuple[Item, ...] = ()
    criteria: str = ""
    responsible_unit: str | None = None
    # Read-only by convention: rubrics are cached and shared.
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Level2Group:
    name: str
    table2_name: str
    max: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Level1Group:
    name: str
    max: float
    level2: tuple[Level2Group, ...]


@dataclass(frozen=True)
class Rubric:
    code: str
    title: str
    total: float
    pass_mark: float | None
    level1: tuple[Level1Group, ...]
    notes: tuple[str, ...] = ()

    # cached_property writes to the instance __dict__ directly, so it works on a frozen
    # dataclass and stays out of equality and hashing.
    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        """All indicators in official order (the order of Table 2)."""
        return tuple(indicator for group2 in self.level2 for indicator in group2.indicators)

    @cached_property
    def level2(self) -> tuple[Level2Group, ...]:
        return tuple(group2 for group1 in self.level1 for group2 in group1.level2)

    @cached_property
    def _by_id(self) -> dict[int, Indicator]:
        return {indicator.id: indicator for indicator in self.indicators}

    @cached_property
    def scores_seen(self) -> dict:
        """Indicator scores already worked out under this rubric, by (indicator, facts, derived score):
        rubric/sheet.py's memo. A national campaign's 80 000 facts hold a few hundred distinct values."""
        return {}

    def indicator(self, indicator_id: int) -> Indicator:
        try:
            return self._by_id[indicator_id]
        except KeyError:
            raise KeyError(f"考评指标 {self.code} 中没有指标 {indicator_id}") from None


def is_number(value: object) -> bool:
    """A JSON/TOML number: int or finite float, never bool."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def to_fraction(value: int | float | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else _fraction(value)


@lru_cache(maxsize=1024)
def _fraction(value: float) -> Fraction:
    # Points are a few dozen distinct halves; a 300-county report converts them ~130 000 times.
    return Fraction(value)


def is_step_multiple(value: int | float | Fraction, step: Fraction = STEP) -> bool:
    return (to_fraction(value) / step).denominator == 1


def to_number(value: Fraction) -> int | float:
    """Fraction -> int when whole, else float rounded to 1 decimal (halves are exact)."""
    if value.denominator == 1:
        return int(value)
    return round(float(value), 1)


@lru_cache(maxsize=1024)
def format_points(value: int | float | Fraction) -> str:
    """4 -> "4", 1.5 -> "1.5" (for Chinese explanations)."""
    number = to_number(to_fraction(value))
    return str(number)
