"""Filling a county's score sheet through the HTTP routes: every rule kind, refusals, conflicts, preview."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.scoring.helpers import (DERIVED_OVERRIDES, MANUAL_FORMS, add_online_request, make_campaign, row_version,
                                   save, sheet_url, stored_facts, total_on_page)


def fill_whole_sheet(app, browser, campaign_id: int, target_id: int) -> None:
    add_online_request(app, campaign_id, "liangzhou")
    for indicator_id, (form, _points) in MANUAL_FORMS.items():
        response = save(browser, campaign_id, target_id, indicator_id, form)
        assert response.status_code == 302, (indicator_id, response.get_data(as_text=True)[-3000:])
        assert response.headers["Location"].endswith(f"#i{indicator_id}")
    for indicator_id, points in DERIVED_OVERRIDES.items():
        response = save(browser, campaign_id, target_id, indicator_id,
                        {"override_points": str(points), "override_reason": "测试记录已核实（人工复核）"})
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


@pytest.mark.slow  # every indicator through its form (2.2 s)
def test_whole_sheet_filled_through_the_forms_gives_the_total(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)

    page = evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    manual = sum(points for _form, points in MANUAL_FORMS.values())
    assert manual == 83
    assert total_on_page(page) == "91"  # 83 manual + 16 online request (2) + overrides 17–22 (6)
    assert "全部指标已评" in page
    assert 'data-level1="主动公开">54.5<' in page
    assert 'data-level2="制度建设">5<' in page and "表2称“制度体系”" in page
    assert "人工调整" in page and "测试记录已核实（人工复核）" in page
    assert "互联网申请：信息窗口为活动窗口，申请提交成功并获确认" in page
    assert "检索结果第一页出现7次（6–9次档，3–4分）" in page
    facts = stored_facts(app, campaign_id, target_id)
    assert facts[10] == {"count": 7, "points": 4}
    assert facts[25] == {"tier": "channel_only", "points": 2}
    assert facts[9] == {"passed": True}
    assert facts[3]["items"] == [True, True, 1.5, True]


def test_pending_indicators_are_marked_and_listed(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    save(evaluator, campaign_id, target_id, 8, {"points": "2"})
    page = evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert total_on_page(page) == "2"
    assert "未评 31 项" in page
    assert 'href="#i1">指标1</a>' in page and 'href="#i8"' not in page
    row8 = page[page.index('id="i8"'):page.index('id="i9"')]
    assert "table-warning" not in row8.split(">")[0]


def test_bands_count_7_points_4_and_points_5_refused_naming_the_field(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    assert save(evaluator, campaign_id, target_id, 10, {"count": "7", "points": "4"}).status_code == 302
    refused = save(evaluator, campaign_id, target_id, 10, {"count": "7", "points": "5"})
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "指标10未保存" in body and "<strong>分值</strong>：" in body and "应在3–4分之间" in body
    assert 'name="points">' in body and '<option value="5" selected>' in body  # the user's input is kept
    assert stored_facts(app, campaign_id, target_id)[10] == {"count": 7, "points": 4}
    missing = save(evaluator, campaign_id, target_id, 10, {"count": "7"})
    assert missing.status_code == 400 and "须在该区间内评定得分" in missing.get_data(as_text=True)
    fixed = save(evaluator, campaign_id, target_id, 10, {"count": "12"})
    assert fixed.status_code == 302
    negative = save(evaluator, campaign_id, target_id, 10, {"count": "-1"})
    assert negative.status_code == 400 and "<strong>次数</strong>：" in negative.get_data(as_text=True)
    words = save(evaluator, campaign_id, target_id, 10, {"count": "七"})
    assert words.status_code == 400 and "应为整数" in words.get_data(as_text=True)


def test_channel_only_points_above_cap_refused(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    refused = save(evaluator, campaign_id, target_id, 25, {"tier": "channel_only", "points": "2.5"})
    assert refused.status_code == 400
    assert "<strong>分值</strong>：" in refused.get_data(as_text=True) and "0–2分" in refused.get_data(as_text=True)
    assert 25 not in stored_facts(app, campaign_id, target_id)
    # A value left in the points select does not belong to the "smooth" tier's facts.
    assert save(evaluator, campaign_id, target_id, 25, {"tier": "smooth", "points": "1"}).status_code == 302
    assert stored_facts(app, campaign_id, target_id)[25] == {"tier": "smooth"}


def test_checklist_with_the_wrong_number_of_items_refused(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    form = {f"item-{i}": "1" for i in range(9)}
    refused = save(evaluator, campaign_id, target_id, 1, form)
    assert refused.status_code == 400 and "指标1共有8个子项，收到第9项" in refused.get_data(as_text=True)
    bad_value = save(evaluator, campaign_id, target_id, 2, {"item-0": "1.5"})
    assert bad_value.status_code == 400 and "各子项得分 第1项" in bad_value.get_data(as_text=True)
    assert stored_facts(app, campaign_id, target_id) == {}


def test_checklist_with_wrong_item_count_refused_by_the_operation(app, users):
    import pytest

    from tracker.campaigns.models import Campaign, Target
    from tracker.core.errors import ValidationError
    from tracker.extensions import db
    from tracker.scoring import operations as ops

    campaign_id, (target_id,) = make_campaign(app)
    with app.app_context():
        campaign, target = db.session.get(Campaign, campaign_id), db.session.get(Target, target_id)
        with pytest.raises(ValidationError) as error:
            ops.save_facts(None, campaign, target, 1, {"items": [True, True, False]})
        assert "1.items" in error.value.errors and "共8项" in error.value.errors["1.items"]
        db.session.rollback()


def test_override_without_reason_refused(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    refused = save(evaluator, campaign_id, target_id, 12, {"override_points": "3"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "人工调整原因" in body and "人工调整必须填写原因" in body
    assert re.search(r'<details class="mb-2" open>', body)  # the override section is shown open
    no_points = save(evaluator, campaign_id, target_id, 12, {"override_reason": "原因"})
    assert no_points.status_code == 400 and "人工调整分值" in no_points.get_data(as_text=True)
    assert stored_facts(app, campaign_id, target_id) == {}


def test_empty_form_clears_the_indicator_back_to_pending(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    save(evaluator, campaign_id, target_id, 8, {"points": "2"})
    assert save(evaluator, campaign_id, target_id, 8, {"points": ""}).status_code == 302
    page = evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert total_on_page(page) == "0" and 'href="#i8"' in page


def test_stale_version_is_a_conflict_and_the_first_value_stays(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    first, second = login("evaluator"), login("admin")
    seen = row_version(second.get(sheet_url(campaign_id, target_id)).get_data(as_text=True), 8)
    assert save(first, campaign_id, target_id, 8, {"points": "2"}).status_code == 302
    late = save(second, campaign_id, target_id, 8, {"points": "0.5", "note": "我的说明"}, version=seen)
    body = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "数据冲突" in body and "您的修改未保存" in body
    row = body[body.index('id="i8"'):body.index('id="i9"')]
    assert '<option value="0.5" selected>' in row and "我的说明" in row  # the unsaved input is shown
    assert stored_facts(app, campaign_id, target_id)[8] == {"points": 2}
    bad_version = save(second, campaign_id, target_id, 8, {"points": "1"}, version="abc")
    assert bad_version.status_code == 400 and "版本" in bad_version.get_data(as_text=True)


def test_preview_returns_the_recomputed_total_without_saving(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    save(evaluator, campaign_id, target_id, 8, {"points": "2"})
    url = f"{sheet_url(campaign_id, target_id)}/preview"
    response = evaluator.client.post(url, data={"indicator": "10", "f10-count": "12"},
                                     headers={"X-CSRFToken": evaluator.token, "Accept": "application/json"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] and data["total"] == "7" and data["indicators"]["10"]["text"] == "5"
    assert data["level1"]["主动公开"] == "7" and data["level2"]["重点领域信息"] == "5"
    assert 10 not in stored_facts(app, campaign_id, target_id)
    refused = evaluator.client.post(url, data={"indicator": "10", "f10-count": "7", "f10-points": "5"},
                                    headers={"X-CSRFToken": evaluator.token})
    assert refused.status_code == 200 and refused.get_json()["excluded"] == [10]
    assert "应在3–4分之间" in refused.get_json()["errors"]["10"][0][1]
    no_token = evaluator.client.post(url, data={"indicator": "10", "f10-count": "12"})
    assert no_token.status_code == 400


def test_evidence_with_url_note_and_screenshot(app, login):
    from io import BytesIO

    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    url = f"{sheet_url(campaign_id, target_id)}/indicators/1/evidence"
    ok = evaluator.post(url, data={"url": "https://www.liangzhou.gov.cn/zfxxgk/", "note": "法定主动公开内容栏目"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("#i1")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    shot = evaluator.post(url, data={"note": "栏目截图", "file": (BytesIO(png), "截图.png")},
                          content_type="multipart/form-data")
    assert shot.status_code == 302, shot.get_data(as_text=True)[-2000:]
    page = evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert "https://www.liangzhou.gov.cn/zfxxgk/" in page and "截图.png" in page
    bad = evaluator.post(url, data={"url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "网址须以 http:// 或 https:// 开头" in bad.get_data(as_text=True)
    empty = evaluator.post(url, data={})
    assert empty.status_code == 400 and "至少一项" in empty.get_data(as_text=True)
    fake = evaluator.post(url, data={"file": (BytesIO(b"MZ not an image"), "shot.png")}, content_type="multipart/form-data")
    assert fake.status_code == 400 and "内容与扩展名不符" in fake.get_data(as_text=True)


def test_unknown_indicator_and_target_are_404(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    assert save(evaluator, campaign_id, target_id, 29, {"points": "1"}, version="0").status_code == 404
    assert evaluator.get(sheet_url(campaign_id, 999)).status_code == 404
    _other, (other_target,) = make_campaign_named(app)
    assert evaluator.get(sheet_url(campaign_id, other_target)).status_code == 404


def make_campaign_named(app):
    """Another campaign (no team) with one county: (campaign id, [target id])."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("另一考评", year=2021, team=None)
        target = make.target(campaign, "x", "某县")
        db.session.commit()
        return campaign.id, [target.id]


def test_every_fact_change_is_audited_with_before_and_after(app, login):
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    save(evaluator, campaign_id, target_id, 8, {"points": "2"})
    save(evaluator, campaign_id, target_id, 8, {"points": "1", "note": "栏目更新不及时"})
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "indicator_facts")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.before, e.after) for e in entries] == [
            (None, {"points": 2}), ({"points": 2}, {"points": 1, "note": "栏目更新不及时"})]
        assert all(e.user_id is not None and "指标8" in e.summary for e in entries)
