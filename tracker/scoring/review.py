"""The review of a score sheet (DESIGN.md §10.1): submit, sign (with its snapshot and 核验码), return
and unlock — each refused with a field-named Chinese message when it may not happen, each kept as
an immutable ReviewEvent and audited. Operations: they flush, never commit; mail goes to the outbox.

draft → submitted (填报人) → signed (审核人); submitted → draft by return, signed → draft by unlock,
both with a reason. Submit and sign refuse any 未评 indicator. Nobody signs a sheet they filled in
or submitted, admins included (four eyes); the signer is a team reviewer or an admin (may_sign).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..calendar.service import current_calendar, current_revision
from ..campaigns.models import Campaign, Target
from ..core import audit, files
from ..core import parsing as p
from ..core.errors import ConflictError, PermissionDenied, ValidationError
from ..core.mail import queue_email
from ..extensions import db
from ..core.files import Attachment
from ..requests.scores import derive_for, load_requests
from ..rubric import SheetScore, score_sheet
from ..users.models import User
from . import snapshot as snap
from .lock import UPDATE, ensure_campaign_open, held_status
from .models import Evidence, IndicatorFacts, ReviewEvent, ScoreSheet
from .operations import may_sign
from .rubric_store import get_rubric, rubric_digest
from .service import moment_of

SEEN_MISSING = "缺少您审核时所见评分表的核对值，未审核。请在评分表页面点击“审核通过…”并在确认页确认。"
SEEN_STALE = "评分表在您打开之后有了变化（得分或说明不同），未审核。请刷新页面核对后再审核。"
CODE_STALE = "确认页显示的核验码与评分表现在的内容不一致（其间有修改或已过零点），未审核。请重新打开确认页核对。"


@dataclass(frozen=True)
class LiveSheet:
    """The sheet recomputed now from its facts and the county's requests."""

    rubric: object
    rows: dict[int, IndicatorFacts]
    derived: dict
    request_versions: dict[str, int]
    score: SheetScore

    def explanations(self) -> dict[int, str]:
        return {ident: row.explanation for ident, row in self.rows.items() if row.explanation}


def live_sheet(sheet: ScoreSheet, today: date) -> LiveSheet:
    campaign = db.session.get(Campaign, sheet.campaign_id)
    rubric = get_rubric(campaign.rubric_code)
    rows = {row.indicator_id: row for row in db.session.scalars(
        select(IndicatorFacts).where(IndicatorFacts.sheet_id == sheet.id))}
    requests = load_requests(campaign.id, [sheet.target_id])
    derived = derive_for(requests, rubric, current_calendar(), today, moment_of(today))
    score = score_sheet(rubric, {ident: row.facts for ident, row in rows.items()}, derived)
    return LiveSheet(rubric, rows, derived, {r.key: r.version for r in requests}, score)


def _target(sheet: ScoreSheet) -> Target:
    return db.session.get(Target, sheet.target_id)


def _pending_message(score: SheetScore, doing: str) -> dict[str, str]:
    listed = "、".join(f"指标{i}" for i in score.pending)
    return {"pending": f"仍有未评指标（共{len(score.pending)}项）：{listed}；全部评分后才能{doing}"}


def _record(actor, sheet: ScoreSheet, kind: str, today: date, *, reason: str = "",
            code: str | None = None, text: str | None = None) -> ReviewEvent:
    event = ReviewEvent(sheet_id=sheet.id, kind=kind, actor_id=getattr(actor, "id", None),
                        actor_username=getattr(actor, "username", "") or "", business_date=today,
                        reason=reason, code=code, snapshot=text)
    db.session.add(event)
    db.session.flush()
    return event


def _ensure_reviewer(actor, sheet: ScoreSheet, doing: str) -> None:
    ensure_campaign_open(sheet.campaign_id)  # a closed campaign: 409 naming it, not "not a reviewer"
    if actor is None or not may_sign(actor, sheet):
        raise PermissionDenied(f"只有本考评项目组的审核人或管理员可以{doing}评分表")


# ---------------------------------------------------------------------------- submit

