from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core import clock, policy, unit_of_work
from ..core.auth import admin_required, staff_required
from ..core.errors import form_errors
from ..extensions import db
from ..scoring.rubric_store import rubric_choices
from ..users.models import User
from . import operations as ops
from .access import get_campaign
from .models import TARGET_KINDS, Campaign, Target

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def visible_campaigns() -> list[Campaign]:
    """The campaigns the current user may see, newest year first."""
    query = select(Campaign).order_by(Campaign.year.desc(), Campaign.id)
    limit = policy.visible_campaigns_clause(current_user, Campaign.id)
    return list(db.session.scalars(query if limit is None else query.where(limit)))


def get_target(campaign: Campaign, target_id: int) -> Target:
    target = db.session.get(Target, target_id)
    if target is None or target.campaign_id != campaign.id:
        abort(404)
    return target


@bp.get("/")
@staff_required
def campaign_list():
    return render_template("campaigns/list.html", campaigns=visible_campaigns())


@bp.get("/<int:campaign_id>")
@staff_required
def campaign_detail(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    return render_template("campaigns/detail.html", campaign=campaign)


@bp.post("/<int:campaign_id>/close")
@admin_required
def campaign_close(campaign_id: int):
    campaign = get_campaign(current_user, campaign_id)
    closing = request.form.get("action", "close") != "reopen"
    version = request.form.get("version")
    error = unit_of_work.run(lambda: ops.close_campaign(current_user, campaign, clock.today(), version) if closing
                             else ops.reopen_campaign(current_user, campaign, version)).error
    if error is not None:
        flash(error.message, "danger")
        return render_template("campaigns/detail.html", campaign=get_campaign(current_user, campaign_id)), error.status
    flash(f"考评“{campaign.name}”已{'归档（只读）' if closing else '重新开放'}。", "success")
    return redirect(url_for("campaigns.campaign_detail", campaign_id=campaign_id))


@bp.get("/<int:campaign_id>/targets/<int:target_id>")
@staff_required
def target_detail(campaign_id: int, target_id: int):
    """What the team needs to run its tests on a county: addresses, website, phone, hours (read-only)."""
    campaign = get_campaign(current_user, campaign_id)
    return render_template("campaigns/target.html", campaign=campaign, target=get_target(campaign, target_id))


def _campaign_form(campaign: Campaign | None):
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = request.form.to_dict() | {"member_ids": request.form.getlist("member_ids")}
        outcome = unit_of_work.run(lambda: ops.create_campaign(current_user, data) if campaign is None
                                   else ops.update_campaign(current_user, campaign, data))
        if outcome.error is not None:
            errors, status = form_errors(outcome.error), outcome.error.status
        else:
            campaign = campaign or outcome.value
            flash(f"考评“{campaign.name}”已保存。", "success")
            return redirect(url_for("campaigns.campaign_detail", campaign_id=campaign.id))
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
    earlier = [(str(c.id), f"从“{c.name}”复制") for c in visible_campaigns()]
    return render_template("campaigns/edit.html", campaign=campaign, errors=errors, users=users,
                           rubrics=rubric_choices(), campaigns=earlier), status


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def campaign_new():
    return _campaign_form(None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@admin_required
def campaign_edit(campaign_id: int):
    return _campaign_form(get_campaign(current_user, campaign_id))


def _target_form(campaign: Campaign, target: Target | None):
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = request.form.to_dict()
        outcome = unit_of_work.run(lambda: ops.create_target(current_user, campaign, data) if target is None
                                   else ops.update_target(current_user, target, data))
        if outcome.error is not None:
            errors, status = form_errors(outcome.error), outcome.error.status
        else:
            target = target or outcome.value
            flash(f"被考评对象“{target.name}”已保存。", "success")
            return redirect(url_for("campaigns.campaign_detail", campaign_id=campaign.id))
    return render_template("campaigns/target_edit.html", campaign=campaign, target=target, errors=errors,
                           kinds=TARGET_KINDS), status


@bp.route("/<int:campaign_id>/targets/new", methods=["GET", "POST"])
@admin_required
def target_new(campaign_id: int):
    return _target_form(get_campaign(current_user, campaign_id), None)


@bp.route("/<int:campaign_id>/targets/<int:target_id>/edit", methods=["GET", "POST"])
@admin_required
def target_edit(campaign_id: int, target_id: int):
    campaign = get_campaign(current_user, campaign_id)
    return _target_form(campaign, get_target(campaign, target_id))
