"""The Chinese names of the fields that error messages name: users read "密码", never "password"
(issue 18). Domains add their own names at import (requests' channel fields, the sheet's facts);
a name nobody declared is not shown at all rather than shown raw."""
from __future__ import annotations

import re
from collections.abc import Mapping

LABELS: dict[str, str] = {
    "username": "用户名", "password": "密码", "current_password": "当前密码", "new_password": "新密码",
    "confirm": "确认密码", "name": "名称", "email": "邮箱", "role": "角色", "active": "启用", "year": "年度",
    "rubric_code": "考评指标版本", "member_ids": "项目组成员", "copy_targets_from": "复制被考评对象",
    "key": "编号", "kind": "类型", "website": "门户网站", "apply_url": "在线申请地址", "guide_phone": "申请指南电话",
    "address": "通讯地址", "legal_representative": "法定代表人", "office_hours": "办公时间", "notes": "备注",
    "target": "被考评对象", "owner": "填报人", "channel": "渠道", "purpose": "申请目的", "subject": "申请内容",
    "submitted_at": "提交时间", "version": "版本", "reason": "原因", "void_reason": "作废原因", "type": "事件类型",
    "on": "日期", "working_days": "工作日数", "party": "征求意见对象", "at": "拨打时间", "connected": "是否接通",
    "note": "说明", "outcome": "答复类型", "dispatched_on": "答复日期（交邮或送达）", "received_on": "收到答复日期",
    "fee_charged": "收费金额", "form": "答复形式", "file": "文件", "description": "说明", "status": "状态",
    "due_within": "几个工作日内到期", "due_from": "答复期限从", "due_to": "答复期限至", "show_voided": "显示已作废",
    "page": "页码", "day": "日期", "working": "工作日或休息日", "remind_working_days": "提前提醒的工作日数",
    "token": "令牌", "indicator": "考评指标", "url": "网址", "seen": "审核所见版本", "pending": "未评指标",
    "reviewed_by": "审核人", "reviewed_on": "审核日期", "submitted_by": "填报人", "body": "请求内容",
    "limit": "每页条数", "offset": "起始位置", "from": "开始日期", "to": "结束日期", "user": "操作人",
    "dated_on": "文书日期", "number": "文号", "amount": "金额", "ocr_text": "识别文字", "notice": "放假通知",
    "source": "来源", "accept": "采纳", "phone.attempts.at": "拨打时间",
}
_INDEXED = re.compile(r"\[\d+\]")


def register(labels: Mapping[str, str]) -> None:
    LABELS.update(labels)


def field_label(name: str) -> str:
    """"password" → "密码"; "letter.tracking_number" → its label; an already Chinese name as it is;
    an undeclared internal name → "" (the message stands alone)."""
    if not name or name == "_":
        return ""
    if not name.isascii():
        return name
    plain = _INDEXED.sub("", name)
    return LABELS.get(plain) or LABELS.get(plain.rsplit(".", 1)[-1], "")
