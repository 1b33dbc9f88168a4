"""The lock of a county's sheet: while it is submitted (待审核) or signed (已审核锁定), nothing that
feeds it may change — its facts, overrides and evidence, and the county's requests in the campaign
(create, edit, void, events, calls, replies, attachments). Every path asks here: web, API, bundle
and Excel imports alike.
"""
from __future__ import annotations

from sqlalchemy import select

from ..campaigns.models import Campaign
from ..core.errors import LockedError
from ..core.policy import CLOSED_MESSAGE
from ..extensions import db
from .models import ScoreSheet

FROZEN_STATUSES = ("submitted", "signed")


def lock_message(target_name: str, status: str) -> str:
    if status == "signed":
        return (f"{target_name}的评分表已审核锁定，不能修改其评分事实、佐证或该县区的模拟申请；"
                "如需修改，请审核人或管理员在评分表页面“解锁”（须填写原因）。")
    return (f"{target_name}的评分表已提交待审核，不能修改其评分事实、佐证或该县区的模拟申请；"
            "如需修改，请审核人在评分表页面“退回”（须填写原因）。")


def ensure_campaign_open(campaign_id: int) -> None:
    """A closed (archived) campaign is read-only on every path (the web asks core/policy.py first)."""
    # The campaign as this session has it (no SQL when it is loaded, as in a bundle import that asks once
    # per request and fact: 120 000 queries at 3 000 counties), and no autoflush: a flush of the whole
    # pending import before each query was quadratic. A change to closed_on in this session is seen.
    with db.session.no_autoflush:
        campaign = db.session.get(Campaign, campaign_id)
    if campaign is not None and campaign.closed_on is not None:
        raise LockedError(CLOSED_MESSAGE)


def ensure_sheet_open(sheet: ScoreSheet | None, target_name: str) -> None:
    """Refuse (409) a change to what feeds `sheet` while it is submitted or signed."""
    if sheet is not None:
        ensure_campaign_open(sheet.campaign_id)
    if sheet is not None and sheet.status in FROZEN_STATUSES:
        raise LockedError(lock_message(target_name, sheet.status))


def ensure_target_open(campaign_id: int, target_id: int, target_name: str) -> None:
    """The same check for a change that names only the county (a request, an event, a call, a reply)."""
    ensure_campaign_open(campaign_id)
    status = db.session.scalar(select(ScoreSheet.status).where(ScoreSheet.campaign_id == campaign_id,
                                                               ScoreSheet.target_id == target_id))
    if status in FROZEN_STATUSES:
        raise LockedError(lock_message(target_name, status))
