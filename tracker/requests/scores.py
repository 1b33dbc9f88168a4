"""Derived scores 16–22 of each target, from its stored requests (the pure rules live in derived.py)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from ..core.db import from_db_time
from ..law.workdays import WorkCalendar, format_cn_date
from .law_bridge import deadline_of, phone_protocol_of
from ..law.derived import (
    DERIVED_INDICATORS,
    DerivedScore,
    OnlineFacts,
    OralFacts,
    PhoneOutcome,
    ReplyFacts,
    SELECTION_ONLY,
    ScoredRequest,
    derive_scores,
)
from .fields import LETTER_MARK, legal_representative_problem
from .models import MockRequest
from .snapshots import StoredRequest, load_snapshots


_preloaded: ContextVar[tuple[int, dict[int, list[StoredRequest]]] | None] = ContextVar("preloaded_requests",
                                                                                      default=None)


def load_requests(campaign_id: int, target_ids: Collection[int] | None = None) -> list[StoredRequest]:
    """The campaign's (or some targets') requests with events, attempts, reply and target, read-only:
    plain snapshots in a fixed number of statements (requests/snapshots.py)."""
    preloaded = _preloaded.get()
    if preloaded is not None and preloaded[0] == campaign_id and target_ids is not None and len(target_ids) == 1:
        (target_id,) = target_ids
        if target_id in preloaded[1]:
            return list(preloaded[1][target_id])
    return load_snapshots(campaign_id, target_ids)


@contextmanager
def requests_preloaded(campaign_id: int, target_ids: Collection[int]) -> Iterator[None]:
    """Inside, one county's requests are read from snapshots of all these targets' requests taken once
    (five statements, not five per county: a bundle import reads one county's live sheet for each of
    its reviews). Only where nothing changes these requests meanwhile."""
    by_target: dict[int, list[StoredRequest]] = {target_id: [] for target_id in target_ids}
    rows = load_snapshots(campaign_id, target_ids) if by_target else []
    for row in rows:  # in submission order, as load_requests gives them
        by_target[row.target_id].append(row)
    token = _preloaded.set((campaign_id, by_target))
    try:
        yield
    finally:
        _preloaded.reset(token)


def phone_summary(protocol) -> str:
    parts = []
    for verdict in protocol.attempts:
        label = "接通" if verdict.connected else "未接通"
        if not verdict.valid:
            label += f"（不计：{verdict.reason_zh}）"
        number = f"第{verdict.number}次" if verdict.number else "另一次"
        # Each call with its date: an extra call is often on another day than the test (issue 18).
        parts.append(f"{number} {format_cn_date(verdict.at.date())} {verdict.at:%H:%M} {label}")
    return "；".join(parts) or "尚无拨打记录"


def scored_request(request: MockRequest, calendar: WorkCalendar, today: date, now: datetime) -> ScoredRequest:
    """What selection reads (law/derived.pick_request); the rest — the clock, the phone protocol, the
    reply — is worked out when the request is picked."""
    def complete() -> ScoredRequest:
        return whole_scored_request(request, calendar, today, now)

    return ScoredRequest(key=request.key, purpose=request.purpose, channel=request.channel, voided=request.voided,
                         submitted_at=from_db_time(request.submitted_at), status=SELECTION_ONLY,
                         misfit_zh=_misfit(request), completion=complete)


def whole_scored_request(request: MockRequest, calendar: WorkCalendar, today: date, now: datetime) -> ScoredRequest:
    deadline = deadline_of(request, calendar, today, explain=False)
    phone = None
    if request.channel == "phone":
        protocol = phone_protocol_of(request, calendar, now)
        phone = PhoneOutcome(complete=protocol.complete, connected=protocol.connected,
                             answered_correctly=request.phone_answered_correctly,
                             attempts_summary_zh=phone_summary(protocol))
    # Unknown (None) stays unknown: the rules leave an indicator 未评 rather than score "no" (issue 15).
    return ScoredRequest(
        key=request.key, purpose=request.purpose, channel=request.channel, voided=request.voided,
        submitted_at=from_db_time(request.submitted_at), status=deadline.status, on_time=deadline.on_time,
        online=OnlineFacts(request.online_window_active, request.online_accepted)
        if request.channel == "online" else None,
        oral=OralFacts(request.oral_filled_in_for_applicant, request.oral_procedure_explained,
                       request.oral_declined_with_reason) if request.channel == "oral" else None,
        phone=phone, letter_returned=bool(request.letter_returned), reply=reply_facts(request.reply),
        fee_notices=tuple(None if e.amount is None else float(e.amount)
                          for e in request.events if e.type == "fee_notified"),
        misfit_zh=_misfit(request),
    )


def reply_facts(reply) -> ReplyFacts | None:
    """A stored reply as the law's rules read it (requests/derived.py)."""
    if reply is None:
        return None
    return ReplyFacts(outcome=reply.outcome, dispatched_on=reply.dispatched_on, received_on=reply.received_on,
                      told_route=reply.told_route, provided_or_route_and_time=reply.provided_or_route_and_time,
                      reasons_given=reply.reasons_given, special_law_referral=reply.special_law_referral,
                      fee_charged=float(reply.fee_charged or 0), remedy_notice=reply.remedy_notice,
                      sealed=reply.sealed, form=reply.form)


def _misfit(request: MockRequest) -> str | None:
    """Purpose 20 tests the 重要部署申请 letter to the legal representative; any other letter is no test of it."""
    if request.purpose != "20" or request.channel != "mail":
        return None
    values = {"purpose": "20", "channel": "mail", "letter_addressee": request.letter_addressee,
              "letter_kind": request.letter_kind, "letter_marked": request.letter_marked}
    target = getattr(request, "target", None)
    problems = legal_representative_problem(values, target.legal_representative if target else "")
    if request.letter_kind != "to_other":
        problems["letter.kind"] = "不是寄给法定代表人的信函（信函种类不是 to_other）"
    if request.letter_marked != LETTER_MARK:
        problems["letter.marked"] = f"信封未注明“{LETTER_MARK}”"
    if not request.letter_addressee:
        problems["letter.addressee"] = "未记录收件人"
    return "；".join(problems.values()) or None


def derived_maxima(rubric) -> dict[int, float]:
    """The indicators the rubric derives from requests, with their maxima (17 may be 0 or more)."""
    return {i.id: i.max for i in rubric.indicators if i.id in DERIVED_INDICATORS and i.kind == "derived"}


def derive_for(requests: list[MockRequest], rubric, calendar: WorkCalendar, today: date,
               now: datetime) -> dict[int, DerivedScore]:
    """One target's derived scores from its stored requests."""
    return derive_scores([scored_request(r, calendar, today, now) for r in requests], derived_maxima(rubric))


def derived_scores_by_target(campaign_id: int, rubric, calendar: WorkCalendar, today: date, now: datetime,
                             target_ids: Collection[int] | None = None) -> dict[int, dict[int, DerivedScore]]:
    """target id → indicator id → derived score, for every target (of `target_ids`) that has requests."""
    grouped: dict[int, list[MockRequest]] = defaultdict(list)
    for request in load_requests(campaign_id, target_ids):
        grouped[request.target_id].append(request)
    return {target: derive_for(requests, rubric, calendar, today, now) for target, requests in grouped.items()}


def empty_derived(rubric) -> dict[int, DerivedScore]:
    return derive_scores([], derived_maxima(rubric))
