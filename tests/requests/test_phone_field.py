"""Issue 18, the phone test in the field: calls entered after the fact, one-click calls only when a call
now counts, 是否正确告知 right after 接通, tel: links, a test split over two days offered for voiding."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from tests.requests import test_views
from tests.requests.test_views import load, load_attempts, phone_request

setup = test_views.setup  # the campaign and targets fixture of the request pages' tests


@pytest.fixture
def frozen(app, monkeypatch):
    """frozen("2020-09-03 10:00"): the pages' "now" in Beijing."""
    from tracker.law.workdays import BEIJING

    def _freeze(iso: str) -> None:
        monkeypatch.setitem(app.config, "FROZEN_NOW", datetime.fromisoformat(iso).replace(tzinfo=BEIJING))

    return _freeze


def enter_past_call(client, request_id, day, clock, connected=False, **kwargs):
    return client.post(f"/requests/{request_id}/attempts", data={
        "at_date": day, "at_time": clock, "connected": "true" if connected else "false"}, **kwargs)


def phone_card(page: str) -> str:
    return page[page.index('id="phone"'):]


def test_yesterdays_calls_entered_one_by_one_all_count(app, login, setup, frozen):
    frozen("2020-09-03 10:00")
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    assert enter_past_call(evaluator, request_id, "2020-09-02", "09:10").status_code == 302
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "本次测试作废" not in page and "请新建" not in page
    assert "如当日还有拨打，请补录" in page
    assert 'name="at_date" type="date" value="2020-09-02"' in page  # the next call is on the same day
    for clock in ("10:20", "11:30"):
        assert enter_past_call(evaluator, request_id, "2020-09-02", clock).status_code == 302
    page = evaluator.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "测试已完成：3次有效拨打均未接通" in page
    assert [a.at.strftime("%H:%M") for a in load_attempts(app, request_id)] == ["01:10", "02:20", "03:30"]  # UTC


def test_a_past_call_needs_its_date_and_time(app, login, setup, frozen):
    frozen("2020-09-03 10:00")
    request_id = phone_request(app, setup)
    response = enter_past_call(login("evaluator"), request_id, "2020-09-02", "")
    assert response.status_code == 400 and "<strong>拨打时间</strong>" in response.get_data(as_text=True)
    assert load_attempts(app, request_id) == []


@pytest.mark.parametrize("now, reason", [("2020-09-05 05:05", "不是工作日"), ("2020-09-02 05:05", "不在办公时间"),
                                         ("2020-09-02 12:30", "不在办公时间")])
def test_call_now_buttons_are_not_offered_when_a_call_would_not_count(app, login, setup, frozen, now, reason):
    frozen(now)
    request_id = phone_request(app, setup)
    page = phone_card(login("evaluator").get(f"/requests/{request_id}").get_data(as_text=True))
    assert 'name="at_now"' not in page
    assert reason in page and "补录已拨打的电话" in page


def test_call_now_buttons_are_offered_on_a_working_day_in_office_hours(app, login, setup, frozen):
    frozen("2020-09-02 09:30")
    request_id = phone_request(app, setup)
    page = phone_card(login("evaluator").get(f"/requests/{request_id}").get_data(as_text=True))
    assert 'name="at_now"' in page and "正在拨打" in page and "补录已拨打的电话" in page


