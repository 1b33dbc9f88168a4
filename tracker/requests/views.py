"""The request pages: list, new, detail, edit, deadline events, phone attempts, reply, attachments.

Every change goes through requests.operations (or core.files) and commits once here; a
TrackerError re-renders the page with the message next to the field.
"""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from ..calendar.service import current_calendar
from ..campaigns.access import get_campaign
from ..campaigns.models import Campaign, Target
from ..core import files
from ..core import parsing as p
from ..core import policy
from ..core.auth import editor_required, staff_required
from ..core.errors import LockedError, TrackerError, ValidationError, form_errors
from ..law.deadlines import STATUS_LABELS
from ..extensions import db
from ..users.models import User
from . import attachments, documents, forms
from . import operations as ops
from . import pages, phone_panel
from .law_bridge import deadline_of, phone_protocol_of
from .phone_answer import record_phone_answer
from ..law.derived import CHANNELS_BY_PURPOSE, OUTCOME_LABELS, REQUIRED_CHECKS_BY_OUTCOME
from .fields import purpose_channel_problem
from ..scoring.models import Evidence, IndicatorFacts, ScoreSheet
from ..law.deadline_terms import CHANNEL_LABELS, PARTIES
from ..core.files import Attachment
from .models import DOCUMENT_KINDS, EVENT_TYPES, PURPOSE_LABELS, REPLY_FORMS, MockRequest
from ..core import clock
from ..core import unit_of_work

bp = Blueprint("requests", __name__)


# ---------------------------------------------------------------------------- helpers

def get_request(request_id: int, action: policy.Action = policy.VIEW) -> MockRequest:
    row = db.session.get(MockRequest, request_id) or abort(404)
    policy.require(current_user, action, row, missing="模拟申请不存在")
    return row


def ensure_editable(row: MockRequest) -> None:
    if row.voided:
        raise LockedError("该申请已作废，只能查看；如需修改请先恢复。")


def apply(action) -> TrackerError | None:
    return unit_of_work.run(action).error


def active_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)))


def owner_options(campaign: Campaign) -> list[tuple[str, str]]:
    """The 填报人 choices: the campaign's team evaluators (and the admin filling in himself)."""
    team = {m.user_id for m in campaign.members}
    return [(user.username, f"{user.display_name}（{user.username}）") for user in active_users()
            if (user.role == "evaluator" and user.id in team) or user.id == current_user.id]


def remember_list_args(campaign_id: int, args: dict[str, str]) -> None:
    """The list's filters, so that "返回列表" on a request page returns to the same list (issue 18)."""
    kept = dict(session.get("request_list_args") or {})
    kept[str(campaign_id)] = args
    session["request_list_args"] = dict(list(kept.items())[-5:])  # a few campaigns: the cookie stays small


def list_args_of(campaign_id: int) -> dict[str, str]:
    return dict((session.get("request_list_args") or {}).get(str(campaign_id)) or {})


def detail_url(row_id: int, anchor: str = "") -> str:
    return url_for("requests.request_detail", request_id=row_id) + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------------------- list

