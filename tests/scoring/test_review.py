"""Submit, sign (lock), unlock and return; who may do what; the campaign's list of sheets; query counts."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from tests.scoring.helpers import (COUNTIES, DERIVED_OVERRIDES, MANUAL_FORMS, add_online_request, make_campaign,
                                   save, seen_on, sheet_status, sheet_url, sign, stored_facts)
from tests.scoring.test_sheet_entry import fill_whole_sheet


def action(browser, campaign_id, target_id, name, **data):
    return browser.post(f"{sheet_url(campaign_id, target_id)}/{name}", data=data)


@pytest.mark.slow  # fills and reviews a whole sheet (2.2 s)
def test_submit_sign_lock_unlock_cycle(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator, reviewer = login("evaluator"), login("reviewer")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)

    assert action(evaluator, campaign_id, target_id, "submit").status_code == 302
    again = action(evaluator, campaign_id, target_id, "submit")
    assert again.status_code == 400 and "已提交" in again.get_data(as_text=True)
    assert sign(reviewer, campaign_id, target_id)[0].status_code == 302
    page = reviewer.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert "已审核（锁定）" in page and "李审核" in page and "张填报" in page
    assert "填报日期" in page and "年" in page.split("审核日期</th><td>")[1][:12]

    locked = save(evaluator, campaign_id, target_id, 8, {"points": "0"})
    assert locked.status_code == 409 and "已审核锁定" in locked.get_data(as_text=True)
    evidence = evaluator.post(f"{sheet_url(campaign_id, target_id)}/indicators/8/evidence", data={"note": "x"})
    assert evidence.status_code == 409
    assert stored_facts(app, campaign_id, target_id)[8] == {"points": 1.5}
    assert "<fieldset disabled>" in evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)

    no_reason = action(reviewer, campaign_id, target_id, "unlock", reason=" ")
    assert no_reason.status_code == 400 and "原因" in no_reason.get_data(as_text=True)
    assert action(reviewer, campaign_id, target_id, "unlock", reason="县区补充了佐证材料").status_code == 302
    assert save(evaluator, campaign_id, target_id, 8, {"points": "0"}).status_code == 302
    assert stored_facts(app, campaign_id, target_id)[8] == {"points": 0}

    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "score_sheet")
                                     .order_by(AuditEntry.id)).all()
        unlock = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unlock"))
        assert actions == ["submit", "sign", "unlock"]
        assert unlock.before["status"] == "signed" and unlock.after["reason"] == "县区补充了佐证材料"


def test_submit_refused_while_incomplete_listing_the_pending(app, login):
    """Issue 14: a sheet with 28 未评 indicators could be submitted (then nobody could sign it)."""
    campaign_id, (target_id,) = make_campaign(app)
    evaluator, reviewer = login("evaluator"), login("reviewer")
    save(evaluator, campaign_id, target_id, 8, {"points": "2"})
    not_submitted = action(reviewer, campaign_id, target_id, "sign", seen="x", confirm="1")
    assert not_submitted.status_code == 400 and "须先由填报人提交" in not_submitted.get_data(as_text=True)
    refused = action(evaluator, campaign_id, target_id, "submit")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "仍有未评指标（共31项）" in body and "指标1、" in body
    assert "指标8、" not in body and "提交审核" in body
    assert sheet_status(app, campaign_id, target_id) == "draft"


@pytest.mark.slow  # fills and reviews a whole sheet (2.4 s)
def test_signing_what_changed_since_the_reviewer_looked_is_refused(app, login):
    """Reviewer A opens the submitted sheet; B returns it, the evaluator changes a score and
    resubmits; A's sign from the page opened before is a conflict, and signs once A reloads."""
    campaign_id, (target_id,) = make_campaign(app)
    evaluator, first, second = login("evaluator"), login("reviewer"), login("admin")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)
    assert action(evaluator, campaign_id, target_id, "submit").status_code == 302
    stale = seen_on(first, campaign_id, target_id)
    assert action(second, campaign_id, target_id, "return", reason="指标8再核").status_code == 302
    assert save(evaluator, campaign_id, target_id, 8, {"points": "0"}).status_code == 302
    assert action(evaluator, campaign_id, target_id, "submit").status_code == 302

    refused = action(first, campaign_id, target_id, "sign", seen=stale)  # the confirmation step checks too
    assert refused.status_code == 409 and "有了变化" in refused.get_data(as_text=True)
    refused = action(first, campaign_id, target_id, "sign", seen=stale, confirm="1")
    assert refused.status_code == 409 and "有了变化" in refused.get_data(as_text=True)
    assert "已审核（锁定）" not in first.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    assert sign(first, campaign_id, target_id)[0].status_code == 302
    assert "已审核（锁定）" in first.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)


