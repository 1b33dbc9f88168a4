"""Every mapped table says whether the kept pages depend on it (issue 16, item 1): a table missing
from every list would silently keep stale reports — signed sheets printing old numbers."""
from __future__ import annotations


def test_every_table_is_declared_for_the_kept_pages(app):
    from tracker.core.data_revision import BOOKKEEPING_TABLES
    from tracker.extensions import db
    from tracker.reports.target_revisions import DECLARED_TABLES

    undeclared = sorted(set(db.metadata.tables) - DECLARED_TABLES - BOOKKEEPING_TABLES)
    assert undeclared == [], (
        f"declare these tables in reports/target_revisions.py or core/data_revision.py: {undeclared}")


def test_no_table_is_declared_twice(app):
    from tracker.core.data_revision import BOOKKEEPING_TABLES
    from tracker.reports.target_revisions import DECLARED_TABLES

    assert sorted(DECLARED_TABLES & BOOKKEEPING_TABLES) == []
