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

from ..campaigns.access import get_campaign
from ..campaigns.models import Campaign, Target
from ..core import files
from ..core import policy
from ..core.auth import editor_required, reviewer_required, staff_required
from ..core.errors import ConflictError, TrackerError, ValidationError, form_errors
from ..core.db import reads_before_writing
from ..extensions import db
from ..rubric.model import format_points
from . import forms, live, pages, records, review, snapshot, workbook
from . import operations as ops
from .models import ScoreSheet
from .rubric_store import get_rubric
from .service import campaign_scores
from ..core import clock
from ..core import unit_of_work

bp = Blueprint("scoring", __name__)
SHEET = "/campaigns/<int:campaign_id>/targets/<int:target_id>/sheet"
CONFLICT_HINT = ("该指标已被他人修改，您的修改未保存。当前已保存的得分见右侧“得分”栏，赋分说明见表单下方；"
                 "表单中保留的是您刚才的输入，请核对后如仍以您的输入为准，再次点击“保存”。")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------------------- helpers

def load(campaign_id: int, target_id: int) -> tuple[Campaign, Target]:
    campaign = get_campaign(current_user, campaign_id)
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
    return unit_of_work.run(action).error


def labelled(errors: dict[str, str]) -> dict[str, str]:
    """Errors keyed by their Chinese label; "10.points" → "指标10 分值", naming the indicator too."""
    result = {}
    for key, message in errors.items():
        head, _, rest = key.partition(".")
        label = "_" if key == "_" else forms.field_label(key)
        label = "" if label.isascii() and label != "_" else label  # never an internal name
        result[f"指标{head} {label}".strip() if head.isdigit() and rest else label] = message
    return result


def posted_values() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k not in ("csrf_token", "version", "indicator")}


