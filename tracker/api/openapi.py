"""The OpenAPI 3.1 document of API v1, served at /api/v1/openapi.json.

The table OPERATIONS is the one description of every route: the document is built from it,
request bodies are validated against its schemas (schema_check.py), and a test compares it
with the blueprint's URL rules so that the two cannot drift apart.
"""
from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass

from ..core.parsing import MAX_ID
from ..law.deadline_terms import Channel, RequestStatus
from ..requests.models import PURPOSES
from ..users.models import ROLES, Role
from .openapi_schemas import ID, enum_of, ref, schemas

PREFIX = "/api/v1"
READ = ROLES
EDIT = (Role.ADMIN.value, Role.EVALUATOR.value)
ADMIN = (Role.ADMIN.value,)
FILTERS = ("target", "channel", "purpose", "status", "owner", "show_voided", "due_from", "due_to")


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    operation_id: str
    summary: str
    roles: tuple[str, ...] | None = READ
    body: str | None = None
    response: str | None = None
    status: int = 200
    query: tuple[str, ...] = ()


R = "/requests/{request_id}"
OPERATIONS = (
    Op("GET", "/openapi.json", "getOpenApi", "本 OpenAPI 文档（无需令牌）", roles=None),
    Op("GET", "/campaigns", "listCampaigns", "考评列表", response="CampaignList"),
    Op("POST", "/campaigns", "createCampaign", "新建考评", ADMIN, "CampaignInput", "CampaignDetail", 201),
    Op("GET", "/campaigns/{campaign_id}", "getCampaign", "考评详情（含项目组成员）", response="CampaignDetail"),
    Op("PATCH", "/campaigns/{campaign_id}", "updateCampaign", "修改考评", ADMIN, "CampaignPatch", "CampaignDetail"),
    Op("GET", "/campaigns/{campaign_id}/targets", "listTargets", "被考评对象列表", response="TargetList"),
    Op("POST", "/campaigns/{campaign_id}/targets", "createTarget", "新建被考评对象", ADMIN, "TargetInput", "Target", 201),
    Op("PATCH", "/targets/{target_id}", "updateTarget", "修改被考评对象", ADMIN, "TargetPatch", "Target"),
    Op("GET", "/campaigns/{campaign_id}/requests", "listRequests", "模拟申请列表（可筛选、分页）",
       response="RequestPage", query=(*FILTERS, "limit", "offset", "today")),
    Op("POST", "/campaigns/{campaign_id}/requests", "createRequest", "新建模拟申请", EDIT, "RequestInput", "Request",
       201, ("today",)),
    Op("GET", R, "getRequest", "模拟申请详情，含计算出的答复期限及计算步骤", response="Request", query=("today",)),
    Op("PATCH", R, "updateRequest", "修改模拟申请（须带 version）", EDIT, "RequestPatch", "Request", query=("today",)),
    Op("POST", R + "/void", "voidRequest", "作废或恢复模拟申请", EDIT, "VoidInput", "Request", query=("today",)),
    Op("POST", R + "/events", "addEvent", "登记期限事件（补正、征求意见、收费、缴费、延期、撤回）", EDIT, "EventInput", "Request", 201,
       ("today",)),
    Op("DELETE", R + "/events/{event_id}", "deleteEvent", "删除期限事件", EDIT, response="Request", query=("today",)),
    Op("POST", R + "/documents", "addDocument", "登记收到的文书（受理回执、补正告知书、延期告知书、收费通知书、答复书）",
       EDIT, "DocumentInput", "Request", 201, ("today",)),
    Op("DELETE", R + "/documents/{document_id}", "deleteDocument", "删除文书", EDIT, response="Request",
       query=("today",)),
    Op("POST", R + "/attempts", "addAttempt", "登记电话拨打记录", EDIT, "AttemptInput", "Request", 201, ("today",)),
    Op("DELETE", R + "/attempts/{attempt_id}", "deleteAttempt", "删除电话拨打记录", EDIT, response="Request",
       query=("today",)),
    Op("PUT", R + "/reply", "saveReply", "登记或修改答复（须带 version）", EDIT, "ReplyInput", "Request",
       query=("today",)),
    Op("DELETE", R + "/reply", "deleteReply", "删除答复（须带 ?version=答复的版本号）", EDIT, response="Request",
       query=("version", "today")),
    Op("GET", "/campaigns/{campaign_id}/targets/{target_id}/sheet", "getSheet", "被考评对象的评分表（得分、赋分说明、状态）",
       response="Sheet", query=("today",)),
    Op("PUT", "/campaigns/{campaign_id}/targets/{target_id}/facts/{indicator_id}", "saveFacts",
       "保存一个指标的评分依据（须带 version）", EDIT, "FactsInput", "Sheet", query=("today",)),
    Op("GET", "/campaigns/{campaign_id}/report", "getReport", "考评的 JSON 报告（与 tracker report --format json 相同）",
       response="Report", query=("today",)),
)

