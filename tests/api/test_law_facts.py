"""Issue 15 through the API: the new facts in and out, impossible dates refused (400, the field named)."""
from __future__ import annotations

TODAY = "?today=2020-12-31"


def test_new_facts_round_trip_through_the_api(api, world):
    evaluator = api("evaluator")
    created = evaluator.post(f"/campaigns/{world.campaign}/requests{TODAY}", {
        "target": "liangzhou", "channel": "mail", "purpose": "19.2", "submitted_at": "2020-09-01T09:00:00+08:00",
        "letter": {"kind": "ordinary", "posted_on": "2020-09-01", "confirmed_on": "2020-09-04",
                   "tracking_number": "SF1234567890", "tracking_other_format": True}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["letter"]["kind"] == "ordinary" and body["computed"]["receipt_date"] == "2020-09-04"
    assert any("平常信函" in step["detail"] for step in body["computed"]["steps"])
    url = f"/requests/{body['id']}"
    for event in ({"type": "consultation_started", "on": "2020-09-07", "party": "third_party"},
                  {"type": "consultation_started", "on": "2020-09-08", "party": "other_agency"},
                  {"type": "consultation_ended", "on": "2020-09-10", "party": "other_agency"},
                  {"type": "consultation_ended", "on": "2020-09-11", "party": "third_party"},
                  {"type": "fee_notified", "on": "2020-09-14", "amount": 8}):
        assert evaluator.post(url + "/events" + TODAY, event).status_code == 201
    paused = evaluator.get(url + TODAY).get_json()
    assert paused["computed"]["status"] == "abandoned"  # the fee was never paid
    assert [e.get("party") for e in paused["events"][:4]] == ["third_party", "other_agency", "other_agency",
                                                              "third_party"]
    document = evaluator.post(url + "/documents" + TODAY, {"kind": "fee_notice", "dated_on": "2020-09-14"})
    assert document.status_code == 201 and document.get_json()["documents"][0]["kind"] == "fee_notice"
    reply = evaluator.put(url + "/reply" + TODAY, {"version": 0, "outcome": "disclosed", "dispatched_on": "2020-09-30",
                                                   "form": "phone", "provided_or_route_and_time": True})
    assert reply.status_code == 200 and reply.get_json()["reply"]["form"] == "phone"


def test_impossible_dates_are_400_naming_the_field(api, world):
    evaluator = api("evaluator")
    future = evaluator.post(f"/campaigns/{world.campaign}/requests", {
        "target": "liangzhou", "channel": "oral", "purpose": "17", "submitted_at": "2045-01-01T09:00:00+08:00"})
    assert future.status_code == 400 and "submitted_at" in future.get_json()["error"]["fields"]
    stray = evaluator.post(f"/requests/{world.online}/events", {"type": "clarified", "on": "2020-09-05"})
    assert stray.status_code == 400 and "没有“要求补正”" in stray.get_json()["error"]["fields"]["on"]
    missing = evaluator.post(f"/requests/{world.online}/events", {"type": "extended", "on": "2026-02-30",
                                                                  "working_days": 3})
    assert missing.get_json()["error"]["fields"]["on"] == "2026年2月30日不存在"


def test_the_openapi_document_describes_the_new_facts(api):
    document = api("evaluator").get("/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert "DocumentInput" in schemas and "kind" in schemas["bundle.letter"]["properties"]
    assert "withdrawn" in schemas["bundle.event"]["properties"]["type"]["enum"]
    assert any("/documents" in path for path in document["paths"])
