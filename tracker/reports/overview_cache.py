"""The campaign overview, kept per process while the data it was computed from is unchanged.

Computing it scores every request of the campaign (about 2 s for 300 counties × 40 requests);
viewing it again costs two indexed reads — the data and calendar revision tokens — and the
rendering. The key holds everything the overview depends on: the database, the campaign, the
day (deadline statuses move with it), the data revision (core/data_revision.py) and the calendar
revision. The tokens are read before the data, so an overview can only be filed under a token
older than its data (recomputed once more), never the other way round.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from ..calendar.service import current_revision as current_calendar_revision
from ..campaigns.models import Campaign
from ..core.data_revision import current_data_revision
from ..extensions import db
from .overview import Overview, campaign_overview

MAX_ENTRIES = 3  # a 300-county overview holds some 10 MB; a team looks at one or two campaigns

_lock = threading.Lock()
_entries: OrderedDict[tuple, Overview] = OrderedDict()


def cached_campaign_overview(campaign: Campaign, today: date) -> Overview:
    key = (str(db.engine.url), campaign.id, today, current_data_revision(), current_calendar_revision())
    with _lock:
        overview = _entries.get(key)
        if overview is not None:
            _entries.move_to_end(key)
            return overview
    overview = campaign_overview(campaign, today)
    with _lock:
        _entries[key] = overview
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return overview


def forget_overviews() -> None:
    """Drop every kept overview (tests that reset the database call this)."""
    with _lock:
        _entries.clear()
