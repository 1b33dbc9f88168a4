"""While a county's sheet is submitted (待审核) or signed (已审核锁定), nothing that feeds it changes —
including its requests (DESIGN.md §10.1; issue 14: an evaluator changed a phone test, a reply's
content and date, and voided a request after signing, and the signed figure moved)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.conftest import ApiClient, issue_token

ONLINE = {"target": "lz", "channel": "online", "purpose": "16", "submitted_at": "2020-09-01T10:00:00+08:00",
          "online": {"window_active": True, "accepted": True, "confirmed_on": "2020-09-01"}}
PHONE = {"target": "lz", "channel": "phone", "purpose": "18", "submitted_at": "2020-09-02T09:00:00+08:00"}
REPLY = {"dispatched_on": "2020-09-20", "received_on": "2020-09-22", "outcome": "already_public",
         "told_route": True}


@pytest.fixture(params=["submitted", "signed"])
def locked(app, users, request):
    """凉州区 (sheet `status`) with an answered online request and a phone test; 民勤县 open."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("锁定测试")
        target, _open = make.targets(campaign, ("lz", "凉州区"), ("mq", "民勤县"))
        online = make.request(campaign, ONLINE)
        make.reply(online, **REPLY)
        event = make.extension(online, "2020-09-10", working_days=5)
        phone = make.request(campaign, PHONE)
        attempt = make.attempt(phone, "2020-09-02T09:00:00+08:00", connected=False)
        # The lock depends on the status alone: set it directly (tests/scoring covers getting there).
        make.sheet(campaign, target, status=request.param)
        db.session.commit()
        return {"campaign": campaign.id, "online": online.id, "phone": phone.id, "event": event.id,
                "attempt": attempt.id, "status": request.param}


def _fingerprint(app) -> tuple:
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db
    from tracker.requests.models import MockRequest, PhoneAttempt, Reply, RequestEvent

    with app.app_context():
        rows = db.session.execute(select(MockRequest.id, MockRequest.version, MockRequest.voided)
                                  .order_by(MockRequest.id)).all()
        counts = [db.session.scalar(select(func.count()).select_from(model))
                  for model in (Reply, RequestEvent, PhoneAttempt, AuditEntry)]
        return tuple(map(tuple, rows)), tuple(counts), db.session.scalar(select(Reply.version))


OPERATIONS = {
    "edit": lambda ops, r, ids: ops.update_request(None, r["online"], {"subject": "改", "version": r["online"].version}),
    "void": lambda ops, r, ids: ops.void_request(None, r["online"], "作废"),
    "event": lambda ops, r, ids: ops.add_event(None, r["online"], {"type": "extended", "on": "2020-09-11",
                                                                   "working_days": 3}),
    "event_delete": lambda ops, r, ids: ops.delete_event(None, r["online"], ids["event"]),
    "call": lambda ops, r, ids: ops.add_attempt(None, r["phone"], {"at": "2020-09-02T10:00:00+08:00",
                                                                   "connected": True}),
    "call_delete": lambda ops, r, ids: ops.delete_attempt(None, r["phone"], ids["attempt"]),
    "reply_late": lambda ops, r, ids: ops.save_reply(None, r["online"], REPLY | {"dispatched_on": "2020-12-20",
                                                                                 "version": 1}),
    "reply_delete": lambda ops, r, ids: ops.delete_reply(None, r["online"], version=1),
    "new_request": lambda ops, r, ids: ops.create_request(None, r["online"].campaign, ONLINE | {"key": "LZ-X"}),
    "phone_answer": lambda ops, r, ids: _record_phone_answer(r["phone"]),
}


def _record_phone_answer(phone) -> None:
    from tracker.requests.phone_answer import record_phone_answer

    record_phone_answer(None, phone, {"answered_correctly": "true"})


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_change_to_a_locked_countys_requests_is_refused(app, locked, name):
    from tracker.core.errors import LockedError
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.models import MockRequest

    before = _fingerprint(app)
    with app.app_context():
        rows = {key: db.session.get(MockRequest, locked[key]) for key in ("online", "phone")}
        with pytest.raises(LockedError) as refused:
            OPERATIONS[name](ops, rows, locked)
        db.session.rollback()
    assert "凉州区" in refused.value.message and refused.value.status == 409
    assert ("解锁" if locked["status"] == "signed" else "退回") in refused.value.message
    assert _fingerprint(app) == before


def test_another_county_stays_open(app, locked):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.requests import operations as ops

    with app.app_context():
        ops.create_request(None, db.session.get(Campaign, locked["campaign"]), ONLINE | {"target": "mq"})
        db.session.commit()


def test_the_web_and_the_api_answer_409_and_change_nothing(app, login, locked):
    before = _fingerprint(app)
    evaluator = login("evaluator")
    response = evaluator.post(f"/requests/{locked['online']}/void", data={"reason": "作废"})
    assert response.status_code == 409 and "凉州区" in response.get_data(as_text=True)
    response = evaluator.post(f"/requests/{locked['phone']}/attempts",
                              data={"at": "2020-09-02T10:00", "connected": "1"})
    assert response.status_code == 409
    api = ApiClient(app.test_client(), issue_token(app, "evaluator"))
    after_token = _fingerprint(app)
    version = api.get(f"/requests/{locked['online']}").get_json()["version"]
    response = api.patch(f"/requests/{locked['online']}", {"subject": "改", "version": version})
    assert response.status_code == 409 and "凉州区" in response.get_json()["error"]["message"]
    assert _fingerprint(app) == after_token
    assert before[0] == after_token[0]
