"""Validation of ``tracker-bundle/1`` documents.

Two layers: the published JSON Schema (``schema.json``, checked here with Chinese messages) and
the rules a schema cannot express (rules.py). Every problem is reported with its JSON path
(problems.py); nothing stops at the first one.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from tracker.core.problems import Problem
from tracker.core.schema_messages import check_dates, schema_message

from .problems import OFFICIAL_INDICATOR_IDS, PathPart, json_path
from .problems import describe_field as _field
from .rules import Context


class BundleTextError(ValueError):
    """The text is not a JSON object; ``line``/``column`` are 1-based when known."""

    def __init__(self, message_zh: str, line: int | None = None, column: int | None = None):
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.line = line
        self.column = column


def schema() -> dict[str, Any]:
    """The published JSON Schema of tracker-bundle/1 (a fresh copy: callers may modify it)."""
    return copy.deepcopy(_schema())


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# ---------------------------------------------------------------------------- text -> data

_JSON_MESSAGES = {
    "Expecting value": "此处应为一个值",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name enclosed in double quotes": "字段名须用双引号括起，或有多余的逗号",
    "Unterminated string starting at": "字符串没有结束引号",
    "Invalid control character at": "字符串中含有控制字符（如未转义的换行）",
    "Extra data": "JSON 结束后还有多余内容",
}


def load_bundle_text(text: str | bytes) -> dict[str, Any]:
    """Parse bundle text; raise :class:`BundleTextError` naming the line and column of bad JSON."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BundleTextError(f"文件不是 UTF-8 编码（第 {exc.start + 1} 个字节处）") from None
    text = text.removeprefix("\ufeff")  # editors on Windows add a BOM
    try:
        data = json.loads(text, object_pairs_hook=_object_without_duplicates,
                          parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        reason = _JSON_MESSAGES.get(exc.msg, exc.msg)
        raise BundleTextError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{reason}",
                              line=exc.lineno, column=exc.colno) from None
    except RecursionError:  # [[[[…]]]] nested thousands deep: the parser gives up, the app must not crash
        raise BundleTextError("不是有效的数据包：JSON 嵌套层次过深") from None
    except ValueError as exc:  # an integer of more than 4300 digits (Python's limit on int conversion)
        if "digits" not in str(exc):
            raise
        raise BundleTextError("不是有效的数据包：数字过长（超过 4300 位）") from None
    if not isinstance(data, dict):
        raise BundleTextError("数据包的最外层应为 JSON 对象 {…}")
    return data


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would silently keep the last of two equal keys: data loss nobody notices.
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise BundleTextError(f"不是有效的数据包：同一对象中字段 {json.dumps(name, ensure_ascii=False)} 出现了两次")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise BundleTextError(f"不是有效的 JSON：不支持 {name}")


# ---------------------------------------------------------------------------- validation

def validate_bundle(
    data: Any,
    *,
    known_targets: Iterable[str] = (),
    known_users: Iterable[str] = (),
    known_indicators: Iterable[str | int] = OFFICIAL_INDICATOR_IDS,
) -> list[Problem]:
    """Every problem of ``data``, sorted by path; an empty list means the bundle may be imported.

    ``known_targets``/``known_users`` are keys that already exist in the campaign the bundle is
    merged into, so requests may refer to them without repeating them in the bundle.
    """
    problems = [*_schema_problems(data)]
    if isinstance(data, dict):
        context = Context(data, set(known_targets), set(known_users), {str(i) for i in known_indicators})
        problems += context.problems()
    unique = dict.fromkeys(problems)  # pattern and format may both flag one field
    return sorted(unique, key=lambda p: _natural_key(p.where))


def _natural_key(path: str) -> list[Any]:
    return [int(piece) if piece.isdigit() else piece for piece in re.split(r"(\d+)", path)]


@functools.cache
def _validator() -> Draft202012Validator:
    checker = check_dates(FormatChecker())
    fast = validators.extend(Draft202012Validator, {_WHEN: _when})
    return fast(_conditions_as_when(_inline_refs(_schema())), format_checker=checker)


def _quickly_valid(data: Any) -> bool:
    """True when the compiled validator finds no fault: then jsonschema would find none either.

    jsonschema spends ~5 s on a valid 12 000-request bundle, the compiled one ~0.1 s. It only
    answers yes or no: any "no" (or a value it cannot take, such as a lone surrogate or a huge
    integer) goes through jsonschema, which gives the Chinese messages and paths as before.
    """
    try:
        return bool(_quick_validator().is_valid(data))
    except Exception:  # noqa: BLE001 - whatever it cannot judge, jsonschema judges
        return False


