"""Domain errors shared by operations, views, CLI and API, and the Chinese error pages."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from ..extensions import db


class TrackerError(Exception):
    """Base class: carries a message meant for the user, in Chinese."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(TrackerError):
    """Bad input; `errors` maps a field name to its message and nothing was changed."""

    def __init__(self, errors: dict[str, str] | str, field: str | None = None):
        if isinstance(errors, str):
            errors = {field or "_": errors}
        self.errors = errors
        super().__init__("；".join(f"{k}：{v}" if k != "_" else v for k, v in errors.items()))


class ConflictError(TrackerError):
    status = 409

    def __init__(self, message: str = "该记录已被他人修改，请刷新页面后重新填写（您的修改未保存）。"):
        super().__init__(message)


class PermissionDenied(TrackerError):
    status = 403


class NotFound(TrackerError):
    status = 404


class LockedError(TrackerError):
    status = 409


ERROR_TITLES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的操作",
    409: "数据冲突",
    413: "文件过大",
    429: "操作过于频繁",
    500: "服务器内部错误",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, message: str | None = None):
    title = ERROR_TITLES.get(status, "出错了")
    if _wants_json():
        return jsonify({"error": {"status": status, "title": title, "message": message or title, "fields": {}}}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_pages(app: Flask) -> None:
    for status in ERROR_TITLES:
        app.register_error_handler(status, lambda error, status=status: _render(status, _describe(error)))

    @app.errorhandler(TrackerError)
    def _tracker_error(error: TrackerError):
        return _render(error.status, error.message)

    @app.errorhandler(500)
    def _server_error(error):
        # After a failed statement PostgreSQL refuses every other one until the rollback, and the error
        # page itself reads the database (the calendar banner): without this the 500 page fails too.
        db.session.rollback()
        return _render(500, _describe(error))


def _describe(error) -> str | None:
    description = getattr(error, "description", None)
    # Werkzeug's default English descriptions are not for our users.
    if description and not str(description).isascii():
        return str(description)
    return None


def form_errors(error: TrackerError) -> dict[str, str]:
    """Field → message for re-rendering a form; a conflict or refusal shows at the top ("_")."""
    return dict(getattr(error, "errors", None) or {"_": error.message})
