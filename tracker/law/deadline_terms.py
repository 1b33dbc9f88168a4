"""The law's terms for a request's clock: periods, channels, events, statuses and the Deadline record (pure).

The rules that use them: tracker/law/deadlines.py (receipt) and tracker/law/deadline_run.py (events).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .workdays import DayInfo

REPLY_PERIOD = 20  # Art. 33
MAX_EXTENSION = 20  # Art. 33
CLARIFICATION_WINDOW = 7  # Art. 30
CONSULTATION_CAP = 15  # Art. 32, 34: the consulted party's time
FEE_PAYMENT_LIMIT = 20  # 国办函〔2020〕109号: unpaid this long → the request is abandoned


class Channel(StrEnum):
    """How a mock request reaches the target. The values are what the database, the bundle and the API
    carry, unchanged; a member compares equal to its value."""

    ONLINE = "online"
    ORAL = "oral"
    PHONE = "phone"
    MAIL = "mail"


CHANNELS = tuple(Channel)
CHANNEL_LABELS = {Channel.ONLINE: "互联网", Channel.ORAL: "当面口头", Channel.PHONE: "电话", Channel.MAIL: "信函"}
# The channels that call for a written reply with a deadline (a phone test has none).
WRITTEN_CHANNELS = (Channel.ONLINE, Channel.ORAL, Channel.MAIL)
LETTER_KINDS = {"registered": "挂号信/EMS（签收）", "ordinary": "平常信函（无签收）",
                "to_other": "寄给公开工作机构以外的机关或人员"}  # as letters.py, the form and the schema say
PARTIES = {"third_party": "第三方", "other_agency": "其他机关"}
EVENT_ORDER = (  # also the order of same-day events
    "clarification_requested", "clarified", "consultation_started", "consultation_ended",
    "fee_notified", "fee_paid", "extended", "withdrawn",
)


class RequestStatus(StrEnum):
    """Where a request stands on the law's clock; stored in requests.status as the value."""

    NOT_RECEIVED = "not_received"
    AWAITING_REPLY = "awaiting_reply"
    AWAITING_CLARIFICATION = "awaiting_clarification"
    PAUSED = "paused"
    AWAITING_PAYMENT = "awaiting_payment"
    REPLIED_ON_TIME = "replied_on_time"
    REPLIED_LATE = "replied_late"
    OVERDUE = "overdue"
    ABANDONED = "abandoned"
    WITHDRAWN = "withdrawn"
    NO_DEADLINE = "no_deadline"


STATUS_LABELS = {
    RequestStatus.NOT_RECEIVED: "尚未收到申请",
    RequestStatus.AWAITING_REPLY: "等待答复",
    RequestStatus.AWAITING_CLARIFICATION: "等待补正",
    RequestStatus.PAUSED: "征求意见中（暂停计算）",
    RequestStatus.AWAITING_PAYMENT: "等待缴费（暂停计算）",
    RequestStatus.REPLIED_ON_TIME: "按期答复",
    RequestStatus.REPLIED_LATE: "逾期答复",
    RequestStatus.OVERDUE: "逾期未答复",
    RequestStatus.ABANDONED: "视为放弃申请",
    RequestStatus.WITHDRAWN: "已撤回申请",
    RequestStatus.NO_DEADLINE: "无答复期限",
}
# The clock runs and a reply is awaited: the due date is what to watch.
OPEN_STATUSES = (RequestStatus.AWAITING_REPLY, RequestStatus.OVERDUE)
# What the reminders watch: the open requests and a clarification the team must send in time.
REMINDED_STATUSES = (*OPEN_STATUSES, RequestStatus.AWAITING_CLARIFICATION)
# The clock stands still until the other side acts.
WAITING_STATUSES = (RequestStatus.AWAITING_CLARIFICATION, RequestStatus.AWAITING_PAYMENT, RequestStatus.PAUSED)


@dataclass(frozen=True)
class Event:
    type: str  # one of EVENT_ORDER
    on: date
    working_days: int | None = None  # "extended": the extension; "clarification_requested": the period given
    party: str | None = None  # consultations: a key of PARTIES, or unknown
    amount: float | None = None  # "fee_notified": the fee asked, in yuan (None: not recorded)

    def __post_init__(self) -> None:
        if self.type not in EVENT_ORDER:
            raise ValueError(f"未知的事件类型 / unknown event type: {self.type!r}")


@dataclass(frozen=True)
class RequestClock:
    channel: str  # one of CHANNELS
    submitted_on: date | None = None
    online_confirmed_on: date | None = None
    letter_delivered_on: date | None = None
    letter_confirmed_on: date | None = None
    letter_returned: bool = False
    events: tuple[Event, ...] = ()
    reply_dispatched_on: date | None = None
    reply_received_on: date | None = None
    letter_kind: str = "registered"  # a key of LETTER_KINDS
    letter_posted_on: date | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"未知的申请渠道 / unknown channel: {self.channel!r}")
        if self.letter_kind not in LETTER_KINDS:
            raise ValueError(f"未知的信函种类 / unknown letter kind: {self.letter_kind!r}")


@dataclass(frozen=True)
class Flag:
    code: str
    message_zh: str


@dataclass(frozen=True)
class Step:
    title_zh: str
    detail_zh: str
    date: date | None = None
    skipped: list[DayInfo] = field(default_factory=list)


@dataclass(frozen=True)
class Deadline:
    receipt_date: date | None
    due_date: date | None
    status: str  # a key of STATUS_LABELS
    on_time: bool | None = None
    provisional: bool = False
    working_days_left: int | None = None
    clarification_due: date | None = None
    paused_working_days: int = 0
    extension_working_days: int = 0
    flags: list[Flag] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    clock_start: date | None = None
    reply_date: date | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
