from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..core import policy, unit_of_work
from ..core.auth import admin_required
from ..core.errors import TrackerError, form_errors
from ..extensions import db
from ..law.workdays import MAX_YEAR, MIN_YEAR
from . import operations as ops
from .models import CalendarOverride, ConfirmedYear
from .service import current_calendar, current_revision
from ..core import clock

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")


def provisional_warning_years() -> list[int]:
    """Years near today that the holidays package only guesses, for the admin banner."""
    today = clock.today()
    calendar = current_calendar()
    years = {today.year, (today + timedelta(days=90)).year}
    return sorted(y for y in years if calendar.is_provisional_year(y))


@bp.app_context_processor
def _calendar_banner():
    if policy.is_admin(current_user):
        return {"provisional_years": provisional_warning_years()}
    return {"provisional_years": []}


@bp.get("/")
@admin_required
def year_view(errors: dict | None = None):
    year = request.args.get("year", clock.today().year, type=int)
    year = min(max(year, MIN_YEAR), MAX_YEAR)
    calendar = current_calendar()
    months = [(month, list(days)) for month, days in groupby(calendar.year_days(year), key=lambda d: d.date.month)]
    overrides = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()
    confirmed = db.session.scalars(select(ConfirmedYear).order_by(ConfirmedYear.year)).all()
    return render_template("calendar/year.html", year=year, months=months, overrides=overrides,
                           confirmed=confirmed, provisional=calendar.is_provisional_year(year),
                           errors=errors or {}), 400 if errors else 200


def _run(action, *args):
    error = unit_of_work.run(lambda: action(current_user, *args)).error
    if error is not None:
        return year_view(errors=form_errors(error))
    flash("日历已更新，所有未结申请的答复期限已重新计算。", "success")
    return redirect(url_for("calendar.year_view", year=request.form.get("return_year") or None))


@bp.post("/overrides")
@admin_required
def override_save():
    return _run(ops.set_override, request.form.to_dict())


@bp.post("/overrides/<int:override_id>/delete")
@admin_required
def override_delete(override_id: int):
    return _run(ops.remove_override, override_id)


@bp.post("/years")
@admin_required
def year_confirm():
    return _run(ops.confirm_year, request.form.to_dict())


@bp.post("/years/<int:year>/delete")
@admin_required
def year_unconfirm(year: int):
    return _run(ops.unconfirm_year, year)


# -- paste the notice (粘贴放假通知): preview, then apply ------------------------------------------


def _notice_page(errors: dict | None = None, preview=None, status: int = 200):
    form = {"notice": request.form.get("notice", ""), "year": request.form.get("year", ""),
            "confirm": bool(request.form.get("confirm"))}
    return render_template("calendar/notice.html", form=form, errors=errors or {}, preview=preview,
                           revision=current_revision()), status


@bp.get("/notice")
@admin_required
def notice_form():
    return _notice_page()


@bp.post("/notice/preview")
@admin_required
def notice_preview():
    try:
        notice, changes = ops.read_notice(request.form.get("notice"), request.form.get("year"))
    except TrackerError as error:
        db.session.rollback()
        return _notice_page(form_errors(error), status=error.status)
    return _notice_page(preview={"notice": notice, "changes": changes})


@bp.post("/notice/apply")
@admin_required
def notice_apply():
    outcome = {}

    def apply():
        outcome["notice"], outcome["changes"] = ops.import_notice(
            current_user, request.form.get("notice"), request.form.get("year"),
            confirm=bool(request.form.get("confirm")), expected_revision=request.form.get("revision", ""))

    error = unit_of_work.run(apply).error
    if error is not None:
        return _notice_page(form_errors(error), status=error.status)
    notice, changes = outcome["notice"], outcome["changes"]
    flash(f"已导入 {notice.year} 年放假通知（{notice.source}），调整 {len(changes)} 天；"
          "所有未结申请的答复期限已重新计算。" if changes else
          f"{notice.year} 年放假通知与现有日历一致，未作调整。", "success")
    return redirect(url_for("calendar.year_view", year=notice.year))
