"""Dates that cannot be (DESIGN.md §10.3): contradictions in a request's facts (pure).

The clock (tracker/deadlines.py) tolerates odd histories and flags them; these rules refuse what
cannot have happened at all, naming the field. `today` (Beijing) refuses dates in the future for
things that already happened; bundles pass None, since a simulation may date things ahead.
What the agency did irregularly but really did (a late 补正, a second one, a late extension
notice) is not a contradiction: the clock records and flags it.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from .deadlines import RequestClock, receipt_date_of
from .workdays import format_cn_date

Problem = tuple[str, str]  # (field, Chinese message naming it)


def date_problems(clock: RequestClock, today: date | None, *, reply_checked: bool = True) -> dict[str, str]:
    """{field: message} for every contradiction of `clock`; fields as in the bundle (`letter.delivered_on`,
    `events[2].on`, `reply.dispatched_on`). `reply_checked=False` leaves the reply's dates out."""
    found: dict[str, str] = {}
    checks = [_future(clock, today), _channel_order(clock), _event_order(clock)]
    if reply_checked:
        checks.append(_reply_order(clock))
    for field, message in (problem for check in checks for problem in check):
        found.setdefault(field, message)
    return found


def _dated_facts(clock: RequestClock) -> Iterator[tuple[str, str, date | None]]:
    yield "submitted_at", "提交时间", clock.submitted_on
    if clock.channel == "online":
        yield "online.confirmed_on", "双方确认日期", clock.online_confirmed_on
    if clock.channel == "mail":
        yield "letter.posted_on", "交寄日期", clock.letter_posted_on
        yield "letter.delivered_on", "签收日期", clock.letter_delivered_on
        yield "letter.confirmed_on", "电话确认日期", clock.letter_confirmed_on
    for index, event in enumerate(clock.events):
        yield f"events[{index}].on", "事件日期", event.on
    yield "reply.dispatched_on", "答复交邮日期", clock.reply_dispatched_on
    yield "reply.received_on", "答复收到日期", clock.reply_received_on


def _future(clock: RequestClock, today: date | None) -> Iterator[Problem]:
    if today is None:
        return
    for field, label, when in _dated_facts(clock):
        if when is not None and when > today:
            yield field, f"{label}{format_cn_date(when)}晚于今天（北京时间{format_cn_date(today)}），已发生的事不能填写将来的日期"


def _channel_order(clock: RequestClock) -> Iterator[Problem]:
    submitted = clock.submitted_on
    if clock.channel == "online" and submitted and clock.online_confirmed_on and clock.online_confirmed_on < submitted:
        yield "online.confirmed_on", (f"双方确认日期{format_cn_date(clock.online_confirmed_on)}"
                                      f"早于提交日期{format_cn_date(submitted)}")
    if clock.channel != "mail":
        return
    posted = clock.letter_posted_on or submitted
    for field, label, when in (("letter.delivered_on", "签收日期", clock.letter_delivered_on),
                               ("letter.confirmed_on", "电话确认日期", clock.letter_confirmed_on)):
        if posted and when and when < posted:
            yield field, f"{label}{format_cn_date(when)}早于交寄日期{format_cn_date(posted)}"


def _event_order(clock: RequestClock) -> Iterator[Problem]:
    receipt = receipt_date_of(clock)[0]
    clarification_open = False
    consultations: list[date] = []
    fees = 0
    for index, event in sorted(enumerate(clock.events), key=lambda pair: (pair[1].on, pair[0])):
        field, when = f"events[{index}].on", format_cn_date(event.on)
        if receipt is not None and event.on < receipt:
            yield field, f"事件日期{when}早于收到申请之日{format_cn_date(receipt)}"
        elif event.type == "clarification_requested":
            clarification_open = True
        elif event.type == "clarified":
            if not clarification_open:
                yield field, f"{when}的“补正完成”之前没有“要求补正”"
            clarification_open = False
        elif event.type == "consultation_started":
            consultations.append(event.on)
        elif event.type == "consultation_ended":
            if not consultations:
                yield field, f"征求意见结束日期{when}早于其开始日期（或没有对应的“开始征求意见”）"
            else:
                consultations.pop(0)
        elif event.type == "fee_notified":
            fees += 1
        elif event.type == "fee_paid":
            if not fees:
                yield field, f"{when}的“缴费”之前没有“收费通知”"
            fees = max(fees - 1, 0)


def _reply_order(clock: RequestClock) -> Iterator[Problem]:
    receipt = receipt_date_of(clock)[0]
    for field, label, when in (("reply.dispatched_on", "答复交邮日期", clock.reply_dispatched_on),
                               ("reply.received_on", "答复收到日期", clock.reply_received_on)):
        if receipt and when and when < receipt:
            yield field, f"{label}{format_cn_date(when)}早于收到申请之日{format_cn_date(receipt)}"
    if clock.reply_dispatched_on and clock.reply_received_on and clock.reply_received_on < clock.reply_dispatched_on:
        yield "reply.received_on", "收到日期不能早于交邮日期"
