"""Issue 18: the sheet saves as you go, one indicator at a time, without reloading the page (so no
other indicator's unsaved input is thrown away); the live total counts the whole sheet's input; errors
name fields in Chinese only; the override reason and the note are bounded on every path."""
from __future__ import annotations

import pytest

from tests.scoring.helpers import (
    add_online_request,
    make_campaign,
    row_version,
    save,
    sheet_url,
    stored_facts,
)

JSON = {"Accept": "application/json"}
LONG_REASON = "原" * 20000


def save_json(browser, campaign_id: int, target_id: int, indicator_id: int, form: dict, version=None):
    """What sheet.js posts: the row's form, asking for a JSON answer instead of a new page."""
    if version is None:
        version = row_version(browser.get(sheet_url(campaign_id, target_id)).get_data(as_text=True), indicator_id)
    return browser.post(f"{sheet_url(campaign_id, target_id)}/indicators/{indicator_id}",
                        {**form, "version": version}, headers=JSON)


def preview(browser, campaign_id: int, target_id: int, rows: dict[int, dict]):
    """The whole-sheet preview as sheet.js posts it: every edited row's fields named f<id>-<field>."""
    data = {"indicator": [str(ident) for ident in rows]}
    for ident, form in rows.items():
        data.update({f"f{ident}-{name}": value for name, value in form.items()})
    return browser.post(f"{sheet_url(campaign_id, target_id)}/preview", data, headers=JSON)


# ---------------------------------------------------------------------------- Chinese labels only

