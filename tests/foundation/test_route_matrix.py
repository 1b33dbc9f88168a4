"""Every route × every role × team membership × every method: the expected 200/302/401/403/404,
CSRF on every POST.

The policy below is the product's permission design (tracker/core/policy.py decides it). A route
without an entry fails the test, so the matrix stays complete as routes are added. A user outside
the campaign's team gets 404 from every route of the campaign that their role may use: another
campaign's objects are not revealed (DESIGN.md §10.2).
"""
from __future__ import annotations

from datetime import date

import pytest

ALL = frozenset({"evaluator", "reviewer", "admin"})
EDIT = frozenset({"evaluator", "admin"})
REVIEW = frozenset({"reviewer", "admin"})
ADMIN = frozenset({"admin"})
PUBLIC = "public"      # anyone, logged in or not
API = "api"            # token authentication: no token → 401 (tests/api checks the roles)

POLICY: dict[str, dict[str, object]] = {
    "bundles.bundle_import": {"GET": ADMIN, "POST": ADMIN},
    "main.index": {"GET": ALL}, "main.calendar_year": {"GET": ALL}, "main.healthz": {"GET": PUBLIC}, "main.favicon": {"GET": PUBLIC}, "main.audit_log": {"GET": ADMIN},
    "users.login": {"GET": PUBLIC, "POST": PUBLIC}, "users.logout": {"POST": ALL},
    "users.settings": {"GET": ALL, "POST": ALL}, "users.change_password": {"GET": ALL, "POST": ALL},
    "users.user_list": {"GET": ADMIN}, "users.user_new": {"GET": ADMIN, "POST": ADMIN},
    "users.user_edit": {"GET": ADMIN, "POST": ADMIN},
    "api_tokens.token_create": {"POST": ALL}, "api_tokens.token_revoke": {"POST": ALL},
    "calendar.year_view": {"GET": ADMIN}, "calendar.override_save": {"POST": ADMIN},
    "calendar.override_delete": {"POST": ADMIN}, "calendar.year_confirm": {"POST": ADMIN},
    "calendar.year_unconfirm": {"POST": ADMIN},
    "calendar.notice_form": {"GET": ADMIN}, "calendar.notice_preview": {"POST": ADMIN},
    "calendar.notice_apply": {"POST": ADMIN},
    "campaigns.campaign_list": {"GET": ALL}, "campaigns.campaign_detail": {"GET": ALL},
    "campaigns.target_detail": {"GET": ALL}, "campaigns.campaign_close": {"POST": ADMIN},
    "campaigns.campaign_new": {"GET": ADMIN, "POST": ADMIN}, "campaigns.campaign_edit": {"GET": ADMIN, "POST": ADMIN},
    "campaigns.target_new": {"GET": ADMIN, "POST": ADMIN}, "campaigns.target_edit": {"GET": ADMIN, "POST": ADMIN},
    "reminders.calendar_feed": {"GET": PUBLIC}, "reminders.my_reminders": {"GET": ALL},
    "reminders.save_settings": {"POST": ALL}, "reminders.new_calendar_token": {"POST": ALL},
    "reminders.outbox": {"GET": ADMIN}, "reminders.outbox_resend": {"POST": ADMIN},
    "reminders.outbox_deliver": {"POST": ADMIN},
    "reports.campaign_report": {"GET": ALL}, "reports.campaign_chart": {"GET": ALL}, "reports.target_report": {"GET": ALL},
    "reports.campaign_xlsx": {"GET": ALL}, "reports.target_xlsx": {"GET": ALL}, "reports.campaign_json": {"GET": ALL},
    "reports.report_job": {"GET": ALL}, "reports.report_job_file": {"GET": ALL},
    "reports.queue_report_job": {"POST": ALL},  # queuing a build changes data: a POST (GET report.xlsx queues nothing)
    "reports.statistics": {"GET": ALL}, "reports.statistics_csv": {"GET": ALL}, "reports.annual_table": {"GET": ALL},
    "requests.request_list": {"GET": ALL}, "requests.request_detail": {"GET": ALL},
    "requests.attachment_download": {"GET": ALL},
    "requests.request_new": {"GET": EDIT, "POST": EDIT}, "requests.request_edit": {"GET": EDIT, "POST": EDIT},
    "requests.reply_form": {"GET": EDIT, "POST": EDIT},
    **{f"requests.{name}": {"POST": EDIT} for name in (
        "request_void", "event_add", "event_delete", "attempt_add", "attempt_delete", "reply_delete",
        "attachment_upload", "attachment_delete", "document_add", "document_delete", "phone_answer")},
    "scoring.sheet": {"GET": ALL}, "scoring.sheet_list": {"GET": ALL}, "scoring.workbook_download": {"GET": ALL},
    "scoring.history": {"GET": ALL}, "scoring.verify": {"GET": ALL},
    "scoring.workbook_import": {"GET": EDIT, "POST": EDIT},
    **{f"scoring.{name}": {"POST": EDIT} for name in ("save_indicator", "add_evidence", "delete_evidence", "preview",
                                                        "submit")},
    **{f"scoring.{name}": {"POST": REVIEW} for name in ("sign", "unlock", "return_sheet")},
    "ocr.scan_page": {"GET": ALL}, "ocr.scan_preview": {"GET": ALL},
    **{f"ocr.{name}": {"POST": EDIT} for name in ("scan_upload", "scan_accept", "scan_retry")},
    "static": {"GET": PUBLIC}, "bootstrap.static": {"GET": PUBLIC},
}
ROLES = ("anonymous", "evaluator", "reviewer", "admin")


