"""The OCR page: upload, the background reading, suggestions with evidence, acceptance into the reply."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from .conftest import trap_letter

pytestmark = pytest.mark.usefixtures("ocr_setup")


def _upload(client, request_id: int, data: bytes, name: str):
    return client.post(f"/requests/{request_id}/ocr", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _count(app, model) -> int:
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _read(app, login, ocr_setup, letter_png, role="evaluator"):
    from tracker.ocr import jobs

    client = login(role)
    path = letter_png(trap_letter(), "trap.png")
    response = _upload(client, ocr_setup["request"], path.read_bytes(), "答复书.png")
    assert response.status_code == 302, response.get_data(as_text=True)
    jobs.wait_all()
    return client


def test_upload_reads_in_the_background_and_shows_text_with_evidence(app, login, ocr_setup, letter_png):
    client = _read(app, login, ocr_setup, letter_png)
    page = client.get(f"/requests/{ocr_setup['request']}/ocr").get_data(as_text=True)
    assert "识别出的文字" in page and "信息不存在" in page  # the outcome suggested: not_held's label
    assert '<mark class="ocr-evidence" data-suggestion="outcome"' in page
    assert "武政公开〔2020〕12号" in page and "2020-09-15" in page
    preview = client.get(f"/requests/{ocr_setup['request']}/ocr/preview?scan=1&page=1", buffered=True)
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    # The OCR text is searchable in the request list (a phrase broken over two lines too).
    listing = client.get(f"/campaigns/{ocr_setup['campaign']}/requests?ocr_text=未制作也未获取").get_data(as_text=True)
    assert f"/requests/{ocr_setup['request']}\"" in listing
    none = client.get(f"/campaigns/{ocr_setup['campaign']}/requests?ocr_text=商业秘密").get_data(as_text=True)
    assert f"/requests/{ocr_setup['request']}\"" not in none


def test_accept_one_then_all_goes_through_the_reply_and_is_audited(app, login, ocr_setup, letter_png):
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    client = _read(app, login, ocr_setup, letter_png)
    url = f"/requests/{ocr_setup['request']}/ocr/accept"
    # Without a reply and without a date nothing can be recorded: refused, nothing changed.
    refused = client.post(url, data={"scan": "1", "only": "outcome"})
    assert refused.status_code == 400 and "日期" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(MockRequest, ocr_setup["request"]).reply is None
    one = client.post(url, data={"scan": "1", "only": "outcome", "received_on": "2020-09-18"})
    assert one.status_code == 302
    with app.app_context():
        reply = db.session.get(MockRequest, ocr_setup["request"]).reply
        assert reply.outcome == "not_held" and reply.remedy_notice is False and reply.received_on.isoformat() == "2020-09-18"
    assert client.post(url, data={"scan": "1", "all": "1"}).status_code == 302
    with app.app_context():
        reply = db.session.get(MockRequest, ocr_setup["request"]).reply
        assert reply.remedy_notice is True and reply.sealed is True and reply.dispatched_on.isoformat() == "2020-09-15"
        assert "文号：武政公开〔2020〕12号" in reply.notes
        summaries = list(db.session.scalars(select(AuditEntry.summary).where(AuditEntry.entity == "ocr_scan",
                                                                            AuditEntry.action == "accept")))
        assert len(summaries) == 2 and all("accepted OCR suggestion" in s for s in summaries)


def test_corrupt_pdf_and_wrong_types_are_refused_without_a_trace(app, login, ocr_setup):
    from tracker.core.files import Attachment

    client = login("evaluator")
    corrupt = _upload(client, ocr_setup["request"], b"%PDF-1.4\n1 0 obj <<>> garbage", "reply.pdf")
    assert corrupt.status_code == 400 and "PDF 文件已损坏" in corrupt.get_data(as_text=True)
    word = _upload(client, ocr_setup["request"], b"plain text", "reply.txt")
    assert word.status_code == 400 and "PDF、JPEG 或 PNG" in word.get_data(as_text=True)
    assert _count(app, Attachment) == 0


def test_too_many_pages_are_refused(app, login, ocr_setup, tmp_path):
    from PIL import Image

    from tracker.ocr.models import OcrScan

    pages = [Image.new("RGB", (200, 280), "white") for _ in range(3)]
    path = tmp_path / "many.pdf"
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:])
    app.config["OCR_MAX_PAGES"] = 2
    try:
        response = _upload(login("evaluator"), ocr_setup["request"], path.read_bytes(), "many.pdf")
    finally:
        app.config.pop("OCR_MAX_PAGES")
    assert response.status_code == 400 and "超过识别上限 2 页" in response.get_data(as_text=True)
    assert _count(app, OcrScan) == 0


def test_roles_and_team(app, login, ocr_setup, users):
    from tracker.campaigns.models import Campaign
    from tracker.campaigns.operations import set_team
    from tracker.extensions import db

    url = f"/requests/{ocr_setup['request']}/ocr"
    assert login("reviewer").get(url).status_code == 200
    assert _upload(login("reviewer"), ocr_setup["request"], b"x", "a.png").status_code == 403
    with app.app_context():
        set_team(None, db.session.get(Campaign, ocr_setup["campaign"]), [users["admin"].id])
        db.session.commit()
    outsider = login("evaluator")
    assert outsider.get(url).status_code == 404  # another team's request does not exist for them
    assert outsider.get(f"/requests/{ocr_setup['request']}/ocr/preview?scan=1&page=1").status_code == 404


def test_the_page_says_when_ocr_is_unavailable(app, login, ocr_setup, monkeypatch):
    from tracker.ocr import engine
    from tracker.core.files import Attachment

    monkeypatch.setattr(engine, "installed", lambda: (False, "本机未安装文字识别组件 rapidocr"))
    client = login("evaluator")
    page = client.get(f"/requests/{ocr_setup['request']}/ocr").get_data(as_text=True)
    assert "文字识别不可用" in page and "rapidocr" in page and 'name="file"' not in page
    response = _upload(client, ocr_setup["request"], b"\x89PNG\r\n\x1a\n", "a.png")
    assert response.status_code == 503 and _count(app, Attachment) == 0
    # The rest of the request works as before.
    assert client.get(f"/requests/{ocr_setup['request']}").status_code == 200


def test_a_scan_over_the_size_limit_is_refused_with_a_clear_message(app, login, ocr_setup, monkeypatch):
    from tracker.core.files import Attachment

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = _upload(login("evaluator"), ocr_setup["request"], b"\x89PNG\r\n\x1a\n" + bytes(8192), "big.png")
    assert response.status_code == 413 and "扫描件超过" in response.get_data(as_text=True)
    assert "上传上限" in response.get_data(as_text=True)
    assert _count(app, Attachment) == 0


def test_a_damaged_image_fails_in_the_job_and_says_why(app, login, ocr_setup):
    from tracker.ocr import jobs

    client = login("evaluator")
    response = _upload(client, ocr_setup["request"], b"\x89PNG\r\n\x1a\n" + bytes(64), "broken.png")
    assert response.status_code == 302
    jobs.wait_all()
    page = client.get(f"/requests/{ocr_setup['request']}/ocr").get_data(as_text=True)
    assert "识别失败" in page and "图片文件已损坏" in page and "重新识别" in page
    assert client.post(f"/requests/{ocr_setup['request']}/ocr/accept", data={"scan": "1", "all": "1"}).status_code == 400
    assert client.post(f"/requests/{ocr_setup['request']}/ocr/accept", data={"all": "1"}).status_code == 400
    assert client.post(f"/requests/{ocr_setup['request']}/ocr/accept", data={"scan": "99"}).status_code == 404
