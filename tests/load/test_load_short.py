"""A short run of the load test in the normal suite: 10 evaluators for 8 s on the real server
(`tracker serve` + SQLite; on the PostgreSQL pass of the suite, gunicorn + a scratch PostgreSQL
database). Every acknowledged write must be stored with its exact value, no 500, no
"database is locked". The 2-minute runs are `scripts/loadtest` (README: Proof under load and faults).

The same run then damages the database behind the app's back (a reply's note altered, a reply
deleted, a score changed, a phone attempt removed) and checks that the proof notices each one:
a checker that cannot fail proves nothing."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from tests.load import loadtest


def _damage_and_recheck(database, plan, expected):
    engine = database.engine()
    replies = sorted(expected.replies)
    facts = sorted(expected.facts)
    attempts = sorted(expected.attempts)
    with engine.begin() as connection:
        if len(replies) >= 2:
            connection.execute(text("UPDATE replies SET notes = notes || '!' WHERE request_id = :r"), {"r": replies[0]})
            connection.execute(text("DELETE FROM replies WHERE request_id = :r"), {"r": replies[1]})
        if facts:
            target, indicator = facts[0]
            connection.execute(text(
                "UPDATE indicator_facts SET facts = :f WHERE indicator_id = :i AND sheet_id = "
                "(SELECT id FROM score_sheets WHERE target_id = :t)"),
                {"f": '{"items": [], "note": "silently altered"}', "i": indicator, "t": target})
        if attempts:
            connection.execute(text("DELETE FROM phone_attempts WHERE request_id = :r"), {"r": attempts[0]})
    engine.dispose()
    problems = "\n".join(loadtest.verify(database, plan, expected))
    if len(replies) >= 2:
        assert f"reply of request {replies[0]}.notes" in problems
        assert f"the reply of request {replies[1]} was acknowledged but has vanished" in problems
    if facts:
        assert f"score facts {facts[0]}: stored" in problems
    if attempts:
        assert f"phone attempts of request {attempts[0]}" in problems
    _damage_and_recheck.checked = bool(replies or facts)


@pytest.mark.slow  # a load run of its own server (4.6 s)
def test_short_load_run_loses_no_acknowledged_write(tmp_path):
    backend = "postgres" if os.environ.get("TRACKER_TEST_DATABASE_URL") else "sqlite"
    result = loadtest.run(backend, duration=8, workers=10, seed=7, workdir=tmp_path / "load",
                          after=_damage_and_recheck)
    print(result.summary())
    assert result.ok, result.summary()
    assert result.acknowledged.get("request created", 0) >= 5
    assert result.acknowledged.get("reply saved", 0) >= 2
    assert result.acknowledged.get("score facts saved", 0) >= 1
    assert _damage_and_recheck.checked
