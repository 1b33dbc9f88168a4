"""The campaign overview, kept per process while the data it was computed from is unchanged.

Computing it from nothing scores every request of the campaign (about 2 s for 300 counties × 40
requests). Viewing it again costs one indexed read of the data revision and the rendering
(core/kept.py); after a change, only the targets whose data changed are scored again
(reports/kept_reports.py) and the ranking and charts are redrawn. The day is part of the key:
deadline statuses move with it.
"""
from __future__ import annotations

from datetime import date

from ..campaigns.models import Campaign
from ..core.kept import Kept
from .kept_reports import kept_sheet_reports
from .overview import Overview, campaign_overview

_overviews: Kept[Overview] = Kept(max_entries=3)  # 300 counties: some 10 MB each; teams view one or two


def cached_campaign_overview(campaign: Campaign, today: date) -> Overview:
    return _overviews.get((campaign.id, today),
                          lambda: campaign_overview(campaign, today, kept_sheet_reports(campaign, today)))
