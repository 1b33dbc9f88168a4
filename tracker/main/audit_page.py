"""The audit log as a person reads it: Beijing time, Chinese names of actions and records, and
only the values that changed, one line each (issue 18: raw JSON rows 44 719 px wide, in UTC)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..core.audit import dumps
from ..core.db import from_db_time
from ..core.labels import field_label
from ..core.mail import STATUS_LABELS as MAIL_STATUSES
from ..law.deadline_terms import CHANNEL_LABELS, STATUS_LABELS
from ..law.derived import CHECK_LABELS, OUTCOME_LABELS
from ..campaigns.models import TARGET_KINDS
from ..requests.models import DOCUMENT_KINDS, EVENT_TYPES, PURPOSE_LABELS, REPLY_FORMS
from ..scoring.models import SHEET_STATUSES
from ..users.models import ROLE_SHORT

ACTIONS = {
    "create": "新建", "update": "修改", "delete": "删除", "void": "作废", "unvoid": "恢复", "submit": "提交审核",
    "sign": "审核签字", "unlock": "解锁", "return": "退回", "set_team": "设置项目组", "set_password": "设置密码",
    "revoke": "撤销", "resend": "重新发送", "import": "导入", "accept": "采纳识别建议", "login": "登录",
    "disable": "停用", "enable": "启用", "confirm": "确认", "unconfirm": "取消确认", "close": "归档",
    "reopen": "重新开放",
}
ENTITIES = {
    "request": "模拟申请", "reply": "答复", "request_event": "期限事件", "phone_attempt": "拨打记录",
    "request_document": "文书", "indicator_facts": "评分事实", "score_sheet": "评分表", "evidence": "佐证材料",
    "campaign": "考评", "target": "被考评对象", "user": "用户", "api_token": "API 令牌",
    "calendar_override": "节假日调整", "calendar_year": "日历年度", "calendar_notice": "放假通知",
    "outbox": "邮件", "attachment": "附件", "ocr_scan": "扫描件识别", "bundle": "数据包",
}
FIELDS = {
    "subject": "申请内容", "notes": "备注", "status": "状态", "outcome": "答复类型", "key": "编号", "name": "名称",
    "reason": "原因", "voided": "已作废", "void_reason": "作废原因", "dispatched_on": "答复日期",
    "received_on": "收到答复日期", "fee_charged": "收费", "items": "核查项", "note": "说明", "override": "人工调整",
    "tier": "档次", "points": "分值", "count": "数量", "passed": "通过", "role": "角色", "email": "邮箱",
    "active": "启用", "channel": "渠道", "purpose": "申请目的", "submitted_at": "提交时间", "owner_id": "填报人",
    "target_id": "被考评对象", "code": "核验码", "total": "总分", "type": "类型", "on": "日期",
    "working_days": "工作日数", "connected": "接通", "at": "时间", "url": "网址", "closed_on": "归档日期",
    "original_name": "文件名", "content_type": "文件类型", "size": "大小（字节）", "attachment_id": "附件",
    **CHECK_LABELS,
}
# Stored values shown by their Chinese names: "状态：submitted → signed" reads 待审核 → 已审核（锁定）.
# A request's, a sheet's and an email's statuses have distinct codes, so one table serves all three.
VALUES = {
    "status": {**STATUS_LABELS, **SHEET_STATUSES, **MAIL_STATUSES}, "role": ROLE_SHORT, "channel": CHANNEL_LABELS,
    "outcome": OUTCOME_LABELS, "kind": {**TARGET_KINDS, **DOCUMENT_KINDS}, "type": EVENT_TYPES,
    "form": REPLY_FORMS, "purpose": PURPOSE_LABELS,
}
MAX_VALUE = 120  # characters of one value shown: a 20 000-character text must not widen the page


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    at: datetime  # Beijing
    who: str
    action: str
    entity: str
    entity_id: int | None
    summary: str
    changes: list[Change]


def _show(value, field: str = "") -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and value in VALUES.get(field, {}):
        return VALUES[field][value]
    if field == "office_hours" and isinstance(value, list):
        text = "，".join("–".join(map(str, period)) for period in value)  # [["09:00", "12:00"]] → 09:00–12:00
    elif isinstance(value, list) and all(isinstance(item, bool) or item is None for item in value):
        text = "、".join("未知" if item is None else _show(item) for item in value)  # a checklist
    elif isinstance(value, (list, dict)):
        text = dumps(value)
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def changes_of(before, after) -> list[Change]:
    """The fields that differ, with their values before and after (created: after only; deleted: before only)."""
    if not isinstance(before, dict) and not isinstance(after, dict):
        return [] if before == after else [Change("值", _show(before), _show(after))]
    old, new = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*old, *new]))
    return [Change(FIELDS.get(k) or field_label(k) or k, _show(old.get(k), k) if before is not None else "",
                   _show(new.get(k), k) if after is not None else "")
            for k in keys if old.get(k) != new.get(k)]


def audit_row(entry, username: str | None) -> AuditRow:
    return AuditRow(from_db_time(entry.at), username or "系统", ACTIONS.get(entry.action, entry.action),
                    ENTITIES.get(entry.entity, entry.entity), entry.entity_id, entry.summary,
                    changes_of(entry.before, entry.after))


def beijing_day_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The stored (naive UTC) instants that bound Beijing days `first`..`last` inclusive."""
    def utc(day: date) -> datetime:
        return datetime.combine(day, time()) - timedelta(hours=8)
    return (utc(first) if first else None, utc(last + timedelta(days=1)) if last else None)
