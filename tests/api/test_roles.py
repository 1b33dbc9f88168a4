"""Every API route × every role: no token → 401; the UI's role rules → 403; allowed roles succeed.

The routes and their roles come from the OpenAPI table, so the document's promises are what is
tested (and test_openapi.py ties that table to the blueprint's URL rules).
"""
from __future__ import annotations

import re

import pytest

from tracker.api.openapi import OPERATIONS

from .conftest import RUBRIC, ApiClient

WRITES = [op for op in OPERATIONS if op.method != "GET"]
READS = [op for op in OPERATIONS if op.method == "GET" and op.roles is not None]


def _request_for(op, world) -> int:
    if "/attempts" in op.path:
        return world.phone
    return world.mail if op.operation_id == "voidRequest" else world.online


def url_of(op, world) -> str:
    ids = {"campaign_id": world.campaign, "target_id": world.target, "request_id": _request_for(op, world),
           "event_id": world.event, "attempt_id": world.attempt, "indicator_id": 8,
           "document_id": world.document}
    return re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), op.path)


def body_of(op, world, admin: ApiClient):
    """A valid body for `op` against the `world` fixture (versions read through the API)."""
    def version(path: str, *keys):
        data = admin.get(path).get_json()
        for key in keys:
            data = data[key]
        return data

    bodies = {
        "createCampaign": lambda: {"name": "武威市2021年考评", "year": 2021, "rubric_code": RUBRIC},
        "updateCampaign": lambda: {"version": version(f"/campaigns/{world.campaign}", "version"), "year": 2020},
        "createTarget": lambda: {"key": "gulang", "name": "古浪县"},
        "updateTarget": lambda: {"version": version(f"/campaigns/{world.campaign}/targets", "items", 0, "version"),
                                 "guide_phone": "0935-1234567"},
        "createRequest": lambda: {"target": "minqin", "channel": "oral", "purpose": "17",
                                  "submitted_at": "2020-09-22T10:00:00+08:00", "oral": {"place": "政务大厅"}},
        "updateRequest": lambda: {"version": version(f"/requests/{world.online}", "version"), "subject": "新主题"},
        "voidRequest": lambda: {"void_reason": "误建"},
        "addEvent": lambda: {"type": "consultation_started", "on": "2020-09-08"},
        "addAttempt": lambda: {"at": "2020-09-02T10:00:00+08:00", "connected": True},
        "addDocument": lambda: {"kind": "reply", "dated_on": "2020-09-21", "number": "凉政公开〔2020〕1号"},
        "saveReply": lambda: {"version": 1, "outcome": "already_public", "dispatched_on": "2020-09-21",
                              "told_route": True},
        "saveFacts": lambda: {"facts": {"points": 1.5}, "version": 0},
    }
    return bodies[op.operation_id]() if op.operation_id in bodies else None


def test_without_a_valid_token_every_route_is_401(app, users, tokens):
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        db.session.execute(db.update(User).where(User.username == "reviewer").values(active=False))
        db.session.commit()
    attempts = {"no token": {}, "not bearer": {"Authorization": f"Basic {tokens['admin']}"},
                "unknown token": {"Authorization": "Bearer trk_not-a-real-token"},
                "disabled user": {"Authorization": f"Bearer {tokens['reviewer']}"}}
    client = app.test_client()
    for op in OPERATIONS:
        if op.roles is None:
            continue
        url = "/api/v1" + re.sub(r"{\w+}", "1", op.path)
        for label, headers in attempts.items():
            response = client.open(url, method=op.method, headers=headers, json={})
            assert response.status_code == 401, (label, op.method, url)
            assert response.get_json()["error"]["status"] == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_is_not_accepted(login, world):
    browser = login("admin")  # a logged-in browser: the cookie alone must not open the API
    assert browser.get("/api/v1/campaigns").status_code == 401
    assert browser.client.post("/api/v1/campaigns", json={"name": "x", "year": 2020,
                                                          "rubric_code": RUBRIC}).status_code == 401


def test_reviewer_reads_everything_and_writes_nothing(api, world):
    reviewer = api("reviewer")
    for op in READS:
        assert reviewer.get(url_of(op, world)).status_code == 200, op.operation_id
    for op in WRITES:
        response = reviewer.call(op.method, url_of(op, world), {"version": 1})
        assert response.status_code == 403, op.operation_id
        assert response.get_json()["error"]["title"] == "没有权限"


def test_evaluator_cannot_change_campaigns_or_targets(api, world):
    evaluator = api("evaluator")
    admin_only = [op for op in WRITES if "evaluator" not in op.roles]
    assert {op.operation_id for op in admin_only} == {"createCampaign", "updateCampaign", "createTarget",
                                                       "updateTarget"}
    for op in admin_only:
        assert evaluator.call(op.method, url_of(op, world), {"version": 1}).status_code == 403, op.operation_id


ALLOWED = [(op, role) for op in WRITES for role in ("admin", "evaluator") if role in op.roles]


@pytest.mark.parametrize("op,role", ALLOWED, ids=[f"{op.operation_id}-{role}" for op, role in ALLOWED])
def test_allowed_roles_succeed(api, world, op, role):
    client = api(role)
    url = url_of(op, world)
    if op.operation_id == "deleteReply":  # a DELETE carries the version it was based on in the query
        url += f"?version={api('admin').get(f'/requests/{world.online}').get_json()['reply']['version']}"
    response = client.call(op.method, url, body_of(op, world, api("admin")))
    assert response.status_code == op.status, response.get_json()


def test_unknown_ids_are_404_json(api, world):
    evaluator = api("evaluator")
    for url in ("/campaigns/999", "/requests/999", "/campaigns/999/report", "/requests/2147483648",
                f"/campaigns/{world.campaign}/targets/999/sheet", f"/campaigns/999/targets/{world.target}/sheet",
                f"/requests/{world.online}/nothing-here"):
        response = evaluator.get(url)
        assert response.status_code == 404, url
        assert set(response.get_json()["error"]) == {"status", "title", "message", "fields"}
    other_campaign_event = evaluator.delete(f"/requests/{world.mail}/events/{world.event}")
    assert other_campaign_event.status_code == 404
    assert "期限事件" in other_campaign_event.get_json()["error"]["message"]
