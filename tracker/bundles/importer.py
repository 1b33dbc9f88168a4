"""Import of a tracker-bundle/1: validate everything first, then merge by key; all or nothing.

Operations flush; the caller's edge commits once, or rolls back when BundleError is raised.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select

from ..campaigns import operations as campaign_ops
from ..campaigns.models import Campaign, Target
from ..core.db import to_db_time
from ..core import parsing as p
from ..core.errors import TrackerError, ValidationError
from ..extensions import db
from ..requests import operations as request_ops
from ..requests.clock import store_clock
from ..requests.fields import event_values
from ..requests.models import MockRequest, PhoneAttempt, RequestEvent
from ..scoring import operations as scoring_ops
from ..scoring.rubric_store import get_rubric, rubric_exists
from ..users import operations as user_ops
from ..users.models import User
from .validate import BundleProblem, validate_bundle


class BundleError(TrackerError):
    def __init__(self, problems: list[BundleProblem]):
        self.problems = problems
        super().__init__(f"数据包有 {len(problems)} 个问题，未导入任何内容：" + "；".join(str(x) for x in problems[:5]))


@dataclass
class ImportSummary:
    campaign: Campaign | None = None
    created: dict[str, int] = field(default_factory=lambda: {"users": 0, "targets": 0, "requests": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"targets": 0, "requests": 0, "facts": 0})

    def describe(self) -> str:
        c, u = self.created, self.updated
        return (f"导入完成：新建用户 {c['users']} 个、被考评对象 {c['targets']} 个、模拟申请 {c['requests']} 条；"
                f"更新被考评对象 {u['targets']} 个、模拟申请 {u['requests']} 条、评分事实 {u['facts']} 项")


class _Importer:
    def __init__(self, actor, data: dict):
        self.actor, self.data = actor, data
        self.problems: list[BundleProblem] = []
        self.summary = ImportSummary()
        self.targets: dict[str, Target] = {}

    @contextmanager
    def at(self, path: str):
        try:
            yield
        except ValidationError as error:
            for name, message in error.errors.items():
                self.problems.append(BundleProblem(path if name == "_" else f"{path}.{name}", message))
        except TrackerError as error:
            self.problems.append(BundleProblem(path, error.message))

    def run(self) -> ImportSummary:
        campaign = self.campaign()
        if campaign is None:
            return self.summary
        self.team(campaign)
        for index, item in enumerate(self.data.get("targets") or []):
            with self.at(f"$.targets[{index}]"):
                self.target(campaign, item)
        self.targets.update({t.key: t for t in campaign.targets if t.key not in self.targets})
        for index, item in enumerate(self.data.get("requests") or []):
            with self.at(f"$.requests[{index}]"):
                self.request(campaign, item)
        self.facts(campaign)
        self.reviews(campaign)
        return self.summary

    def campaign(self) -> Campaign | None:
        spec = self.data["campaign"]
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == spec["name"]))
        if campaign is None:
            with self.at("$.campaign"):
                campaign = campaign_ops.create_campaign(self.actor, {"name": spec["name"], "year": spec["year"],
                                                                     "rubric_code": spec["rubric"]})
        elif campaign.rubric_code != spec["rubric"]:
            self.problems.append(BundleProblem("$.campaign.rubric", f"考评已存在且使用 {campaign.rubric_code}，与数据包不一致"))
        self.summary.campaign = campaign
        return campaign

    def team(self, campaign: Campaign) -> None:
        member_ids = {m.user_id for m in campaign.members}
        for index, item in enumerate(self.data.get("team") or []):
            with self.at(f"$.team[{index}]"):
                user = db.session.scalar(select(User).where(User.username == item["username"]))
                if user is None:
                    user = user_ops.create_user(self.actor, item["username"], item.get("role", "evaluator"),
                                                name=item.get("name", ""), email=item.get("email"))
                    self.summary.created["users"] += 1
                member_ids.add(user.id)
        campaign_ops.set_team(self.actor, campaign, member_ids)

    def target(self, campaign: Campaign, item: dict) -> None:
        existing = db.session.scalar(select(Target).where(Target.campaign_id == campaign.id, Target.key == item["key"]))
        if existing is None:
            self.targets[item["key"]] = campaign_ops.create_target(self.actor, campaign, item)
            self.summary.created["targets"] += 1
        else:
            self.targets[item["key"]] = campaign_ops.update_target(self.actor, existing, item)
            self.summary.updated["targets"] += 1

    def request(self, campaign: Campaign, item: dict) -> None:
        target = self.targets.get(item["target"])
        if target is None:
            raise ValidationError({"target": f"被考评对象 {item['target']} 不存在"})
        data = dict(item, target=target)
        row = db.session.scalar(select(MockRequest).where(MockRequest.campaign_id == campaign.id,
                                                          MockRequest.key == item["key"]))
        if row is None:
            row = request_ops.create_request(self.actor, campaign, data)
            self.summary.created["requests"] += 1
        else:
            if row.target_id != target.id:
                raise ValidationError({"target": "已存在的申请不能改到另一个被考评对象"})
            request_ops.update_request(self.actor, row, data, allow_voided=True)
            self.summary.updated["requests"] += 1
        self.request_details(row, item)

    def request_details(self, row: MockRequest, item: dict) -> None:
        if "events" in item:
            row.events[:] = []
            for index, event in enumerate(item["events"] or []):
                with self.at(f"events[{index}]"):
                    row.events.append(RequestEvent(created_by_id=getattr(self.actor, "id", None),
                                                   **event_values(event)))
        attempts = (item.get("phone") or {}).get("attempts")
        if row.channel == "phone" and attempts is not None:
            # Imported attempts are history: kept as recorded, judged (not refused) by the protocol.
            row.attempts[:] = [PhoneAttempt(at=to_db_time(p.optional_datetime(a["at"], field="phone.attempts.at")),
                                            connected=bool(a.get("connected"))) for a in attempts]
        if item.get("reply"):
            request_ops.save_reply(self.actor, row, item["reply"], allow_voided=True)
        if item.get("voided") is not None and bool(item["voided"]) != row.voided:
            request_ops.void_request(self.actor, row, item.get("void_reason") or "数据包导入", bool(item["voided"]))
        from ..calendar.service import current_calendar

        store_clock(row, current_calendar())
        db.session.flush()

    def facts(self, campaign: Campaign) -> None:
        for target_key, by_indicator in (self.data.get("facts") or {}).items():
            target = self.targets.get(target_key)
            for indicator_id, facts in by_indicator.items():
                with self.at(f"$.facts.{target_key}.{indicator_id}"):
                    if target is None:
                        raise ValidationError({"_": f"被考评对象 {target_key} 不存在"})
                    scoring_ops.save_facts(self.actor, campaign, target, int(indicator_id), facts)
                    self.summary.updated["facts"] += 1

    def reviews(self, campaign: Campaign) -> None:
        for target_key, review in (self.data.get("reviews") or {}).items():
            with self.at(f"$.reviews.{target_key}"):
                target = self.targets.get(target_key)
                if target is None:
                    raise ValidationError({"_": f"被考评对象 {target_key} 不存在"})
                apply_review(campaign, target, review)


def apply_review(campaign: Campaign, target: Target, review: dict) -> None:
    sheet = scoring_ops.sheet_for(campaign, target)
    users = {u.username: u.id for u in db.session.scalars(select(User).where(
        User.username.in_([n for n in (review.get("submitted_by"), review.get("reviewed_by")) if n])))}
    sheet.status = review["status"]
    sheet.filled_by_id = users.get(review.get("submitted_by"))
    sheet.filled_on = p.optional_date(review.get("submitted_on"), field="submitted_on")
    sheet.reviewed_by_id = users.get(review.get("reviewed_by"))
    sheet.reviewed_on = p.optional_date(review.get("reviewed_on"), field="reviewed_on")
    db.session.flush()


def import_bundle(actor, data: dict) -> ImportSummary:
    """Validate and merge `data`; raise BundleError listing every problem (the caller rolls back)."""
    campaign_spec = data.get("campaign") if isinstance(data, dict) else None
    name = campaign_spec.get("name") if isinstance(campaign_spec, dict) else None
    existing = db.session.scalar(select(Campaign).where(Campaign.name == name)) if isinstance(name, str) else None
    known_targets = [t.key for t in existing.targets] if existing else []
    known_users = list(db.session.scalars(select(User.username)))
    rubric_code = campaign_spec.get("rubric") if isinstance(campaign_spec, dict) else None
    indicator_ids = None
    if isinstance(rubric_code, str) and rubric_exists(rubric_code):
        indicator_ids = [str(i.id) for i in get_rubric(rubric_code).indicators]
    problems = validate_bundle(data, known_targets=known_targets, known_users=known_users,
                               **({"known_indicators": indicator_ids} if indicator_ids else {}))
    if isinstance(rubric_code, str) and indicator_ids is None:
        problems.append(BundleProblem("$.campaign.rubric", f"考评指标版本 {rubric_code} 不存在"))
    if problems:
        raise BundleError(problems)
    importer = _Importer(actor, data)
    summary = importer.run()
    if importer.problems:
        raise BundleError(importer.problems)
    return summary
