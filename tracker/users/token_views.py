"""The API-token forms of the settings page: create (the token is shown once) and revoke.

Browser forms, so login and CSRF apply like anywhere else in the UI; the list itself is
rendered by users.settings (templates/users/tokens.html).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..api import tokens as ops
from ..core import unit_of_work

# The name says what the forms manage; it is not part of the JSON API (/api/v1), which never takes a session.
bp = Blueprint("api_tokens", __name__)


def _back(anchor: str = "api-tokens"):
    return redirect(url_for("users.settings") + f"#{anchor}")


@bp.post("/settings/tokens")
@login_required
def token_create():
    outcome = unit_of_work.run(lambda: ops.create_token(current_user._get_current_object(), request.form.get("name")))
    if outcome.error is not None:
        flash(f"API 令牌未创建：{outcome.error.message}", "error")
        return _back()
    token, plaintext = outcome.value
    # Shown in the token section, and the page lands on the notice itself: on a phone the section's
    # heading alone leaves the token below the fold (users/tokens.html).
    flash(f"{token.name}\n{plaintext}", "new_token")
    return _back("new-token-notice")


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id: int):
    outcome = unit_of_work.run(lambda: ops.revoke_token(current_user._get_current_object(), token_id))
    if outcome.error is not None:
        flash(f"API 令牌未撤销：{outcome.error.message}", "error")
        return _back()
    token = outcome.value
    flash(f"API 令牌“{token.name}”已撤销，使用它的程序将无法再访问。", "success")
    return _back()
