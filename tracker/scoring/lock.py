"""The lock of a county's sheet: while it is submitted (待审核) or signed (已审核锁定), nothing that
feeds it may change — its facts, overrides and evidence, and the county's requests in the campaign
(create, edit, void, events, calls, replies, attachments). Every path asks here: web, API, bundle
and Excel imports alike.

The check and what it guards must not interleave with a submit or a sign (DESIGN.md §10.1). On
PostgreSQL (READ COMMITTED) a plain read of the status is no guard: an autosave that read "draft"
could commit its fact after a sign had read the facts, leaving a signed snapshot that differs from
the live data. So the sheet row stays locked until the transaction ends: a change that feeds the
sheet holds it FOR SHARE (many of them at once), a submit or sign holds it FOR UPDATE before it
reads the facts and requests, and each waits for the other. Each sheet is locked once per
transaction (a bulk path asks per fact); `hold_campaign_sheets` locks a whole campaign in one
statement. SQLite renders no FOR SHARE/UPDATE: its write transactions begin IMMEDIATE (core/db.py),
which serialises writers already. A county without a sheet has no row to lock (its sheet is draft).
"""
from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm.util import identity_key

from ..campaigns.models import Campaign
from ..core.errors import LockedError
from ..core.policy import CLOSED_MESSAGE
from ..core.transaction_cache import transaction_cache
from ..extensions import db
from .models import ScoreSheet

FROZEN_STATUSES = ("submitted", "signed")
SHARE, UPDATE = "share", "update"
_HELD = "lock.sheets"  # sheet id → SHARE | UPDATE: the sheet rows the open transaction has locked
_OF_TARGET = "lock.target_sheets"  # (campaign id, target id) → id of that county's sheet, once held


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
    """Refuse (409) a change to what feeds `sheet` while it is submitted or signed; the sheet stays
    locked (shared) until the transaction ends, so it cannot be submitted or signed before it does."""
    if sheet is None:
        return
    ensure_campaign_open(sheet.campaign_id)
    status = held_status(sheet, SHARE)
    if status in FROZEN_STATUSES:
        raise LockedError(lock_message(target_name, status))


def ensure_target_open(campaign_id: int, target_id: int, target_name: str) -> None:
    """The same check for a change that names only the county (a request, an event, a call, a reply)."""
    ensure_campaign_open(campaign_id)
    status = _target_status(campaign_id, target_id)
    if status in FROZEN_STATUSES:
        raise LockedError(lock_message(target_name, status))


def held_status(sheet: ScoreSheet, mode: str = SHARE) -> str:
    """Hold `sheet`'s row (hold_sheet) and answer its status as locked — not the attribute loaded
    before, which another transaction may have changed since — unless this transaction has the
    newer word: its own unflushed change, or a row it held already (nobody else changed it since)."""
    locked = hold_sheet(sheet, mode)
    if locked is None or inspect(sheet).attrs.status.history.has_changes():
        return sheet.status
    return locked


def hold_sheet(sheet: ScoreSheet, mode: str = SHARE) -> str | None:
    """Lock `sheet`'s row until the transaction ends — SHARE for a change that feeds it, UPDATE for a
    change of its status (submit, sign) — unless this transaction holds it so already: the status
    read under the lock, None when no statement was needed."""
    if sheet.id is None:
        return None  # not flushed: no other transaction can see the row, nor submit or sign it
    if _covers(transaction_cache(_HELD).get(sheet.id), mode):
        return None
    return _lock(ScoreSheet.id == sheet.id, mode=mode).get(sheet.id)


def hold_campaign_sheets(campaign_id: int) -> int:
    """Lock every sheet of the campaign FOR UPDATE until the transaction ends, in one statement (a
    bundle import, before it reads any of them); the number of sheets held. Sheets the transaction
    creates afterwards are its own: nobody else sees them before the commit."""
    return len(_lock(ScoreSheet.campaign_id == campaign_id, mode=UPDATE))


def held_sheets() -> dict[int, str]:
    """sheet id → SHARE | UPDATE: the sheets the open transaction holds locked (a copy)."""
    return dict(transaction_cache(_HELD))


def _covers(held: str | None, wanted: str) -> bool:
    return held == UPDATE or held == wanted


def _lock(*criteria, mode: str) -> dict[int, str]:
    """Lock the sheet rows matching `criteria` (in id order: two transactions locking many rows take
    them in the same order, so they cannot deadlock) and note them held: sheet id → status as locked."""
    query = (select(ScoreSheet.id, ScoreSheet.campaign_id, ScoreSheet.target_id, ScoreSheet.status,
                    ScoreSheet.version).where(*criteria).order_by(ScoreSheet.id)
             .with_for_update(read=mode == SHARE))
    # No autoflush, as in ensure_campaign_open: operations flush their own changes to a sheet, and a
    # bulk import's pending rows must not be flushed by a check.
    with db.session.no_autoflush:
        rows = db.session.execute(query).all()
    held, of_target = transaction_cache(_HELD), transaction_cache(_OF_TARGET)
    for row in rows:
        held[row.id] = UPDATE if mode == UPDATE else held.get(row.id, SHARE)
        of_target[(row.campaign_id, row.target_id)] = row.id
        _forget_if_stale(row.id, row.version)
    return {row.id: row.status for row in rows}


def _forget_if_stale(sheet_id: int, version: int) -> None:
    """A sheet this session loaded before the lock may be older than the row now locked (another
    transaction committed in between): expire it, so that it is read again, as locked. One this
    session has changed but not flushed is left as it is: its flush fails on the version (409)."""
    loaded = db.session.identity_map.get(identity_key(ScoreSheet, sheet_id))
    if loaded is None:
        return
    state = inspect(loaded)
    if state.dict.get("version", version) != version and not state.modified:
        db.session.expire(loaded)


def _target_status(campaign_id: int, target_id: int) -> str | None:
    """The status of the county's sheet (None: it has none), its row held for the transaction."""
    sheet_id = transaction_cache(_OF_TARGET).get((campaign_id, target_id))
    if sheet_id is None:
        locked = _lock(ScoreSheet.campaign_id == campaign_id, ScoreSheet.target_id == target_id, mode=SHARE)
        if not locked:
            return None
        sheet_id, status = next(iter(locked.items()))
        loaded = db.session.identity_map.get(identity_key(ScoreSheet, sheet_id))
        changed_here = loaded is not None and inspect(loaded).attrs.status.history.has_changes()
        return loaded.status if changed_here else status  # as held_status
    # Held already: nobody else can change the row, so the session's view of it is current (no SQL
    # when the sheet is loaded).
    with db.session.no_autoflush:
        sheet = db.session.get(ScoreSheet, sheet_id)
    return sheet.status if sheet is not None else None