def test_an_invalid_call_is_recorded_with_a_warning_not_a_green_success(app, login, setup, frozen):
    frozen("2020-09-05 05:05")  # a Saturday: a stale page's click still records what happened
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    response = evaluator.post(f"/requests/{request_id}/attempts", data={"at_now": "1", "connected": "false"},
                              follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'alert-success" role="alert">拨打记录已登记' not in page
    assert 'alert-warning" role="alert">' in page and "不计入测试：非工作日" in page
    response = enter_past_call(evaluator, request_id, "2020-09-02", "12:30", follow_redirects=True)
    assert "不计入测试：不在办公时间" in response.get_data(as_text=True)
    assert len(load_attempts(app, request_id)) == 2


def test_connected_call_asks_whether_the_answer_was_correct_first(app, login, setup, frozen):
    frozen("2020-09-02 09:30")
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    response = evaluator.post(f"/requests/{request_id}/attempts", data={"at_now": "1", "connected": "true"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#phone-answer")
    card = phone_card(evaluator.get(f"/requests/{request_id}").get_data(as_text=True))
    assert "是否正确告知" in card
    assert card.index('id="phone-answer"') < card.index("<table")  # before anything else of the card
    answered = evaluator.post(f"/requests/{request_id}/phone-answer", data={"answered_correctly": "false"})
    assert answered.status_code == 302
    assert load(app, request_id).phone_answered_correctly is False
    card = phone_card(evaluator.get(f"/requests/{request_id}").get_data(as_text=True))
    assert 'id="phone-answer"' not in card and "是否正确告知：否" in card


def test_the_answer_is_refused_before_a_connected_call(app, login, setup, frozen):
    frozen("2020-09-02 09:30")
    request_id = phone_request(app, setup)
    response = login("evaluator").post(f"/requests/{request_id}/phone-answer", data={"answered_correctly": "true"})
    assert response.status_code == 400 and "尚未接通" in response.get_data(as_text=True)
    assert load(app, request_id).phone_answered_correctly is None


def test_the_answer_is_audited(app, login, setup, frozen):
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    frozen("2020-09-02 09:30")
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    evaluator.post(f"/requests/{request_id}/attempts", data={"at_now": "1", "connected": "true"})
    evaluator.post(f"/requests/{request_id}/phone-answer", data={"answered_correctly": "true"})
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "request")
                                   .order_by(AuditEntry.id.desc())).first()
        assert "正确告知" in entry.summary


def test_guide_phone_is_a_tel_link(app, login, setup, frozen):
    frozen("2020-09-02 09:30")
    request_id = phone_request(app, setup)
    card = phone_card(login("evaluator").get(f"/requests/{request_id}").get_data(as_text=True))
    assert '<a href="tel:09352211000">0935-2211000</a>' in card


def test_calls_on_two_days_say_to_void_and_offer_it(app, login, setup, frozen):
    frozen("2020-09-03 10:00")
    request_id = phone_request(app, setup)
    evaluator = login("evaluator")
    enter_past_call(evaluator, request_id, "2020-09-02", "09:10")
    enter_past_call(evaluator, request_id, "2020-09-03", "09:10")
    card = phone_card(evaluator.get(f"/requests/{request_id}").get_data(as_text=True))
    assert "请作废本次测试（作废后新建的测试才计分）" in card
    void_form = card[card.index(f'action="/requests/{request_id}/void"'):]
    assert void_form.index("data-confirm=") < void_form.index(">")
    response = evaluator.post(f"/requests/{request_id}/void", data={"reason": "拨打分在两天"})
    assert response.status_code == 302 and load(app, request_id).voided


def test_extra_calls_in_the_explanation_carry_their_date():
    from tracker.law.phone import Attempt, evaluate_phone
    from tracker.law.workdays import BEIJING, WorkCalendar
    from tracker.requests.scores import phone_summary

    def miss(iso):
        return Attempt(datetime.fromisoformat(iso).replace(tzinfo=BEIJING), False)

    protocol = evaluate_phone([miss("2020-09-02 09:00"), miss("2020-09-05 10:00")], None, WorkCalendar())
    summary = phone_summary(protocol)
    assert summary.startswith("第1次 2020年9月2日 09:00 未接通")
    assert "另一次 2020年9月5日 10:00 未接通（不计：非工作日）" in summary


@pytest.mark.parametrize("now, offered", [("2020-09-05 05:05", False), ("2020-09-02 09:30", True)])
def test_the_dashboard_offers_one_click_calls_only_when_they_count(app, login, setup, frozen, now, offered):
    import re

    frozen(now)
    request_id = phone_request(app, setup)
    page = login("evaluator").get("/").get_data(as_text=True)
    phone_list = re.search(r'id="phone-tests".*?</ul>', page, re.DOTALL).group(0)
    assert f'href="/requests/{request_id}"' in phone_list
    assert ('name="at_now"' in phone_list) is offered
    assert ("不是工作日" in phone_list) is not offered
