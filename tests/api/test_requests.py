"""Requests through the API: each channel's computed deadline, field-named errors, versions, edits."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from .conftest import MAIL


def create(client, world, body):
    return client.post(f"/campaigns/{world.campaign}/requests?today=2020-09-25", body)


CHANNEL_CASES = [
    # channel body, expected (receipt, due, status on 2020-09-25, working days left)
    ({"channel": "online", "purpose": "16", "submitted_at": "2020-09-01T10:00:00+08:00",
      "online": {"confirmed_on": "2020-09-01", "window_active": True, "accepted": True}},
     ("2020-09-01", "2020-09-28", "awaiting_reply", 2)),  # Sunday 27 September 2020 was a make-up workday
    ({"channel": "oral", "purpose": "17", "submitted_at": "2020-09-22T10:00:00+08:00",
      "oral": {"filled_in_for_applicant": True, "procedure_explained": True}},
     ("2020-09-22", "2020-10-26", "awaiting_reply", 17)),  # across the 2020 National Day holiday
    ({"channel": "mail", "purpose": "21", "submitted_at": "2020-09-01T09:00:00+08:00",
      "letter": {"posted_on": "2020-09-01", "delivered_on": "2020-09-03"}},
     ("2020-09-03", "2020-09-30", "awaiting_reply", 4)),
    ({"channel": "phone", "purpose": "18", "submitted_at": "2020-09-02T09:00:00+08:00",
      "phone": {"question": "如何申请？"}},
     (None, None, "no_deadline", None)),
]


@pytest.mark.parametrize("body,expected", CHANNEL_CASES, ids=[c[0]["channel"] for c in CHANNEL_CASES])
def test_create_each_channel_and_read_its_deadline(api, world, body, expected):
    evaluator = api("evaluator")
    created = create(evaluator, world, {"target": "minqin"} | body)
    assert created.status_code == 201, created.get_json()
    data = evaluator.get(f"/requests/{created.get_json()['id']}?today=2020-09-25").get_json()
    computed = data["computed"]
    receipt, due, status, left = expected
    assert (computed["receipt_date"], computed["due_date"], computed["status"]) == (receipt, due, status)
    assert computed["working_days_left"] == left
    assert computed["provisional"] is False and computed["on_time"] is None
    assert computed["steps"] and all(step["title"] and step["detail"] for step in computed["steps"])
    assert data["owner"] == "evaluator" and data["target"] == "minqin" and data["key"].startswith("minqin-")
    if body["channel"] == "oral":
        holidays = [d["date"] for step in computed["steps"] for d in step["days_off"]]
        assert "2020-10-01" in holidays and any("国庆节" in step["detail"] for step in computed["steps"])


def test_purpose_channel_mismatch_names_purpose(api, world):
    response = create(api("evaluator"), world, {"target": "minqin", "channel": "online", "purpose": "20"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert set(error["fields"]) == {"purpose"} and "信函" in error["fields"]["purpose"]


def test_bad_shapes_are_400_naming_the_field(api, world):
    evaluator = api("evaluator")
    cases = {
        "channel": {"target": "minqin", "channel": "fax", "purpose": "21"},
        "online.confirmed_on": {"target": "minqin", "channel": "online", "purpose": "16",
                                "online": {"confirmed_on": "2020-02-30"}},
        "submitted_at": {"target": "minqin", "channel": "oral", "purpose": "17", "submitted_at": "yesterday"},
        "target": {"channel": "oral", "purpose": "17"},
        "key": {"target": "minqin", "channel": "oral", "purpose": "17", "key": 5},
        "letter": {"target": "minqin", "channel": "mail", "purpose": "21", "letter": ["not", "an", "object"]},
        "owner": {"target": "minqin", "channel": "oral", "purpose": "17", "owner": "99999999999999999999"},
        "subject": {"target": "minqin", "channel": "oral", "purpose": "17", "subject": "a\u0000b"},
    }
    for field, body in cases.items():
        response = create(evaluator, world, body)
        assert response.status_code == 400, (field, response.get_json())
        assert field in response.get_json()["error"]["fields"], (field, response.get_json())


def test_malformed_json_names_the_body(api, world):
    evaluator = api("evaluator")
    url = f"/api/v1/campaigns/{world.campaign}/requests"
    for raw, content_type in (('{"target": ', "application/json"), ("[1, 2]", "application/json"),
                              ('{"x": NaN}', "application/json"), ("target=minqin", "text/plain"), ("", None)):
        response = evaluator.call("POST", url, data=raw, content_type=content_type)
        assert response.status_code == 400, raw
        assert "body" in response.get_json()["error"]["fields"], raw


def test_stale_version_is_409_and_the_first_value_is_kept(api, world):
    evaluator, admin = api("evaluator"), api("admin")
    version = evaluator.get(f"/requests/{world.online}").get_json()["version"]
    first = evaluator.patch(f"/requests/{world.online}", {"version": version, "subject": "第一次修改"})
    assert first.status_code == 200 and first.get_json()["version"] == version + 1
    second = admin.patch(f"/requests/{world.online}", {"version": version, "subject": "第二次修改"})
    assert second.status_code == 409
    assert "已被他人修改" in second.get_json()["error"]["message"]
    assert evaluator.get(f"/requests/{world.online}").get_json()["subject"] == "第一次修改"


def test_patch_changes_only_the_named_fields(api, world):
    evaluator = api("evaluator")
    before = evaluator.get(f"/requests/{world.mail}").get_json()
    response = evaluator.patch(f"/requests/{world.mail}", {"version": before["version"],
                                                           "letter": {"confirmed_on": "2020-09-04"}})
    after = response.get_json()
    assert response.status_code == 200, after
    assert after["letter"]["delivered_on"] == MAIL["letter"]["delivered_on"]
    assert after["letter"]["marked"] == "重要部署申请" and after["submitted_at"] == before["submitted_at"]
    assert after["computed"]["receipt_date"] == "2020-09-04"  # the confirmation day wins (国办公开办函〔2015〕207号)
    missing = evaluator.patch(f"/requests/{world.mail}", {"subject": "无版本号"})
    assert missing.status_code == 400 and "version" in missing.get_json()["error"]["fields"]


def test_events_recompute_the_deadline_and_can_be_deleted(api, world):
    evaluator = api("evaluator")
    added = evaluator.post(f"/requests/{world.mail}/events", {"type": "extended", "on": "2020-09-10",
                                                              "working_days": 20})
    assert added.status_code == 201, added.get_json()
    data = added.get_json()
    assert data["computed"]["extension_working_days"] == 20 and data["computed"]["due_date"] == "2020-11-04"
    bad = evaluator.post(f"/requests/{world.mail}/events", {"type": "extended", "on": "2020-09-10",
                                                            "working_days": 21})
    assert bad.status_code == 400 and "working_days" in bad.get_json()["error"]["fields"]
    deleted = evaluator.delete(f"/requests/{world.mail}/events/{data['events'][0]['id']}")
    assert deleted.status_code == 200 and deleted.get_json()["computed"]["due_date"] == "2020-09-30"


def test_reply_put_needs_the_version_it_saw(api, world):
    evaluator = api("evaluator")
    reply = {"outcome": "already_public", "dispatched_on": "2020-09-25", "told_route": True}
    first = evaluator.put(f"/requests/{world.mail}/reply", reply | {"version": 0})
    assert first.status_code == 200 and first.get_json()["computed"]["status"] == "replied_on_time"
    assert evaluator.put(f"/requests/{world.mail}/reply", reply | {"version": 0}).status_code == 409
    late = evaluator.put(f"/requests/{world.mail}/reply", reply | {"version": 1, "dispatched_on": "2020-10-09"})
    assert late.status_code == 200 and late.get_json()["computed"]["status"] == "replied_late"
    assert evaluator.delete(f"/requests/{world.mail}/reply").status_code == 400  # issue 17: the version is required
    assert evaluator.delete(f"/requests/{world.mail}/reply?version=1").status_code == 409
    version = late.get_json()["reply"]["version"]
    deleted = evaluator.delete(f"/requests/{world.mail}/reply?version={version}")
    assert deleted.get_json()["computed"].get("reply_date") is None
    assert evaluator.delete(f"/requests/{world.mail}/reply?version={version}").status_code == 404


def test_phone_attempts_follow_the_protocol(api, world):
    evaluator = api("evaluator")
    url = f"/requests/{world.phone}/attempts"
    second = evaluator.post(url, {"at": "2020-09-02T10:00:00+08:00", "connected": False})
    third = evaluator.post(url, {"at": "2020-09-02T15:00:00+08:00", "connected": False})
    assert (second.status_code, third.status_code) == (201, 201)
    protocol = third.get_json()["phone_protocol"]
    assert protocol["complete"] and protocol["valid_count"] == 3 and protocol["outcome"] == "missed"
    fourth = evaluator.post(url, {"at": "2020-09-02T16:00:00+08:00", "connected": True})
    assert fourth.status_code == 400 and "at" in fourth.get_json()["error"]["fields"]
    reply = evaluator.put(f"/requests/{world.phone}/reply", {"outcome": "already_public", "version": 0,
                                                             "dispatched_on": "2020-09-03"})
    assert reply.status_code == 400 and "outcome" in reply.get_json()["error"]["fields"]


def test_a_call_in_the_future_is_refused_and_nothing_is_stored(app, api, world, monkeypatch):
    from tracker.law.workdays import BEIJING

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2020, 9, 2, 10, 30, tzinfo=BEIJING))
    evaluator = api("evaluator")
    url = f"/requests/{world.phone}"
    before = evaluator.get(url).get_json()
    for at in ("2020-09-02T10:31:00+08:00", "2020-09-02T02:31:00Z", "2020-09-03T09:00:00+08:00"):
        response = evaluator.post(url + "/attempts", {"at": at, "connected": True})
        assert response.status_code == 400, at
        assert "拨打时间不能晚于现在" in response.get_json()["error"]["fields"]["at"], at
    assert evaluator.get(url).get_json() == before
    now = evaluator.post(url + "/attempts", {"at": "2020-09-02T10:30:00+08:00", "connected": True})
    assert now.status_code == 201 and now.get_json()["phone_protocol"]["connected"] is True


def test_the_phone_protocol_says_whether_calls_on_two_days_broke_the_test(api, world):
    evaluator = api("evaluator")
    url = f"/requests/{world.phone}"
    protocol = evaluator.get(url).get_json()["phone_protocol"]
    # Its day is over (today is long after 2020), but no call was made on another day.
    assert protocol["broken"] is True and protocol["broken_by_calls"] is False
    evaluator.post(url + "/attempts", {"at": "2020-09-03T09:10:00+08:00", "connected": False})
    protocol = evaluator.get(url).get_json()["phone_protocol"]
    assert protocol["broken"] is True and protocol["broken_by_calls"] is True
    assert evaluator.get(url + "?today=2020-09-02").get_json()["phone_protocol"]["broken_by_calls"] is True


def test_the_phone_protocol_fields_are_documented(api):
    schemas = api(None).get("/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Request"]["properties"]["phone_protocol"]["$ref"].endswith("/PhoneProtocol")
    protocol = schemas["PhoneProtocol"]
    assert "broken_by_calls" in protocol["properties"] and "broken" in protocol["properties"]


def test_voided_request_is_read_only_until_restored(api, world):
    evaluator = api("evaluator")
    assert evaluator.post(f"/requests/{world.mail}/void", {}).status_code == 400  # the reason is required
    voided = evaluator.post(f"/requests/{world.mail}/void", {"void_reason": "地址写错，重寄"})
    assert voided.status_code == 200 and voided.get_json()["voided"] is True
    version = voided.get_json()["version"]
    assert evaluator.patch(f"/requests/{world.mail}", {"version": version, "subject": "x"}).status_code == 409
    listed = evaluator.get(f"/campaigns/{world.campaign}/requests").get_json()
    assert world.mail not in [item["id"] for item in listed["items"]]
    restored = evaluator.post(f"/requests/{world.mail}/void", {"voided": False})
    assert restored.status_code == 200 and restored.get_json()["voided"] is False


def test_list_filters_and_pages(api, world):
    evaluator = api("evaluator")
    url = f"/campaigns/{world.campaign}/requests"
    everything = evaluator.get(url + "?today=2020-09-25").get_json()
    assert everything["total"] == 3 and everything["limit"] == 100
    assert everything["items"][0]["key"] == "minqin-20-1"  # the earliest due date first
    phone = evaluator.get(url + "?channel=phone").get_json()
    assert [i["id"] for i in phone["items"]] == [world.phone]
    page = evaluator.get(url + "?limit=1&offset=1").get_json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["offset"] == 1
    target = evaluator.get(url + f"?target={world.other}&status=awaiting_reply&today=2020-09-25").get_json()
    assert [i["id"] for i in target["items"]] == [world.mail]
    for bad in ("limit=501", "limit=0", "offset=-1", "status=late", "target=abc", "owner=99999999999999999999",
                "today=2020-13-01"):
        response = evaluator.get(f"{url}?{bad}")
        assert response.status_code == 400, bad
        assert bad.split("=")[0] in response.get_json()["error"]["fields"], bad


def test_a_deadline_beyond_the_last_input_year_is_computed_and_provisional(app, api, world, monkeypatch):
    """Inputs stop at 2045; the calendar runs to 2050 so a late-2045 receipt still gets its due date."""
    # A submission in the future is refused (issue 15): let it be the last day of 2045.
    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2045, 12, 31, 12, tzinfo=timezone.utc))
    response = create(api("evaluator"), world, {"target": "minqin", "channel": "oral", "purpose": "17",
                                                "submitted_at": "2045-12-30T10:00:00+08:00"})
    assert response.status_code == 201
    computed = response.get_json()["computed"]
    assert computed["due_date"].startswith("2046-") and computed["provisional"] is True
