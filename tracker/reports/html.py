"""The print-ready 附件2 report (A4 landscape HTML), served or written to disk.

Served pages link ``static/report-print.css``; a file written to disk carries the same CSS in a
<style> element so it opens offline, without the server (our CSP only governs served pages).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask import current_app, render_template

from .sheet_model import SheetReport

TEMPLATE = "reports/sheet_print.html"
CSS_NAME = "report-print.css"


def print_css() -> str:
    return (Path(current_app.static_folder) / CSS_NAME).read_text(encoding="utf-8")


def page_title(reports: Sequence[SheetReport]) -> str:
    if len(reports) == 1:
        return f"{reports[0].target_name} · {reports[0].rubric_title}"
    return reports[0].campaign_name if reports else "评分报告"


def render_print_html(reports: Sequence[SheetReport], *, standalone: bool,
                      toolbar: Sequence[tuple[str, str]] = ()) -> str:
    """One or more targets' reports, each starting on a new page."""
    return render_template(TEMPLATE, reports=list(reports), title=page_title(reports),
                           inline_css=print_css() if standalone else None,
                           toolbar=None if standalone else list(toolbar))
