"""The law's clock: the reply deadline of a mock request (pure: no Flask, no SQLAlchemy).

Implements DESIGN.md §3 under 《政府信息公开条例》(2019): receipt date by channel (Art. 31), one
clarification that restarts the period (Art. 30), consultation time not counted and extensions of
at most 20 working days (Art. 33). The day of an event is never counted; day 1 is the next working
day. Every step is recorded in Chinese for the "这个日期是怎么算出来的" view.

Decisions where the law and DESIGN.md are silent (each ignored event raises a Flag):
- Events run in date order, same-day events in EVENT_ORDER; entry out of order is only reported.
  Events before the day the clock (re)started or after the reply are ignored.
- Art. 30 allows one request to clarify: a second one is ignored (the clock runs on), and so is
  `clarified` without an open request. A late request (after the 7th working day) is flagged but
  still stops the clock — the agency did ask. `clarified` restarts the period from its day, with
  no pause or extension carried over. A reply while a clarification is open is on time.
- A consultation begun after the due date, or overlapping another stop, is ignored; an end without
  a start is ignored; one still open at the reply counts up to the reply day.
- An extension notified after the due date it extends, or while a clarification is open, is
  ignored; extensions total at most 20 working days.
- `receipt_date` is the Art. 31 date; `clock_start` the day the period runs from. `provisional`
  covers receipt to due/reply date (not the days overdue up to `today`). `working_days_left` is
  negative when overdue (0 on a day off right after the due date, status already `overdue`) and
  the frozen remainder while paused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tracker.workdays import DayInfo, WorkCalendar, format_cn_date, summarize_days_off

REPLY_PERIOD = 20  # Art. 33
MAX_EXTENSION = 20  # Art. 33
CLARIFICATION_WINDOW = 7  # Art. 30
CHANNELS = ("online", "oral", "phone", "mail")
EVENT_ORDER = (  # also the order of same-day events
    "clarification_requested", "clarified", "consultation_started", "consultation_ended", "extended"
)
STATUS_LABELS = {
    "not_received": "尚未收到申请",
    "awaiting_reply": "等待答复",
    "awaiting_clarification": "等待补正",
    "paused": "征求意见中（暂停计算）",
    "replied_on_time": "按期答复",
    "replied_late": "逾期答复",
    "overdue": "逾期未答复",
    "no_deadline": "无答复期限",
}


@dataclass(frozen=True)
class Event:
    type: str  # one of EVENT_ORDER
    on: date
    working_days: int | None = None  # only for "extended"

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

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"未知的申请渠道 / unknown channel: {self.channel!r}")


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

    def has_flag(self, code: str) -> bool:
        return any(f.code == code for f in self.flags)


def compute_deadline(clock: RequestClock, cal: WorkCalendar, today: date, *, explain: bool = True) -> Deadline:
    """The deadline of a request as of `today` (dates outside the calendar raise ValueError).

    `explain=False` leaves `steps` empty (same dates, status and flags): stored clocks, lists and
    scores need no explanation, and writing it (holidays skipped, Chinese text) is most of the cost.
    """
    if clock.channel == "phone":
        step = Step("电话咨询测试", "电话测试检验申请指导，不适用答复期限。")
        return Deadline(None, None, "no_deadline", steps=[step] if explain else [])
    receipt, how = receipt_date_of(clock)
    if receipt is None:
        return Deadline(None, None, "not_received", steps=[Step("尚未收到申请", how)] if explain else [])
    run = _Run(cal, receipt, explain)
    run.record_receipt(how)
    reply_on = clock.reply_dispatched_on or clock.reply_received_on
    for event in run.ordered(clock.events):
        run.apply(event, reply_on)
    if reply_on is not None:
        return run.judge_reply(reply_on, dispatched=clock.reply_dispatched_on is not None)
    return run.status_on(today)


def receipt_date_of(clock: RequestClock) -> tuple[date | None, str]:
    """Art. 31 receipt date by channel, with the reason in Chinese."""
    if clock.channel == "online":
        if clock.online_confirmed_on:
            return clock.online_confirmed_on, "网上申请，以双方确认之日为收到申请之日（条例第三十一条）"
        if clock.submitted_on:
            return clock.submitted_on, "网上申请，未记录双方确认之日，以提交之日为收到申请之日"
        return None, "网上申请尚未提交或确认。"
    if clock.channel == "oral":
        if clock.submitted_on:
            return clock.submitted_on, "当面口头申请，以提交之日为收到申请之日（条例第三十一条）"
        return None, "尚未记录当面申请的日期。"
    if clock.letter_returned:
        return None, "信函被退回，视为行政机关未收到申请，不计算答复期限。"
    if clock.letter_confirmed_on:
        return clock.letter_confirmed_on, (
            "信函申请，以行政机关与申请人电话确认之日为收到申请之日（国办公开办函〔2015〕207号）"
        )
    if clock.letter_delivered_on:
        return clock.letter_delivered_on, "信函申请，以行政机关签收之日为收到申请之日（条例第三十一条）"
    return None, "信函尚未签收，也未与申请人确认收到。"


class _Run:
    """The clock of one request while its events are applied in order."""

    def __init__(self, cal: WorkCalendar, receipt: date, explain: bool = True) -> None:
        self.cal = cal
        self.explain = explain
        self.receipt = receipt
        self.start = receipt
        self.paused = 0
        self.extension = 0
        self.clarification_asked = False
        self.clarification_open_since: date | None = None
        self.consultation_open_since: date | None = None
        self.flags: list[Flag] = []
        self.steps: list[Step] = []
        self.clarification_due = cal.add(receipt, CLARIFICATION_WINDOW)

    # -- bookkeeping ----------------------------------------------------------------------

    def flag(self, code: str, message_zh: str) -> None:
        self.flags.append(Flag(code, message_zh))

    def step(
        self, title: str, detail: str, on: date | None = None, skipped: list[DayInfo] | None = None
    ) -> None:
        if self.explain:
            self.steps.append(Step(title, detail, on, list(skipped or [])))

    def period(self) -> int:
        return REPLY_PERIOD + self.paused + self.extension

    def due(self) -> date:
        return self.cal.add(self.start, self.period())

    def record_receipt(self, how: str) -> None:
        if not self.explain:
            return
        info = self.cal.day_info(self.receipt)
        day_one = self.cal.add(self.receipt, 1)
        detail = f"{how}：{format_cn_date(self.receipt)}"
        if not info.working:
            detail += f"（{info.name or '非工作日'}，非工作日）"
        elif info.kind != "workday":
            detail += f"（{info.name}，工作日）"
        detail += f"。当日不计入期间，第1个工作日为{format_cn_date(day_one)}。"
        self.step("收到申请之日", detail, self.receipt)

    def ordered(self, events: tuple[Event, ...]) -> list[Event]:
        if any(later.on < earlier.on for earlier, later in zip(events, events[1:])):
            self.flag("events_out_of_order", "事件未按日期顺序录入，已按日期先后处理。")
        return sorted(events, key=lambda e: (e.on, EVENT_ORDER.index(e.type)))

    # -- events ---------------------------------------------------------------------------

    def apply(self, event: Event, reply_on: date | None) -> None:
        when = format_cn_date(event.on)
        if reply_on is not None and event.on > reply_on:
            self.flag("event_after_reply", f"{when}的事件晚于答复日期，不影响期限，已忽略。")
        elif event.on < self.start:
            self.flag("event_before_receipt", f"{when}的事件早于期限起算日，已忽略。")
        else:
            getattr(self, f"_on_{event.type}")(event)

    def _on_clarification_requested(self, event: Event) -> None:
        when = format_cn_date(event.on)
        if self.clarification_asked:
            self.flag(
                "second_clarification",
                f"条例第三十条规定补正应一次性告知；{when}的再次补正要求不中止期限，已忽略。",
            )
        elif self.consultation_open_since is not None:
            self.flag(
                "clarification_during_consultation", f"{when}的补正要求发生在征求意见期间，已忽略。"
            )
        else:
            self._open_clarification(event.on)

    def _open_clarification(self, on: date) -> None:
        self.clarification_asked = True
        self.clarification_open_since = on
        limit = format_cn_date(self.clarification_due)
        timing = "在期限内"
        if on > self.clarification_due:
            timing = f"逾期{self.cal.count(self.clarification_due, on)}个工作日"
            self.flag(
                "clarification_late",
                f"补正告知应在{limit}前作出，实际{format_cn_date(on)}，{timing}（条例第三十条）。",
            )
        if self.explain:
            skipped = self.cal.non_working_days(self.receipt, self.clarification_due)
            self.step(
                "补正告知期限",
                f"应在收到申请后{CLARIFICATION_WINDOW}个工作日内（{limit}前）一次性告知补正"
                f"（条例第三十条）；{summarize_days_off(skipped)}",
                self.clarification_due,
                skipped,
            )
        self.step(
            "要求补正",
            f"行政机关于{format_cn_date(on)}要求补正（{timing}），答复期限中止，"
            "自收到补正后的申请之日重新起算。",
            on,
        )

    def _on_clarified(self, event: Event) -> None:
        when = format_cn_date(event.on)
        if self.clarification_open_since is None:
            self.flag("clarified_without_request", f"{when}的补正材料没有对应的补正要求，已忽略。")
            return
        dropped = "；此前的征求意见和延期不再计算" if self.paused or self.extension else ""
        self.start, self.paused, self.extension = event.on, 0, 0
        self.clarification_open_since = None
        self.step(
            "收到补正后的申请",
            f"{when}收到补正后的申请，答复期限自该日重新起算（条例第三十条）{dropped}。",
            event.on,
        )

    def _on_consultation_started(self, event: Event) -> None:
        when = format_cn_date(event.on)
        if self.clarification_open_since is not None or self.consultation_open_since is not None:
            self.flag(
                "consultation_overlap", f"{when}开始的征求意见与未结束的补正或征求意见重叠，已忽略。"
            )
        elif event.on > self.due():
            self.flag(
                "consultation_after_due",
                f"{when}开始征求意见时已过答复期限{format_cn_date(self.due())}，不中止期限，已忽略。",
            )
        else:
            self.consultation_open_since = event.on
            self.step(
                "开始征求意见",
                f"{when}开始征求第三方或其他机关意见，所需时间不计算在答复期限内（条例第三十三条）。",
                event.on,
            )

    def _on_consultation_ended(self, event: Event) -> None:
        when = format_cn_date(event.on)
        if self.consultation_open_since is None:
            self.flag("consultation_end_without_start", f"{when}的征求意见结束没有对应的开始，已忽略。")
        else:
            self._close_consultation(event.on, "征求意见结束", f"{when}征求意见结束")

    def _close_consultation(self, end: date, title: str, what: str) -> None:
        begun = self.consultation_open_since
        assert begun is not None
        days = self.cal.count(begun, end)
        self.paused += days
        self.consultation_open_since = None
        self.step(
            title,
            f"{what}；{format_cn_date(begun)}之后至{format_cn_date(end)}共{days}个工作日"
            f"不计入答复期限（累计{self.paused}个）。",
            end,
        )

    def _on_extended(self, event: Event) -> None:
        when, asked = format_cn_date(event.on), event.working_days
        if asked is None or asked <= 0:
            self.flag("extension_invalid", f"{when}的延期没有有效的工作日数，已忽略。")
        elif self.clarification_open_since is not None:
            self.flag("extension_during_clarification", f"{when}的延期发生在等待补正期间，已忽略。")
        elif self.consultation_open_since is None and event.on > self.due():
            self.flag(
                "extension_late_ignored",
                f"延期告知日{when}晚于其所延长的答复期限{format_cn_date(self.due())}，延期无效，已忽略。",
            )
        else:
            self._grant_extension(event.on, asked)

    def _grant_extension(self, on: date, asked: int) -> None:
        granted = min(asked, MAX_EXTENSION - self.extension)
        if granted < asked:
            self.flag(
                "extension_capped",
                f"延长答复期限累计不得超过{MAX_EXTENSION}个工作日；"
                f"{format_cn_date(on)}告知延长{asked}个，只计{granted}个。",
            )
        self.extension += granted
        self.step(
            "延长答复期限",
            f"{format_cn_date(on)}告知延长{granted}个工作日（累计{self.extension}个，条例第三十三条）。",
            on,
        )

    # -- results --------------------------------------------------------------------------

    def record_due(self) -> date:
        due = self.due()
        if not self.explain:
            return due
        skipped = self.cal.non_working_days(self.start, due)
        parts = [f"{REPLY_PERIOD}个工作日"]
        if self.paused:
            parts.append(f"征求意见不计算的{self.paused}个")
        if self.extension:
            parts.append(f"延长的{self.extension}个")
        self.step(
            "答复期限",
            f"自{format_cn_date(self.start)}的次日起算第{self.period()}个工作日"
            f"（{' + '.join(parts)}），即{format_cn_date(due)}；{summarize_days_off(skipped)}",
            due,
            skipped,
        )
        return due

    def result(self, status: str, due: date | None, **fields) -> Deadline:
        span_end = max(d for d in (due, fields.get("reply_date"), self.start) if d is not None)
        years = self.cal.provisional_years(self.receipt, span_end)
        if years:
            listed = "、".join(f"{y}年" for y in sorted(years))
            self.flag(
                "provisional_calendar",
                f"计算涉及{listed}，系统尚无该年国务院放假安排，日期为推算；请管理员录入放假安排。",
            )
        return Deadline(
            self.receipt,
            due,
            status,
            provisional=bool(years),
            clarification_due=self.clarification_due,
            paused_working_days=self.paused,
            extension_working_days=self.extension,
            flags=self.flags,
            steps=self.steps,
            clock_start=self.start,
            **fields,
        )

    def judge_reply(self, reply_on: date, dispatched: bool) -> Deadline:
        basis = "答复交邮（签收）之日" if dispatched else "收到答复之日（未记录交邮日）"
        when = format_cn_date(reply_on)
        if self.clarification_open_since is not None:
            self.flag("reply_while_clarification_open", "答复时补正尚未完成，期限处于中止状态，视为按期。")
            self.step("答复", f"{basis}为{when}，答复时期限中止，视为按期。", reply_on)
            return self.result("replied_on_time", None, on_time=True, reply_date=reply_on)
        if self.consultation_open_since is not None:
            self._close_consultation(reply_on, "答复时征求意见尚未结束", "征求意见计至答复之日")
        due = self.record_due()
        on_time = reply_on <= due
        if reply_on < self.receipt:
            self.flag("reply_before_receipt", "答复日期早于收到申请之日，请核对日期；视为按期。")
            on_time = True
        verdict = "在期限内" if on_time else f"逾期{self.cal.count(due, reply_on)}个工作日"
        self.step("答复", f"{basis}为{when}，答复期限为{format_cn_date(due)}，{verdict}。", reply_on)
        status = "replied_on_time" if on_time else "replied_late"
        return self.result(status, due, on_time=on_time, reply_date=reply_on)

    def status_on(self, today: date) -> Deadline:
        now = format_cn_date(today)
        if self.clarification_open_since is not None:
            self.step("等待补正", "行政机关已要求补正，期限中止，自收到补正后的申请之日重新起算。")
            return self.result("awaiting_clarification", None)
        if self.consultation_open_since is not None:
            left = self.cal.count(self.consultation_open_since, self.due())
            self.step("征求意见中", f"期限暂停计算，恢复后还剩{left}个工作日。")
            return self.result("paused", None, working_days_left=left)
        due = self.record_due()
        if today > due:
            left = -self.cal.count(due, today)
            overdue = f"已逾期{-left}个工作日" if left else "已过答复期限"
            self.step("当前状态", f"截至{now}未收到答复，{overdue}。", today)
            return self.result("overdue", due, working_days_left=left)
        left = self.cal.count(today, due)
        self.step("当前状态", f"截至{now}，距答复期限还有{left}个工作日。", today)
        return self.result("awaiting_reply", due, working_days_left=left)
