"""The OpenAPI document's components: request/response schemas, parameters, error responses.

Request sub-objects (online, oral, phone, letter, event, reply, target) are the bundle's JSON
Schema definitions (bundles/schema.json), copied under `bundle.<name>` with their `$ref`s
rewritten, so a request in the API has exactly the shape it has in a tracker-bundle/1 file.
"""
from __future__ import annotations

import json

from ..bundles.validate import schema as bundle_schema
from ..core.parsing import MAX_DATE, MAX_ID, MIN_DATE
from ..law.deadline_terms import Channel, RequestStatus
from ..law.derived import OUTCOME_LABELS
from ..requests.models import DOCUMENT_KINDS, EVENT_TYPES, PURPOSES, REPLY_FORMS
from ..scoring.models import SHEET_STATUSES

REF = "#/components/schemas/"


def ref(name: str) -> dict:
    return {"$ref": REF + name}


def enum_of(codes) -> dict:
    """The schema of one of `codes` (an enum, or a mapping's keys), as the plain strings JSON carries."""
    return {"enum": [str(code) for code in codes]}


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


def bundle_definitions() -> dict:
    text = json.dumps(bundle_schema()["$defs"], ensure_ascii=False).replace('"#/$defs/', f'"{REF}bundle.')
    return {f"bundle.{name}": value for name, value in json.loads(text).items()}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
VERSION = {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": "读取时得到的版本号；已被他人修改时返回 409"}
TEXT = {"type": "string", "maxLength": 10000}
DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = _nullable("string", format="date")

ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["status", "title", "message", "fields"],
        "properties": {"status": {"type": "integer"}, "title": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": "出错的字段（点分路径，如 online.confirmed_on）→ 中文说明"}}}},
}

CAMPAIGN = {
    "type": "object", "required": ["id", "name", "year", "rubric_code", "version"],
    "properties": {"id": ID, "name": {"type": "string"}, "year": {"type": "integer"},
                   "rubric_code": {"type": "string"}, "created_at": _nullable("string"), "version": ID},
}
CAMPAIGN_DETAIL = {"allOf": [ref("Campaign")], "type": "object", "required": ["members", "target_count"],
                   "properties": {"members": {"type": "array", "items": {
                       "type": "object", "properties": {"id": ID, "username": {"type": "string"},
                                                        "name": {"type": "string"}, "role": {"type": "string"}}}},
                                  "target_count": {"type": "integer"}}}
CAMPAIGN_FIELDS = {
    "name": {"type": "string", "pattern": r"\S", "maxLength": 200, "description": "考评名称"},
    "year": {"type": "integer", "minimum": MIN_DATE.year, "maximum": MAX_DATE.year, "description": "考评年度"},
    "rubric_code": {"type": "string", "pattern": r"\S", "maxLength": 64, "description": "考评指标版本，如 wuwei-2020-county"},
    "member_ids": {"type": "array", "items": ID, "maxItems": 500, "description": "项目组成员的用户 id"},
}
CAMPAIGN_INPUT = {"type": "object", "required": ["name", "year", "rubric_code"], "properties": CAMPAIGN_FIELDS}
CAMPAIGN_PATCH = {"type": "object", "required": ["version"], "properties": CAMPAIGN_FIELDS | {"version": VERSION}}

TARGET = {
    "type": "object", "required": ["id", "campaign_id", "key", "name", "kind", "office_hours", "version"],
    "properties": {"id": ID, "campaign_id": ID, "key": {"type": "string"}, "name": {"type": "string"},
                   "kind": {"enum": ["county", "department"]}, "website": {"type": "string"},
                   "apply_url": {"type": "string"}, "guide_phone": {"type": "string"}, "address": {"type": "string"},
                   "legal_representative": {"type": "string"}, "notes": {"type": "string"}, "version": ID,
                   "office_hours": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}},
}


def _target_inputs() -> tuple[dict, dict]:
    """The bundle's target definition, plus notes; the PATCH form makes every field optional."""
    target = bundle_definitions()["bundle.target"]
    properties = target["properties"] | {"notes": {"type": ["string", "null"], "maxLength": 5000}}
    create = {"type": "object", "required": target["required"], "properties": properties}
    patch = {"type": "object", "required": ["version"], "properties": properties | {"version": VERSION}}
    return create, patch