def submit_sheet(actor, sheet: ScoreSheet, today: date, live: LiveSheet | None = None) -> None:
    """The 填报人 hands the complete sheet to review; it is locked from now on (lock.py). `live`:
    live_sheet(sheet, today), when the caller has just computed it (a bundle submits and signs at once).

    The sheet row is held FOR UPDATE before the facts and requests are read, so that no change to
    them is still uncommitted when they are (lock.py). A `live` computed before that lock is the
    caller's to make safe: the bundle import holds every sheet of its campaign for the whole import."""
    status = held_status(sheet, UPDATE)
    if status != "draft":
        raise ValidationError({"status": "评分表已审核锁定" if status == "signed" else "评分表已提交，正在等待审核"})
    score = (live or live_sheet(sheet, today)).score
    if score.pending:
        raise ValidationError(_pending_message(score, "提交审核"))
    sheet.status, sheet.filled_by_id, sheet.filled_on = "submitted", getattr(actor, "id", None), today
    db.session.flush()
    _record(actor, sheet, "submit", today)
    audit.record(actor, "submit", "score_sheet", sheet.id, before={"status": "draft"}, after={"status": "submitted"},
                 summary=f"{_target(sheet).name}：提交评分表待审核")


# ---------------------------------------------------------------------------- sign

def four_eyes_refusal(actor, sheet: ScoreSheet) -> str | None:
    """Why `actor` may not sign `sheet` because they took part in filling it in (None: they may)."""
    if sheet.filled_by_id is not None and sheet.filled_by_id == getattr(actor, "id", None):
        return "您是该评分表的填报人（提交人），不能审核签字本表：须由另一位审核人或管理员审核（四眼原则，管理员亦然）。"
    filled = sorted(db.session.scalars(select(IndicatorFacts.indicator_id).where(
        IndicatorFacts.sheet_id == sheet.id, IndicatorFacts.updated_by_id == actor.id)))
    if filled:
        listed = "、".join(f"指标{i}" for i in filled)
        return f"您填报过该评分表的{listed}，不能审核签字本表：须由另一位审核人或管理员审核（四眼原则，管理员亦然）。"
    return None


@dataclass(frozen=True)
class Prepared:
    """What signing now would store: shown on the confirmation page, then stored as it is."""

    score: SheetScore
    text: str
    code: str

    @property
    def printed_code(self) -> str:
        return snap.printed_code(self.code)


def prepare_signature(actor, sheet: ScoreSheet, today: date, live: LiveSheet | None = None) -> Prepared:
    """Every check of signing, and the snapshot it would store; changes nothing but the lock: the
    sheet row is held FOR UPDATE (before the facts and requests are read, as in submit_sheet) until
    the transaction ends, so that the snapshot is what sign_sheet stores it with. `live`: as for
    submit_sheet, of this same `today` (and computed under the lock, or the caller's to make safe)."""
    _ensure_reviewer(actor, sheet, "审核")
    status = held_status(sheet, UPDATE)
    if status != "submitted":
        raise ValidationError({"status": "评分表已审核锁定" if status == "signed"
                               else "评分表须先由填报人提交，才能审核"})
    refusal = four_eyes_refusal(actor, sheet)
    if refusal:
        raise PermissionDenied(refusal)
    live = live or live_sheet(sheet, today)
    if live.score.pending:
        raise ValidationError(_pending_message(live.score, "审核签字"))
    text = snap.canonical_json(snap.build_snapshot(_source(actor, sheet, today, live)))
    return Prepared(live.score, text, snap.verification_code(text))


def sign_sheet(actor, sheet: ScoreSheet, today: date, seen: str | None, code: str | None = None,
               prepared: Prepared | None = None) -> ReviewEvent:
    """Sign what the reviewer saw: `seen` is the fingerprint of the sheet page they opened (required),
    `code` the 核验码 the confirmation page showed (when it was shown); `prepared`: prepare_signature's
    answer earlier in this same change (bundle import), not computed a second time."""
    prepared = prepared or prepare_signature(actor, sheet, today)
    check_seen(prepared, seen)
    if code and snap.normalise_code(code) != prepared.code:
        raise ConflictError(CODE_STALE)
    sheet.status, sheet.reviewed_by_id, sheet.reviewed_on = "signed", actor.id, today
    db.session.flush()
    event = _record(actor, sheet, "sign", today, code=prepared.code, text=prepared.text)
    audit.record(actor, "sign", "score_sheet", sheet.id, before={"status": "submitted"},
                 after={"status": "signed", "code": prepared.code, "total": prepared.score.total},
                 summary=f"{_target(sheet).name}：审核签字并锁定评分表（核验码 {prepared.printed_code}）")
    return event


def check_seen(prepared: Prepared, seen: str | None) -> None:
    """Signing needs the fingerprint of the page the reviewer looked at, and it must still hold."""
    if not seen:
        raise ValidationError({"seen": SEEN_MISSING})
    if seen != prepared.score.fingerprint():
        raise ConflictError(SEEN_STALE)


def _person(user: User | None) -> snap.Person | None:
    return snap.Person(user.username, user.display_name) if user is not None else None


