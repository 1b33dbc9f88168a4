"""Shared set-up of the robustness tests: a small campaign made through the operations, a full
snapshot of every table (to prove that refused input changed nothing), and page/form helpers."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

CAMPAIGN = "稳健性测试考评（2020）"
TARGET = {"key": "liangzhou", "name": "凉州区", "apply_url": "https://www.lzq.gov.cn/apply",
          "address": "凉州区东大街1号", "legal_representative": "王区长", "guide_phone": "0935-2211000",
          "office_hours": "08:30-12:00, 14:30-18:00"}
ONLINE = {"channel": "online", "purpose": "21", "subject": "申请公开行政执法结果", "submitted_at": "2020-09-01T10:00:00+08:00",
          "online": {"window_active": True, "accepted": True, "confirmed_on": "2020-09-01"}}
PHONE = {"channel": "phone", "purpose": "18", "subject": "电话咨询", "phone": {"question": "预算在哪里公开？"}}
REPLY = {"outcome": "already_public", "dispatched_on": "2020-09-10", "received_on": "2020-09-12",
         "told_route": True, "notes": "原始答复"}


@pytest.fixture
def world(app, users):
    """A campaign, two targets, an online request with a reply, a phone request, score facts of indicator 1."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign(CAMPAIGN, team=make.EVERYONE)
        target = make.target(campaign, **TARGET)
        other = make.target(campaign, "minqin", "民勤县")
        online = make.request(campaign, ONLINE, target=target, key="LZ-21", owner="evaluator")
        make.reply(online, **REPLY)
        phone = make.request(campaign, PHONE, target=target, key="LZ-18", owner="evaluator")
        make.facts(campaign, target, 1, {"items": [True] * 8, "note": "原始说明"})
        db.session.commit()
        return {"campaign": campaign.id, "target": target.id, "other": other.id, "online": online.id,
                "phone": phone.id}


def table_snapshot(app, *, ignore: tuple[str, ...] = ("user_sessions", "login_attempts")) -> dict[str, list]:
    """Every row of every table (sorted), as comparable text; `ignore` skips bookkeeping of logins."""
    from tracker.extensions import db

    snapshot = {}
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                if table.name in ignore:
                    continue
                rows = connection.execute(select(table)).all()
                snapshot[table.name] = sorted(tuple(_text(v) for v in row) for row in rows)
    return snapshot


def _text(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return repr(value)


def assert_unchanged(before: dict, after: dict) -> None:
    changed = {name: (before[name], after[name]) for name in before if before[name] != after.get(name)}
    assert not changed, f"refused input changed tables: {sorted(changed)}\n{changed}"


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert match, f"no field {name} in the page"
    return match.group(1)


def message_of(page: str) -> str:
    """The visible text of the page's alerts (what the user reads)."""
    alerts = re.findall(r'<div class="(?:alert|invalid-feedback)[^"]*"[^>]*>(.*?)</div>', page, re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(alerts)))


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
# ocr.scan_preview: a scan's page image, asked for with ?scan=ID&page=N (tests/ocr/test_views.py).
SKIPPED_GET = ("static", "bootstrap.static", "users.login", "reminders.calendar_feed", "main.healthz",
               "ocr.scan_preview")


