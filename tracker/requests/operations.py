"""Request operations: create, edit, void, deadline events, phone attempts and replies.

Each validates, changes the rows, recomputes the stored clock, writes the audit record and
flushes; the caller's edge commits.
"""
from __future__ import annotations

import re
from functools import cache

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from ..calendar.service import current_calendar
from ..campaigns.models import Campaign, Target
from ..core import audit
from ..core import parsing as p
from ..core import versions
from ..core.db import from_db_time, new_row, to_db_time
from ..core.errors import ConflictError, LockedError, NotFound, ValidationError
from ..core import clock as web_clock
from ..law.deadline_checks import date_problems
from ..law.deadlines import RequestClock, receipt_date_of
from ..extensions import db
from ..law.phone import check_new_attempt
from ..law.workdays import format_cn_date
from ..users.models import User
from ..scoring.lock import ensure_target_open
from .law_bridge import clock_of, phone_protocol_of, store_clock
from .fields import (DEFAULT_REPLY_FORM, SUB_OBJECTS, event_values, legal_representative_problem, reply_values,
                     request_values)
from .models import MockRequest, PhoneAttempt, Reply, RequestEvent

KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
AUDITED = ("key", "target_id", "owner_id", "channel", "purpose", "subject", "submitted_at", "notes", "voided",
           "void_reason") + tuple(col for _, mapping in SUB_OBJECTS.values() for col in mapping.values())
REPLY_AUDITED = ("dispatched_on", "received_on", "outcome", "form", "told_route", "provided_or_route_and_time",
                 "reasons_given", "special_law_referral", "fee_charged", "remedy_notice", "sealed", "notes")
EVENT_AUDITED = ("type", "on", "working_days", "party", "amount", "note")


def refuse_new_date_problems(before: RequestClock | None, after: RequestClock, *, today=None,
                             rename: dict[str, str] | None = None) -> None:
    """Refuse what a change would make impossible (DESIGN.md §10.3), naming the field; problems the
    request already had before the change (old data) do not block an unrelated edit."""
    today = web_clock.today() if today is None else today
    known = set(date_problems(before, today).values()) if before is not None else set()
    new = {(rename or {}).get(field, field): message
           for field, message in date_problems(after, today).items() if message not in known}
    if new:
        raise ValidationError(new)


def check_version(obj, version) -> None:
    versions.check_version(obj.version, version)


def ensure_unlocked(request: MockRequest) -> None:
    """A county's requests freeze with its sheet while submitted or signed (scoring/lock.py)."""
    ensure_target_open(request.campaign_id, request.target_id, request.target.name)


def ensure_active(request: MockRequest) -> None:
    """A voided request is kept as evidence of the mistake: it changes only by being restored."""
    if request.voided:
        raise LockedError(f"申请 {request.key} 已作废，不能修改；如需修改请先恢复")


def _resolve_target(campaign: Campaign, value) -> Target:
    if isinstance(value, Target):
        return value
    query = select(Target).where(Target.campaign_id == campaign.id)
    text = str(value or "").strip()
    by_id = text.isdigit() and int(text) <= p.MAX_ID
    target = db.session.scalar(query.where(Target.id == int(text))) if by_id else None
    target = target or db.session.scalar(query.where(Target.key == text))
    if target is None:
        raise ValidationError({"target": f"被考评对象 {text!r} 不在本考评中"})
    return target


def _resolve_owner(value, actor, known: dict[str, User] | None = None) -> User | None:
    """`known`: users by username already loaded (bundle import resolves 12 000 owners without a query each)."""
    if value in (None, ""):
        return actor if isinstance(actor, User) else None
    text = str(value).strip()
    user = known.get(text) if known is not None else None
    user = user or db.session.scalar(select(User).where(User.username == text))
    if user is None and text.isdigit() and int(text) <= p.MAX_ID:
        user = db.session.get(User, int(text))
    if user is None:
        raise ValidationError({"owner": f"用户 {text!r} 不存在"})
    return user


def _check_owner(campaign: Campaign, owner: User | None, team: set[int] | None = None) -> None:
    """The 填报人 of a request is one of the campaign's team evaluators (or an admin acting himself).
    `team`: the team's user ids, when the caller has them (a national import asks 120 000 times)."""
    if owner is None or owner.role == "admin":
        return
    team = team if team is not None else {m.user_id for m in campaign.members}
    if owner.role != "evaluator" or owner.id not in team:
        raise ValidationError({"owner": f"{owner.display_name}（{owner.username}）不是本考评项目组的填报人"})


