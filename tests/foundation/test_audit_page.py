"""The audit log reads like a record for people (issue 18): Beijing time, Chinese names, only what
changed, filters by who, what and when; a save that changed nothing leaves no row."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from tracker.main.audit_page import changes_of


def _entries(app) -> int:
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_changes_list_only_what_differs():
    rows = changes_of({"subject": "甲", "notes": "", "voided": False}, {"subject": "乙", "notes": "", "voided": True})
    assert [(c.field, c.before, c.after) for c in rows] == [("申请内容", "甲", "乙"), ("已作废", "否", "是")]
    created = changes_of(None, {"subject": "甲"})
    assert [(c.field, c.before, c.after) for c in created] == [("申请内容", "", "甲")]
    long = changes_of({"reason": ""}, {"reason": "长" * 20000})[0]
    assert len(long.after) <= 121


def test_changes_name_fields_and_values_in_chinese():
    """Seen in the first week: "username：auditadmin", "角色：admin", "状态：submitted → signed",
    "核查项：[true, true, false]"."""
    created_user = changes_of(None, {"username": "li", "role": "evaluator"})
    assert [(c.field, c.after) for c in created_user] == [("用户名", "li"), ("角色", "填报人")]
    signed = changes_of({"status": "submitted", "items": [True, False]}, {"status": "signed", "items": [True, True]})
    assert [(c.field, c.before, c.after) for c in signed] == [
        ("状态", "待审核", "已审核（锁定）"), ("核查项", "是、否", "是、是")]
    request = changes_of({"status": "awaiting_reply", "channel": "mail", "outcome": None},
                         {"status": "overdue", "channel": "online", "outcome": "already_public"})
    assert [(c.before, c.after) for c in request] == [
        ("等待答复", "逾期未答复"), ("信函", "互联网"), ("（空）", "已主动公开")]
    target = changes_of(None, {"kind": "county", "office_hours": [["09:00", "12:00"], ["14:30", "18:00"]]})
    assert [(c.field, c.after) for c in target] == [("类型", "县区"), ("办公时间", "09:00–12:00，14:30–18:00")]
    closed = changes_of({"closed_on": None}, {"closed_on": "2026-12-04"})
    reply = changes_of({"told_route": False, "original_name": "a.pdf"}, {"told_route": True, "original_name": "b.pdf"})
    assert [c.field for c in closed + reply] == ["归档日期", "告知获取该政府信息的方式和途径", "文件名"]


def test_an_unchanged_update_is_not_recorded(app):
    from tracker.core import audit
    from tracker.extensions import db

    before = _entries(app)
    with app.app_context():
        assert audit.record(None, "update", "request", 1, before={"subject": "甲"}, after={"subject": "甲"}) is None
        audit.record(None, "update", "request", 1, before={"subject": "甲"}, after={"subject": "乙"})
        db.session.commit()
    assert _entries(app) == before + 1


def test_the_page_is_in_beijing_time_and_chinese(app, login):
    from tracker.core import audit
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        audit.record(None, "void", "request", 7, before={"voided": False}, after={"voided": True},
                     summary="作废模拟申请 GL-1")
        db.session.flush()
        db.session.execute(AuditEntry.__table__.update().values(at=datetime(2026, 11, 30, 17, 30)))
        db.session.commit()
    page = login("admin").get("/admin/audit").get_data(as_text=True)
    assert "2026-12-01 01:30:00" in page and "北京时间" in page
    assert "作废" in page and "模拟申请 #7" in page and "已作废" in page and "否 → 是" in page
    assert "\\u" not in page and '"voided"' not in page


def test_filters_by_who_what_and_when(app, login, users):
    from tracker.core import audit
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        audit.record(users["admin"], "create", "campaign", 1, after={"name": "甲考评"}, summary="新建考评 甲考评")
        audit.record(users["evaluator"], "create", "request", 2, after={"subject": "乙申请"}, summary="新建模拟申请 乙")
        db.session.flush()
        db.session.execute(AuditEntry.__table__.update().where(AuditEntry.entity == "campaign")
                           .values(at=datetime(2026, 11, 1, 3, 0)))
        db.session.commit()
    admin = login("admin")
    by_user = admin.get(f"/admin/audit?user={users['evaluator'].id}").get_data(as_text=True)
    assert "新建模拟申请 乙" in by_user and "新建考评 甲考评" not in by_user
    by_kind = admin.get("/admin/audit?entity=campaign").get_data(as_text=True)
    assert "新建考评 甲考评" in by_kind and "新建模拟申请 乙" not in by_kind
    by_day = admin.get("/admin/audit?from=2026-11-01&to=2026-11-01").get_data(as_text=True)
    assert "新建考评 甲考评" in by_day and "新建模拟申请 乙" not in by_day
    bad = admin.get("/admin/audit?from=2026-02-30")
    assert bad.status_code == 400 and "开始日期" in bad.get_data(as_text=True)


def test_every_recorded_action_and_record_has_a_chinese_name():
    """An admin archiving a campaign read "close" in the log: each action and record the code audits
    (`audit.record(actor, "close", "campaign", …)`) is named in Chinese."""
    import re
    from pathlib import Path

    from tracker.main.audit_page import ACTIONS, ENTITIES

    source = Path(__file__).resolve().parents[2] / "tracker"
    pattern = re.compile(r'record\(\s*[\w.]+,\s*"([a-z_]+)",\s*"([a-z_]+)"')
    found = {match for path in source.rglob("*.py") for match in pattern.findall(path.read_text(encoding="utf-8"))}
    assert len(found) > 30
    assert sorted(action for action, _ in found if action not in ACTIONS) == []
    assert sorted(entity for _, entity in found if entity not in ENTITIES) == []
