"""The report workbook: openpyxl's write-only workbook, its sheets written whole as they are laid out.

Each sheet is written at once (`write_sheet`): openpyxl's sheet writer puts its columns, views and
page set-up around the prepared rows (xlsx_rows.py), into memory. The finished sheet is appended to
one anonymous temporary file, the spool, until the workbook is saved. openpyxl would keep a named
temporary file per sheet — created, written, read and removed 3 000 times for a national workbook —
and a sheet's lxml writer open until the save.
"""
from __future__ import annotations

from datetime import datetime, timezone
from io import BytesIO
from tempfile import TemporaryFile
from zipfile import ZIP_DEFLATED, ZipFile

from lxml.etree import xmlfile
from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.relationship import RelationshipList
from openpyxl.utils.exceptions import WorkbookAlreadySaved
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS

from .xlsx_rows import merge_cells_xml, sheet_bytes

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class SheetSpool:
    """The XML of the written sheets, one after the other in one anonymous temporary file."""

    def __init__(self) -> None:
        self._file = TemporaryFile()
        self._places: dict[object, tuple[int, int]] = {}  # sheet -> (offset, length)

    def add(self, ws, data: bytes) -> None:
        self._places[ws] = (self._file.seek(0, 2), len(data))
        self._file.write(data)

    def read(self, ws) -> bytes | None:
        """A sheet's XML, or None for a sheet never written here."""
        if self._file.closed:
            raise WorkbookAlreadySaved("Workbook has already been saved and cannot be saved again.")
        place = self._places.get(ws)
        if place is None:
            return None
        self._file.seek(place[0])
        return self._file.read(place[1])

    def close(self) -> None:
        self._file.close()


class ReportWorkbook(Workbook):
    """A write-only workbook whose sheets are written by `write_sheet`. Save it once."""

    def __init__(self) -> None:
        super().__init__(write_only=True)
        self.spool = SheetSpool()

    def save(self, filename) -> None:
        # openpyxl's save_workbook, with a writer that takes the sheets from the spool
        if not self.worksheets:
            self.create_sheet()
        archive = ZipFile(filename, "w", ZIP_DEFLATED, allowZip64=True)
        self.properties.modified = datetime.now(tz=timezone.utc).replace(tzinfo=None)
        try:
            _SpooledSheetsWriter(self, archive).save()
        finally:
            self.spool.close()


class _SpooledSheetsWriter(ExcelWriter):
    def write_worksheet(self, ws) -> None:
        data = self.workbook.spool.read(ws)
        if data is None:  # a sheet created but never written: openpyxl writes it (empty)
            super().write_worksheet(ws)
            return
        ws._drawing = SpreadsheetDrawing()  # what openpyxl's write_worksheet sets before the sheet's parts
        ws._drawing.charts, ws._drawing.images = ws._charts, ws._images
        ws._rels = RelationshipList()
        self._archive.writestr(ws.path[1:], data)
        self.manifest.append(ws)


class _PreparedRowsWriter(WorksheetWriter):
    """openpyxl's writer of a sheet file, into memory, with the rows and merges given as prepared XML."""

    def __init__(self, ws, sheet_data: bytes, merge_cells: bytes) -> None:
        self.sheet_data, self.merge_cells = sheet_data, merge_cells
        out = BytesIO()
        out.write(XML_DECLARATION)  # the prepared rows are UTF-8; lxml writes after what is there
        super().__init__(ws, out)

    def get_stream(self):
        # openpyxl's, always through lxml (openpyxl may be set to use et_xmlfile, which cannot flush)
        with xmlfile(self.out) as xml, xml.element("worksheet", xmlns=SHEET_MAIN_NS):
            try:
                while True:
                    element = yield
                    if element is True:
                        yield xml
                    elif element is not None:
                        xml.write(element)
            except GeneratorExit:
                pass

    def write_rows(self) -> None:
        xml = self.xf.send(True)  # openpyxl's way to reach the lxml writer in get_stream
        with xml.element("sheetData"):
            self._write_prepared(xml, self.sheet_data)
        self.xf.send(None)

    def write_merged_cells(self) -> None:
        self._write_prepared(self.xf.send(True), self.merge_cells)
        self.xf.send(None)

    def _write_prepared(self, xml, data: bytes) -> None:
        xml.flush()  # what lxml holds goes first
        self.out.write(data)


def write_sheet(ws, rows: str, merges: tuple[str, ...]) -> None:
    """Write the sheet `ws` of a ReportWorkbook whole — its columns and page set-up as set, the prepared
    `rows` and `merges` — to the workbook's spool. Nothing can be added to the sheet after."""
    writer = _PreparedRowsWriter(ws, sheet_bytes(rows), merge_cells_xml(merges))
    writer.write()
    ws.parent.spool.add(ws, writer.out.getvalue())
