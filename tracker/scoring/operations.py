"""Score sheet operations: facts and overrides, evidence, and who may sign (the review itself:
review.py). Nothing that feeds a submitted or signed sheet may change (lock.py)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..campaigns.models import Campaign, Target
from ..core import audit, files, policy
from ..core import parsing as p
from ..core.errors import NotFound, ValidationError
from ..core.versions import check_version
from ..extensions import db
from ..core.files import Attachment
from ..rubric import validate_facts
from .limits import text_errors
from .lock import ensure_sheet_open
from .models import Evidence, IndicatorFacts, ScoreSheet
from .rubric_store import get_rubric

EVIDENCE_NOTE_MAX = 2000  # an evidence note says where and when something was found, not a whole page
MANUAL_KEYS = ("items", "tier", "points", "count", "passed", "note", "override")


def sheet_for(campaign: Campaign, target: Target, *, create: bool = True) -> ScoreSheet | None:
    sheet = _stored_sheet(campaign.id, target.id)
    if sheet is None and create:
        sheet = _first_sheet(campaign.id, target.id)
    return sheet


def _stored_sheet(campaign_id: int, target_id: int) -> ScoreSheet | None:
    return db.session.scalar(select(ScoreSheet).where(ScoreSheet.campaign_id == campaign_id,
                                                      ScoreSheet.target_id == target_id))


def _first_sheet(campaign_id: int, target_id: int) -> ScoreSheet:
    """The county's sheet, created by this first save. Two first saves at the same moment (two people
    opening a new county, PostgreSQL) both get here: the later INSERT waits for the earlier to commit and
    finds the key taken — then it takes that sheet, and its save goes on, instead of failing whole with
    "请刷新页面后重试". The INSERT runs in a savepoint, so that only it is undone."""
    try:
        with db.session.begin_nested():
            sheet = ScoreSheet(campaign_id=campaign_id, target_id=target_id, status="draft")
            db.session.add(sheet)
    except IntegrityError:
        sheet = _stored_sheet(campaign_id, target_id)
        if sheet is None:  # the key was not what collided: a real error
            raise
    return sheet


def _ensure_editable(sheet: ScoreSheet) -> None:
    target = db.session.get(Target, sheet.target_id)
    ensure_sheet_open(sheet, target.name if target else "")


def may_sign(user, sheet: ScoreSheet) -> bool:
    """Who may sign, return or unlock `sheet`: an admin, or a reviewer in its campaign's team.
    (Four eyes come on top, in review.four_eyes_refusal.)"""
    return policy.can(user, policy.REVIEW, sheet)


def _clean_facts(indicator, facts: dict) -> dict:
    if not isinstance(facts, dict):
        raise ValidationError({f"facts.{indicator.id}": "应为对象"})
    cleaned = {k: v for k, v in facts.items() if k in MANUAL_KEYS and v not in (None, "", [])}
    if isinstance(cleaned.get("override"), dict) and not any(
            cleaned["override"].get(k) not in (None, "") for k in ("points", "reason")):
        cleaned.pop("override")
    errors = {f"{indicator.id}.{e.field}": e.message_zh for e in validate_facts(indicator, cleaned)}
    errors.update(text_errors(indicator.id, cleaned))  # issue 18: bounded on every path, not only the page
    if errors:
        raise ValidationError(errors)
    return cleaned


def checked_facts(indicator, facts: dict) -> dict:
    """`facts` as save_facts would store them, or the ValidationError it would raise (the live preview)."""
    return _clean_facts(indicator, facts)


def _indicator(campaign: Campaign, indicator_id):
    return indicator_of(get_rubric(campaign.rubric_code), indicator_id)


def indicator_of(rubric, indicator_id):
    try:
        return rubric.indicator(int(indicator_id))
    except (KeyError, ValueError, TypeError):
        raise ValidationError({"indicator": f"考评指标中没有指标 {indicator_id}"}) from None


def _check_row_version(row: IndicatorFacts | None, version) -> None:
    """`version` is what the editor saw: the row's version, 0 for "no row yet", None/"" to skip the check."""
    check_version(row.version if row is not None else 0, version)


