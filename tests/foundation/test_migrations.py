"""Every Alembic migration, upgraded on an empty database and on one with data; models agree with head."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from tracker.core.paths import resource_dir


def _revisions() -> list[str]:
    script = ScriptDirectory(str(resource_dir("migrations")))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


@pytest.fixture
def scratch_app():
    """An app on its own empty database (a fresh SQLite file, or a fresh PostgreSQL schema)."""
    from tracker import create_app

    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    folder = Path(tempfile.mkdtemp(prefix="tracker-migrations-"))
    schema = None
    if url:
        schema = f"migration_test_{os.getpid()}"
        admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        options = {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}
        app = create_app({"SQLALCHEMY_DATABASE_URI": admin.url.render_as_string(hide_password=False),
                          "SQLALCHEMY_ENGINE_OPTIONS": options})
    else:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'scratch.sqlite3'}"})
    yield app
    from tracker.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if schema:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def _diff(app) -> list:
    from tracker.extensions import db

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, db.metadata)]


def test_empty_database_upgrades_through_every_migration_to_the_models(scratch_app):
    from flask_migrate import upgrade

    with scratch_app.app_context():
        for revision in _revisions():
            upgrade(revision=revision)
        assert _diff(scratch_app) == []


def _seed_rows(connection) -> None:
    """Rows that every revision since 0001 must carry forward."""
    connection.execute(text("INSERT INTO users (username, name, role, active, created_at, version) "
                            "VALUES ('zhang', '张三', 'evaluator', true, '2020-09-01 00:00:00', 1)"))
    connection.execute(text("INSERT INTO campaigns (name, year, rubric_code, created_at, version) "
                            "VALUES ('迁移测试', 2020, 'wuwei-2020-county', '2020-09-01 00:00:00', 1)"))
    connection.execute(text("INSERT INTO targets (campaign_id, key, name, kind, website, apply_url, guide_phone, "
                            "address, legal_representative, office_hours, notes, version) VALUES (1, 'gl', '古浪县', "
                            "'county', '', '', '', '', '', '[]', '', 1)"))


def test_database_with_data_upgrades_and_keeps_it(scratch_app):
    from flask_migrate import upgrade

    from tracker.extensions import db

    revisions = _revisions()
    with scratch_app.app_context():
        upgrade(revision=revisions[0])
        with db.engine.begin() as connection:
            _seed_rows(connection)
        for revision in revisions[1:]:
            upgrade(revision=revision)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM targets")).scalar() == "古浪县"
            assert connection.execute(text("SELECT username FROM users")).scalar() == "zhang"
        assert _diff(scratch_app) == []
        assert "requests" in inspect(db.engine).get_table_names()


def test_init_is_idempotent(scratch_app):
    from tracker.core.setup import initialise_database

    with scratch_app.app_context():
        assert initialise_database() == ["wuwei-2020-county"]
        assert initialise_database() == []


def _insert(connection, table: str, values: dict) -> None:
    """A row of `table` as the schema of the current revision has it: every other NOT NULL column
    without a default gets a neutral value of its type."""
    from sqlalchemy import Boolean, DateTime, Integer, Numeric

    for column in inspect(connection).get_columns(table):
        if column["name"] in values or column["nullable"] or column.get("default") is not None \
                or column.get("autoincrement") is True or column["name"] == "id":
            continue
        kind = column["type"]
        values[column["name"]] = (False if isinstance(kind, Boolean) else 0 if isinstance(kind, (Integer, Numeric))
                                  else "2020-09-01 00:00:00" if isinstance(kind, DateTime) else "")
    names = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in values)  # request_events.on
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})"), values)


def test_rebuilding_a_table_on_sqlite_loses_no_reference(scratch_app):
    """SQLite rebuilds a table to drop a column (batch mode); with foreign keys enforced, dropping the
    old table ran every ON DELETE of the tables pointing at it: 0006 emptied requests.owner_id and
    would have cascaded away their rows. Every reference survives every migration."""
    from flask_migrate import upgrade

    from tracker.extensions import db

    revisions = _revisions()
    with scratch_app.app_context():
        upgrade(revision=revisions[0])
        with db.engine.begin() as connection:
            _seed_rows(connection)
            _insert(connection, "requests", {"campaign_id": 1, "target_id": 1, "key": "GL-16", "owner_id": 1,
                                             "channel": "online", "purpose": "16", "voided": False, "version": 1})
            _insert(connection, "replies", {"request_id": 1, "outcome": "already_public", "version": 1})
            _insert(connection, "campaign_members", {"campaign_id": 1, "user_id": 1})
        for revision in revisions[1:]:
            upgrade(revision=revision)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT owner_id FROM requests")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM replies")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM campaign_members")).scalar() == 1
