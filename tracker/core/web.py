"""Request-level wiring: security headers, SQLite transaction mode, template helpers, error pages."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from ..law.workdays import BEIJING, format_cn_date
from . import labels, policy
from .db import from_db_time, sqlite_begin_mode
from .errors import register_error_pages
from .parsing import MAX_ID

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def cn_date(value) -> str:
    """2020年9月1日, the form printed documents use."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return format_cn_date(value)


def cn_datetime(value) -> str:
    """A stored UTC time (or an aware one) as 2020年9月1日 10:00, Beijing time."""
    if value is None:
        return ""
    moment = from_db_time(value) if value.tzinfo is None else value.astimezone(BEIJING)
    return f"{format_cn_date(moment.date())} {moment:%H:%M}"


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every URL stops at the database's integer range: /requests/99999999999999999999 is a 404,
    not an overflow inside PostgreSQL (a 500)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound()  # a 404 like any unknown id (not "no route", which may read as 405)
        return number


def install_converters(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter


def init_app(app: Flask) -> None:
    register_error_pages(app)
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.filters["cn_datetime"] = cn_datetime
    app.jinja_env.filters["field_label"] = labels.field_label
    # Templates ask the policy too: {% if can(current_user, 'edit', campaign) %}.
    app.jinja_env.globals.update(can=policy.can, is_admin=policy.is_admin)

    @app.before_request
    def _transaction_mode():
        # A page view only reads; taking the write lock for it would serialise readers behind writers.
        sqlite_begin_mode.set("DEFERRED" if request.method in SAFE_METHODS else "IMMEDIATE")

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def _reset_mode(_exc):
        sqlite_begin_mode.set("IMMEDIATE")
