"""The sheets' rows written as prepared XML (xlsx_rows.py, xlsx_book.py) are what openpyxl writes from
cells: the same elements, attributes and texts in the same order, parsed. Only the encoding differs —
UTF-8, declared, where openpyxl writes character references — so the sheet files are compared as XML,
every other part of the workbook byte for byte."""
from __future__ import annotations

import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from lxml import etree
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import IllegalCharacterError, WorkbookAlreadySaved

from tracker.reports import xlsx_cells
from tracker.reports.sheet_model import build_sheet_reports
from tracker.reports.xlsx import build_workbook, workbook_bytes
from tracker.reports.xlsx_book import ReportWorkbook
from tracker.reports.xlsx_cells import SheetBuffer, Styles, look_of
from tracker.reports.xlsx_rows import cell_xml, inline_text
from tracker.scoring.rubric_store import get_rubric

from .conftest import TODAY

BOXED = look_of("wrap", "normal", False, True, False)
HEADING = look_of("center", "bold", True, True, False)
SCORE = look_of("center", "bold", False, True, True)
PLAIN = look_of("wrap", "normal", False, False, False)


def openpyxls_own_flush(buffer: SheetBuffer, ws, styles: Styles) -> None:
    """The sheet as openpyxl writes it from cells: a styled WriteOnlyCell per cell, appended row by row,
    the merges added to the sheet (the writer before xlsx_rows.py)."""
    rows: dict[int, dict[int, tuple]] = {}
    for (row, col), entry in buffer.cells.items():
        rows.setdefault(row, {})[col] = entry
    for merge in buffer.merges:
        ws.merged_cells.add(merge)
    for number in range(1, max(rows, default=0) + 1):
        if number in buffer.heights:
            ws.row_dimensions[number].height = buffer.heights[number]
        entries = rows.get(number, {})
        ws.append([_styled_cell(ws, styles, *entries[col]) if col in entries else None
                   for col in range(1, max(entries, default=0) + 1)])


def _styled_cell(ws, styles: Styles, value, look) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    cell.style = styles.name(look)
    return cell


def parts(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}  # a time


def assert_same_workbook(ours: bytes, openpyxls: bytes) -> None:
    mine, theirs = parts(ours), parts(openpyxls)
    assert list(mine) == list(theirs)
    for name in mine:
        if name.startswith("xl/worksheets/sheet"):
            assert mine[name].startswith(b'<?xml version="1.0" encoding="UTF-8"')
            assert etree.tostring(etree.fromstring(mine[name])) == etree.tostring(etree.fromstring(theirs[name])), name
        else:
            assert mine[name] == theirs[name], name


def both_ways(build, monkeypatch) -> tuple[bytes, bytes]:
    """`build()`'s saved workbook as written here, then as openpyxl writes it from cells."""
    ours = build()
    with monkeypatch.context() as patch:
        patch.setattr(xlsx_cells.SheetBuffer, "flush", openpyxls_own_flush)
        return ours, build()


def test_the_report_workbook_is_what_openpyxl_writes_from_cells(campaign, monkeypatch):
    def build() -> bytes:
        book, _layout = build_workbook(build_sheet_reports(campaign, TODAY), get_rubric(campaign.rubric_code))
        return workbook_bytes(book)

    assert_same_workbook(*both_ways(build, monkeypatch))


TRICKY = {
    "A1": 'a<b>&"c\'', "B1": " leading", "C1": "trailing ", "D1": "a\r\nb\tc", "E1": "\u3000全角空格",
    "F1": "县区😀é", "G1": "", "H1": "x" * 40000, "A2": 1.5, "B2": 3, "C2": 0.1 + 0.2, "D2": -0.0,
    "E2": 1e20, "F2": 2 ** 60, "G2": Decimal("2.5"), "H2": True, "A3": False, "B3": None,
}


