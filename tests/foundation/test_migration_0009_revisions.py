"""Migration 0009 folds the three token tables into `revisions` and keeps every token (issue 16)."""
from __future__ import annotations

from sqlalchemy import inspect, text

from .test_migrations import scratch_app  # noqa: F401  (the fixture: an app on an empty database)

OLD_TOKENS = {"data_revision": [(1, "d" * 32)], "calendar_revision": [(1, "c" * 32)],
              "target_revisions": [(0, "s" * 32), (1, "1" * 32), (7, "7" * 32)]}


def _seed_old_tokens(connection) -> None:
    for table, rows in OLD_TOKENS.items():
        key = "target_id" if table == "target_revisions" else "id"
        connection.execute(text(f"DELETE FROM {table}"))  # migration 0003 wrote tokens of its own
        for ident, token in rows:
            connection.execute(text(f"INSERT INTO {table} ({key}, revision) VALUES (:i, :t)"), {"i": ident, "t": token})


def test_upgrading_to_0009_keeps_every_token_and_downgrading_gives_them_back(scratch_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    from tracker.extensions import db

    with scratch_app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            _seed_old_tokens(connection)
        upgrade(revision="0009")
        with db.engine.connect() as connection:
            rows = set(connection.execute(text("SELECT scope, key, token FROM revisions")).all())
        assert rows == {("data", 0, "d" * 32), ("calendar", 0, "c" * 32), ("shared", 0, "s" * 32),
                        ("target", 1, "1" * 32), ("target", 7, "7" * 32)}
        names = set(inspect(db.engine).get_table_names())
        assert "revisions" in names and not names & set(OLD_TOKENS)
        downgrade(revision="0008")
        with db.engine.connect() as connection:
            for table, expected in OLD_TOKENS.items():
                key = "target_id" if table == "target_revisions" else "id"
                assert connection.execute(text(f"SELECT {key}, revision FROM {table} ORDER BY {key}")).all() == expected
