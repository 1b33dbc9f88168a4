"""Request bodies are checked against the very schemas the OpenAPI document publishes.

One source for the contract and the check: the document cannot promise what the API refuses,
and the operations only ever see well-shaped data (no TypeError from a list where a string was
expected). Messages are Chinese and name the field by its dotted path (`online.confirmed_on`).
"""
from __future__ import annotations

import functools

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError

from ..core.errors import ValidationError
from ..core.schema_messages import check_dates, schema_message
from .openapi import body_schema_name, document


def check_body(data, rule: str, method: str) -> None:
    _check_text(data, "body")
    name = body_schema_name(rule, method)
    if name is None:
        return
    errors: dict[str, str] = {}
    for error in sorted(_validator(name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        for field, message in _describe(error):
            errors.setdefault(field, message)
    if errors:
        raise ValidationError(errors)


def _check_text(value, path: str) -> None:
    """NUL and lone surrogates pass JSON but not the database drivers: refuse them by name."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError({path: "不能包含空字符（\\u0000）"})
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError({path: "含有无效的 Unicode 字符（孤立的代理项）"}) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, path)
            _check_text(item, f"{path}.{key}" if path != "body" else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}.{index}")


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    root = {"$ref": f"#/components/schemas/{name}", "components": document()["components"]}
    checker = check_dates(FormatChecker(formats=()))
    return Draft202012Validator(root, format_checker=checker)


def _field(parts) -> str:
    return ".".join(str(part) for part in parts) or "body"


def _describe(error: SchemaError):
    parts = list(error.absolute_path)
    kind, expected, actual = error.validator, error.validator_value, error.instance
    if kind == "required":
        for name in expected:
            if isinstance(actual, dict) and name not in actual:
                yield _field([*parts, name]), "必填"
        return
    if kind in ("anyOf", "oneOf", "allOf") and error.context:
        # Report the branch that came closest rather than "matches none of".
        best = max(error.context, key=lambda e: len(e.absolute_path))
        yield from _describe(best)
        return
    yield _field(parts), schema_message(error)
