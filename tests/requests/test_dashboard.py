"""The 今日工作 phone list: tests still open, cut at the list limit, counted in full per target."""
from __future__ import annotations

import re

from .test_views import frozen_now, make_request, phone_request, setup  # noqa: F401 — fixtures


def per_target_phone_counts(page: str) -> dict[str, str]:
    table = re.search(r'<table[^>]*id="per-target".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr><td>(\S+) <small.*?</small></td><td>(\d*)</td>", table, re.S)
    return dict(rows)


def test_phone_list_is_cut_at_the_limit_and_counted_in_full(app, login, setup, frozen_now, monkeypatch):
    from tracker.main import dashboard

    monkeypatch.setattr(dashboard, "LIST_LIMIT", 3)
    waiting = [phone_request(app, setup) for _ in range(4)]  # 凉州区: no call yet
    minqin = {"target": "minqin", "channel": "phone", "purpose": "18", "phone": {"question": "预算公开在哪里？"}}
    over, sunday_only = make_request(app, setup, **minqin), make_request(app, setup, **minqin)
    evaluator = login("evaluator")
    # Yesterday (a working day) in office hours: that test day is over. On a Sunday: not yet begun.
    for request_id, at in ((over, "2020-09-01T10:00"), (sunday_only, "2020-08-30T10:00")):
        response = evaluator.post(f"/requests/{request_id}/attempts", data={"at": at, "connected": "false"})
        assert response.status_code == 302

    page = login("admin").get("/?scope=all").get_data(as_text=True)
    phone_list = re.search(r'id="phone-tests".*?</ul>', page, re.S).group(0)
    shown = [int(ident) for ident in re.findall(r'href="/requests/(\d+)"', phone_list)]
    assert shown == sorted(waiting + [sunday_only])[:3]
    assert over not in shown
    assert per_target_phone_counts(page) == {"凉州区": "4", "民勤县": "1"}


# ---------------------------------------------------------------------------- issue 18: what the lists hide

OVERDUE = {"channel": "online", "purpose": "16", "submitted_at": "2020-07-01T10:00:00+08:00",
           "online": {"window_active": True, "accepted": True, "confirmed_on": "2020-07-01"}}


def _status(app, request_id):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        return db.session.get(MockRequest, request_id).status


def _card(page: str, element_id: str) -> str:
    return re.search(rf'<div class="card-header[^"]*">((?:(?!</div>).)*)</div>\s*<ul[^>]*id="{element_id}"', page,
                     re.S).group(1)


def test_lists_show_their_true_length_and_link_to_all_of_it(app, login, setup, frozen_now, monkeypatch):
    from tracker.main import dashboard

    monkeypatch.setattr(dashboard, "LIST_LIMIT", 2)
    for _ in range(3):
        make_request(app, setup, **OVERDUE)
    page = login("admin").get("/?scope=all").get_data(as_text=True)
    header = _card(page, "overdue")
    assert "显示 2 / 共 3" in header
    assert f'href="/campaigns/{setup["campaign"]}/requests?status=overdue"' in header


def test_paused_and_not_yet_received_requests_are_listed(app, login, setup, frozen_now):
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    paused = make_request(app, setup, **(OVERDUE | {"submitted_at": "2020-08-25T10:00:00+08:00",
                                                   "online": {"confirmed_on": "2020-08-25"}}))
    with app.app_context():
        ops.add_event(None, db.session.get(MockRequest, paused), {"type": "consultation_started", "on": "2020-08-28"})
        db.session.commit()
    waiting = make_request(app, setup, channel="mail", purpose="19.2", submitted_at="2020-08-20T10:00:00+08:00",
                           letter={"posted_on": "2020-08-20", "returned": True})
    assert (_status(app, paused), _status(app, waiting)) == ("paused", "not_received")
    page = login("admin").get("/?scope=all").get_data(as_text=True)
    assert f'href="/requests/{paused}"' in re.search(r'id="paused".*?</ul>', page, re.S).group(0)
    assert f'href="/requests/{waiting}"' in re.search(r'id="not-received".*?</ul>', page, re.S).group(0)


def test_the_dashboard_shows_one_campaign_at_a_time(app, login, setup, frozen_now, users):
    from tracker.campaigns import operations as campaigns
    from tracker.extensions import db

    make_request(app, setup, **OVERDUE)
    with app.app_context():
        newer = campaigns.create_campaign(None, {"name": "2021年考评", "year": 2021, "rubric_code": "wuwei-2020-county",
                                                 "member_ids": [u.id for u in users.values()]})
        campaigns.create_target(None, newer, {"key": "gl", "name": "古浪县"})
        hidden = campaigns.create_campaign(None, {"name": "外组考评", "year": 2022, "rubric_code": "wuwei-2020-county"})
        db.session.commit()
        newer_id, hidden_id = newer.id, hidden.id
    evaluator = login("evaluator")
    default = evaluator.get("/?scope=all").get_data(as_text=True)
    assert f'<option value="{newer_id}" selected>' in default and "外组考评" not in default
    assert "凉州区" not in re.search(r'id="overdue".*?</ul>', default, re.S).group(0)
    everything = evaluator.get("/?scope=all&campaign=all").get_data(as_text=True)
    assert "凉州区" in re.search(r'id="overdue".*?</ul>', everything, re.S).group(0)
    chosen = evaluator.get(f"/?scope=all&campaign={setup['campaign']}").get_data(as_text=True)
    assert "凉州区" in re.search(r'id="overdue".*?</ul>', chosen, re.S).group(0)
    assert evaluator.get(f"/?campaign={hidden_id}").status_code == 404


def test_a_request_is_found_by_its_number_and_the_list_remembers_its_filters(app, login, setup):
    voided = make_request(app, setup, key="GL-19-2", **OVERDUE)
    other = make_request(app, setup, key="LZ-16-1", **OVERDUE)
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    with app.app_context():
        ops.void_request(None, db.session.get(MockRequest, voided), "重复登记")
        db.session.commit()
    evaluator = login("evaluator")
    found = evaluator.get(f"/campaigns/{setup['campaign']}/requests?key=gl-19").get_data(as_text=True)
    assert f'href="/requests/{voided}"' in found and f'href="/requests/{other}"' not in found
    assert evaluator.get(f"/campaigns/{setup['campaign']}/requests?key=%25").get_data(as_text=True).count(
        'href="/requests/') == 0  # % is a character here, not a wildcard
    evaluator.get(f"/campaigns/{setup['campaign']}/requests?channel=online&status=overdue")
    page = evaluator.get(f"/requests/{other}").get_data(as_text=True)
    back = re.search(r'href="([^"]*)">返回列表', page).group(1)
    assert "channel=online" in back and "status=overdue" in back


def test_the_request_page_says_whether_the_reply_is_normative_and_why(app, login, setup):
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    request_id = make_request(app, setup, **(OVERDUE | {"submitted_at": "2020-09-01T10:00:00+08:00",
                                                       "online": {"confirmed_on": "2020-09-01"}}))
    with app.app_context():
        ops.save_reply(None, db.session.get(MockRequest, request_id), {
            "outcome": "withheld", "dispatched_on": "2020-09-10", "fee_charged": "10", "remedy_notice": True})
        db.session.commit()
    page = login("evaluator").get(f"/requests/{request_id}").get_data(as_text=True)
    verdict = re.search(r'<div class="alert alert-danger reply-verdict".*?</div>', page, re.S).group(0)
    assert "答复不规范" in verdict and "10 元" in verdict and "理由" in verdict
    assert "按期答复" not in verdict.split("：", 1)[1]  # the shortcomings, not the clock's good news
    assert "（模拟申请不应收费）" in page


def test_the_verdict_holds_the_reply_to_its_purpose_and_counts_a_fee_notice(app, login, setup):
    """Seen in the first week: a 19(3) request (information that is withheld) answered "already public",
    route told, on time, free, was called 规范答复 while its sheet gave 19(3) nothing; a fee asked by a
    收费通知 was missing from the verdict."""
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    answered = OVERDUE | {"submitted_at": "2020-09-01T10:00:00+08:00", "online": {"confirmed_on": "2020-09-01"}}
    withheld = make_request(app, setup, **(answered | {"purpose": "19.3"}))
    fee_asked = make_request(app, setup, **(answered | {"purpose": "19.1"}))
    with app.app_context():
        for request_id in (withheld, fee_asked):
            ops.save_reply(None, db.session.get(MockRequest, request_id), {
                "outcome": "already_public", "dispatched_on": "2020-09-10", "told_route": True})
        ops.add_event(None, db.session.get(MockRequest, fee_asked), {"type": "fee_notified", "on": "2020-09-03",
                                                                     "amount": "20"})
        ops.add_event(None, db.session.get(MockRequest, fee_asked), {"type": "fee_paid", "on": "2020-09-04"})
        db.session.commit()
    evaluator = login("evaluator")
    page = evaluator.get(f"/requests/{withheld}").get_data(as_text=True)
    verdict = re.search(r'<div class="alert [^"]*reply-verdict".*?</div>', page, re.S).group(0)
    assert "答复不规范" in verdict and "19(3)" in verdict and "说明理由" in verdict
    page = evaluator.get(f"/requests/{fee_asked}").get_data(as_text=True)
    verdict = re.search(r'<div class="alert [^"]*reply-verdict".*?</div>', page, re.S).group(0)
    assert "答复不规范" in verdict and "收费通知 20 元" in verdict


def test_due_soon_is_the_reminder_horizon_of_the_reader(app, login, setup, frozen_now):
    """即将到期 on the dashboard and the due-soon email agree: within the user's reminder horizon
    (remind_working_days, else TRACKER_REMIND_WORKING_DAYS = 3), not a fixed five days."""
    from sqlalchemy import update

    from tracker.extensions import db
    from tracker.users.models import User

    due_in_four = make_request(app, setup, **(OVERDUE | {  # due Tue 8 Sep 2020; today is Wed 2 Sep
        "submitted_at": "2020-08-11T10:00:00+08:00", "online": {"accepted": True, "confirmed_on": "2020-08-11"}}))
    evaluator = login("evaluator")
    page = evaluator.get("/?scope=all").get_data(as_text=True)
    assert f'href="/requests/{due_in_four}"' not in re.search(r'id="due-soon".*?</ul>', page, re.S).group(0)
    assert "3 个工作日内" in _card(page, "due-soon")
    with app.app_context():
        db.session.execute(update(User).where(User.username == "evaluator").values(remind_working_days=5))
        db.session.commit()
    page = evaluator.get("/?scope=all").get_data(as_text=True)
    assert f'href="/requests/{due_in_four}"' in re.search(r'id="due-soon".*?</ul>', page, re.S).group(0)
    assert "due_within=5" in _card(page, "due-soon") and "5 个工作日内" in _card(page, "due-soon")


def test_see_all_of_the_paused_card_lists_the_fee_pauses_too(app, login, setup, frozen_now):
    """暂停计时 counts consultations and unpaid fee notices; its 查看全部 listed the consultations only."""
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    recent = OVERDUE | {"submitted_at": "2020-08-25T10:00:00+08:00", "online": {"confirmed_on": "2020-08-25"}}
    consulting, fee_unpaid = make_request(app, setup, **recent), make_request(app, setup, **recent)
    with app.app_context():
        ops.add_event(None, db.session.get(MockRequest, consulting), {"type": "consultation_started", "on": "2020-08-27"})
        ops.add_event(None, db.session.get(MockRequest, fee_unpaid), {"type": "fee_notified", "on": "2020-08-27",
                                                                      "amount": "5"})
        db.session.commit()
    evaluator = login("evaluator")
    card = _card(evaluator.get(f"/?scope=all&campaign={setup['campaign']}").get_data(as_text=True), "paused")
    assert "（2）" in card
    link = re.search(r'href="([^"]+)">查看全部', card).group(1).replace("&amp;", "&")
    listed = evaluator.get(link).get_data(as_text=True)
    assert "共 2 件" in listed and f'href="/requests/{consulting}"' in listed and f'href="/requests/{fee_unpaid}"' in listed


def test_see_all_of_the_phone_card_lists_the_tests_in_progress_only(app, login, setup, frozen_now):
    """电话测试（1） opened every phone request of the campaign, the finished tests among them."""
    waiting, finished = phone_request(app, setup), phone_request(app, setup)
    evaluator = login("evaluator")
    response = evaluator.post(f"/requests/{finished}/attempts", data={"at": "2020-09-01T10:00", "connected": "true"})
    assert response.status_code == 302
    card = _card(evaluator.get(f"/?scope=all&campaign={setup['campaign']}").get_data(as_text=True), "phone-tests")
    assert "（1）" in card
    link = re.search(r'href="([^"]+)">查看全部', card).group(1).replace("&amp;", "&")
    listed = evaluator.get(link).get_data(as_text=True)
    assert "共 1 件" in listed and f'href="/requests/{waiting}"' in listed and f'href="/requests/{finished}"' not in listed
