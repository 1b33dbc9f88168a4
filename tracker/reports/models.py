"""A report built in the background (issue 19): a national workbook takes tens of seconds, which
no web request should wait for. The row carries the progress any web process shows, and the name
of the finished file kept in the instance folder."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import utcnow
from ..core.revisions import Bookkeeping
from ..extensions import db

STATUS_LABELS = {"queued": "排队等待生成", "running": "正在生成", "done": "已生成", "failed": "生成失败",
                 "outdated": "数据已变化，文件已作废"}


class ReportJob(db.Model):
    __tablename__ = "report_jobs"
    __revision_scope__ = Bookkeeping()  # progress of a download: no kept page reads it

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="xlsx")
    business_date: Mapped[date] = mapped_column(Date)  # the report's "today"
    status: Mapped[str] = mapped_column(String(16), default="queued")
    parts_done: Mapped[int] = mapped_column(Integer, default=0)
    parts_total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    stored_name: Mapped[str | None] = mapped_column(String(64))  # the file in the report folder, once done
    download_name: Mapped[str] = mapped_column(String(200), default="")
    # The digest of the revision tokens the workbook reads (report_jobs.data_key): the file is reused while
    # they are unchanged. NULL: not known (a job from before migration 0013), never taken as current.
    data_key: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "outdated")

    @property
    def percent(self) -> int:
        return round(100 * self.parts_done / self.parts_total) if self.parts_total else 0
