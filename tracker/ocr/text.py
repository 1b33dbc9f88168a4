"""The letter's text as the rules see it (pure): normalised, cut into sentences, mapped back to the original.

OCR gives one line per printed line, so a sentence runs over line breaks and a line break is no
sentence end. Rules match the NFKC form without blanks ("，" → ",", "（" → "("); every sentence
keeps the span of the original text it came from, so the evidence shown is the letter's own words.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SENTENCE_END = frozenset("。;!?:")
SHORT_LINE = 0.8
FULL_LINE_QUANTILE = 0.75
QUOTED = re.compile(r"“[^”]{0,120}”|「[^」]{0,120}」|\"[^\"]{0,120}\"")


@dataclass(frozen=True)
class Normalised:
    text: str            # NFKC, no blanks, no line breaks
    origin: list[int]    # origin[i]: index in the original text of text[i]
    source: str

    def span(self, start: int, end: int) -> str:
        """The original words behind text[start:end]."""
        if start >= end:
            return ""
        return self.source[self.origin[start]: self.origin[end - 1] + 1]


@dataclass(frozen=True)
class Sentence:
    text: str       # normalised, quotations of the request blanked out
    start: int
    end: int


def normalise(source: str) -> Normalised:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(source):
        for out in unicodedata.normalize("NFKC", char):
            if out.isspace():
                continue
            chars.append(out)
            origin.append(index)
    return Normalised("".join(chars), origin, source)


def sentences(norm: Normalised) -> list[Sentence]:
    """Sentences end at 。；！？, at a colon (what follows "答复如下：" is the answer itself) and at the
    end of a short line: OCR often loses a paragraph's final "。", and a paragraph ends on a line
    shorter than the page's full lines (a heading, a salutation, a signature are short lines too)."""
    result, start, text = [], 0, norm.text
    ends = paragraph_ends(norm)
    for index, char in enumerate(text):
        if char in SENTENCE_END or index in ends:
            _add(result, text, start, index + 1)
            start = index + 1
    _add(result, text, start, len(text))
    return result


def paragraph_ends(norm: Normalised) -> set[int]:
    """Indexes in norm.text of the last character of every line shorter than 80 % of a full line."""
    found = lines(norm.source)
    if not found:
        return set()
    # The length of a full line: a high quantile, not the maximum, which a merged or stray line inflates.
    lengths = sorted(len(line) for line, _offset in found)
    full = lengths[int(FULL_LINE_QUANTILE * (len(lengths) - 1))]
    ends, position = set(), 0
    for line, _offset in found:
        position += len(line)
        if len(line) < SHORT_LINE * full:
            ends.add(position - 1)
    return ends


def _add(result: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    if piece.strip(";!?:.,。"):
        # The request's subject is quoted ("关于公开“不动产登记办理情况”的申请"): its words decide nothing.
        blanked = QUOTED.sub(lambda m: "□" * len(m.group(0)), piece)
        result.append(Sentence(blanked, start, end))


def lines(source: str) -> list[tuple[str, int]]:
    """(normalised line, offset of the line in the original) for every non-empty line."""
    result, offset = [], 0
    for raw in source.split("\n"):
        norm = "".join(ch for ch in unicodedata.normalize("NFKC", raw) if not ch.isspace())
        if norm:
            result.append((norm, offset))
        offset += len(raw) + 1
    return result