def _policy_for(endpoint: str) -> dict[str, object]:
    if endpoint.startswith("api."):
        return {}
    return POLICY[endpoint]


def _routes():
    from tracker import create_app

    app = create_app({"TESTING": True})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, rule.rule, method


ROUTES = list(_routes())


def test_every_route_has_a_policy():
    missing = sorted({e for e, _, _ in ROUTES if not e.startswith("api.") and e not in POLICY})
    assert not missing, f"add these endpoints to POLICY: {missing}"
    stale = sorted(set(POLICY) - {e for e, _, _ in ROUTES})
    assert not stale, f"POLICY names endpoints that no longer exist: {stale}"


@pytest.fixture
def ids(app):
    """One of each object, so that URLs resolve to something real."""
    from tracker.calendar import operations as calendar_ops
    from tracker.campaigns import operations as campaigns
    from tracker.extensions import db
    from tracker.reports import report_jobs
    from tracker.requests import operations as requests

    with app.app_context():
        campaign = campaigns.create_campaign(None, {"name": "权限矩阵", "year": 2020, "rubric_code": "wuwei-2020-county"})
        target = campaigns.create_target(None, campaign, {"key": "gl", "name": "古浪县"})
        letter = requests.create_request(None, campaign, {
            "target": "gl", "channel": "mail", "purpose": "20", "submitted_at": "2020-09-01T10:00:00+08:00",
            "letter": {"marked": "重要部署申请", "posted_on": "2020-09-01", "delivered_on": "2020-09-03"}})
        event = requests.add_event(None, letter, {"type": "extended", "on": "2020-09-20", "working_days": 5})
        requests.save_reply(None, letter, {"dispatched_on": "2020-09-25", "outcome": "already_public",
                                           "told_route": True})  # so that deleting it is a real route
        phone = requests.create_request(None, campaign, {"target": "gl", "channel": "phone", "purpose": "18",
                                                         "submitted_at": "2020-09-02T09:00:00+08:00"})
        attempt = requests.add_attempt(None, phone, {"at": "2020-09-02T09:00:00+08:00", "connected": False})
        override = calendar_ops.set_override(None, {"day": "2030-01-02", "working": "0", "note": "测试"})
        job, _ = report_jobs.queue_xlsx(None, campaign, date(2020, 9, 30))
        db.session.commit()
        return {"campaign_id": campaign.id, "target_id": target.id, "request_id": letter.id, "event_id": event.id,
                "attempt_id": attempt.id, "override_id": override.id, "job_id": job.id, "indicator_id": 1, "year": 2030,
                "user_id": 1, "attachment_id": 999999, "evidence_id": 999999, "document_id": 999999, "message_id": 999999, "token_id": 999999,
                "token": "no-such-token", "filename": "tracker.css", "name": "totals"}


