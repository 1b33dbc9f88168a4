"""The team is the boundary (DESIGN.md §10.2; issue 14): evaluators and reviewers see and act only
in the campaigns whose team they belong to. Another campaign's objects answer 404, and nothing of
them changes — in the web and in the API."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.api.conftest import ApiClient, issue_token
from tests.conftest import TEST_PASSWORD, Browserless

RUBRIC = "wuwei-2020-county"
ONLINE = {"channel": "online", "purpose": "16", "submitted_at": "2020-09-01T10:00:00+08:00",
          "online": {"window_active": True, "accepted": True, "confirmed_on": "2020-09-01"}}
REPLY = {"dispatched_on": "2020-09-20", "received_on": "2020-09-22", "outcome": "already_public",
         "told_route": True}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


@pytest.fixture
def two_teams(app, password_hash):
    """Campaign A (team: evalA, revA) and campaign B (team: evalB, revB), each with a county, an online
    request with a reply, and a sheet fact; admin is in neither team."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        users = {name: make.user(name, role, name=name, password_hash=password_hash)
                 for name, role in (("evalA", "evaluator"), ("revA", "reviewer"), ("evalB", "evaluator"),
                                    ("revB", "reviewer"), ("admin", "admin"))}
        db.session.flush()
        ids = {}
        for side in "AB":
            campaign = make.campaign(f"考评{side}", rubric_code=RUBRIC,
                                     team=[users[f"eval{side}"].id, users[f"rev{side}"].id])
            target = make.target(campaign, f"t{side}", f"县{side}")
            row = make.request(campaign, ONLINE, target=target, owner=f"eval{side}")
            make.reply(row, **REPLY)
            make.facts(campaign, target, 1, {"items": [True] * 8})
            ids[side] = {"campaign": campaign.id, "target": target.id, "request": row.id}
        db.session.commit()
        return ids


def _login(app, username: str) -> Browserless:
    browser = Browserless(app.test_client())
    assert browser.login(username, TEST_PASSWORD).status_code == 302
    return browser


def _state(app, request_id: int):
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db
    from tracker.requests.models import MockRequest
    from tracker.scoring.models import IndicatorFacts, ScoreSheet

    with app.app_context():
        row = db.session.get(MockRequest, request_id)
        return (row.version, row.voided, row.reply.version if row.reply else None, len(row.events),
                db.session.scalar(select(func.count()).select_from(IndicatorFacts)),
                tuple(db.session.scalars(select(ScoreSheet.status).order_by(ScoreSheet.id))),
                db.session.scalar(select(func.count()).select_from(AuditEntry)))


def test_an_outsider_sees_nothing_of_another_campaign(app, two_teams):
    b = two_teams["B"]
    outsider = _login(app, "evalA")
    sheet = f"/campaigns/{b['campaign']}/targets/{b['target']}/sheet"
    for url in (f"/campaigns/{b['campaign']}", f"/campaigns/{b['campaign']}/requests", f"/requests/{b['request']}",
                sheet, f"/campaigns/{b['campaign']}/report", f"/campaigns/{b['campaign']}/sheets",
                f"/campaigns/{b['campaign']}/statistics", f"/requests/{b['request']}/reply"):
        assert outsider.get(url).status_code == 404, url
    assert "考评B" not in outsider.get("/campaigns/").get_data(as_text=True)
    assert "县B" not in outsider.get("/").get_data(as_text=True)
    own = outsider.get(f"/requests/{two_teams['A']['request']}")
    assert own.status_code == 200


