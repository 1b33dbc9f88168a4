"""API: a target's score sheet, saving an indicator's facts, and the campaign's JSON report."""
from __future__ import annotations

from ..campaigns.access import get_campaign
from ..campaigns.models import Campaign, Target
from ..core.errors import NotFound, ValidationError
from ..core.versions import MISSING_VERSION
from ..reports.json_report import report_json
from ..scoring import operations as ops
from ..scoring.rubric_store import get_rubric
from ..scoring.service import target_scores
from .edge import EDIT, endpoint, get_or_404, json_body, query_date
from .serialise import sheet_json


def _campaign_target(actor, campaign_id: int, target_id: int) -> tuple[Campaign, Target]:
    campaign = get_campaign(actor, campaign_id)
    target = get_or_404(Target, target_id, f"被考评对象 {target_id} 不存在")
    if target.campaign_id != campaign.id:
        raise NotFound(f"被考评对象 {target_id} 不属于考评 {campaign_id}")
    return campaign, target


def _sheet(campaign: Campaign, target: Target):
    rubric = get_rubric(campaign.rubric_code)
    return sheet_json(campaign, rubric, target_scores(campaign, target, query_date()))


@endpoint("/campaigns/<int:campaign_id>/targets/<int:target_id>/sheet", "GET")
def get_sheet(actor, campaign_id: int, target_id: int):
    return _sheet(*_campaign_target(actor, campaign_id, target_id))


@endpoint("/campaigns/<int:campaign_id>/targets/<int:target_id>/facts/<int:indicator_id>", "PUT", EDIT)
def save_facts(actor, campaign_id: int, target_id: int, indicator_id: int):
    campaign, target = _campaign_target(actor, campaign_id, target_id)
    try:
        get_rubric(campaign.rubric_code).indicator(indicator_id)
    except KeyError:
        raise NotFound(f"考评指标 {campaign.rubric_code} 中没有指标 {indicator_id}") from None
    data = json_body()
    if data.get("version") is None:  # null would skip the lost-update check (0: no facts seen yet)
        raise ValidationError({"version": MISSING_VERSION})
    try:
        ops.save_facts(actor, campaign, target, indicator_id, data["facts"], data["version"])
    except ValidationError as error:
        # The rules name fields "<indicator>.<field>"; in this body they live under "facts".
        prefix = f"{indicator_id}."
        raise ValidationError({f"facts.{k.removeprefix(prefix)}" if k.startswith(prefix) else k: v
                               for k, v in error.errors.items()}) from None
    return _sheet(campaign, target)


@endpoint("/campaigns/<int:campaign_id>/report", "GET")
def get_report(actor, campaign_id: int):
    return report_json(get_campaign(actor, campaign_id), query_date())
