"""The score-sheet pages: one target's 附件2 sheet with a small form per indicator, the live
preview, evidence, submit / sign / unlock / return, the campaign's list of sheets, and the
Excel template and import.

Every change goes through scoring.operations and commits once here; a TrackerError re-renders
the sheet with the user's unsaved input and the message next to the field.
"""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import inspect

from ..campaigns.models import Campaign, Target
from ..core import files
from ..core.auth import roles_required, staff_required
from ..core.errors import ConflictError, TrackerError, ValidationError, form_errors
from ..extensions import db
from ..rubric import FactsError
from . import forms, pages, workbook
from . import operations as ops
from .rubric_store import get_rubric
from .service import campaign_scores, target_scores
from ..core import clock
from ..core.edge import commit_or_error

bp = Blueprint("scoring", __name__)
editor_required = roles_required("admin", "evaluator")
reviewer_required = roles_required("admin", "reviewer")
SHEET = "/campaigns/<int:campaign_id>/targets/<int:target_id>/sheet"
CONFLICT_HINT = ("该指标已被他人修改，您的修改未保存。当前已保存的得分见右侧“得分”栏，赋分说明见表单下方；"
                 "表单中保留的是您刚才的输入，请核对后如仍以您的输入为准，再次点击“保存”。")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------- helpers

def get_campaign(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


def load(campaign_id: int, target_id: int) -> tuple[Campaign, Target]:
    campaign = get_campaign(campaign_id)
    target = db.session.get(Target, target_id)
    if target is None or target.campaign_id != campaign.id:
        abort(404)
    return campaign, target


def get_indicator(campaign: Campaign, indicator_id):
    try:
        return get_rubric(campaign.rubric_code).indicator(int(indicator_id))
    except (KeyError, ValueError, TypeError):
        abort(404)


def sheet_url(campaign: Campaign, target: Target, anchor: str = "") -> str:
    url = url_for("scoring.sheet", campaign_id=campaign.id, target_id=target.id)
    return url + (f"#{anchor}" if anchor else "")


def apply(action) -> TrackerError | None:
    return commit_or_error(action)


def labelled(errors: dict[str, str]) -> dict[str, str]:
    return {("_" if key == "_" else forms.field_label(key)): message for key, message in errors.items()}


def posted_values() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k not in ("csrf_token", "version", "indicator")}


def render_sheet(campaign: Campaign, target: Target, *, states=None, errors=None, status: int = 200):
    loaded = pages.load_sheet(campaign, target, clock.today())
    score = loaded.score()
    head = pages.header(target, loaded.rubric, loaded.sheet, score)
    editor, reviewer = current_user.role in ("admin", "evaluator"), current_user.role in ("admin", "reviewer")
    return render_template(
        "scoring/sheet.html", campaign=campaign, target=target, header=head, rubric=loaded.rubric,
        table1=pages.table1(loaded.rubric, score),
        rows=pages.build_rows(loaded, score, pages.evidence_of(loaded.sheet), states),
        errors=labelled(errors or {}), can_edit=editor and not head.locked,
        can_submit=editor and head.status == "draft", can_sign=reviewer and head.status == "submitted",
        can_unlock=reviewer and head.locked, seen=score.fingerprint(),
    ), status


# ---------------------------------------------------------------------------- the sheet

@bp.get(SHEET)
@staff_required
def sheet(campaign_id: int, target_id: int):
    return render_sheet(*load(campaign_id, target_id))


@bp.post(SHEET + "/indicators/<int:indicator_id>")
@editor_required
def save_indicator(campaign_id: int, target_id: int, indicator_id: int):
    campaign, target = load(campaign_id, target_id)
    indicator = get_indicator(campaign, indicator_id)

    def save():
        facts = forms.facts_from_form(indicator, request.form)
        ops.save_facts(current_user, campaign, target, indicator.id, facts, version=request.form.get("version"))

    error = apply(save)
    if error is None:
        flash(f"指标{indicator.id}“{indicator.name}”已保存。", "success")
        return redirect(sheet_url(campaign, target, f"i{indicator.id}"))
    if isinstance(error, ConflictError):
        state = pages.RowState(posted_values(), {}, CONFLICT_HINT)
    else:
        state = pages.RowState(posted_values(), form_errors(error))
    return render_sheet(campaign, target, states={indicator.id: state}, status=error.status)


@bp.post(SHEET + "/indicators/<int:indicator_id>/evidence")
@editor_required
def add_evidence(campaign_id: int, target_id: int, indicator_id: int):
    campaign, target = load(campaign_id, target_id)
    indicator = get_indicator(campaign, indicator_id)
    stored = []

    def add():
        upload = request.files.get("file")
        attachment_id = None
        if upload is not None and upload.filename:
            stored.append(files.save_upload(current_user, None, upload, request.form.get("note", "")[:500]))
            attachment_id = stored[0].id
        ops.add_evidence(current_user, campaign, target, indicator.id, request.form.to_dict(), attachment_id)

    error = apply(add)
    if stored and not inspect(stored[0]).persistent:
        files.discard_file(stored[0])  # not committed: keep no file without its row
    if error is None:
        flash(f"指标{indicator.id}的佐证材料已添加。", "success")
        return redirect(sheet_url(campaign, target, f"i{indicator.id}"))
    state = pages.RowState(None, form_errors(error), evidence_values=posted_values())
    return render_sheet(campaign, target, states={indicator.id: state}, status=error.status)


