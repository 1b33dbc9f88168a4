"""Uploads: type by content, size limit, generated names outside the web root, download as attachment."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.requests.test_views import ONLINE_2020, make_request, setup  # noqa: F401  (fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


def upload_dir(app) -> Path:
    path = Path(app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_files(app) -> set[str]:
    return {p.name for p in upload_dir(app).iterdir()}


def attachments(app):
    from tracker.extensions import db
    from tracker.core.files import Attachment

    with app.app_context():
        rows = db.session.scalars(select(Attachment)).all()
        db.session.expunge_all()
        return rows


def upload(browser, request_id, content: bytes, name: str, description: str = ""):
    return browser.post(f"/requests/{request_id}/attachments", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(content), name), "description": description})


def office_zip(main_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="{main_type}"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_png_is_accepted_and_downloaded_as_attachment(app, login, setup):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    response = upload(evaluator, request_id, PNG, "答复书扫描件.png", "政府的答复")
    assert response.status_code == 302, response.get_data(as_text=True)
    [row] = attachments(app)
    assert row.original_name == "答复书扫描件.png" and row.content_type == "image/png" and row.size == len(PNG)
    assert (upload_dir(app) / row.stored_name).read_bytes() == PNG
    assert "答复书扫描件" not in row.stored_name and len(row.stored_name) == 32
    page = login("reviewer").get(f"/requests/{request_id}").get_data(as_text=True)
    assert "答复书扫描件.png" in page and "政府的答复" in page
    download = login("reviewer").get(f"/attachments/{row.id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "image/png"
    download.close()


def test_download_needs_login(app, client, login, setup):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    upload(login("evaluator"), request_id, PNG, "a.png")
    [row] = attachments(app)
    assert client.get(f"/attachments/{row.id}").status_code == 302


def test_text_renamed_png_is_refused(app, login, setup):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    before = stored_files(app)
    response = upload(login("evaluator"), request_id, "这是一段文字".encode(), "伪装.png")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<strong>文件</strong>" in page and "内容与扩展名不符" in page and "PNG 图片" in page
    assert attachments(app) == [] and stored_files(app) == before


@pytest.mark.parametrize(("content", "name", "mimetype"), [
    ("申请答复：已主动公开。\n".encode(), "记录.txt", "text/plain; charset=utf-8"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "reply.pdf", "application/pdf"),
    (b"\xff\xd8\xff\xe0" + bytes(50), "photo.JPG", "image/jpeg"),
    (office_zip("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"), "答复.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_allowed_types_by_content(app, login, setup, content, name, mimetype):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    response = upload(login("evaluator"), request_id, content, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert attachments(app)[0].content_type == mimetype


@pytest.mark.parametrize(("content", "name", "message"), [
    (office_zip("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"), "表.xlsx",
     "内容与扩展名不符"),
    (b"MZ\x90\x00" + bytes(100), "setup.exe", "不支持的文件类型"),
    (b"\xff\xfe\x00\x00binary", "notes.txt", "内容与扩展名不符"),
    (b"", "empty.png", "文件为空"),
])
def test_refused_files_name_the_field(app, login, setup, content, name, message):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    response = upload(login("evaluator"), request_id, content, name)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "file" in page and message in page
    assert attachments(app) == []


def test_missing_file_names_the_field(app, login, setup):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    response = login("evaluator").post(f"/requests/{request_id}/attachments", data={"description": "x"})
    assert response.status_code == 400 and "请选择要上传的文件" in response.get_data(as_text=True)


def test_oversize_upload_is_refused(app, login, setup, monkeypatch):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    before = stored_files(app)
    response = upload(evaluator, request_id, PNG + bytes(8192), "big.png")
    assert response.status_code == 413
    assert "file" in response.get_data(as_text=True) and "上限" in response.get_data(as_text=True)
    assert attachments(app) == [] and stored_files(app) == before


def test_save_upload_checks_the_file_size_itself(app, setup, monkeypatch):  # noqa: F811
    """The request limit may be bypassed (CLI, API, a chunked body): the file's own size is checked."""
    from tracker.core.errors import ValidationError
    from tracker.core.files import save_upload

    request_id = make_request(app, setup, **ONLINE_2020)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    before = stored_files(app)
    with app.app_context():
        from tracker.extensions import db
        from tracker.requests.models import MockRequest

        row = db.session.get(MockRequest, request_id)
        big = FileStorage(stream=io.BytesIO(PNG + bytes(4096)), filename="big.png")
        with pytest.raises(ValidationError) as refused:
            save_upload(None, row, big)
        db.session.rollback()
    assert "file" in refused.value.errors and "上限" in refused.value.errors["file"]
    assert stored_files(app) == before


def test_path_like_name_is_stored_safely(app, login, setup):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    response = upload(login("evaluator"), request_id, PNG, "../../etc/passwd.png")
    assert response.status_code == 302
    [row] = attachments(app)
    assert row.original_name == "passwd.png"
    assert (upload_dir(app) / row.stored_name).is_file()
    assert not (upload_dir(app).parent / "etc").exists()
    download = login("evaluator").get(f"/attachments/{row.id}")
    assert 'filename=passwd.png' in download.headers["Content-Disposition"]
    download.close()


def test_display_name_keeps_chinese_and_drops_paths():
    from tracker.core.files import display_name

    assert display_name("C:\\Users\\张三\\答复 书.pdf") == "答复 书.pdf"
    assert display_name("../../") == "附件"
    assert display_name("..\\..\\evil\x00.png") == "evil.png"
    assert display_name(".hidden.txt") == "hidden.txt"


def test_failing_disk_write_leaves_no_row(app, login, setup, monkeypatch):  # noqa: F811
    from tracker.core import files

    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    before = stored_files(app)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "open", disk_full, raising=False)
    response = upload(evaluator, request_id, PNG, "a.png")
    assert response.status_code == 503
    assert "文件保存失败" in response.get_data(as_text=True)
    assert attachments(app) == [] and stored_files(app) == before


def test_failing_flush_removes_the_file(app, setup, monkeypatch):  # noqa: F811
    from tracker.core.files import save_upload
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    request_id = make_request(app, setup, **ONLINE_2020)
    before = stored_files(app)
    with app.app_context():
        row = db.session.get(MockRequest, request_id)

        def broken_flush(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(db.session, "flush", broken_flush)
        with pytest.raises(RuntimeError):
            save_upload(None, row, FileStorage(stream=io.BytesIO(PNG), filename="a.png"))
        monkeypatch.undo()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(MockRequest)) == 1
    assert stored_files(app) == before


def test_upload_is_audited(app, login, setup):  # noqa: F811
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    request_id = make_request(app, setup, **ONLINE_2020)
    upload(login("evaluator"), request_id, PNG, "证据.png")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "attachment"))
        assert entry is not None and "证据.png" in entry.summary and entry.user_id is not None
