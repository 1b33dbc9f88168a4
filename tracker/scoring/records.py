"""Reading the review record: a sheet's history, the signature in force, the last return reason, a
printed 核验码 looked up — each one statement, whatever the number of sheets.
"""
from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import func, select

from ..campaigns.models import Target
from ..core.db import among
from ..extensions import db
from ..rubric import SheetScore
from . import snapshot as snap
from .models import ReviewEvent, ScoreSheet


@dataclass(frozen=True)
class Signature:
    """A signature's record as reports print it (from its stored snapshot only)."""

    event_id: int
    sheet_id: int
    code: str
    text: str
    signed_at: object

    @cached_property
    def data(self) -> dict:
        return json.loads(self.text)

    @cached_property
    def score(self) -> SheetScore:
        return snap.score_of(self.data)

    @property
    def printed_code(self) -> str:
        return snap.printed_code(self.code)

    def _person(self, key: str, part: str) -> str:
        person = self.data.get(key)
        return person.get(part, "") if person else ""

    @property
    def filled_by(self) -> str:
        return self._person("filled_by", "name")

    @property
    def filled_by_username(self) -> str | None:
        return self._person("filled_by", "username") or None

    @property
    def reviewed_by(self) -> str:
        return self._person("reviewed_by", "name")

    @property
    def reviewed_by_username(self) -> str | None:
        return self._person("reviewed_by", "username") or None

    @property
    def filled_on(self) -> date | None:
        value = self.data.get("filled_on")
        return date.fromisoformat(value) if value else None

    @property
    def reviewed_on(self) -> date:
        return date.fromisoformat(self.data["reviewed_on"])

    @property
    def intact(self) -> bool:
        """The stored text still hashes to its code (a row altered behind the app's back would not)."""
        return snap.verification_code(self.text) == self.code


def _signature(event: ReviewEvent) -> Signature:
    return Signature(event.id, event.sheet_id, event.code, event.snapshot, event.at)


def signatures_in_force(sheet_ids: Collection[int]) -> dict[int, Signature]:
    """sheet id → the signature of each signed sheet among `sheet_ids` (its latest sign event).
    A sheet signed before review records existed has none: it is shown recomputed."""
    if not sheet_ids:
        return {}
    latest = (select(func.max(ReviewEvent.id)).where(ReviewEvent.kind == "sign",
                                                     ReviewEvent.sheet_id.in_(list(sheet_ids)))
              .group_by(ReviewEvent.sheet_id))
    events = db.session.scalars(select(ReviewEvent).where(ReviewEvent.id.in_(latest)))
    return {event.sheet_id: _signature(event) for event in events}


def campaign_signatures(campaign_id: int, target_ids: Collection[int] | None = None) -> dict[int, Signature]:
    """sheet id → the signature in force of every signed sheet of the campaign (or of `target_ids`),
    in one statement without a list of sheet ids (a national campaign has thousands)."""
    scope = [ScoreSheet.campaign_id == campaign_id, ScoreSheet.status == "signed"]
    if target_ids is not None:
        scope.append(among(ScoreSheet.target_id, target_ids))
    latest = (select(func.max(ReviewEvent.id)).join(ScoreSheet, ScoreSheet.id == ReviewEvent.sheet_id)
              .where(ReviewEvent.kind == "sign", *scope).group_by(ReviewEvent.sheet_id))
    events = db.session.scalars(select(ReviewEvent).where(ReviewEvent.id.in_(latest)))
    return {event.sheet_id: _signature(event) for event in events}


def signature_of(sheet: ScoreSheet | None) -> Signature | None:
    if sheet is None or sheet.status != "signed":
        return None
    return signatures_in_force([sheet.id]).get(sheet.id)


def history(sheet: ScoreSheet | None) -> list[ReviewEvent]:
    if sheet is None:
        return []
    return list(db.session.scalars(select(ReviewEvent).where(ReviewEvent.sheet_id == sheet.id)
                                   .order_by(ReviewEvent.id)))


def return_notice(sheet: ScoreSheet | None) -> ReviewEvent | None:
    """The return that put the sheet back to draft, while it is still in draft (None otherwise)."""
    if sheet is None or sheet.status != "draft":
        return None
    last = db.session.scalar(select(ReviewEvent).where(ReviewEvent.sheet_id == sheet.id)
                             .order_by(ReviewEvent.id.desc()).limit(1))
    return last if last is not None and last.kind == "return" else None


def returned_to(user_id: int, limit: int = 50) -> list[tuple[ScoreSheet, ReviewEvent, Target]]:
    """The draft sheets `user_id` submitted whose last review step was a return: for the dashboard."""
    latest = select(func.max(ReviewEvent.id)).group_by(ReviewEvent.sheet_id)
    query = (select(ScoreSheet, ReviewEvent, Target).join(ReviewEvent, ReviewEvent.sheet_id == ScoreSheet.id)
             .join(Target, Target.id == ScoreSheet.target_id)
             .where(ScoreSheet.status == "draft", ScoreSheet.filled_by_id == user_id,
                    ReviewEvent.kind == "return", ReviewEvent.id.in_(latest))
             .order_by(ReviewEvent.id.desc()).limit(limit))
    return [(sheet, event, target) for sheet, event, target in db.session.execute(query)]


def find_signature(code: str) -> Signature | None:
    """The signature a printed 核验码 belongs to (also one since unlocked: its print still exists)."""
    wanted = snap.normalise_code(code)
    if len(wanted) != snap.CODE_LENGTH or any(ch not in "0123456789abcdef" for ch in wanted):
        return None  # not a code at all (and never a NUL byte sent to PostgreSQL)
    event = db.session.scalar(select(ReviewEvent).where(ReviewEvent.kind == "sign", ReviewEvent.code == wanted)
                              .order_by(ReviewEvent.id.desc()).limit(1))
    return _signature(event) if event is not None else None