def save_facts(actor, campaign: Campaign, target: Target, indicator_id: int, facts: dict,
               version=None) -> IndicatorFacts | None:
    """Replace one indicator's facts (empty facts clear it back to 未评). `version` guards against lost edits."""
    indicator = _indicator(campaign, indicator_id)
    sheet = sheet_for(campaign, target)
    row = db.session.scalar(select(IndicatorFacts).where(IndicatorFacts.sheet_id == sheet.id,
                                                         IndicatorFacts.indicator_id == indicator.id))
    change = stage_facts(actor, sheet, row, indicator, facts, version)
    if change is None:
        return row  # nothing changes: re-importing the same bundle into a signed sheet is harmless
    row, before = change
    db.session.flush()
    record_facts(actor, target, row, before)
    return row


def stage_facts(actor, sheet: ScoreSheet, row: IndicatorFacts | None, indicator, facts: dict,
                version=None, *, add: bool = True) -> tuple[IndicatorFacts, dict | None] | None:
    """save_facts on a loaded sheet and row, without the flush and the audit record (bundle import
    batches both): None when nothing changes, else (the row, its facts before) for record_facts.
    `add=False` leaves a new row out of the session (the importer inserts it in bulk)."""
    cleaned = _clean_facts(indicator, facts)
    if row is not None and row.facts == cleaned:
        return None
    _ensure_editable(sheet)
    _check_row_version(row, version)
    before = dict(row.facts) if row else None
    if row is None:
        row = IndicatorFacts(sheet_id=sheet.id, indicator_id=indicator.id, facts=cleaned,
                             updated_by_id=getattr(actor, "id", None))
        if add:
            db.session.add(row)
    else:
        row.facts = cleaned
        row.updated_by_id = getattr(actor, "id", None)
    return row, before


def record_facts(actor, target: Target, row: IndicatorFacts, before: dict | None) -> None:
    audit.record(actor, "update", "indicator_facts", row.id, before=before, after=row.facts,
                 summary=f"{target.name} 指标{row.indicator_id}：修改评分事实")


def add_evidence(actor, campaign: Campaign, target: Target, indicator_id: int, data: dict,
                 attachment_id: int | None = None) -> Evidence:
    c = p.Collector()
    url = c.run("url", p.url, data.get("url"))
    note = c.run("note", p.text, data.get("note"), max_length=EVIDENCE_NOTE_MAX)
    c.raise_if_any()
    if not url and not note and attachment_id is None:
        raise ValidationError({"url": "请填写网址、说明或上传截图中的至少一项"})
    indicator_id = _indicator(campaign, indicator_id).id
    sheet = sheet_for(campaign, target)
    _ensure_editable(sheet)
    row = db.session.scalar(select(IndicatorFacts).where(IndicatorFacts.sheet_id == sheet.id,
                                                         IndicatorFacts.indicator_id == indicator_id))
    if row is None:
        row = IndicatorFacts(sheet_id=sheet.id, indicator_id=indicator_id, facts={})
        db.session.add(row)
        db.session.flush()
    evidence = Evidence(facts_id=row.id, url=url, note=note, attachment_id=attachment_id,
                        created_by_id=getattr(actor, "id", None))
    db.session.add(evidence)
    db.session.flush()
    audit.record(actor, "create", "evidence", evidence.id, after={"indicator": indicator_id, "url": url, "note": note},
                 summary=f"{target.name} 指标{indicator_id}：添加佐证材料")
    return evidence


def delete_evidence(actor, campaign: Campaign, target: Target, evidence_id: int):
    """Remove one evidence item of the target's sheet (refused while the sheet is submitted or signed).
    Its uploaded file's Attachment row goes too; core/files removes the file once that is committed."""
    found = db.session.execute(
        select(Evidence, IndicatorFacts).join(IndicatorFacts, IndicatorFacts.id == Evidence.facts_id)
        .join(ScoreSheet, ScoreSheet.id == IndicatorFacts.sheet_id)
        .where(Evidence.id == evidence_id, ScoreSheet.campaign_id == campaign.id,
               ScoreSheet.target_id == target.id)).first()
    if found is None:
        raise NotFound("佐证材料不存在或已被删除")
    evidence, row = found
    _ensure_editable(row.sheet)
    attachment = db.session.get(Attachment, evidence.attachment_id) if evidence.attachment_id else None
    before = {"indicator": row.indicator_id, "url": evidence.url, "note": evidence.note,
              "file": attachment.original_name if attachment else None}
    db.session.delete(evidence)
    if attachment is not None:
        files.delete_attachment(attachment)
    db.session.flush()
    audit.record(actor, "delete", "evidence", evidence_id, before=before,
                 summary=f"{target.name} 指标{row.indicator_id}：删除佐证材料")


def get_sheet(sheet_id: int) -> ScoreSheet:
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None:
        raise NotFound("评分表不存在")
    return sheet
