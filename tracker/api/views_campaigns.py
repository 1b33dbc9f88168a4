"""API: campaigns and targets (reading for every role, changes for admins, as in the UI)."""
from __future__ import annotations

from sqlalchemy import select

from ..campaigns import operations as ops
from ..campaigns.access import get_campaign
from ..campaigns.models import Campaign, Target
from ..core import policy
from ..extensions import db
from .edge import ADMIN, endpoint, get_or_404, json_body, visible_or_404
from .serialise import campaign_detail_json, campaign_json, target_json


@endpoint("/campaigns", "GET")
def list_campaigns(actor):
    query = select(Campaign).order_by(Campaign.year.desc(), Campaign.id)
    team = policy.visible_campaigns_clause(actor, Campaign.id)
    campaigns = db.session.scalars(query if team is None else query.where(team))
    return {"items": [campaign_json(c) for c in campaigns]}


@endpoint("/campaigns", "POST", ADMIN)
def create_campaign(actor):
    campaign = ops.create_campaign(actor, json_body())
    return campaign_detail_json(campaign), 201


@endpoint("/campaigns/<int:campaign_id>", "GET")
def get_campaign_detail(actor, campaign_id: int):
    return campaign_detail_json(get_campaign(actor, campaign_id))


@endpoint("/campaigns/<int:campaign_id>", "PATCH", ADMIN)
def update_campaign(actor, campaign_id: int):
    campaign = get_campaign(actor, campaign_id)
    data = json_body()
    current = {"name": campaign.name, "year": campaign.year, "rubric_code": campaign.rubric_code}
    ops.update_campaign(actor, campaign, current | data)
    return campaign_detail_json(campaign)


@endpoint("/campaigns/<int:campaign_id>/targets", "GET")
def list_targets(actor, campaign_id: int):
    return {"items": [target_json(t) for t in get_campaign(actor, campaign_id).targets]}


@endpoint("/campaigns/<int:campaign_id>/targets", "POST", ADMIN)
def create_target(actor, campaign_id: int):
    campaign = get_campaign(actor, campaign_id)
    return target_json(ops.create_target(actor, campaign, json_body())), 201


@endpoint("/targets/<int:target_id>", "PATCH", ADMIN)
def update_target(actor, target_id: int):
    message = f"被考评对象 {target_id} 不存在"
    target = visible_or_404(get_or_404(Target, target_id, message), message)
    return target_json(ops.update_target(actor, target, json_body()))
