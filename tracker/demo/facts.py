"""Plausible manual facts for the demo's score sheets, generated from the rubric itself."""
from __future__ import annotations

import random

from ..rubric import Rubric


def _items(indicator, rng: random.Random, miss_rate: float) -> list:
    return [not (rng.random() < miss_rate) for _ in indicator.items]


def facts_for(indicator, rng: random.Random, miss_rate: float) -> dict | None:
    """Facts that a careful evaluator could have entered for `indicator` (None for derived ones)."""
    kind = indicator.kind
    if kind == "checklist":
        return {"items": _items(indicator, rng, miss_rate)}
    if kind == "tiered" and indicator.items:
        tier = "standard" if rng.random() > miss_rate else "nonstandard"
        return {"items": [item.points for item in indicator.items], "tier": tier}
    if kind == "tiered":
        return {"tier": "smooth"} if rng.random() > miss_rate else {"tier": "channel_only", "points": 2}
    if kind == "scale":
        return {"points": rng.choice([1, 1.5, 2])}
    if kind == "all_or_nothing":
        return {"passed": rng.random() > miss_rate, "note": "经电话询问政府信息公开工作机构核实"}
    if kind == "bands":
        count = rng.choice([4, 7, 12])
        return {"count": count, **({"points": 1.5} if count == 4 else {"points": 4} if count == 7 else {})}
    return None


def sheet_facts(rubric: Rubric, seed: int, miss_rate: float, share: float = 1.0) -> dict[str, dict]:
    """Facts for a share of the manual indicators (share < 1 leaves a partly filled sheet)."""
    rng = random.Random(seed)
    result = {}
    for indicator in rubric.indicators:
        facts = facts_for(indicator, rng, miss_rate)
        if facts is not None and rng.random() <= share:
            result[str(indicator.id)] = facts
    return result