def _new_key(target: Target, purpose: str) -> str:
    base = f"{target.key}-{purpose.replace('.', '_')}"
    taken = set(db.session.scalars(select(MockRequest.key).where(
        MockRequest.campaign_id == target.campaign_id, MockRequest.key.like(f"{base}%"))))
    number = 1
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _check_key(campaign: Campaign, key: str, current: MockRequest | None,
               taken: dict[str, int | None] | None = None) -> None:
    """`taken`: the campaign's keys → ids, when the caller already loaded them (bundle import)."""
    if not KEY_RE.match(key):
        raise ValidationError({"key": "编号只能包含字母、数字、点、下划线或短横线（最长64位）"})
    if taken is not None:
        clashes = key in taken and (current is None or taken[key] != current.id)
    else:
        clash = db.session.scalar(select(MockRequest.id).where(MockRequest.campaign_id == campaign.id,
                                                               MockRequest.key == key))
        clashes = bool(clash) and (current is None or clash != current.id)
    if clashes:
        raise ValidationError({"key": f"本考评中已有编号 {key}"})


def create_request(actor, campaign: Campaign, data: dict) -> MockRequest:
    request = build_request(actor, campaign, data, current_calendar())
    db.session.flush()
    record_creation(actor, request, audit.snapshot(request, AUDITED))
    return request


def build_request(actor, campaign: Campaign, data: dict, calendar, *, users: dict[str, User] | None = None,
                  taken: dict[str, int | None] | None = None, add: bool = True,
                  clock: bool = True, frozen: set[int] | None = None, bundle: bool = False,
                  team: set[int] | None = None) -> MockRequest:
    """create_request without the flush and the audit record (bundle import batches both).

    `users` (by username) and `taken` (the campaign's keys) spare a query each when given;
    `add=False` leaves the new row out of the session (the importer inserts it in bulk);
    `clock=False` only sets the receipt date: the caller stores the clock once it is complete;
    `frozen`: the campaign's targets whose sheet is locked, when the caller loaded them (bundle import);
    `bundle=True`: dates may lie in the future (a simulation); the importer checks the finished request;
    `team`: the campaign's team's user ids, when the caller loaded them (bundle import).
    """
    target = _resolve_target(campaign, data.get("target"))
    if frozen is None or target.id in frozen:
        ensure_target_open(campaign.id, target.id, target.name)
    values = request_values(data)
    _check_addressee(values, target)
    owner = _resolve_owner(data.get("owner"), actor, users)
    _check_owner(campaign, owner, team)
    key = (data.get("key") or "").strip() or _new_key(target, values["purpose"])
    _check_key(campaign, key, None, taken)
    values["submitted_at"] = to_db_time(values["submitted_at"])
    request = new_row(MockRequest, dict(values, campaign_id=campaign.id, target_id=target.id, key=key,
                                        owner_id=owner.id if owner else None), target=target)
    if not bundle:
        refuse_new_date_problems(None, clock_of(request, events=[]))
    if add:
        db.session.add(request)
    if clock:
        store_clock(request, calendar)
    else:
        request.receipt_date = receipt_date_of(clock_of(request))[0]
    return request


def _check_addressee(values: dict, target: Target) -> None:
    problem = legal_representative_problem(values, target.legal_representative)
    if problem:
        raise ValidationError(problem)


def check_dates(request: MockRequest, request_clock: RequestClock | None = None) -> None:
    """The importer's check of a finished request: contradictions refused, future dates allowed;
    `request_clock`: clock_of(request), when the caller has just read it."""
    problems = date_problems(request_clock or clock_of(request), None)
    if problems:
        raise ValidationError(problems)


def creation_snapshot(request: MockRequest, fields: tuple[str, ...] = AUDITED) -> dict:
    """audit.snapshot of a request not flushed yet, with the column defaults the INSERT will apply."""
    state, defaults = request.__dict__, _scalar_defaults()
    values = {}
    for name in fields:
        value = state.get(name)
        values[name] = defaults.get(name) if value is None else value
    return audit.jsonable(values)


@cache
def _scalar_defaults() -> dict:
    return {column.key: column.default.arg for column in MockRequest.__table__.columns
            if column.default is not None and column.default.is_scalar}


def record_creation(actor, request: MockRequest, after: dict) -> None:
    audit.record(actor, "create", "request", request.id, after=after,
                 summary=f"新建模拟申请 {request.key}（{request.target.name}）")