def render_sheet(campaign: Campaign, target: Target, *, states=None, errors=None, status: int = 200):
    loaded = pages.load_sheet(campaign, target, clock.today())
    signature = records.signature_of(loaded.sheet)
    live = loaded.score()
    score = signature.score if signature is not None else live  # a signed sheet shows what was signed
    head = pages.header(target, loaded.rubric, loaded.sheet, score, signature)
    editor = current_user.role in ("admin", "evaluator")
    reviewer = loaded.sheet is not None and ops.may_sign(current_user, loaded.sheet)
    refusal = review.four_eyes_refusal(current_user, loaded.sheet) if reviewer and head.status == "submitted" else None
    drift = (snapshot.differences(signature.score, live, {i: r.explanation for i, r in loaded.rows.items()},
                                  signed_wording=signature.data.get("wording", 1))
             if signature is not None and reviewer else [])
    return render_template(
        "scoring/sheet.html", campaign=campaign, target=target, header=head, rubric=loaded.rubric,
        table1=pages.table1(loaded.rubric, score),
        rows=pages.build_rows(loaded, score, pages.evidence_of(loaded.sheet), states, signature),
        errors=labelled(errors or {}), can_edit=editor and head.status == "draft",
        can_submit=editor and head.status == "draft", can_sign=reviewer and head.status == "submitted" and not refusal,
        sign_refusal=refusal, can_return=reviewer and head.status == "submitted",
        can_unlock=reviewer and head.locked, seen=live.fingerprint(),
        returned=records.return_notice(loaded.sheet), drift=drift, signature=signature,
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
    saved = []

    def save():
        facts = forms.facts_from_form(indicator, request.form)
        saved.append(ops.save_facts(current_user, campaign, target, indicator.id, facts,
                                    version=request.form.get("version")))

    error = apply(save)
    if live.wants_json():  # sheet.js saving as you go: the page stays, with every other row's input
        if error is None:
            return jsonify(live.saved_answer(indicator, saved[0]))
        return jsonify(live.refused_answer(indicator, error, CONFLICT_HINT, campaign, target)), error.status
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

    def add():
        upload = request.files.get("file")
        attachment_id = None
        if upload is not None and upload.filename:
            attachment_id = files.save_upload(current_user, None, upload, request.form.get("note", "")[:500]).id
        ops.add_evidence(current_user, campaign, target, indicator.id, request.form.to_dict(), attachment_id)

    error = apply(add)
    if error is None:
        flash(f"指标{indicator.id}的佐证材料已添加。", "success")
        return redirect(sheet_url(campaign, target, f"i{indicator.id}"))
    state = pages.RowState(None, form_errors(error), evidence_values=posted_values())
    return render_sheet(campaign, target, states={indicator.id: state}, status=error.status)


@bp.post(SHEET + "/evidence/<int:evidence_id>/delete")
@editor_required
def delete_evidence(campaign_id: int, target_id: int, evidence_id: int):
    campaign, target = load(campaign_id, target_id)
    error = apply(lambda: ops.delete_evidence(current_user, campaign, target, evidence_id))
    if error is not None:
        return render_sheet(campaign, target, errors=form_errors(error), status=error.status)
    flash("佐证材料已删除。", "success")
    return redirect(sheet_url(campaign, target))


@bp.post(SHEET + "/preview")
@editor_required
def preview(campaign_id: int, target_id: int):
    """The whole sheet scored with every edited row's unsaved input, by the real engine (live.py);
    nothing is saved. A row the engine refuses is left out of the total, with its messages."""
    campaign, target = load(campaign_id, target_id)
    loaded = pages.load_sheet(campaign, target, clock.today())
    return jsonify(live.preview_answer(loaded, live.posted_rows(loaded.rubric, request.form)))


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
    return sheet_action(campaign_id, target_id, lambda c, t: review.submit_sheet(
        current_user, ops.sheet_for(c, t), clock.today()), "评分表已提交，等待审核。")


@bp.post(SHEET + "/sign")
@reviewer_required
def sign(campaign_id: int, target_id: int):
    """Two steps: the first POST shows what will be signed (total, no 未评, the 核验码); the
    confirmation form posts again with `confirm`, and only that signs."""
    if request.form.get("confirm") != "1":
        return sign_confirmation(*load(campaign_id, target_id))

    def action(campaign, target):
        review.sign_sheet(current_user, ops.sheet_for(campaign, target), clock.today(),
                          request.form.get("seen"), request.form.get("code"))

    return sheet_action(campaign_id, target_id, action, "评分表已审核签字并锁定。")


def sign_confirmation(campaign: Campaign, target: Target):
    sheet = ops.sheet_for(campaign, target, create=False)
    try:
        if sheet is None:
            raise ValidationError({"status": "评分表须先由填报人提交，才能审核"})
        prepared = review.prepare_signature(current_user, sheet, clock.today())
        review.check_seen(prepared, request.form.get("seen"))
    except TrackerError as error:
        db.session.rollback()
        return render_sheet(campaign, target, errors=form_errors(error), status=error.status)
    return render_template("scoring/sign_confirm.html", campaign=campaign, target=target, sheet=sheet,
                           prepared=prepared, today=clock.today(), seen=request.form.get("seen"),
                           rubric=get_rubric(campaign.rubric_code), total_text=format_points(prepared.score.total),
                           maximum_text=format_points(get_rubric(campaign.rubric_code).total))


@bp.post(SHEET + "/unlock")
@reviewer_required
def unlock(campaign_id: int, target_id: int):
    return sheet_action(campaign_id, target_id, lambda c, t: review.unlock_sheet(
        current_user, ops.sheet_for(c, t), request.form.get("reason", ""), clock.today()), "评分表已解锁，可以修改。")


@bp.post(SHEET + "/return")
@reviewer_required
def return_sheet(campaign_id: int, target_id: int):
    return sheet_action(campaign_id, target_id, lambda c, t: review.return_sheet(
        current_user, ops.sheet_for(c, t), request.form.get("reason", ""), clock.today()),
        "评分表已退回填报人，退回原因已通知填报人。")


@bp.get(SHEET + "/history")
@staff_required
def history(campaign_id: int, target_id: int):
    """Who submitted, signed, returned and unlocked this sheet, when, why, and each 核验码."""
    campaign, target = load(campaign_id, target_id)
    sheet = ops.sheet_for(campaign, target, create=False)
    return render_template("scoring/history.html", campaign=campaign, target=target, sheet=sheet,
                           events=records.history(sheet), printed=snapshot.printed_code, points=format_points)


# ---------------------------------------------------------------------------- 核验: a printed code

def may_see_signature(user, signature: records.Signature) -> bool:
    """Who may look up a 核验码's record: the campaign's team and admins (core/policy.py). A code the
    user may not see is "not found", like another campaign's pages."""
    sheet = db.session.get(ScoreSheet, signature.sheet_id)
    return policy.can(user, policy.VIEW, sheet) if sheet is not None else policy.is_admin(user)


@bp.get("/verify")
@staff_required
def verify():
    typed = request.args.get("code", "").strip()
    found = records.find_signature(typed) if typed else None
    if found is not None and not may_see_signature(current_user, found):
        found = None
    current = None
    if found is not None:
        current = records.signatures_in_force([found.sheet_id]).get(found.sheet_id)
        sheet = db.session.get(ScoreSheet, found.sheet_id)
        current = current if sheet is not None and sheet.status == "signed" else None
    status = 404 if typed and found is None else 200
    return render_template("scoring/verify.html", typed=typed, found=found,
                           total_text=format_points(found.score.total) if found else "",
                           in_force=current is not None and current.event_id == found.event_id), status


# ---------------------------------------------------------------------------- the campaign's sheets

@bp.get("/campaigns/<int:campaign_id>/sheets")
@staff_required
def sheet_list(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    results = campaign_scores(campaign, clock.today())
    rows = pages.sheet_list(results, pages.user_names(results))
    return render_template("scoring/sheets.html", campaign=campaign, rows=rows,
                           is_editor=policy.can(current_user, policy.EDIT, campaign))


@bp.get("/campaigns/<int:campaign_id>/sheets/template.xlsx")
@staff_required
def workbook_download(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    book = workbook.blank_workbook(campaign, campaign.targets, current=workbook.current_facts(campaign))
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"{campaign.name}-评分表.xlsx", max_age=0)


@bp.route("/campaigns/<int:campaign_id>/sheets/import", methods=["GET", "POST"])
@editor_required
def workbook_import(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    errors: dict[str, str] = {}
    problems: list = []
    if request.method == "POST":
        # Issue 17: end the transaction the login and campaign look-ups began (on SQLite a POST's
        # first query takes the write lock), so that receiving, reading and checking the file hold
        # no lock; writers wait only for the saving itself.
        db.session.rollback()
        upload = request.files.get("file")
        summary = []

        def run():
            if upload is None or not upload.filename:
                raise ValidationError({"file": "请选择要导入的 Excel 文件（.xlsx）"})
            sheets = workbook.read_upload(upload.stream)  # no database access: no lock held while parsing
            with reads_before_writing(db.session):  # checked in a read-only transaction
                parsed = workbook.check_upload(campaign, sheets)
            summary.append(workbook.import_facts_workbook(current_user, campaign, None, parsed=parsed))

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
