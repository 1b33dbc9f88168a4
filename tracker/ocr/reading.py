"""A whole scan read: every page's text and seal, then the suggestions (no Flask, no database)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..core.sniff import sniff
from . import engine
from .suggest import Suggestions, suggest

DEFAULT_MAX_PAGES = 10
OCR_KINDS = ("pdf", "png", "jpeg")


def kind_of(path: Path) -> str:
    kind = sniff(path)
    if kind in OCR_KINDS:
        return kind
    raise engine.OcrInputError("只能识别 PDF、JPEG 或 PNG 格式的扫描件。")


def combined_seal(pages: list[engine.PageText]) -> tuple[bool | None, str]:
    """Sealed when any page shows a seal; unknown when no page had colour to tell."""
    for number, page in enumerate(pages, start=1):
        if page.sealed:
            return True, f"第{number}页：{page.seal_evidence}"
    if any(page.sealed is False for page in pages):
        return False, ""
    return None, pages[0].seal_evidence if pages else ""


def read_scan(path: Path, max_pages: int = DEFAULT_MAX_PAGES,
              progress: Callable[[int, int], None] | None = None,
              keep_page: Callable[[int, object], None] | None = None) -> tuple[list[engine.PageText], Suggestions]:
    """Read every page; `progress(done, total)` after each, `keep_page(number, image)` to keep a preview."""
    kind = kind_of(path)
    total = engine.page_count(path, kind)
    if total > max_pages:
        raise engine.OcrInputError(f"PDF 共 {total} 页，超过识别上限 {max_pages} 页，请只上传答复书的页面。")
    if total == 0:
        raise engine.OcrInputError("PDF 文件没有页面。")
    read: list[engine.PageText] = []
    for number, image in enumerate(engine.pages(path, kind, max_pages), start=1):
        if keep_page:
            keep_page(number, image)
        read.append(engine.read_page(image))
        if progress:
            progress(number, total)
    text = "\n".join(page.text for page in read)
    return read, suggest(text, combined_seal(read))
