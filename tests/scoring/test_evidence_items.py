"""Evidence items of a score sheet (issue 18): deleted with a confirm step and an audit entry, refused
while the sheet is submitted or signed and outside the team; an item needs a URL, a note or a file;
an image previews inline; the texts are bounded."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_PASSWORD, Browserless
from tests.scoring.helpers import make_campaign, sheet_url

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def add(browser, campaign_id, target_id, indicator_id=1, **data):
    return browser.post(f"{sheet_url(campaign_id, target_id)}/indicators/{indicator_id}/evidence", data=data,
                        content_type="multipart/form-data")


def delete(browser, campaign_id, target_id, evidence_id):
    return browser.post(f"{sheet_url(campaign_id, target_id)}/evidence/{evidence_id}/delete")


def evidence_state(app):
    """(notes of every evidence item, number of audit entries about evidence)."""
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db
    from tracker.scoring.models import Evidence

    with app.app_context():
        notes = [e.note for e in db.session.scalars(select(Evidence).order_by(Evidence.id))]
        audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "evidence"))
        return notes, audited


def evidence_ids(app) -> list[int]:
    from tracker.extensions import db
    from tracker.scoring.models import Evidence

    with app.app_context():
        return list(db.session.scalars(select(Evidence.id).order_by(Evidence.id)))


def set_sheet_status(app, campaign_id, target_id, status):
    from tracker.extensions import db
    from tracker.scoring.models import ScoreSheet

    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.campaign_id == campaign_id,
                                                           ScoreSheet.target_id == target_id))
        sheet.status = status
        db.session.commit()


def outsider(app, password_hash) -> Browserless:
    """An evaluator who is not in the campaign's team."""
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        db.session.add(User(username="outsider", name="外人", role="evaluator", password_hash=password_hash))
        db.session.commit()
    browser = Browserless(app.test_client())
    assert browser.login("outsider", TEST_PASSWORD).status_code == 302
    return browser


def test_delete_asks_first_is_audited_and_outsiders_get_404(app, login, password_hash):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    assert add(evaluator, campaign_id, target_id, note="栏目首页", url="https://www.lzq.gov.cn/zwgk").status_code == 302
    assert add(evaluator, campaign_id, target_id, note="规范性文件").status_code == 302
    first, _second = evidence_ids(app)
    page = evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert f"evidence/{first}/delete" in page and 'data-confirm="确定删除这条佐证材料' in page

    stranger = outsider(app, password_hash)
    assert delete(stranger, campaign_id, target_id, first).status_code == 404
    assert evidence_state(app) == (["栏目首页", "规范性文件"], 2)

    assert delete(evaluator, campaign_id, target_id, first).status_code == 302
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "delete",
                                                            AuditEntry.entity == "evidence")).one()
        assert entry.entity_id == first and entry.before["note"] == "栏目首页" and "凉州区" in entry.summary
    assert evidence_state(app) == (["规范性文件"], 3)
    assert delete(evaluator, campaign_id, target_id, first).status_code == 404  # already gone


@pytest.mark.parametrize(("status", "words"), [("submitted", "已提交待审核"), ("signed", "已审核锁定")])
def test_delete_and_add_are_refused_on_a_locked_sheet(app, login, status, words):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    assert add(evaluator, campaign_id, target_id, note="栏目首页").status_code == 302
    [item] = evidence_ids(app)
    set_sheet_status(app, campaign_id, target_id, status)
    before = evidence_state(app)
    refused = delete(evaluator, campaign_id, target_id, item)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "凉州区" in text and words in text
    assert add(evaluator, campaign_id, target_id, note="又一条").status_code == 409
    assert evidence_state(app) == before


def test_an_item_needs_a_url_a_note_or_a_file(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    response = add(login("evaluator"), campaign_id, target_id, url="  ", note="")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert all(name in text for name in ("网址", "说明", "截图"))
    assert evidence_state(app) == ([], 0)


@pytest.mark.parametrize(("data", "label", "limit"), [
    ({"note": "说" * 2001}, "说明", 2000),
    ({"url": "https://example.org/" + "a" * 481}, "网址", 500),
])
def test_evidence_texts_are_bounded(app, login, data, label, limit):
    campaign_id, (target_id,) = make_campaign(app)
    response = add(login("evaluator"), campaign_id, target_id, **data)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and label in text and f"不能超过 {limit} 个字符" in text
    assert evidence_state(app) == ([], 0)


@pytest.mark.parametrize(("facts", "field", "limit"), [
    ({"items": [True] * 8, "note": "注" * 2001}, "1.note", 2000),
    ({"override": {"points": 3, "reason": "因" * 501}}, "1.override.reason", 500),
])
def test_facts_texts_are_bounded_on_every_path(app, facts, field, limit):
    """The web form bounds them; the operation does too, for the API, bundle and Excel imports."""
    from tracker.campaigns.models import Campaign, Target
    from tracker.core.errors import ValidationError
    from tracker.extensions import db
    from tracker.scoring import forms
    from tracker.scoring import operations as ops

    campaign_id, (target_id,) = make_campaign(app)
    with app.app_context():
        campaign, target = db.session.get(Campaign, campaign_id), db.session.get(Target, target_id)
        with pytest.raises(ValidationError) as raised:
            ops.save_facts(None, campaign, target, 1, facts)
        message = raised.value.errors[field]
        assert "不能超过" in message and str(limit) in message
        assert forms.field_label(field) in ("说明", "人工调整原因")


def test_an_image_previews_inline_through_the_checked_route(app, login, password_hash):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    assert add(evaluator, campaign_id, target_id, note="首页截图", file=(io.BytesIO(PNG), "首页.png")).status_code == 302
    assert add(evaluator, campaign_id, target_id, note="公告", file=(io.BytesIO(PDF), "公告.pdf")).status_code == 302
    from tracker.extensions import db
    from tracker.scoring.models import Evidence

    with app.app_context():
        image_id, pdf_id = db.session.scalars(select(Evidence.attachment_id).order_by(Evidence.id)).all()
    page = evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert f'<img src="/attachments/{image_id}"' in page and 'alt="首页.png"' in page
    assert f'<img src="/attachments/{pdf_id}"' not in page
    image = evaluator.get(f"/attachments/{image_id}")
    body = image.get_data()
    image.close()
    assert image.status_code == 200 and image.mimetype == "image/png" and body == PNG
    assert outsider(app, password_hash).get(f"/attachments/{image_id}").status_code == 404