def test_an_outsider_changes_nothing_in_another_campaign(app, two_teams):
    b = two_teams["B"]
    before = _state(app, b["request"])
    outsider = _login(app, "evalA")
    posts = {f"/requests/{b['request']}/events": {"type": "extended", "on": "2020-09-10", "working_days": "5"},
             f"/requests/{b['request']}/void": {"reason": "越权"},
             f"/requests/{b['request']}/reply": REPLY | {"outcome": "withheld"},
             f"/requests/{b['request']}/reply/delete": {"version": "1"},
             f"/campaigns/{b['campaign']}/targets/{b['target']}/sheet/submit": {}}
    for url, data in posts.items():
        assert outsider.post(url, data=data).status_code == 404, url
    upload = outsider.post(f"/requests/{b['request']}/attachments", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PNG), "a.png")})
    assert upload.status_code == 404
    reviewer = _login(app, "revA")
    assert reviewer.post(f"/campaigns/{b['campaign']}/targets/{b['target']}/sheet/sign", data={}).status_code == 404
    assert _state(app, b["request"]) == before


def test_an_outsider_cannot_download_another_campaigns_attachment(app, two_teams):
    b = two_teams["B"]
    member = _login(app, "evalB")
    response = member.post(f"/requests/{b['request']}/attachments", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PNG), "答复书.png")})
    assert response.status_code == 302, response.get_data(as_text=True)
    from tracker.extensions import db
    from tracker.core.files import Attachment

    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    assert member.get(f"/attachments/{attachment_id}", buffered=True).status_code == 200
    assert _login(app, "evalA").get(f"/attachments/{attachment_id}", buffered=True).status_code == 404
    assert _login(app, "admin").get(f"/attachments/{attachment_id}", buffered=True).status_code == 200


def test_the_api_answers_404_outside_the_team(app, two_teams):
    b = two_teams["B"]
    api = ApiClient(app.test_client(), issue_token(app, "evalA"))
    before = _state(app, b["request"])
    listed = api.get("/campaigns").get_json()["items"]
    assert [c["name"] for c in listed] == ["考评A"]
    assert api.get(f"/requests/{b['request']}").status_code == 404
    assert api.get(f"/campaigns/{b['campaign']}/requests").status_code == 404
    assert api.patch(f"/requests/{b['request']}", {"subject": "越权", "version": 1}).status_code == 404
    facts = f"/campaigns/{b['campaign']}/targets/{b['target']}/facts/2"
    assert api.put(facts, {"facts": {"items": [True] * 4}, "version": 0}).status_code == 404
    assert api.get(f"/campaigns/{b['campaign']}/report").status_code == 404
    assert _state(app, b["request"]) == before
    admin = ApiClient(app.test_client(), issue_token(app, "admin"))
    assert {c["name"] for c in admin.get("/campaigns").get_json()["items"]} == {"考评A", "考评B"}


def test_the_owner_must_be_a_team_evaluator(app, two_teams):
    a = two_teams["A"]
    member = _login(app, "evalA")
    page = member.get(f"/requests/{a['request']}/edit").get_data(as_text=True)
    assert 'value="evalA"' in page and 'value="evalB"' not in page and 'value="revA"' not in page
    from tracker.campaigns.models import Campaign
    from tracker.core.errors import ValidationError
    from tracker.extensions import db
    from tracker.requests import operations as requests

    with app.app_context():
        campaign = db.session.get(Campaign, a["campaign"])
        with pytest.raises(ValidationError) as refused:
            requests.create_request(None, campaign, ONLINE | {"target": "tA", "owner": "evalB"})
        assert "owner" in refused.value.errors and "项目组" in refused.value.errors["owner"]
        db.session.rollback()


def test_an_admin_acts_everywhere(app, two_teams):
    admin = _login(app, "admin")
    for side in "AB":
        assert admin.get(f"/requests/{two_teams[side]['request']}").status_code == 200
    page = admin.get("/campaigns/").get_data(as_text=True)
    assert "考评A" in page and "考评B" in page


def test_leaving_the_team_closes_the_campaign(app, two_teams):
    from tracker.campaigns import operations as campaigns
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    a = two_teams["A"]
    member = _login(app, "evalA")
    assert member.get(f"/requests/{a['request']}").status_code == 200
    with app.app_context():
        campaigns.set_team(None, db.session.get(Campaign, a["campaign"]), [])
        db.session.commit()
    assert member.get(f"/requests/{a['request']}").status_code == 404