def update_request(actor, request: MockRequest, data: dict, *, allow_voided: bool = False,
                   bundle: bool = False) -> MockRequest:
    """`allow_voided`: bundle import carries a voided request's history as it was recorded;
    `bundle`: the importer checks the dates once the whole request is merged."""
    if not allow_voided:
        ensure_active(request)
    ensure_unlocked(request)
    check_version(request, data.get("version"))
    # A change that leaves out the channel's sub-object keeps it as it is (it used to be wiped).
    name, mapping = SUB_OBJECTS[request.channel]
    current = {key: getattr(request, column) for key, column in mapping.items()}
    merged = {"channel": request.channel, "purpose": request.purpose, name: current} | data
    values = request_values(merged)
    if values["channel"] != request.channel and (request.attempts or request.reply):
        raise ValidationError({"channel": "已有电话记录或答复的申请不能更换渠道"})
    _check_addressee(values | {"channel": values["channel"]}, request.target)
    if not bundle:
        pending = values | {"submitted_at": to_db_time(values["submitted_at"])}
        refuse_new_date_problems(clock_of(request), clock_of(request, **pending))
    before = audit.snapshot(request, AUDITED)
    if "key" in data and data["key"] and data["key"] != request.key:
        _check_key(request.campaign, data["key"].strip(), request)
        request.key = data["key"].strip()
    if data.get("owner") not in (None, ""):
        owner = _resolve_owner(data["owner"], actor)
        if owner.id != request.owner_id:
            _check_owner(request.campaign, owner)
        request.owner_id = owner.id
    values["submitted_at"] = to_db_time(values["submitted_at"])
    for column, value in values.items():
        setattr(request, column, value)
    store_clock(request, current_calendar())
    db.session.flush()
    audit.record(actor, "update", "request", request.id, before=before, after=audit.snapshot(request, AUDITED),
                 summary=f"修改模拟申请 {request.key}")
    return request


def void_request(actor, request: MockRequest, reason: str, voided: bool = True) -> None:
    ensure_unlocked(request)
    before, after = apply_void(request, reason, voided)
    db.session.flush()
    record_void(actor, request, before, after)


def apply_void(request: MockRequest, reason: str, voided: bool = True) -> tuple[dict, dict]:
    """void_request without the flush and the audit record: (before, after) for record_void."""
    reason = p.text(reason, field="void_reason", required=voided, max_length=500)
    fields = ("voided", "void_reason")
    before = (creation_snapshot(request, fields) if sa_inspect(request).transient
              else audit.snapshot(request, fields))
    request.voided, request.void_reason = voided, reason if voided else ""
    return before, audit.snapshot(request, fields)


def record_void(actor, request: MockRequest, before: dict, after: dict) -> None:
    voided = after["voided"]
    audit.record(actor, "void" if voided else "unvoid", "request", request.id, before=before, after=after,
                 summary=f"{'作废' if voided else '恢复'}模拟申请 {request.key}")


def add_event(actor, request: MockRequest, data: dict) -> RequestEvent:
    ensure_active(request)
    ensure_unlocked(request)
    values = event_values(data)
    if request.channel == "phone":
        raise ValidationError({"type": "电话测试没有答复期限，不能登记期限事件"})
    events = [*request.events, values]
    refuse_new_date_problems(clock_of(request), clock_of(request, events=events),
                             rename={f"events[{len(events) - 1}].on": "on"})
    event = RequestEvent(request_id=request.id, created_by_id=getattr(actor, "id", None), **values)
    request.events.append(event)
    deadline = store_clock(request, current_calendar())
    db.session.flush()
    audit.record(actor, "create", "request_event", event.id, after=audit.jsonable(values) | {"request": request.key},
                 summary=f"{request.key}：{event.type_label} {values['on']}（答复期限 {deadline.due_date or '—'}）")
    return event


def delete_event(actor, request: MockRequest, event_id: int) -> None:
    ensure_active(request)
    ensure_unlocked(request)
    event = next((e for e in request.events if e.id == event_id), None)
    if event is None:
        raise NotFound("该期限事件不存在")
    refuse_new_date_problems(clock_of(request), clock_of(request, events=[e for e in request.events if e is not event]))
    before = audit.jsonable({name: getattr(event, name) for name in EVENT_AUDITED}) | {"request": request.key}
    request.events.remove(event)
    store_clock(request, current_calendar())
    db.session.flush()
    audit.record(actor, "delete", "request_event", event_id, before=before, summary=f"{request.key}：删除期限事件")


def add_attempt(actor, request: MockRequest, data: dict) -> PhoneAttempt:
    ensure_active(request)
    ensure_unlocked(request)
    if request.channel != "phone":
        raise ValidationError({"at": "只有电话测试可以登记拨打记录"})
    c = p.Collector()
    at = c.run("at", p.optional_datetime, data.get("at"))
    connected = c.run("connected", p.optional_bool, data.get("connected"))
    note = c.run("note", p.text, data.get("note"), max_length=1000)
    if at is None and "at" not in c.errors:
        c.add("at", "必填（拨打时间）")
    c.raise_if_any()
    refuse_future_call(at)
    refusal = check_new_attempt(phone_protocol_of(request, current_calendar()), at)
    if refusal:
        raise ValidationError({"at": refusal})
    attempt = PhoneAttempt(request_id=request.id, at=to_db_time(at), connected=bool(connected), note=note,
                           created_by_id=getattr(actor, "id", None))
    request.attempts.append(attempt)
    db.session.flush()
    audit.record(actor, "create", "phone_attempt", attempt.id,
                 after={"request": request.key, "at": at, "connected": bool(connected)},
                 summary=f"{request.key}：{from_db_time(attempt.at):%m-%d %H:%M} {'接通' if connected else '未接通'}")
    return attempt


