"""Letters (pure): UPU S10 tracking numbers and the 重要部署申请 letter of purpose 20 (DESIGN.md §10.3).

S10 item identifiers (the tracking numbers of registered letters and EMS):
Two letters (service), eight digits (serial), a check digit, two letters (the country, e.g. CN).
The check digit: weights 8 6 4 2 3 5 9 7 on the serial; 11 − (sum mod 11), with 10 → 0 and 11 → 5.
"""
from __future__ import annotations

import re

_S10 = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    remainder = 11 - sum(int(digit) * weight for digit, weight in zip(serial, _WEIGHTS)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def tracking_number_problem(number: str, *, other_format: bool = False) -> str | None:
    """None when `number` is empty, a valid S10 identifier, or marked as another format (a courier's)."""
    text = number.strip().upper().replace(" ", "")
    if not text or other_format:
        return None
    match = _S10.match(text)
    if match is None:
        return (f"邮件单号 {number!r} 不符合 UPU S10 格式（2个字母 + 8位数字 + 1位校验码 + 2个字母，如 EA123456785CN）；"
                "快递公司等其他格式的单号请勾选“其他格式单号”")
    expected = s10_check_digit(match.group(2))
    if int(match.group(3)) != expected:
        return f"邮件单号 {number!r} 的校验码应为 {expected}（第11位），请核对单号"
    return None


def s10_number(serial: int, service: str = "XA", country: str = "CN") -> str:
    """A valid S10 identifier for `serial` (0 ≤ serial < 10**8): demo and generated data."""
    digits = f"{serial % 10**8:08d}"
    return f"{service}{digits}{s10_check_digit(digits)}{country}"


LETTER_MARK = "重要部署申请"
# How a letter names the head of a county government or department without their name.
HEAD_TITLES = ("法定代表人", "县长", "区长", "市长", "州长", "旗长", "局长", "主任")


def legal_representative_problem(values: dict, legal_representative: str | None) -> dict[str, str]:
    """Purpose 20 goes to the target's legal representative: an addressee recorded must name them (by
    name or title). Left empty it is unknown: accepted, and indicator 20 waits for it (scores.py)."""
    addressee, name = values.get("letter_addressee") or "", (legal_representative or "").strip()
    if values.get("purpose") != "20" or values.get("channel") != "mail" or not addressee:
        return {}
    if not name or name in addressee or any(title in addressee for title in HEAD_TITLES):
        return {}  # no legal representative recorded for the target: nothing to compare with
    return {"letter.addressee": f"指标20的信函应寄给法定代表人{name}（收件人为“{addressee}”）"}



def purpose_20_problems(kind: str | None, marked: str | None) -> dict[str, str]:
    """Purpose 20 is the letter to the legal representative (`to_other`) marked 重要部署申请."""
    problems = {}
    if kind != "to_other":
        problems["letter.kind"] = ("指标20的“重要部署申请”信函应寄给法定代表人，信函种类（letter.kind）须为 to_other"
                                   "（寄给公开工作机构以外的机关或人员）")
    if marked != LETTER_MARK:
        problems["letter.marked"] = f"指标20的信封应注明“{LETTER_MARK}”"
    return problems
