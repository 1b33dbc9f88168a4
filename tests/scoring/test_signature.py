"""Issue 14 / DESIGN.md §10.1: the review workflow and the signed record — the lock while submitted,
four eyes, the team's reviewers, the confirmation step, the snapshot and its 核验码, the return reason
reaching the 填报人, the history and the 核验 page."""
from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from sqlalchemy import select

from tests.scoring.helpers import (make_campaign, review_events, save, seen_on, set_team, sheet_status, sheet_url,
                                   sign, stored_facts)
from tests.scoring.test_sheet_entry import fill_whole_sheet

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def post(browser, campaign_id, target_id, name, **data):
    return browser.post(f"{sheet_url(campaign_id, target_id)}/{name}", data=data)


def submitted(app, login):
    """A whole sheet filled in and submitted by the evaluator: (campaign id, target id, evaluator)."""
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)
    assert post(evaluator, campaign_id, target_id, "submit").status_code == 302
    return campaign_id, target_id, evaluator


def stored_signature(app, campaign_id, target_id):
    from tracker.extensions import db
    from tracker.scoring.models import ReviewEvent, ScoreSheet

    with app.app_context():
        return db.session.execute(select(ReviewEvent.code, ReviewEvent.snapshot).join(
            ScoreSheet, ScoreSheet.id == ReviewEvent.sheet_id).where(
            ScoreSheet.campaign_id == campaign_id, ScoreSheet.target_id == target_id, ReviewEvent.kind == "sign")
            .order_by(ReviewEvent.id.desc())).first()