SUB_OBJECT_REFS = {"online": ref("bundle.online"), "oral": ref("bundle.oral"), "phone": ref("bundle.phone"),
                   "letter": ref("bundle.letter")}
REQUEST_FIELDS = {
    "key": ref("bundle.key") | {"description": "编号；省略时自动生成（如 liangzhou-16-1）"},
    "owner": _nullable("string", maxLength=64, description="负责人用户名；省略时为当前用户"),
    "channel": enum_of(Channel), "purpose": enum_of(PURPOSES),
    "subject": _nullable("string", maxLength=500), "submitted_at": ref("bundle.nullableDateTime"),
    "notes": _nullable("string", maxLength=10000),
} | SUB_OBJECT_REFS
REQUEST_INPUT = {
    "type": "object", "required": ["target", "channel", "purpose"],
    "description": "与 tracker-bundle/1 的 request 相同的结构；只需填写所选渠道的子对象（mail 渠道为 letter）。"
                   "phone.attempts 在此忽略，拨打记录请用 POST /requests/{request_id}/attempts 登记。",
    "properties": REQUEST_FIELDS | {"target": {"anyOf": [ref("bundle.key"), ID],
                                               "description": "被考评对象的 key 或 id"}},
}
REQUEST_PATCH = {"type": "object", "required": ["version"],
                 "description": "只修改给出的字段；渠道子对象按字段合并。",
                 "properties": REQUEST_FIELDS | {"version": VERSION}}
VOID_INPUT = {"type": "object", "properties": {
    "voided": {"type": "boolean", "default": True, "description": "false 表示恢复已作废的申请"},
    "void_reason": _nullable("string", maxLength=500, description="作废原因（作废时必填）")}}
EVENT_INPUT = {"allOf": [ref("bundle.event")], "type": "object",
               "properties": {"note": _nullable("string", maxLength=1000)}}
ATTEMPT_INPUT = {"type": "object", "required": ["at"],
                 "description": "登记已拨打的电话：at 不能晚于现在（北京时间），否则 400，字段 at", "properties": {
    "at": ref("bundle.dateTime"), "connected": {"type": "boolean"}, "note": _nullable("string", maxLength=1000)}}
DOCUMENT_INPUT = {"type": "object", "required": ["kind", "dated_on"], "properties": {
    "kind": {"enum": list(DOCUMENT_KINDS)}, "dated_on": DATE, "number": _nullable("string", maxLength=100),
    "note": _nullable("string", maxLength=1000),
    "attachment_id": _nullable("integer", minimum=1, maximum=MAX_ID, description="本申请已上传附件的 id")}}
REPLY_INPUT = {"allOf": [ref("bundle.reply")], "type": "object", "required": ["version"], "properties": {
    "notes": _nullable("string", maxLength=10000),
    "version": _nullable("integer", minimum=0, maximum=MAX_ID,
                         description="已有答复的版本号；登记第一份答复时为 0 或 null")}}