def _url(rule: str, ids: dict) -> str:
    import re

    def value(match):
        name = match.group(1).split(":")[-1]
        if name == "request_id" and "attempts" in rule:
            return str(ids["request_id"] + 1)
        return str(ids[name])

    return re.sub(r"<([^>]+)>", value, rule)


def _call(client, method, url):
    client = getattr(client, "client", client)
    if method == "GET":
        return client.get(url, buffered=True)
    data = {"csrf_token": client.csrf_token} if getattr(client, "csrf_token", None) else {}
    return client.post(url, data=data, buffered=True)


MADE_UP_IDS = ("attachment_id", "evidence_id", "document_id", "message_id", "token_id")  # 999999 in `ids`


def _campaign_scoped(rule: str) -> bool:
    """Routes of one campaign's real objects (a made-up id, such as the attachment's, is a 404 for everyone)."""
    return (any(f"<int:{name}>" in rule for name in ("campaign_id", "target_id", "request_id"))
            and not any(f"<int:{name}>" in rule for name in MADE_UP_IDS))


def _problem(policy, role, response, endpoint, outsider: bool = False, scoped: bool = False) -> str | None:
    status = response.status_code
    location = response.headers.get("Location", "")
    if policy not in (PUBLIC, ADMIN) and role in policy and role != "admin" and scoped:
        ok = status == 404 if outsider else status not in (401, 403, 404) and status < 500
    elif policy == PUBLIC:
        ok = status < 500 and status not in (401, 403)
    elif role == "anonymous":
        # A POST is refused by the CSRF check (400) before the login check could redirect it.
        ok = (status == 302 and "/login" in location) or (response.request.method == "POST" and status == 400)
    elif role in policy:
        ok = status < 500 and status not in (401, 403) and ("/login" not in location or endpoint == "users.logout")
    else:
        ok = status == 403
    return None if ok else f"{endpoint} {response.request.method} as {role}: {status} {location}"


def _join_team(app, campaign_id: int) -> None:
    from tracker.campaigns import operations as campaigns
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        campaigns.set_team(None, campaign, [u.id for u in db.session.query(User)])
        db.session.commit()


@pytest.mark.parametrize("role,membership", [("anonymous", "outsider")] + [
    (role, membership) for role in ROLES[1:] for membership in ("member", "outsider")])
@pytest.mark.slow  # every route for one role (0.9 s per role, 8 roles)
def test_route_role_matrix(app, users, login, ids, role, membership):
    """One walk per role and membership over every route and method (POSTs carry a valid CSRF token
    and no data)."""
    if membership == "member":
        _join_team(app, ids["campaign_id"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    if role == "anonymous":
        client = app.test_client()
    else:
        browser = login(role)
        client = browser.client
        client.csrf_token = browser.token
    problems = []
    try:
        for endpoint, rule, method in ROUTES:
            if endpoint.startswith("api.") or endpoint == "users.logout":
                continue
            response = _call(client, method, _url(rule, ids))
            problems.append(_problem(_policy_for(endpoint)[method], role, response, endpoint,
                                     membership == "outsider", _campaign_scoped(rule)))
        if role != "anonymous":
            response = client.post("/logout")
            problems.append(_problem(POLICY["users.logout"]["POST"], role, response, "users.logout"))
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert [p for p in problems if p] == []


def test_post_without_csrf_token_is_refused(app, users, login, ids):
    admin = login("admin")
    posts = sorted({(e, r) for e, r, m in ROUTES if m == "POST" and not e.startswith("api.")})
    refused = {e: admin.client.post(_url(r, ids), data={"name": "x"}).status_code for e, r in posts}
    assert {e: s for e, s in refused.items() if s != 400} == {}


def test_api_routes_need_a_token(app, users, login, ids):
    anonymous = app.test_client()
    with_cookie = login("admin")  # the session cookie is not an API credential
    wrong = []
    for endpoint, rule, method in ROUTES:
        if not endpoint.startswith("api."):
            continue
        url = _url(rule, ids)
        expected = 200 if "openapi" in endpoint else 401
        for client in (anonymous, with_cookie.client):
            status = client.open(url, method=method, json={}).status_code
            if status != expected:
                wrong.append(f"{endpoint} {method}: {status}")
    assert wrong == []
