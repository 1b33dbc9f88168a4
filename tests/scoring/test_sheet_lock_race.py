"""The sheet lock under concurrency (scoring/lock.py): a change that feeds a sheet and a submit or sign
of it, each in its own transaction at the same moment, are serialised on the sheet row — on
PostgreSQL by FOR SHARE / FOR UPDATE, on SQLite by its IMMEDIATE write transactions. Without the
row lock, PostgreSQL (READ COMMITTED) let an autosave commit a fact after a sign had read the facts:
a signed sheet whose live data differed from its snapshot.

Each transaction runs in a thread of its own, in its own app context (Flask-SQLAlchemy scopes the
session per app context), committed by the unit of work as a web request would be."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import event, select, update
from werkzeug.datastructures import MultiDict

from tests import factories as make
from tests.scoring.helpers import COUNTIES, DERIVED_OVERRIDES, MANUAL_FORMS, add_online_request, make_campaign
from tracker.campaigns.models import Campaign, Target
from tracker.core import unit_of_work
from tracker.core.errors import LockedError, ValidationError
from tracker.extensions import db
from tracker.rubric.model import format_points
from tracker.scoring import forms, lock, records, review, snapshot
from tracker.scoring import operations as ops
from tracker.scoring.models import IndicatorFacts, ScoreSheet
from tracker.scoring.rubric_store import get_rubric
from tracker.users.models import User

DAY = date(2020, 12, 31)
BLOCKED_FOR = 1.5  # how long the second transaction must stay blocked behind the first (seconds)
JOIN = 30  # the longest a step may take: SQLite's busy timeout is 15 s
OVERRIDE = {"override_reason": "测试记录已核实（人工复核）"}


# ---------------------------------------------------------------------------- set-up

@pytest.fixture
def county(app, users):
    """凉州区's sheet, every indicator scored by the evaluator, still in draft: ids and users' ids."""
    campaign_id, (target_id,) = make_campaign(app)
    add_online_request(app, campaign_id, "liangzhou")
    with app.app_context():
        evaluator = db.session.get(User, users["evaluator"].id)
        campaign, target = db.session.get(Campaign, campaign_id), db.session.get(Target, target_id)
        _fill(evaluator, campaign, target)
        db.session.commit()
    return {"campaign": campaign_id, "target": target_id, "evaluator": users["evaluator"].id,
            "reviewer": users["reviewer"].id}


def _fill(actor, campaign: Campaign, target: Target) -> None:
    rubric = get_rubric(campaign.rubric_code)
    posted = {ident: form for ident, (form, _points) in MANUAL_FORMS.items()}
    posted |= {ident: {"override_points": str(points), **OVERRIDE} for ident, points in DERIVED_OVERRIDES.items()}
    for ident, form in posted.items():
        facts = forms.facts_from_form(rubric.indicator(ident), MultiDict(form))
        ops.save_facts(actor, campaign, target, ident, facts)


def _loaded(ids: dict) -> tuple[Campaign, Target, ScoreSheet]:
    campaign, target = db.session.get(Campaign, ids["campaign"]), db.session.get(Target, ids["target"])
    return campaign, target, ops.sheet_for(campaign, target, create=False)


def _user(ids: dict, role: str) -> User:
    return db.session.get(User, ids[role])


# ---------------------------------------------------------------------------- two transactions

class Step(threading.Thread):
    """`body` in an app context of its own (its own session and transaction), committed by the unit of
    work as a request's change is: `outcome` (value or refusal), or `crash` (anything else)."""

    def __init__(self, app, body):
        super().__init__(daemon=True)
        self.app, self.body, self.outcome, self.crash = app, body, None, None

    def run(self) -> None:
        with self.app.app_context():
            try:
                self.outcome = unit_of_work.run(self.body)
            except BaseException as error:  # noqa: BLE001 — reported by the test
                self.crash = error
            finally:
                db.session.remove()


def race(app, first, second) -> tuple[bool, unit_of_work.Outcome, unit_of_work.Outcome]:
    """`first` runs up to its end but does not commit; then `second` starts. Answers whether `second`
    was still waiting BLOCKED_FOR seconds later, then lets `first` commit, and the outcomes of both."""
    done, release = threading.Event(), threading.Event()

    def holding():
        value = first()
        done.set()
        assert release.wait(JOIN), "never released"
        return value

    holder = Step(app, holding)
    holder.start()
    try:
        assert done.wait(JOIN), f"the first step did not get through: {holder.crash or holder.outcome}"
        other = Step(app, second)
        other.start()
        other.join(BLOCKED_FOR)
        blocked = other.is_alive()
    finally:
        release.set()
        holder.join(JOIN)
    other.join(JOIN)
    assert not holder.is_alive() and not other.is_alive(), "a step is still running"
    assert holder.crash is None and other.crash is None, (holder.crash, other.crash)
    return blocked, holder.outcome, other.outcome


def _save(ids: dict, indicator_id: int, facts: dict):
    def body():
        campaign, target, _sheet = _loaded(ids)
        return ops.save_facts(_user(ids, "evaluator"), campaign, target, indicator_id, facts).id
    return body