@pytest.mark.slow  # fills and reviews a whole sheet (2.5 s)
def test_return_needs_a_reason_and_reopens_the_sheet(app, login):
    campaign_id, (target_id,) = make_campaign(app)
    evaluator, reviewer = login("evaluator"), login("reviewer")
    fill_whole_sheet(app, evaluator, campaign_id, target_id)
    assert action(evaluator, campaign_id, target_id, "submit").status_code == 302
    assert action(reviewer, campaign_id, target_id, "return").status_code == 400
    assert action(reviewer, campaign_id, target_id, "return", reason="指标10缺佐证").status_code == 302
    assert "提交审核" in evaluator.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)


def test_roles(app, login, client):
    campaign_id, (target_id,) = make_campaign(app)
    reviewer, evaluator = login("reviewer"), login("evaluator")
    base = sheet_url(campaign_id, target_id)
    assert reviewer.get(base).status_code == 200
    assert "<fieldset disabled>" in reviewer.get(base).get_data(as_text=True)
    assert save(reviewer, campaign_id, target_id, 8, {"points": "1"}, version="0").status_code == 403
    assert reviewer.post(f"{base}/indicators/8/evidence", data={"note": "x"}).status_code == 403
    assert reviewer.post(f"{base}/preview", data={"indicator": "8"}).status_code == 403
    assert reviewer.post(f"{base}/submit").status_code == 403
    assert reviewer.post(f"/campaigns/{campaign_id}/sheets/import").status_code == 403
    for name in ("sign", "unlock", "return"):
        assert evaluator.post(f"{base}/{name}", data={"reason": "x"}).status_code == 403
    assert client.get(base).status_code == 302  # anonymous → login
    assert stored_facts(app, campaign_id, target_id) == {}


def test_campaign_sheet_list_shows_totals_and_status(app, login):
    campaign_id, target_ids = make_campaign(app, 2)
    evaluator = login("evaluator")
    save(evaluator, campaign_id, target_ids[0], 9, {"passed": "true"})
    page = evaluator.get(f"/campaigns/{campaign_id}/sheets").get_data(as_text=True)
    assert "凉州区" in page and "民勤县" in page
    assert '<td class="text-end fw-bold">3</td>' in page and "1 / <span" in page
    assert f"/campaigns/{campaign_id}/targets/{target_ids[1]}/sheet" in page
    detail = evaluator.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "评分汇总" in detail and "评分表" in detail


@contextmanager
def counted(app):
    from tracker.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def grow(app, browser, campaign_id, target_ids, requests_per_target, tag):
    for target_id, (key, _name) in zip(target_ids, COUNTIES, strict=False):
        for number in range(requests_per_target):
            add_online_request(app, campaign_id, key, key=f"{key}-16-{tag}{number}")
        for indicator_id in (1, 8, 10):
            form = MANUAL_FORMS[indicator_id][0]
            save(browser, campaign_id, target_id, indicator_id, form)
            browser.post(f"{sheet_url(campaign_id, target_id)}/indicators/{indicator_id}/evidence",
                         data={"url": "https://example.org/", "note": "佐证"})


@pytest.mark.slow  # fills a whole sheet (1.3 s)
def test_sheet_and_list_pages_issue_a_fixed_number_of_statements(app, login):
    campaign_id, target_ids = make_campaign(app, 4)
    evaluator = login("evaluator")
    grow(app, evaluator, campaign_id, target_ids[:1], 1, "a")
    pages = (sheet_url(campaign_id, target_ids[0]), f"/campaigns/{campaign_id}/sheets")
    small = {}
    for url in pages:
        evaluator.get(url)
        with counted(app) as statements:
            assert evaluator.get(url).status_code == 200
        small[url] = len(statements)
    grow(app, evaluator, campaign_id, target_ids, 3, "b")
    for url in pages:
        evaluator.get(url)
        with counted(app) as statements:
            assert evaluator.get(url).status_code == 200
        assert len(statements) == small[url], (url, small[url], statements)


def test_derived_overrides_are_listed_in_the_constants():
    assert set(DERIVED_OVERRIDES) == {17, 18, 19, 20, 21, 22}
