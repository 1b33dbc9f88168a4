"""A bundle's `reviews` go through the review operations (DESIGN.md §10.1, issue 14): four eyes,
completeness, the lock and the audit hold for bundles as for the web; a refused bundle imports
nothing."""
from __future__ import annotations

import copy
from datetime import date

import pytest
from sqlalchemy import func, select

TODAY = date(2026, 11, 30)


@pytest.fixture
def demo_bundle(app, users):
    from tracker.calendar.service import current_calendar
    from tracker.demo.data import build_demo
    from tracker.scoring.rubric_store import get_rubric

    with app.app_context():
        data = build_demo("评审导入测试", TODAY, current_calendar(), get_rubric("wuwei-2020-county"),
                          ("evaluator", "li"))
    data["team"] = data["team"] + [{"username": "evaluator", "name": "张填报", "role": "evaluator"}]
    return data


def _import(app, data):
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db

    with app.app_context():
        try:
            summary = import_bundle(None, copy.deepcopy(data))
            db.session.commit()
            return summary
        except Exception:
            db.session.rollback()
            raise


def _refused(app, data) -> dict[str, str]:
    from tracker.bundles.importer import BundleError

    with pytest.raises(BundleError) as refused:
        _import(app, data)
    return {problem.where: problem.message for problem in refused.value.problems}


def _sheets(app) -> dict[str, tuple]:
    from tracker.campaigns.models import Target
    from tracker.extensions import db
    from tracker.scoring.models import ScoreSheet

    with app.app_context():
        rows = db.session.execute(select(Target.key, ScoreSheet.status, ScoreSheet.reviewed_by_id)
                                  .join(ScoreSheet, ScoreSheet.target_id == Target.id))
        return {key: (status, reviewer) for key, status, reviewer in rows}


def _audit_actions(app) -> list[str]:
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "score_sheet")
                                       .order_by(AuditEntry.id)))


def test_a_signed_review_is_signed_through_the_operations(app, demo_bundle):
    _import(app, demo_bundle)
    sheets = _sheets(app)
    assert sheets["liangzhou"][0] == "signed" and sheets["minqin"][0] == "draft"
    assert _audit_actions(app).count("sign") == 1
    from tracker.scoring.records import signature_of
    from tracker.scoring.models import ScoreSheet
    from tracker.extensions import db

    with app.app_context():
        signed = db.session.scalar(select(ScoreSheet).where(ScoreSheet.status == "signed"))
        assert len(signature_of(signed).code) == 12
    _import(app, demo_bundle)  # the same bundle again: nothing moves
    assert _sheets(app) == sheets and _audit_actions(app).count("sign") == 1


def test_the_same_person_cannot_fill_in_and_sign(app, demo_bundle):
    data = copy.deepcopy(demo_bundle)
    data["reviews"]["liangzhou"]["reviewed_by"] = data["reviews"]["liangzhou"]["submitted_by"]
    problems = _refused(app, data)
    assert "四眼" in problems["$.reviews.liangzhou.reviewed_by"]
    assert _sheets(app) == {}


def test_an_incomplete_sheet_cannot_be_signed_by_a_bundle(app, demo_bundle):
    data = copy.deepcopy(demo_bundle)
    data["reviews"]["gulang"] = {"status": "signed", "submitted_by": "evaluator", "reviewed_by": "wang",
                                 "submitted_on": "2026-11-20", "reviewed_on": "2026-11-23"}
    problems = _refused(app, data)
    message = " ".join(v for k, v in problems.items() if k.startswith("$.reviews.gulang"))
    assert "未评" in message and "指标" in message
    assert _sheets(app) == {}


def test_unlocking_by_bundle_needs_a_reason_and_is_audited(app, demo_bundle):
    _import(app, demo_bundle)
    data = copy.deepcopy(demo_bundle)
    data["reviews"]["liangzhou"] = {"status": "draft"}
    problems = _refused(app, data)
    assert "原因" in problems["$.reviews.liangzhou.reason"]
    assert _sheets(app)["liangzhou"][0] == "signed"
    data["reviews"]["liangzhou"] = {"status": "draft", "reason": "复核发现指标20证据不足", "by": "wang"}
    _import(app, data)
    assert _sheets(app)["liangzhou"][0] == "draft"
    assert _audit_actions(app)[-1] == "unlock"


@pytest.mark.slow  # several imports of a whole bundle (1.1 s)
def test_a_bundle_cannot_change_a_locked_countys_requests(app, demo_bundle):
    _import(app, demo_bundle)
    data = copy.deepcopy(demo_bundle)
    changed = next(r for r in data["requests"] if r["target"] == "liangzhou" and r["channel"] == "online")
    changed["subject"] = "导入时改动的主题"
    problems = _refused(app, data)
    assert any("凉州区" in message and "解锁" in message for message in problems.values()), problems
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MockRequest)
                                 .where(MockRequest.subject == "导入时改动的主题")) == 0
    new = copy.deepcopy(changed) | {"key": "LZ-NEW"}
    data = copy.deepcopy(demo_bundle)
    data["requests"].append(new)
    assert any("凉州区" in message for message in _refused(app, data).values())


def test_a_code_is_verified_by_the_team_only(app, demo_bundle, login):
    from tracker.extensions import db
    from tracker.scoring.models import ScoreSheet
    from tracker.scoring.records import signature_of

    _import(app, demo_bundle)
    with app.app_context():
        code = signature_of(db.session.scalar(select(ScoreSheet).where(ScoreSheet.status == "signed"))).code
    member = login("evaluator").get(f"/verify?code={code}")
    assert member.status_code == 200 and "凉州区" in member.get_data(as_text=True)
    outsider = login("reviewer").get(f"/verify?code={code}")
    assert outsider.status_code == 404 and "凉州区" not in outsider.get_data(as_text=True)
