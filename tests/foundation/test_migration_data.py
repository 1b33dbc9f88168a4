"""A data case per Alembic migration: rows written at the revision before it come through its upgrade,
and through its downgrade and upgrade again. A new file in migrations/versions without a case in
DATA_CASES fails `test_every_migration_has_a_data_case`: write the case with the migration.

Rows are written with SQL, as the schema of that revision has them (`_insert` gives every other NOT NULL
column a neutral value), never through the models: the models follow head, not the revision.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tests.foundation.test_migrations import _insert, _revisions, scratch_app  # noqa: F401 — fixture
from tracker.core.paths import resource_dir

pytestmark = pytest.mark.slow  # each case builds its own database through the migrations (about 2 s)

# Evaluation data in every table that exists since 0001 and holds what users entered, in foreign-key
# order: table → rows. Each row's first column is its key; `CORE_CHECKED` names the columns that
# must come back unchanged (not booleans, JSON or numbers, which the two databases return differently).
CORE_ROWS: dict[str, list[dict]] = {
    "users": [{"id": 1, "username": "zhang", "name": "张三", "role": "evaluator", "email": "zhang@example.org",
               "active": True, "created_at": "2020-09-01 00:00:00", "version": 1},
              {"id": 2, "username": "li", "name": "李四", "role": "reviewer", "email": "li@example.org",
               "active": True, "created_at": "2020-09-01 00:00:00", "version": 1}],
    "campaigns": [{"id": 1, "name": "迁移测试", "year": 2020, "rubric_code": "wuwei-2020-county",
                   "created_at": "2020-09-01 00:00:00", "version": 1}],
    "targets": [{"id": 1, "campaign_id": 1, "key": "gl", "name": "古浪县", "kind": "county", "office_hours": "[]",
                 "version": 1}],
    "campaign_members": [{"id": 1, "campaign_id": 1, "user_id": 1}, {"id": 2, "campaign_id": 1, "user_id": 2}],
    "requests": [{"id": 1, "campaign_id": 1, "target_id": 1, "key": "GL-16", "owner_id": 1, "channel": "online",
                  "purpose": "16", "status": "answered", "voided": False, "provisional": False,
                  "letter_returned": False, "created_at": "2020-09-01 00:00:00", "version": 1},
                 {"id": 2, "campaign_id": 1, "target_id": 1, "key": "GL-18", "owner_id": 1, "channel": "phone",
                  "purpose": "18", "status": "awaiting_reply", "voided": False, "provisional": False,
                  "letter_returned": False, "created_at": "2020-09-01 00:00:00", "version": 1},
                 {"id": 3, "campaign_id": 1, "target_id": 1, "key": "GL-20", "owner_id": 1, "channel": "mail",
                  "purpose": "20", "status": "awaiting_reply", "voided": False, "provisional": False,
                  "letter_returned": False, "created_at": "2020-09-01 00:00:00", "version": 1}],
    "replies": [{"id": 1, "request_id": 1, "outcome": "already_public", "dispatched_on": "2020-09-20",
                 "told_route": True, "version": 1}],
    "request_events": [{"id": 1, "request_id": 1, "type": "extended", "on": "2020-09-10", "working_days": 5,
                        "note": "延期", "created_at": "2020-09-10 00:00:00"}],
    "phone_attempts": [{"id": 1, "request_id": 2, "at": "2020-09-02 09:10:00", "connected": False,
                        "note": "无人接听"}],
    "score_sheets": [{"id": 1, "campaign_id": 1, "target_id": 1, "status": "draft", "version": 1}],
    "indicator_facts": [{"id": 1, "sheet_id": 1, "indicator_id": 1, "facts": '{"items": [true]}',
                         "explanation": "说明", "updated_at": "2020-09-03 00:00:00", "version": 1}],
    "attachments": [{"id": 1, "request_id": 1, "original_name": "答复书.png", "stored_name": "0123abcd",
                     "content_type": "image/png", "size": 200, "uploaded_at": "2020-09-22 00:00:00"}],
    "evidence": [{"id": 1, "facts_id": 1, "url": "https://www.gl.gov.cn/", "note": "截图",
                  "created_at": "2020-09-03 00:00:00"}],
    "outbox": [{"id": 1, "recipient": "zhang@example.org", "user_id": 1, "subject": "提醒", "status": "pending",
                "attempts": 0, "created_at": "2020-09-03 00:00:00"}],
    "audit_log": [{"id": 1, "at": "2020-09-01 00:00:00", "user_id": 2, "action": "create", "entity": "campaign",
                   "entity_id": 1, "summary": "新建考评"}],
    "calendar_overrides": [{"id": 1, "day": "2030-01-02", "working": False, "note": "测试",
                            "updated_at": "2020-09-01 00:00:00"}],
    "calendar_confirmed_years": [{"year": 2031, "source": "国办发明电〔2030〕1号",
                                  "confirmed_at": "2020-09-01 00:00:00"}],
}
CORE_CHECKED: dict[str, tuple[str, ...]] = {
    "users": ("id", "username", "name", "role", "email"),
    "campaigns": ("id", "name", "year", "rubric_code"),
    "targets": ("id", "campaign_id", "key", "name"),
    "campaign_members": ("id", "campaign_id", "user_id"),
    "requests": ("id", "campaign_id", "target_id", "key", "owner_id", "channel", "purpose"),
    "replies": ("id", "request_id", "outcome", "dispatched_on"),
    "request_events": ("id", "request_id", "type", "on", "working_days", "note"),
    "phone_attempts": ("id", "request_id", "note"),
    "score_sheets": ("id", "campaign_id", "target_id", "status"),
    "indicator_facts": ("id", "sheet_id", "indicator_id", "explanation"),
    "attachments": ("id", "request_id", "original_name", "stored_name", "size"),
    "evidence": ("id", "facts_id", "url", "note"),
    "outbox": ("id", "recipient", "user_id", "subject"),
    "audit_log": ("id", "user_id", "action", "entity", "entity_id", "summary"),
    "calendar_overrides": ("id", "day", "note"),
    "calendar_confirmed_years": ("year", "source"),
}


def seed_core(connection) -> None:
    for table, rows in CORE_ROWS.items():
        for row in rows:
            _insert(connection, table, dict(row))


def check_core(connection) -> None:
    for table, columns in CORE_CHECKED.items():
        names = ", ".join(f'"{c}"' for c in columns)
        found = [tuple(str(v) for v in row)
                 for row in connection.execute(text(f"SELECT {names} FROM {table} ORDER BY {columns[0]}"))]
        expected = [tuple(str(row[c]) for c in columns) for row in CORE_ROWS[table]]
        assert found == expected, f"{table}: rows changed"


def check_core_rows_enter_the_new_schema(connection) -> None:
    """0001 has nothing before it: its case writes the core rows into the schema it made and reads them."""
    seed_core(connection)
    check_core(connection)


def check_revision_tokens(connection) -> None:
    check_core(connection)
    assert connection.execute(text("SELECT count(*) FROM data_revision WHERE id = 1")).scalar() == 1
    assert connection.execute(text("SELECT count(*) FROM target_revisions WHERE target_id = 0")).scalar() == 1


def check_review_record(connection) -> None:
    check_core(connection)
    assert connection.execute(text("SELECT closed_on FROM campaigns")).all() == [(None,)]  # open, as before
    assert connection.execute(text("SELECT count(*) FROM sheet_review_events")).scalar() == 0


# 0005 (README of the migration): letters become `registered`, or `to_other` for purpose 20; replies were
# written replies, their form set by channel. tests/requests/test_law_facts_migration.py checks the same
# rows at head.
LAW_FACTS_ROWS = {
    "requests": [{"id": 4, "campaign_id": 1, "target_id": 1, "key": "GL-19", "owner_id": 1, "channel": "mail",
                  "purpose": "19.2", "status": "answered", "voided": False, "provisional": False,
                  "letter_returned": False, "created_at": "2020-09-01 00:00:00", "version": 1},
                 {"id": 5, "campaign_id": 1, "target_id": 1, "key": "GL-17", "owner_id": 1, "channel": "oral",
                  "purpose": "17", "status": "answered", "voided": False, "provisional": False,
                  "letter_returned": False, "created_at": "2020-09-01 00:00:00", "version": 1}],
    "replies": [{"id": 2, "request_id": 3, "outcome": "disclosed", "version": 1},
                {"id": 3, "request_id": 4, "outcome": "disclosed", "version": 1},
                {"id": 4, "request_id": 5, "outcome": "disclosed", "version": 1}],
}


def seed_law_facts(connection) -> None:
    seed_core(connection)
    for table, rows in LAW_FACTS_ROWS.items():
        for row in rows:
            _insert(connection, table, dict(row))


def check_law_facts(connection) -> None:
    kinds = dict(connection.execute(text("SELECT key, letter_kind FROM requests")).all())
    forms = dict(connection.execute(text("SELECT requests.key, replies.form FROM replies "
                                         "JOIN requests ON requests.id = replies.request_id")).all())
    assert kinds == {"GL-16": None, "GL-18": None, "GL-20": "to_other", "GL-19": "registered", "GL-17": None}
    assert forms == {"GL-16": "platform", "GL-20": "letter", "GL-19": "letter", "GL-17": "on_the_spot"}
    assert set(connection.execute(text("SELECT phone_number_called FROM requests")).scalars()) == {""}
    # check_core compares the core rows only: the two extra requests and three replies are checked above.
    assert connection.execute(text("SELECT count(*) FROM requests")).scalar() == 5


FEED_TOKEN = "a-calendar-feed-token"


def seed_security(connection) -> None:
    seed_core(connection)
    connection.execute(text("UPDATE users SET calendar_token = :token WHERE username = 'zhang'"), {"token": FEED_TOKEN})
    _insert(connection, "login_attempts", {"username": "zhang", "remote_addr": "10.0.0.1", "at": "2020-09-01 08:00:00"})


def _security_columns(connection) -> None:
    check_core(connection)
    assert connection.execute(text("SELECT succeeded FROM login_attempts")).scalars().all() in ([False], [0])
    assert connection.execute(text("SELECT next_attempt_at, first_failed_at FROM outbox")).all() == [(None, None)]
    assert "calendar_token" not in {c["name"] for c in inspect(connection).get_columns("users")}


def check_security(connection) -> None:
    """Existing calendar links keep working: the token is kept as its SHA-256."""
    _security_columns(connection)
    hashes = dict(connection.execute(text("SELECT username, calendar_token_hash FROM users")).all())
    assert hashes == {"zhang": hashlib.sha256(FEED_TOKEN.encode()).hexdigest(), "li": None}


def check_security_after_downgrade(connection) -> None:
    """The plaintext of a hashed token cannot be recovered: a downgrade ends every calendar link."""
    _security_columns(connection)
    assert connection.execute(text("SELECT calendar_token_hash FROM users")).scalars().all() == [None, None]


def check_ocr_scans(connection) -> None:
    check_core(connection)
    assert connection.execute(text("SELECT count(*) FROM ocr_scans")).scalar() == 0


def check_report_jobs(connection) -> None:
    check_core(connection)
    assert connection.execute(text("SELECT count(*) FROM report_jobs")).scalar() == 0
    connection.execute(text("INSERT INTO report_jobs (id, campaign_id, kind, business_date, status, parts_done, "
                            "parts_total, message, download_name, size, created_at, updated_at) VALUES (1, 1, "
                            "'xlsx', '2020-11-30', 'queued', 0, 2, '', '迁移测试评分表.xlsx', 0, "
                            "'2020-11-30 00:00:00', '2020-11-30 00:00:00')"))
    assert connection.execute(text("SELECT campaign_id FROM report_jobs")).scalar() == 1
    connection.execute(text("DELETE FROM report_jobs"))


REPORT_JOB = {"id": 1, "campaign_id": 1, "kind": "xlsx", "business_date": "2020-11-30", "status": "done",
              "parts_done": 2, "parts_total": 2, "message": "", "stored_name": "0123abcd",
              "download_name": "迁移测试评分表.xlsx", "size": 100, "created_at": "2020-11-30 00:00:00",
              "updated_at": "2020-11-30 00:00:00"}


def seed_report_job(connection) -> None:
    seed_core(connection)
    _insert(connection, "report_jobs", dict(REPORT_JOB))


def check_report_job_tokens(connection) -> None:
    """A job built before 0013 has no record of the data it read: NULL, so it is never reused as current
    (the next request for that day builds a new one); everything else about it is kept."""
    check_core(connection)
    rows = connection.execute(text("SELECT id, status, stored_name, download_name, data_key FROM report_jobs")).all()
    assert [tuple(row) for row in rows] == [(1, "done", "0123abcd", "迁移测试评分表.xlsx", None)]


# 0009 (issue 16): the three token tables fold into `revisions` (scope, key, token), every token kept.
OLD_TOKENS = {"data_revision": ("id", [(1, "d" * 32)]), "calendar_revision": ("id", [(1, "c" * 32)]),
              "target_revisions": ("target_id", [(0, "s" * 32), (1, "1" * 32)])}


def seed_old_tokens(connection) -> None:
    seed_core(connection)
    for table, (key, rows) in OLD_TOKENS.items():
        connection.execute(text(f"DELETE FROM {table}"))  # 0003 wrote tokens of its own
        for ident, token in rows:
            connection.execute(text(f"INSERT INTO {table} ({key}, revision) VALUES (:i, :t)"), {"i": ident, "t": token})


def check_one_revision_table(connection) -> None:
    check_core(connection)
    assert set(connection.execute(text("SELECT scope, key, token FROM revisions")).all()) == {
        ("data", 0, "d" * 32), ("calendar", 0, "c" * 32), ("shared", 0, "s" * 32), ("target", 1, "1" * 32)}


@dataclass(frozen=True)
class DataCase:
    seed: Callable  # (connection) at the revision before; nothing for the first revision
    check: Callable  # (connection) after the upgrade
    check_after_round_trip: Callable | None = None  # after downgrade + upgrade; None: `check` again


CORE = DataCase(seed_core, check_core)
# Revision → its data case. 0009–0012 (issue 16, being written): the core rows must come through whatever
# they change; give a migration that transforms data its own case, as 0005 and 0006 have.
DATA_CASES: dict[str, DataCase] = {
    "0001": DataCase(lambda connection: None, check_core_rows_enter_the_new_schema),
    "0002": CORE,
    "0003": DataCase(seed_core, check_revision_tokens),
    "0004": DataCase(seed_core, check_review_record),
    "0005": DataCase(seed_law_facts, check_law_facts),
    "0006": DataCase(seed_security, check_security, check_security_after_downgrade),
    "0007": DataCase(seed_core, check_ocr_scans),
    "0008": CORE,
    "0009": DataCase(seed_old_tokens, check_one_revision_table),
    "0010": CORE,
    "0011": CORE,
    "0012": DataCase(seed_core, check_report_jobs),
    "0013": DataCase(seed_report_job, check_report_job_tokens),
}


def test_every_migration_has_a_data_case():
    files = _revisions()
    missing, stale = sorted(set(files) - set(DATA_CASES)), sorted(set(DATA_CASES) - set(files))
    assert not missing, f"write a data case in {__name__.replace('.', '/')}.py for the migrations {missing}"
    assert not stale, f"DATA_CASES names revisions that have no file: {stale}"


@pytest.mark.parametrize("revision", sorted(DATA_CASES))
def test_rows_come_through_the_migration_and_back(scratch_app, revision):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    from tracker.extensions import db

    case = DATA_CASES[revision]
    script = ScriptDirectory(str(resource_dir("migrations"))).get_revision(revision)
    before = script.down_revision or "base"
    with scratch_app.app_context():
        if before != "base":
            upgrade(revision=before)
        with db.engine.begin() as connection:
            case.seed(connection)
        upgrade(revision=revision)
        with db.engine.connect() as connection:
            case.check(connection)
        try:
            downgrade(revision=before)
        except NotImplementedError:
            pytest.skip(f"{revision} has no downgrade: its upgrade is checked, not the way back")
        upgrade(revision=revision)
        with db.engine.begin() as connection:
            (case.check_after_round_trip or case.check)(connection)