@bp.post(SHEET + "/preview")
@editor_required
def preview(campaign_id: int, target_id: int):
    """The whole sheet scored with one row's unsaved input, by the real engine; nothing is saved.

    Input the engine refuses is a normal answer of the preview (200, ok false, the messages).
    """
    campaign, target = load(campaign_id, target_id)
    indicator = get_indicator(campaign, request.form.get("indicator"))
    try:
        facts = forms.facts_from_form(indicator, request.form)
        score = pages.load_sheet(campaign, target, clock.today()).score({indicator.id: facts})
    except ValidationError as error:
        return jsonify({"ok": False, "errors": list(labelled(error.errors).items())})
    except FactsError as error:
        problems = {f"{indicator.id}.{e.field}": e.message_zh for e in error.errors}
        return jsonify({"ok": False, "errors": list(labelled(problems).items())})
    return jsonify(pages.preview_json(score, indicator.id))


def sheet_action(campaign_id: int, target_id: int, action, success: str):
    campaign, target = load(campaign_id, target_id)
    error = apply(lambda: action(campaign, target))
    if error is not None:
        return render_sheet(campaign, target, errors=form_errors(error), status=error.status)
    flash(success, "success")
    return redirect(sheet_url(campaign, target))


@bp.post(SHEET + "/submit")
@editor_required
def submit(campaign_id: int, target_id: int):
    return sheet_action(campaign_id, target_id, lambda c, t: ops.submit_sheet(
        current_user, ops.sheet_for(c, t), clock.today()), "评分表已提交，等待审核。")


@bp.post(SHEET + "/sign")
@reviewer_required
def sign(campaign_id: int, target_id: int):
    def action(campaign, target):
        today = clock.today()
        score = target_scores(campaign, target, today).score
        ops.sign_sheet(current_user, ops.sheet_for(campaign, target), today, score, request.form.get("seen"))

    return sheet_action(campaign_id, target_id, action, "评分表已审核通过并锁定。")


@bp.post(SHEET + "/unlock")
@reviewer_required
def unlock(campaign_id: int, target_id: int):
    return sheet_action(campaign_id, target_id, lambda c, t: ops.unlock_sheet(
        current_user, ops.sheet_for(c, t), request.form.get("reason", "")), "评分表已解锁，可以修改。")


@bp.post(SHEET + "/return")
@reviewer_required
def return_sheet(campaign_id: int, target_id: int):
    return sheet_action(campaign_id, target_id, lambda c, t: ops.return_sheet(
        current_user, ops.sheet_for(c, t), request.form.get("reason", "")), "评分表已退回填报人。")


# ---------------------------------------------------------------------------- the campaign's sheets

@bp.get("/campaigns/<int:campaign_id>/sheets")
@staff_required
def sheet_list(campaign_id: int):
    campaign = get_campaign(campaign_id)
    results = campaign_scores(campaign, clock.today())
    rows = pages.sheet_list(results, pages.user_names(results))
    return render_template("scoring/sheets.html", campaign=campaign, rows=rows,
                           is_editor=current_user.role in ("admin", "evaluator"))


@bp.get("/campaigns/<int:campaign_id>/sheets/template.xlsx")
@staff_required
def workbook_download(campaign_id: int):
    campaign = get_campaign(campaign_id)
    book = workbook.blank_workbook(campaign, campaign.targets, current=workbook.current_facts(campaign))
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"{campaign.name}-评分表.xlsx", max_age=0)


@bp.route("/campaigns/<int:campaign_id>/sheets/import", methods=["GET", "POST"])
@editor_required
def workbook_import(campaign_id: int):
    campaign = get_campaign(campaign_id)
    errors: dict[str, str] = {}
    problems: list = []
    if request.method == "POST":
        upload = request.files.get("file")
        summary = []

        def run():
            if upload is None or not upload.filename:
                raise ValidationError({"file": "请选择要导入的 Excel 文件（.xlsx）"})
            summary.append(workbook.import_facts_workbook(current_user, campaign, upload.stream))

        error = apply(run)
        if error is None:
            flash(summary[0].message, "success")
            return redirect(url_for("scoring.sheet_list", campaign_id=campaign.id))
        problems = getattr(error, "problems", [])
        errors = {} if problems else labelled(form_errors(error))
    status = 400 if errors or problems else 200
    return render_template("scoring/import.html", campaign=campaign, errors=errors, problems=problems,
                           max_mb=files.max_bytes() // (1024 * 1024)), status


@bp.errorhandler(413)
def _too_large(_error):
    limit = files.max_bytes() // (1024 * 1024)
    message = f"上传的文件超过 {limit} MB 的上限，未保存。请压缩或拆分后重新上传。"
    return render_template("errors/error.html", status=413, title="文件过大", message=message), 413
