"""tracker-bundle/1: the schema and the semantic checks, path by path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tracker.bundles import BundleTextError, load_bundle_text, schema, validate_bundle
from tracker.core.problems import Problem

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "bundle_small.json"
Bundle = dict[str, Any]


@pytest.fixture(scope="module")
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def bundle(example_text: str) -> Bundle:
    return load_bundle_text(example_text)


def request_index(bundle: Bundle, key: str) -> int:
    return next(i for i, r in enumerate(bundle["requests"]) if r["key"] == key)


def request(bundle: Bundle, key: str) -> dict[str, Any]:
    found: dict[str, Any] = bundle["requests"][request_index(bundle, key)]
    return found


def paths(problems: list[Problem]) -> list[str]:
    return [p.where for p in problems]


# ---------------------------------------------------------------------------- the valid example

def test_published_schema_is_a_valid_2020_12_schema() -> None:
    Draft202012Validator.check_schema(schema())


def test_schema_returns_a_copy_callers_cannot_corrupt(bundle: Bundle) -> None:
    schema()["properties"]["format"]["const"] = "something else"
    assert schema()["properties"]["format"]["const"] == "tracker-bundle/1"
    assert validate_bundle(bundle) == []


def test_example_bundle_is_valid(bundle: Bundle) -> None:
    assert validate_bundle(bundle) == []


def test_example_bundle_covers_every_channel_and_kind_of_data(bundle: Bundle) -> None:
    assert {r["channel"] for r in bundle["requests"]} == {"online", "oral", "phone", "mail"}
    assert len(bundle["targets"]) == 2
    assert set(bundle["facts"]) == {t["key"] for t in bundle["targets"]}
    assert any(r.get("voided") for r in bundle["requests"])


def test_unknown_extra_fields_are_accepted_everywhere(bundle: Bundle) -> None:
    bundle["generator"] = {"name": "某外部工具", "version": 3}
    bundle["campaign"]["x_comment"] = "额外字段"
    bundle["team"][0]["phone"] = "0935-0000000"
    bundle["targets"][0]["x_unit"] = "区政府办"
    lz20 = request(bundle, "LZ-20")
    lz20["x_attachment"] = "scan.pdf"
    lz20["letter"]["weight_g"] = 20
    lz20["reply"]["x_pages"] = 3
    lz20["events"][0]["x_by"] = "区政府办"
    bundle["facts"]["liangzhou"]["1"]["x_checked_by"] = "zhang"
    assert validate_bundle(bundle) == []


def test_computed_block_is_ignored(bundle: Bundle) -> None:
    request(bundle, "LZ-20")["computed"] = {"due_date": "not even a date", "status": 42}
    assert validate_bundle(bundle) == []


def test_only_the_channel_sub_object_is_required(bundle: Bundle) -> None:
    lz18 = request(bundle, "LZ-18")
    assert set(lz18) >= {"phone"} and not {"online", "oral", "letter"} & set(lz18)
    assert validate_bundle(bundle) == []


def test_requests_may_refer_to_targets_and_users_of_the_existing_campaign(bundle: Bundle) -> None:
    partial = {"format": "tracker-bundle/1", "campaign": bundle["campaign"],
               "requests": [request(bundle, "LZ-20")]}
    assert paths(validate_bundle(partial)) == ["$.requests[0].owner", "$.requests[0].target"]
    assert validate_bundle(partial, known_targets={"liangzhou"}, known_users={"zhang"}) == []


# ---------------------------------------------------------------------------- broken bundles

def set_request(key: str, *path_and_value: Any) -> Callable[[Bundle], None]:
    *path, value = path_and_value

    def mutate(bundle: Bundle) -> None:
        node = request(bundle, key)
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return mutate


def delete(*path: str | int) -> Callable[[Bundle], None]:
    def mutate(bundle: Bundle) -> None:
        node: Any = bundle
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
    return mutate


def with_channel(key: str, channel: str, sub: str) -> Callable[[Bundle], None]:
    def mutate(bundle: Bundle) -> None:
        request(bundle, key)["channel"] = channel
        request(bundle, key)[sub] = {}
    return mutate


def append_copy(section: str, index: int) -> Callable[[Bundle], None]:
    return lambda b: b[section].append(copy.deepcopy(b[section][index]))


def set_top(*path_and_value: Any) -> Callable[[Bundle], None]:
    *path, value = path_and_value

    def mutate(bundle: Bundle) -> None:
        node: Any = bundle
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return mutate


# (description, mutation, exact path of the one problem, a word the message must contain)
BROKEN: list[tuple[str, Callable[[Bundle], None], str, str]] = [
    ("wrong format string", set_top("format", "tracker-bundle/2"), "$.format", "tracker-bundle/1"),
    ("missing campaign name", delete("campaign", "name"), "$.campaign.name", "缺少必填字段"),
    ("campaign year as text", set_top("campaign", "year", "2020"), "$.campaign.year", "整数"),
    ("bad date 2020-02-30", set_request("LZ-20", "reply", "dispatched_on", "2020-02-30"),
     "$.requests[7].reply.dispatched_on", "2020年2月30日不存在"),
    ("date in another format", set_request("LZ-20", "letter", "posted_on", "2020/09/01"),
     "$.requests[7].letter.posted_on", "YYYY-MM-DD"),
    ("impossible date-time", set_request("LZ-20", "submitted_at", "2020-02-30T10:00:00+08:00"),
     "$.requests[7].submitted_at", "2020年2月30日不存在"),
    ("date-time without offset", set_request("LZ-20", "submitted_at", "2020-09-01T10:00:00"),
     "$.requests[7].submitted_at", "时区"),
    ("unknown channel", set_request("LZ-21", "channel", "fax"), "$.requests[8].channel", "fax"),
    ("20 by phone", with_channel("LZ-20", "phone", "phone"), "$.requests[7].channel", "信函"),
    ("18 by online", with_channel("LZ-18", "online", "online"), "$.requests[2].channel", "电话"),
    ("16 by mail", with_channel("LZ-16", "mail", "letter"), "$.requests[0].channel", "互联网"),
    ("unknown purpose", set_request("LZ-21", "purpose", "23"), "$.requests[8].purpose", "申请目的"),
    ("request pointing at a missing target", set_request("LZ-21", "target", "gulang"),
     "$.requests[8].target", "gulang"),
    ("request owned by a stranger", set_request("LZ-21", "owner", "zhao"), "$.requests[8].owner", "zhao"),
    ("duplicate request key", set_request("LZ-21-R", "key", "LZ-21"), "$.requests[9].key", "$.requests[8]"),
    ("duplicate target key", append_copy("targets", 0), "$.targets[2].key", "重复"),
    ("duplicate username", append_copy("team", 0), "$.team[3].username", "重复"),
    ("extended 25 days", set_request("LZ-19.4", "events", 0, "working_days", 25),
     "$.requests[6].events[0].working_days", "20"),
    ("extended 0 days", set_request("LZ-19.4", "events", 0, "working_days", 0),
     "$.requests[6].events[0].working_days", "1"),
    ("extension without its days", delete("requests", 6, "events", 0, "working_days"),
     "$.requests[6].events[0].working_days", "缺少必填字段"),
    ("unknown event type", set_request("LZ-20", "events", 0, "type", "postponed"),
     "$.requests[7].events[0].type", "postponed"),
    ("unknown outcome", set_request("LZ-19.1", "reply", "outcome", "ignored"),
     "$.requests[3].reply.outcome", "答复类型"),
    ("negative fee", set_request("LZ-22", "reply", "fee_charged", -5), "$.requests[10].reply.fee_charged", "不能小于"),
    ("reply without any date", set_request("LZ-22", "reply", {"outcome": "already_public", "told_route": True}),
     "$.requests[10].reply", "dispatched_on"),
    ("phone answer as text", set_request("LZ-18", "phone", "answered_correctly", "yes"),
     "$.requests[2].phone.answered_correctly", "布尔值"),
    ("channel sub-object missing", delete("requests", 0, "online"), "$.requests[0].online", "缺少必填字段"),
    ("voided without reason", set_request("LZ-21-R", "voided", True), "$.requests[9].void_reason", "作废原因"),
    ("office hours ending before they start", set_top("targets", 0, "office_hours", 1, ["18:00", "14:30"]),
     "$.targets[0].office_hours[1]", "早于"),
    ("overlapping office hours", set_top("targets", 0, "office_hours", 1, ["11:00", "18:00"]),
     "$.targets[0].office_hours[1]", "重叠"),
    ("office hours not HH:MM", set_top("targets", 0, "office_hours", 0, ["8:30", "12:00"]),
     "$.targets[0].office_hours[0][0]", "HH:MM"),
    ("unknown target kind", set_top("targets", 1, "kind", "city"), "$.targets[1].kind", "county"),
    ("unknown role", set_top("team", 2, "role", "boss"), "$.team[2].role", "reviewer"),
    ("facts for an unknown target", set_top("facts", "gulang", {}), "$.facts.gulang", "gulang"),
    ("facts for indicator 29", set_top("facts", "liangzhou", "29", {"passed": True}),
     "$.facts.liangzhou['29']", "29"),
    ("items entered for derived indicator 16", set_top("facts", "liangzhou", "16", {"items": [True]}),
     "$.facts.liangzhou['16'].items", "override"),
    ("points not a multiple of 0.5", set_top("facts", "liangzhou", "8", {"points": 1.3}),
     "$.facts.liangzhou['8'].points", "0.5"),
    ("override without reason", set_top("facts", "liangzhou", "12", {"override": {"points": 3}}),
     "$.facts.liangzhou['12'].override.reason", "缺少必填字段"),
    ("blank override reason", set_top("facts", "liangzhou", "12", {"override": {"points": 3, "reason": " "}}),
     "$.facts.liangzhou['12'].override.reason", "不能为空"),
    ("review signed by a stranger", set_top("reviews", "liangzhou", "reviewed_by", "zhao"),
     "$.reviews.liangzhou.reviewed_by", "zhao"),
    ("requests not a list", set_top("requests", {"LZ-20": {}}), "$.requests", "数组"),
]


@pytest.mark.parametrize(("mutate", "path", "word"), [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_broken_bundle_is_refused_with_the_exact_path(bundle: Bundle, mutate: Callable[[Bundle], None],
                                                      path: str, word: str) -> None:
    mutate(bundle)
    problems = validate_bundle(bundle)
    assert paths(problems) == [path], problems
    assert word in problems[0].message


def test_indexes_used_by_the_corpus_match_the_example(bundle: Bundle) -> None:
    expected = {"LZ-16": 0, "LZ-18": 2, "LZ-19.1": 3, "LZ-19.4": 6, "LZ-20": 7, "LZ-21": 8,
                "LZ-21-R": 9, "LZ-22": 10}
    assert {key: request_index(bundle, key) for key in expected} == expected


def test_every_problem_is_reported_not_just_the_first(bundle: Bundle) -> None:
    bundle["format"] = "tracker-bundle/0"
    request(bundle, "LZ-20")["channel"] = "online"
    request(bundle, "LZ-19.1")["reply"]["outcome"] = "maybe"
    request(bundle, "LZ-19.2")["letter"]["delivered_on"] = "2020-09-31"
    bundle["targets"][1]["office_hours"] = [["12:00", "09:00"]]
    assert paths(validate_bundle(bundle)) == [
        "$.format",
        "$.requests[3].reply.outcome",
        "$.requests[4].letter.delivered_on",
        "$.requests[7].channel",
        "$.requests[7].online",
        "$.targets[1].office_hours[0]",
    ]


def test_messages_name_the_field_in_chinese(bundle: Bundle) -> None:
    request(bundle, "LZ-19.1")["reply"]["outcome"] = "maybe"
    [problem] = validate_bundle(bundle)
    assert problem.message.startswith("答复类型（outcome）")
    assert str(problem) == f"$.requests[3].reply.outcome：{problem.message}"


@pytest.mark.parametrize("data", [[], "bundle", 7, None])
def test_a_bundle_must_be_an_object(data: Any) -> None:
    assert paths(validate_bundle(data)) == ["$"]


def test_an_empty_object_lacks_format_and_campaign() -> None:
    assert paths(validate_bundle({})) == ["$.campaign", "$.format"]


# ---------------------------------------------------------------------------- text

def test_invalid_json_names_line_and_column() -> None:
    text = '{\n  "format": "tracker-bundle/1",\n  "campaign": {"name": "x"}\n  "team": []\n}\n'
    with pytest.raises(BundleTextError) as caught:
        load_bundle_text(text)
    assert (caught.value.line, caught.value.column) == (4, 3)
    assert "第 4 行第 3 列" in str(caught.value)
    assert "逗号" in caught.value.message_zh


@pytest.mark.parametrize(("text", "word"), [
    ('{"format": "tracker-bundle/1", "format": "x"}', "出现了两次"),
    ('{"campaign": {"year": NaN}}', "NaN"),
    ("[1, 2]", "JSON 对象"),
    ("", "第 1 行第 1 列"),
])
def test_other_unreadable_texts_are_refused_clearly(text: str, word: str) -> None:
    with pytest.raises(BundleTextError, match=word):
        load_bundle_text(text)


def test_bytes_with_a_bom_are_read(example_text: str) -> None:
    data = load_bundle_text("\ufeff".encode() + example_text.encode("utf-8"))
    assert data["format"] == "tracker-bundle/1"


def test_bytes_that_are_not_utf8_are_refused(example_text: str) -> None:
    with pytest.raises(BundleTextError, match="UTF-8"):
        load_bundle_text(example_text.encode("gb18030"))


# ---------------------------------------------------------------------------- robustness

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
fields = st.sampled_from(["format", "campaign", "team", "targets", "requests", "facts", "reviews",
                          "key", "target", "owner", "channel", "purpose", "reply", "events", "office_hours"])


@pytest.mark.slow  # generated garbage documents (2.4 s)
@settings(max_examples=150, deadline=None)
@given(field=fields, value=json_values, where=st.integers(min_value=0, max_value=15))
def test_validation_never_crashes_on_garbage(example_text: str, field: str, value: Any, where: int) -> None:
    bundle = json.loads(example_text)
    bundle["requests"][where % 3] = {field: value} if where > 2 else value
    bundle["targets"][where % 2] = value
    bundle[field] = value
    problems = validate_bundle(bundle)
    assert all(isinstance(p, Problem) and p.where.startswith("$") for p in problems)