@pytest.mark.slow  # fills a whole sheet (1.7 s)
def test_while_submitted_the_evaluator_cannot_change_scores(app, login):
    campaign_id, target_id, evaluator = submitted(app, login)
    before = stored_facts(app, campaign_id, target_id)
    refused = save(evaluator, campaign_id, target_id, 8, {"points": "0"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "凉州区的评分表已提交待审核" in body and "退回" in body
    override = save(evaluator, campaign_id, target_id, 18, {"override_points": "0", "override_reason": "再核"})
    assert override.status_code == 409
    evidence = post(evaluator, campaign_id, target_id, "indicators/8/evidence", note="补充")
    assert evidence.status_code == 409
    assert stored_facts(app, campaign_id, target_id) == before
    assert "<fieldset disabled>" in evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)


@pytest.mark.slow  # fills a whole sheet (1.4 s)
def test_nobody_signs_a_sheet_they_submitted_admins_included(app, login):
    """Issue 14: an admin unlocked, submitted and signed a sheet they filled in."""
    campaign_id, (target_id,) = make_campaign(app)
    admin = login("admin")
    fill_whole_sheet(app, admin, campaign_id, target_id)
    assert post(admin, campaign_id, target_id, "submit").status_code == 302
    page = admin.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert "四眼原则" in page and 'name="seen"' not in page  # no sign button, and why
    seen = re.search(r"[0-9a-f]{32}", page)  # the page carries no fingerprint to sign with
    for data in ({"seen": seen.group(0) if seen else "x"}, {"seen": "x", "confirm": "1"}):
        refused = post(admin, campaign_id, target_id, "sign", **data)
        assert refused.status_code == 403 and "填报人（提交人）" in refused.get_data(as_text=True)
    assert sheet_status(app, campaign_id, target_id) == "submitted"
    assert [kind for kind, _who, _why in review_events(app, campaign_id, target_id)] == ["submit"]


@pytest.mark.slow  # fills a whole sheet (1.5 s)
def test_nobody_signs_a_sheet_whose_scores_they_entered(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator, admin = login("evaluator"), login("admin")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)
    assert save(admin, campaign_id, target_id, 8, {"points": "1"}).status_code == 302
    assert post(evaluator, campaign_id, target_id, "submit").status_code == 302
    refused = post(admin, campaign_id, target_id, "sign", seen=seen_on(login("reviewer"), campaign_id, target_id))
    assert refused.status_code == 403 and "您填报过该评分表的指标8" in refused.get_data(as_text=True)
    assert sign(login("reviewer"), campaign_id, target_id)[0].status_code == 302  # another person may


@pytest.mark.slow  # fills a whole sheet (1.5 s)
def test_only_a_reviewer_of_the_team_signs_returns_or_unlocks(app, login):
    campaign_id, target_id, _evaluator = submitted(app, login)
    set_team(app, campaign_id, "evaluator")  # the reviewer is not in this campaign's team
    reviewer = login("reviewer")
    for name, data in (("sign", {"seen": "x", "confirm": "1"}), ("sign", {"seen": "x"}), ("return", {"reason": "x"})):
        refused = post(reviewer, campaign_id, target_id, name, **data)
        assert refused.status_code in (403, 404), (name, refused.status_code)
    assert sheet_status(app, campaign_id, target_id) == "submitted"
    assert [kind for kind, _who, _why in review_events(app, campaign_id, target_id)] == ["submit"]


@pytest.mark.slow  # fills a whole sheet (1.7 s)
def test_signing_without_the_fingerprint_is_refused(app, login):
    campaign_id, target_id, _evaluator = submitted(app, login)
    reviewer = login("reviewer")
    for data in ({"confirm": "1"}, {"confirm": "1", "seen": ""}, {}):
        refused = post(reviewer, campaign_id, target_id, "sign", **data)
        assert refused.status_code == 400 and "核对值" in refused.get_data(as_text=True)
    assert sheet_status(app, campaign_id, target_id) == "submitted"


@pytest.mark.slow  # fills a whole sheet (2.1 s)
def test_signing_asks_for_confirmation_showing_what_will_be_signed(app, login):
    campaign_id, target_id, _evaluator = submitted(app, login)
    reviewer = login("reviewer")
    seen = seen_on(reviewer, campaign_id, target_id)
    confirmation = post(reviewer, campaign_id, target_id, "sign", seen=seen)
    page = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200 and "确认签字并锁定" in page
    assert re.search(r'id="sign-total">91<', page) and "无（32 项指标全部已评）" in page
    shown = re.search(r'id="sign-code">([0-9A-F-]{14})<', page).group(1)
    assert sheet_status(app, campaign_id, target_id) == "submitted"  # the first step changes nothing
    done = post(reviewer, campaign_id, target_id, "sign", seen=seen, confirm="1",
                code=shown.replace("-", "").lower())
    assert done.status_code == 302 and sheet_status(app, campaign_id, target_id) == "signed"
    code, text = stored_signature(app, campaign_id, target_id)
    assert shown == "-".join(code[i:i + 4] for i in (0, 4, 8)).upper()
    assert code == hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@pytest.mark.slow  # fills and signs whole sheets (4.9 s)
def test_a_code_that_no_longer_matches_the_sheet_is_not_signed(app, login):
    campaign_id, target_id, _evaluator = submitted(app, login)
    reviewer = login("reviewer")
    seen = seen_on(reviewer, campaign_id, target_id)
    refused = post(reviewer, campaign_id, target_id, "sign", seen=seen, confirm="1", code="000000000000")
    assert refused.status_code == 409 and "核验码" in refused.get_data(as_text=True)
    assert sheet_status(app, campaign_id, target_id) == "submitted"


@pytest.mark.slow  # fills and signs a whole sheet (3.5 s)
def test_the_snapshot_records_everything_the_sheet_rests_on(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)
    upload = post(evaluator, campaign_id, target_id, "indicators/1/evidence",
                  note="首页截图", file=(io.BytesIO(PNG), "首页.png"))
    assert upload.status_code == 302, upload.get_data(as_text=True)[-2000:]
    assert post(evaluator, campaign_id, target_id, "submit").status_code == 302
    assert sign(login("reviewer"), campaign_id, target_id)[0].status_code == 302
    _code, text = stored_signature(app, campaign_id, target_id)
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert [item["id"] for item in data["indicators"]] == [*range(1, 29), 31, 32, 33, 34] and data["total"] == 91
    one = data["indicators"][0]
    assert one["points"] == 7 and one["explanation"] and one["override"] is None
    assert one["evidence"] == [{"url": "", "note": "首页截图",
                                "file": {"name": "首页.png", "size": len(PNG), "sha256": hashlib.sha256(PNG).hexdigest()}}]
    assert data["indicators"][16]["override"] == {"points": 0, "reason": "测试记录已核实（人工复核）"}
    assert len(data["indicators"][15]["requests"]) == 1  # the online request that scored indicator 16
    assert [r["key"] for r in data["requests"]] == data["indicators"][15]["requests"]
    assert all(isinstance(r["version"], int) for r in data["requests"])
    assert data["rubric"]["code"] == "wuwei-2020-county" and len(data["rubric"]["digest"]) == 64
    assert "calendar_revision" in data and data["pending"] == []
    assert data["wording"] == 2  # the generated 赋分说明's wording it was signed in (scoring/snapshot.py)
    assert data["filled_by"] == {"username": "evaluator", "name": "张填报"}
    assert data["reviewed_by"] == {"username": "reviewer", "name": "李审核"} and data["reviewed_on"] and data["filled_on"]


@pytest.mark.slow  # fills and reviews a whole sheet (3.5 s)
def test_the_return_reason_reaches_the_filler(app, login):
    """Issue 14: a returned sheet told its 填报人 nothing; the reason lived only in the audit log."""
    from tracker.extensions import db
    from tracker.core.mail import OutboxMessage

    campaign_id, target_id, evaluator = submitted(app, login)
    assert post(login("reviewer"), campaign_id, target_id, "return", reason="指标10缺少佐证截图").status_code == 302
    sheet = evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert "评分表已被退回" in sheet and "指标10缺少佐证截图" in sheet
    dashboard = evaluator.get("/").get_data(as_text=True)
    assert "指标10缺少佐证截图" in dashboard and f"/campaigns/{campaign_id}/targets/{target_id}/sheet" in dashboard
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.recipient, m.status) for m in messages] == [("evaluator@example.org", "pending")]
        assert "指标10缺少佐证截图" in messages[0].body_text and "凉州区" in messages[0].subject
    assert review_events(app, campaign_id, target_id)[-1] == ("return", "reviewer", "指标10缺少佐证截图")
    assert post(evaluator, campaign_id, target_id, "submit").status_code == 302  # resubmitted: the notice goes
    assert "指标10缺少佐证截图" not in evaluator.get("/").get_data(as_text=True)
    assert "评分表已被退回" not in evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)


