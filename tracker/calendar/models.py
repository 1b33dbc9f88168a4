from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import utcnow
from ..core.revisions import CALENDAR, Shared
from ..extensions import db


class CalendarOverride(db.Model):
    """An admin-entered day: working or not, with its source (e.g. 国办发明电〔2026〕N号)."""

    __tablename__ = "calendar_overrides"
    __revision_scope__ = Shared(CALENDAR, reaches_targets=True)  # narrowed by requests/law_bridge.py

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ConfirmedYear(db.Model):
    """A year whose State Council schedule an admin has entered in full: no longer provisional."""

    __tablename__ = "calendar_confirmed_years"
    __revision_scope__ = Shared(CALENDAR, reaches_targets=True)  # narrowed by requests/law_bridge.py

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300), default="")
    confirmed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

