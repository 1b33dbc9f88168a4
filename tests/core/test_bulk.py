"""core/bulk.insert_many stores what an INSERT stores: on PostgreSQL it streams the rows with COPY,
whose text format escapes tabs, newlines and backslashes itself, and JSON goes as its text."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Integer, MetaData, Numeric, String, Table, Text,
                        insert, select)

from tracker.core import revisions
from tracker.core.bulk import insert_many
from tracker.extensions import db

_metadata = MetaData()
PROBE = Table(
    "bulk_probe", _metadata,
    Column("id", Integer, primary_key=True),
    Column("batch", String(10), nullable=False),
    Column("label", String(50)),
    Column("body", Text),
    Column("flag", Boolean),
    Column("day", Date),
    Column("at", DateTime),
    Column("amount", Numeric(10, 2)),
    Column("doc", JSON),
    Column("doc_or_null", JSON(none_as_null=True)),
)

TRICKY_TEXTS = ["普通文字", "tab\there", "line\nbreak\r\n", "back\\slash \\N", "", "  edge spaces  ", "\\.", "引号\"'"]


def _rows(batch: str) -> list[dict]:
    rows = []
    for index, text in enumerate(TRICKY_TEXTS):
        rows.append({
            "batch": batch, "label": text[:50], "body": text * 3,
            "flag": (None, True, False)[index % 3],
            "day": date(2020, 9, 1 + index) if index % 2 else None,
            "at": datetime(2020, 9, 1, 8, index, 30) if index % 3 else None,
            "amount": Decimal("12.50") if index % 2 else None,
            "doc": ({"items": [True, None, 1.5], "note": text} if index % 2 else None),
            "doc_or_null": (["列表", {"k": text}] if index % 3 else None),
        })
    return rows


def _stored(batch: str) -> list[tuple]:
    columns = [c for c in PROBE.c if c.name not in ("id", "batch")]
    rows = db.session.execute(select(*columns, PROBE.c.doc.is_(None), PROBE.c.doc_or_null.is_(None))
                              .where(PROBE.c.batch == batch).order_by(PROBE.c.id)).all()
    return [tuple(row) for row in rows]


@pytest.fixture
def probe(app, monkeypatch):
    # Declared as a shared table: a write to it renews the shared scope's token (core/revisions.py).
    monkeypatch.setitem(revisions._by_table, "bulk_probe", revisions.Shared())
    with app.app_context():
        _metadata.create_all(db.engine)
        try:
            yield
        finally:
            db.session.rollback()
            _metadata.drop_all(db.engine)


def test_insert_many_stores_what_an_insert_stores(app, probe):
    with app.app_context():
        insert_many(db.session, PROBE, _rows("bulk"))
        db.session.execute(insert(PROBE), _rows("insert"))
        bulk, inserted = _stored("bulk"), _stored("insert")
        assert len(bulk) == len(TRICKY_TEXTS)
        assert bulk == inserted
        # The texts came through unchanged (COPY's own escapes undone), JSON as JSON.
        assert [row[0] for row in bulk] == [text[:50] for text in TRICKY_TEXTS]
        assert bulk[1][6] == {"items": [True, None, 1.5], "note": TRICKY_TEXTS[1]}


def test_insert_many_renews_the_tokens_an_insert_renews(app, probe):
    with app.app_context():
        wanted = [(revisions.SHARED, revisions.EVERY), (revisions.DATA, revisions.EVERY)]
        before = revisions.current_tokens(wanted)
        insert_many(db.session, PROBE, _rows("bulk"))
        assert revisions.pending_scopes() >= {revisions.SHARED, revisions.DATA}
        db.session.commit()
        after = revisions.current_tokens(wanted)
        assert all(after[key] != before[key] for key in wanted)
        db.session.execute(PROBE.delete())
        db.session.commit()


def test_insert_many_with_nothing_to_insert_writes_nothing(app, probe):
    with app.app_context():
        insert_many(db.session, PROBE, [])
        assert _stored("bulk") == []


def test_rows_with_different_columns_are_refused(app, probe):
    rows = _rows("bulk")[:2]
    del rows[1]["label"]
    with app.app_context(), pytest.raises(Exception):  # noqa: B017 — ValueError (COPY) or Core's StatementError
        insert_many(db.session, PROBE, rows)
