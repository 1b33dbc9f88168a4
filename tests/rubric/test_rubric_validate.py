"""The validator accepts the seed (with notes) and locates every problem of a broken file."""
from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pytest

from tracker.rubric import RubricError, parse_rubric, validate_rubric

_TEXT = resources.files("tracker.rubric").joinpath("data/wuwei-2020-county.toml").read_text("utf-8")
_MAPPING = tomllib.loads(_TEXT)


@pytest.fixture
def mapping() -> dict:
    return copy.deepcopy(_MAPPING)


def indicator(mapping: dict, ident: int) -> dict:
    return next(i for i in mapping["indicators"] if i["id"] == ident)


def problems(mapping) -> dict[str, str]:
    report = validate_rubric(mapping)
    assert not report.ok
    return {p.where: p.message for p in report.problems}


def test_seed_is_valid_and_its_quirks_are_notes(mapping):
    report = validate_rubric(mapping)
    assert report.ok and report.problems == []
    notes = "\n".join(report.notes)
    assert "指标17（口头申请指导）满分为0分" in notes
    assert "“制度建设”在表2中称“制度体系”" in notes
    assert "缺29、30" in notes
    assert "合格分" in notes


def test_indicator_sum_mismatch(mapping):
    indicator(mapping, 1)["max"] = 7
    found = problems(mapping)
    assert "二级指标“制度文件信息”满分10分，但其三级指标合计9分" == found["level1[0].level2[0].max"]
    assert "子项合计8分" in found["indicators[id=1].items"]


def test_level2_and_total_mismatch(mapping):
    mapping["level1"][0]["max"] = 58
    mapping["total"] = 99
    found = problems(mapping)
    assert "合计58.5分" in found["level1[0].max"]
    assert "一级指标合计99.5分" in found["total"]


def test_duplicate_id(mapping):
    mapping["indicators"][1]["id"] = 1
    found = problems(mapping)
    assert found["indicators[1].id"] == "指标编号1重复（已用于indicators[0]）"


@pytest.mark.parametrize("value", [0, -3, "4", 2.0, True])
def test_ids_are_positive_integers(mapping, value):
    mapping["indicators"][3]["id"] = value
    assert "正整数" in problems(mapping)["indicators[3].id"]


def test_band_gap(mapping):
    indicator(mapping, 10)["params"]["bands"][2]["min"] = 4
    found = problems(mapping)
    assert found == {"indicators[id=10].params.bands[2]": "档次之间有缺口：3次未被任何档次覆盖"}


def test_band_overlap_and_open_top(mapping):
    bands = indicator(mapping, 10)["params"]["bands"]
    bands[1]["min"] = 5
    bands[0]["max"] = 20
    found = problems(mapping)
    assert "重叠" in found["indicators[id=10].params.bands[1]"]
    assert "21次及以上未被覆盖" in found["indicators[id=10].params.bands"]


def test_band_points_beyond_max(mapping):
    bands = indicator(mapping, 10)["params"]["bands"]
    bands[0]["points"] = 6
    bands[1]["points_min"] = 4.5
    found = problems(mapping)
    assert "0–5分之间" in found["indicators[id=10].params.bands[0].points"]
    assert "应大于 points_min" in found["indicators[id=10].params.bands[1].points_max"]


def test_scale_max_must_equal_indicator_max(mapping):
    indicator(mapping, 8)["params"]["max"] = 3
    assert "应等于指标满分2分" in problems(mapping)["indicators[id=8].params.max"]


def test_tiered_cap_and_items(mapping):
    indicator(mapping, 5)["params"]["tiers"][1]["cap"] = 5
    indicator(mapping, 5)["items"][1]["points"] = 1
    found = problems(mapping)
    assert "0–4分之间" in found["indicators[id=5].params.tiers[1].cap"]
    assert "子项合计3分" in found["indicators[id=5].items"]


def test_unknown_kind_and_group(mapping):
    indicator(mapping, 1)["kind"] = "vibes"
    indicator(mapping, 2)["level2"] = "制度体系"
    found = problems(mapping)
    assert "checklist" in found["indicators[id=1].kind"]
    assert found["indicators[id=2].level2"] == "未知的二级指标“制度体系”"


def test_missing_and_mistyped_fields(mapping):
    del indicator(mapping, 3)["name"]
    indicator(mapping, 4)["items"][0]["points"] = 0.3
    del mapping["title"]
    found = problems(mapping)
    assert "缺少必填字段 name" in found["indicators[id=3].name"]
    assert "0.5分整数倍" in found["indicators[id=4].items[0].points"]
    assert "title" in found


def test_order_must_follow_the_groups(mapping):
    rows = mapping["indicators"]
    rows[0], rows[2] = rows[2], rows[0]
    assert "顺序" in problems(mapping)["indicators[id=1].level2"]


def test_not_a_mapping():
    assert problems([1, 2]) == {"$": "考评指标文件应为对象（表）/ rubric must be a mapping"}


def test_parse_refuses_a_broken_rubric_with_every_problem(mapping):
    indicator(mapping, 1)["max"] = 7
    mapping["indicators"][1]["id"] = 1
    with pytest.raises(RubricError) as caught:
        parse_rubric(mapping)
    locations = {p.where for p in caught.value.problems}
    assert {"indicators[1].id", "level1[0].level2[0].max"} <= locations
    assert "考评指标无效" in str(caught.value)