@pytest.mark.slow  # fills and signs a whole sheet (3.4 s)
def test_a_signed_sheet_shows_its_snapshot_and_the_changes_since(app, login):
    """If recomputing would give another result (here a fact changed behind the lock, as a data fix
    would), the sheet and every report keep the signed figures; reviewers see the differences."""
    from tracker.extensions import db
    from tracker.scoring.models import IndicatorFacts, ScoreSheet

    campaign_id, target_id, evaluator = submitted(app, login)
    reviewer = login("reviewer")
    _response, code = sign(reviewer, campaign_id, target_id)
    with app.app_context():
        row = db.session.scalar(select(IndicatorFacts).join(ScoreSheet).where(
            ScoreSheet.target_id == target_id, IndicatorFacts.indicator_id == 8))
        row.facts = {"points": 0}
        db.session.commit()
    page = reviewer.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert 'class="fs-4 js-total">91<' in page and "签字后数据已变化" in page
    assert "指标8：签字时 1.5 → 现在 0" in page and "总分：签字时 91 → 现在 89.5" in page
    assert "-".join(code[i:i + 4] for i in (0, 4, 8)).upper() in page
    assert "签字后数据已变化" not in evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    report = reviewer.get(f"/campaigns/{campaign_id}/targets/{target_id}/report").get_data(as_text=True)
    assert 'class="total-score">91<' in report
    unlocked = post(reviewer, campaign_id, target_id, "unlock", reason="采用更正后的数据")
    assert unlocked.status_code == 302
    assert 'class="fs-4 js-total">89.5<' in reviewer.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)


