"""The print HTML in headless Chromium: A4 landscape pages, headers repeated, no table row cut."""
from __future__ import annotations

import os
import re
from io import BytesIO
from pathlib import Path

import pytest

from tracker.reports.files import write_report_files

from .conftest import TODAY

pytestmark = pytest.mark.browser

A4_LANDSCAPE_PT = (841.89, 595.28)
ROOT = Path(__file__).resolve().parents[2]
# Tag every indicator row: a start mark in its own first cell, an end mark closing each of its own
# cells (not the merged level-1/level-2 cells), and one in the table header.
MARK_ROWS = """() => {
  for (const tr of document.querySelectorAll('table.table2 tr.indicator-row')) {
    const id = tr.dataset.indicator;
    const own = tr.querySelectorAll('td:not(.c-level1):not(.c-level2)');
    own[0].insertAdjacentText('afterbegin', `[R${id}<]`);
    for (const td of own) td.insertAdjacentText('beforeend', `[R${id}>]`);
  }
  document.querySelector('table.table2 thead th').insertAdjacentText('beforeend', '[TH]');
  return document.querySelectorAll('table.table2 tr.indicator-row').length;
}"""


@pytest.fixture
def report_file(campaign, tmp_path) -> Path:
    [path] = write_report_files(campaign, TODAY, campaign.targets[0], "html", tmp_path / "report.html")
    return path


def _pages_text(pdf: bytes) -> tuple[list, list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    return reader.pages, [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


def test_pdf_is_a4_landscape_and_no_row_is_cut(browser, report_file):
    page = browser.new_page()
    page.goto(report_file.as_uri())
    rows = page.evaluate(MARK_ROWS)
    pdf = page.pdf(prefer_css_page_size=True)
    page.close()
    pages, texts = _pages_text(pdf)
    assert rows == 32 and len(pages) >= 3
    for pdf_page in pages:
        width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
        assert (width, height) == pytest.approx(A4_LANDSCAPE_PT, abs=1.5)
    for ident in [*range(1, 29), 31, 32, 33, 34]:
        starts = [n for n, text in enumerate(texts) if f"[R{ident}<]" in text]
        assert len(starts) == 1, f"指标 {ident} 的行首出现在第 {starts} 页"
        ends = [texts[n].count(f"[R{ident}>]") for n in range(len(texts))]
        assert ends[starts[0]] == 5 and sum(ends) == 5, f"指标 {ident} 的行被分页截断：{ends}"
        assert "[TH]" in texts[starts[0]], f"指标 {ident} 所在页没有重复表头"


def test_offline_file_has_inline_css_and_no_external_resources(report_file):
    html = report_file.read_text(encoding="utf-8")
    assert "<style>" in html and "size: A4 landscape" in html and "table-header-group" in html
    assert "<script" not in html and "<link" not in html and "http://" not in html


def test_screenshot_for_the_docs(browser, report_file):
    if os.environ.get("TRACKER_SCREENSHOTS") != "1":
        pytest.skip("只在 TRACKER_SCREENSHOTS=1 时更新 docs/screenshots/report.png")
    target = ROOT / "docs" / "screenshots" / "report.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1240, "height": 1500})
    page.goto(report_file.as_uri())
    page.screenshot(path=str(target))
    page.close()
    assert target.stat().st_size > 10_000
