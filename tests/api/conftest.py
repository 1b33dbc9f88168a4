"""Fixtures of the API tests: a small campaign (`world`), a token per role, and a JSON client."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

RUBRIC = "wuwei-2020-county"
CAMPAIGN_NAME = "武威市2020年政务公开工作考评（县区）"
LIANGZHOU = {"key": "liangzhou", "name": "凉州区", "apply_url": "https://www.lzq.gov.cn/apply",
             "legal_representative": "王区长", "guide_phone": "0935-2211000",
             "office_hours": "08:30-12:00, 14:30-18:00"}
ONLINE = {"target": "liangzhou", "owner": "evaluator", "channel": "online", "purpose": "16",
          "submitted_at": "2020-09-01T10:00:00+08:00",
          "online": {"window_active": True, "accepted": True, "confirmed_on": "2020-09-01"}}
PHONE = {"target": "liangzhou", "owner": "evaluator", "channel": "phone", "purpose": "18",
         "submitted_at": "2020-09-02T09:00:00+08:00", "phone": {"question": "如何申请？"}}
MAIL = {"target": "minqin", "owner": "evaluator", "channel": "mail", "purpose": "20",
        "submitted_at": "2020-09-01T09:00:00+08:00",
        "letter": {"addressee": "县长", "marked": "重要部署申请", "posted_on": "2020-09-01",
                   "delivered_on": "2020-09-03"}}
REPLY = {"dispatched_on": "2020-09-20", "received_on": "2020-09-22", "outcome": "already_public",
         "told_route": True}


class ApiClient:
    """A test client that sends the bearer token (or none) and JSON bodies."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def call(self, method: str, path: str, body=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if body is not None:
            kwargs["json"] = body
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.call("POST", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.call("PATCH", path, body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.call("PUT", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("DELETE", path, **kwargs)


def issue_token(app, username: str, name: str = "测试") -> str:
    from sqlalchemy import select

    from tracker.api.tokens import create_token
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        _token, plaintext = create_token(user, name)
        db.session.commit()
        return plaintext


@pytest.fixture
def tokens(app, users):
    """role → a valid token of that role's user."""
    return {role: issue_token(app, role) for role in users}


@pytest.fixture
def api(app, tokens):
    """api("evaluator") → a JSON client with that role's token; api(None) sends no token."""
    return lambda role: ApiClient(app.test_client(), tokens[role] if role else None)


@pytest.fixture
def world(app, users):
    """A campaign, two targets, an online request (with an extension and a reply), a phone request
    with one attempt and a mail request: ids only, no app context left pushed."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign(CAMPAIGN_NAME, rubric_code=RUBRIC, team=[u.id for u in users.values()])
        liangzhou = make.target(campaign, **LIANGZHOU)
        minqin = make.target(campaign, "minqin", "民勤县")
        online = make.request(campaign, ONLINE)
        event = make.extension(online, "2020-09-10", working_days=5)
        make.reply(online, **REPLY)
        document = make.document(online, "acknowledgement", "2020-09-02")
        phone = make.request(campaign, PHONE)
        attempt = make.attempt(phone, "2020-09-02T09:10:00+08:00", connected=False)
        mail = make.request(campaign, MAIL)
        db.session.commit()
        return SimpleNamespace(campaign=campaign.id, target=liangzhou.id, other=minqin.id, online=online.id,
                               event=event.id, phone=phone.id, attempt=attempt.id, mail=mail.id,
                               document=document.id)