@pytest.mark.slow  # fills and signs a whole sheet (1.8 s)
def test_history_page_and_the_verification_page(app, login):
    campaign_id, target_id, evaluator = submitted(app, login)
    reviewer = login("reviewer")
    _response, code = sign(reviewer, campaign_id, target_id)
    printed = "-".join(code[i:i + 4] for i in (0, 4, 8)).upper()
    found = evaluator.get(f"/verify?code={printed.lower().replace('-', ' ')}")
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and "有效" in page and "凉州区" in page and "李审核" in page
    assert "91 分" in page and "武威市2020年政务公开工作考评（县区）" in page
    assert post(reviewer, campaign_id, target_id, "unlock", reason="县区补充材料").status_code == 302
    stale = evaluator.get(f"/verify?code={code}").get_data(as_text=True)
    assert "已失效" in stale and "凉州区" in stale
    unknown = evaluator.get("/verify?code=0123-4567-89AB")
    assert unknown.status_code == 404 and "不存在" in unknown.get_data(as_text=True)
    assert evaluator.get("/verify").status_code == 200
    history = evaluator.get(f"{sheet_url(campaign_id, target_id)}/history").get_data(as_text=True)
    kinds = re.findall(r'data-kind="(\w+)"', history)
    assert kinds == ["submit", "sign", "unlock"] and printed in history and "县区补充材料" in history
    assert "<td>91</td>" in history  # what was signed
    assert review_events(app, campaign_id, target_id)[1:] == [("sign", "reviewer", ""),
                                                              ("unlock", "reviewer", "县区补充材料")]


@pytest.mark.slow  # fills and signs a whole sheet (1.5 s)
def test_review_records_cannot_be_changed(app, login):
    import pytest

    from tracker.extensions import db
    from tracker.scoring.models import ReviewEvent

    campaign_id, target_id, _evaluator = submitted(app, login)
    with app.app_context():
        event = db.session.scalar(select(ReviewEvent))
        event.reason = "改写历史"
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(ReviewEvent)))
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.flush()
        db.session.rollback()
    assert review_events(app, campaign_id, target_id) == [("submit", "evaluator", "")]


def test_the_verification_page_takes_any_typing(app, login):
    browser = login("evaluator")
    for typed in ("\x00" * 12, "zzzz-zzzz-zzzz", "%ff", "1" * 5000, "３Ｆ２Ａ"):
        response = browser.get("/verify", query_string={"code": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 404 and "不存在" in page and 'name="code"' in page  # the form, again


@pytest.mark.slow  # fills a whole sheet (1.7 s)
def test_evidence_is_deleted_in_draft_and_refused_while_submitted(app, login):
    from tracker.extensions import db
    from tracker.core.files import Attachment
    from tracker.scoring.models import Evidence

    campaign_id, (target_id,) = make_campaign(app)
    evaluator = login("evaluator")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)
    for note in ("旧截图", "首页截图"):
        added = post(evaluator, campaign_id, target_id, "indicators/1/evidence", note=note,
                     file=(io.BytesIO(PNG), f"{note}.png"))
        assert added.status_code == 302
    with app.app_context():
        first, second = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
        first_id, second_id, stored = first.id, second.id, db.session.get(Attachment, first.attachment_id).stored_name
    from tracker.core import files

    with app.app_context():
        path = files.upload_dir() / stored
    assert path.is_file()
    assert post(evaluator, campaign_id, target_id, f"evidence/{first_id}/delete").status_code == 302
    assert not path.exists()
    assert post(evaluator, campaign_id, target_id, "submit").status_code == 302
    refused = post(evaluator, campaign_id, target_id, f"evidence/{second_id}/delete")
    assert refused.status_code == 409 and "已提交待审核" in refused.get_data(as_text=True)
    missing = post(evaluator, campaign_id, target_id, f"evidence/{first_id}/delete")
    assert missing.status_code == 404
    with app.app_context():
        assert [e.note for e in db.session.scalars(select(Evidence))] == ["首页截图"]
        assert db.session.scalar(select(Attachment.id).where(Attachment.stored_name == stored)) is None