def rich_world(app, world) -> dict:
    """The robustness world plus one of everything a page can show a form for."""
    from werkzeug.datastructures import FileStorage

    from tracker.calendar import operations as calendar_ops
    from tracker.campaigns import operations as campaign_ops
    from tracker.campaigns.models import Campaign, Target
    from tracker.core import files, mail
    from tracker.extensions import db
    from tracker.requests import operations as request_ops
    from tracker.requests.documents import add_document
    from tracker.requests.models import MockRequest
    from tracker.scoring import operations as scoring_ops
    from tracker.reports import report_jobs
    from tracker.users.models import User

    with app.app_context():
        campaign = db.session.get(Campaign, world["campaign"])
        target = db.session.get(Target, world["target"])
        online = db.session.get(MockRequest, world["online"])
        phone = db.session.get(MockRequest, world["phone"])
        mail_request = request_ops.create_request(None, campaign, {
            "target": target, "key": "LZ-20", "owner": "evaluator", "channel": "mail", "purpose": "20",
            "letter": {"posted_on": "2020-09-01", "delivered_on": "2020-09-03", "marked": "重要部署申请"}})
        request_ops.add_event(None, online, {"type": "extended", "on": "2020-09-10", "working_days": "5"})
        request_ops.add_attempt(None, phone, {"at": "2020-09-02T09:10", "connected": "false"})
        # A connected call not yet judged: its page asks 是否正确告知 (issue 18).
        answered = request_ops.create_request(None, campaign, PHONE | {"target": target, "key": "LZ-18b",
                                                                      "owner": "evaluator"})
        request_ops.add_attempt(None, answered, {"at": "2020-09-02T09:10", "connected": "true"})
        attachment = files.save_upload(None, online, FileStorage(stream=io.BytesIO(PNG_BYTES), filename="a.png"))
        add_document(None, online, {"kind": "reply", "dated_on": "2020-09-21", "number": "凉政公开〔2020〕1号"})
        scoring_ops.add_evidence(None, campaign, target, 1, {"note": "截图说明"})
        other = db.session.get(Target, world["other"])
        scoring_ops.save_facts(None, campaign, other, 2, {"items": [True, True]})
        scoring_ops.sheet_for(campaign, other).status = "submitted"  # submit refuses 未评 (§10.1): set as stored
        calendar_ops.set_override(None, {"day": "2030-10-08", "working": "true", "note": "测试"})
        calendar_ops.confirm_year(None, {"year": "2031", "source": "国办发明电〔2030〕1号", "allow_empty": True})
        signed = campaign_ops.create_target(None, campaign, {"key": "gulang", "name": "古浪县"})
        scoring_ops.sheet_for(campaign, signed).status = "signed"
        message = mail.queue_email("a@example.org", "测试邮件", "正文")
        message.status = "failed"
        job, _ = report_jobs.queue_xlsx(None, campaign, date(2020, 9, 30))  # its progress page is crawled too
        db.session.commit()
        return world | {"mail": mail_request.id, "attachment": attachment.id, "message": message.id,
                        "phone_connected": answered.id, "job": job.id,
                        "signed": signed.id,
                        "user": db.session.scalar(select(User.id).where(User.username == "evaluator"))}


def page_paths(app, ids: dict) -> list[str]:
    """Every GET page of the app with its URL arguments filled from `ids` (downloads and the API left out),
    plus the new-request form of every channel."""
    adapter = app.url_map.bind("localhost")
    values = {"campaign_id": [ids["campaign"]], "target_id": [ids["target"], ids["other"], ids["signed"]],
              "request_id": [ids["online"], ids["phone"], ids["mail"], ids["phone_connected"]], "user_id": [ids["user"]],
              "attachment_id": [ids["attachment"]], "message_id": [ids["message"]], "indicator_id": [1],
              "job_id": [ids["job"]]}
    new = f"/campaigns/{ids['campaign']}/requests/new?target={ids['target']}"
    paths = [f"{new}&channel={c}&purpose={p}" for c, p in (("online", "16"), ("oral", "17"), ("phone", "18"),
                                                             ("mail", "20"))]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED_GET or rule.endpoint.startswith("api"):
            continue
        if rule.rule.endswith((".xlsx", ".csv", ".json", ".ics", ".svg")) or rule.endpoint == "requests.attachment_download":
            continue
        combos = [{}]
        for argument in rule.arguments:
            combos = [c | {argument: v} for c in combos for v in values[argument]]
        paths += [adapter.build(rule.endpoint, combo) for combo in combos]
    return paths