@bp.get("/campaigns/<int:campaign_id>/requests")
@staff_required
def request_list(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    filters = pages.parse_filters(request.args)
    calendar, today = current_calendar(), clock.today()
    rows, total = pages.list_page(db.session, campaign.id, filters, calendar, today)
    args = {k: request.args[k] for k in pages.FILTER_KEYS if request.args.get(k) and k not in filters.errors}
    remember_list_args(campaign.id, args | ({"page": str(filters.page)} if filters.page > 1 else {}))
    return render_template(
        "requests/list.html", campaign=campaign, rows=rows, total=total, filters=filters, args=args,
        pages=max(1, -(-total // pages.PAGE_SIZE)), today=today, errors=filters.errors,
        target_options=[(t.id, t.name) for t in campaign.targets],
        owner_options=[(u.id, u.display_name) for u in active_users()],
        channels=CHANNEL_LABELS, purposes=PURPOSE_LABELS, statuses=pages.LIST_STATUSES,
    ), 400 if filters.errors else 200


# ---------------------------------------------------------------------------- new / edit

def _choice_errors(campaign: Campaign, args) -> tuple[Target | None, dict[str, str]]:
    errors: dict[str, str] = {}
    target_id = args.get("target", type=int) or 0
    # An id beyond the database's integer range overflowed inside PostgreSQL (a 500): it is just not a target.
    target = db.session.get(Target, target_id) if 0 < target_id <= p.MAX_ID else None
    if target is None or target.campaign_id != campaign.id:
        target, errors["target"] = None, "请选择本考评中的被考评对象"
    channel, purpose = args.get("channel", ""), args.get("purpose", "")
    if channel not in CHANNEL_LABELS:
        errors["channel"] = "请选择渠道"
    if purpose not in PURPOSE_LABELS:
        errors["purpose"] = "请选择申请目的"
    if not errors:
        problem = purpose_channel_problem(purpose, channel)
        if problem:
            errors["purpose"] = problem
    return target, errors


def _purpose_hints() -> list[tuple[str, str]]:
    return [(label, "、".join(CHANNEL_LABELS[c] for c in CHANNEL_LABELS if c in CHANNELS_BY_PURPOSE[purpose]))
            for purpose, label in PURPOSE_LABELS.items()]


@bp.route("/campaigns/<int:campaign_id>/requests/new", methods=["GET", "POST"])
@editor_required
def request_new(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id, policy.EDIT)
    source = request.form if request.method == "POST" else request.args
    target, errors = _choice_errors(campaign, source)
    if errors or source.get("change"):
        chosen = bool(errors) and not source.get("change") and any(map(source.get, ("target", "channel", "purpose")))
        return render_template("requests/choose.html", campaign=campaign, errors=errors if chosen else {},
                               args=source, channels=CHANNEL_LABELS, purposes=PURPOSE_LABELS,
                               target_options=[(t.id, t.name) for t in campaign.targets],
                               hints=_purpose_hints()), 400 if chosen else 200
    channel, purpose = source["channel"], source["purpose"]
    values, errors, status = forms.new_request_values(target, purpose, current_user.username), {}, 200
    if request.method == "POST":
        values, created = request.form.to_dict(), []
        error = apply(lambda: created.append(ops.create_request(
            current_user, campaign, forms.request_data(request.form, channel) | {"target": target})))
        if error is None:
            flash(f"模拟申请 {created[0].key} 已保存。", "success")
            return redirect(detail_url(created[0].id))
        errors, status = form_errors(error), error.status
    return render_template("requests/new.html", campaign=campaign, target=target, channel=channel,
                           purpose=purpose, values=values, errors=errors, fields=forms.fields_for(channel),
                           owner_options=owner_options(campaign), channel_label=CHANNEL_LABELS[channel],
                           purposes=PURPOSE_LABELS, tri_state=forms.TRI_STATE), status


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@editor_required
def request_edit(request_id: int):
    row = get_request(request_id, policy.EDIT)
    ensure_editable(row)
    values, errors, status = forms.edit_values(row), {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        error = apply(lambda: ops.update_request(current_user, row, forms.request_data(request.form, row.channel)))
        if error is None:
            flash(f"模拟申请 {row.key} 已保存。", "success")
            return redirect(detail_url(row.id))
        errors, status = form_errors(error), error.status
        row = get_request(request_id, policy.EDIT)
    return render_template("requests/edit.html", row=row, values=values, errors=errors,
                           fields=forms.fields_for(row.channel), owner_options=owner_options(row.campaign),
                           channel_label=row.channel_label, purposes=PURPOSE_LABELS,
                           tri_state=forms.TRI_STATE), status


# ---------------------------------------------------------------------------- detail

def render_detail(row: MockRequest, errors: dict | None = None, status: int = 200):
    calendar, now = current_calendar(), clock.now()
    deadline = deadline_of(row, calendar, now.date())
    protocol = phone_protocol_of(row, calendar, now=now) if row.channel == "phone" else None
    return render_template(
        "requests/detail.html", row=row, deadline=deadline, protocol=protocol, errors=errors or {},
        panel=phone_panel.phone_panel(row, protocol, calendar, now) if protocol else None,
        phone_links=phone_panel.phone_links,
        list_args=list_args_of(row.campaign_id),
        attempts=pages.attempt_rows(row, protocol) if protocol else [], facts=forms.fact_rows(row),
        checks=pages.reply_checks(row.reply), verdict=pages.reply_verdict(row, deadline.on_time),
        outcomes=OUTCOME_LABELS, event_types=EVENT_TYPES,
        parties=PARTIES, document_kinds=DOCUMENT_KINDS,
        attachments=pages.attachments_of(db.session, row.id), today=now.date(),
        days_text=pages.deadline_days_text(deadline), steps=pages.explained_steps(deadline),
        editable=not row.voided and policy.can(current_user, policy.EDIT, row),
        can_change=policy.can(current_user, policy.EDIT, row),
    ), status


@bp.get("/requests/<int:request_id>")
@staff_required
def request_detail(request_id: int):
    return render_detail(get_request(request_id))


def detail_action(request_id: int, action, success: str, anchor: str = "", *, allow_voided: bool = False):
    """A change posted from the detail page: redirect back on success, re-render with the error."""
    row = get_request(request_id, policy.EDIT)
    if not allow_voided:
        ensure_editable(row)
    error = apply(lambda: action(row))
    if error is not None:
        return render_detail(get_request(request_id), form_errors(error), error.status)
    flash(success, "success")
    return redirect(detail_url(request_id, anchor))


@bp.post("/requests/<int:request_id>/void")
@editor_required
def request_void(request_id: int):
    voiding = request.form.get("action", "void") != "restore"
    return detail_action(
        request_id, lambda row: ops.void_request(current_user, row, request.form.get("reason", ""), voided=voiding),
        "申请已作废。" if voiding else "申请已恢复。", allow_voided=not voiding)


@bp.post("/requests/<int:request_id>/events")
@editor_required
def event_add(request_id: int):
    return detail_action(request_id, lambda row: ops.add_event(current_user, row, request.form.to_dict()),
                         "期限事件已登记，答复期限已重新计算。", "events")


@bp.post("/requests/<int:request_id>/events/<int:event_id>/delete")
@editor_required
def event_delete(request_id: int, event_id: int):
    return detail_action(request_id, lambda row: ops.delete_event(current_user, row, event_id),
                         "期限事件已删除，答复期限已重新计算。", "events")


@bp.post("/requests/<int:request_id>/attempts")
@editor_required
def attempt_add(request_id: int):
    """A call made now (one click) or entered after the fact; the message says whether it counts."""
    row = get_request(request_id, policy.EDIT)
    ensure_editable(row)
    added = []
    error = apply(lambda: added.append(ops.add_attempt(current_user, row, forms.attempt_data(request.form))))
    if error is not None:
        return render_detail(get_request(request_id), form_errors(error), error.status)
    message, category, anchor = phone_panel.recorded_message(
        row, added[0], phone_protocol_of(row, current_calendar(), now=clock.now()))
    flash(message, category)
    return redirect(detail_url(request_id, anchor))


@bp.post("/requests/<int:request_id>/phone-answer")
@editor_required
def phone_answer(request_id: int):
    return detail_action(request_id, lambda row: record_phone_answer(current_user, row, request.form.to_dict()),
                         "已登记是否正确告知。", "phone")


@bp.post("/requests/<int:request_id>/attempts/<int:attempt_id>/delete")
@editor_required
def attempt_delete(request_id: int, attempt_id: int):
    return detail_action(request_id, lambda row: ops.delete_attempt(current_user, row, attempt_id),
                         "拨打记录已删除。", "phone")


@bp.post("/requests/<int:request_id>/documents")
@editor_required
def document_add(request_id: int):
    return detail_action(request_id, lambda row: documents.add_document(current_user, row, request.form.to_dict()),
                         "文书已登记。", "documents")


@bp.post("/requests/<int:request_id>/documents/<int:document_id>/delete")
@editor_required
def document_delete(request_id: int, document_id: int):
    return detail_action(request_id, lambda row: documents.delete_document(current_user, row, document_id),
                         "文书已删除。", "documents")


# ---------------------------------------------------------------------------- reply

@bp.route("/requests/<int:request_id>/reply", methods=["GET", "POST"])
@editor_required
def reply_form(request_id: int):
    row = get_request(request_id, policy.EDIT)
    ensure_editable(row)
    if row.channel == "phone":
        raise ValidationError({"outcome": "电话测试不登记书面答复"})
    values, errors, status = forms.reply_form_values(row.reply, row.channel), {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        error = apply(lambda: ops.save_reply(current_user, row, forms.reply_data(request.form)))
        if error is None:
            flash(f"{row.key} 的答复已保存（{STATUS_LABELS[row.status]}）。", "success")
            return redirect(detail_url(row.id, "reply"))
        errors, status = form_errors(error), error.status
        row = get_request(request_id, policy.EDIT)
    return render_template("requests/reply.html", row=row, values=values, errors=errors,
                           outcomes=OUTCOME_LABELS, required=REQUIRED_CHECKS_BY_OUTCOME, reply_forms=REPLY_FORMS,
                           checks=pages.reply_checks(None), table=pages.outcome_table()), status


@bp.post("/requests/<int:request_id>/reply/delete")
@editor_required
def reply_delete(request_id: int):
    return detail_action(request_id, lambda row: ops.delete_reply(
        current_user, row, version=forms.clean_version(request.form.get("version"))), "答复已删除。", "reply")


# ---------------------------------------------------------------------------- attachments

@bp.post("/requests/<int:request_id>/attachments")
@editor_required
def attachment_upload(request_id: int):
    def upload(row):
        ops.ensure_unlocked(row)
        files.save_upload(current_user, row, request.files.get("file"), request.form.get("description"))

    return detail_action(request_id, upload, "附件已上传。", "attachments")


@bp.post("/requests/<int:request_id>/attachments/<int:attachment_id>/delete")
@editor_required
def attachment_delete(request_id: int, attachment_id: int):
    return detail_action(request_id, lambda row: attachments.delete_attachment(current_user, row, attachment_id),
                         "附件已删除。", "attachments")


def _attachment_owner(attachment: Attachment):
    """The request the file was uploaded on, or the sheet whose evidence it is (None: an orphan, admins only)."""
    if attachment.request_id is not None:
        return db.session.get(MockRequest, attachment.request_id)
    return db.session.scalar(select(ScoreSheet).join(IndicatorFacts, IndicatorFacts.sheet_id == ScoreSheet.id)
                             .join(Evidence, Evidence.facts_id == IndicatorFacts.id)
                             .where(Evidence.attachment_id == attachment.id).limit(1))


@bp.get("/attachments/<int:attachment_id>")
@staff_required
def attachment_download(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    owner = _attachment_owner(attachment)
    if owner is None and not policy.is_admin(current_user):
        abort(404)
    policy.require(current_user, policy.VIEW, owner, missing="附件不存在")
    return files.send_attachment(attachment)


@bp.errorhandler(413)
def _too_large(_error):
    limit = files.max_bytes() // (1024 * 1024)
    message = f"file：上传的文件超过 {limit} MB 的上限，未保存。请压缩或拆分后重新上传。"
    return render_template("errors/error.html", status=413, title="文件过大", message=message), 413
