"""The lost-update check every edit shares: the form or API call carries the version its author
saw, and the change is refused with a conflict when the row has moved on since.

The version comes from a hidden field or a JSON body, so it may be anything: empty means "no
check" (API callers that do not send one, older forms), a tampered value is a message naming the
field — never a skipped check and never a 500.
"""
from __future__ import annotations

from .errors import ConflictError, ValidationError

INVALID_VERSION = "版本号无效，请刷新页面后重新填写"


def expected_version(value) -> int | None:
    """The version a form or API call says its author saw; None when it says nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or len(text) > 18:
        raise ValidationError({"version": INVALID_VERSION})
    return int(text)


def check_version(current: int, value) -> None:
    """Refuse the change (ConflictError) if `value` names a version other than `current`."""
    expected = expected_version(value)
    if expected is not None and expected != current:
        raise ConflictError()


MISSING_VERSION = "缺少版本号（version）：请提交您所依据的版本（刷新页面后重试），以免覆盖他人的修改"


def require_version(current: int, value) -> None:
    """check_version for changes that must say what they were based on: no version is refused (400)."""
    if expected_version(value) is None:
        raise ValidationError({"version": MISSING_VERSION})
    check_version(current, value)
