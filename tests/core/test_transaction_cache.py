"""Reads kept for one transaction (core/transaction_cache.py): teams, closed campaigns, rubric rows,
revision tokens. Kept within a transaction, never beyond it, and forgotten where its own write changes them."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event, update

from tests import factories
from tracker.campaigns.models import Campaign
from tracker.campaigns.operations import set_team
from tracker.core import policy, revisions
from tracker.core.transaction_cache import transaction_cache
from tracker.extensions import db
from tracker.scoring.rubric_store import get_rubric


def _statements(app):
    seen: list[str] = []

    def listener(_connection, _cursor, statement, *_):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", listener)


def test_a_value_is_kept_until_the_transaction_ends(ctx):
    transaction_cache("probe")["answer"] = 42
    assert transaction_cache("probe") == {"answer": 42}
    db.session.commit()
    assert transaction_cache("probe") == {}
    db.session.execute(update(Campaign).values(name=Campaign.name))  # a new transaction begins
    transaction_cache("probe")["answer"] = 43
    db.session.rollback()
    assert transaction_cache("probe") == {}


def test_reads_are_asked_once_per_transaction(ctx, users):
    code = factories.campaign().rubric_code
    get_rubric(code)  # parsed once per process (rubric_store): not what this test counts
    db.session.commit()
    reviewer = db.session.get(type(users["reviewer"]), users["reviewer"].id)
    seen, stop = _statements(ctx)
    try:
        for _ in range(3):
            policy.team_campaign_ids(reviewer)
            policy.closed_campaign_ids()
            get_rubric(code)
            revisions.current_tokens([(revisions.CALENDAR, revisions.EVERY)])
    finally:
        stop()
    assert len(seen) == 4, "\n".join(seen)


def test_a_campaign_closed_elsewhere_is_seen_by_the_next_transaction(ctx):
    campaign_id = factories.campaign(team=None).id
    db.session.commit()
    assert campaign_id not in policy.closed_campaign_ids()
    db.session.commit()  # this transaction ends: what it kept goes
    with db.engine.begin() as other:  # another process closes the campaign
        other.execute(update(Campaign).where(Campaign.id == campaign_id).values(closed_on=date(2020, 9, 1)))
    assert campaign_id in policy.closed_campaign_ids()


def test_a_team_changed_in_this_transaction_is_read_again(ctx, users):
    campaign = factories.campaign(team=None)
    db.session.commit()
    reviewer = db.session.get(type(users["reviewer"]), users["reviewer"].id)
    assert campaign.id not in policy.team_campaign_ids(reviewer)
    set_team(None, campaign, [reviewer.id])
    assert campaign.id in policy.team_campaign_ids(reviewer)


def test_a_token_renewed_by_this_session_is_read_again_after_its_commit(ctx):
    campaign = factories.campaign(team=None)
    db.session.commit()
    wanted = [(revisions.DATA, revisions.EVERY)]
    before = revisions.current_tokens(wanted)
    factories.target(campaign, "t1", "一县")  # any write renews the data token at its commit
    db.session.commit()
    assert revisions.current_tokens(wanted) != before
