"""The reading job: runs in a background thread of the process that took the upload, never inside
the web request. Its progress, result or failure is written to the scan's row (committed after
every page), so any web process shows it; a reading cut off by a restart is offered again.

One reading at a time per process (a semaphore): the OCR engine already uses two cores.
"""
from __future__ import annotations

import logging
import secrets
import threading
from datetime import timedelta

from flask import Flask

from ..core import unit_of_work
from ..core.db import utcnow
from ..core.files import upload_dir
from ..extensions import db
from . import engine
from .models import OcrScan
from .reading import read_scan

PREVIEW_WIDTH = 1000
STALE_AFTER = timedelta(minutes=15)
log = logging.getLogger(__name__)
_one_at_a_time = threading.Semaphore(1)
_threads: list[threading.Thread] = []


def start(app: Flask, scan_id: int) -> threading.Thread:
    """Read the scan in a background thread (call after the upload has been committed)."""
    thread = threading.Thread(target=_run, args=(app, scan_id), name=f"ocr-scan-{scan_id}", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()
    return thread


def wait_all(timeout: float = 120.0) -> None:
    """Wait for the readings started by this process (tests and the CLI)."""
    for thread in list(_threads):
        thread.join(timeout)


def is_stale(scan: OcrScan) -> bool:
    return not scan.finished and scan.updated_at is not None and utcnow() - scan.updated_at > STALE_AFTER


def _run(app: Flask, scan_id: int) -> None:
    with _one_at_a_time, app.app_context():
        try:
            run_scan(scan_id, app.config.get("OCR_MAX_PAGES", 10))
        finally:
            db.session.remove()


def run_scan(scan_id: int, max_pages: int) -> None:
    scan = db.session.get(OcrScan, scan_id)
    if scan is None or scan.finished:
        return
    _update(scan, status="running", pages_done=0, message="")
    previews: list[str] = []
    try:
        ready, reason = engine.available()
        if not ready:
            raise engine.OcrInputError(reason)
        path = upload_dir() / scan.attachment.stored_name
        pages, suggestions = read_scan(path, max_pages=max_pages,
                                       progress=lambda done, total: _update(scan, pages_done=done, pages_total=total),
                                       keep_page=lambda _n, image: previews.append(_keep_preview(image)))
    except engine.OcrInputError as error:
        _update(scan, status="failed", message=str(error)[:500], previews=previews)
        return
    except Exception:  # noqa: BLE001 — a job must record its failure, never die silently
        log.exception("OCR of scan %s failed", scan_id)
        db.session.rollback()
        _update(scan, status="failed", message="识别过程出错，请重新上传或联系管理员。", previews=previews)
        return
    data = suggestions.as_json() | {"fee_amount": suggestions.fee_amount}
    _update(scan, status="done", text=suggestions.text, plain="".join(suggestions.text.split()),
            suggestions=data, previews=previews, pages_done=len(pages))


def _update(scan: OcrScan, **values) -> None:
    for name, value in values.items():
        setattr(scan, name, value)
    scan.updated_at = utcnow()
    unit_of_work.save()  # each step is seen at once by the page that polls the scan


def _keep_preview(image) -> str:
    """A reduced PNG of the page beside the text, stored with the uploads under a random name."""
    preview = image.copy()
    preview.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
    name = secrets.token_hex(16)
    preview.save(upload_dir() / name, format="PNG")
    return name
