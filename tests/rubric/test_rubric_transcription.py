"""The built-in wuwei-2020-county rubric checked against the seed document (附件2)."""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from tracker.rubric import load_rubric

SEED = Path(__file__).parent / "data" / "seed_wuwei_2020_county.txt"

# id: (level2 of Table 1, max, sub-item points) — read off the seed by hand.
EXPECTED = {
    1: ("制度文件信息", 8, [1] * 8),
    2: ("制度文件信息", 2, [1, 1]),
    3: ("政策解读信息", 5, [1, 1, 2, 1]),
    4: ("政策解读信息", 4, [1, 1, 1, 1]),
    5: ("决策执行信息", 4, [1, 2, 1]),
    6: ("决策执行信息", 4, [2, 2]),
    7: ("决策执行信息", 3, [1, 1, 1]),
    8: ("决策执行信息", 2, []),
    9: ("决策执行信息", 3, []),
    10: ("重点领域信息", 5, []),
    11: ("重点领域信息", 3, [1, 1, 1]),
    12: ("重点领域信息", 5, [1] * 5),
    13: ("重点领域信息", 2, [1, 1]),
    14: ("年度实施方案重点工作任务落实", 4.5, [2, 1, 1.5]),
    15: ("年度实施方案重点工作任务落实", 4, [2, 2]),
    16: ("申请渠道", 2, []),
    17: ("申请指导", 0, []),
    18: ("申请指导", 2, []),
    19: ("申请指导", 2.5, [0.5] * 5),
    20: ("申请办理", 2, []),
    21: ("申请办理", 2, []),
    22: ("申请办理", 1, []),
    23: ("政务新媒体", 6, [1.5, 1.5, 1, 1, 1]),
    24: ("政务新媒体", 4, [2, 2]),
    25: ("政务新媒体", 3, []),
    26: ("网站平台建设", 3, [0.5] * 6),
    27: ("网站平台建设", 2, [1, 0.5, 0.5]),
    28: ("网站平台建设", 2, [1, 0.5, 0.5]),
    31: ("制度建设", 3, [1, 0.5, 0.5, 0.5, 0.5]),
    32: ("制度建设", 2, [0.5, 1, 0.5]),
    33: ("工作考核", 2, [1, 1]),
    34: ("工作考核", 3, [1, 1, 1]),
}
KINDS = {
    "checklist": [1, 2, 3, 4, 6, 7, 11, 12, 13, 14, 15, 23, 24, 26, 27, 28, 31, 32, 33, 34],
    "tiered": [5, 25], "scale": [8], "all_or_nothing": [9], "bands": [10],
    "derived": [16, 17, 18, 19, 20, 21, 22],
}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("wuwei-2020-county")


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").split("\n")


