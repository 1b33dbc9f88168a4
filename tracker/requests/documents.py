"""Dated documents on a request (受理回执, 补正告知, 延期告知, 收费通知, 答复书…), each with an optional
attachment (DESIGN.md §10.3). They are the record of what the agency sent; the reply decides the
score and the events decide the clock, so adding a document changes neither."""
from __future__ import annotations

from ..core import audit, labels
from ..core import clock as web_clock
from ..core.errors import NotFound, ValidationError
from ..extensions import db
from ..law.workdays import format_cn_date
from .fields import document_values
from ..core.files import Attachment
from .models import MockRequest, RequestDocument
from .operations import ensure_active, ensure_unlocked

DOCUMENT_AUDITED = ("kind", "dated_on", "number", "attachment_id", "note")
labels.register({"attachment_id": "附件"})


def add_document(actor, request: MockRequest, data: dict) -> RequestDocument:
    ensure_active(request)
    ensure_unlocked(request)
    values = document_values(data)
    today = web_clock.today()
    if values["dated_on"] > today:
        raise ValidationError({"dated_on": f"文书日期{format_cn_date(values['dated_on'])}晚于今天"
                                           f"（北京时间{format_cn_date(today)}），已收到的文书不能填写将来的日期"})
    attachment_id = values["attachment_id"]
    if attachment_id is not None:
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None or attachment.request_id != request.id:
            raise ValidationError({"attachment_id": "所选附件不是本申请的附件"})
    document = RequestDocument(request_id=request.id, created_by_id=getattr(actor, "id", None), **values)
    request.documents.append(document)
    db.session.flush()
    audit.record(actor, "create", "request_document", document.id,
                 after=audit.jsonable(values) | {"request": request.key},
                 summary=f"{request.key}：登记{document.kind_label}（{format_cn_date(document.dated_on)}）")
    return document


def delete_document(actor, request: MockRequest, document_id: int) -> None:
    ensure_active(request)
    ensure_unlocked(request)
    document = next((d for d in request.documents if d.id == document_id), None)
    if document is None:
        raise NotFound("该文书不存在")
    before = audit.jsonable({name: getattr(document, name) for name in DOCUMENT_AUDITED}) | {"request": request.key}
    request.documents.remove(document)
    db.session.flush()
    audit.record(actor, "delete", "request_document", document_id, before=before,
                 summary=f"{request.key}：删除文书")
