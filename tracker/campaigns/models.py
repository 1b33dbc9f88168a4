from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..extensions import db
from ..core.revisions import Bookkeeping, Shared, ViaTarget
from ..users.models import User

TARGET_KINDS = {"county": "县区", "department": "部门"}
DEFAULT_OFFICE_HOURS = [["08:30", "12:00"], ["14:30", "18:00"]]


class Campaign(db.Model):
    __tablename__ = "campaigns"
    # The name is printed on every report but scores nothing: kept reports take the new name when they
    # are handed out (reports/kept_reports.py), so a rename rescores no county (DESIGN.md §10.6).
    __revision_scope__ = Shared(ignore_columns=("name", "version"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    rubric_code: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_on: Mapped[date | None] = mapped_column(Date)  # closed (archived): read-only, out of the dashboards
    version: Mapped[int] = mapped_column(Integer, default=1)

    targets: Mapped[list["Target"]] = relationship(back_populates="campaign", order_by="Target.id",
                                                   cascade="all, delete-orphan")
    members: Mapped[list["CampaignMember"]] = relationship(back_populates="campaign", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def closed(self) -> bool:
        return self.closed_on is not None


class CampaignMember(db.Model):
    """The campaign's team: the users who work on it."""

    __tablename__ = "campaign_members"
    # Who may see a campaign is asked live on every request; the dashboard's kept summary is filed
    # under the campaigns its user sees (main/dashboard.py), so no kept value reads the team.
    __revision_scope__ = Bookkeeping()
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    campaign: Mapped[Campaign] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class Target(db.Model):
    __tablename__ = "targets"
    __revision_scope__ = ViaTarget("id")
    __table_args__ = (UniqueConstraint("campaign_id", "key"), UniqueConstraint("campaign_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="county")
    website: Mapped[str] = mapped_column(String(500), default="")
    apply_url: Mapped[str] = mapped_column(String(500), default="")
    guide_phone: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    office_hours: Mapped[Any] = mapped_column(JSON, default=lambda: [list(p) for p in DEFAULT_OFFICE_HOURS])
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    campaign: Mapped[Campaign] = relationship(back_populates="targets")

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return TARGET_KINDS.get(self.kind, self.kind)
