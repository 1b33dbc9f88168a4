"""The shortcuts taken for speed give the answers of the plain code they stand in for.

- the bundle validator's own schema (references inlined, `if/then` as `x-when`) reports exactly
  the problems of the published schema, on valid and on damaged bundles;
- a deadline computed without its explanation has the same dates, status and flags;
- the dashboard's pre-check of a phone test never drops a test the protocol calls open;
- requests, facts and their children read as snapshots equal the ORM objects;
- a bundle imported in bulk writes the rows and audit records the operations write one by one
  (except the version counter of a new request: 1 after one INSERT, not 2 or 3 after updates).
"""
from __future__ import annotations

import copy
import random
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sqlalchemy import select

from benchmarks.generate import generate
from tracker.bundles import validate as bundle_validate
from tracker.law.deadlines import Event, RequestClock, compute_deadline
from tracker.law.phone import Attempt, evaluate_phone, may_be_in_progress, may_be_in_progress_by_first_call
from tracker.law.workdays import BEIJING, WorkCalendar

ANCHOR = date(2020, 11, 30)
CAL = WorkCalendar()
JUNK = [None, "", " ", "x", "2020-02-30", "2020-09-01T10:00:00", -1, 0, 1, 0.25, True, False, [], {}, [1], {"a": 1}]


# ---------------------------------------------------------------------------- validation

def _reference_problems(data, monkeypatch):
    """validate_bundle with jsonschema on the published schema, as it was before the shortcuts."""
    fast = bundle_validate._validator()
    reference = Draft202012Validator(bundle_validate._schema(), format_checker=fast.format_checker)
    with monkeypatch.context() as patched:
        patched.setattr(bundle_validate, "_validator", lambda: reference)
        return bundle_validate.validate_bundle(data)


def _damaged(bundle: dict, rng: random.Random) -> dict:
    """The bundle with one to three values somewhere replaced, removed or added."""
    data = copy.deepcopy(bundle)
    for _ in range(rng.randint(1, 3)):
        node, parent, key = data, None, None
        for _depth in range(rng.randint(1, 6)):
            if isinstance(node, dict) and node:
                key = rng.choice(sorted(node))
            elif isinstance(node, list) and node:
                key = rng.randrange(len(node))
            else:
                break
            parent, node = node, node[key]
        if parent is None:
            continue
        action = rng.random()
        if action < 0.2 and isinstance(parent, dict):
            del parent[key]
        elif action < 0.3 and isinstance(parent, dict):
            parent[rng.choice(["voided", "channel", "online", "letter", "type", "working_days"])] = rng.choice(JUNK)
        else:
            parent[key] = rng.choice(JUNK + ["online", "oral", "phone", "mail", "extended", "clarified"])
    return data


@pytest.fixture(scope="module")
def small_bundle():
    return generate(1, 40, anchor=ANCHOR)


@pytest.mark.slow  # validates against the whole published schema (5.3 s)
def test_fast_validator_reports_the_problems_of_the_published_schema(small_bundle, monkeypatch):
    assert bundle_validate.validate_bundle(small_bundle) == [] == _reference_problems(small_bundle, monkeypatch)
    rng = random.Random(8)
    damaged = 0
    for _ in range(80):
        data = _damaged(small_bundle, rng)
        expected = _reference_problems(data, monkeypatch)
        assert bundle_validate.validate_bundle(data) == expected
        damaged += bool(expected)
    assert damaged > 60  # the damage was seen


@pytest.mark.parametrize("request_patch", [
    {"channel": "online", "online": None}, {"channel": "mail", "letter": "x"}, {"voided": True},
    {"voided": True, "void_reason": " "}, {"voided": 1}, {"voided": "true"}, {"channel": "phone"},
])
def test_fast_validator_conditional_rules(small_bundle, monkeypatch, request_patch):
    data = copy.deepcopy(small_bundle)
    for request in data["requests"][:5]:
        for name in ("online", "oral", "phone", "letter"):
            request.pop(name, None)
        request.update({k: v for k, v in request_patch.items() if v is not None})
    assert bundle_validate.validate_bundle(data) == _reference_problems(data, monkeypatch)


