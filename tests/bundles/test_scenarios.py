"""Scenario tests: bundles in, the scores of DESIGN.md §4 out (through import, the clock and the engine)."""
from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

SMALL = Path(__file__).resolve().parent.parent / "data" / "bundle_small.json"
TARGET = {"key": "gulang", "name": "古浪县", "office_hours": [["08:30", "12:00"], ["14:30", "18:00"]]}


def bundle(*requests, facts=None) -> dict:
    return {"format": "tracker-bundle/1",
            "campaign": {"name": "场景测试", "rubric": "wuwei-2020-county", "year": 2020},
            "team": [{"username": "zhang", "name": "张三", "email": "zhang@example.org", "role": "evaluator"}],
            "targets": [TARGET], "requests": list(requests), "facts": facts or {}}


def request(key, channel, purpose, **fields) -> dict:
    return {"key": key, "target": "gulang", "owner": "zhang", "channel": channel, "purpose": purpose,
            "subject": "测试", **fields}


def phone(key, attempts, correct=None):
    return request(key, "phone", "18", submitted_at=attempts[0][0],
                   phone={"attempts": [{"at": at, "connected": ok} for at, ok in attempts],
                          "answered_correctly": correct})


def letter(key, posted, delivered=None, returned=False, reply=None, purpose="20", **extra):
    data = request(key, "mail", purpose, submitted_at=f"{posted}T10:00:00+08:00",
                   letter={"addressee": "赵某某（虚构）", "marked": "重要部署申请", "posted_on": posted,
                           "delivered_on": delivered, "returned": returned}, **extra)
    if reply:
        data["reply"] = reply
    return data


def score_of(app, data, today, indicator):
    from tracker.bundles.importer import import_bundle
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.json_report import report_json

    with app.app_context():
        import_bundle(None, data)
        db.session.commit()
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == data["campaign"]["name"]))
        report = report_json(campaign, today)
    return report["targets"][0]["scores"][str(indicator)]


def test_phone_connected_on_third_valid_attempt_with_correct_answer_scores_2(app):
    data = bundle(phone("P1", [("2020-09-02T09:00:00+08:00", False), ("2020-09-02T10:00:00+08:00", False),
                               ("2020-09-02T15:00:00+08:00", True)], correct=True))
    assert score_of(app, data, date(2020, 9, 30), 18) == 2


def test_three_valid_misses_score_0(app):
    data = bundle(phone("P1", [("2020-09-02T09:00:00+08:00", False), ("2020-09-02T10:00:00+08:00", False),
                               ("2020-09-02T15:00:00+08:00", False)]))
    assert score_of(app, data, date(2020, 9, 30), 18) == 0


def test_a_miss_outside_office_hours_does_not_count(app):
    # 12:30 is the lunch break: only two valid misses, so the protocol is incomplete → pending.
    data = bundle(phone("P1", [("2020-09-02T09:00:00+08:00", False), ("2020-09-02T12:30:00+08:00", False),
                               ("2020-09-02T15:00:00+08:00", False)]))
    assert score_of(app, data, date(2020, 9, 2), 18) is None


def test_connected_without_a_correct_answer_scores_1(app):
    data = bundle(phone("P1", [("2020-09-02T09:00:00+08:00", True)], correct=False))
    assert score_of(app, data, date(2020, 9, 30), 18) == 1


NORMATIVE_REPLY = {"outcome": "already_public", "told_route": True, "fee_charged": 0}


def test_letter_signed_for_on_friday_before_national_day(app):
    """Signed for Fri 2020-09-25; 9-27 (Sun) and 10-10 (Sat) are make-up working days, 10-1..8 holidays.

    Counting from the next working day: 9-27(1) 9-28(2) 9-29(3) 9-30(4) 10-9(5) 10-10(6) 10-12(7) …
    10-16(11) 10-19(12) … 10-23(16) 10-26(17) 10-27(18) 10-28(19) 10-29(20) → due 2020-10-29."""
    from tracker.calendar.service import current_calendar
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    reply = dict(NORMATIVE_REPLY, dispatched_on="2020-10-29", received_on="2020-10-30")
    data = bundle(letter("L20", "2020-09-23", delivered="2020-09-25", reply=reply))
    assert score_of(app, data, date(2020, 11, 30), 20) == 2
    with app.app_context():
        row = db.session.scalar(select(MockRequest).where(MockRequest.key == "L20"))
        assert row.receipt_date == date(2020, 9, 25)
        assert row.due_date == date(2020, 10, 29) == current_calendar().add(date(2020, 9, 25), 20)
        assert row.status == "replied_on_time"