DEADLINE = {
    "type": "object", "required": ["receipt_date", "due_date", "status", "on_time", "provisional", "steps"],
    "properties": {
        "receipt_date": NULLABLE_DATE, "due_date": NULLABLE_DATE, "status": enum_of(RequestStatus),
        "status_label": {"type": "string"}, "on_time": _nullable("boolean"), "provisional": {"type": "boolean"},
        "working_days_left": _nullable("integer"), "clarification_due": NULLABLE_DATE,
        "paused_working_days": {"type": "integer"}, "extension_working_days": {"type": "integer"},
        "clock_start": NULLABLE_DATE, "reply_date": NULLABLE_DATE,
        "flags": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}}},
        "steps": {"type": "array", "description": "“这个日期是怎么算出来的”：每一步及其跳过的节假日",
                  "items": {"type": "object", "required": ["title", "detail"], "properties": {
                      "title": {"type": "string"}, "detail": {"type": "string"}, "date": NULLABLE_DATE,
                      "days_off": {"type": "array", "items": {"type": "object"}}}}},
    },
}
PHONE_PROTOCOL = {
    "type": "object", "description": "电话测试规程的状态（仅 phone 渠道）",
    "required": ["valid_count", "connected", "complete", "outcome", "test_day", "broken", "broken_by_calls"],
    "properties": {
        "valid_count": {"type": "integer", "description": "计入测试的拨打次数（至多3次）"},
        "connected": {"type": "boolean"}, "complete": {"type": "boolean"},
        "outcome": {"enum": ["connected", "missed", None]}, "test_day": NULLABLE_DATE,
        "broken": {"type": "boolean", "description": "测试未完成且拨打日已过（因后来的拨打或时间已过）"},
        "broken_by_calls": {"type": "boolean",
                            "description": "拨打分在两天：拨打日结束后又有拨打，本次测试须作废（页面提示“请作废本次测试”）"},
        "broken_reason": _nullable("string"), "guidance": {"type": "string"}, "summary": {"type": "string"}},
}
REQUEST = {
    "type": "object",
    "required": ["id", "campaign_id", "target_id", "version", "key", "target", "channel", "purpose", "voided",
                 "events", "computed"],
    "properties": {"id": ID, "campaign_id": ID, "target_id": ID, "version": ID, "key": {"type": "string"},
                   "target": {"type": "string"}, "owner": _nullable("string"), "channel": enum_of(Channel),
                   "purpose": enum_of(PURPOSES), "subject": {"type": "string"},
                   "submitted_at": _nullable("string"), "notes": {"type": "string"}, "voided": {"type": "boolean"},
                   "void_reason": {"type": "string"},
                   "online": {"type": "object"}, "oral": {"type": "object"}, "letter": {"type": "object"},
                   "phone": {"type": "object", "description": "attempts 带每次拨打是否计入（valid、number、reason）"},
                   "phone_protocol": ref("PhoneProtocol"),
                   "events": {"type": "array", "items": {"type": "object", "required": ["id", "type", "on"],
                                                         "properties": {"id": ID,
                                                                        "type": {"enum": list(EVENT_TYPES)},
                                                                        "on": DATE}}},
                   "reply": {"type": "object", "properties": {"outcome": enum_of(OUTCOME_LABELS),
                                                              "form": {"enum": [*REPLY_FORMS, None]},
                                                              "version": ID}},
                   "documents": {"type": "array", "items": {"type": "object", "required": ["id", "kind", "on"],
                                                            "properties": {"id": ID,
                                                                           "kind": {"enum": list(DOCUMENT_KINDS)},
                                                                           "on": DATE,
                                                                           "attachment_id": _nullable("integer")}}},
                   "computed": ref("Deadline")},
}
REQUEST_SUMMARY = {
    "type": "object", "required": ["id", "key", "target_id", "channel", "purpose", "status", "version"],
    "properties": {"id": ID, "key": {"type": "string"}, "target_id": ID, "target": {"type": "string"},
                   "target_name": {"type": "string"}, "owner": _nullable("string"),
                   "channel": enum_of(Channel), "purpose": enum_of(PURPOSES),
                   "subject": {"type": "string"}, "submitted_at": _nullable("string"), "voided": {"type": "boolean"},
                   "receipt_date": NULLABLE_DATE, "due_date": NULLABLE_DATE, "status": enum_of(RequestStatus),
                   "status_label": {"type": "string"}, "on_time": _nullable("boolean"),
                   "provisional": {"type": "boolean"}, "version": ID},
}
REQUEST_PAGE = {"type": "object", "required": ["total", "limit", "offset", "items"], "properties": {
    "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
    "items": {"type": "array", "items": ref("RequestSummary")}}}