# ---------------------------------------------------------------------------- deadlines

def _clock(item: dict) -> RequestClock:
    letter, online, reply = item.get("letter") or {}, item.get("online") or {}, item.get("reply") or {}
    day = (lambda v: date.fromisoformat(v) if v else None)
    return RequestClock(
        channel=item["channel"], submitted_on=day((item.get("submitted_at") or "")[:10]),
        online_confirmed_on=day(online.get("confirmed_on")), letter_delivered_on=day(letter.get("delivered_on")),
        letter_confirmed_on=day(letter.get("confirmed_on")), letter_returned=bool(letter.get("returned")),
        events=tuple(Event(e["type"], day(e["on"]), e.get("working_days")) for e in item.get("events") or []),
        reply_dispatched_on=day(reply.get("dispatched_on")), reply_received_on=day(reply.get("received_on")))


def test_a_deadline_without_its_explanation_is_the_same_deadline():
    clocks = [_clock(item) for item in generate(12, 40, anchor=ANCHOR)["requests"]]
    clocks += [_clock(item) for item in generate(4, 40, anchor=date(2026, 12, 20))["requests"]]  # provisional 2027
    for clock in clocks:
        for today in (ANCHOR - timedelta(days=40), ANCHOR, ANCHOR + timedelta(days=90)):
            full = compute_deadline(clock, CAL, today)
            fast = compute_deadline(clock, CAL, today, explain=False)
            assert fast.steps == [] and full.steps
            assert {**vars(fast), "steps": None} == {**vars(full), "steps": None}


# ---------------------------------------------------------------------------- phone pre-check

_moments = st.datetimes(min_value=datetime(2020, 9, 25), max_value=datetime(2020, 10, 12),
                        timezones=st.just(BEIJING)).map(lambda m: m.replace(second=0, microsecond=0))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_moments, st.booleans()), max_size=5), _moments,
       st.sampled_from([None, [(time(9), time(12)), (time(13, 30), time(17, 30))]]))
@pytest.mark.slow  # a property over generated requests (2.2 s)
def test_phone_precheck_never_drops_an_open_test(calls, now, hours):
    attempts = [Attempt(at, connected) for at, connected in calls]
    protocol = evaluate_phone(attempts, hours, CAL, now=now)
    if not may_be_in_progress(attempts, hours, CAL, now):
        assert protocol.complete or protocol.broken
    first = sorted(attempts, key=lambda a: a.at)[:1]
    if not may_be_in_progress(first, hours, CAL, now):  # the dashboard checks the first call only
        assert protocol.complete or protocol.broken
    batch = may_be_in_progress_by_first_call([("t", first[0].at if first else None, hours)], CAL, now)
    assert (batch == ["t"]) == may_be_in_progress(first, hours, CAL, now)


# ---------------------------------------------------------------------------- snapshots and bulk import

def _import(app, data):
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db

    with app.app_context():
        summary = import_bundle(None, data)
        db.session.commit()
        return summary.campaign.id


def test_snapshots_equal_the_orm_objects(app):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest
    from tracker.requests.snapshots import load_snapshots
    from tracker.scoring.stored_facts import load_facts
    from tracker.scoring.models import IndicatorFacts, ScoreSheet

    campaign_id = _import(app, generate(3, 40, anchor=ANCHOR))
    with app.app_context():
        snapshots = load_snapshots(campaign_id)
        rows = db.session.scalars(select(MockRequest).where(MockRequest.campaign_id == campaign_id)
                                  .order_by(MockRequest.submitted_at, MockRequest.id)).all()
        assert [s.id for s in snapshots] == [r.id for r in rows] and len(rows) == 120
        columns = [c.key for c in MockRequest.__table__.columns]
        for snapshot, row in zip(snapshots, rows):
            assert {c: getattr(snapshot, c) for c in columns} == {c: getattr(row, c) for c in columns}
            assert snapshot.target is row.target and snapshot.channel_label == row.channel_label
            assert [(e.id, e.type, e.on, e.working_days) for e in snapshot.events] == \
                   [(e.id, e.type, e.on, e.working_days) for e in row.events]
            assert [(a.id, a.at, a.connected) for a in snapshot.attempts] == \
                   [(a.id, a.at, a.connected) for a in row.attempts]
            assert (snapshot.reply.id, snapshot.reply.outcome, snapshot.reply.fee_charged) == \
                   (row.reply.id, row.reply.outcome, row.reply.fee_charged) if row.reply else snapshot.reply is None
        facts = {(f.sheet_id, f.indicator_id): (f.facts, f.version) for f in load_facts(campaign_id)}
        stored = {(f.sheet_id, f.indicator_id): (f.facts, f.version) for f in db.session.scalars(
            select(IndicatorFacts).join(ScoreSheet).where(ScoreSheet.campaign_id == campaign_id))}
        assert facts == stored and len(facts) > 40


