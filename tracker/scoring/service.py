"""Score sheets of a campaign's targets: manual facts from the database + derived scores from requests."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from ..calendar.service import current_calendar
from ..campaigns.models import Campaign, Target
from ..law.workdays import BEIJING
from ..core.db import among
from ..extensions import db
from ..requests.scores import derived_scores_by_target, empty_derived
from .stored_facts import load_facts
from ..rubric import SheetScore, score_sheet
from .models import IndicatorFacts, ScoreSheet
from .records import Signature, campaign_signatures
from .rubric_store import get_rubric


@dataclass
class TargetScores:
    """A target's scores; for a signed sheet, `score` is the signed snapshot's (`signature`), not a
    recomputation — every report of the county follows from here."""

    target: Target
    sheet: ScoreSheet | None
    score: SheetScore
    facts: dict[int, IndicatorFacts]
    signature: Signature | None = None


def moment_of(today: date) -> datetime:
    """The "now" that goes with a frozen `today`: the end of that Beijing day."""
    return datetime.combine(today, time(23, 59), tzinfo=BEIJING)


def campaign_scores(campaign: Campaign, today: date,
                    target_ids: Collection[int] | None = None) -> list[TargetScores]:
    """Every target's sheet (or those of `target_ids`) in a fixed number of queries, whatever the size."""
    rubric = get_rubric(campaign.rubric_code)
    targets = [t for t in campaign.targets if target_ids is None or t.id in target_ids]
    sheet_query = select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id)
    if target_ids is not None:  # one county's sheet, not 3 000 of them (each review of a bundle import asks)
        sheet_query = sheet_query.where(among(ScoreSheet.target_id, target_ids))
    sheets = {s.target_id: s for s in db.session.scalars(sheet_query)}
    facts_rows: dict[int, dict[int, IndicatorFacts]] = defaultdict(dict)
    for row in load_facts(campaign.id, target_ids):  # read-only snapshots: 7 500 rows for 300 targets
        facts_rows[row.sheet_id][row.indicator_id] = row
    derived = derived_scores_by_target(campaign.id, rubric, current_calendar(), today, moment_of(today), target_ids)
    empty = empty_derived(rubric)
    signed = campaign_signatures(campaign.id, target_ids)
    result = []
    for target in targets:
        sheet = sheets.get(target.id)
        rows = facts_rows.get(sheet.id, {}) if sheet else {}
        signature = signed.get(sheet.id) if sheet else None
        if signature is not None:
            score = signature.score
        else:
            score = score_sheet(rubric, {i: row.facts for i, row in rows.items()}, derived.get(target.id, empty))
        result.append(TargetScores(target, sheet, score, rows, signature))
    return result


def target_scores(campaign: Campaign, target: Target, today: date) -> TargetScores:
    return campaign_scores(campaign, today, target_ids={target.id})[0]
