"""The OCR page of a request: upload a scanned reply letter, watch the reading, accept suggestions.

Access is the request page's: policy.require(VIEW) to see, EDIT to change (404 outside the team).
The reading runs in a background job (jobs.py), never in the request; the page refreshes itself
while it runs (a meta refresh: no script needed).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from ..core import policy
from ..core.auth import editor_required, staff_required
from ..core import unit_of_work
from ..core.errors import ValidationError, form_errors
from ..core.files import max_bytes, upload_dir
from ..extensions import db
from ..law.derived import CHECK_LABELS, OUTCOME_LABELS
from ..requests.models import MockRequest
from . import engine, jobs
from . import operations as ops

bp = Blueprint("ocr", __name__)
CHECK_NAMES = ("told_route", "provided_or_route_and_time", "reasons_given", "special_law_referral", "remedy_notice",
               "fee_charged")


def _request(request_id: int, action=policy.VIEW) -> MockRequest:
    row = db.session.get(MockRequest, request_id) or abort(404)
    policy.require(current_user, action, row, missing="模拟申请不存在")
    return row


def _page_url(row: MockRequest, scan=None) -> str:
    return url_for("ocr.scan_page", request_id=row.id, **({"scan": scan.id} if scan else {}))


def _named_scan(row: MockRequest, scan_id):
    """The scan a form or link names (400 without one; 404 when this request has no such scan)."""
    if not scan_id:
        raise ValidationError({"scan": "缺少扫描件编号（scan），请从识别页面操作"})
    return ops.scan_of(row, scan_id)


@bp.get("/requests/<int:request_id>/ocr")
@staff_required
def scan_page(request_id: int):
    return _render(_request(request_id), request.args.get("scan"))


def _render(row: MockRequest, scan_id=None, errors: dict | None = None, status: int = 200):
    scan = ops.scan_of(row, scan_id)
    ready, reason = engine.installed()
    suggestions = scan.suggestions if scan is not None and scan.status == "done" else None
    return render_template(
        "ocr/page.html", row=row, scan=scan, scans=ops.scans_of(row), errors=errors or {}, ready=ready,
        unavailable=reason, suggestions=suggestions, rows=_suggestion_rows(suggestions),
        text_html=_highlighted(scan.text, suggestions) if suggestions else "",
        stale=scan is not None and jobs.is_stale(scan), max_pages=current_app.config.get("OCR_MAX_PAGES", 10),
        editable=not row.voided and policy.can(current_user, policy.EDIT, row), labels=ops.LABELS,
    ), status


def _suggestion_rows(suggestions: dict | None) -> list[dict]:
    """One row per suggestion: name, label, the value shown, the words it rests on."""
    if not suggestions:
        return []
    evidence = suggestions.get("evidence", {})
    rows = [{"name": "outcome", "label": "答复类型", "evidence": evidence.get("outcome", ""),
             "value": OUTCOME_LABELS.get(suggestions["outcome"], "未能判断") if suggestions["outcome"] else None}]
    for name in CHECK_NAMES:
        value = suggestions["checks"].get(name)
        shown = None if value is None else ("是" if value else "否")
        if name == "fee_charged" and value:
            shown = f"收费 {suggestions.get('fee_amount') or '金额未识别'} 元"
        rows.append({"name": name, "label": CHECK_LABELS.get(name, "收费"), "value": shown,
                     "evidence": evidence.get(name, "")})
    sealed = suggestions.get("sealed")
    rows.append({"name": "sealed", "label": "加盖公章", "value": None if sealed is None else ("是" if sealed else "否"),
                 "evidence": evidence.get("sealed", "")})
    rows.append({"name": "letter_date", "label": ops.LABELS["letter_date"], "value": suggestions.get("letter_date"),
                 "evidence": evidence.get("letter_date", "")})
    rows.append({"name": "doc_number", "label": "文号", "value": suggestions.get("doc_number"),
                 "evidence": evidence.get("doc_number", "")})
    return rows


def _highlighted(text: str, suggestions: dict) -> Markup:
    """The letter's text with the words each suggestion rests on marked (escaped everywhere else)."""
    spans: list[tuple[int, int, str]] = []
    for name, words in suggestions.get("evidence", {}).items():
        for piece in str(words).split("……"):
            start = text.find(piece) if piece else -1
            if start >= 0:
                spans.append((start, start + len(piece), name))
    spans.sort()
    html, position = [], 0
    for start, end, name in spans:
        if start < position:
            continue
        html.append(escape(text[position:start]))
        html.append(Markup('<mark class="ocr-evidence" data-suggestion="{}" title="{}">{}</mark>').format(
            name, ops.LABELS.get(name, "答复类型"), text[start:end]))
        position = end
    html.append(escape(text[position:]))
    return Markup("").join(html)


@bp.post("/requests/<int:request_id>/ocr")
@editor_required
def scan_upload(request_id: int):
    row = _request(request_id, policy.EDIT)
    ready, reason = engine.installed()
    if not ready:
        return _render(row, errors={"file": reason}, status=503)
    created = []
    error = unit_of_work.run(lambda: created.append(ops.upload_scan(
        current_user, row, request.files.get("file"), current_app.config.get("OCR_MAX_PAGES", 10)))).error
    if error is not None:
        return _render(_request(request_id), errors=form_errors(error), status=error.status)
    jobs.start(current_app._get_current_object(), created[0].id)
    flash("扫描件已上传，正在后台识别文字。", "success")
    return redirect(_page_url(row, created[0]))


@bp.post("/requests/<int:request_id>/ocr/retry")
@editor_required
def scan_retry(request_id: int):
    row = _request(request_id, policy.EDIT)
    scan = _named_scan(row, request.form.get("scan"))
    if scan.status == "failed" or jobs.is_stale(scan):
        scan.status = "queued"
        unit_of_work.save()
        jobs.start(current_app._get_current_object(), scan.id)
    return redirect(_page_url(row, scan))


@bp.post("/requests/<int:request_id>/ocr/accept")
@editor_required
def scan_accept(request_id: int):
    row = _request(request_id, policy.EDIT)
    scan = _named_scan(row, request.form.get("scan"))
    if request.form.get("only"):
        names = [request.form["only"]]
    elif request.form.get("all"):
        names = ops.known_names(scan.suggestions or {})
    else:
        names = request.form.getlist("accept")
    error = unit_of_work.run(lambda: ops.accept(current_user, scan, names, request.form.to_dict())).error
    if error is not None:
        return _render(_request(request_id), scan.id, form_errors(error), error.status)
    flash("已采纳所选识别建议，答复已更新。", "success")
    return redirect(_page_url(row, scan))


@bp.get("/requests/<int:request_id>/ocr/preview")
@staff_required
def scan_preview(request_id: int):
    row = _request(request_id)
    scan = _named_scan(row, request.args.get("scan"))
    number = request.args.get("page", "1")
    previews = scan.previews or []
    if not number.isdigit() or not 1 <= int(number) <= len(previews):
        abort(404)
    path = upload_dir() / previews[int(number) - 1]
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/png", max_age=0)


@bp.errorhandler(413)
def _too_large(_error):
    limit = max_bytes() // (1024 * 1024)
    row = db.session.get(MockRequest, request.view_args.get("request_id", 0)) if request.view_args else None
    message = f"扫描件超过 {limit} MB 的上传上限，未保存。请以 300 dpi 黑白或彩色扫描、只保留答复书的页面后重新上传。"
    if row is None or not policy.can(current_user, policy.VIEW, row):
        return render_template("errors/error.html", status=413, title="文件过大", message=message), 413
    return _render(row, errors={"file": message}, status=413)
