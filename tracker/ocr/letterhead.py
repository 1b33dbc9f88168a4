"""The letter's date, its 文号 and a fee's amount, read from the text (pure).

The date of a letter is the one printed on a line of its own near the signature (落款), in Arabic
or Chinese numerals ("二〇二〇年九月十五日"); other dates in the body are the request's or a deadline.
The 文号 is the "机关代字〔年份〕序号号" printed on a line of its own, never one cited in the body
("（国办公开办函〔2015〕207号）").
"""
from __future__ import annotations

import re
from datetime import date

from .text import lines

CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "o": 0, "0": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7,
             "捌": 8, "玖": 9, "两": 2}
CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000}
_CN = "〇零○Oo0一二三四五六七八九十"
DATE_PATTERNS = (
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(rf"([{_CN}]{{4}})年([{_CN}]{{1,3}})月([{_CN}]{{1,3}})日"),
    re.compile(r"(?<![\d.])(\d{4})[.\-/](\d{1,2})[.\-/](\d{1,2})(?![\d.])"),
)
NOT_THE_LETTER = re.compile(r"^(前|之前|以前|起|至|到|以后|后|之后|止|内|提出|申请|寄|通过|收到|向)")
DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{2,12})[〔\[【(\{〖]\s*(\d{4})\s*[〕\]】)\}〗]\s*(第?)\s*(\d{1,5})\s*号")
LABELS = re.compile(r"^(.*?(答复书|告知书|决定书|答复|告知|通知书|文号|编号|字号))")
CITING = re.compile(r"根据|依据|按照|依照|参照|见")
HEAD_LINES = 3
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)元|([零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟]+)元")


def chinese_number(text: str) -> int | None:
    """一百二十 → 120, 二〇二〇 → 2020 (digit by digit when there is no unit), 十五 → 15."""
    if not text or any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in text):
        return None
    if not any(ch in CN_UNITS for ch in text):
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
    return total + current


def _date_of(match: re.Match) -> date | None:
    parts = [int(g) if g.isdigit() and g.isascii() else chinese_number(g) for g in match.groups()]
    if None in parts:
        return None
    try:
        found = date(*parts)
    except ValueError:
        return None
    return found if 1990 <= found.year <= 2100 else None


def _dates_in(line: str):
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(line):
            found = _date_of(match)
            if found:
                yield match, found


def letter_date(source: str) -> tuple[date, str] | None:
    """(the letter's date, the words it rests on), or None."""
    standalone, others = [], []
    for line, _offset in lines(source):
        for match, found in _dates_in(line):
            rest = line[:match.start()] + line[match.end():]
            if len(rest) <= 14 and not NOT_THE_LETTER.match(line[match.end():]):
                standalone.append((found, line))
            elif not NOT_THE_LETTER.match(line[match.end():]) and not line[:match.start()].endswith("于"):
                others.append((found, match.group(0)))
    chosen = standalone or others
    return chosen[-1] if chosen else None


def doc_number(source: str) -> tuple[str, str] | None:
    """(the letter's 文号 with 〔〕 brackets, the line it was read from), or None.

    Only a number on a line of its own, or among the first lines (the letterhead), is the letter's:
    one inside a sentence is a citation ("根据国办函〔2020〕109号").
    """
    for position, (line, _offset) in enumerate(lines(source)):
        for match in DOC_NUMBER.finditer(line):
            prefix = LABELS.sub("", match.group(1)) or match.group(1)
            if len(prefix) < 2 or CITING.search(match.group(1)) or line[:match.start()].endswith(("(", "《", "》")):
                continue
            if len(match.group(0)) / len(line) >= 0.6 or position < HEAD_LINES:
                return f"{prefix}〔{match.group(2)}〕{match.group(3)}{int(match.group(4))}号", line
    return None


def fee_amount(sentence: str) -> str | None:
    """The amount of a fee in yuan ("200", "12.5") from the sentence that charges it."""
    match = AMOUNT.search(sentence)
    if match is None:
        return None
    if match.group(1):
        return match.group(1)
    value = chinese_number(match.group(2))
    return str(value) if value is not None else None
