"""The phone test's panel on the request page (issue 18): what it offers and says, from the pure rules.

Two paths: "正在拨打" one-click buttons, offered only when a call made now would count (law.phone:
call_now_refusal), and "补录已拨打的电话", for calls made earlier, entered with their day and time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from ..law.phone import PhoneProtocol, call_now_refusal
from ..law.workdays import WorkCalendar
from .models import MockRequest, PhoneAttempt

# A phone number inside free text: digits with the usual separators, optionally a leading +.
_NUMBER = re.compile(r"\+?\d[\d\- ()]{4,}\d")


@dataclass(frozen=True)
class PhonePanel:
    call_now_refusal: str | None  # why the "正在拨打" buttons are not offered (None: they are)
    ask_answer: bool  # a valid 接通 and 是否正确告知 not yet answered: asked before anything else
    entry_date: date  # the 补录 form's day: the test day, else the last call's, else today
    void_offered: bool  # the calls split the test over two days: offer to void it


def phone_panel(row: MockRequest, protocol: PhoneProtocol, calendar: WorkCalendar, now: datetime) -> PhonePanel:
    last_call = protocol.attempts[-1].at.date() if protocol.attempts else None
    return PhonePanel(
        call_now_refusal=call_now_refusal(protocol, now, calendar),
        ask_answer=protocol.connected and row.phone_answered_correctly is None,
        entry_date=protocol.test_day or last_call or now.date(),
        void_offered=protocol.broken_by_calls and not row.voided,
    )


def phone_links(text: str | None) -> list[tuple[str, str | None]]:
    """Free text with phone numbers → [(piece, tel href or None)], to render each number as a tel: link
    (a tap dials it on a phone) and the text around it as it is."""
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for match in _NUMBER.finditer(text or ""):
        if match.start() > position:
            pieces.append((text[position:match.start()], None))
        number = match.group(0)
        pieces.append((number, "tel:" + re.sub(r"[^\d+]", "", number)))
        position = match.end()
    if position < len(text or ""):
        pieces.append((text[position:], None))
    return pieces


def recorded_message(row: MockRequest, attempt: PhoneAttempt, protocol: PhoneProtocol) -> tuple[str, str, str]:
    """(flash message, its category, the page anchor) after a call was recorded: a call that does not
    count is said so in a warning, never a green "已登记"; a valid 接通 leads to 是否正确告知."""
    position = [stored.id for stored in row.attempts].index(attempt.id)
    verdict = next(v for v in protocol.attempts if v.index == position)
    when = f"{verdict.at.month}月{verdict.at.day}日 {verdict.at:%H:%M}"
    if not verdict.valid:
        return (f"拨打记录（{when}）已登记，但这次拨打不计入测试：{verdict.reason_zh}。", "warning", "phone")
    if verdict.connected:
        return (f"已登记：第{verdict.number}次拨打（{when}）接通。请先回答：是否正确告知？", "success",
                "phone-answer")
    return (f"已登记：第{verdict.number}次拨打（{when}）未接通。{protocol.guidance_zh}", "success", "phone")
