"""Deleting a request's attachment (issue 18): a file uploaded by mistake — the wrong scan, another
county's reply — is removed, with an audit entry that keeps its name, size and type. Like every change
to a county's requests it is refused while the county's sheet is submitted or signed (scoring/lock.py).
A document (受理回执, 答复书…) that pointed to the file keeps its record, without the file."""
from __future__ import annotations

from sqlalchemy import select

from ..core import audit
from ..core.errors import NotFound
from ..core.files import Attachment
from ..core.files import delete_attachment as delete_row_and_file
from ..extensions import db
from .models import MockRequest, RequestDocument
from .operations import ensure_active, ensure_unlocked

ATTACHMENT_AUDITED = ("original_name", "size", "content_type", "description")


def delete_attachment(actor, request: MockRequest, attachment_id: int) -> None:
    """Delete the row (flushed, not committed); the stored file goes once the deletion is committed."""
    ensure_active(request)
    ensure_unlocked(request)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.request_id != request.id:
        raise NotFound("该附件不存在或已被删除")
    before = audit.snapshot(attachment, ATTACHMENT_AUDITED) | {"request": request.key}
    for document in db.session.scalars(select(RequestDocument).where(RequestDocument.attachment_id == attachment.id)):
        document.attachment_id = None  # the database would do it too; the session must not keep the old id
    delete_row_and_file(attachment)
    db.session.flush()
    audit.record(actor, "delete", "attachment", attachment_id, before=before,
                 summary=f"{request.key}（{request.target.name}）：删除附件 {attachment.original_name}")
