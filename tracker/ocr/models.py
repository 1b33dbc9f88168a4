"""A scan of a reply letter read by OCR: its progress, its text and what the text suggests."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..extensions import db
from ..core.revisions import Bookkeeping
from ..core.files import Attachment
from ..requests.models import MockRequest

STATUS_LABELS = {"queued": "排队等待识别", "running": "正在识别", "done": "识别完成", "failed": "识别失败"}


class OcrScan(db.Model):
    """One uploaded scan (its file is an Attachment of the request) and its reading.

    The suggestions stay here until an evaluator accepts them into the reply; `accepted` lists
    which were (the audit log records who and when)."""

    __tablename__ = "ocr_scans"
    __revision_scope__ = Bookkeeping()  # OCR progress and suggestions: no kept page reads them

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    plain: Mapped[str] = mapped_column(Text, default="")  # the text without blanks or line breaks, for search
    suggestions: Mapped[dict | None] = mapped_column(JSON)
    previews: Mapped[list | None] = mapped_column(JSON)
    accepted: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[MockRequest] = relationship()
    attachment: Mapped[Attachment] = relationship()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")
