"""Login wiring and the view decorators that ask the policy (core/policy.py)."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db, login_manager
from . import policy
from ..users import sessions
from ..users.models import UserSession

login_manager.login_view = "users.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str):
    row = db.session.get(UserSession, session_id)
    if row is None or row.revoked_at is not None or not row.user.active or not sessions.is_current(row.created_at):
        return None
    user = row.user
    user._session_id = row.id
    return user


def action_required(action: policy.Action):
    """Login required, and the user's role must allow `action` somewhere (403 otherwise); the view
    then asks the policy about the object itself (404 outside the user's campaigns)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not policy.can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = action_required(policy.MANAGE)
staff_required = action_required(policy.VIEW)
editor_required = action_required(policy.EDIT)
reviewer_required = action_required(policy.REVIEW)
