"""依申请公开 statistics of a campaign: per target, per channel, reply content, phone connection.

Counting rules (shown on the page as 说明):
- a request counts once it is sent and not voided; phone tests are counted apart (no reply);
- 已收到 = the agency received it (Art. 31 receipt date known); 办理中 = received, no reply yet,
  still within the deadline (including while stopped for 补正 or 征求意见);
- 答复用时 = working days after the day the period ran from (the receipt day, or the day the
  completed request arrived after 补正) up to the reply day, minus consultation days (Art. 33);
- a content check's pass rate is taken over the replies whose outcome requires it (Art. 36/37);
  告知救济途径, 加盖公章 and 未收费 over all replies;
- phone: for attempt n (1st, 2nd, 3rd valid call), how many tests reached that call and connected.
"""
from __future__ import annotations

import statistics as stats
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ..calendar.service import current_calendar
from ..campaigns.models import Campaign
from ..core.errors import TrackerError
from ..requests.law_bridge import deadline_of, phone_protocol_of
from ..law.derived import CHECK_LABELS, OUTCOME_LABELS, REQUIRED_CHECKS_BY_OUTCOME
from ..law.deadline_terms import CHANNEL_LABELS, WRITTEN_CHANNELS
from ..requests.scores import load_requests
from ..scoring.service import moment_of

STATUS_BUCKETS = {
    "replied_on_time": "on_time", "replied_late": "late", "overdue": "overdue",
    "awaiting_reply": "pending", "awaiting_clarification": "pending", "paused": "pending",
    "awaiting_payment": "pending", "not_received": "not_received",
    "abandoned": "ended", "withdrawn": "ended",  # issue 15: tests that ended without a reply
}
BUCKET_LABELS = {"on_time": "按期答复", "late": "逾期答复", "overdue": "逾期未答复", "pending": "办理中",
                 "not_received": "未收到", "ended": "视为放弃或撤回"}
CONTENT_CHECKS = ("told_route", "provided_or_route_and_time", "reasons_given", "special_law_referral")
UNIVERSAL_CHECKS = {"remedy_notice": CHECK_LABELS["remedy_notice"], "sealed": CHECK_LABELS["sealed"],
                    "no_fee": "未收取费用"}
MAX_CALLS = 3


@dataclass(frozen=True)
class RequestFact:
    target_id: int
    channel: str
    bucket: str  # a key of BUCKET_LABELS ("" for phone tests)
    received: bool
    handling_days: int | None
    outcome: str | None
    checks: dict[str, bool] = field(default_factory=dict)  # only the checks its reply must pass
    calls: tuple[bool, ...] = ()  # connected? for each valid phone call, in order
    answered_correctly: bool | None = None


@dataclass
class ReplyTally:
    label: str
    sent: int = 0
    received: int = 0
    buckets: Counter = field(default_factory=Counter)
    days: list[int] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    def add(self, fact: RequestFact) -> None:
        self.sent += 1
        self.received += fact.received
        self.buckets[fact.bucket] += 1
        if fact.handling_days is not None:
            self.days.append(fact.handling_days)
        if fact.outcome:
            self.outcomes[fact.outcome] += 1

    def count(self, bucket: str) -> int:
        return self.buckets.get(bucket, 0)

    @property
    def replied(self) -> int:
        return self.count("on_time") + self.count("late")

    @property
    def median_days(self) -> float | None:
        return stats.median(self.days) if self.days else None


@dataclass
class RateTally:
    key: str
    label: str
    total: int = 0
    passed: int = 0

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None


@dataclass
class PhoneTally:
    label: str
    tests: int = 0
    complete: int = 0
    connected: int = 0
    answered_correctly: int = 0


@dataclass(frozen=True)
class CampaignStatistics:
    by_target: list[ReplyTally]
    by_channel: list[ReplyTally]
    total: ReplyTally
    checks: list[RateTally]
    calls: list[RateTally]
    phone_by_target: list[PhoneTally]
    outcome_keys: tuple[str, ...] = tuple(OUTCOME_LABELS)


