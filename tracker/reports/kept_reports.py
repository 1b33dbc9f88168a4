"""Each target's full report, kept per process until its own data or the shared data changes.

The key of a report is its target, the day (deadline statuses move with it) and the tokens of
core/revisions.py that cover what it reads: its target's, every target's (bulk statements) and the
shared scope's. Not the calendar's: a calendar change renews the tokens of the counties whose
deadlines span a changed day (requests/calendar_reach.py), as of today — so a report of a later day
(`?today=` ahead) is computed afresh, never kept. Reports whose tokens moved are computed
again together, in one pass over just their targets' rows; after one county's score is saved,
the campaign overview recomputes that county only.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from ..campaigns.models import Campaign
from ..core import clock
from ..core.kept import Kept
from ..core.revisions import CALENDAR, EVERY, SHARED, TARGET, current_tokens, pending_scopes
from .sheet_model import SheetReport, build_sheet_reports

# Two national campaigns (3 000 counties each): fewer entries than a campaign's counties would make
# every overview miss them all.
_reports: Kept[SheetReport] = Kept(max_entries=6000, scopes=())
_COMMON_SCOPES = ((SHARED, EVERY), (TARGET, EVERY))


def kept_sheet_reports(campaign: Campaign, today: date) -> list[SheetReport]:
    """Every target's report, in the campaign's order, as build_sheet_reports gives them."""
    ids = [target.id for target in campaign.targets]
    tokens = current_tokens([*_COMMON_SCOPES, *((TARGET, ident) for ident in ids)])
    if pending_scopes() & {SHARED, CALENDAR, TARGET}:  # this transaction's changes are under no token yet
        return build_sheet_reports(campaign, today)
    if today > clock.today():  # a calendar change renews no county for the days after today
        return build_sheet_reports(campaign, today)
    common = tuple(tokens[scope_key] for scope_key in _COMMON_SCOPES)
    keys = {ident: _reports.full_key((ident, today, *common, tokens[(TARGET, ident)])) for ident in ids}
    found = {ident: _renamed(_reports, keys[ident], campaign.name) for ident in ids}
    missing = {ident for ident, report in found.items() if report is None}
    if missing:
        every = len(missing) == len(ids)  # then no list of ids: the campaign's own index serves
        for report in build_sheet_reports(campaign, today, target_ids=None if every else missing):
            found[report.target_id] = report
            _reports.keep(keys[report.target_id], report)
    return [found[ident] for ident in ids if found[ident] is not None]  # None: deleted meanwhile


def _renamed(kept: Kept, key, name: str) -> SheetReport | None:
    """The kept report under `key`, carrying the campaign's current name (a rename renews no token)."""
    report = kept.lookup(key)
    if report is not None and report.campaign_name != name:
        report = replace(report, campaign_name=name)
        kept.keep(key, report)
    return report