def _submit_and_sign(ids: dict):
    """A bundle's review: submitted by the evaluator and signed by the reviewer in one transaction, the
    reviewer signing what prepare_signature shows (bundles/reviews.py)."""
    def body():
        _campaign, _target, sheet = _loaded(ids)
        review.submit_sheet(_user(ids, "evaluator"), sheet, DAY)
        reviewer = _user(ids, "reviewer")
        prepared = review.prepare_signature(reviewer, sheet, DAY)
        review.sign_sheet(reviewer, sheet, DAY, prepared.score.fingerprint(), prepared=prepared)
    return body


def _submit(ids: dict):
    def body():
        review.submit_sheet(_user(ids, "evaluator"), _loaded(ids)[2], DAY)
    return body


def _state(app, ids: dict) -> tuple[str, list, list[int], dict]:
    """(status, differences between the signature in force and the sheet now, 未评 now, stored facts)."""
    with app.app_context():
        _campaign, _target, sheet = _loaded(ids)
        live = review.live_sheet(sheet, DAY)
        signature = records.signature_of(sheet)
        drift = (snapshot.differences(signature.score, live.score, live.explanations())
                 if signature is not None else [])
        facts = {row.indicator_id: row.facts for row in db.session.scalars(
            select(IndicatorFacts).where(IndicatorFacts.sheet_id == sheet.id))}
        state = sheet.status, drift, list(live.score.pending), facts
        db.session.rollback()
        return state


# ---------------------------------------------------------------------------- the races

def test_a_sign_waits_for_an_autosave_in_flight_and_signs_what_it_saved(app, county):
    """The autosave holds the sheet (shared) until it commits; the submit-and-sign waits for it, then
    reads the facts with the autosave's change and signs those."""
    blocked, saved, signed = race(app, _save(county, 8, {"points": 0}), _submit_and_sign(county))

    assert blocked, "the sign did not wait for the autosave's transaction"
    assert saved.error is None and signed.error is None, (saved.error, signed.error)
    status, drift, pending, facts = _state(app, county)
    assert status == "signed" and facts[8] == {"points": 0}
    assert drift == [], "the signed snapshot differs from the live data: " + "; ".join(
        f"{d.what} {d.signed}→{d.now}" for d in drift)


def test_a_submit_waits_for_an_autosave_that_clears_an_indicator_and_is_refused(app, county):
    """The autosave clears indicator 8 back to 未评: the submit that waited for it sees that and is
    refused — no submitted sheet with a 未评 indicator."""
    blocked, saved, submitted = race(app, _save(county, 8, {}), _submit(county))

    assert blocked, "the submit did not wait for the autosave's transaction"
    assert saved.error is None
    assert isinstance(submitted.error, ValidationError) and "仍有未评指标（共1项）：指标8" in str(submitted.error.errors)
    status, _drift, pending, _facts = _state(app, county)
    assert status == "draft" and pending == [8]


def test_an_autosave_waits_for_a_sign_in_flight_and_is_refused_once_it_is_signed(app, county):
    """The reverse order: the sign holds the sheet (update) first; the autosave, begun while the sheet
    still read as draft, waits for it and is refused by the lock the sign committed."""
    before = _state(app, county)[3][8]
    blocked, signed, saved = race(app, _submit_and_sign(county), _save(county, 8, {"points": 0}))

    assert blocked, "the autosave did not wait for the sign's transaction"
    assert signed.error is None
    assert isinstance(saved.error, LockedError) and "已审核锁定" in saved.error.message
    status, drift, _pending, facts = _state(app, county)
    assert status == "signed" and drift == [] and facts[8] == before


def test_two_first_saves_of_a_new_county_both_keep_their_facts(app, users):
    """Two people open a county nobody has scored and save at the same moment: the sheet is created
    once, and the later save takes it instead of failing whole with "请刷新页面后重试" (PostgreSQL: its
    INSERT waits for the first to commit, then finds the key taken; SQLite: its transaction waits)."""
    campaign_id, (target_id,) = make_campaign(app)
    ids = {"campaign": campaign_id, "target": target_id, "evaluator": users["evaluator"].id}
    blocked, first, second = race(app, _save(ids, 8, {"points": 1}), _save(ids, 9, {"passed": True}))

    assert blocked, "the second first save did not wait for the first one's sheet"
    assert first.error is None and second.error is None, (first.error, second.error)
    with app.app_context():
        sheets = db.session.scalars(select(ScoreSheet).where(ScoreSheet.target_id == target_id)).all()
        assert len(sheets) == 1
        saved = {row.indicator_id: row.facts for row in db.session.scalars(
            select(IndicatorFacts).where(IndicatorFacts.sheet_id == sheets[0].id))}
        assert saved == {8: {"points": 1}, 9: {"passed": True}}


# ---------------------------------------------------------------------------- one transaction

def _lock_statements():
    """The locking reads of sheet rows the engine runs from now on (lock.py's, on either database)."""
    seen: list[str] = []

    def listener(_connection, _cursor, statement, *_):
        if "score_sheets.status, score_sheets.version" in statement:
            seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", listener)


