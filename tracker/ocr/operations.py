"""OCR operations: upload a scan, accept suggestions into the reply, search the read text.

Like every operation: validate, change rows, audit, flush — never commit (the view commits once).
The reply itself changes only through requests.operations.save_reply, so its checks, its clock
and its audit record stay those of the reply form.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from ..core import audit, files
from ..core.errors import NotFound, ValidationError
from ..core.parsing import MAX_ID
from ..extensions import db
from ..requests import operations as request_ops
from . import engine
from .models import OcrScan

SCAN_KINDS = {"pdf", "png", "jpeg"}
FLAGS = ("told_route", "provided_or_route_and_time", "reasons_given", "special_law_referral", "remedy_notice")
ACCEPTABLE = ("outcome", *FLAGS, "fee_charged", "sealed", "letter_date", "doc_number")
LABELS = {"outcome": "答复类型", "told_route": "告知获取途径", "provided_or_route_and_time": "提供信息或告知途径和时间",
          "reasons_given": "说明理由", "special_law_referral": "告知依特别规定办理", "remedy_notice": "告知救济途径",
          "fee_charged": "收费", "sealed": "加盖公章", "letter_date": "落款日期（作为交邮日期）",
          "doc_number": "文号（记入备注）"}


def upload_scan(actor, request_row, upload, max_pages: int) -> OcrScan:
    """Store the scan as an attachment of the request and queue its reading (flushed, not committed)."""
    request_ops.ensure_active(request_row)
    request_ops.ensure_unlocked(request_row)
    if request_row.channel == "phone":
        raise ValidationError({"file": "电话测试没有书面答复，不能上传答复书扫描件"})
    if upload is None or not getattr(upload, "filename", ""):
        raise ValidationError({"file": "请选择要识别的答复书扫描件（PDF、JPEG 或 PNG）"})
    kind = files.expected_kind(files.display_name(upload.filename))
    if kind not in SCAN_KINDS:
        raise ValidationError({"file": "只能识别 PDF、JPEG 或 PNG 格式的扫描件"})
    attachment = files.save_upload(actor, request_row, upload, description="答复书扫描件（文字识别）")
    # A refused scan rolls the change back, and core/files removes the stored file with its row.
    pages = _checked_pages(files.upload_dir() / attachment.stored_name, kind, max_pages)
    scan = OcrScan(request_id=request_row.id, attachment_id=attachment.id, status="queued", pages_total=pages,
                   created_by_id=getattr(actor, "id", None), text="", plain="")
    db.session.add(scan)
    db.session.flush()
    audit.record(actor, "create", "ocr_scan", scan.id, after={"request": request_row.key, "pages": pages},
                 summary=f"{request_row.key}：上传答复书扫描件 {attachment.original_name}，等待文字识别")
    return scan


def _checked_pages(path, kind: str, max_pages: int) -> int:
    """A PDF is opened now, so a corrupt file or one with too many pages is refused at upload."""
    try:
        pages = engine.page_count(path, kind)
    except engine.OcrInputError as error:
        raise ValidationError({"file": str(error)}) from error
    if pages == 0:
        raise ValidationError({"file": "PDF 文件没有页面"})
    if pages > max_pages:
        raise ValidationError({"file": f"PDF 共 {pages} 页，超过识别上限 {max_pages} 页，请只上传答复书的页面"})
    return pages


def scan_of(request_row, scan_id=None) -> OcrScan | None:
    """The scan `scan_id` of this request, or its latest one."""
    query = select(OcrScan).where(OcrScan.request_id == request_row.id)
    if scan_id not in (None, ""):
        try:
            number = int(scan_id)
        except (TypeError, ValueError):
            raise NotFound("扫描件不存在") from None
        scan = db.session.scalar(query.where(OcrScan.id == number)) if 0 < number <= MAX_ID else None
        if scan is None:
            raise NotFound("扫描件不存在")
        return scan
    return db.session.scalar(query.order_by(OcrScan.id.desc()).limit(1))


def scans_of(request_row) -> list[OcrScan]:
    return list(db.session.scalars(select(OcrScan).where(OcrScan.request_id == request_row.id)
                                   .order_by(OcrScan.id.desc())))


def accept(actor, scan: OcrScan, names: list[str], form: dict):
    """Write the chosen suggestions into the request's reply through save_reply, and audit the acceptance."""
    if scan.status != "done" or not scan.suggestions:
        raise ValidationError({"accept": "识别尚未完成，没有可采纳的建议"})
    chosen = [name for name in ACCEPTABLE if name in set(names)]
    if not chosen:
        raise ValidationError({"accept": "请选择要采纳的建议"})
    request_row = scan.request
    data = _current_reply(request_row, form)
    applied = {name: _apply(name, scan.suggestions, data) for name in chosen}
    request_ops.save_reply(actor, request_row, data)
    scan.accepted = sorted(set(scan.accepted or ()) | set(chosen))
    audit.record(actor, "accept", "ocr_scan", scan.id, after={"accepted": applied},
                 summary=f"{request_row.key}：采纳文字识别建议（accepted OCR suggestion）："
                         + "、".join(LABELS[name] for name in chosen))
    db.session.flush()
    return applied


def known_names(suggestions: dict) -> list[str]:
    """The suggestions that have a value ("accept all" takes these; an unknown one cannot be accepted)."""
    checks = suggestions.get("checks", {})
    return [name for name in ACCEPTABLE
            if (checks.get(name) if name in FLAGS or name == "fee_charged" else suggestions.get(name)) is not None]


def _current_reply(request_row, form: dict) -> dict:
    reply = request_row.reply
    if reply is None:
        # No reply yet: the evaluator gives the day it arrived; the suggestions give the rest.
        return {"received_on": form.get("received_on") or None, "fee_charged": "0", "version": ""}
    data = audit.snapshot(reply, request_ops.REPLY_AUDITED)
    data = {key: value for key, value in data.items() if value is not None}
    data["version"] = form.get("version") or reply.version
    return data


def _apply(name: str, suggestions: dict, data: dict):
    value = suggestions.get("checks", {}).get(name) if name in FLAGS or name == "fee_charged" else suggestions.get(name)
    if value is None:
        raise ValidationError({"accept": f"“{LABELS[name]}”没有识别结果，不能采纳"})
    if name == "fee_charged":
        value = _fee(suggestions) if value else "0"
    elif name == "letter_date":
        name = "dispatched_on"
    elif name == "doc_number":
        notes = str(data.get("notes") or "")
        line = f"文号：{value}"
        data["notes"] = notes if line in notes else (notes + "\n" + line).strip()
        return value
    data[name] = value
    return value


def _fee(suggestions: dict) -> str:
    try:
        return str(Decimal(str(suggestions.get("fee_amount"))))
    except (InvalidOperation, ValueError):
        raise ValidationError({"accept": "识别到收费，但没有读出金额，请在答复表单中手工填写"}) from None


def search_condition(column, words: str):
    """Requests whose OCR text contains `words` (for the request list's filter): `column IN (…)`.

    Matched against the text without blanks and line breaks: a phrase broken over two printed lines
    is still found."""
    words = "".join(words.split())
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return column.in_(select(OcrScan.request_id).where(OcrScan.plain.like(pattern, escape="\\")))