def tally(facts: Sequence[RequestFact], targets: Sequence[tuple[int, str]]) -> CampaignStatistics:
    """Pure: the statistics of ``facts`` (non-voided requests), targets in the order given."""
    written = [f for f in facts if f.channel != "phone"]
    phone = [f for f in facts if f.channel == "phone"]
    by_target = {ident: ReplyTally(name) for ident, name in targets}
    by_channel = {channel: ReplyTally(CHANNEL_LABELS[channel]) for channel in WRITTEN_CHANNELS}
    total = ReplyTally("合计")
    for fact in written:
        for tally_ in (by_target.get(fact.target_id), by_channel.get(fact.channel), total):
            if tally_ is not None:
                tally_.add(fact)
    return CampaignStatistics(list(by_target.values()), list(by_channel.values()), total,
                              _checks(written), _calls(phone), _phone_by_target(phone, targets))


def _checks(facts: Iterable[RequestFact]) -> list[RateTally]:
    labels = {key: CHECK_LABELS[key] for key in CONTENT_CHECKS} | UNIVERSAL_CHECKS
    result = {key: RateTally(key, label) for key, label in labels.items()}
    for fact in facts:
        for key, passed in fact.checks.items():
            result[key].total += 1
            result[key].passed += passed
    return list(result.values())


def _calls(facts: Iterable[RequestFact]) -> list[RateTally]:
    result = [RateTally(str(n), f"第{n}次有效拨打") for n in range(1, MAX_CALLS + 1)]
    for fact in facts:
        for number, connected in enumerate(fact.calls[:MAX_CALLS]):
            result[number].total += 1
            result[number].passed += connected
    return result


def _phone_by_target(facts: Iterable[RequestFact], targets: Sequence[tuple[int, str]]) -> list[PhoneTally]:
    result = {ident: PhoneTally(name) for ident, name in targets}
    for fact in facts:
        row = result.get(fact.target_id)
        if row is None:
            continue
        row.tests += 1
        connected = any(fact.calls)
        row.complete += connected or len(fact.calls) >= MAX_CALLS
        row.connected += connected
        row.answered_correctly += bool(connected and fact.answered_correctly)
    return list(result.values())


# ---------------------------------------------------------------- from the database

def required_checks(reply) -> dict[str, bool]:
    checks = {key: bool(getattr(reply, key)) for key in REQUIRED_CHECKS_BY_OUTCOME.get(reply.outcome, ())}
    checks.update(remedy_notice=bool(reply.remedy_notice), sealed=bool(reply.sealed),
                  no_fee=not (reply.fee_charged or 0))
    return checks


def request_fact(request, calendar, today: date, now) -> RequestFact:
    if request.channel == "phone":
        protocol = phone_protocol_of(request, calendar, now)
        calls = tuple(v.connected for v in protocol.attempts if v.valid)
        return RequestFact(request.target_id, "phone", "", False, None, None, calls=calls,
                           answered_correctly=request.phone_answered_correctly)
    deadline = deadline_of(request, calendar, today, explain=False)
    days = None
    if deadline.reply_date is not None and deadline.clock_start is not None:
        days = max(0, calendar.count(deadline.clock_start, deadline.reply_date) - deadline.paused_working_days)
    reply = request.reply
    return RequestFact(request.target_id, request.channel, STATUS_BUCKETS.get(deadline.status, "pending"),
                       deadline.receipt_date is not None, days, reply.outcome if reply else None,
                       required_checks(reply) if reply else {})


def campaign_statistics(campaign: Campaign, today: date) -> CampaignStatistics:
    """Three queries for the requests (with events, calls, replies) and one for the targets."""
    targets = [(t.id, t.name) for t in campaign.targets]
    calendar, now = current_calendar(), moment_of(today)
    try:
        facts = [request_fact(r, calendar, today, now) for r in load_requests(campaign.id) if not r.voided]
    except ValueError as error:
        raise TrackerError(f"无法计算统计：{error}") from error
    return tally(facts, targets)
