"""`tracker report --format json` (DESIGN.md §6): every target's scores, manual and derived."""
from __future__ import annotations

from datetime import date

from ..campaigns.models import Campaign, Target
from ..scoring.rubric_store import get_rubric
from ..scoring.service import campaign_scores


def report_json(campaign: Campaign, today: date, target: Target | None = None) -> dict:
    rubric = get_rubric(campaign.rubric_code)
    rows = campaign_scores(campaign, today, target_ids={target.id} if target else None)
    return {
        "campaign": campaign.name,
        "rubric": campaign.rubric_code,
        "today": today.isoformat(),
        "targets": [{
            "name": row.target.name,
            "total": row.score.total,
            "complete": row.score.complete,
            "scores": {str(i.id): row.score.indicators[i.id].points for i in rubric.indicators},
            "level1": dict(row.score.level1),
        } for row in rows],
    }
