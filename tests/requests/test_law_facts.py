"""Issue 15 through the operations, the web and the stored scores: the law's finer facts recorded,
impossible dates refused with nothing changed, unknown facts scored 未评, purpose 20's letter."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

TODAY = datetime(2020, 12, 31, 4, tzinfo=timezone.utc)  # 2020-12-31 noon in Beijing


@pytest.fixture
def world(app, users, monkeypatch):
    """A campaign, one county with a legal representative; `today` frozen at the end of 2020."""
    from tests import factories as make
    from tracker.extensions import db

    monkeypatch.setitem(app.config, "FROZEN_NOW", TODAY)
    with app.app_context():
        campaign = make.campaign("法律细节测试")
        make.target(campaign, "gl", "古浪县", legal_representative="孙某某")
        db.session.commit()
        return campaign.id


def create(app, campaign_id, data):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.requests import operations as ops

    with app.app_context():
        row = ops.create_request(None, db.session.get(Campaign, campaign_id), {"target": "gl"} | data)
        db.session.commit()
        return row.id


def refused(app, action) -> dict:
    """Run `action(row-loader)` in an app context; it must be refused; return the field errors."""
    from tracker.core.errors import ValidationError
    from tracker.extensions import db

    with app.app_context():
        with pytest.raises(ValidationError) as caught:
            action()
        db.session.rollback()
        return caught.value.errors


def count(app, table: str) -> int:
    from tracker.extensions import db

    with app.app_context():
        return db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()


LETTER_20 = {"channel": "mail", "purpose": "20", "submitted_at": "2020-09-01T10:00:00+08:00",
             "letter": {"kind": "to_other", "addressee": "孙某某县长", "marked": "重要部署申请",
                        "posted_on": "2020-09-01", "tracking_number": "EA123456785CN", "delivered_on": "2020-09-03"}}


# -- purpose 20 and letters ---------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "registered"}, "letter.kind"),
    ({"marked": ""}, "letter.marked"),
    ({"marked": "申请"}, "letter.marked"),
    ({"addressee": "古浪县政府信息公开办公室"}, "letter.addressee"),
    ({"tracking_number": "EA123456784CN"}, "letter.tracking_number"),
    ({"tracking_number": "SF1234567890"}, "letter.tracking_number"),
])
def test_purpose_20_and_tracking_numbers_are_refused_naming_the_field(app, world, change, field):
    data = LETTER_20 | {"letter": LETTER_20["letter"] | change}
    errors = refused(app, lambda: create(app, world, data))
    assert field in errors and errors[field]
    assert count(app, "requests") == 0


def test_a_courier_number_is_accepted_when_marked_as_such(app, world):
    data = LETTER_20 | {"letter": LETTER_20["letter"] | {"tracking_number": "SF1234567890",
                                                         "tracking_other_format": True}}
    assert create(app, world, data)


@pytest.mark.parametrize(("kind", "confirmed", "receipt", "status"), [
    ("to_other", "2020-09-08", "2020-09-08", "overdue"),
    ("to_other", None, "2020-09-03", "overdue"),          # 未电话确认: counts from the signature, flagged
    ("registered", "2020-09-08", "2020-09-03", "overdue"),  # a later call does not move it
])
def test_letter_kinds_decide_the_stored_receipt(app, world, kind, confirmed, receipt, status):
    from tracker.extensions import db
    from tracker.requests.law_bridge import deadline_of
    from tracker.calendar.service import current_calendar
    from tracker.requests.models import MockRequest

    purpose = "20" if kind == "to_other" else "19.2"
    letter = LETTER_20["letter"] | {"kind": kind, "confirmed_on": confirmed,
                                    "marked": "重要部署申请" if purpose == "20" else ""}
    request_id = create(app, world, LETTER_20 | {"purpose": purpose, "letter": letter})
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        assert (row.receipt_date.isoformat(), row.status, row.letter_kind) == (receipt, status, kind)
        deadline = deadline_of(row, current_calendar())
        assert ("not_confirmed_by_phone" in {f.code for f in deadline.flags}) is (kind == "to_other" and confirmed is None)
        assert "未电话确认" in " ".join(s.detail_zh for s in deadline.steps) or confirmed


# -- impossible dates: refused, nothing changed ----------------------------------------------

@pytest.mark.parametrize(("data", "field", "words"), [
    ({"channel": "online", "purpose": "16", "submitted_at": "2021-01-05T10:00:00+08:00", "online": {}},
     "submitted_at", "晚于今天"),
    ({"channel": "online", "purpose": "16", "submitted_at": "2020-09-05T10:00:00+08:00",
      "online": {"confirmed_on": "2020-09-01"}}, "online.confirmed_on", "早于提交日期"),
    ({"channel": "mail", "purpose": "19.2", "letter": {"posted_on": "2020-09-05", "delivered_on": "2020-09-03"}},
     "letter.delivered_on", "早于交寄日期"),
    ({"channel": "oral", "purpose": "17", "submitted_at": "2026-02-30T10:00", "oral": {}},
     "submitted_at", "2026年2月30日不存在"),
])
def test_impossible_request_dates_are_refused(app, world, data, field, words):
    errors = refused(app, lambda: create(app, world, data))
    assert words in errors[field]
    assert count(app, "requests") == 0


ONLINE = {"channel": "online", "purpose": "21", "submitted_at": "2020-09-01T10:00:00+08:00",
          "online": {"confirmed_on": "2020-09-01"}}


@pytest.mark.parametrize(("events", "new", "field", "words"), [
    ((), {"type": "clarified", "on": "2020-09-05"}, "on", "没有“要求补正”"),
    ((), {"type": "consultation_ended", "on": "2020-09-05"}, "on", "早于其开始日期"),
    (({"type": "consultation_started", "on": "2020-09-10"},), {"type": "consultation_ended", "on": "2020-09-08"},
     "on", "早于其开始日期"),
    ((), {"type": "extended", "on": "2020-08-20", "working_days": 5}, "on", "早于收到申请之日"),
    ((), {"type": "extended", "on": "2021-01-20", "working_days": 5}, "on", "晚于今天"),
    ((), {"type": "fee_paid", "on": "2020-09-05"}, "on", "没有“收费通知”"),
    ((), {"type": "extended", "on": "2020-02-30", "working_days": 5}, "on", "2020年2月30日不存在"),
])
def test_impossible_events_are_refused(app, world, events, new, field, words):
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    request_id = create(app, world, ONLINE)
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        for event in events:
            ops.add_event(None, row, event)
        db.session.commit()
    before = count(app, "request_events")
    errors = refused(app, lambda: ops.add_event(None, db.session.get(MockRequest, request_id), new))
    assert words in errors[field]
    assert count(app, "request_events") == before


@pytest.mark.parametrize(("reply", "field", "words"), [
    ({"dispatched_on": "2020-08-30"}, "dispatched_on", "早于收到申请之日"),
    ({"dispatched_on": "2021-01-04"}, "dispatched_on", "晚于今天"),
])
def test_impossible_reply_dates_are_refused(app, world, reply, field, words):
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    request_id = create(app, world, ONLINE)
    errors = refused(app, lambda: ops.save_reply(None, db.session.get(MockRequest, request_id),
                                                 {"outcome": "disclosed"} | reply))
    assert words in errors[field]
    assert count(app, "replies") == 0


def test_a_late_extension_notice_and_second_clarification_are_recorded_and_flagged(app, world):
    from tracker.calendar.service import current_calendar
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.law_bridge import deadline_of
    from tracker.requests.models import MockRequest

    request_id = create(app, world, ONLINE)
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        for event in ({"type": "clarification_requested", "on": "2020-09-14"}, {"type": "clarified", "on": "2020-09-15"},
                      {"type": "clarification_requested", "on": "2020-09-16"},
                      {"type": "extended", "on": "2020-11-30", "working_days": 10}):
            ops.add_event(None, row, event)
        db.session.commit()
        assert len(row.events) == 4
        flags = {f.code for f in deadline_of(row, current_calendar()).flags}
        assert {"clarification_late", "second_clarification", "extension_late_ignored"} <= flags


# -- ends of a test: abandoned, withdrawn, fees ------------------------------------------------

@pytest.mark.parametrize(("events", "status"), [
    (({"type": "clarification_requested", "on": "2020-09-04", "working_days": 10},), "abandoned"),
    (({"type": "withdrawn", "on": "2020-09-10"},), "withdrawn"),
    (({"type": "fee_notified", "on": "2020-09-10", "amount": "30"},), "abandoned"),
])
def test_a_test_ended_without_reply_scores_like_no_normative_handling(app, world, events, status):
    from tracker.calendar.service import current_calendar
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest
    from tracker.requests.scores import derive_for
    from tracker.scoring.rubric_store import get_rubric

    request_id = create(app, world, ONLINE)
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        for event in events:
            ops.add_event(None, row, event)
        db.session.commit()
        assert row.status == status
        scores = derive_for([row], get_rubric("wuwei-2020-county"), current_calendar(), TODAY.date(), TODAY)
        assert scores[21].points == 0


def test_any_fee_fails_the_normative_reply_with_the_amount(app, world):
    from tracker.calendar.service import current_calendar
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest
    from tracker.requests.scores import derive_for
    from tracker.scoring.rubric_store import get_rubric

    request_id = create(app, world, ONLINE)
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        ops.add_event(None, row, {"type": "fee_notified", "on": "2020-09-08", "amount": "25.5"})
        ops.add_event(None, row, {"type": "fee_paid", "on": "2020-09-10"})
        ops.save_reply(None, row, {"outcome": "disclosed", "dispatched_on": "2020-09-25",
                                   "provided_or_route_and_time": True})
        db.session.commit()
        assert row.status == "replied_on_time" and row.reply.form == "platform"
        score = derive_for([row], get_rubric("wuwei-2020-county"), current_calendar(), TODAY.date(), TODAY)[21]
        assert score.points == 0 and "收费通知 25.5 元" in score.explanation_zh


def test_a_phone_only_reply_is_not_a_written_reply(app, world):
    from tracker.calendar.service import current_calendar
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest
    from tracker.requests.scores import derive_for
    from tracker.scoring.rubric_store import get_rubric

    request_id = create(app, world, ONLINE)
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        ops.save_reply(None, row, {"outcome": "disclosed", "dispatched_on": "2020-09-10", "form": "phone",
                                   "provided_or_route_and_time": True})
        db.session.commit()
        score = derive_for([row], get_rubric("wuwei-2020-county"), current_calendar(), TODAY.date(), TODAY)[21]
        assert score.points == 0 and "未书面答复" in score.explanation_zh


# -- three-valued facts and purpose 20 in the stored scores -----------------------------------

@pytest.mark.parametrize(("data", "indicator", "points"), [
    ({"channel": "online", "purpose": "16", "online": {"window_active": True, "accepted": None}}, 16, None),
    ({"channel": "online", "purpose": "16", "online": {"window_active": None, "accepted": True}}, 16, None),
    ({"channel": "online", "purpose": "16", "online": {"window_active": True, "accepted": False}}, 16, 1),
    ({"channel": "oral", "purpose": "17", "oral": {"filled_in_for_applicant": True,
                                                    "procedure_explained": None}}, 17, None),
    ({"channel": "oral", "purpose": "17", "oral": {"filled_in_for_applicant": False,
                                                    "declined_with_reason": None}}, 17, None),
    ({"channel": "oral", "purpose": "17", "oral": {"filled_in_for_applicant": False, "procedure_explained": None,
                                                    "declined_with_reason": False}}, 17, 0),
])
def test_unknown_is_not_no(app, world, data, indicator, points):
    from tracker.calendar.service import current_calendar
    from tracker.extensions import db
    from tracker.requests.models import MockRequest
    from tracker.requests.scores import derive_for
    from tracker.scoring.rubric_store import get_rubric

    request_id = create(app, world, data | {"submitted_at": "2020-09-01T10:00:00+08:00"})
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        score = derive_for([row], get_rubric("wuwei-2020-county"), current_calendar(), TODAY.date(), TODAY)[indicator]
        assert score.points == points, score.explanation_zh
        if points is None:
            assert "未知" in score.explanation_zh


def test_a_letter_to_the_ogi_office_earns_nothing_for_20(app, world):
    """Data from before issue 15: a purpose-20 letter not marked, to the office — not a test of 20."""
    from tracker.calendar.service import current_calendar
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest
    from tracker.requests.scores import derive_for
    from tracker.scoring.rubric_store import get_rubric

    request_id = create(app, world, LETTER_20)
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        ops.save_reply(None, row, {"outcome": "disclosed", "dispatched_on": "2020-09-20",
                                   "provided_or_route_and_time": True})
        db.session.commit()
        rubric, calendar = get_rubric("wuwei-2020-county"), current_calendar()
        assert derive_for([row], rubric, calendar, TODAY.date(), TODAY)[20].points == 2
        db.session.execute(text("UPDATE requests SET letter_marked = '', letter_kind = 'registered'"))
        db.session.expire_all()
        row = db.session.get(MockRequest, request_id)
        score = derive_for([row], rubric, calendar, TODAY.date(), TODAY)[20]
        assert score.points is None and "重要部署申请" in score.explanation_zh


# -- documents and the web --------------------------------------------------------------------

def test_documents_are_recorded_and_refused_in_the_future(app, world, login):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    request_id = create(app, world, ONLINE)
    evaluator = login("evaluator")
    future = evaluator.post(f"/requests/{request_id}/documents", data={"kind": "acknowledgement",
                                                                        "dated_on": "2021-02-01"})
    assert future.status_code == 400 and "晚于今天" in future.get_data(as_text=True)
    assert count(app, "request_documents") == 0
    done = evaluator.post(f"/requests/{request_id}/documents", data={"kind": "fee_notice", "dated_on": "2020-09-08",
                                                                      "number": "古政公开〔2020〕3号"})
    assert done.status_code == 302
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "收费通知书" in page and "古政公开〔2020〕3号" in page
    with app.app_context():
        assert [d.kind for d in db.session.get(MockRequest, request_id).documents] == ["fee_notice"]


def test_the_forms_offer_the_new_facts(app, world, login):
    evaluator = login("evaluator")
    campaign = world
    new = evaluator.get(f"/campaigns/{campaign}/requests/new?target=1&channel=mail&purpose=20").get_data(as_text=True)
    assert 'name="letter.kind"' in new and 'value="to_other" selected' in new
    assert 'name="letter.tracking_other_format"' in new
    request_id = create(app, world, ONLINE)
    reply = evaluator.get(f"/requests/{request_id}/reply").get_data(as_text=True)
    assert 'name="form"' in reply and 'value="platform" selected' in reply
    detail = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    for words in ('name="party"', 'name="amount"', "收费通知", "撤回申请", 'id="documents"'):
        assert words in detail


def test_a_document_links_only_an_attachment_of_its_own_request(app, world):
    from tracker.extensions import db
    from tracker.requests.documents import add_document
    from tracker.core.files import Attachment
    from tracker.requests.models import MockRequest

    mine, other = create(app, world, ONLINE), create(app, world, ONLINE | {"purpose": "22"})
    with app.app_context():
        files = [Attachment(request_id=owner, original_name=f"{owner}.pdf", stored_name=f"stored-{owner}",
                            content_type="application/pdf", size=10) for owner in (mine, other)]
        db.session.add_all(files)
        db.session.commit()
        own, foreign = (f.id for f in files)
    errors = refused(app, lambda: add_document(None, db.session.get(MockRequest, mine),
                                               {"kind": "reply", "dated_on": "2020-09-20", "attachment_id": foreign}))
    assert "不是本申请的附件" in errors["attachment_id"]
    assert count(app, "request_documents") == 0
    with app.app_context():
        document = add_document(None, db.session.get(MockRequest, mine),
                                {"kind": "reply", "dated_on": "2020-09-20", "attachment_id": own})
        db.session.commit()
        assert document.attachment_id == own


def test_the_daily_run_ends_a_clarification_whose_period_ran_out(app, world, monkeypatch):
    """Stored lists (dashboard, request list) read the stored status: the daily job refreshes the waiting
    requests, so a 补正 period that ran out reads 视为放弃申请 the next day, without any edit."""
    from datetime import date

    from tracker.extensions import db
    from tracker.reminders.job import run_reminders
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2020, 12, 1, 4, tzinfo=timezone.utc))
    request_id = create(app, world, ONLINE | {"submitted_at": "2020-11-20T10:00:00+08:00",
                                              "online": {"confirmed_on": "2020-11-20"}})
    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        ops.add_event(None, row, {"type": "clarification_requested", "on": "2020-11-25", "working_days": 5})
        db.session.commit()
        assert row.status == "awaiting_clarification"
        report = run_reminders(date(2020, 12, 21))
        db.session.commit()
        assert db.session.get(MockRequest, request_id).status == "abandoned" and report.refreshed == 1
