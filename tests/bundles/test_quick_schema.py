"""The compiled schema check that spares a valid bundle jsonschema's walk (issue 19).

Its "valid" must never let through what jsonschema refuses: then the messages stay jsonschema's.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.bundles import validate as v
from tracker.bundles import validate_bundle

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "bundle_small.json"


def _python_says_valid(data: Any) -> bool:
    return not any(True for _ in v._validator().iter_errors(data))


def test_the_example_is_valid_for_both() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert v._quickly_valid(data) and _python_says_valid(data)


@pytest.mark.slow  # every Unicode code point (5 s)
def test_not_space_matches_what_python_re_matches_for_every_code_point() -> None:
    import jsonschema_rs

    pattern = v._python_patterns({"pattern": r"\S"})["pattern"]
    compiled = jsonschema_rs.Draft202012Validator({"type": "string", "pattern": pattern})
    differ = [code for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF
              and bool(re.search(r"\S", chr(code))) != compiled.is_valid(chr(code))]
    assert differ == []


def test_values_the_compiled_check_cannot_take_go_to_jsonschema() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["campaign"]["name"] = "\ud800"  # a lone surrogate: not UTF-8, the compiled check raises
    assert v._quickly_valid(data) is False
    data["campaign"]["name"] = "\x1c"  # only a separator: Python's \S refuses it
    assert v._quickly_valid(data) is False
    assert any(p.where == "$.campaign.name" for p in validate_bundle(data))


def test_format_checks_are_jsonschemas_own() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["requests"][0]["online"]["confirmed_on"] = "2026-02-30"  # the pattern holds, the date does not exist
    assert not v._quickly_valid(data)
    assert any("2月30日不存在" in p.message for p in validate_bundle(data))


strings = st.text(alphabet=st.characters(codec="utf-8"), max_size=6) | st.sampled_from(
    ["2026-02-30", "2026-01-05", "2026-01-05T09:00:00+08:00", "2026-01-05 09:00Z", "12:30", "24:00", " ",
     "\x1c", "a\n", "x@y", "oral", "phone", "mail", "online", "submitted", "signed"])
values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | strings,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings, inner, max_size=3),
                      max_leaves=6)


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*path, key))] + [path]
    if isinstance(node, list):
        return [leaf for index, value in enumerate(node) for leaf in _leaves(value, (*path, index))] + [path]
    return [path]


@pytest.mark.slow  # a property over generated bundles (8 s)
@settings(max_examples=400, deadline=None)
@given(where=st.integers(min_value=0), value=values)
def test_quick_valid_implies_jsonschema_valid(where: int, value: Any) -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    paths = [path for path in _leaves(data) if path]
    *parents, last = paths[where % len(paths)]
    node = data
    for part in parents:
        node = node[part]
    node[last] = value
    if v._quickly_valid(data):
        assert _python_says_valid(data)
