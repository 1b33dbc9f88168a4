"""Admins create and edit campaigns and targets in the UI; bad input names the field and changes nothing."""
from __future__ import annotations

import re

from sqlalchemy import func, select

CAMPAIGN = {"name": "武威市2020年政务公开工作考评（县区）", "year": "2020", "rubric_code": "wuwei-2020-county"}
TARGET = {"key": "liangzhou", "name": "凉州区", "kind": "county", "website": "https://liangzhou.example.org/",
          "apply_url": "https://liangzhou.example.org/apply", "guide_phone": "0935-0000000",
          "address": "示例路1号", "legal_representative": "赵某某", "office_hours": "08:30-12:00, 14:30-18:00"}


def _count(app, model):
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _create_campaign(admin):
    response = admin.post("/campaigns/new", CAMPAIGN)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/campaigns/(\d+)", response.headers["Location"]).group(1))


def test_admin_creates_a_campaign_and_a_target(app, login):
    from tracker.campaigns.models import Target

    admin = login("admin")
    campaign_id = _create_campaign(admin)
    response = admin.post(f"/campaigns/{campaign_id}/targets/new", TARGET)
    assert response.status_code == 302
    page = admin.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "凉州区" in page and "08:30–12:00" in page
    assert _count(app, Target) == 1


def test_bad_target_input_names_each_field_and_changes_nothing(app, login):
    from tracker.campaigns.models import Target

    admin = login("admin")
    campaign_id = _create_campaign(admin)
    bad = dict(TARGET, key="凉 州", website="liangzhou.example.org", office_hours="12:00-08:30", name="")
    response = admin.post(f"/campaigns/{campaign_id}/targets/new", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for label in ("编号", "门户网站", "办公时间", "名称"):  # Chinese names, never the internal ones (issue 18)
        assert f"<strong>{label}</strong>" in page
    assert "<code>" not in page
    assert _count(app, Target) == 0


def test_duplicate_campaign_name_and_unknown_rubric(app, login):
    from tracker.campaigns.models import Campaign

    admin = login("admin")
    _create_campaign(admin)
    response = admin.post("/campaigns/new", dict(CAMPAIGN, rubric_code="nope", year="1999"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "已有同名考评" in page and "nope" in page and "<strong>年度</strong>" in page
    assert _count(app, Campaign) == 1


def test_stale_version_is_a_conflict_and_keeps_the_first_edit(app, login):
    from tracker.campaigns.models import Target
    from tracker.extensions import db

    admin = login("admin")
    campaign_id = _create_campaign(admin)
    admin.post(f"/campaigns/{campaign_id}/targets/new", TARGET)
    with app.app_context():
        target = db.session.scalar(select(Target))
        target_id, version = target.id, target.version
    url = f"/campaigns/{campaign_id}/targets/{target_id}/edit"
    assert admin.post(url, dict(TARGET, guide_phone="0935-1111111", version=version)).status_code == 302
    response = admin.post(url, dict(TARGET, guide_phone="0935-2222222", version=version))
    assert response.status_code == 409 or "已被他人修改" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Target, target_id).guide_phone == "0935-1111111"


def test_evaluator_cannot_create_campaigns(login):
    evaluator = login("evaluator")
    assert evaluator.get("/campaigns/new").status_code == 403
    assert evaluator.post("/campaigns/new", CAMPAIGN).status_code == 403


def test_changes_are_audited(app, login):
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    admin = login("admin")
    _create_campaign(admin)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "campaign"))
        assert entry.after["name"] == CAMPAIGN["name"] and entry.user_id is not None
    assert "新建考评" in admin.get("/admin/audit").get_data(as_text=True)


def test_admin_manages_users(app, login):
    admin = login("admin")
    response = admin.post("/admin/users/new", {"username": "zhao", "name": "赵六", "role": "evaluator",
                                               "email": "zhao@example.org"})
    assert response.status_code == 302
    assert "初始密码" in admin.get("/admin/users").get_data(as_text=True)
    bad = admin.post("/admin/users/new", {"username": "zhao", "role": "boss", "email": "x"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "已存在" in page and "<strong>角色</strong>" in page


def test_a_new_campaign_copies_the_counties_of_an_earlier_one(app, login):
    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db

    admin = login("admin")
    first = _create_campaign(admin)
    assert admin.post(f"/campaigns/{first}/targets/new", TARGET).status_code == 302
    page = admin.get("/campaigns/new").get_data(as_text=True)
    assert f'<option value="{first}"' in page and "复制" in page
    response = admin.post("/campaigns/new", CAMPAIGN | {"name": "2021年考评", "year": "2021",
                                                        "copy_targets_from": str(first)})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        second = db.session.scalar(select(Campaign).where(Campaign.name == "2021年考评"))
        [copy] = db.session.scalars(select(Target).where(Target.campaign_id == second.id)).all()
        assert (copy.key, copy.name, copy.website, copy.address, copy.office_hours) == (
            "liangzhou", "凉州区", TARGET["website"], "示例路1号", [["08:30", "12:00"], ["14:30", "18:00"]])
    bad = admin.post("/campaigns/new", CAMPAIGN | {"name": "2022年考评", "copy_targets_from": "999999"})
    assert bad.status_code == 400 and "要复制被考评对象的考评不存在" in bad.get_data(as_text=True)
    assert _count(app, Campaign) == 2
