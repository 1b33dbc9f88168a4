"""Cells of the xlsx reports written in openpyxl's write-only mode, with shared named styles.

At national scale (3 000 county sheets, ~1.3 million cells) a normal openpyxl workbook keeps a cell
object with its own style proxies for every cell: 736 MB and 158 s. Here one county sheet at a time
is laid out in a `SheetBuffer` — (value, look) by address, as the layout code thinks in addresses and
merges — then streamed row by row to a write-only sheet and dropped. Each distinct look is one
workbook-level NamedStyle, registered once; a cell only names it.
"""
from __future__ import annotations

from copy import copy
from dataclasses import dataclass

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import coordinate_to_tuple, range_boundaries

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


class Styles:
    """The named styles of one workbook: one per distinct Look, created on first use."""

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.names: dict[Look, str] = {}
        self.arrays: dict[Look, object] = {}  # the style index array a cell of each look carries

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


class SheetBuffer:
    """One sheet's cells by (row, column) until `flush` streams them in row order."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[object, Look]] = {}
        self.merges: list[str] = []
        self.heights: dict[int, float] = {}

    def put(self, coord: str, value, look: Look) -> None:
        self.cells[coordinate_to_tuple(coord)] = (value, look)

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
        rows: dict[int, dict[int, tuple[object, Look]]] = {}
        for (row, col), entry in self.cells.items():
            rows.setdefault(row, {})[col] = entry
        for ref in self.merges:
            ws.merged_cells.add(ref)
        ws._values_to_row = _placed_cells  # every row is made of prepared cells: see _placed_cells
        for number in range(1, max(rows, default=0) + 1):
            if number in self.heights:
                ws.row_dimensions[number].height = self.heights[number]
            entries = rows.get(number, {})
            ws.append([_cell(ws, styles, *entries[col]) if col in entries else None
                       for col in range(1, max(entries, default=0) + 1)])


def _placed_cells(cells: list, row: int):
    """What openpyxl's write-only sheet does with an appended row (`_values_to_row`), for rows of
    prepared cells only: each cell is given its place. openpyxl first tries each as a value and takes
    it as a cell when that raises — an exception, with the cell's repr, for each of 1.3 million cells."""
    for column, cell in enumerate(cells, 1):
        if cell is not None:
            cell.column, cell.row = column, row
            yield cell


def _cell(ws, styles: Styles, value, look: Look) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    array = styles.arrays.get(look)
    if array is None:
        cell.style = styles.name(look)
        styles.arrays[look] = copy(cell._style)
    else:
        # What `cell.style = name` sets, without looking the name up among the workbook's named
        # styles for each of a national report's 1.3 million cells. One array shared by the cells of
        # a look: a write-only cell is written once and dropped, nothing changes its style after.
        cell._style = array
    return cell
