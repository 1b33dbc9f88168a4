"""backup → restore into an empty database round-trips every table."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from tracker.cli import main

SMALL = Path(__file__).resolve().parent.parent / "data" / "bundle_small.json"


def _all_rows(db) -> dict:
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            ordered = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(str(v) for v in row) for row in connection.execute(ordered)]
    return rows


def test_backup_then_restore_into_an_empty_database(app, runner, tmp_path):
    from tests.conftest import reset_database
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db

    with app.app_context():
        import_bundle(None, json.loads(SMALL.read_text(encoding="utf-8")))
        db.session.commit()
        before = _all_rows(db)
    assert sum(len(rows) for rows in before.values()) > 50
    file = tmp_path / "tracker.backup"
    result = runner.invoke(main, ["backup", str(file)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        reset_database(db)
        assert not _all_rows(db)["requests"]
        db.session.remove()
        db.engine.dispose()
    result = runner.invoke(main, ["restore", "--yes", str(file)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()
        assert _all_rows(db) == before


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path):
    bogus = tmp_path / "bogus.backup"
    bogus.write_text("hello", encoding="utf-8")
    result = runner.invoke(main, ["restore", "--yes", str(bogus)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "备份文件" in result.output
    assert runner.invoke(main, ["restore", "--yes", str(tmp_path / "missing")]).exit_code == 1
