"""Issue 15 in bundles: every new fact exported and imported, contradictions refused with their JSON
path (future dates allowed), old tracker-bundle/1 files still valid and meaning what they meant."""
from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from sqlalchemy import select

from .test_scenarios import SMALL, bundle, letter, request


def imported(app, data):
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db

    with app.app_context():
        summary = import_bundle(None, data)
        db.session.commit()
        return summary.campaign.id


def refusal(app, data) -> dict[str, str]:
    from tracker.bundles.importer import BundleError, import_bundle
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        with pytest.raises(BundleError) as caught:
            import_bundle(None, data)
        db.session.rollback()
        assert db.session.scalar(select(MockRequest.id)) is None  # nothing imported
    return {p.where: p.message for p in caught.value.problems}


def exported(app, campaign_id, today=date(2020, 12, 31)) -> dict:
    from tracker.bundles.exporter import export_bundle
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        return export_bundle(db.session.get(Campaign, campaign_id), today)


FULL = request("F1", "online", "21", submitted_at="2020-09-01T10:00:00+08:00",
               online={"confirmed_on": "2020-09-01", "window_active": True, "accepted": None},
               events=[{"type": "consultation_started", "on": "2020-09-03", "party": "third_party"},
                       {"type": "consultation_started", "on": "2020-09-04", "party": "other_agency"},
                       {"type": "consultation_ended", "on": "2020-09-08", "party": "other_agency"},
                       {"type": "consultation_ended", "on": "2020-09-10", "party": "third_party"},
                       {"type": "fee_notified", "on": "2020-09-11", "amount": 12.5},
                       {"type": "fee_paid", "on": "2020-09-15"}],
               reply={"outcome": "disclosed", "dispatched_on": "2020-10-09", "form": "email",
                      "provided_or_route_and_time": True},
               documents=[{"kind": "acknowledgement", "on": "2020-09-02", "number": "受理001"},
                          {"kind": "fee_notice", "on": "2020-09-11", "note": "信息处理费"}])
LETTER = letter("L1", "2020-09-01", delivered="2020-09-03",
                extra_letter=None) if False else letter("L1", "2020-09-01", delivered="2020-09-03")
LETTER["letter"] |= {"kind": "to_other", "tracking_number": "EA123456785CN", "confirmed_on": None}
PHONE = request("P1", "phone", "18", submitted_at="2020-09-02T09:00:00+08:00",
                phone={"attempts": [{"at": "2020-09-02T09:00:00+08:00", "connected": True}],
                       "answered_correctly": True, "number_called": "0935-0000009"})


def test_every_new_fact_survives_export_and_import(app):
    campaign_id = imported(app, bundle(FULL, LETTER, PHONE))
    first = exported(app, campaign_id)
    by_key = {r["key"]: r for r in first["requests"]}
    full = by_key["F1"]
    assert [e.get("party") for e in full["events"][:4]] == ["third_party", "other_agency", "other_agency",
                                                            "third_party"]
    assert full["events"][4]["amount"] == 12.5 and full["reply"]["form"] == "email"
    assert [d["kind"] for d in full["documents"]] == ["acknowledgement", "fee_notice"]
    assert full["online"]["accepted"] is None  # unknown stays unknown
    assert full["computed"]["status"] == "replied_on_time"
    assert by_key["L1"]["letter"]["kind"] == "to_other" and by_key["L1"]["computed"]["receipt_date"] == "2020-09-03"
    assert by_key["P1"]["phone"]["number_called"] == "0935-0000009"
    copy_bundle = copy.deepcopy(first)
    copy_bundle["campaign"]["name"] = "副本"
    copy_bundle.pop("calendar", None)
    second = exported(app, imported(app, json.loads(json.dumps(copy_bundle))))
    strip = lambda doc: [{k: v for k, v in r.items()} for r in doc["requests"]]  # noqa: E731
    assert strip(second) == strip(first)


