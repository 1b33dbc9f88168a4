"""The national workbook is written a group of counties at a time (write-only mode, shared named styles):
the file is the same cell for cell — values, number formats, fonts, fills, borders, merges, heights."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tracker.reports import files
from tracker.reports.sheet_model import build_sheet_reports
from tracker.reports.xlsx import build_workbook, workbook_bytes
from tracker.scoring.rubric_store import get_rubric

from .conftest import TODAY


def _cells(book) -> list:
    out = []
    for ws in book.worksheets:
        out.append((ws.title, sorted(str(r) for r in ws.merged_cells.ranges), ws.freeze_panes,
                    sorted((k, v.height) for k, v in ws.row_dimensions.items() if v.height),
                    sorted((k, v.width) for k, v in ws.column_dimensions.items() if v.width)))
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.has_style:
                    out.append((c.coordinate, c.value, c.number_format, c.font.b, c.font.sz, c.fill.fill_type,
                                c.alignment.horizontal, c.alignment.wrap_text, c.border.left and c.border.left.style))
    return out


@pytest.mark.slow  # builds a large workbook twice (1.6 s)
def test_workbook_in_parts_equals_the_workbook_at_once(campaign, tmp_path, monkeypatch):
    whole, _layout = build_workbook(build_sheet_reports(campaign, TODAY), get_rubric(campaign.rubric_code))
    expected = _cells(load_workbook(BytesIO(workbook_bytes(whole))))
    monkeypatch.setattr(files, "PART_TARGETS", 1)  # one county per part: the parts really are several
    [path] = files.write_report_files(campaign, TODAY, None, "xlsx", tmp_path)
    book = load_workbook(path)
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 1 + len(campaign.targets)
    assert _cells(book) == expected
    # Named styles are shared: a handful for the whole workbook, not one per cell.
    assert len(book.named_styles) < 30

