from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..extensions import db
from ..core.revisions import Shared, ViaTarget
from ..users.models import User

SHEET_STATUSES = {"draft": "填报中", "submitted": "待审核", "signed": "已审核（锁定）"}


class RubricVersion(db.Model):
    """A rubric document (built-in or uploaded), stored so a campaign keeps the version it was run with."""

    __tablename__ = "rubric_versions"
    __revision_scope__ = Shared()

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    document: Mapped[Any] = mapped_column(JSON)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ScoreSheet(db.Model):
    __tablename__ = "score_sheets"
    __revision_scope__ = ViaTarget("target_id")
    __table_args__ = (UniqueConstraint("campaign_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    filled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filled_on: Mapped[date | None] = mapped_column(Date)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    filled_by: Mapped[User | None] = relationship(foreign_keys=[filled_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    facts: Mapped[list["IndicatorFacts"]] = relationship(back_populates="sheet", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def locked(self) -> bool:
        return self.status == "signed"

    @property
    def status_label(self) -> str:
        return SHEET_STATUSES.get(self.status, self.status)


class IndicatorFacts(db.Model):
    """What an evaluator entered for one manual indicator (and any override with its reason)."""

    __tablename__ = "indicator_facts"
    __revision_scope__ = ViaTarget("sheet_id", "target_id")
    __table_args__ = (UniqueConstraint("sheet_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(Integer)
    facts: Mapped[Any] = mapped_column(JSON, default=dict)
    explanation: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    sheet: Mapped[ScoreSheet] = relationship(back_populates="facts")
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="facts_row", cascade="all, delete-orphan",
                                                      order_by="Evidence.id")

    __mapper_args__ = {"version_id_col": version}


class Evidence(db.Model):
    __tablename__ = "evidence"
    __revision_scope__ = ViaTarget("facts_id", "sheet_id", "target_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    facts_id: Mapped[int] = mapped_column(ForeignKey("indicator_facts.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    facts_row: Mapped[IndicatorFacts] = relationship(back_populates="evidence")


REVIEW_KINDS = {"submit": "提交审核", "sign": "审核签字", "return": "退回", "unlock": "解锁"}


class ReviewEvent(db.Model):
    """One step of a sheet's review — submit, sign, return or unlock — kept for ever, never changed.

    A `sign` row carries the signed snapshot (canonical JSON text, exactly the bytes hashed) and its
    核验码; the users are also kept by username, so the record reads the same after a user is renamed.
    """

    __tablename__ = "sheet_review_events"
    __revision_scope__ = ViaTarget("sheet_id", "target_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_username: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    business_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str | None] = mapped_column(String(12), index=True)
    snapshot: Mapped[str | None] = mapped_column(Text)

    @property
    def kind_label(self) -> str:
        return REVIEW_KINDS.get(self.kind, self.kind)

    @property
    def signed_total(self) -> float | None:
        """The total the signature recorded (None for other steps)."""
        return json.loads(self.snapshot)["total"] if self.snapshot else None


@event.listens_for(ReviewEvent, "before_update")
@event.listens_for(ReviewEvent, "before_delete")
def _immutable(_mapper, _connection, target: ReviewEvent) -> None:
    raise RuntimeError(f"review record {target.id} is immutable")
