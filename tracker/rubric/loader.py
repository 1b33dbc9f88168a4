"""Load rubrics (built-in or from a .toml/.json file) and export the §6 JSON contract."""
from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..core.problems import Problem
from .model import Indicator, Item, Level1Group, Level2Group, Rubric, to_fraction, to_number
from .validate import ValidationReport, validate_rubric

_SUFFIXES = (".toml", ".json")


class RubricError(ValueError):
    """A rubric file that cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem], notes: list[str] | None = None) -> None:
        self.problems = list(problems)
        self.notes = list(notes or [])
        summary = "；".join(str(p) for p in self.problems[:5])
        more = f"（另有{len(self.problems) - 5}处）" if len(self.problems) > 5 else ""
        super().__init__(f"考评指标无效：{summary}{more}")


def _data_folder():
    return resources.files(__package__).joinpath("data")


def builtin_codes() -> list[str]:
    folder = _data_folder()
    return sorted(
        entry.name.rsplit(".", 1)[0]
        for entry in folder.iterdir()
        if entry.name.endswith(_SUFFIXES)
    )


@lru_cache(maxsize=None)
def load_rubric(code: str) -> Rubric:
    """A built-in rubric by code (cached: treat the result as read-only)."""
    folder = _data_folder()
    for suffix in _SUFFIXES:
        entry = folder.joinpath(code + suffix)
        if entry.is_file():
            rubric = parse_rubric(_decode(entry.read_bytes(), suffix, entry.name))
            if rubric.code != code:
                raise RubricError([Problem("code", f"文件 {entry.name} 中的编码为 {rubric.code}")])
            return rubric
    known = "、".join(builtin_codes()) or "无"
    raise RubricError([Problem("code", f"没有名为 {code} 的内置考评指标（现有：{known}）")])


def load_rubric_file(path: str | Path) -> Rubric:
    return parse_rubric(read_rubric_mapping(path))


def read_rubric_mapping(path: str | Path) -> dict[str, Any]:
    """The raw mapping of a .toml or .json rubric file (for ``tracker rubric validate``)."""
    path = Path(path)
    if path.suffix.lower() not in _SUFFIXES:
        raise RubricError([Problem(str(path), "只支持 .toml 或 .json 文件")])
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RubricError([Problem(str(path), f"无法读取文件：{error.strerror or error}")]) from error
    return _decode(data, path.suffix.lower(), str(path))


def validate_rubric_file(path: str | Path) -> ValidationReport:
    """For ``tracker rubric validate FILE``: every problem of the file, unreadable ones included."""
    try:
        mapping = read_rubric_mapping(path)
    except RubricError as error:
        return ValidationReport(problems=error.problems)
    return validate_rubric(mapping)


def _decode(data: bytes, suffix: str, name: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8-sig")
        return tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except UnicodeDecodeError as error:
        raise RubricError([Problem(name, f"不是 UTF-8 文本：{error}")]) from error
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise RubricError([Problem(name, f"文件格式错误：{error}")]) from error


def parse_rubric(mapping: Mapping[str, Any]) -> Rubric:
    report = validate_rubric(mapping)
    if report.problems:
        raise RubricError(report.problems, report.notes)
    by_group: dict[str, list[Indicator]] = {}
    level1_of = {
        group2["name"]: group1["name"]
        for group1 in mapping["level1"]
        for group2 in group1["level2"]
    }
    for raw in mapping["indicators"]:
        indicator = _build_indicator(raw, level1_of[raw["level2"]])
        by_group.setdefault(indicator.level2, []).append(indicator)
    return Rubric(
        code=mapping["code"],
        title=mapping["title"],
        total=float(mapping["total"]),
        pass_mark=None if mapping.get("pass_mark") is None else float(mapping["pass_mark"]),
        level1=tuple(_build_level1(group1, by_group) for group1 in mapping["level1"]),
        notes=tuple(mapping.get("notes") or ()),
    )


def _build_level1(group1: Mapping[str, Any], by_group: dict[str, list[Indicator]]) -> Level1Group:
    return Level1Group(
        name=group1["name"],
        max=float(group1["max"]),
        level2=tuple(
            Level2Group(
                name=group2["name"],
                table2_name=group2.get("table2_name") or group2["name"],
                max=float(group2["max"]),
                indicators=tuple(by_group.get(group2["name"], ())),
            )
            for group2 in group1["level2"]
        ),
    )


def _build_indicator(raw: Mapping[str, Any], level1: str) -> Indicator:
    return Indicator(
        id=raw["id"],
        name=raw["name"],
        level1=level1,
        level2=raw["level2"],
        max=float(raw["max"]),
        kind=raw["kind"],
        items=tuple(Item(float(item["points"]), item["text"]) for item in raw.get("items") or ()),
        criteria=(raw.get("criteria") or "").strip(),
        responsible_unit=raw.get("responsible_unit"),
        params=_without_nulls(raw.get("params") or {}),
        notes=tuple(raw.get("notes") or ()),
    )


def _without_nulls(value: Any) -> Any:
    """A deep copy in which JSON null means absent, as in TOML (the validator reads it so too)."""
    if isinstance(value, Mapping):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _number(value: float) -> int | float:
    return to_number(to_fraction(value))


def rubric_to_contract(rubric: Rubric) -> dict[str, Any]:
    """Exactly the JSON of ``tracker rubric export CODE --format json`` (DESIGN.md §6)."""
    return {
        "code": rubric.code,
        "title": rubric.title,
        "total": _number(rubric.total),
        "indicators": [
            {
                "id": indicator.id,
                "name": indicator.name,
                "level1": indicator.level1,
                "level2": indicator.level2,
                "max": _number(indicator.max),
                "kind": indicator.kind,
                "items": [{"points": _number(item.points), "text": item.text} for item in indicator.items],
                "responsible_unit": indicator.responsible_unit,
            }
            for indicator in rubric.indicators
        ],
    }
