"""Campaign and target operations: validate, change, audit, flush (the edge commits)."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from ..core import audit, policy
from ..core import parsing as p
from ..core.errors import ValidationError
from ..core.versions import check_version, require_version
from ..extensions import db
from ..scoring.rubric_store import rubric_exists
from ..users.models import User
from .models import TARGET_KINDS, Campaign, CampaignMember, Target

KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
CAMPAIGN_FIELDS = ("name", "year", "rubric_code")
TARGET_FIELDS = ("key", "name", "kind", "website", "apply_url", "guide_phone", "address",
                 "legal_representative", "office_hours", "notes")


def _campaign_values(data: dict, *, current: Campaign | None) -> dict:
    c = p.Collector()
    values = {
        "name": c.run("name", p.text, data.get("name"), required=True, max_length=200),
        "year": c.run("year", p.integer, data.get("year"), minimum=p.MIN_DATE.year, maximum=p.MAX_DATE.year),
        "rubric_code": c.run("rubric_code", p.text, data.get("rubric_code"), required=True, max_length=64),
    }
    if values["rubric_code"] and not rubric_exists(values["rubric_code"]):
        c.add("rubric_code", f"考评指标版本 {values['rubric_code']} 不存在")
    if values["name"]:
        clash = db.session.scalar(select(Campaign.id).where(Campaign.name == values["name"]))
        if clash and (current is None or clash != current.id):
            c.add("name", "已有同名考评")
    c.raise_if_any()
    return values


def _check_version(obj, version) -> None:
    check_version(obj.version, version)


def create_campaign(actor, data: dict) -> Campaign:
    campaign = Campaign(**_campaign_values(data, current=None))
    db.session.add(campaign)
    db.session.flush()
    set_team(actor, campaign, data.get("member_ids") or [], audited=False)
    if data.get("copy_targets_from") not in (None, ""):
        copy_targets(actor, campaign, data["copy_targets_from"])
    audit.record(actor, "create", "campaign", campaign.id, after=audit.snapshot(campaign, CAMPAIGN_FIELDS),
                 summary=f"新建考评 {campaign.name}")
    return campaign


def update_campaign(actor, campaign: Campaign, data: dict) -> Campaign:
    _check_version(campaign, data.get("version"))
    values = _campaign_values(data, current=campaign)
    before = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    for key, value in values.items():
        setattr(campaign, key, value)
    if "member_ids" in data:
        set_team(actor, campaign, data["member_ids"], audited=True)
    db.session.flush()
    audit.record(actor, "update", "campaign", campaign.id, before=before,
                 after=audit.snapshot(campaign, CAMPAIGN_FIELDS), summary=f"修改考评 {campaign.name}")
    return campaign


def close_campaign(actor, campaign: Campaign, today: date, version) -> None:
    """A finished campaign becomes read-only and leaves the dashboards; its reports stay."""
    require_version(campaign.version, version)
    if campaign.closed:
        raise ValidationError({"status": "该考评已归档"})
    campaign.closed_on = today
    db.session.flush()
    policy.forget_teams()
    audit.record(actor, "close", "campaign", campaign.id, before={"closed_on": None}, after={"closed_on": today},
                 summary=f"归档考评 {campaign.name}（只读）")


def reopen_campaign(actor, campaign: Campaign, version) -> None:
    require_version(campaign.version, version)
    if not campaign.closed:
        raise ValidationError({"status": "该考评未归档"})
    before, campaign.closed_on = campaign.closed_on, None
    db.session.flush()
    policy.forget_teams()
    audit.record(actor, "reopen", "campaign", campaign.id, before={"closed_on": before}, after={"closed_on": None},
                 summary=f"重新开放考评 {campaign.name}")


def set_team(actor, campaign: Campaign, member_ids, *, audited: bool = True) -> None:
    try:
        wanted = {int(i) for i in member_ids}
    except (TypeError, ValueError):
        raise ValidationError({"member_ids": "项目组成员选择无效"}) from None
    known = set(db.session.scalars(select(User.id).where(User.id.in_(wanted)))) if wanted else set()
    if wanted - known:
        raise ValidationError({"member_ids": "所选成员不存在"})
    current = {m.user_id: m for m in campaign.members}
    for user_id in current.keys() - wanted:
        campaign.members.remove(current[user_id])
    for user_id in wanted - current.keys():
        campaign.members.append(CampaignMember(user_id=user_id))
    policy.forget_teams()
    db.session.flush()
    if audited and wanted != set(current):
        audit.record(actor, "set_team", "campaign", campaign.id, before=sorted(current), after=sorted(wanted),
                     summary=f"调整考评 {campaign.name} 的项目组成员")


def _target_values(campaign: Campaign, data: dict, *, current: Target | None,
                   taken: dict[str, dict] | None = None) -> dict:
    """`taken`: {"key": {key: id}, "name": {name: id}} of the campaign's targets, when the caller
    already loaded them (bundle import), instead of a query per field."""
    c = p.Collector()
    values = {
        "key": c.run("key", p.text, data.get("key"), required=True, max_length=64),
        "name": c.run("name", p.text, data.get("name"), required=True, max_length=100),
        "kind": c.run("kind", p.choice, data.get("kind") or "county", choices=TARGET_KINDS),
        "website": c.run("website", p.url, data.get("website")),
        "apply_url": c.run("apply_url", p.url, data.get("apply_url")),
        "guide_phone": c.run("guide_phone", p.text, data.get("guide_phone"), max_length=64),
        "address": c.run("address", p.text, data.get("address"), max_length=300),
        "legal_representative": c.run("legal_representative", p.text, data.get("legal_representative"), max_length=100),
        "office_hours": c.run("office_hours", p.office_hours, data.get("office_hours") or "08:30-12:00, 14:30-18:00"),
        "notes": c.run("notes", p.text, data.get("notes"), max_length=5000),
    }
    if values["key"] and not KEY_RE.match(values["key"]):
        c.add("key", "代码只能包含字母、数字、点、下划线或短横线")
    for field in ("key", "name"):
        if values[field]:
            if taken is not None:
                clashes = values[field] in taken[field] and (
                    current is None or taken[field][values[field]] != current.id)
            else:
                clash = db.session.scalar(select(Target.id).where(Target.campaign_id == campaign.id,
                                                                  getattr(Target, field) == values[field]))
                clashes = bool(clash) and (current is None or clash != current.id)
            if clashes:
                c.add(field, "本考评中已存在相同的" + ("代码" if field == "key" else "名称"))
    c.raise_if_any()
    return values


def copy_targets(actor, campaign: Campaign, source_id) -> list[Target]:
    """The counties of an earlier campaign, with their particulars (website, phone, hours…), into
    `campaign`: next year's evaluation starts from this year's list (issue 18)."""
    source = db.session.get(Campaign, p.record_id(source_id, field="copy_targets_from", required=True))
    if source is None or source.id == campaign.id:
        raise ValidationError({"copy_targets_from": "要复制被考评对象的考评不存在"})
    return [create_target(actor, campaign, audit.snapshot(target, TARGET_FIELDS)) for target in source.targets]


def create_target(actor, campaign: Campaign, data: dict) -> Target:
    target = build_target(campaign, data)
    db.session.flush()
    record_target_creation(actor, target)
    return target


def build_target(campaign: Campaign, data: dict, taken: dict[str, dict] | None = None) -> Target:
    """create_target without the flush and the audit record (bundle import batches both)."""
    target = Target(campaign_id=campaign.id, **_target_values(campaign, data, current=None, taken=taken))
    db.session.add(target)
    return target


def record_target_creation(actor, target: Target) -> None:
    audit.record(actor, "create", "target", target.id, after=audit.snapshot(target, TARGET_FIELDS),
                 summary=f"新建被考评对象 {target.name}")


def update_target(actor, target: Target, data: dict) -> Target:
    _check_version(target, data.get("version"))
    merged = audit.snapshot(target, TARGET_FIELDS) | {k: v for k, v in data.items() if k in TARGET_FIELDS}
    values = _target_values(target.campaign, merged, current=target)
    before = audit.snapshot(target, TARGET_FIELDS)
    for key, value in values.items():
        setattr(target, key, value)
    db.session.flush()
    audit.record(actor, "update", "target", target.id, before=before, after=audit.snapshot(target, TARGET_FIELDS),
                 summary=f"修改被考评对象 {target.name}")
    return target
