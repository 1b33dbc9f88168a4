"""Uploaded evidence files (replies, screenshots, postal receipts).

The type is decided by the file's content, never by the client's name or mimetype; the file lives
under UPLOAD_DIR (outside the web root) under a random name; it is served only as a download.
"""
from __future__ import annotations

import os
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .revisions import ViaTarget
from . import audit, unit_of_work
from . import parsing as p
from .db import utcnow
from .errors import NotFound, ValidationError
from .sniff import CHUNK, sniff

FIELD = "file"


class Attachment(db.Model):
    """An uploaded file, stored outside the web root under a generated name."""

    __tablename__ = "attachments"
    __revision_scope__ = ViaTarget("request_id", "target_id")  # none for an evidence file: its evidence row leads there

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@dataclass(frozen=True)
class Kind:
    label: str
    mimetype: str


KINDS = {
    "pdf": Kind("PDF 文档", "application/pdf"),
    "png": Kind("PNG 图片", "image/png"),
    "jpeg": Kind("JPEG 图片", "image/jpeg"),
    "gif": Kind("GIF 图片", "image/gif"),
    "webp": Kind("WEBP 图片", "image/webp"),
    "docx": Kind("Word 文档（.docx）", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": Kind("Excel 表格（.xlsx）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "txt": Kind("UTF-8 文本", "text/plain; charset=utf-8"),
}
EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp",
              ".docx": "docx", ".xlsx": "xlsx", ".txt": "txt"}
ALLOWED_TEXT = "PDF、PNG、JPEG、GIF、WEBP、Word（.docx）、Excel（.xlsx）、UTF-8 文本（.txt）"
_UNSAFE_CHARS = set('<>:"|?*/\\')


class StorageError(ValidationError):
    """The server could not write the file: nothing was saved."""

    status = 503


def upload_dir() -> Path:
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def max_bytes() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 10 * 1024 * 1024)


def display_name(raw: str | None) -> str:
    """The client's file name for display and download: no directories or control characters."""
    name = unicodedata.normalize("NFC", str(raw or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch not in _UNSAFE_CHARS and not unicodedata.category(ch).startswith("C"))
    name = name.strip().lstrip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "附件"


def expected_kind(name: str) -> str:
    kind = EXTENSIONS.get(Path(name).suffix.lower())
    if kind is None:
        suffix = Path(name).suffix or "无扩展名"
        raise ValidationError({FIELD: f"不支持的文件类型（{suffix}）；可以上传：{ALLOWED_TEXT}"})
    return kind


# ---------------------------------------------------------------------------- content checks

def check_content(path: Path, kind: str, name: str) -> None:
    found = sniff(path)
    if found == kind:
        return
    what = f"实际是{KINDS[found].label}" if found else "无法识别为允许的类型"
    raise ValidationError({FIELD: f"文件“{name}”的内容与扩展名不符：扩展名表示{KINDS[kind].label}，"
                                  f"但内容{what}。请上传真实的文件。"})


# ---------------------------------------------------------------------------- storing

def _write_temp(stream, directory: Path, limit: int) -> Path:
    """Copy the upload to a temporary file, refusing it as soon as it passes `limit` bytes."""
    temp = directory / f".upload-{secrets.token_hex(8)}.part"
    size = 0
    try:
        with open(temp, "xb") as handle:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ValidationError({FIELD: f"文件超过上传上限 {limit // (1024 * 1024)} MB"})
                handle.write(chunk)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if size == 0:
        temp.unlink(missing_ok=True)
        raise ValidationError({FIELD: "文件为空"})
    return temp


def _store(upload, kind: str, name: str) -> tuple[str, int]:
    """Write, check and move the file into place; nothing is left behind on any failure."""
    directory = upload_dir()
    try:
        temp = _write_temp(upload.stream, directory, max_bytes())
    except OSError as error:
        raise StorageError({FIELD: "文件保存失败（服务器磁盘写入出错），未保存任何内容，请稍后重试或联系管理员"}) from error
    try:
        check_content(temp, kind, name)
        stored = secrets.token_hex(16)
        size = temp.stat().st_size
        os.replace(temp, directory / stored)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise StorageError({FIELD: "文件保存失败（服务器磁盘写入出错），未保存任何内容，请稍后重试或联系管理员"}) from error
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return stored, size


def save_upload(actor, request_row, upload, description: str = ""):
    """Store an uploaded file and add its Attachment row (flushed, not committed)."""
    if upload is None or not getattr(upload, "filename", ""):
        raise ValidationError({FIELD: "请选择要上传的文件"})
    description = p.text(description, field="description", max_length=500)
    name = display_name(upload.filename)
    kind = expected_kind(name)
    stored, size = _store(upload, kind, name)
    attachment = Attachment(request_id=getattr(request_row, "id", None), original_name=name, stored_name=stored,
                            content_type=KINDS[kind].mimetype, size=size, description=description,
                            uploaded_by_id=getattr(actor, "id", None))
    # Whoever rolls the change back (a refusal later in the operation, a lost race at the commit),
    # the file goes with its row: no file is kept without one.
    unit_of_work.when_rolled_back(lambda: discard_file(attachment))
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "create", "attachment", attachment.id,
                 after={"request": getattr(request_row, "key", None), "name": name, "size": size,
                        "content_type": attachment.content_type},
                 summary=f"{getattr(request_row, 'key', '')}：上传附件 {name}")
    return attachment


def delete_attachment(attachment) -> None:
    """Delete an attachment's row; its file is removed once the deletion is committed (a deletion
    rolled back keeps its file)."""
    db.session.delete(attachment)
    unit_of_work.when_committed(lambda: discard_file(attachment))


def discard_file(attachment) -> None:
    """Remove an attachment's stored file (when its row is not going to be committed)."""
    path = _stored_path(attachment)
    if path is not None:
        path.unlink(missing_ok=True)


def _stored_path(attachment) -> Path | None:
    stored = str(attachment.stored_name or "")
    if not stored or Path(stored).name != stored or stored.startswith("."):
        return None
    return upload_dir() / stored


def send_attachment(attachment):
    path = _stored_path(attachment)
    if path is None or not path.is_file():
        raise NotFound("附件文件不存在或已丢失，请联系管理员。")
    # The stored type may carry "; charset=utf-8", which Werkzeug would add a second time.
    return send_file(path, mimetype=attachment.content_type.split(";")[0], as_attachment=True,
                     download_name=attachment.original_name, max_age=0)
