"""The rows of a sheet as prepared XML text, as openpyxl would write them.

openpyxl writes a write-only sheet cell by cell: a `WriteOnlyCell` with validating descriptors, then
lxml's incremental writer element by element — 1.1 million cells for a national workbook, most of its
time. Our sheets hold only inline texts, numbers and empty styled cells, so their ``<sheetData>`` is
put together here as text — the same elements and attributes in the same order as openpyxl's
(tests/reports/test_xlsx_rows.py compares) — and handed to openpyxl's sheet writer (xlsx_book.py),
which still writes everything else of the sheet.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from lxml.etree import tostring
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.compat.numbers import NUMERIC_TYPES
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.merge import MergeCell, MergeCells

MAX_TEXT = 32767  # Excel's longest cell text; openpyxl cuts longer texts here


def row_xml(number: int, height: float | None, cells: Iterable[str]) -> str:
    """One ``<row>``: a height is written as openpyxl writes a RowDimension's (`%.16g`, custom)."""
    tall = "" if height is None else f' ht="{safe_string(height)}" customHeight="1"'
    return f'<row r="{number}"{tall}>{"".join(cells)}</row>'


def cell_xml(reference: str, style: str, value) -> str:
    """One ``<c>``; `style` is its ``s="…"`` attribute with a leading space ("" for none). Every text
    is written as text: unlike openpyxl, a text that starts with "=" or is "#N/A" stays a text."""
    if value is None:  # an empty cell is written for its style only, as in openpyxl
        return f'<c r="{reference}"{style} t="n"></c>' if style else ""
    if isinstance(value, str):
        return f'<c r="{reference}"{style} t="inlineStr">{inline_text(value)}</c>'
    if isinstance(value, bool):
        return f'<c r="{reference}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, NUMERIC_TYPES):
        return f'<c r="{reference}"{style} t="n"><v>{safe_string(value)}</v></c>'
    raise TypeError(f"cannot write a {type(value).__name__} in a report cell")


@lru_cache(maxsize=8192)  # the rubric's titles and criteria recur on every county sheet
def inline_text(text: str) -> str:
    """A text cell's ``<is>`` as lxml escapes it: & < > and CR escaped, quotes not; edge whitespace kept."""
    text = text[:MAX_TEXT]
    if not text:
        return ""
    if ILLEGAL_CHARACTERS_RE.search(text):  # safe_text removes them; a caller that did not is a bug
        raise IllegalCharacterError(f"{text!r} cannot be used in worksheets.")
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{space}>{escaped}</t></is>"


def sheet_bytes(text: str) -> bytes:
    """Prepared XML in UTF-8 (the sheet file declares it). lxml writes a sheet as ASCII, everything
    else as a character reference: &#21439; for 县, 8 bytes instead of 3 — a national workbook's
    sheets would be 230 MB to compress instead of 125. A lone surrogate raises here, as in lxml."""
    return text.encode("utf-8")


@lru_cache(maxsize=32)  # most county sheets have the same merges: their element is serialised once
def merge_cells_xml(merges: tuple[str, ...]) -> bytes:
    """The ``<mergeCells>`` of `merges` in the order openpyxl writes them (the order of its set of
    ranges, a range inside an earlier one dropped), or b"" for none."""
    ranges = MultiCellRange()
    for merge in merges:
        ranges.add(merge)
    if not ranges:
        return b""
    return tostring(MergeCells(mergeCell=[MergeCell(str(merge)) for merge in ranges]).to_tree())
