"""A campaign's stored indicator facts read in bulk for reports: plain rows, not ORM objects (see
requests/snapshots.py for why)."""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from ..core.db import among
from ..extensions import db
from ..requests.snapshots import RowSnapshot, columns_of
from .models import IndicatorFacts, ScoreSheet


class StoredFacts(RowSnapshot):
    """An indicator_facts row: `facts`, `explanation`, `version`…"""

    __slots__ = columns_of(IndicatorFacts)


def load_facts(campaign_id: int, target_ids: Collection[int] | None = None) -> list[StoredFacts]:
    """The campaign's (or some targets') stored indicator facts (read-only), in one statement."""
    sheets = ScoreSheet.__table__
    query = (select(IndicatorFacts.__table__).join(sheets, sheets.c.id == IndicatorFacts.__table__.c.sheet_id)
             .where(sheets.c.campaign_id == campaign_id))
    if target_ids is not None:
        query = query.where(among(sheets.c.target_id, target_ids))
    return StoredFacts.all(db.session.execute(query))
