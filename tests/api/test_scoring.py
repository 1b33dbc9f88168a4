"""Score sheets, facts and the JSON report through the API."""
from __future__ import annotations

from datetime import date

OFFICIAL_IDS = [str(i) for i in [*range(1, 29), 31, 32, 33, 34]]


def facts_url(world, indicator: int) -> str:
    return f"/campaigns/{world.campaign}/targets/{world.target}/facts/{indicator}"


def test_facts_with_bad_points_are_400_naming_the_field(api, world):
    evaluator = api("evaluator")
    for facts, field in (({"points": 2.5}, "facts.points"), ({"points": 1.2}, "facts.points"),
                         ({"points": "two"}, "facts.points"), ({"items": [True, True]}, "facts.items"),
                         ({"override": {"points": 1}}, "facts.override.reason")):
        response = evaluator.put(facts_url(world, 8 if "points" in facts else 1), {"facts": facts, "version": 0})
        assert response.status_code == 400, facts
        assert field in response.get_json()["error"]["fields"], (facts, response.get_json())
    sheet = evaluator.get(f"/campaigns/{world.campaign}/targets/{world.target}/sheet").get_json()
    assert sheet["indicators"][7]["facts"] is None  # nothing was saved


def test_facts_save_scores_and_guards_the_version(api, world):
    evaluator, admin = api("evaluator"), api("admin")
    saved = evaluator.put(facts_url(world, 8), {"facts": {"points": 1.5, "note": "解读材料齐全"}, "version": 0})
    assert saved.status_code == 200, saved.get_json()
    row = next(i for i in saved.get_json()["indicators"] if i["id"] == 8)
    assert (row["points"], row["version"], row["facts"]["note"]) == (1.5, 1, "解读材料齐全")
    stale = admin.put(facts_url(world, 8), {"facts": {"points": 2}, "version": 0})
    assert stale.status_code == 409
    kept = evaluator.get(f"/campaigns/{world.campaign}/targets/{world.target}/sheet").get_json()
    assert next(i for i in kept["indicators"] if i["id"] == 8)["points"] == 1.5
    assert evaluator.put(facts_url(world, 29), {"facts": {}, "version": 0}).status_code == 404  # no indicator 29


def test_sheet_shows_scores_explanations_and_status(api, world):
    sheet = api("reviewer").get(f"/campaigns/{world.campaign}/targets/{world.target}/sheet?today=2020-12-31")
    data = sheet.get_json()
    assert sheet.status_code == 200 and data["status"] == "draft" and data["complete"] is False
    by_id = {i["id"]: i for i in data["indicators"]}
    assert [str(i) for i in by_id] == OFFICIAL_IDS
    assert by_id[16]["points"] == 2 and by_id[16]["explanation"]  # the online request: window active + accepted
    assert by_id[1]["points"] is None and 1 in data["pending"]


def test_locked_sheet_refuses_facts(app, api, world):
    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db
    from tracker.scoring.operations import sheet_for

    with app.app_context():
        sheet = sheet_for(db.session.get(Campaign, world.campaign), db.session.get(Target, world.target))
        sheet.status = "signed"
        db.session.commit()
    response = api("evaluator").put(facts_url(world, 8), {"facts": {"points": 1}, "version": 0})
    assert response.status_code == 409 and "锁定" in response.get_json()["error"]["message"]


def test_report_matches_the_design_contract(app, api, world):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.json_report import report_json

    api("evaluator").put(facts_url(world, 8), {"facts": {"points": 2}, "version": 0})
    response = api("reviewer").get(f"/campaigns/{world.campaign}/report?today=2020-12-31")
    data = response.get_json()
    assert response.status_code == 200
    assert set(data) == {"campaign", "rubric", "today", "targets"}
    assert (data["rubric"], data["today"]) == ("wuwei-2020-county", "2020-12-31")
    assert [t["name"] for t in data["targets"]] == ["凉州区", "民勤县"]
    for target in data["targets"]:
        assert set(target) == {"name", "total", "complete", "scores", "level1", "review"}  # review: DESIGN §10.1
        assert list(target["scores"]) == OFFICIAL_IDS
        assert target["total"] == sum(v for v in target["scores"].values() if v is not None)
        assert target["complete"] is False and isinstance(target["level1"], dict)
    assert data["targets"][0]["scores"]["8"] == 2
    with app.app_context():
        assert data == report_json(db.session.get(Campaign, world.campaign), date(2020, 12, 31))
    assert api("evaluator").get(f"/campaigns/{world.campaign}/report?today=31.12.2020").status_code == 400


def test_the_sheet_carries_its_review(api, world):
    sheet = api("reviewer").get(f"/campaigns/{world.campaign}/targets/{world.target}/sheet").get_json()
    assert sheet["review"] == {"status": "draft", "filled_by": None, "reviewed_by": None, "reviewed_on": None,
                               "code": None}
