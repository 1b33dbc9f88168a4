"""Loading built-in and file rubrics; the `tracker rubric export` contract."""
from __future__ import annotations

import ast
import dataclasses
import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from tracker.rubric import (
    DerivedScore,
    RubricError,
    builtin_codes,
    load_rubric,
    load_rubric_file,
    rubric_to_contract,
    score_indicator,
    score_sheet,
    validate_rubric_file,
)

DATA = Path(__file__).parent / "data"


def test_builtin_codes():
    assert "wuwei-2020-county" in builtin_codes()


def test_unknown_builtin():
    with pytest.raises(RubricError) as caught:
        load_rubric("wuwei-2099")
    assert caught.value.problems[0].where == "code"
    assert "wuwei-2020-county" in caught.value.problems[0].message


def test_rubric_is_immutable_and_indexed():
    rubric = load_rubric("wuwei-2020-county")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rubric.total = 99  # type: ignore[misc]
    assert rubric.indicator(31).level1 == "监督保障"
    with pytest.raises(KeyError):
        rubric.indicator(29)


def test_contract_shape():
    contract = rubric_to_contract(load_rubric("wuwei-2020-county"))
    assert list(contract) == ["code", "title", "total", "indicators"]
    assert (contract["code"], contract["total"]) == ("wuwei-2020-county", 100)
    rows = contract["indicators"]
    assert [row["id"] for row in rows] == list(range(1, 29)) + [31, 32, 33, 34]
    keys = ["id", "name", "level1", "level2", "max", "kind", "items", "responsible_unit"]
    assert all(list(row) == keys for row in rows)
    by_id = {row["id"]: row for row in rows}
    assert by_id[14]["max"] == 4.5 and by_id[17]["max"] == 0
    assert by_id[31]["level2"] == "制度建设" and by_id[31]["level1"] == "监督保障"
    assert by_id[5]["items"] == [{"points": 1, "text": by_id[5]["items"][0]["text"]},
                                 {"points": 2, "text": by_id[5]["items"][1]["text"]},
                                 {"points": 1, "text": by_id[5]["items"][2]["text"]}]
    assert by_id[10]["kind"] == "bands" and by_id[10]["responsible_unit"] is None
    assert json.loads(json.dumps(contract, ensure_ascii=False)) == contract


def test_json_file_with_the_same_structure(tmp_path):
    text = resources.files("tracker.rubric").joinpath("data/wuwei-2020-county.toml").read_text("utf-8")
    path = tmp_path / "rubric.json"
    path.write_text(json.dumps(tomllib.loads(text), ensure_ascii=False), encoding="utf-8")
    assert load_rubric_file(path) == load_rubric("wuwei-2020-county")


def test_json_file_may_use_null(tmp_path):
    mapping = tomllib.loads((DATA / "variant-2021.toml").read_text("utf-8"))
    mapping["pass_mark"] = None
    mapping["indicators"][0]["responsible_unit"] = None
    mapping["indicators"][1]["params"]["bands"][2]["max"] = None  # the open-ended band
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(mapping), encoding="utf-8")
    rubric = load_rubric_file(path)
    assert rubric.pass_mark is None and rubric.indicator(1).responsible_unit is None
    assert score_indicator(rubric.indicator(10), {"count": 80}).points == 4


@pytest.mark.parametrize("name, content, words", [
    ("rubric.yaml", "code: x", ".toml 或 .json"),
    ("broken.toml", "code = ", "文件格式错误"),
    ("broken.json", "{", "文件格式错误"),
    ("latin.toml", b"\xff\xfe", "UTF-8"),
])
def test_unreadable_files(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(RubricError) as caught:
        load_rubric_file(path)
    assert words in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(RubricError, match="无法读取"):
        load_rubric_file(tmp_path / "nope.toml")


def test_a_second_rubric_loads_without_code_change():
    rubric = load_rubric_file(DATA / "variant-2021.toml")
    assert (rubric.code, rubric.total, rubric.pass_mark) == ("test-2021-mini", 10, 6)
    assert rubric.indicator(17).max == 1
    assert rubric.indicator(1).responsible_unit == "县政府办公室"
    assert score_indicator(rubric.indicator(17), None, DerivedScore(1, "代为填写并告知程序")).points == 1
    assert score_indicator(rubric.indicator(10), {"count": 8}).points == 4
    sheet = score_sheet(rubric, {1: {"items": [True, False]}, 10: {"count": 5, "points": 2.5}},
                        {16: DerivedScore(2), 17: DerivedScore(1), 18: DerivedScore(None, "待接通")})
    assert (sheet.total, sheet.complete, sheet.pending) == (6.0, False, [18])
    assert sheet.level2 == {"重点领域信息": 3.0, "申请渠道": 2.0, "申请指导": 1.0}
    assert rubric_to_contract(rubric)["indicators"][2]["items"] == []


def test_validate_rubric_file_reports_instead_of_raising(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text((DATA / "variant-2021.toml").read_text("utf-8").replace("total = 10", "total = 11"),
                      encoding="utf-8")
    report = validate_rubric_file(broken)
    assert [(p.where, p.message) for p in report.problems] == [("total", "总分11分，但一级指标合计10分")]
    assert validate_rubric_file(tmp_path / "absent.json").problems[0].where.endswith("absent.json")
    assert validate_rubric_file(DATA / "variant-2021.toml").ok


def test_the_engine_is_pure():
    """No Flask or SQLAlchemy in the rubric engine (DESIGN.md §7)."""
    folder = resources.files("tracker.rubric")
    for entry in folder.iterdir():
        if entry.name.endswith(".py"):
            tree = ast.parse(entry.read_text("utf-8"))
            imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                        for alias in node.names}
            imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
            assert not {name for name in imported if name.split(".")[0] in ("flask", "sqlalchemy")}, entry.name