def test_a_late_reply_scores_0(app):
    reply = dict(NORMATIVE_REPLY, dispatched_on="2020-10-30")
    data = bundle(letter("L20", "2020-09-23", delivered="2020-09-25", reply=reply))
    assert score_of(app, data, date(2020, 11, 30), 20) == 0


def test_a_returned_letter_scores_0(app):
    data = bundle(letter("L20", "2020-09-23", returned=True))
    assert score_of(app, data, date(2020, 11, 30), 20) == 0


def test_a_pending_request_leaves_its_indicator_null(app):
    data = bundle(letter("L21", "2020-09-23", delivered="2020-09-25", purpose="21", marked=None))
    assert score_of(app, data, date(2020, 10, 9), 21) is None
    assert score_of(app, data, date(2020, 10, 30), 21) == 0  # past the due date with no reply


def _nineteen(fee):
    replies = {
        "19.1": {"outcome": "already_public", "told_route": True},
        "19.2": {"outcome": "disclosed", "provided_or_route_and_time": True},
        "19.3": {"outcome": "withheld", "reasons_given": True},
        "19.4": {"outcome": "special_law", "special_law_referral": True},
    }
    requests = []
    for purpose, reply in replies.items():
        key = "R" + purpose.replace(".", "")
        requests.append(request(key, "online", purpose, submitted_at="2020-09-01T10:00:00+08:00",
                                online={"window_active": True, "accepted": True, "confirmed_on": "2020-09-01"},
                                reply=dict(reply, dispatched_on="2020-09-10",
                                           fee_charged=fee if purpose == "19.2" else 0)))
    return bundle(*requests)


def test_nineteen_all_checks_pass(app):
    assert score_of(app, _nineteen(0), date(2020, 12, 1), 19) == 2.5


def test_a_fee_charged_fails_check_5_of_19(app):
    assert score_of(app, _nineteen(50), date(2020, 12, 1), 19) == 2.0


def test_bad_bundle_imports_nothing_and_names_every_path(app):
    from tracker.bundles.importer import BundleError, import_bundle
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    data = bundle(request("X1", "phone", "20"), letter("L1", "2020-02-30"))
    with app.app_context():
        with pytest.raises(BundleError) as caught:
            import_bundle(None, data)
        db.session.rollback()
        paths = {p.where for p in caught.value.problems}
        assert "$.requests[0].channel" in paths
        assert any(p.startswith("$.requests[1].letter.posted_on") for p in paths)
        assert db.session.scalar(select(Campaign)) is None


def test_operation_errors_roll_back_the_whole_import(app):
    """A problem only the operations can see (a reply dated before receipt) refuses everything."""
    from tracker.bundles.importer import BundleError, import_bundle
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    early = dict(NORMATIVE_REPLY, dispatched_on="2020-09-01")
    data = bundle(letter("L20", "2020-09-23", delivered="2020-09-25"), letter("L21", "2020-09-23", purpose="21",
                  delivered="2020-09-25", reply=early, marked=None))
    with app.app_context():
        with pytest.raises(BundleError) as caught:
            import_bundle(None, data)
        db.session.rollback()
        assert any(p.where.startswith("$.requests[1]") for p in caught.value.problems)
        assert db.session.scalar(select(MockRequest)) is None


def _normalise(exported: dict) -> dict:
    data = copy.deepcopy(exported)
    data["team"] = sorted(data["team"], key=lambda m: m["username"])
    return data


def test_export_then_import_round_trips_every_field(app):
    from tracker.bundles.exporter import export_bundle
    from tracker.bundles.importer import import_bundle
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tests.conftest import reset_database

    source = json.loads(SMALL.read_text(encoding="utf-8"))
    today = date(2020, 12, 31)
    with app.app_context():
        import_bundle(None, source)
        db.session.commit()
        campaign = db.session.scalar(select(Campaign))
        first = export_bundle(campaign, today)
        db.session.remove()
        reset_database(db)
        import_bundle(None, json.loads(json.dumps(first)))
        db.session.commit()
        second = export_bundle(db.session.scalar(select(Campaign)), today)
    assert _normalise(second) == _normalise(first)
    assert len(first["requests"]) == len(source["requests"])
    assert all("computed" in r for r in first["requests"])


def test_import_twice_merges_by_key(app):
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    source = json.loads(SMALL.read_text(encoding="utf-8"))
    with app.app_context():
        import_bundle(None, source)
        db.session.commit()
        summary = import_bundle(None, source)
        db.session.commit()
        assert summary.created["requests"] == 0
        assert len(db.session.scalars(select(MockRequest)).all()) == len(source["requests"])