def seed_table1(lines: list[str]) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(level1 names and maxima, level2 names and maxima) from Table 1."""
    rows = [line.split("\t") for line in lines if "\t" in line]
    def pairs(label_row, max_row):
        return [(n, float(m)) for n, m in zip(label_row[1:], max_row[1:]) if n and m]
    level1 = pairs(rows[0], rows[1])[:-1]  # the last column is 总得分 100
    level2_row = next(i for i, row in enumerate(rows) if row[0] == "二级指标")
    return level1, pairs(rows[level2_row], rows[level2_row + 1])


def seed_indicator_rows(lines: list[str]) -> list[tuple[str, str]]:
    """(name cell, criteria cell) of every Table 2 row, in order."""
    rows = []
    for line in lines:
        cells = line.split("\t")
        at = next((i for i, cell in enumerate(cells) if "赋分说明" in cell), None)
        if at is not None:
            rows.append(([c for c in cells[:at] if c.strip()][-1], cells[at]))
    return rows


def squash(text: str) -> str:
    return re.sub(r"\s+|</?p>", "", text)


def test_ids_are_official_numbers(rubric):
    assert [i.id for i in rubric.indicators] == list(range(1, 29)) + [31, 32, 33, 34]
    assert len(rubric.indicators) == 32


@pytest.mark.parametrize("ident", sorted(EXPECTED))
def test_indicator_numbers(rubric, ident):
    level2, maximum, items = EXPECTED[ident]
    indicator = rubric.indicator(ident)
    assert (indicator.level2, indicator.max) == (level2, maximum)
    assert [item.points for item in indicator.items] == items
    if indicator.kind in ("checklist",) or ident == 5:
        assert sum(Fraction(p) for p in items) == Fraction(maximum)


def test_kinds(rubric):
    for kind, ids in KINDS.items():
        assert [i.id for i in rubric.indicators if i.kind == kind] == ids


def test_groups_sum_as_in_table1(rubric, seed_lines):
    level1, level2 = seed_table1(seed_lines)
    assert [(g.name, g.max) for g in rubric.level1] == level1
    assert level1 == [("主动公开", 58.5), ("依申请公开", 11.5), ("政务新媒体与信息平台建设", 20), ("监督保障", 10)]
    assert [(g.name, g.max) for g in rubric.level2] == level2
    for group1 in rubric.level1:
        assert sum(Fraction(g.max) for g in group1.level2) == Fraction(group1.max)
        for group2 in group1.level2:
            assert sum(Fraction(i.max) for i in group2.indicators) == Fraction(group2.max)
    assert rubric.total == 100 == sum(g.max for g in rubric.level1)


def test_table2_names(rubric):
    names = {g.name: g.table2_name for g in rubric.level2}
    assert names["制度建设"] == "制度体系"
    assert all(k == v for k, v in names.items() if k != "制度建设")


def test_header_facts(rubric):
    assert rubric.code == "wuwei-2020-county"
    assert rubric.title == "武威市2020年政务公开工作考评指标（县区）"
    assert rubric.pass_mark is None
    assert all(i.responsible_unit is None for i in rubric.indicators)
    joined = "\n".join(rubric.notes)
    for phrase in ("合格分", "指标3", "指标17", "制度体系", "29、30", "第1259条", "缺一项扣0.5分"):
        assert phrase in joined


def test_names_and_maxima_match_seed_rows(rubric, seed_lines):
    rows = seed_indicator_rows(seed_lines)
    assert len(rows) == 32
    for indicator, (name_cell, _) in zip(rubric.indicators, rows):
        name_cell = re.sub(r"</?p>", "", name_cell).strip()
        mark = re.search(r"[（(](\d+(?:\.\d+)?)分[）)]", name_cell)
        assert (float(mark.group(1)) if mark else 0) == indicator.max, indicator.id
        bare = re.sub(r"^\d+\.\s*|\s*[（(]\d+(?:\.\d+)?分[）)]$", "", name_cell)
        assert bare == indicator.name


def test_criteria_keep_every_word_of_the_seed(rubric, seed_lines):
    for indicator, (_, cell) in zip(rubric.indicators, seed_indicator_rows(seed_lines)):
        seed_text = squash(cell).split("赋分说明")[0]
        assert squash(indicator.criteria) == seed_text, indicator.id
        assert "赋分说明" not in indicator.criteria
        assert "<p>" not in indicator.criteria


def test_item_points_match_the_marks_in_the_criteria(rubric):
    for indicator in rubric.indicators:
        if not indicator.items:
            continue
        marks = [float(a or b) for a, b in re.findall(r"\((\d+(?:\.\d+)?)分\)|\((0\.5)\)", indicator.criteria)]
        if marks:
            assert marks == [item.points for item in indicator.items], indicator.id
        else:  # 1, 2, 12, 13: "每项信息分值为1分" / "每项信息满分为1分"
            assert re.search(r"每项信息(分值|满分)为1分", indicator.criteria), indicator.id
            assert all(item.points == 1 for item in indicator.items)


@pytest.mark.parametrize("ident, phrase", [
    (1, "每项信息分值为1分,未设置或信息不完整、未更新的不得分"),
    (3, "推进脱贫攻坚“3+1”冲刺清零专项行动"),
    (5, "专门说明不规范、不明确的,最多得2分"),
    (9, "公开了的,得3分"),
    (10, "检索结果第一页出现10次及以上,得5分;出现6-10次,得3-4分;出现3-5次,得1-2分;2次以下不得分"),
    (17, "受理机构是否能代为填写政府信息公开申请"),
    (18, "如拨打一次未接通,再追拨两次"),
    (20, "在信封上注明“重要部署申请”字样"),
    (25, "若只有渠道未办理相关业务的,最多得2分"),
    (26, "上述事项完整的,得3分;缺一项扣0.5分"),
    (34, "分值权重不低于4%"),
])
def test_criteria_key_phrases(rubric, ident, phrase):
    assert phrase in rubric.indicator(ident).criteria


def test_criteria_are_split_into_lines(rubric):
    lines = rubric.indicator(1).criteria.split("\n")
    assert lines[0] == "登陆被考评对象网站,查看是否主动公开:"
    assert lines[1] == "(1)行政法规、规章和规范性文件;"


def test_quirk_notes_on_indicators(rubric):
    assert "无编号" in " ".join(rubric.indicator(3).notes)
    assert "0分" in " ".join(rubric.indicator(17).notes)
    assert "决策执行信息" in " ".join(rubric.indicator(5).notes)
    assert "第1259条" in " ".join(rubric.indicator(10).notes)
    assert "0.5" in " ".join(rubric.indicator(26).notes)


def test_rule_parameters(rubric):
    bands = rubric.indicator(10).params["bands"]
    assert [(b["min"], b.get("max")) for b in bands] == [(10, None), (6, 9), (3, 5), (0, 2)]
    assert [t["name"] for t in rubric.indicator(5).params["tiers"]] == ["standard", "nonstandard", "none"]
    assert [t["name"] for t in rubric.indicator(25).params["tiers"]] == ["smooth", "channel_only", "none"]
    assert rubric.indicator(8).params["max"] == 2