@functools.cache
def _quick_validator():
    """The published schema compiled by jsonschema_rs, with jsonschema's own format checks and
    patterns that match the same strings as Python's ``re`` (see _python_patterns)."""
    import jsonschema_rs  # lazy: ~80 ms, and create_app loads this module for the schema alone

    checker = _validator().format_checker
    formats = {name: functools.partial(_conforms, checker, name) for name in checker.checkers}
    return jsonschema_rs.Draft202012Validator(_python_patterns(_schema()), formats=formats, validate_formats=True)


def _conforms(checker: FormatChecker, name: str, value: Any) -> bool:
    return checker.conforms(value, name)


def _python_patterns(node: Any) -> Any:
    """The schema with each \\S spelt as the class Python's ``re`` means by it.

    Rust's \\s is Unicode White_Space; Python's is str.isspace, which also takes U+001C–U+001F and
    not U+FEFF: spelt out, "\\x1c" fails "\\S" in both. (Python's "$" also matches before a final
    newline, where Rust's does not: there the compiled validator is the stricter, and jsonschema
    has the last word.)
    """
    if isinstance(node, list):
        return [_python_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: value.replace(r"\S", _python_not_space()) if key == "pattern" and isinstance(value, str)
            else _python_patterns(value) for key, value in node.items()}


@functools.cache
def _python_not_space() -> str:
    spaces = "".join(f"\\x{{{code:x}}}" for code in range(sys.maxunicode + 1) if chr(code).isspace())
    return f"[^{spaces}]"


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every local ``$ref`` replaced by its definition (the schema has no cycles).

    Same verdicts, messages and paths; jsonschema resolving a reference costs more than checking
    the value, and a 12 000-request bundle makes ~200 000 of them (about 1.5× faster without).
    """
    definitions = schema.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and set(node) <= {"$ref", "description"}:
            return inline(definitions[ref.removeprefix("#/$defs/")])
        return {key: inline(value) for key, value in node.items()}

    return {key: inline(value) for key, value in schema.items() if key != "$defs"}


# The validator's own copy of the schema (not the published one) spells each
# ``allOf: [{if: {required: [f], properties: {f: {const: v}}}, then: T}, …]`` as
# ``x-when: [[f, v, T], …]``: the same rule checked by a dictionary lookup, where jsonschema
# would build a validator for each `if` of each request (a third of the time of a large bundle).
_WHEN = "x-when"


def _conditions_as_when(node: Any) -> Any:
    if isinstance(node, list):
        return [_conditions_as_when(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _conditions_as_when(value) for key, value in node.items()}
    rules = [_as_rule(item) for item in result.get("allOf", [])]
    if rules and all(rules):
        del result["allOf"]
        result[_WHEN] = rules
    return result


def _as_rule(item: Any) -> list | None:
    """[field, constant, then] for {if: {required: [field], properties: {field: {const}}}, then}."""
    if not isinstance(item, dict) or set(item) != {"if", "then"}:
        return None
    condition = item["if"]
    if not isinstance(condition, dict) or set(condition) != {"required", "properties"}:
        return None
    (field,) = condition["required"] if len(condition["required"]) == 1 else (None,)
    test = condition["properties"].get(field) if field is not None else None
    if len(condition["properties"]) != 1 or not isinstance(test, dict) or set(test) != {"const"}:
        return None
    return [field, test["const"], item["then"]]


def _when(validator, rules: list, instance: Any, _schema: dict) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    for field, constant, then in rules:
        if field in instance and _same(instance[field], constant):
            yield from validator.descend(instance, then)


def _same(value: Any, constant: Any) -> bool:
    """JSON equality as `const` has it: true is not 1."""
    return isinstance(value, bool) == isinstance(constant, bool) and value == constant


def _schema_problems(data: Any) -> Iterator[Problem]:
    if _quickly_valid(data):
        return
    for error in _validator().iter_errors(data):
        parts = list(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    yield Problem(json_path([*parts, name]), f"缺少必填字段：{_field(name)}")
        else:
            yield Problem(json_path(parts), _schema_message(error, parts))


def _schema_message(error: ValidationError, parts: list[PathPart]) -> str:
    field = _field(next((p for p in reversed(parts) if isinstance(p, str)), ""))
    return f"{field}{schema_message(error)}"