def tricky_workbook() -> bytes:
    book = ReportWorkbook()
    styles, buffer = Styles(book), SheetBuffer()
    for coord, value in TRICKY.items():
        buffer.put(coord, value, SCORE if isinstance(value, (int, float, Decimal)) else BOXED)
    buffer.put("A5", "合计", HEADING)
    buffer.merge("A5", "B6", border=True)  # empty cells boxed
    buffer.merge("A5", "A6", border=True)  # inside the merge above: openpyxl drops it
    buffer.put("D5", "标题", PLAIN)
    buffer.merge("D5", "F5", border=False)
    buffer.heights.update({1: 33.5, 4: 18, 9: 40})  # row 9 is past the last cell: not written
    buffer.flush(book.create_sheet("表"), styles)
    SheetBuffer().flush(book.create_sheet("空表"), styles)  # no rows, no merges
    return workbook_bytes(book)


def test_escaping_whitespace_numbers_and_merges_as_openpyxl(monkeypatch):
    assert_same_workbook(*both_ways(tricky_workbook, monkeypatch))


def test_tricky_cells_read_back(monkeypatch):
    sheet = load_workbook(BytesIO(tricky_workbook()))["表"]
    for coord, value in TRICKY.items():
        cell = sheet[coord]
        if isinstance(value, str) and value:
            assert (cell.value, cell.data_type) == (value[:32767], "s"), coord
        elif value not in (None, ""):  # numbers to 16 significant digits, as openpyxl writes them
            assert cell.value == pytest.approx(float(value), rel=1e-15) and cell.data_type in "nb", coord
    assert sheet["G1"].value is None and sheet["B3"].value is None
    assert sheet["B3"].border.left.style == "thin" and sheet["B6"].border.right.style == "thin"  # boxed empties
    assert sheet["A2"].number_format == "0.0" and sheet["A5"].font.b and sheet["A5"].fill.fill_type == "solid"
    assert {str(merge) for merge in sheet.merged_cells.ranges} == {"A5:B6", "D5:F5"}
    assert sheet.row_dimensions[1].height == 33.5 and not sheet.row_dimensions[9].height


def test_a_text_like_a_formula_or_an_error_stays_text():
    """openpyxl would write "=…" as a formula and "#N/A" as an error; safe_text guards the first, and the
    sheet's texts are texts whatever reaches the writer."""
    book = ReportWorkbook()
    buffer = SheetBuffer()
    for coord, value in {"A1": "=1+2", "A2": "#N/A", "A3": "-1"}.items():
        buffer.put(coord, value, BOXED)
    buffer.flush(book.create_sheet("表"), Styles(book))
    sheet = load_workbook(BytesIO(workbook_bytes(book)))["表"]
    assert [(sheet[c].value, sheet[c].data_type) for c in ("A1", "A2", "A3")] == [
        ("=1+2", "s"), ("#N/A", "s"), ("-1", "s")]


def test_cell_xml():
    assert cell_xml("B3", "", None) == ""  # an empty cell without a style is not written
    assert cell_xml("B3", ' s="4"', None) == '<c r="B3" s="4" t="n"></c>'
    assert cell_xml("E9", ' s="5"', 2.5) == '<c r="E9" s="5" t="n"><v>2.5</v></c>'
    assert cell_xml("A1", "", float("nan")) == '<c r="A1" t="n"><v></v></c>'
    assert inline_text(" <x> & y") == '<is><t xml:space="preserve"> &lt;x&gt; &amp; y</t></is>'
    with pytest.raises(IllegalCharacterError):
        inline_text("a\x01b")
    with pytest.raises(TypeError):
        cell_xml("A1", "", object())


def test_sheets_need_no_file_of_their_own(campaign, monkeypatch):
    """openpyxl keeps a named temporary file per write-only sheet; these sheets share one spool."""
    from openpyxl.worksheet import _writer

    def refuse(*_args):
        raise AssertionError("a temporary file for a sheet")

    monkeypatch.setattr(_writer, "create_temporary_file", refuse)
    book, _layout = build_workbook(build_sheet_reports(campaign, TODAY), get_rubric(campaign.rubric_code))
    assert load_workbook(BytesIO(workbook_bytes(book))).sheetnames[0] == "汇总"
    with pytest.raises(WorkbookAlreadySaved):
        workbook_bytes(book)
