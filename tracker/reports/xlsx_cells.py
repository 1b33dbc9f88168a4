"""Cells of the xlsx reports written in openpyxl's write-only mode, with shared named styles.

At national scale (3 000 county sheets, ~1.3 million cells) a normal openpyxl workbook keeps a cell
object with its own style proxies for every cell: 736 MB and 158 s. Here one county sheet at a time
is laid out in a `SheetBuffer` — (value, look) by address, as the layout code thinks in addresses and
merges — then written whole as prepared XML (xlsx_rows.py, xlsx_book.py) and dropped. Each distinct
look is one workbook-level NamedStyle, registered once; a cell only carries its index.
"""
from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries

from .xlsx_book import write_sheet
from .xlsx_rows import cell_xml, row_xml

SCORE_FORMAT = "0.0"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="F0F0F0")
NONE, WRAP, CENTER, RIGHT = "none", "wrap", "center", "right"
ALIGNMENTS = {
    NONE: Alignment(),
    WRAP: Alignment(wrap_text=True, vertical="center"),
    CENTER: Alignment(wrap_text=True, vertical="center", horizontal="center"),
    RIGHT: Alignment(horizontal="right", vertical="center"),
}
# Fonts as the report has always had them: the workbook default, or a font that only sets what differs.
FONTS = {"normal": DEFAULT_FONT, "bold": Font(bold=True), "small": Font(size=9),
         "title16": Font(bold=True, size=16), "title14": Font(bold=True, size=14)}


@dataclass(frozen=True)
class Look:
    align: str = WRAP
    font: str = "normal"
    header: bool = False
    border: bool = True
    number: bool = False


BORDER_ONLY = Look(align=NONE)


@lru_cache(maxsize=None)  # a dozen looks, each made once: a sheet's cells share them
def look_of(align: str, font: str, header: bool, border: bool, number: bool) -> Look:
    return Look(align, font, header, border, number)


@lru_cache(maxsize=4096)  # a county sheet's addresses are the same on every county sheet
def _row_and_column(coord: str) -> tuple[int, int]:
    return coordinate_to_tuple(coord)


class Styles:
    """The named styles of one workbook: one per distinct Look, created on first use."""

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.names: dict[Look, str] = {}
        self.attributes: dict[Look, str] = {}  # a cell's ` s="…"` (its index among the cell styles) by look

    def name(self, look: Look) -> str:
        name = self.names.get(look)
        if name is None:
            name = f"tracker-{len(self.names) + 1}"
            self.workbook.add_named_style(NamedStyle(
                name=name, font=copy(FONTS[look.font]), alignment=copy(ALIGNMENTS[look.align]),
                border=copy(BORDER) if look.border else Border(),
                fill=copy(HEADER_FILL) if look.header else PatternFill(),
                number_format=SCORE_FORMAT if look.number else "General"))
            self.names[look] = name
        return name

    def attribute(self, look: Look) -> str:
        """The ` s="…"` of a cell of `look`. Its index is taken at the first cell written, as openpyxl
        does, so the workbook's style table comes out in the same order."""
        attribute = self.attributes.get(look)
        if attribute is None:
            array = copy(self.workbook._named_styles[self.name(look)].as_tuple())  # what `cell.style = name` sets
            attribute = f' s="{self.workbook._cell_styles.add(array)}"' if any(array) else ""
            self.attributes[look] = attribute
        return attribute


class SheetBuffer:
    """One sheet's cells by (row, column) until `flush` writes them in row order."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[object, Look]] = {}
        self.merges: list[str] = []
        self.heights: dict[int, float] = {}

    def put(self, coord: str, value, look: Look) -> None:
        self.cells[_row_and_column(coord)] = (value, look)

    def merge(self, first: str, last: str, *, border: bool) -> None:
        """Merge first:last; with `border`, every cell of the range is drawn boxed, as Excel shows it."""
        self.merges.append(f"{first}:{last}")
        if not border:
            return
        min_col, min_row, max_col, max_row = range_boundaries(f"{first}:{last}")
        for row in range(min_row, max_row + 1):
            for col in range(min_col, max_col + 1):
                if (row, col) not in self.cells:
                    self.cells[(row, col)] = (None, BORDER_ONLY)

    def flush(self, ws, styles: Styles) -> None:
        """Write the sheet `ws` of a ReportWorkbook whole: its columns and page set-up must be set before."""
        rows: dict[int, list[tuple[int, object, Look]]] = {}
        for (row, col), (value, look) in self.cells.items():
            rows.setdefault(row, []).append((col, value, look))
        lines = []
        for number in range(1, max(rows, default=0) + 1):  # an empty row too, as openpyxl writes it
            cells = _cells_xml(rows.get(number, []), number, styles)
            lines.append(row_xml(number, self.heights.get(number), cells))
        write_sheet(ws, "".join(lines), tuple(self.merges))


def _cells_xml(cells: list[tuple[int, object, Look]], row: int, styles: Styles) -> list[str]:
    cells.sort(key=itemgetter(0))  # by column
    return [cell_xml(f"{get_column_letter(col)}{row}", styles.attribute(look), value) for col, value, look in cells]
