"""The OCR engine: rapidocr on onnxruntime (the models ship in its wheel), pypdfium2 for PDF pages.

Everything heavy is imported on first use, so the app and `tracker --help` start without it and a
machine where the packages cannot load still runs the rest of the app (`available()` says why).
"""
from __future__ import annotations

import importlib
import importlib.util
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RENDER_DPI = 300
MAX_PIXELS = 60_000_000          # a page larger than ~A2 at 300 dpi is no letter scan
GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})
ENGINE_THREADS = 2               # the machine is shared: one reading uses at most two cores
# Detection on the page scaled to ≤ 1280 px: an A4 line of 12-pt text stays ~20 px high, twice as fast
# as the default and it finds long mixed lines (a URL in brackets) the default scale loses. Letters are
# upright, so the 180° line classifier is skipped; a weak line (score < 0.3) is kept rather than lost.
ENGINE_PARAMS = {"Global.log_level": "error", "Global.text_score": 0.3, "Global.use_cls": False,
                 "Det.limit_type": "max", "Det.limit_side_len": 1280,
                 "EngineConfig.onnxruntime.intra_op_num_threads": ENGINE_THREADS,
                 "EngineConfig.onnxruntime.inter_op_num_threads": 1}
_engine = None
_engine_lock = threading.Lock()


class OcrInputError(Exception):
    """The scan cannot be read (corrupt, too many pages, too large); the message is for the user."""


@dataclass(frozen=True)
class PageText:
    text: str
    sealed: bool | None
    seal_evidence: str


MODULES = ("numpy", "cv2", "onnxruntime", "pypdfium2", "rapidocr")


def installed() -> tuple[bool, str]:
    """A cheap look (no import) for the web pages: are the OCR packages installed at all?"""
    for module in MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return False, f"本机未安装文字识别组件 {module}，无法识别扫描件（运行 scripts/run 可安装）。"
    return True, ""


@cache
def available() -> tuple[bool, str]:
    """(True, "") when the OCR packages load here, else (False, the reason in Chinese)."""
    ready, reason = installed()
    if not ready:
        return ready, reason
    for module in MODULES:
        try:
            importlib.import_module(module)
        except Exception as error:  # noqa: BLE001 — any failure to load (missing, ABI, CPU) means: unavailable
            return False, f"本机无法加载文字识别组件 {module}（{type(error).__name__}），请运行 scripts/run 安装。"
    return True, ""


def engine():
    global _engine
    with _engine_lock:
        if _engine is None:
            # Lazy: optional, heavy, and only for reading a scan; available() says whether they load.
            import onnxruntime
            from rapidocr import RapidOCR

            onnxruntime.disable_telemetry_events()  # scans are private evidence: nothing leaves the machine
            _engine = RapidOCR(params=ENGINE_PARAMS)
        return _engine


def page_count(path: Path, kind: str) -> int:
    if kind != "pdf":
        return 1
    import pypdfium2 as pdfium  # lazy: an optional OCR dependency, only for PDF scans

    try:
        document = pdfium.PdfDocument(str(path))
    except Exception as error:  # noqa: BLE001 — pdfium raises PdfiumError or others on damaged files
        raise OcrInputError("PDF 文件已损坏或无法打开，请重新扫描后上传。") from error
    try:
        return len(document)
    finally:
        document.close()


def pages(path: Path, kind: str, max_pages: int):
    """The pages of a scan as RGB PIL images, one at a time."""
    if kind == "pdf":
        yield from _pdf_pages(path, max_pages)
    else:
        yield _image(path)


def _image(path: Path):
    from PIL import Image  # lazy: an optional OCR dependency, only for image scans

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info:
                # A transparent background would turn black: lay the page on white paper.
                paper = Image.new("RGBA", image.size, "white")
                paper.alpha_composite(image.convert("RGBA"))
                return paper.convert("L" if image.mode == "LA" else "RGB")
            # Keep the mode: a grey scan says nothing about a red seal (read_page converts).
            return image.copy() if image.mode in GREY_MODES else image.convert("RGB")
    except Image.DecompressionBombError as error:
        raise OcrInputError("图片尺寸过大（超过 6000 万像素），请以 300 dpi 扫描后上传。") from error
    except Exception as error:  # noqa: BLE001 — truncated or damaged image files raise many kinds
        raise OcrInputError("图片文件已损坏或无法读取，请重新扫描后上传。") from error


def _pdf_pages(path: Path, max_pages: int):
    import pypdfium2 as pdfium  # lazy: an optional OCR dependency, only for PDF scans

    try:
        document = pdfium.PdfDocument(str(path))
    except Exception as error:  # noqa: BLE001
        raise OcrInputError("PDF 文件已损坏或无法打开，请重新扫描后上传。") from error
    try:
        if len(document) > max_pages:
            raise OcrInputError(f"PDF 共 {len(document)} 页，超过识别上限 {max_pages} 页，请只上传答复书的页面。")
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            scale = min(RENDER_DPI / 72, (MAX_PIXELS / max(1.0, width * height)) ** 0.5)
            try:
                yield page.render(scale=scale).to_pil().convert("RGB")
            except Exception as error:  # noqa: BLE001
                raise OcrInputError(f"PDF 第 {index + 1} 页无法渲染，请重新扫描后上传。") from error
            finally:
                page.close()
    finally:
        document.close()


def read_page(image) -> PageText:
    """The text of one page (lines top to bottom) and what its colours say about a seal."""
    # Lazy: numpy and OpenCV (seal) are optional OCR dependencies, loaded with the engine.
    import numpy as np

    from . import seal

    rgb = np.asarray(image.convert("RGB"))
    sealed, evidence = seal.find_seal(rgb, colour=image.mode not in GREY_MODES)
    cleaned = seal.without_red(rgb) if sealed is not None else rgb
    result = engine()(cleaned)
    quads = [] if result.boxes is None else [[[float(v) for v in point] for point in box] for box in result.boxes]
    return PageText(order_lines(quads, list(result.txts or ())), sealed, evidence)


@dataclass(frozen=True)
class _Piece:
    x: float       # centre of the left edge
    y: float
    height: float
    slope: float   # dy/dx of the text line: a skewed scan tilts every line alike
    text: str


def _piece(quad: list[list[float]], text: str) -> _Piece:
    (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = quad[:4]
    x, y = (tlx + blx) / 2, (tly + bly) / 2
    slope = ((try_ + bry) / 2 - y) / max(1.0, (trx + brx) / 2 - x)
    return _Piece(x, y, max(1.0, ((bly - tly) + (bry - try_)) / 2), slope, text)


def order_lines(quads: list[list[list[float]]], texts: list[str]) -> str:
    """Join recognised pieces (4-point boxes: tl, tr, br, bl) into printed lines, top to bottom.

    A piece joins the row whose line, followed along its slope, passes through the piece's left edge:
    on a skewed scan a short line and the long one below it overlap in plain y ranges."""
    rows: list[list[_Piece]] = []
    for piece in sorted((_piece(q, t) for q, t in zip(quads, texts)), key=lambda p: p.y):
        best, distance = None, None
        for row in rows[-3:]:
            anchor = row[0]
            gap = abs(piece.y - (anchor.y + anchor.slope * (piece.x - anchor.x)))
            if gap < 0.5 * min(piece.height, anchor.height) and (distance is None or gap < distance):
                best, distance = row, gap
        if best is None:
            rows.append([piece])
        else:
            best.append(piece)
    return "\n".join(" ".join(p.text for p in sorted(row, key=lambda p: p.x)) for row in rows)
