"""A bundle's `reviews` go through the review operations (DESIGN.md §10.1): the same four eyes,
completeness, team and audit as in the web. A review that says what the sheet already is changes
nothing; one that would move a sheet takes the path the web takes — submit, then sign; return or
unlock (with the reason and the person the entry names) — and is refused when that path refuses.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..campaigns.models import Campaign, Target
from ..core import clock, policy
from ..core import parsing as p
from ..core.errors import PermissionDenied, ValidationError
from ..extensions import db
from ..scoring import operations as scoring_ops
from ..scoring import review as review_ops
from ..scoring.models import ScoreSheet
from ..users.models import User


def _people(review: dict) -> dict[str, User]:
    names = [review.get(field) for field in ("submitted_by", "reviewed_by", "by")]
    return {u.username: u for u in db.session.scalars(select(User).where(User.username.in_([n for n in names if n])))}


def _person(review: dict, people: dict[str, User], field: str, label: str) -> User:
    user = people.get(review.get(field) or "")
    if user is None:
        raise ValidationError({field: f"须注明{label}（{field}）"})
    return user


def _day(review: dict, field: str) -> date:
    return p.optional_date(review.get(field), field=field) or clock.today()


def _goes_back(sheet_status: str, wanted: str) -> bool:
    return (sheet_status == "signed" and wanted != "signed") or (sheet_status == "submitted" and wanted == "draft")


def reopen_for_review(campaign: Campaign, target: Target, review: dict) -> None:
    """Before the bundle's requests and facts: a sheet the entry takes back (to draft, or from signed)
    is returned or unlocked first, so that what the bundle changes next is not refused by the lock."""
    sheet = scoring_ops.sheet_for(campaign, target, create=False)
    if sheet is not None and _goes_back(sheet.status, review["status"]):
        _reopen(sheet, review, _people(review))


def apply_review(campaign: Campaign, target: Target, review: dict) -> None:
    """After the requests and facts: bring the sheet to the entry's status."""
    sheet = scoring_ops.sheet_for(campaign, target)
    wanted, people = review["status"], _people(review)
    if wanted == sheet.status:
        _check_same_signature(sheet, review, people)
        return
    if _goes_back(sheet.status, wanted):
        _reopen(sheet, review, people)
    if wanted == "draft":
        return
    submitted = None  # (day, live sheet): computed once when it is submitted and signed on one day
    if sheet.status == "draft":
        filler = _person(review, people, "submitted_by", "填报人")
        if not policy.can(filler, policy.EDIT, sheet):
            raise PermissionDenied(f"{filler.username} 不是本考评项目组的填报人，不能提交评分表")
        day = _day(review, "submitted_on")
        submitted = (day, review_ops.live_sheet(sheet, day))
        review_ops.submit_sheet(filler, sheet, day, live=submitted[1])
    if wanted == "signed":
        signer, day = _person(review, people, "reviewed_by", "审核人"), _day(review, "reviewed_on")
        live = submitted[1] if submitted is not None and submitted[0] == day else None
        prepared = review_ops.prepare_signature(signer, sheet, day, live=live)  # every check of signing, once
        review_ops.sign_sheet(signer, sheet, day, prepared.score.fingerprint(), prepared=prepared)


def _reopen(sheet: ScoreSheet, review: dict, people: dict[str, User]) -> None:
    """Return a submitted sheet, or unlock a signed one, as the person the entry names, for its reason."""
    doing = "解锁" if sheet.status == "signed" else "退回"
    if not (review.get("reason") or "").strip():
        raise ValidationError({"reason": f"评分表当前为“{sheet.status_label}”，改为“{review['status']}”须先{doing}：请填写原因（reason）"})
    actor, day = _person(review, people, "by", f"{doing}人"), clock.today()
    if sheet.status == "signed":
        review_ops.unlock_sheet(actor, sheet, review["reason"], day)
    else:
        review_ops.return_sheet(actor, sheet, review["reason"], day)


def _check_same_signature(sheet: ScoreSheet, review: dict, people: dict[str, User]) -> None:
    """A signed sheet is re-imported as signed only by the same 审核人 on the same day."""
    if sheet.status != "signed":
        return
    signer = people.get(review.get("reviewed_by") or "")
    day = p.optional_date(review.get("reviewed_on"), field="reviewed_on")
    if (signer is not None and signer.id != sheet.reviewed_by_id) or (day is not None and day != sheet.reviewed_on):
        raise ValidationError({"reviewed_by": "该评分表已由另一审核人或在另一日期审核签字；如需改动，请先解锁"})