def refuse_future_call(at) -> None:
    """A call is recorded once made (DESIGN.md §10.3): a time after now (Beijing, the one clock) is a typo
    in the day or the hour, and would start or break the test on a day that has not come."""
    now = web_clock.now()
    if at > now:
        raise ValidationError({"at": f"拨打时间不能晚于现在（北京时间{format_cn_date(now.date())} {now:%H:%M}），"
                                     "只能登记已经拨打的电话"})


def delete_attempt(actor, request: MockRequest, attempt_id: int) -> None:
    ensure_active(request)
    ensure_unlocked(request)
    attempt = next((a for a in request.attempts if a.id == attempt_id), None)
    if attempt is None:
        raise NotFound("该拨打记录不存在")
    request.attempts.remove(attempt)
    db.session.flush()
    audit.record(actor, "delete", "phone_attempt", attempt_id,
                 before={"request": request.key, "at": attempt.at, "connected": attempt.connected},
                 summary=f"{request.key}：删除拨打记录")


def save_reply(actor, request: MockRequest, data: dict, *, allow_voided: bool = False,
               bundle: bool = False) -> Reply:
    if not allow_voided:
        ensure_active(request)
    ensure_unlocked(request)
    if request.channel == "phone":
        raise ValidationError({"outcome": "电话测试不登记书面答复"})
    reply = request.reply
    if reply is not None:
        check_version(reply, data.get("version"))
    elif data.get("version") not in (None, "", 0, "0"):
        # The editor's page showed a reply that someone has deleted since: do not resurrect it unseen.
        raise ConflictError("该答复已被他人删除，您的修改未保存。请刷新页面后重新登记。")
    values = _checked_reply_values(request, data, bundle=bundle)
    before = audit.snapshot(reply, REPLY_AUDITED) if reply else None
    if reply is None:
        reply = Reply(request_id=request.id)
        request.reply = reply
    for column, value in values.items():
        setattr(reply, column, value)
    deadline = store_clock(request, current_calendar())
    db.session.flush()
    record_reply(actor, request, reply, before, audit.snapshot(reply, REPLY_AUDITED), deadline.status_label)
    return reply


def _checked_reply_values(request: MockRequest, data: dict, *, bundle: bool = False) -> dict:
    values = reply_values(data)
    values["form"] = values["form"] or DEFAULT_REPLY_FORM.get(request.channel)
    receipt = request.receipt_date
    reply_day = values["dispatched_on"] or values["received_on"]
    if receipt and reply_day and reply_day < receipt:
        raise ValidationError({"dispatched_on": f"答复日期早于收到申请之日（{receipt}）"})
    if not bundle:
        pending = {"reply_dispatched_on": values["dispatched_on"], "reply_received_on": values["received_on"]}
        refuse_new_date_problems(None, clock_of(request, events=[], **pending),
                                 rename={"reply.dispatched_on": "dispatched_on", "reply.received_on": "received_on"})
    return values


def attach_new_reply(request: MockRequest, data: dict) -> tuple[Reply, dict]:
    """save_reply for a request that has no reply yet (bundle import), without the flush, the clock
    and the audit record: (reply, its audit snapshot); the caller stores the clock, whose status
    label record_reply takes."""
    if request.channel == "phone":
        raise ValidationError({"outcome": "电话测试不登记书面答复"})
    reply = new_row(Reply, _checked_reply_values(request, data, bundle=True))
    request.reply = reply
    return reply, audit.snapshot(reply, REPLY_AUDITED)


def record_reply(actor, request: MockRequest, reply: Reply, before: dict | None, after: dict,
                 status_label: str) -> None:
    audit.record(actor, "update" if before else "create", "reply", reply.id, before=before, after=after,
                 summary=f"{request.key}：登记答复（{status_label}）")


def delete_reply(actor, request: MockRequest, version=None) -> None:
    """`version` is the reply's version the deleting user saw; required (a delete is an edit too)."""
    ensure_active(request)
    ensure_unlocked(request)
    if request.reply is None:
        raise NotFound("该申请还没有答复")
    versions.require_version(request.reply.version, version)
    before = audit.snapshot(request.reply, REPLY_AUDITED)
    reply_id = request.reply.id
    request.reply = None
    store_clock(request, current_calendar())
    db.session.flush()
    audit.record(actor, "delete", "reply", reply_id, before=before, summary=f"{request.key}：删除答复")


def count_requests(campaign: Campaign) -> int:
    return db.session.scalar(select(func.count()).select_from(MockRequest).where(MockRequest.campaign_id == campaign.id))