def test_row_errors_name_the_field_in_chinese_without_internal_names(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    body = save(evaluator, campaign_id, target_id, 10, {"count": "7", "points": "5", "override_points": "9",
                                                          "override_reason": "x"}).get_data(as_text=True)
    row = body[body.index('id="i10"'):body.index('id="i11"')]
    assert "<strong>分值</strong>：" in row and "<strong>人工调整分值</strong>" in row
    for internal in ("points", "override.points", "override_points", "10."):
        assert f"（{internal}" not in row and f"{internal}）" not in row


# ---------------------------------------------------------------------------- bounded lengths

@pytest.mark.parametrize(("form", "label", "limit"), [
    ({"item-0": "1", "override_points": "1", "override_reason": LONG_REASON}, "人工调整原因", 500),
    ({"item-0": "1", "note": "说" * 2001}, "说明", 2000),
])
def test_long_reason_or_note_is_refused_naming_the_field_and_nothing_changes(app, login, form, label, limit):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    assert save(evaluator, campaign_id, target_id, 12, {"item-0": "1"}).status_code == 302
    refused = save(evaluator, campaign_id, target_id, 12, form)
    assert refused.status_code == 400
    assert f"{label}不能超过{limit}个字符" in refused.get_data(as_text=True)
    assert stored_facts(app, campaign_id, target_id)[12] == {"items": [True, None, None, None, None]}
    as_json = save_json(evaluator, campaign_id, target_id, 12, form)
    assert as_json.status_code == 400 and not as_json.get_json()["ok"]
    assert any(message.startswith(f"{label}不能超过{limit}个字符") for _l, message in as_json.get_json()["errors"])


def test_the_operations_bound_reason_and_note_for_every_path(app, users):
    """The API, the bundle and the Excel imports all save through operations: a 20 000-character
    override reason must not reach the database (and the printed reports) that way either."""
    from tracker.campaigns.models import Campaign, Target
    from tracker.core.errors import ValidationError
    from tracker.extensions import db
    from tracker.scoring import operations as ops

    campaign_id, (target_id,) = make_campaign(app)
    with app.app_context():
        campaign, target = db.session.get(Campaign, campaign_id), db.session.get(Target, target_id)
        with pytest.raises(ValidationError) as error:
            ops.save_facts(None, campaign, target, 17, {"override": {"points": 0, "reason": LONG_REASON}})
        assert error.value.errors == {"17.override.reason": "人工调整原因不能超过500个字符（当前20000个）"}
        with pytest.raises(ValidationError) as error:
            ops.save_facts(None, campaign, target, 8, {"points": 1, "note": "说" * 2001})
        assert error.value.errors == {"8.note": "说明不能超过2000个字符（当前2001个）"}
        db.session.rollback()
    assert stored_facts(app, campaign_id, target_id) == {}


# ---------------------------------------------------------------------------- saving one row as JSON

def test_a_row_saved_as_json_answers_with_its_new_version(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    first = save_json(evaluator, campaign_id, target_id, 8, {"points": "2"}, version="0")
    assert first.status_code == 200
    data = first.get_json()
    assert data["ok"] and data["message"] == "指标8“行政执法信息”已保存。"
    again = save_json(evaluator, campaign_id, target_id, 8, {"points": "1"}, version=str(data["version"]))
    assert again.status_code == 200 and again.get_json()["version"] != data["version"]
    assert stored_facts(app, campaign_id, target_id)[8] == {"points": 1}


def test_a_refused_row_as_json_names_the_fields_in_chinese_and_saves_nothing(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    refused = save_json(evaluator, campaign_id, target_id, 10, {"count": "7", "points": "5"})
    assert refused.status_code == 400
    data = refused.get_json()
    assert data["ok"] is False and data["message"] == "指标10“三大攻坚战信息”未保存，请更正以下问题。"
    assert data["errors"] == [["分值", data["errors"][0][1]]] and "应在3–4分之间" in data["errors"][0][1]
    assert data["invalid"] == ["points"]
    assert stored_facts(app, campaign_id, target_id) == {}


def test_a_stale_row_as_json_is_a_conflict_that_tells_the_current_version(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    first, second = login("evaluator"), login("admin")
    assert save_json(first, campaign_id, target_id, 8, {"points": "2"}, version="0").status_code == 200
    late = save_json(second, campaign_id, target_id, 8, {"points": "0.5"}, version="0")
    assert late.status_code == 409
    data = late.get_json()
    assert data["conflict"] and "您的修改未保存" in data["message"] and data["version"] >= 1
    assert stored_facts(app, campaign_id, target_id)[8] == {"points": 2}
    overwrite = save_json(second, campaign_id, target_id, 8, {"points": "0.5"}, version=str(data["version"]))
    assert overwrite.status_code == 200  # the user looked at the conflict and saved again on purpose


def test_a_submitted_sheet_refuses_a_json_save_naming_the_county(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    for ident, form in ((8, {"points": "2"}), (9, {"passed": "true"})):
        assert save_json(evaluator, campaign_id, target_id, ident, form).status_code == 200
    with app.app_context():
        from tracker.extensions import db
        from tracker.scoring.models import ScoreSheet

        db.session.query(ScoreSheet).filter_by(campaign_id=campaign_id).update({"status": "submitted"})
        db.session.commit()
    refused = save_json(evaluator, campaign_id, target_id, 8, {"points": "1"}, version="1")
    assert refused.status_code == 409
    assert "凉州区的评分表已提交待审核" in refused.get_json()["message"]
    assert stored_facts(app, campaign_id, target_id)[8] == {"points": 2}
    assert evaluator.post(f"{sheet_url(campaign_id, target_id)}/indicators/8", {"points": "1", "version": "1"},
                          headers=JSON).status_code == 409


# ---------------------------------------------------------------------------- the whole sheet's live total

def test_preview_scores_every_edited_row_together_with_the_saved_ones(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    add_online_request(app, campaign_id, "liangzhou")  # indicator 16, derived: 2 points
    evaluator = login("evaluator")
    assert save(evaluator, campaign_id, target_id, 8, {"points": "2"}).status_code == 302
    response = preview(evaluator, campaign_id, target_id, {
        10: {"count": "12"}, 9: {"passed": "true"},
        18: {"override_points": "1", "override_reason": "电话三次均未接通，人工复核"}})
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] and data["total"] == "13" and data["excluded"] == []  # 2 + 5 + 3 + 2 (16) + 1 (18)
    assert data["indicators"]["10"]["text"] == "5" and data["indicators"]["18"]["overridden"]
    assert data["indicators"]["16"]["text"] == "2" and data["indicators"]["8"]["text"] == "2"
    assert data["level2"]["申请指导"] == "1" and data["level1"]["主动公开"] == "10"
    assert 1 in data["pending"] and 10 not in data["pending"]
    assert set(stored_facts(app, campaign_id, target_id)) == {8}  # nothing saved


def test_preview_leaves_out_a_refused_row_and_says_why_in_chinese(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    assert save(evaluator, campaign_id, target_id, 10, {"count": "7", "points": "4"}).status_code == 302
    data = preview(evaluator, campaign_id, target_id, {
        10: {"count": "7", "points": "5"}, 8: {"points": "2"},
        12: {"item-0": "1", "override_points": "1", "override_reason": LONG_REASON}}).get_json()
    assert data["ok"] and data["total"] == "6"  # 4 as saved (10) + 2 (8); 12 is left out
    assert data["excluded"] == [10, 12]
    assert data["errors"]["10"][0][0] == "分值" and "应在3–4分之间" in data["errors"]["10"][0][1]
    # The message names the field already: no label in front of it.
    assert data["errors"]["12"] == [["", "人工调整原因不能超过500个字符（当前20000个）"]]


def test_preview_of_an_unknown_indicator_is_refused(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    assert preview(evaluator, campaign_id, target_id, {29: {"points": "1"}}).status_code == 400
    assert evaluator.post(f"{sheet_url(campaign_id, target_id)}/preview", {"indicator": "abc"},
                          headers=JSON).status_code == 400


def test_sheet_level_error_summaries_name_the_indicator_and_no_internal_field(app):
    from tracker.scoring.views import labelled

    assert labelled({"10.points": "应在3–4分之间", "12.override.reason": "过长", "_": "未保存",
                     "5.secret_field": "有误"}) == {
        "指标10 分值": "应在3–4分之间", "指标12 人工调整原因": "过长", "_": "未保存", "指标5": "有误"}
