"""The request pages, through the test client: forms, deadline box, phone protocol, replies, roles."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

TARGET = {"key": "liangzhou", "name": "凉州区", "apply_url": "https://www.lzq.gov.cn/apply",
          "address": "凉州区东大街1号", "legal_representative": "王区长", "guide_phone": "0935-2211000",
          "office_hours": "08:30-12:00, 14:30-18:00"}


@pytest.fixture
def setup(app, users):
    """A campaign with two targets; returns their ids (no app context stays pushed)."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("武威市2020年政务公开工作考评（县区）")
        first = make.target(campaign, **TARGET)
        second = make.target(campaign, "minqin", "民勤县")
        db.session.commit()
        return {"campaign": campaign.id, "target": first.id, "other": second.id}


def make_request(app, setup, **data):
    """A request created straight through the operations (for tests about other things)."""
    from tests import factories as make
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        campaign = db.session.get(Campaign, setup["campaign"])
        row = make.request(campaign, {"target": data.pop("target", "liangzhou"), "owner": "evaluator"} | data)
        db.session.commit()
        return row.id


def load(app, request_id):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        db.session.expunge(row)
        return row


def count_requests(app) -> int:
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(MockRequest))


def new_url(setup, channel, purpose):
    return f"/campaigns/{setup['campaign']}/requests/new?target={setup['target']}&channel={channel}&purpose={purpose}"


def post_new(browser, setup, channel, purpose, **fields):
    data = {"target": setup["target"], "channel": channel, "purpose": purpose, "owner": "evaluator"} | fields
    return browser.post(f"/campaigns/{setup['campaign']}/requests/new", data=data)


ONLINE_2020 = {"channel": "online", "purpose": "16", "submitted_at": "2020-09-22T10:00:00+08:00",
               "online": {"confirmed_on": "2020-09-22"}}


# ---------------------------------------------------------------------------- creating

def test_choose_step_then_channel_form_prefilled_from_target(login, setup):
    evaluator = login("evaluator")
    choose = evaluator.get(f"/campaigns/{setup['campaign']}/requests/new")
    assert choose.status_code == 200 and "申请目的" in choose.get_data(as_text=True)
    online = evaluator.get(new_url(setup, "online", "16")).get_data(as_text=True)
    assert "https://www.lzq.gov.cn/apply" in online and 'name="online.window_active"' in online
    assert 'name="letter.addressee"' not in online
    mail = evaluator.get(new_url(setup, "mail", "20")).get_data(as_text=True)
    assert "王区长" in mail and 'value="重要部署申请"' in mail
    oral = evaluator.get(new_url(setup, "oral", "17")).get_data(as_text=True)
    assert "凉州区东大街1号" in oral


