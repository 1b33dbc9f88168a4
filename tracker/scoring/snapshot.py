"""The signed snapshot of a score sheet and its 核验码 (DESIGN.md §10.1) — pure: no Flask, no database.

At signing, the sheet as the reviewer saw it is written down once: every indicator's points (or
null), 赋分说明, override and evidence (each file's SHA-256), the requests that counted (key and
version), the rubric and calendar it was computed with, 填报人/审核人 and dates. The canonical text
of that record (sorted keys, no whitespace, UTF-8, not ASCII-escaped) is stored as it is, and its
SHA-256 is the 核验码's source: the first 12 hex digits, printed on every report of the county.
Reports of a signed county are built from the snapshot (`score_of`), never recomputed.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..rubric import IndicatorScore, Rubric, SheetScore
from ..rubric.model import format_points

FORMAT = "tracker-signed-sheet/1"
CODE_LENGTH = 12
# The wording of the generated 赋分说明. Raise it when a release rewords them (2: each phone call with its
# date): a signed sheet whose text differs only by wording has not changed (snapshots before it: 1).
WORDING = 2


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def verification_code(text: str) -> str:
    """The 核验码 of a canonical snapshot text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:CODE_LENGTH]


def normalise_code(typed: str | None) -> str:
    """What a person typed from a print ("3F2A-91C0-7B4D", spaces…) as stored: 12 lower-case hex digits."""
    return "".join(ch for ch in (typed or "").lower() if ch not in " -\u3000\t")


def printed_code(code: str | None) -> str:
    """The 核验码 as printed: three groups of four, easy to read out and type."""
    if not code:
        return ""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4)).upper()


@dataclass(frozen=True)
class Person:
    username: str
    name: str

    def as_json(self) -> dict:
        return {"username": self.username, "name": self.name}


@dataclass(frozen=True)
class SheetSource:
    """Everything a snapshot records, gathered by the caller (scoring/review.py)."""

    campaign: tuple[int, str]  # id, name
    target: tuple[int, str, str]  # id, key, name
    sheet_id: int
    rubric: Rubric
    rubric_digest: str
    calendar_revision: str
    score: SheetScore
    explanations: Mapping[int, str]  # an evaluator's own 赋分说明, where entered
    evidence: Mapping[int, Sequence[dict]]  # indicator → [{"url", "note", "file": {...} | None}]
    request_keys: Mapping[int, Sequence[str]]  # derived indicator → the requests it scored
    request_versions: Mapping[str, int]
    filled_by: Person | None
    filled_on: date | None
    reviewed_by: Person
    reviewed_on: date


def build_snapshot(source: SheetSource) -> dict:
    score = source.score
    counted = sorted({key for keys in source.request_keys.values() for key in keys})
    return {
        "format": FORMAT,
        "campaign": {"id": source.campaign[0], "name": source.campaign[1]},
        "target": {"id": source.target[0], "key": source.target[1], "name": source.target[2]},
        "sheet_id": source.sheet_id,
        "rubric": {"code": source.rubric.code, "title": source.rubric.title, "digest": source.rubric_digest},
        "calendar_revision": source.calendar_revision,
        "wording": WORDING,
        "indicators": [_indicator(source, indicator.id) for indicator in source.rubric.indicators],
        "level1": dict(score.level1), "level2": dict(score.level2), "total": score.total,
        "pending": list(score.pending),
        "requests": [{"key": key, "version": source.request_versions.get(key)} for key in counted],
        "filled_by": source.filled_by.as_json() if source.filled_by else None,
        "filled_on": source.filled_on.isoformat() if source.filled_on else None,
        "reviewed_by": source.reviewed_by.as_json(),
        "reviewed_on": source.reviewed_on.isoformat(),
    }


def _indicator(source: SheetSource, ident: int) -> dict:
    result = source.score.indicators[ident]
    own = (source.explanations.get(ident) or "").strip()
    override = {"points": result.points, "reason": result.override_reason} if result.overridden else None
    return {"id": ident, "points": result.points, "computed_points": result.computed_points,
            "explanation": own or result.explanation_zh, "override": override,
            "evidence": list(source.evidence.get(ident, ())), "requests": list(source.request_keys.get(ident, ()))}


def score_of(snapshot: Mapping[str, Any]) -> SheetScore:
    """The signed sheet's scores exactly as stored (the 赋分说明 is the one printed)."""
    indicators = {}
    for item in snapshot["indicators"]:
        override = item.get("override")
        indicators[int(item["id"])] = IndicatorScore(
            item["points"], item["explanation"], overridden=override is not None,
            override_reason=override.get("reason") if override else None, computed_points=item.get("computed_points"))
    pending = [int(i) for i in snapshot["pending"]]
    return SheetScore(indicators, dict(snapshot["level2"]), dict(snapshot["level1"]), snapshot["total"],
                      not pending, pending)


@dataclass(frozen=True)
class Difference:
    """One way the sheet recomputed now differs from what was signed."""

    what: str  # "指标16" or "总分"
    signed: str
    now: str


def _text(points) -> str:
    return "未评" if points is None else format_points(points)


def differences(signed: SheetScore, now: SheetScore, explanations: Mapping[int, str], *,
                signed_wording: int = WORDING) -> list[Difference]:
    """What a recomputation would change: each indicator's points and 赋分说明, then the total.
    `explanations`: the evaluators' own 赋分说明 now (they win over the generated text, as at signing);
    a generated text is compared only when it was signed in today's wording."""
    found = []
    for ident, before in sorted(signed.indicators.items()):
        after = now.indicators.get(ident)
        if after is None:
            continue
        own = (explanations.get(ident) or "").strip()
        explained = own or after.explanation_zh
        if before.points != after.points:
            found.append(Difference(f"指标{ident}", _text(before.points), _text(after.points)))
        elif before.explanation_zh != explained and (own or signed_wording == WORDING):
            found.append(Difference(f"指标{ident}（赋分说明）", before.explanation_zh, explained))
    if signed.total != now.total:
        found.append(Difference("总分", _text(signed.total), _text(now.total)))
    return found
