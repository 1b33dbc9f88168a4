"""How a bundle problem is told: its JSON path (the ``where`` of a core ``Problem``) and the
names of the bundle's fields. Shared by the schema check (validate.py) and the rules (rules.py)."""
from __future__ import annotations

import re
from collections.abc import Iterable


FORMAT = "tracker-bundle/1"
OFFICIAL_INDICATOR_IDS = frozenset(str(i) for i in [*range(1, 29), 31, 32, 33, 34])
DERIVED_INDICATOR_IDS = frozenset(str(i) for i in range(16, 23))

FIELD_LABELS = {
    "format": "格式标识", "campaign": "考评", "name": "名称", "rubric": "指标版本", "year": "年度",
    "team": "项目组", "username": "用户名", "email": "电子邮箱", "role": "角色",
    "targets": "被考评对象列表", "key": "编号", "kind": "类型", "website": "网站",
    "apply_url": "申请网址", "guide_phone": "申请指南电话", "address": "地址",
    "legal_representative": "法定代表人", "office_hours": "办公时间",
    "requests": "模拟申请列表", "target": "被考评对象", "owner": "负责人", "channel": "渠道",
    "purpose": "申请目的", "subject": "申请内容", "submitted_at": "提交时间", "voided": "作废",
    "void_reason": "作废原因", "notes": "备注", "online": "互联网申请信息",
    "oral": "当面申请信息", "phone": "电话测试信息", "letter": "信函信息",
    "window_active": "活动窗口", "accepted": "申请成功", "confirmed_on": "确认日期",
    "confirmation_number": "确认编号", "filled_in_for_applicant": "代为填写",
    "procedure_explained": "告知办理程序", "declined_with_reason": "说明不能办理的原因",
    "place": "地点", "visited_at": "到访时间", "attempts": "拨打记录", "at": "拨打时间",
    "connected": "接通", "answered_correctly": "正确回答", "question": "询问内容",
    "addressee": "收件人", "marked": "信封标注", "posted_on": "交寄日期",
    "tracking_number": "邮件单号", "delivered_on": "签收日期", "returned": "退回",
    "events": "程序事件", "type": "事件类型", "on": "日期", "working_days": "工作日数",
    "reply": "答复", "dispatched_on": "答复交邮日期", "received_on": "答复收到日期",
    "outcome": "答复类型", "told_route": "告知获取途径",
    "provided_or_route_and_time": "提供信息或告知途径和时间", "reasons_given": "说明理由",
    "special_law_referral": "告知按特别规定办理", "fee_charged": "收取费用",
    "remedy_notice": "告知救济途径", "sealed": "加盖公章", "facts": "指标事实",
    "items": "子项", "tier": "档次", "points": "分值", "count": "数量", "passed": "达标",
    "note": "说明", "override": "人工调整", "reason": "原因", "reviews": "审核信息",
    "status": "状态", "submitted_by": "填报人", "reviewed_by": "审核人", "reviewed_on": "审核日期",
    "tracking_other_format": "其他格式单号", "number_called": "实际拨打号码", "party": "征求意见对象",
    "amount": "金额", "form": "答复形式", "documents": "文书", "number": "文号",
    "calendar": "节假日日历", "overrides": "日历调整", "confirmed_years": "已确认年份", "date": "日期",
    "working": "上班", "source": "依据文件",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

PathPart = str | int


def json_path(parts: Iterable[PathPart]) -> str:
    """``("requests", 3, "reply")`` → ``$.requests[3].reply``; other keys as ``['10']`` (RFC 9535)."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}"
        else:
            text += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return text


def describe_field(name: PathPart) -> str:
    if not name:
        return "数据包"
    label = FIELD_LABELS.get(str(name))
    return f"{label}（{name}）" if label else f"字段 {name} "