QUERY = {
    "version": ({"type": "integer", "minimum": 0}, "所依据的版本号（必填：没有版本号的删除会被拒绝）"),
    "today": ({"type": "string", "format": "date"}, "按此日期计算状态与剩余工作日（YYYY-MM-DD，缺省为北京时间今天）"),
    "target": (ID, "被考评对象 id"),
    "channel": (enum_of(Channel), "渠道"),
    "purpose": (enum_of(PURPOSES), "申请目的"),
    "status": (enum_of(RequestStatus), "期限状态"),
    "owner": (ID, "负责人的用户 id"),
    "show_voided": ({"type": "boolean"}, "包含已作废的申请"),
    "due_from": ({"type": "string", "format": "date"}, "答复期限不早于"),
    "due_to": ({"type": "string", "format": "date"}, "答复期限不晚于"),
    "limit": ({"type": "integer", "minimum": 1, "maximum": 500, "default": 100}, "每页条数（最多 500）"),
    "offset": ({"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0}, "跳过的条数"),
}
ERRORS = {"400": "输入有误（fields 指明出错的字段）", "401": "缺少或无效的 API 令牌", "403": "当前角色不能执行此操作",
          "404": "资源不存在", "409": "冲突：version 已过期、记录已锁定或已作废"}


def _operation(op: Op) -> dict:
    result = {"operationId": op.operation_id, "summary": op.summary, "tags": [op.path.split("/")[1].split(".")[0]],
              "parameters": [_path_parameter(name) for name in re.findall(r"{(\w+)}", op.path)]
              + [{"$ref": f"#/components/parameters/{name}"} for name in op.query]}
    if op.roles is not None and op.roles != READ:
        result["description"] = "允许的角色：" + "、".join(op.roles)
    if op.body:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(op.body)}}}
    content = {"application/json": {"schema": ref(op.response) if op.response else {"type": "object"}}}
    result["responses"] = {str(op.status): {"description": "成功", "content": content}} | _errors(op)
    if op.roles is None:
        result["security"] = []
    return result


def _path_parameter(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _errors(op: Op) -> dict:
    codes = []
    if op.body or op.query:
        codes.append("400")
    if op.roles is not None:
        codes.append("401")
        if op.roles != READ:
            codes.append("403")
    if "{" in op.path:
        codes.append("404")
    if op.method != "GET":
        codes.append("409")
    return {code: {"$ref": f"#/components/responses/E{code}"} for code in codes}


@functools.cache
def _document() -> dict:
    paths: dict = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    listing = {"CampaignList": ref("Campaign"), "TargetList": ref("Target")}
    components = {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                           "description": "在“个人设置 → API 令牌”中创建；只显示一次"}},
        "schemas": schemas() | {name: {"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": item}}} for name, item in listing.items()},
        "parameters": {name: {"name": name, "in": "query", "required": False, "schema": schema,
                              "description": text} for name, (schema, text) in QUERY.items()},
        "responses": {f"E{code}": {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
                      for code, text in ERRORS.items()},
    }
    return {"openapi": "3.1.0",
            "info": {"title": "tracker API", "version": "1",
                     "description": "政务公开考评模拟申请跟踪系统的 JSON API。所有日期为 ISO 格式（北京日期）；"
                                    "角色规则与网页相同：读取对所有角色开放，修改申请与评分依据限管理员和项目组成员，"
                                    "考评与被考评对象限管理员。"},
            "servers": [{"url": PREFIX}], "security": [{"bearerAuth": []}], "paths": paths,
            "components": components}


def document() -> dict:
    return copy.deepcopy(_document())


def openapi_path(rule: str) -> str:
    """A Flask rule of this blueprint → its OpenAPI path: /api/v1/requests/<int:request_id> → /requests/{request_id}."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(PREFIX))


@functools.cache
def body_schema_name(rule: str, method: str) -> str | None:
    path = openapi_path(rule)
    return next((op.body for op in OPERATIONS if op.path == path and op.method == method), None)
