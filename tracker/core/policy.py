"""Who may do what: the one place that decides every access (DESIGN.md §10.2).

Views, the API, templates (the `can` global) and tests ask `can(user, action, obj)`; nobody else
restates a rule. Admins act everywhere. Evaluators and reviewers see and act only in the campaigns
whose team they belong to; an object of another campaign is answered as if it did not exist (404),
so its existence is not revealed. Inside a team, evaluators edit (teams share work: every change
names its author in the audit) and reviewers review.

Objects are judged by their campaign: a Campaign itself, or anything with a `campaign_id`
(target, request, sheet) — the caller passes the owner of what has no campaign of its own (an
attachment's request, an evidence item's sheet).
"""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from ..campaigns.models import Campaign, CampaignMember
from ..extensions import db
from ..users.models import ROLES, Role
from .errors import LockedError, NotFound, PermissionDenied
from .transaction_cache import forget, transaction_cache


class Action(StrEnum):
    VIEW = "view"      # see a campaign's objects: lists, pages, files, reports, exports, the feed
    EDIT = "edit"      # requests, events, calls, replies, attachments; sheet facts, evidence; submit
    REVIEW = "review"  # sign, return and unlock a sheet
    MANAGE = "manage"  # campaigns, targets, teams, users, calendar, mail and reminder settings


VIEW, EDIT, REVIEW, MANAGE = Action.VIEW, Action.EDIT, Action.REVIEW, Action.MANAGE
_TEAMS, _CLOSED = "policy.teams", "policy.closed"
_ACTING_ROLE = {EDIT: Role.EVALUATOR, REVIEW: Role.REVIEWER}


def is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "active", False) \
        and getattr(user, "role", None) in ROLES


def is_admin(user) -> bool:
    return is_staff(user) and user.role == Role.ADMIN


def team_campaign_ids(user) -> frozenset[int]:
    """The campaigns whose team `user` belongs to (read once per transaction: core/transaction_cache)."""
    cache = transaction_cache(_TEAMS)
    if user.id not in cache:
        cache[user.id] = frozenset(db.session.scalars(
            select(CampaignMember.campaign_id).where(CampaignMember.user_id == user.id)))
    return cache[user.id]


def closed_campaign_ids() -> frozenset[int]:
    """The closed (archived) campaigns: read-only for everyone, admins included (read once per transaction)."""
    cache = transaction_cache(_CLOSED)
    if "ids" not in cache:
        cache["ids"] = frozenset(db.session.scalars(select(Campaign.id).where(Campaign.closed_on.is_not(None))))
    return cache["ids"]


def forget_teams() -> None:
    """After a team or a campaign's state changed in this transaction (the cache would answer for the old)."""
    forget(_TEAMS)
    forget(_CLOSED)


def _closed(action: Action, obj) -> bool:
    return action in (EDIT, REVIEW) and obj is not None and campaign_id_of(obj) in closed_campaign_ids()


def visible_campaign_ids(user) -> frozenset[int] | None:
    """None: every campaign (admins); else the campaigns `user` may see (empty for non-staff)."""
    if is_admin(user):
        return None
    return team_campaign_ids(user) if is_staff(user) else frozenset()


def campaign_id_of(obj) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, int):
        return obj
    if getattr(obj, "__tablename__", None) == "campaigns":
        return obj.id
    return getattr(obj, "campaign_id", None)


def can(user, action: Action | str, obj=None) -> bool:
    """May `user` do `action` on `obj` (or, without `obj`, on anything of the kind at all)?"""
    action = Action(action)
    if not is_staff(user) or _closed(action, obj):
        return False
    if user.role == Role.ADMIN:
        return True
    if action is MANAGE:
        return False
    if action is not VIEW and user.role != _ACTING_ROLE[action]:
        return False
    if obj is None:
        return True
    return campaign_id_of(obj) in team_campaign_ids(user)


def require(user, action: Action | str, obj=None, *, missing: str = "记录不存在") -> None:
    """404 when `user` may not even see `obj`; 403 when they see it but may not do `action`."""
    if obj is not None and not can(user, VIEW, obj):
        raise NotFound(missing)
    if _closed(Action(action), obj):
        raise LockedError(CLOSED_MESSAGE)
    if not can(user, action, obj):
        raise PermissionDenied(_DENIED.get(Action(action), "没有权限"))


CLOSED_MESSAGE = "该考评已归档（只读），不能修改；如需修改，请管理员在考评页面“重新开放”。"
_DENIED = {
    EDIT: "只有本考评项目组的填报人（或管理员）可以修改",
    REVIEW: "只有本考评项目组的审核人（或管理员）可以审核",
    MANAGE: "只有管理员可以进行此操作",
    VIEW: "没有权限查看",
}


def visible_campaigns_clause(user, column):
    """A SQL condition limiting `column` (a campaign id column) to what `user` may see; None: no limit."""
    ids = visible_campaign_ids(user)
    return None if ids is None else column.in_(sorted(ids))