NUMBER_OR_NULL = _nullable("number")
FACTS = {
    "type": "object", "description": "评分依据，字段取决于指标的规则类型（见 DESIGN.md §4）",
    "properties": {"items": {"type": "array", "maxItems": 100, "items": {"type": ["boolean", "number", "null"]}},
                   "tier": {"enum": ["standard", "nonstandard", "none", "smooth", "channel_only"]},
                   "points": NUMBER_OR_NULL, "count": _nullable("integer", minimum=0, maximum=MAX_ID),
                   "passed": _nullable("boolean"), "note": _nullable("string", maxLength=10000),
                   "override": {"type": ["object", "null"], "properties": {
                       "points": NUMBER_OR_NULL, "reason": _nullable("string", maxLength=500)}}},
}
FACTS_INPUT = {"type": "object", "required": ["facts", "version"], "properties": {
    "facts": ref("Facts"),
    "version": _nullable("integer", minimum=0, maximum=MAX_ID,
                         description="该指标评分依据的版本号（见评分表的 indicators[].version）；尚未填写时为 0")}}
REVIEW = {
    "type": "object", "required": ["status", "filled_by", "reviewed_by", "reviewed_on", "code"],
    "properties": {"status": enum_of(SHEET_STATUSES),
                   "filled_by": {"type": ["string", "null"]}, "reviewed_by": {"type": ["string", "null"]},
                   "reviewed_on": {"anyOf": [DATE, {"type": "null"}]},
                   "code": {"type": ["string", "null"], "pattern": "^[0-9a-f]{12}$"}},
}

SHEET = {
    "type": "object", "required": ["target_id", "status", "total", "complete", "pending", "indicators"],
    "properties": {
        "campaign_id": ID, "target_id": ID, "target": {"type": "string"},
        "status": enum_of(SHEET_STATUSES), "status_label": {"type": "string"},
        "total": {"type": "number"}, "complete": {"type": "boolean"},
        "pending": {"type": "array", "items": {"type": "integer"}},
        "level1": {"type": "object", "additionalProperties": {"type": "number"}},
        "level2": {"type": "object", "additionalProperties": {"type": "number"}},
        "review": REVIEW,
        "indicators": {"type": "array", "items": {"type": "object", "required": ["id", "points", "explanation"],
                                                  "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                                 "max": {"type": "number"}, "kind": {"type": "string"},
                                                                 "points": NUMBER_OR_NULL,
                                                                 "explanation": {"type": "string"},
                                                                 "overridden": {"type": "boolean"},
                                                                 "facts": {"type": ["object", "null"]},
                                                                 "version": {"type": "integer"}}}},
    },
}
# DESIGN.md §10.1: a signed county's scores are its signed snapshot; `code` (核验码) only when signed.
REPORT = {
    "type": "object", "required": ["campaign", "rubric", "today", "targets"],
    "description": "与 `tracker report --format json` 相同（DESIGN.md §6）",
    "properties": {"campaign": {"type": "string"}, "rubric": {"type": "string"}, "today": DATE,
                   "targets": {"type": "array", "items": {
                       "type": "object", "required": ["name", "total", "complete", "scores", "level1", "review"],
                       "properties": {"name": {"type": "string"}, "total": {"type": "number"},
                                      "complete": {"type": "boolean"},
                                      "scores": {"type": "object", "additionalProperties": NUMBER_OR_NULL},
                                      "level1": {"type": "object", "additionalProperties": {"type": "number"}},
                                      "review": REVIEW}}}},
}


def schemas() -> dict:
    target_input, target_patch = _target_inputs()
    return bundle_definitions() | {
        "Error": ERROR, "Campaign": CAMPAIGN, "CampaignDetail": CAMPAIGN_DETAIL, "CampaignInput": CAMPAIGN_INPUT,
        "CampaignPatch": CAMPAIGN_PATCH, "Target": TARGET, "TargetInput": target_input, "TargetPatch": target_patch,
        "RequestInput": REQUEST_INPUT, "RequestPatch": REQUEST_PATCH, "VoidInput": VOID_INPUT,
        "EventInput": EVENT_INPUT, "DocumentInput": DOCUMENT_INPUT, "AttemptInput": ATTEMPT_INPUT,
        "ReplyInput": REPLY_INPUT,
        "Deadline": DEADLINE, "PhoneProtocol": PHONE_PROTOCOL, "Request": REQUEST, "RequestSummary": REQUEST_SUMMARY,
        "RequestPage": REQUEST_PAGE,
        "Facts": FACTS, "FactsInput": FACTS_INPUT, "Sheet": SHEET, "Report": REPORT,
    }
