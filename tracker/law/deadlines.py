"""The law's clock: the reply deadline of a mock request (pure: no Flask, no SQLAlchemy).

Implements DESIGN.md §3 and §10.3 under 《政府信息公开条例》(2019): receipt date by channel and letter
kind (Art. 31, 国办公开办函〔2015〕207号), one clarification that restarts the period and may set a
period for the applicant (Art. 30), consultation and fee time not counted (Art. 32–34, 42;
国办函〔2020〕109号), extensions of at most 20 working days (Art. 33), withdrawal. The day of an event
is never counted; day 1 is the next working day. Every step is recorded in Chinese for the
"这个日期是怎么算出来的" view and names the rule it applied.

Decisions where the law and DESIGN.md are silent (each ignored event raises a Flag):
- Events run in date order, same-day events in EVENT_ORDER; entry out of order is only reported.
  Events before the day the clock (re)started or after the reply are ignored.
- Art. 30 allows one request to clarify: a second one is ignored (the clock runs on), and so is
  `clarified` without an open request. A late request (after the 7th working day) is flagged but
  still stops the clock — the agency did ask. `clarified` restarts the period from its day, with
  no pause or extension carried over. A reply while a clarification is open is on time. A request
  for 补正 may give the applicant a period (working days); not completed in it → `abandoned`.
- Pauses: the clock stands while at least one consultation or fee notice is open — the union of
  the periods, a day paused twice is counted once. Each consultation stops it for at most 15
  working days (the consulted party's time, Art. 32, 34); longer is flagged and the rest counted.
  A consultation begun after the due date is ignored; an end closes the earliest open
  consultation (of the same party when it names one); one still open counts up to the reply or
  today. A fee notice stops the clock until payment; unpaid 20 working days → `abandoned`.
- An extension notified after the due date it extends, or while a clarification is open, is
  ignored; extensions total at most 20 working days.
- `withdrawn` ends the test (status `withdrawn`) unless a reply came first.
- `receipt_date` is the Art. 31 date; `clock_start` the day the period runs from. `provisional`
  covers receipt to due/reply date (not the days overdue up to `today`). `working_days_left` is
  negative when overdue (0 on a day off right after the due date, status already `overdue`) and
  the frozen remainder while paused.
"""

from __future__ import annotations

from datetime import date

from .deadline_run import DeadlineRun
# The law's terms live in deadline_terms (the run needs them too); they are re-exported here.
from .deadline_terms import (CHANNELS, CLARIFICATION_WINDOW, CONSULTATION_CAP, EVENT_ORDER,  # noqa: F401
                             FEE_PAYMENT_LIMIT, LETTER_KINDS, MAX_EXTENSION, PARTIES, REPLY_PERIOD,
                             STATUS_LABELS, Deadline, Event, Flag, RequestClock, Step)
from .workdays import WorkCalendar


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
    run = DeadlineRun(cal, receipt, explain)
    if unconfirmed_letter(clock):
        run.flag("not_confirmed_by_phone", "未电话确认：信函已签收但政府信息公开工作机构未与申请人电话确认，"
                                       "以签收之日为收到申请之日（国办公开办函〔2015〕207号）。")
    run.record_receipt(how)
    reply_on = clock.reply_dispatched_on or clock.reply_received_on
    for event in run.ordered(clock.events):
        run.apply(event, reply_on)
    if run.withdrawn_on is not None:
        return run.withdrawn(reply_on)
    if reply_on is not None:
        return run.judge_reply(reply_on, dispatched=clock.reply_dispatched_on is not None)
    return run.status_on(today)


def unconfirmed_letter(clock: RequestClock) -> bool:
    """A letter that counts from the confirmation call was signed for but never confirmed (207号)."""
    return (clock.channel == "mail" and clock.letter_kind != "registered" and not clock.letter_returned
            and clock.letter_confirmed_on is None and clock.letter_delivered_on is not None)


def receipt_date_of(clock: RequestClock) -> tuple[date | None, str]:
    """Art. 31 receipt date by channel (and letter kind), with the reason in Chinese."""
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
    return _letter_receipt(clock)


def _letter_receipt(clock: RequestClock) -> tuple[date | None, str]:
    kind = LETTER_KINDS[clock.letter_kind]
    if clock.letter_returned:
        return None, "信函被退回，视为行政机关未收到申请，不计算答复期限。"
    if clock.letter_kind == "registered":
        if clock.letter_delivered_on:
            later = "；其后的电话确认不改变收到申请之日" if clock.letter_confirmed_on else ""
            return clock.letter_delivered_on, (
                f"信函申请（{kind}），以行政机关签收之日为收到申请之日（条例第三十一条）{later}")
        if clock.letter_confirmed_on:
            return clock.letter_confirmed_on, (
                f"信函申请（{kind}），未记录签收之日，以行政机关与申请人确认之日为收到申请之日")
        return None, f"信函（{kind}）尚未签收。"
    if clock.letter_confirmed_on:
        return clock.letter_confirmed_on, (
            f"信函申请（{kind}），以行政机关与申请人电话确认之日为收到申请之日"
            "（条例第三十一条；国办公开办函〔2015〕207号）")
    if clock.letter_delivered_on:
        return clock.letter_delivered_on, (
            f"信函申请（{kind}），已签收但未电话确认（未电话确认），以签收之日为收到申请之日"
            "（国办公开办函〔2015〕207号规定的确认义务未履行）")
    return None, f"信函（{kind}）尚未签收，也未与申请人电话确认收到。"