def _source(actor, sheet: ScoreSheet, today: date, live: LiveSheet) -> snap.SheetSource:
    campaign, target = db.session.get(Campaign, sheet.campaign_id), _target(sheet)
    keys = {ident: tuple(d.request_keys) for ident, d in live.derived.items() if getattr(d, "request_keys", ())}
    return snap.SheetSource(
        campaign=(campaign.id, campaign.name), target=(target.id, target.key, target.name), sheet_id=sheet.id,
        rubric=live.rubric, rubric_digest=rubric_digest(campaign.rubric_code),
        calendar_revision=current_revision(), score=live.score, explanations=live.explanations(),
        evidence=evidence_records(sheet), request_keys=keys, request_versions=live.request_versions,
        filled_by=_person(db.session.get(User, sheet.filled_by_id) if sheet.filled_by_id else None),
        filled_on=sheet.filled_on, reviewed_by=_person(actor), reviewed_on=today)


def evidence_records(sheet: ScoreSheet) -> dict[int, list[dict]]:
    """indicator → its evidence as signed: URL, note and the stored file's name, size and SHA-256."""
    query = (select(IndicatorFacts.indicator_id, Evidence, Attachment)
             .join(Evidence, Evidence.facts_id == IndicatorFacts.id)
             .outerjoin(Attachment, Attachment.id == Evidence.attachment_id)
             .where(IndicatorFacts.sheet_id == sheet.id).order_by(Evidence.id))
    result: dict[int, list[dict]] = {}
    for ident, item, attachment in db.session.execute(query):
        stored = None
        if attachment is not None:
            stored = {"name": attachment.original_name, "size": attachment.size, "sha256": file_sha256(attachment)}
        result.setdefault(ident, []).append({"url": item.url, "note": item.note, "file": stored})
    return result


def file_sha256(attachment: Attachment) -> str | None:
    """The SHA-256 of the file as stored now (None: the file is missing)."""
    name = str(attachment.stored_name or "")
    if not name or Path(name).name != name or name.startswith("."):
        return None
    path = files.upload_dir() / name
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------- return and unlock

def return_sheet(actor, sheet: ScoreSheet, reason: str, today: date) -> ReviewEvent:
    """A reviewer sends a submitted sheet back; the 填报人 sees the reason on the sheet and the
    dashboard and gets it by email."""
    _ensure_reviewer(actor, sheet, "退回")
    reason = p.text(reason, field="reason", required=True, max_length=500)
    if sheet.status != "submitted":
        raise ValidationError({"status": "只有待审核的评分表可以退回"})
    sheet.status = "draft"
    db.session.flush()
    event = _record(actor, sheet, "return", today, reason=reason)
    target = _target(sheet)
    audit.record(actor, "return", "score_sheet", sheet.id, before={"status": "submitted"},
                 after={"status": "draft", "reason": reason}, summary=f"{target.name}：退回评分表：{reason}")
    _mail_return(actor, sheet, target, reason)
    return event


def _mail_return(actor, sheet: ScoreSheet, target: Target, reason: str) -> None:
    filler = db.session.get(User, sheet.filled_by_id) if sheet.filled_by_id else None
    if filler is None or not filler.email:
        return  # the reason still shows on the sheet and the dashboard
    campaign = db.session.get(Campaign, sheet.campaign_id)
    link = (f"{current_app.config['BASE_URL'].rstrip('/')}/campaigns/{campaign.id}/targets/{target.id}/sheet")
    text = (f"{filler.display_name}：\n\n您提交的{target.name}评分表（{campaign.name}）已被{actor.display_name}退回。\n"
            f"退回原因：{reason}\n\n请修改后重新提交审核：{link}\n")
    queue_email(filler.email, f"评分表被退回：{target.name}", text, user_id=filler.id)


def unlock_sheet(actor, sheet: ScoreSheet, reason: str, today: date) -> ReviewEvent:
    """A signed sheet opens again; its signature stays in the history (and its 核验码 verifiable)."""
    _ensure_reviewer(actor, sheet, "解锁")
    reason = p.text(reason, field="reason", required=True, max_length=500)
    if sheet.status != "signed":
        raise ValidationError({"status": "评分表未锁定"})
    before = {"status": sheet.status, "reviewed_by_id": sheet.reviewed_by_id, "reviewed_on": sheet.reviewed_on}
    sheet.status, sheet.reviewed_by_id, sheet.reviewed_on = "draft", None, None
    db.session.flush()
    event = _record(actor, sheet, "unlock", today, reason=reason)
    audit.record(actor, "unlock", "score_sheet", sheet.id, before=before, after={"status": "draft", "reason": reason},
                 summary=f"{_target(sheet).name}：解锁评分表：{reason}")
    return event
