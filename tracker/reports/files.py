"""Report files on disk for `tracker report --format html|xlsx -o PATH`.

- one target: exactly the file PATH (inside it, named after the county, if PATH is a folder);
- all targets, html: one file per county in the folder PATH (created);
- all targets, xlsx: one workbook (汇总 + one sheet per county) at PATH, or
  ``<campaign>.xlsx`` inside PATH if it is an existing folder.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from ..campaigns.models import Campaign, Target
from ..core.errors import TrackerError
from ..core.heap import collector_paused
from ..scoring.rubric_store import get_rubric
from .html import render_print_html
from .sheet_model import SheetReport, build_sheet_reports
from .xlsx import build_workbook, build_workbook_in_parts, workbook_bytes

FORMATS = ("html", "xlsx")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str, suffix: str) -> str:
    """A file name made of ``name`` with no path separators or characters Windows refuses."""
    stem = _UNSAFE.sub("_", name).strip(" .") or "报告"
    return f"{stem[:100]}{suffix}"


def write_report_files(campaign: Campaign, today: date, target: Target | None, fmt: str,
                       output: str | Path) -> list[Path]:
    if fmt not in FORMATS:
        raise TrackerError(f"不支持的报告格式 {fmt!r}（可选：html、xlsx）")
    with collector_paused():  # a national campaign: 320 000 rows scored, 1.3 million cells (core/heap.py)
        if fmt == "xlsx" and target is None:
            return _write_campaign_xlsx(campaign, today, Path(output))
        reports = build_sheet_reports(campaign, today, target)
        if not reports:
            raise TrackerError(f"考评“{campaign.name}”还没有被考评对象，无法生成报告")
        path = Path(output)
        try:
            if fmt == "html":
                return _write_html(reports, path, single=target is not None)
            return [_write_xlsx(campaign, reports, path, single=target is not None)]
        except OSError as error:
            raise TrackerError(f"无法写入 {path}：{error.strerror or error}") from error


def _write_html(reports: list[SheetReport], path: Path, single: bool) -> list[Path]:
    if single:
        report = reports[0]
        file = path / safe_filename(report.target_name, ".html") if path.is_dir() else path
        _write_text(file, render_print_html([report], standalone=True))
        return [file]
    if path.exists() and not path.is_dir():
        raise TrackerError(f"{path} 已存在且不是文件夹；全部县区的 HTML 报告需要写入一个文件夹")
    path.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for report in reports:
        file = _unused(path / safe_filename(report.target_name, ".html"), written)
        _write_text(file, render_print_html([report], standalone=True))
        written.append(file)
    return written


def _write_xlsx(campaign: Campaign, reports: list[SheetReport], path: Path, single: bool) -> Path:
    if path.is_dir():
        name = reports[0].target_name if single else campaign.name
        path = path / safe_filename(name, ".xlsx")
    workbook, _layout = build_workbook(reports, get_rubric(campaign.rubric_code), summary=not single)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(workbook))
    return path


PART_TARGETS = 200  # counties computed and written at a time


def part_count(campaign: Campaign) -> int:
    return -(-len(campaign.targets) // PART_TARGETS)


def _write_campaign_xlsx(campaign: Campaign, today: date, path: Path,
                         progress: Callable[[int], None] | None = None) -> list[Path]:
    """Every county's sheet and 汇总, computed PART_TARGETS counties at a time: a national workbook
    never holds 3 000 full reports at once. `progress(parts written)` after each part (report jobs)."""
    ids = [target.id for target in campaign.targets]
    if not ids:
        raise TrackerError(f"考评“{campaign.name}”还没有被考评对象，无法生成报告")
    parts = _parts(campaign, today, ids, progress or (lambda _done: None))
    if path.is_dir():
        path = path / safe_filename(campaign.name, ".xlsx")
    try:
        workbook, _layout = build_workbook_in_parts(parts, get_rubric(campaign.rubric_code))
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(path)
    except OSError as error:
        raise TrackerError(f"无法写入 {path}：{error.strerror or error}") from error
    return [path]


def write_campaign_xlsx(campaign: Campaign, today: date, path: Path, progress: Callable[[int], None]) -> Path:
    """The whole campaign's workbook at `path` (a file), reporting each part written."""
    with collector_paused():
        return _write_campaign_xlsx(campaign, today, path, progress)[0]


def _parts(campaign: Campaign, today: date, ids: list[int], progress: Callable[[int], None]):
    for number, start in enumerate(range(0, len(ids), PART_TARGETS)):
        if number:
            progress(number)  # the previous part is in the workbook once the next one is asked for
        yield build_sheet_reports(campaign, today, target_ids=set(ids[start:start + PART_TARGETS]))


def _unused(file: Path, taken: list[Path]) -> Path:
    """Two names may clean to the same file name ("a/b", "a_b"): number the later one."""
    candidate, number = file, 2
    while candidate in taken:
        candidate, number = file.with_name(f"{file.stem}({number}){file.suffix}"), number + 1
    return candidate


def _write_text(file: Path, text: str) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
