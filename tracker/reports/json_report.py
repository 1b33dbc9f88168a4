"""`tracker report --format json` (DESIGN.md §6, §10.1): every target's scores, manual and derived, and
its review: a signed county's scores are those of its signed snapshot, with the 核验码."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..campaigns.models import Campaign, Target
from ..core.heap import collector_paused
from ..extensions import db
from ..scoring.rubric_store import get_rubric
from ..scoring.service import TargetScores, campaign_scores
from ..users.models import User


def report_json(campaign: Campaign, today: date, target: Target | None = None) -> dict:
    rubric = get_rubric(campaign.rubric_code)
    with collector_paused():  # a national campaign: 320 000 rows scored (core/heap.py)
        rows = campaign_scores(campaign, today, target_ids={target.id} if target else None)
    usernames = usernames_of(rows)
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
            "review": review_json(row, usernames),
        } for row in rows],
    }


def review_json(row: TargetScores, usernames: dict[int, str]) -> dict:
    """{"status", "filled_by", "reviewed_by", "reviewed_on", "code"} — usernames; `code` only when signed."""
    sheet, signed = row.sheet, row.signature
    if signed is not None:
        return {"status": "signed", "filled_by": signed.filled_by_username,
                "reviewed_by": signed.reviewed_by_username, "reviewed_on": signed.reviewed_on.isoformat(),
                "code": signed.code}
    if sheet is None:
        return {"status": "draft", "filled_by": None, "reviewed_by": None, "reviewed_on": None, "code": None}
    return {"status": sheet.status, "filled_by": usernames.get(sheet.filled_by_id),
            "reviewed_by": usernames.get(sheet.reviewed_by_id),
            "reviewed_on": sheet.reviewed_on.isoformat() if sheet.reviewed_on else None, "code": None}


def usernames_of(rows: list[TargetScores]) -> dict[int, str]:
    ids = {i for row in rows if row.sheet for i in (row.sheet.filled_by_id, row.sheet.reviewed_by_id) if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
