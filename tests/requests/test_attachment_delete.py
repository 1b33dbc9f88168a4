"""A request's attachments can be deleted (issue 18): confirm step, audit entry, the stored file removed;
refused (409, naming the county) while the county's sheet is submitted or signed and (404) outside the
team, with nothing changed; an image attachment previews inline through the access-checked route."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.requests.test_files import PNG, attachments, stored_files, upload
from tests.requests.test_views import ONLINE_2020, make_request, setup  # noqa: F401  (fixture)
from tests.scoring.test_evidence_items import outsider, set_sheet_status

REAL_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
            b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def delete(browser, request_id, attachment_id):
    return browser.post(f"/requests/{request_id}/attachments/{attachment_id}/delete")


def audited(app) -> int:
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "attachment",
                                                                                     AuditEntry.action == "delete"))


def make_sheet(app, setup, status):  # noqa: F811
    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db
    from tracker.scoring.operations import sheet_for

    with app.app_context():
        sheet_for(db.session.get(Campaign, setup["campaign"]), db.session.get(Target, setup["target"]))
        db.session.commit()
    set_sheet_status(app, setup["campaign"], setup["target"], status)


def test_delete_asks_first_removes_the_file_and_is_audited(app, login, setup, password_hash):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    assert upload(evaluator, request_id, PNG, "答复书.png", "政府的答复").status_code == 302
    [row] = attachments(app)
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert f"/requests/{request_id}/attachments/{row.id}/delete" in page and 'data-confirm="确定删除附件' in page

    assert delete(outsider(app, password_hash), request_id, row.id).status_code == 404
    assert [a.id for a in attachments(app)] == [row.id] and row.stored_name in stored_files(app)

    response = delete(evaluator, request_id, row.id)
    assert response.status_code == 302 and response.headers["Location"].endswith("#attachments")
    assert attachments(app) == [] and row.stored_name not in stored_files(app)
    assert audited(app) == 1
    assert delete(evaluator, request_id, row.id).status_code == 404


def test_an_attachment_of_another_request_is_not_found(app, login, setup):  # noqa: F811
    first = make_request(app, setup, **ONLINE_2020)
    second = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    upload(evaluator, first, PNG, "答复书.png")
    [row] = attachments(app)
    assert delete(evaluator, second, row.id).status_code == 404
    assert len(attachments(app)) == 1


@pytest.mark.parametrize(("status", "words"), [("submitted", "已提交待审核"), ("signed", "已审核锁定")])
def test_delete_is_refused_while_the_sheet_is_locked(app, login, setup, status, words):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    upload(evaluator, request_id, PNG, "答复书.png")
    [row] = attachments(app)
    make_sheet(app, setup, status)
    refused = delete(evaluator, request_id, row.id)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "凉州区" in text and words in text
    assert [a.id for a in attachments(app)] == [row.id] and row.stored_name in stored_files(app)
    assert audited(app) == 0


def test_a_document_keeps_its_record_when_its_file_is_deleted(app, login, setup):  # noqa: F811
    from tracker.extensions import db
    from tracker.requests.models import RequestDocument

    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    upload(evaluator, request_id, PNG, "受理回执.png")
    [row] = attachments(app)
    added = evaluator.post(f"/requests/{request_id}/documents", data={
        "kind": "acknowledgement", "dated_on": "2020-09-23", "attachment_id": str(row.id)})
    assert added.status_code == 302, added.get_data(as_text=True)
    assert delete(evaluator, request_id, row.id).status_code == 302
    with app.app_context():
        [document] = db.session.scalars(select(RequestDocument)).all()
        assert document.attachment_id is None


def test_an_image_attachment_previews_inline(app, login, setup):  # noqa: F811
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    upload(evaluator, request_id, REAL_PNG, "答复书.png")
    upload(evaluator, request_id, b"%PDF-1.4\n%%EOF\n", "答复书.pdf")
    image, pdf = sorted(attachments(app), key=lambda a: a.id)
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert f'<img src="/attachments/{image.id}"' in page and f'<img src="/attachments/{pdf.id}"' not in page
