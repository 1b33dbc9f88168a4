"""Import of a tracker-bundle/1 file from the browser (issue 18: only the command line could): the
same importer as `tracker import`, all or nothing, every problem listed with its place in the file."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.auth import admin_required
from ..core import unit_of_work
from .importer import BundleError, import_bundle
from .validate import BundleTextError, load_bundle_text

bp = Blueprint("bundles", __name__)
ADMIN_LINK = ("bundles.bundle_import", "导入数据包")


@bp.record_once
def _register_admin_link(state) -> None:
    state.app.extensions.setdefault("admin_links", []).append(ADMIN_LINK)


@bp.route("/admin/import", methods=["GET", "POST"])
@admin_required
def bundle_import():
    if request.method == "GET":
        return render_template("bundles/import.html", problems=[], error=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("bundles/import.html", problems=[], error="file：请选择数据包文件（.json）"), 400
    try:
        data = load_bundle_text(upload.read())  # parsed before the first write
    except BundleTextError as error:
        return render_template("bundles/import.html", problems=[], error=f"file：{error.message_zh}"), 400
    summaries = []
    error = unit_of_work.run(lambda: summaries.append(import_bundle(current_user, data))).error
    if isinstance(error, BundleError):
        return render_template("bundles/import.html", problems=error.problems, error=error.message), 400
    if error is not None:
        return render_template("bundles/import.html", problems=[], error=error.message), error.status
    flash(summaries[0].describe(), "success")
    campaign = summaries[0].campaign
    return redirect(url_for("campaigns.campaign_detail", campaign_id=campaign.id) if campaign else url_for("main.index"))
