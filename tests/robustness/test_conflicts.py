"""Two people edit the same record: the second gets a clear conflict (409 and a message) and the
first person's value stays. Score facts, replies (also the very first reply, and a delete after
someone else's edit) and requests, each through the real pages with the forms as rendered."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.load.htmlforms import form_posting_to
from tests.robustness.conftest import message_of

CONFLICT = "已被他人修改"


def sheet_url(world) -> str:
    return f"/campaigns/{world['campaign']}/targets/{world['target']}/sheet"


def facts_form(browser, world, indicator: int = 1) -> tuple[str, dict]:
    page = browser.get(sheet_url(world)).get_data(as_text=True)
    form = form_posting_to(page, rf"/indicators/{indicator}#")
    return form.action.split("#")[0], form.defaults()


def stored_facts(app, world, indicator: int = 1):
    from tracker.extensions import db
    from tracker.scoring.models import IndicatorFacts, ScoreSheet

    with app.app_context():
        return db.session.scalar(select(IndicatorFacts.facts).join(ScoreSheet).where(
            ScoreSheet.target_id == world["target"], IndicatorFacts.indicator_id == indicator))


def stored_reply(app, request_id: int):
    from tracker.extensions import db
    from tracker.requests.models import Reply

    with app.app_context():
        reply = db.session.scalar(select(Reply).where(Reply.request_id == request_id))
        if reply is None:
            return None
        return {"outcome": reply.outcome, "notes": reply.notes, "version": reply.version}


def audit_count(app, entity: str) -> int:
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == entity))


# ---------------------------------------------------------------------------- score facts

def test_second_save_of_the_same_score_gets_a_conflict_and_the_first_value_stays(app, login, world):
    first, second = login("evaluator"), login("admin")
    action, mine = facts_form(first, world)
    _, theirs = facts_form(second, world)
    mine.update({"item-0": "0", "note": "张填报：第1项不符合"})
    theirs.update({"item-1": "0", "note": "管理员：第2项不符合"})
    assert first.post(action, mine).status_code == 302
    before = audit_count(app, "indicator_facts")
    response = second.post(action, theirs)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert CONFLICT in message_of(page) and "您的修改未保存" in page
    assert "管理员：第2项不符合" in page  # the loser's input is kept on the page to re-apply
    facts = stored_facts(app, world)
    assert facts["note"] == "张填报：第1项不符合" and facts["items"][0] is False and facts["items"][1] is True
    assert audit_count(app, "indicator_facts") == before
    # After reloading, the second person can save on top of the first.
    action, again = facts_form(second, world)
    again.update({"item-1": "0", "note": "管理员：第2项不符合"})
    assert second.post(action, again).status_code == 302
    assert stored_facts(app, world)["items"][:2] == [False, False]


def test_two_first_saves_of_an_empty_indicator_conflict(app, login, world):
    first, second = login("evaluator"), login("admin")
    action, mine = facts_form(first, world, 2)
    _, theirs = facts_form(second, world, 2)
    assert mine["version"] == theirs["version"] == "0"
    mine.update({"item-0": "1", "item-1": "1", "note": "先保存"})
    theirs.update({"item-0": "0", "item-1": "0", "note": "后保存"})
    assert first.post(action, mine).status_code == 302
    assert second.post(action, theirs).status_code == 409
    assert stored_facts(app, world, 2) == {"items": [True, True], "note": "先保存"}


# ---------------------------------------------------------------------------- replies

def reply_form(browser, request_id: int) -> dict:
    page = browser.get(f"/requests/{request_id}/reply").get_data(as_text=True)
    return form_posting_to(page, r"^$|/reply$").defaults()


def test_second_edit_of_the_same_reply_gets_a_conflict(app, login, world):
    first, second = login("evaluator"), login("admin")
    url = f"/requests/{world['online']}/reply"
    mine, theirs = reply_form(first, world["online"]), reply_form(second, world["online"])
    mine.update({"outcome": "disclosed", "provided_or_route_and_time": "true", "notes": "第一人的修改"})
    theirs.update({"outcome": "withheld", "reasons_given": "true", "notes": "第二人的修改"})
    assert first.post(url, mine).status_code == 302
    response = second.post(url, theirs)
    assert response.status_code == 409 and CONFLICT in message_of(response.get_data(as_text=True))
    assert stored_reply(app, world["online"])["notes"] == "第一人的修改"
    assert stored_reply(app, world["online"])["outcome"] == "disclosed"


def test_two_people_registering_the_first_reply_do_not_overwrite_each_other(app, login, world):
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    with app.app_context():
        row = db.session.get(MockRequest, world["online"])
        ops.delete_reply(None, row, version=row.reply.version)
        db.session.commit()
    first, second = login("evaluator"), login("admin")
    url = f"/requests/{world['online']}/reply"
    mine, theirs = reply_form(first, world["online"]), reply_form(second, world["online"])
    base = {"dispatched_on": "2020-09-10", "received_on": "2020-09-12"}
    mine.update(base | {"outcome": "already_public", "told_route": "true", "notes": "第一人登记"})
    theirs.update(base | {"outcome": "not_held", "notes": "第二人登记"})
    assert first.post(url, mine).status_code == 302
    response = second.post(url, theirs)
    assert response.status_code == 409, "the second 'new reply' silently replaced the first"
    assert CONFLICT in message_of(response.get_data(as_text=True))
    assert stored_reply(app, world["online"])["notes"] == "第一人登记"


def test_deleting_a_reply_someone_has_just_changed_is_refused(app, login, world):
    first, second = login("evaluator"), login("admin")
    stale_detail = second.get(f"/requests/{world['online']}").get_data(as_text=True)
    delete = form_posting_to(stale_detail, r"/reply/delete$")
    mine = reply_form(first, world["online"])
    mine.update({"notes": "刚刚补充的答复内容"})
    assert first.post(f"/requests/{world['online']}/reply", mine).status_code == 302
    response = second.post(delete.action, delete.defaults())
    assert response.status_code == 409, "a reply edited by someone else vanished"
    assert stored_reply(app, world["online"])["notes"] == "刚刚补充的答复内容"
    # With the current page the delete goes through (and is audited).
    fresh = form_posting_to(second.get(f"/requests/{world['online']}").get_data(as_text=True), r"/reply/delete$")
    assert second.post(fresh.action, fresh.defaults()).status_code == 302
    assert stored_reply(app, world["online"]) is None


def test_saving_a_reply_that_was_deleted_meanwhile_is_a_conflict(app, login, world):
    first, second = login("evaluator"), login("admin")
    stale = reply_form(second, world["online"])
    delete = form_posting_to(first.get(f"/requests/{world['online']}").get_data(as_text=True), r"/reply/delete$")
    assert first.post(delete.action, delete.defaults()).status_code == 302
    stale.update({"notes": "基于旧页面的修改"})
    response = second.post(f"/requests/{world['online']}/reply", stale)
    assert response.status_code == 409
    assert stored_reply(app, world["online"]) is None


# ---------------------------------------------------------------------------- requests

def edit_form(browser, request_id: int) -> dict:
    page = browser.get(f"/requests/{request_id}/edit").get_data(as_text=True)
    return form_posting_to(page, r"^$|/edit$").defaults()


def test_second_edit_of_the_same_request_gets_a_conflict(app, login, world):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    first, second = login("evaluator"), login("admin")
    url = f"/requests/{world['online']}/edit"
    mine, theirs = edit_form(first, world["online"]), edit_form(second, world["online"])
    mine.update({"subject": "第一人改的申请内容", "online.confirmation_number": "A-1"})
    theirs.update({"subject": "第二人改的申请内容", "notes": "第二人的备注"})
    assert first.post(url, mine).status_code == 302
    response = second.post(url, theirs)
    assert response.status_code == 409 and CONFLICT in message_of(response.get_data(as_text=True))
    with app.app_context():
        row = db.session.get(MockRequest, world["online"])
        assert (row.subject, row.online_confirmation_number, row.notes) == ("第一人改的申请内容", "A-1", "")


def test_a_tampered_version_gets_a_message_not_a_500(app, login, world):
    evaluator = login("evaluator")
    data = edit_form(evaluator, world["online"]) | {"version": "abc"}
    response = evaluator.post(f"/requests/{world['online']}/edit", data)
    assert response.status_code == 400 and "版本号无效" in response.get_data(as_text=True)
    action, facts = facts_form(evaluator, world)
    for version in ("-1", "x", "99999999999999999999"):
        response = evaluator.post(action, facts | {"version": version, "note": "改动"})
        assert response.status_code in (400, 409), (version, response.status_code)
    assert stored_facts(app, world)["note"] == "原始说明"
