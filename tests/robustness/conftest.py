"""Shared set-up of the robustness tests: a small campaign made through the operations, a full
snapshot of every table (to prove that refused input changed nothing), and page/form helpers."""
from __future__ import annotations

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
    from tracker.campaigns import operations as campaign_ops
    from tracker.extensions import db
    from tracker.requests import operations as request_ops
    from tracker.scoring import operations as scoring_ops

    with app.app_context():
        campaign = campaign_ops.create_campaign(None, {"name": CAMPAIGN, "year": 2020, "rubric_code": "wuwei-2020-county"})
        target = campaign_ops.create_target(None, campaign, TARGET)
        other = campaign_ops.create_target(None, campaign, {"key": "minqin", "name": "民勤县"})
        online = request_ops.create_request(None, campaign, ONLINE | {"target": target, "key": "LZ-21", "owner": "evaluator"})
        request_ops.save_reply(None, online, REPLY)
        phone = request_ops.create_request(None, campaign, PHONE | {"target": target, "key": "LZ-18", "owner": "evaluator"})
        scoring_ops.save_facts(None, campaign, target, 1, {"items": [True] * 8, "note": "原始说明"})
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
    alerts = re.findall(r'<div class="(?:alert|invalid-feedback)[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(alerts)))