def _one_by_one(app, data):
    """The requests and facts of `data` written through the operations, one row at a time."""
    from tracker.bundles.importer import import_bundle
    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db
    from tracker.requests import operations as ops
    from tracker.requests.fields import event_values
    from tracker.requests.models import PhoneAttempt, RequestEvent
    from tracker.scoring import operations as scoring_ops

    shell = dict(data, requests=[], facts={}, reviews={})
    with app.app_context():
        import_bundle(None, shell)
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == data["campaign"]["name"]))
        targets = {t.key: t for t in db.session.scalars(select(Target).where(Target.campaign_id == campaign.id))}
        for item in data["requests"]:
            row = ops.create_request(None, campaign, dict(item, target=targets[item["target"]]))
            for event in item.get("events") or []:
                row.events.append(RequestEvent(**event_values(event)))
            for attempt in (item.get("phone") or {}).get("attempts") or []:
                row.attempts.append(PhoneAttempt(at=ops.to_db_time(datetime.fromisoformat(attempt["at"])),
                                                 connected=attempt["connected"]))
            if item.get("reply"):
                ops.save_reply(None, row, item["reply"], allow_voided=True)
            if item.get("voided"):
                ops.void_request(None, row, item["void_reason"])
            ops.store_clock(row, ops.current_calendar())
            db.session.flush()
        for key, by_indicator in data["facts"].items():
            for indicator, facts in by_indicator.items():
                scoring_ops.save_facts(None, campaign, targets[key], int(indicator), facts)
        db.session.commit()
        return campaign.id


def _written(app, campaign_id):
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db
    from tracker.requests.models import MockRequest
    from tracker.requests.snapshots import load_snapshots
    from tracker.scoring.stored_facts import load_facts

    # version: one INSERT leaves a new row at 1; the operations insert, then update it (2 or 3).
    skip = {"id", "campaign_id", "target_id", "created_at", "owner_id", "version"}
    with app.app_context():
        requests = {}
        for r in load_snapshots(campaign_id):
            requests[r.key] = ({c.key: getattr(r, c.key) for c in MockRequest.__table__.columns if c.key not in skip},
                               [(e.type, e.on, e.working_days, e.note) for e in r.events],
                               [(a.at, a.connected) for a in r.attempts],
                               r.reply and {k: v for k, v in vars_of(r.reply).items() if k not in ("id", "request_id")})
        ids = {r.id: r.key for r in load_snapshots(campaign_id)}
        facts = sorted((f.indicator_id, str(f.facts)) for f in load_facts(campaign_id))
        audit = sorted((a.action, a.entity, str(a.before), str(a.after), a.summary) for a in db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity.in_(["request", "reply", "indicator_facts"]))))
        return requests, ids, facts, audit


def vars_of(snapshot):
    return {name: getattr(snapshot, name) for name in type(snapshot).__slots__}


@pytest.mark.slow  # imports a large bundle twice (7 s under load)
def test_bulk_import_writes_what_the_operations_write(app):
    from tests.conftest import reset_database
    from tracker.extensions import db

    data = generate(3, 40, anchor=ANCHOR)
    bulk = _written(app, _import(app, data))
    with app.app_context():
        db.session.remove()
        reset_database(db)
    single = _written(app, _one_by_one(app, data))
    assert bulk[0] == single[0]
    assert bulk[2] == single[2]
    assert bulk[3] == single[3] and len(bulk[3]) > 200