@pytest.mark.parametrize(("channel", "purpose", "fields", "column", "expected"), [
    ("online", "16", {"online.url": "https://www.lzq.gov.cn/apply", "online.window_active": "true",
                      "online.accepted": "false", "online.confirmed_on": "2020-09-22"},
     "online_accepted", False),
    ("oral", "17", {"oral.place": "政务大厅", "oral.filled_in_for_applicant": "true",
                    "oral.procedure_explained": "", "oral.declined_with_reason": "false"},
     "oral_procedure_explained", None),
    ("phone", "18", {"phone.question": "2019年财政预算在哪里公开？"}, "phone_question", "2019年财政预算在哪里公开？"),
    ("mail", "20", {"letter.addressee": "王区长", "letter.marked": "重要部署申请", "letter.posted_on": "2020-09-01",
                    "letter.tracking_number": "EA123456785CN", "letter.delivered_on": "2020-09-03"},
     "letter_delivered_on", "2020-09-03"),
])
def test_create_each_channel_through_the_form(app, login, setup, channel, purpose, fields, column, expected):
    evaluator = login("evaluator")
    response = post_new(evaluator, setup, channel, purpose, subject="申请公开2020年重点工作落实情况",
                        submitted_at="2020-09-01T10:00", **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    request_id = int(response.headers["Location"].rsplit("/", 1)[1])
    row = load(app, request_id)
    assert (row.channel, row.purpose) == (channel, purpose)
    value = getattr(row, column)
    assert (value.isoformat() if hasattr(value, "isoformat") else value) == expected
    assert row.key.startswith("liangzhou-") and row.owner_id is not None
    detail = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert row.key in detail and "2020年9月1日 10:00" in detail


def test_purpose_channel_mismatch_is_refused_naming_the_field(app, login, setup):
    evaluator = login("evaluator")
    response = post_new(evaluator, setup, "phone", "20", **{"phone.question": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<strong>申请目的</strong>" in page and "只能通过信函渠道" in page
    assert count_requests(app) == 0


def test_bad_date_in_form_names_the_field_and_keeps_the_input(app, login, setup):
    evaluator = login("evaluator")
    response = post_new(evaluator, setup, "online", "16", subject="保留我的输入",
                        **{"online.confirmed_on": "2020-13-45"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "online.confirmed_on" in page and "保留我的输入" in page
    assert count_requests(app) == 0


# ---------------------------------------------------------------------------- detail and deadline

def test_detail_shows_due_date_and_explanation_steps(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    page = login("reviewer").get(f"/requests/{request_id}").get_data(as_text=True)
    assert "2020年9月22日" in page and "2020年10月26日" in page
    assert "答复期限是怎么算出来的" in page and "收到申请之日" in page
    assert "国庆节" in page  # the holidays skipped are listed
    assert "逾期未答复" in page and "已逾期" in page


def test_clarification_event_changes_the_status(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    response = evaluator.post(f"/requests/{request_id}/events",
                              data={"type": "clarification_requested", "on": "2020-09-24", "note": "要求补正"})
    assert response.status_code == 302
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "等待补正" in page and "要求补正" in page
    assert load(app, request_id).status == "awaiting_clarification"
    bad = evaluator.post(f"/requests/{request_id}/events", data={"type": "extended", "on": "2020-10-20"})
    assert bad.status_code == 400 and "working_days" in bad.get_data(as_text=True)


def test_delete_event_restores_the_clock(app, login, setup):
    from tracker.extensions import db
    from tracker.requests.models import RequestEvent

    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    evaluator.post(f"/requests/{request_id}/events", data={"type": "clarification_requested", "on": "2020-09-24"})
    with app.app_context():
        event_id = db.session.scalar(select(RequestEvent.id))
    assert evaluator.post(f"/requests/{request_id}/events/{event_id}/delete").status_code == 302
    assert load(app, request_id).status == "overdue"


@pytest.mark.parametrize(("dispatched", "status", "label"), [
    ("2020-10-20", "replied_on_time", "按期答复"),
    ("2020-10-30", "replied_late", "逾期答复"),
])
def test_reply_decides_on_time_or_late(app, login, setup, dispatched, status, label):
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    form = evaluator.get(f"/requests/{request_id}/reply").get_data(as_text=True)
    assert 'data-required="told_route"' in form and "requests.js" in form
    response = evaluator.post(f"/requests/{request_id}/reply", data={
        "outcome": "already_public", "dispatched_on": dispatched, "told_route": "true", "fee_charged": "0"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert load(app, request_id).status == status
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert label in page and "已主动公开" in page
    version = re.search(r'/reply/delete".*?name="version" value="(\d+)"', page, re.S).group(1)
    assert evaluator.post(f"/requests/{request_id}/reply/delete", data={"version": version}).status_code == 302
    assert load(app, request_id).status == "overdue"


def test_reply_without_dates_names_the_field(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    response = login("evaluator").post(f"/requests/{request_id}/reply", data={"outcome": "not_held"})
    assert response.status_code == 400 and "dispatched_on" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- phone protocol

@pytest.fixture
def frozen_now(app, monkeypatch):
    """The pages' "now" (the phone guidance, the one-click attempt) fixed at 2020-09-02 09:30 Beijing."""
    from datetime import datetime

    from tracker.law.workdays import BEIJING

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2020, 9, 2, 9, 30, tzinfo=BEIJING))


@pytest.fixture
def evening_now(app, monkeypatch):
    """The same day at 17:00: the day's calls entered after the fact are all in the past (none may lie in
    the future), and the office is still open."""
    from datetime import datetime

    from tracker.law.workdays import BEIJING

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2020, 9, 2, 17, 0, tzinfo=BEIJING))


def phone_request(app, setup):
    return make_request(app, setup, channel="phone", purpose="18", phone={"question": "预算公开在哪里？"})


def test_three_misses_complete_the_test_and_a_fourth_is_refused(app, login, setup, evening_now):
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    first = evaluator.post(f"/requests/{request_id}/attempts", data={"at": "2020-09-02T09:10", "connected": "false"})
    assert first.status_code == 302
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "第2次（共3次）：请今天18:00前再拨打" in page
    for at in ("2020-09-02T10:05", "2020-09-02T11:20"):
        response = evaluator.post(f"/requests/{request_id}/attempts", data={"at": at, "connected": "false"})
        assert response.status_code == 302
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "测试已完成：3次有效拨打均未接通" in page and "第3次" in page
    fourth = evaluator.post(f"/requests/{request_id}/attempts", data={"at": "2020-09-02T15:00", "connected": "false"})
    assert fourth.status_code == 400
    assert "不能登记第4次" in fourth.get_data(as_text=True)
    assert len(load_attempts(app, request_id)) == 3


def load_attempts(app, request_id):
    from tracker.extensions import db
    from tracker.requests.models import PhoneAttempt

    with app.app_context():
        return db.session.scalars(select(PhoneAttempt).where(PhoneAttempt.request_id == request_id)).all()


def test_attempt_outside_office_hours_is_flagged(app, login, setup, evening_now):
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    response = evaluator.post(f"/requests/{request_id}/attempts", data={"at": "2020-09-02T12:30", "connected": "false"})
    assert response.status_code == 302
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "不计：不在办公时间" in page and "第1次（共3次）" in page
    attempt_id = load_attempts(app, request_id)[0].id
    assert evaluator.post(f"/requests/{request_id}/attempts/{attempt_id}/delete").status_code == 302
    assert load_attempts(app, request_id) == []


def test_one_click_attempt_records_now(app, login, setup, frozen_now):
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    response = evaluator.post(f"/requests/{request_id}/attempts", data={"at_now": "1", "connected": "true"})
    assert response.status_code == 302
    attempts = load_attempts(app, request_id)
    assert len(attempts) == 1 and attempts[0].connected is True
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "2020年9月2日 09:30" in page and "测试已完成：第1次拨打接通" in page


def test_phone_test_left_unfinished_on_its_day_asks_to_enter_the_rest_or_void(app, login, setup):
    """Only time has passed, no later call: the day's other calls may not be entered yet (issue 18)."""
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    evaluator.post(f"/requests/{request_id}/attempts", data={"at": "2020-09-02T09:10", "connected": "false"})
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "如当日还有拨打，请补录" in page and "请作废本次测试（作废后新建的测试才计分）" in page


@pytest.mark.parametrize("form", [
    {"at": "2020-09-02T09:31"},  # one minute after the frozen now
    {"at_date": "2020-09-02", "at_time": "09:31"},  # the "补录已拨打的电话" form: day and time apart
    {"at_date": "2020-09-03", "at_time": "09:00"},  # tomorrow
    {"at": "2020-09-02T01:31:00+00:00"},  # 09:31 Beijing, written in UTC
])
def test_a_call_entered_after_the_fact_may_not_lie_in_the_future(app, login, setup, frozen_now, form):
    request_id = phone_request(app, setup)
    version = load(app, request_id).version
    evaluator = login("evaluator")
    response = evaluator.post(f"/requests/{request_id}/attempts", data=form | {"connected": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<strong>拨打时间</strong>" in page and "拨打时间不能晚于现在" in page
    assert load_attempts(app, request_id) == [] and load(app, request_id).version == version
    # The present minute itself is a call already made.
    same_minute = evaluator.post(f"/requests/{request_id}/attempts",
                                 data={"at_date": "2020-09-02", "at_time": "09:30", "connected": "false"})
    assert same_minute.status_code == 302 and len(load_attempts(app, request_id)) == 1


def test_bad_attempt_time_names_the_field(app, login, setup):
    request_id = phone_request(app, setup)
    response = login("evaluator").post(f"/requests/{request_id}/attempts", data={"at": "昨天", "connected": "false"})
    assert response.status_code == 400 and "<strong>拨打时间</strong>" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- editing, conflicts, void

def test_stale_version_gets_the_conflict_and_keeps_the_first_value(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    version = load(app, request_id).version
    first, second = login("evaluator"), login("admin")
    form = {"purpose": "16", "subject": "第一次保存", "submitted_at": "2020-09-22T10:00", "version": version,
            "online.confirmed_on": "2020-09-22"}
    assert first.post(f"/requests/{request_id}/edit", data=form).status_code == 302
    response = second.post(f"/requests/{request_id}/edit", data=form | {"subject": "第二次保存"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "已被他人修改" in page and "第二次保存" in page  # the loser's input is still on the page
    assert load(app, request_id).subject == "第一次保存"


def test_tampered_version_is_a_message_not_a_500(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    response = login("evaluator").post(f"/requests/{request_id}/edit", data={"purpose": "16", "version": "abc"})
    assert response.status_code == 400 and "version" in response.get_data(as_text=True)


def test_edit_form_shows_current_values(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020 | {"subject": "现有内容"})
    page = login("evaluator").get(f"/requests/{request_id}/edit").get_data(as_text=True)
    assert "现有内容" in page and 'value="2020-09-22"' in page and 'value="2020-09-22T10:00"' in page


def test_voided_request_is_read_only_until_restored(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    missing_reason = evaluator.post(f"/requests/{request_id}/void", data={"action": "void", "reason": ""})
    assert missing_reason.status_code == 400 and "作废原因" in missing_reason.get_data(as_text=True)
    assert evaluator.post(f"/requests/{request_id}/void", data={"action": "void", "reason": "重复测试"}).status_code == 302
    assert evaluator.post(f"/requests/{request_id}/events",
                          data={"type": "clarification_requested", "on": "2020-09-24"}).status_code == 409
    assert evaluator.get(f"/requests/{request_id}/edit").status_code == 409
    assert "已作废" in evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert evaluator.post(f"/requests/{request_id}/void", data={"action": "restore"}).status_code == 302
    assert load(app, request_id).voided is False


def test_reviewer_may_view_but_not_change(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    reviewer = login("reviewer")
    assert reviewer.get(f"/requests/{request_id}").status_code == 200
    assert reviewer.get(f"/campaigns/{setup['campaign']}/requests").status_code == 200
    posts = [f"/campaigns/{setup['campaign']}/requests/new"] + [
        f"/requests/{request_id}/{path}" for path in ("edit", "void", "events", "events/1/delete", "attempts",
                                                      "attempts/1/delete", "reply", "reply/delete", "attachments")]
    for url in posts:
        assert reviewer.post(url, data={"reason": "x"}).status_code == 403, url
    assert reviewer.get(f"/requests/{request_id}/reply").status_code == 403


def test_post_without_csrf_token_is_refused(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    response = evaluator.client.post(f"/requests/{request_id}/void", data={"reason": "x"})
    assert response.status_code == 400
    assert load(app, request_id).voided is False


# ---------------------------------------------------------------------------- the list

def test_list_filters_and_shows_overdue(app, login, setup):
    overdue = make_request(app, setup, key="LZ-16", **ONLINE_2020)
    make_request(app, setup, key="MQ-17", target="minqin", channel="oral", purpose="17",
                 submitted_at="2020-09-01T10:00:00+08:00")
    make_request(app, setup, key="LZ-18", channel="phone", purpose="18")
    voided = make_request(app, setup, key="LZ-21", channel="oral", purpose="21",
                          submitted_at="2020-09-01T10:00:00+08:00")
    evaluator = login("evaluator")
    evaluator.post(f"/requests/{voided}/void", data={"reason": "作废测试"})
    base = f"/campaigns/{setup['campaign']}/requests"
    page = evaluator.get(base).get_data(as_text=True)
    assert "LZ-16" in page and "MQ-17" in page and "LZ-18" in page and "LZ-21" not in page
    assert "已逾期" in page and "2020年10月26日" in page
    assert page.index("MQ-17") < page.index("LZ-16") < page.index("LZ-18")  # due date, nulls last
    assert "LZ-21" in evaluator.get(base + "?show_voided=1").get_data(as_text=True)
    overdue_page = evaluator.get(base + "?status=overdue").get_data(as_text=True)
    assert "LZ-16" in overdue_page and "MQ-17" in overdue_page and "LZ-18" not in overdue_page
    by_channel = evaluator.get(base + "?channel=oral").get_data(as_text=True)
    assert "MQ-17" in by_channel and "LZ-16" not in by_channel
    by_target = evaluator.get(base + f"?target={setup['other']}").get_data(as_text=True)
    assert "MQ-17" in by_target and "LZ-16" not in by_target
    window = evaluator.get(base + "?due_from=2020-10-01&due_to=2020-10-31").get_data(as_text=True)
    assert "LZ-16" in window and "MQ-17" not in window
    assert "LZ-16" not in evaluator.get(base + "?due_within=5").get_data(as_text=True)
    owner_id = load(app, overdue).owner_id
    assert "LZ-16" in evaluator.get(base + f"?purpose=16&owner={owner_id}").get_data(as_text=True)
    assert "LZ-16" not in evaluator.get(base + f"?purpose=17&owner={owner_id}").get_data(as_text=True)


def test_list_bad_filter_names_the_field(login, setup):
    response = login("evaluator").get(f"/campaigns/{setup['campaign']}/requests?due_from=yesterday&status=zzz")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "due_from" in page and "status" in page


def test_list_query_count_does_not_grow_with_rows(app, login, setup):
    from tracker.extensions import db

    evaluator = login("evaluator")
    url = f"/campaigns/{setup['campaign']}/requests"

    def statements() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert evaluator.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    make_request(app, setup, **ONLINE_2020)
    few = statements()
    for number in range(8):
        make_request(app, setup, key=f"MORE-{number}", target="minqin" if number % 2 else "liangzhou",
                     **ONLINE_2020)
    assert statements() == few


def test_campaign_page_links_to_requests(login, setup):
    page = login("evaluator").get(f"/campaigns/{setup['campaign']}").get_data(as_text=True)
    assert f"/campaigns/{setup['campaign']}/requests" in page and "新建申请" in page


def test_reply_conflict_keeps_the_first_reply(app, login, setup):
    request_id = make_request(app, setup, **ONLINE_2020)
    evaluator = login("evaluator")
    evaluator.post(f"/requests/{request_id}/reply", data={"outcome": "not_held", "dispatched_on": "2020-10-10"})
    form = evaluator.get(f"/requests/{request_id}/reply").get_data(as_text=True)
    assert 'name="version" value="1"' in form
    reply = {"outcome": "withheld", "dispatched_on": "2020-10-12", "reasons_given": "true", "version": "1"}
    assert evaluator.post(f"/requests/{request_id}/reply", data=reply).status_code == 302
    stale = login("admin").post(f"/requests/{request_id}/reply", data=reply | {"outcome": "disclosed"})
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)
    from tracker.extensions import db
    from tracker.requests.models import Reply

    with app.app_context():
        assert db.session.scalar(select(Reply.outcome)) == "withheld"


def test_duplicate_key_names_the_field(app, login, setup):
    make_request(app, setup, key="LZ-16", **ONLINE_2020)
    response = post_new(login("evaluator"), setup, "online", "16", key="LZ-16")
    assert response.status_code == 400 and "<strong>编号</strong>" in response.get_data(as_text=True)
    assert count_requests(app) == 1


def test_new_link_per_target_preselects_the_target(login, setup):
    page = login("evaluator").get(
        f"/campaigns/{setup['campaign']}/requests/new?target={setup['other']}&change=1")
    assert page.status_code == 200
    assert f'<option value="{setup["other"]}" selected>' in page.get_data(as_text=True)
