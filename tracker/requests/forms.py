"""The flat HTML forms of the request pages ↔ the nested request shape the operations take.

Form fields of a channel are named like the operations' error keys (`online.url`,
`letter.posted_on` …), so a field error lands next to the input that caused it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..core.db import from_db_time
from ..core.errors import ValidationError
from ..core.versions import expected_version
from ..law.workdays import format_cn_date
from .fields import DEFAULT_REPLY_FORM, LETTER_MARK, SUB_OBJECTS
from ..law.deadline_terms import LETTER_KINDS
from ..core import clock, labels

TRI_STATE = (("", "未知"), ("true", "是"), ("false", "否"))
TOP_FIELDS = ("target", "owner", "key", "channel", "purpose", "subject", "submitted_at", "notes", "version")


@dataclass(frozen=True)
class Field:
    name: str  # "<sub-object>.<key>", e.g. "online.url"
    label: str
    kind: str  # text | url | date | tri | check | select
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()  # select only

    @property
    def sub(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1]


CHANNEL_FIELDS: dict[str, tuple[Field, ...]] = {
    "online": (
        Field("online.url", "网上申请地址", "url", "默认为被考评对象的网上申请地址"),
        Field("online.window_active", "信息公开申请窗口是否为活动窗口（能正常办理）", "tri"),
        Field("online.accepted", "申请是否提交成功并获得确认", "tri"),
        Field("online.confirmed_on", "双方确认之日", "date", "网上申请以双方确认之日为收到申请之日（条例第三十一条）"),
        Field("online.confirmation_number", "确认编号 / 受理号", "text"),
    ),
    "oral": (
        Field("oral.place", "申请地点", "text", "默认为被考评对象的通信地址"),
        Field("oral.filled_in_for_applicant", "是否代为填写申请（条例第二十九条）", "tri"),
        Field("oral.procedure_explained", "是否告知办理程序", "tri"),
        Field("oral.declined_with_reason", "不能当场办理的，是否说明原因", "tri"),
    ),
    "phone": (
        Field("phone.question", "咨询的问题", "text", "拨打记录在申请详情页逐次登记"),
        Field("phone.answered_correctly", "是否正确告知已主动公开及获取途径", "tri"),
        Field("phone.number_called", "实际拨打的号码", "text", "留空表示拨打的是公布的申请指南电话"),
    ),
    "mail": (
        Field("letter.kind", "信函种类", "select", "挂号信以签收之日、平常信函和寄给法定代表人的信函以电话确认之日为收到申请之日"
              "（条例第三十一条；国办公开办函〔2015〕207号）；指标20须为“寄给公开工作机构以外的机关或人员”",
              tuple(LETTER_KINDS.items())),
        Field("letter.addressee", "收信人（法定代表人）", "text", "默认为被考评对象的法定代表人"),
        Field("letter.marked", "信封注明", "text", f"指标20须注明“{LETTER_MARK}”"),
        Field("letter.posted_on", "交邮日期", "date"),
        Field("letter.tracking_number", "邮件单号", "text", "按 UPU S10 校验，如 EA123456785CN"),
        Field("letter.tracking_other_format", "其他格式单号（快递公司等，不按 S10 校验）", "check"),
        Field("letter.delivered_on", "签收日期", "date", "以签收之日为收到申请之日"),
        Field("letter.confirmed_on", "电话确认收到之日", "date", "与申请人电话确认的，以确认之日为收到申请之日"),
        Field("letter.returned", "信件被退回", "check"),
    ),
}
labels.register({field.name: field.label for fields in CHANNEL_FIELDS.values() for field in fields})


def fields_for(channel: str) -> tuple[Field, ...]:
    return CHANNEL_FIELDS.get(channel, ())


def request_data(form, channel: str) -> dict:
    """Flat form → the nested mapping of create_request/update_request (only this channel's object)."""
    data = {name: form.get(name) for name in TOP_FIELDS if name in form}
    data["channel"] = channel
    for field in fields_for(channel):
        data.setdefault(field.sub, {})[field.key] = form.get(field.name)
    if "version" in data:
        data["version"] = clean_version(data["version"])
    return data


def clean_version(value) -> int | None:
    """The operations compare versions with int(); a tampered value gets a message, not a 500."""
    return expected_version(value)


def new_request_values(target, purpose: str, owner_name: str) -> dict:
    """The new-request form prefilled from the target (the flat form's field → value)."""
    return {
        "owner": owner_name,
        "online.url": target.apply_url,
        "oral.place": target.address,
        "letter.addressee": target.legal_representative,
        "letter.marked": LETTER_MARK if purpose == "20" else "",
        "letter.kind": "to_other" if purpose == "20" else "registered",
    }


def _form_value(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def edit_values(row) -> dict:
    """The edit form prefilled from a stored request."""
    submitted = from_db_time(row.submitted_at)
    values = {"key": row.key, "owner": row.owner.username if row.owner else "", "purpose": row.purpose,
              "subject": row.subject, "notes": row.notes, "version": row.version,
              "submitted_at": submitted.strftime("%Y-%m-%dT%H:%M") if submitted else ""}
    mapping = SUB_OBJECTS[row.channel][1]
    for field in fields_for(row.channel):
        values[field.name] = _form_value(getattr(row, mapping[field.key]))
    return values


def fact_rows(row) -> list[tuple[str, str]]:
    """(label, display text) of the channel's facts, for the detail page."""
    mapping = SUB_OBJECTS[row.channel][1]
    rows = []
    for field in fields_for(row.channel):
        value = getattr(row, mapping[field.key])
        rows.append((field.label, display(value)))
    return rows


def display(value) -> str:
    if value is None or value == "":
        return "未知" if value is None else "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return format_cn_date(value)
    return str(value)


def attempt_data(form, now: datetime | None = None) -> dict:
    """The phone-attempt forms: "正在拨打" posts no time and takes `now` (Beijing); "补录已拨打的电话"
    posts the day and the time apart (the day stays filled in for the next call of that day)."""
    data = {"connected": form.get("connected"), "note": form.get("note")}
    if form.get("at_now"):
        data["at"] = (now or clock.now()).replace(microsecond=0)
    elif "at_date" in form or "at_time" in form:
        day, moment = (form.get(name, "").strip() for name in ("at_date", "at_time"))
        if not (day and moment):
            raise ValidationError({"at": "请填写拨打的日期和时间（北京时间）"})
        data["at"] = f"{day}T{moment}"
    else:
        data["at"] = form.get("at")
    return data


def reply_data(form) -> dict:
    data = form.to_dict()
    data["version"] = clean_version(data.get("version"))
    return data


def reply_form_values(reply, channel: str = "") -> dict:
    """The reply form prefilled from a stored reply (or empty: the form usual for the channel)."""
    if reply is None:
        return {"fee_charged": "0", "form": DEFAULT_REPLY_FORM.get(channel, "letter")}
    names = ("outcome", "form", "dispatched_on", "received_on", "told_route", "provided_or_route_and_time",
             "reasons_given", "special_law_referral", "remedy_notice", "sealed", "notes", "version")
    values = {name: _form_value(getattr(reply, name)) for name in names}
    values["fee_charged"] = f"{reply.fee_charged:g}" if reply.fee_charged is not None else "0"
    return values