def _locking_clause(statements: list[str]) -> list[str]:
    """FOR SHARE / FOR UPDATE of each statement on PostgreSQL (SQLite renders none)."""
    if db.engine.dialect.name != "postgresql":
        return []
    return [("FOR SHARE" if "FOR SHARE" in s else "FOR UPDATE" if "FOR UPDATE" in s else "none") for s in statements]


def test_many_changes_to_one_sheet_lock_it_once_and_a_submit_upgrades_it(ctx, users):
    campaign = make.campaign()
    target = make.target(campaign, "liangzhou", "凉州区")
    make.request(campaign, "online", target="liangzhou")
    evaluator = db.session.get(User, users["evaluator"].id)
    db.session.commit()
    statements, stop = _lock_statements()
    try:
        _fill(evaluator, campaign, target)
        ops.add_evidence(evaluator, campaign, target, 8, {"note": "政府网站公开目录"})
        sheet = ops.sheet_for(campaign, target, create=False)
        assert len(statements) == 1 and lock.held_sheets() == {sheet.id: lock.SHARE}
        review.submit_sheet(evaluator, sheet, DAY)
        assert len(statements) == 2 and lock.held_sheets() == {sheet.id: lock.UPDATE}
        with pytest.raises(LockedError):
            ops.save_facts(evaluator, campaign, target, 8, {"points": 0})
        with pytest.raises(LockedError):
            make.request(campaign, "phone", target="liangzhou")
        assert len(statements) == 2  # held as UPDATE, which covers every later check
        assert _locking_clause(statements) in ([], ["FOR SHARE", "FOR UPDATE"])
    finally:
        stop()
    db.session.commit()
    assert lock.held_sheets() == {}  # the locks end with the transaction, and so does the record


def test_a_campaigns_sheets_are_held_in_one_statement(ctx, users):
    campaign = make.campaign()
    targets = make.targets(campaign, *COUNTIES)
    sheets = [make.sheet(campaign, target) for target in targets]
    other = make.campaign("另一考评项目")
    make.sheet(other, make.target(other, "liangzhou", "凉州区"))  # not held
    db.session.commit()
    statements, stop = _lock_statements()
    try:
        assert lock.hold_campaign_sheets(campaign.id) == len(COUNTIES)
        assert lock.held_sheets() == {sheet.id: lock.UPDATE for sheet in sheets}
        for target in targets:
            ops.save_facts(None, campaign, target, 8, {"points": 1})
            make.request(campaign, "online", target=target.key)
        assert len(statements) == 1 and _locking_clause(statements) in ([], ["FOR UPDATE"])
    finally:
        stop()
    db.session.rollback()


def test_requests_of_one_county_lock_its_sheet_once(ctx, users):
    campaign = make.campaign()
    make.targets(campaign, ("liangzhou", "凉州区"), ("minqin", "民勤县"))
    sheet = make.sheet(campaign, db.session.scalar(select(Target).where(Target.key == "liangzhou")))
    db.session.commit()
    statements, stop = _lock_statements()
    try:
        for _ in range(3):
            make.request(campaign, "online", target="liangzhou")
        make.request(campaign, "online", target="minqin")  # no sheet: nothing to hold
        assert lock.held_sheets() == {sheet.id: lock.SHARE}
        assert len(statements) == 2 and _locking_clause(statements) in ([], ["FOR SHARE", "FOR SHARE"])
    finally:
        stop()
    db.session.rollback()


def test_the_status_judged_is_the_one_read_under_the_lock(ctx, users):
    """A sheet loaded before another transaction signed it (on PostgreSQL within one transaction) is
    judged as the row stands once locked, not as the loaded object says."""
    campaign = make.campaign()
    target = make.target(campaign, "liangzhou", "凉州区")
    sheet = make.sheet(campaign, target)
    db.session.commit()
    sheet = ops.sheet_for(campaign, target, create=False)
    assert sheet.status == "draft"
    # What another transaction's commit does to the row behind this session's back.
    db.session.execute(update(ScoreSheet).where(ScoreSheet.id == sheet.id)
                       .values(status="signed", version=ScoreSheet.version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(LockedError, match="已审核锁定"):
        ops.save_facts(None, campaign, target, 8, {"points": 1})
    assert sheet.status == "signed"  # the stale object was read again
    with pytest.raises(ValidationError, match="已审核锁定"):
        review.submit_sheet(None, sheet, DAY)
    db.session.rollback()


def test_the_points_of_the_filled_sheet(ctx, users):
    """The set-up's sheet is complete (what the races rely on)."""
    campaign = make.campaign()
    target = make.target(campaign, "liangzhou", "凉州区")
    make.request(campaign, "online", target="liangzhou")
    _fill(db.session.get(User, users["evaluator"].id), campaign, target)
    score = review.live_sheet(ops.sheet_for(campaign, target, create=False), DAY).score
    assert score.pending == [] and format_points(score.total) == "91"
    db.session.rollback()
