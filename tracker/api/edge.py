"""The API's request edge: token authentication, role check, JSON body, one unit of work
(core/unit_of_work: commit once, a lost race is a 409), JSON errors.

Every API view is registered through `endpoint()`, so no view can forget the token, the role
rule of the UI, the rollback on error or the error format
`{"error": {"status", "title", "message", "fields": {field: message}}}`.
"""
from __future__ import annotations

import json
from functools import wraps

from flask import Blueprint, current_app, g, request
from werkzeug.exceptions import HTTPException

from ..core import clock, policy, unit_of_work
from ..core import parsing as p
from ..core.errors import ERROR_TITLES, NotFound, PermissionDenied, TrackerError, ValidationError
from ..extensions import csrf, db
from . import schema_check
from .openapi import ADMIN, EDIT, READ  # noqa: F401  (re-exported for the views)
from .tokens import authenticate_bearer

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Tokens travel in a header a foreign page cannot set, so CSRF does not apply; the session
# cookie, which a foreign page can make the browser send, is never accepted here.
csrf.exempt(bp)

TITLES = ERROR_TITLES | {401: "未认证"}


class Unauthorized(TrackerError):
    status = 401


def json_response(payload, status: int = 200):
    # Rubric order (indicators 1…34) and readable Chinese, rather than sorted keys and \u escapes.
    text = current_app.json.dumps(payload, sort_keys=False, ensure_ascii=False)
    response = current_app.response_class(text + "\n", status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def error_response(status: int, message: str, fields: dict | None = None):
    response = json_response({"error": {"status": status, "title": TITLES.get(status, "出错了"),
                                         "message": message, "fields": fields or {}}}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker-api"'
    return response


def endpoint(rule: str, method: str, roles: tuple[str, ...] | None = READ):
    """Register an API view; `roles=None` means public (the OpenAPI document only)."""

    def decorator(view):
        @wraps(view)
        def wrapped(**kwargs):
            return _run(view, roles, kwargs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return view

    return decorator


def _run(view, roles, kwargs):
    def call():
        return view(**kwargs) if roles is None else view(_require_user(roles), **kwargs)

    try:
        outcome = unit_of_work.run(call)  # commits once; a refusal or a lost race comes back as the error
    except HTTPException as error:  # e.g. a body Werkzeug refused: rolled back already, answered in JSON
        return error_response(error.code or 400, TITLES.get(error.code or 400, "请求有误"))
    if outcome.error is not None:
        return _failure(outcome.error)
    payload, status = outcome.value if isinstance(outcome.value, tuple) else (outcome.value, 200)
    return json_response(payload, status)


_ACTION_OF_ROLES = {READ: policy.VIEW, EDIT: policy.EDIT, ADMIN: policy.MANAGE}


def _require_user(roles: tuple[str, ...]):
    user = authenticate_bearer(request.headers.get("Authorization"))
    if user is None:
        raise Unauthorized("缺少或无效的 API 令牌：请在请求头中提供 Authorization: Bearer <令牌>（在“个人设置”中创建）")
    if not policy.can(user, _ACTION_OF_ROLES[roles]):
        raise PermissionDenied(f"您的角色（{user.role_label}）不能执行此操作")
    g.api_actor = user
    return user


def visible_or_404(row, message: str):
    """`row` if the token's user may see it (its campaign's team, or an admin); else 404 (never 403:
    another campaign's objects are not revealed)."""
    if row is None:
        raise NotFound(message)
    policy.require(g.api_actor, policy.VIEW, row, missing=message)
    return row


def _failure(error: TrackerError):
    fields = {k: v for k, v in error.errors.items() if k != "_"} if isinstance(error, ValidationError) else None
    return error_response(error.status, error.message, fields)


# ---------------------------------------------------------------------------- input

def json_body() -> dict:
    """The request's JSON object, checked against this operation's schema in the OpenAPI document."""
    if request.mimetype != "application/json":
        raise ValidationError({"body": "请求体应为 JSON，Content-Type 须为 application/json"})
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ValidationError({"body": "请求体为空，应为 JSON 对象"})
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        where = f"（第 {error.lineno} 行第 {error.colno} 列）" if isinstance(error, json.JSONDecodeError) else ""
        raise ValidationError({"body": f"不是有效的 JSON{where}"}) from None
    schema_check.check_body(data, request.url_rule.rule, request.method)
    return data


def _refuse_constant(name: str):
    raise ValueError(f"不支持 {name}")


def query_date(name: str = "today"):
    """?today=YYYY-MM-DD makes date-dependent answers reproducible; the default is today in Beijing."""
    return p.optional_date(request.args.get(name), field=name) or clock.today()


def get_or_404(model, ident: int, message: str):
    row = db.session.get(model, ident) if 1 <= ident <= p.MAX_ID else None
    if row is None:
        raise NotFound(message)
    return row


def bounded_reference(value, field: str) -> None:
    """A digit string or number used as a database id must fit the column, or the driver raises."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if text.isascii() and text.isdigit() and int(text) > p.MAX_ID:
        raise ValidationError({field: f"编号 {text[:20]} 过大，不存在"})
