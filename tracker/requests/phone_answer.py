"""Recording the outcome of a connected phone test: 是否正确告知 (indicator 18), asked right after 接通.

Like requests.operations: validates, changes the row, writes the audit record and flushes; the
caller's edge commits.
"""
from __future__ import annotations

from ..calendar.service import current_calendar
from ..core import audit
from ..core import parsing as p
from ..core.errors import ValidationError
from ..extensions import db
from .law_bridge import phone_protocol_of
from .models import MockRequest
from .operations import check_version, ensure_active, ensure_unlocked

FIELD = "phone.answered_correctly"


def record_phone_answer(actor, request: MockRequest, data: dict) -> MockRequest:
    """`data`: {"answered_correctly": "true"|"false"|"" (unknown), "version": optional}."""
    ensure_active(request)
    ensure_unlocked(request)
    if request.channel != "phone":
        raise ValidationError({FIELD: "只有电话测试登记是否正确告知"})
    if data.get("version") not in (None, ""):
        check_version(request, data["version"])
    answered = p.optional_bool(data.get("answered_correctly"), field=FIELD)
    # Whether the answer was right exists only once someone answered: a valid connected call.
    if answered is not None and not phone_protocol_of(request, current_calendar()).connected:
        raise ValidationError({FIELD: "电话尚未接通（没有有效的接通记录），不能登记是否正确告知"})
    before = {"phone_answered_correctly": request.phone_answered_correctly}
    request.phone_answered_correctly = answered
    after = {"phone_answered_correctly": answered}
    db.session.flush()
    label = {True: "是", False: "否", None: "未知"}[answered]
    audit.record(actor, "update", "request", request.id, before=before, after=after,
                 summary=f"{request.key}：电话接通后是否正确告知：{label}")
    return request
