from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..campaigns.models import Campaign, Target
from ..core.db import utcnow
from ..extensions import db
from ..core.revisions import ViaTarget
from ..law.deadline_terms import CHANNEL_LABELS, PARTIES
from ..users.models import User

PURPOSES = ("16", "17", "18", "19.1", "19.2", "19.3", "19.4", "20", "21", "22", "other")
PURPOSE_LABELS = {
    "16": "16 互联网申请", "17": "17 口头申请指导", "18": "18 电话申请指导",
    "19.1": "19(1) 已主动公开信息", "19.2": "19(2) 可以公开信息", "19.3": "19(3) 不予公开信息",
    "19.4": "19(4) 特别规定信息", "20": "20 重要部署执行信息（信函至法定代表人）",
    "21": "21 行政执法信息", "22": "22 整改落实信息", "other": "其他",
}
EVENT_TYPES = {
    "clarification_requested": "要求补正", "clarified": "补正完成",
    "consultation_started": "开始征求意见", "consultation_ended": "征求意见结束",
    "extended": "延长答复期限", "fee_notified": "收费通知", "fee_paid": "缴费",
    "withdrawn": "撤回申请",
}
REPLY_FORMS = {"letter": "书面信函", "email": "电子邮件", "platform": "网上申请平台", "on_the_spot": "当场书面答复",
               "phone": "电话（口头）"}
DOCUMENT_KINDS = {"acknowledgement": "受理回执", "clarification_notice": "补正告知书", "extension_notice": "延期答复告知书",
                  "fee_notice": "收费通知书", "reply": "答复书", "other": "其他文书"}


class MockRequest(db.Model):
    """One mock application or test sent to a target (模拟申请)."""

    __tablename__ = "requests"
    __revision_scope__ = ViaTarget("target_id")
    __table_args__ = (
        UniqueConstraint("campaign_id", "key"),
        # The request list pages through a campaign in (due_date, key) order straight off this index;
        # the dashboard's lists and the reminder job find open requests by status, in due-date order;
        # the dashboard finds the letters not yet signed for.
        Index("ix_requests_campaign_due_key", "campaign_id", "due_date", "key"),
        Index("ix_requests_status_due_key", "status", "due_date", "key"),
        Index("ix_requests_letter_waiting", "channel", "letter_delivered_on", "letter_confirmed_on"),
        Index("ix_requests_owner_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(500), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str] = mapped_column(String(500), default="")
    # online (互联网)
    online_url: Mapped[str] = mapped_column(String(500), default="")
    online_window_active: Mapped[bool | None] = mapped_column(Boolean)
    online_accepted: Mapped[bool | None] = mapped_column(Boolean)
    online_confirmed_on: Mapped[date | None] = mapped_column(Date)
    online_confirmation_number: Mapped[str] = mapped_column(String(100), default="")
    # oral (当面口头)
    oral_place: Mapped[str] = mapped_column(String(300), default="")
    oral_filled_in_for_applicant: Mapped[bool | None] = mapped_column(Boolean)
    oral_procedure_explained: Mapped[bool | None] = mapped_column(Boolean)
    oral_declined_with_reason: Mapped[bool | None] = mapped_column(Boolean)
    # phone (电话)
    phone_question: Mapped[str] = mapped_column(String(500), default="")
    phone_answered_correctly: Mapped[bool | None] = mapped_column(Boolean)
    # mail (信函)
    letter_addressee: Mapped[str] = mapped_column(String(100), default="")
    letter_marked: Mapped[str] = mapped_column(String(100), default="")
    letter_posted_on: Mapped[date | None] = mapped_column(Date)
    letter_tracking_number: Mapped[str] = mapped_column(String(100), default="")
    letter_delivered_on: Mapped[date | None] = mapped_column(Date)
    letter_confirmed_on: Mapped[date | None] = mapped_column(Date)
    letter_returned: Mapped[bool] = mapped_column(Boolean, default=False)
    # issue 15: the kind decides the receipt date (条例第三十一条, 207号); null for other channels
    letter_kind: Mapped[str | None] = mapped_column(String(16))
    # a tracking number in another format than UPU S10 (a courier's): not checked
    letter_tracking_other: Mapped[bool] = mapped_column(Boolean, default=False)
    # the number actually dialled in a phone test (may differ from the published guidance number)
    phone_number_called: Mapped[str] = mapped_column(String(50), default="")
    # The clock, recomputed by every operation that changes its inputs (and when the calendar
    # changes) so that lists, the dashboard and the reminder job can filter and sort in SQL.
    receipt_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(32), default="not_received")
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    campaign: Mapped[Campaign] = relationship()
    target: Mapped[Target] = relationship()
    owner: Mapped[User | None] = relationship()
    events: Mapped[list["RequestEvent"]] = relationship(back_populates="request", cascade="all, delete-orphan",
                                                        order_by="(RequestEvent.on, RequestEvent.id)")
    attempts: Mapped[list["PhoneAttempt"]] = relationship(back_populates="request", cascade="all, delete-orphan",
                                                          order_by="PhoneAttempt.at")
    reply: Mapped["Reply | None"] = relationship(back_populates="request", cascade="all, delete-orphan",
                                                 uselist=False)
    documents: Mapped[list["RequestDocument"]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="(RequestDocument.dated_on, RequestDocument.id)")

    __mapper_args__ = {"version_id_col": version}

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def purpose_label(self) -> str:
        return PURPOSE_LABELS.get(self.purpose, self.purpose)


class RequestEvent(db.Model):
    __tablename__ = "request_events"
    __revision_scope__ = ViaTarget("request_id", "target_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int | None] = mapped_column(Integer)  # extension; or the 补正 period given
    party: Mapped[str | None] = mapped_column(String(16))  # consultations: third_party / other_agency
    amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # fee_notified: the fee asked
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[MockRequest] = relationship(back_populates="events")

    @property
    def type_label(self) -> str:
        return EVENT_TYPES.get(self.type, self.type)

    @property
    def party_label(self) -> str:
        return PARTIES.get(self.party or "", "")


class PhoneAttempt(db.Model):
    __tablename__ = "phone_attempts"
    __revision_scope__ = ViaTarget("request_id", "target_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    connected: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    request: Mapped[MockRequest] = relationship(back_populates="attempts")


class Reply(db.Model):
    __tablename__ = "replies"
    __revision_scope__ = ViaTarget("request_id", "target_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), unique=True)
    dispatched_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(32))
    form: Mapped[str | None] = mapped_column(String(16))  # a key of REPLY_FORMS; phone = not written
    told_route: Mapped[bool] = mapped_column(Boolean, default=False)
    provided_or_route_and_time: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons_given: Mapped[bool] = mapped_column(Boolean, default=False)
    special_law_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_charged: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    remedy_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    request: Mapped[MockRequest] = relationship(back_populates="reply")

    __mapper_args__ = {"version_id_col": version}

    @property
    def form_label(self) -> str:
        return REPLY_FORMS.get(self.form or "", "未记录")


class RequestDocument(db.Model):
    """A dated document the agency sent about a request (受理回执, 补正告知, 延期告知, 收费通知, 答复…)."""

    __tablename__ = "request_documents"
    __revision_scope__ = ViaTarget("request_id", "target_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    dated_on: Mapped[date] = mapped_column(Date)
    number: Mapped[str] = mapped_column(String(100), default="")  # 文号
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[MockRequest] = relationship(back_populates="documents")

    @property
    def kind_label(self) -> str:
        return DOCUMENT_KINDS.get(self.kind, self.kind)
