"""The closed-campaign check of every mutating path (scoring/lock.py) costs no SQL when the session has
the campaign — a bundle import asks it once per request and fact — and still refuses a closed one."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event


def test_closed_campaign_check_reads_the_session_and_refuses(app, ctx):
    from tracker.campaigns.models import Campaign
    from tracker.core.errors import LockedError
    from tracker.extensions import db
    from tracker.scoring.lock import ensure_campaign_open

    campaign = Campaign(name="锁检查", year=2020, rubric_code="wuwei-2020-county")
    db.session.add(campaign)
    db.session.commit()
    campaign_id = campaign.id
    ensure_campaign_open(campaign_id)  # loads it once after the commit expired it
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for _ in range(50):
            ensure_campaign_open(campaign_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []
    campaign.closed_on = date(2020, 12, 1)  # closed in this session, not yet flushed: seen
    with pytest.raises(LockedError):
        ensure_campaign_open(campaign_id)
    db.session.commit()
    db.session.expunge_all()
    with pytest.raises(LockedError):  # and read from the database in a fresh session
        ensure_campaign_open(campaign_id)
