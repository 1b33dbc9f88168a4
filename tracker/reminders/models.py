from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..core.mail import OutboxMessage
from ..extensions import db
from ..core.revisions import Bookkeeping


class ReminderSent(db.Model):
    """A reminder recorded once per key (kind, request, due date), so no run sends it twice."""

    __tablename__ = "reminders_sent"
    __revision_scope__ = Bookkeeping()

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    run_on: Mapped[date] = mapped_column(Date)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    outbox: Mapped[OutboxMessage | None] = relationship()
