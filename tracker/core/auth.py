"""Login wiring and role checks."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db, login_manager
from ..users.models import UserSession

login_manager.login_view = "users.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str):
    row = db.session.get(UserSession, session_id)
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    user = row.user
    user._session_id = row.id
    return user


def roles_required(*roles: str):
    """Login required, and the user's role must be one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required("admin")
staff_required = roles_required("admin", "reviewer", "evaluator")