def test_the_union_of_consultations_and_the_fee_pause_reach_the_stored_clock(app):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    imported(app, bundle(FULL))
    with app.app_context():
        row = db.session.scalar(select(MockRequest))
        # consultations Sep 3–10 as one pause (5 working days), fee Sep 11–15 (2): 7 working days after
        # Sep 28 (National Day off, Saturday Oct 10 worked)
        assert row.due_date == date(2020, 10, 14)


@pytest.mark.parametrize(("events", "path", "words"), [
    ([{"type": "consultation_ended", "on": "2020-09-05"}, {"type": "consultation_started", "on": "2020-09-08"}],
     "$.requests[0].events[0].on", "早于其开始日期"),
    ([{"type": "clarified", "on": "2020-09-05"}], "$.requests[0].events[0].on", "没有“要求补正”"),
    ([{"type": "extended", "on": "2020-08-05", "working_days": 5}], "$.requests[0].events[0].on", "早于收到申请之日"),
    ([{"type": "fee_paid", "on": "2020-09-05"}], "$.requests[0].events[0].on", "没有“收费通知”"),
])
def test_contradictions_are_refused_with_their_path(app, events, path, words):
    data = bundle(request("C1", "online", "21", submitted_at="2020-09-01T10:00:00+08:00",
                          online={"confirmed_on": "2020-09-01"}, events=events))
    problems = refusal(app, data)
    assert words in problems[path]


def test_other_contradictions_and_purpose_20_are_refused(app):
    late_confirmation = request("C1", "online", "21", submitted_at="2020-09-05T10:00:00+08:00",
                                online={"confirmed_on": "2020-09-01"})
    early_reply = request("C2", "oral", "17", submitted_at="2020-09-05T10:00:00+08:00", oral={},
                          reply={"outcome": "disclosed", "dispatched_on": "2020-09-01"})
    not_20 = letter("C3", "2020-09-01")
    not_20["letter"] |= {"kind": "registered"}
    bad_number = letter("C4", "2020-09-01", purpose="19.2")
    bad_number["letter"] |= {"tracking_number": "XA000000001CN"}
    problems = refusal(app, bundle(late_confirmation, early_reply, not_20, bad_number))
    assert "早于提交日期" in problems["$.requests[0].online.confirmed_on"]
    assert "早于收到申请之日" in problems["$.requests[1].reply.dispatched_on"]
    assert "to_other" in problems["$.requests[2].letter.kind"]
    assert "校验码" in problems["$.requests[3].letter.tracking_number"]


def test_future_dates_are_allowed_in_bundles(app):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    imported(app, bundle(request("S1", "oral", "17", submitted_at="2030-03-01T10:00:00+08:00", oral={})))
    with app.app_context():
        assert db.session.scalar(select(MockRequest.receipt_date)) == date(2030, 3, 1)


def test_an_old_bundle_is_still_valid_and_means_what_it_meant(app):
    """tracker-bundle/1 files from before issue 15: no letter kind, no reply form."""
    from tracker.bundles.validate import validate_bundle
    from tracker.extensions import db
    from tracker.requests.models import MockRequest, Reply

    data = json.loads(SMALL.read_text(encoding="utf-8"))
    data.pop("reviews", None)  # requests are the point here, not the sheets' review
    assert validate_bundle(data) == []
    imported(app, data)
    with app.app_context():
        kinds = dict(db.session.execute(select(MockRequest.purpose, MockRequest.letter_kind)
                                        .where(MockRequest.channel == "mail")).all())
        assert kinds["20"] == "to_other" and kinds["19.2"] == "registered"
        forms = set(db.session.scalars(select(Reply.form)))
        assert forms and forms <= {"letter", "platform", "on_the_spot"}


def test_the_schema_names_the_new_facts():
    from tracker.bundles.validate import schema

    defs = schema()["$defs"]
    assert set(defs["letter"]["properties"]) >= {"kind", "tracking_other_format"}
    assert set(defs["event"]["properties"]["type"]["enum"]) >= {"fee_notified", "fee_paid", "withdrawn"}
    assert "form" in defs["reply"]["properties"] and "documents" in defs["request"]["properties"]
