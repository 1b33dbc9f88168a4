"""The API edge answers a lost race on the database with a 409 problem in Chinese and keeps nothing
(issue 16: one unit of work, tracker/core/unit_of_work.py)."""
from __future__ import annotations

from tests.core.test_unit_of_work import RACE_TEXT, count, lose_the_race


def test_the_api_answers_a_lost_race_with_a_409_problem_and_keeps_nothing(app, api, world, monkeypatch):
    from tracker.campaigns import operations
    from tracker.campaigns.models import Target

    lose_the_race(monkeypatch, operations, "create_target",
                  lambda target: Target(campaign_id=target.campaign_id, key=target.key, name="另一个古浪县"))
    response = api("admin").post(f"/campaigns/{world.campaign}/targets", {"key": "gulang", "name": "古浪县"})
    assert response.status_code == 409, response.get_data(as_text=True)
    problem = response.get_json()["error"]
    assert problem["status"] == 409 and problem["title"] == "数据冲突" and RACE_TEXT in problem["message"]
    assert count(app, Target, key="gulang") == 0
