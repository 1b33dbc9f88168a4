"""A bundle meets a county whose sheet is submitted or signed (DESIGN.md §10.1): its requests are
frozen like in the web. Re-importing what is already there changes nothing and is harmless; any
difference is refused with the sheet's lock message, and the whole bundle with it.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..requests.models import MockRequest
from ..scoring.lock import FROZEN_STATUSES
from ..scoring.models import ScoreSheet
from .exporter import request_document

_NOT_COMPARED = {"computed"}


def frozen_targets(campaign_id: int) -> set[int]:
    return set(db.session.scalars(select(ScoreSheet.target_id).where(ScoreSheet.campaign_id == campaign_id,
                                                                     ScoreSheet.status.in_(FROZEN_STATUSES))))


def _same(stored, given) -> bool:
    """Does `given` (from the bundle) say nothing that `stored` (as exported) does not already say?"""
    if isinstance(given, dict) and isinstance(stored, dict):
        return all(_same(stored.get(key), value) for key, value in given.items())
    if isinstance(given, list) and isinstance(stored, list):
        return len(given) == len(stored) and all(map(_same, stored, given))
    if isinstance(stored, float) and isinstance(given, (int, float)) and not isinstance(given, bool):
        return stored == float(given)
    return stored == given


def unchanged(row: MockRequest, item: dict, usernames: dict, target_keys: dict, calendar, today: date) -> bool:
    stored = request_document(row, usernames, target_keys, calendar, today)
    return all(_same(stored.get(key), value) for key, value in item.items() if key not in _NOT_COMPARED)
