"""The one way to fetch a campaign for a user: the HTML views and the JSON API both ask here."""
from __future__ import annotations

from ..core import policy
from ..core.errors import NotFound
from ..core.parsing import MAX_ID
from ..extensions import db
from .models import Campaign


def get_campaign(user, campaign_id: int, action: policy.Action = policy.VIEW) -> Campaign:
    """The campaign if `user` may `action` it. A missing campaign and one outside the user's team give
    the same 404 (another team's campaign is not revealed); a visible one the user may not change, 403."""
    missing = f"考评 {campaign_id} 不存在"
    campaign = db.session.get(Campaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    if campaign is None:
        raise NotFound(missing)
    policy.require(user, action, campaign, missing=missing)
    return campaign
