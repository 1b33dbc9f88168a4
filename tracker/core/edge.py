"""The request edge: run one change, commit it once, or roll back and return the error for the page."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from .errors import ConflictError, TrackerError, ValidationError

INTEGRITY_CONFLICT = "保存时与他人同时提交的数据冲突（如编号重复），未保存，请刷新页面后重试。"


def commit_or_error(action) -> TrackerError | None:
    """Run `action` and commit; on failure nothing is saved and the error (to show) is returned."""
    try:
        action()
        db.session.commit()
    except TrackerError as error:
        db.session.rollback()
        return error
    except StaleDataError:  # a version column moved under us: someone saved first
        db.session.rollback()
        return ConflictError()
    except IntegrityError:
        db.session.rollback()
        return ConflictError(INTEGRITY_CONFLICT)
    except ValueError as error:  # the working-day calendar refuses dates outside its range
        db.session.rollback()
        return ValidationError(f"无法计算答复期限：{error}")
    return None
