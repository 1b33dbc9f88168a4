"""Faults: the process killed with SIGKILL in the middle of a bundle import and in the middle of
score-sheet saves under load; uploads whose file write fails.

After a kill the SQLite database must pass `PRAGMA integrity_check` and hold all or none of each
write: no partial import, no score whose audit record is missing (or the reverse), every write the
server acknowledged before the kill still there with its exact value (tests/load/loadtest.py's proof).

The SMTP server down for a day and then back (every reminder delivered, none twice) is proven by the
reminders' own tests, against a real SMTP server: tests/reminders/test_job.py::
test_smtp_down_for_a_day_then_back_delivers_everything_once and tests/reminders/test_mail.py::
test_server_down_keeps_messages_pending_until_it_is_back (not repeated here).
"""
from __future__ import annotations

import io
import json
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.load import loadtest
from tests.robustness.conftest import assert_unchanged, table_snapshot

IMPORT_REQUESTS = 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(300)


# ============================================================================ a scratch instance

@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """An initialised SQLite instance with 4 evaluators and a campaign (made once per module)."""
    root = tmp_path_factory.mktemp("faults-pristine")
    database = loadtest.Database("sqlite", root)
    env = loadtest.base_env(root / "instance", database.url)
    plan = loadtest.run_setup(env, 4)
    return root, plan


@pytest.fixture
def instance(pristine, tmp_path):
    """A private copy of the pristine instance: (workdir, env, plan, database)."""
    root, plan = pristine
    shutil.copytree(root / "instance", tmp_path / "instance")
    database = loadtest.Database("sqlite", tmp_path)
    env = loadtest.base_env(tmp_path / "instance", database.url)
    return tmp_path, env, plan, database


def sqlite_path(database) -> Path:
    return Path(database.url[len("sqlite:///"):])


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def count(path: Path, sql: str, *params) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, params).fetchone()[0]
    finally:
        connection.close()


def write_lock_held(path: Path) -> bool:
    """True while another process holds SQLite's write lock (a write transaction is open)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return True
        raise
    finally:
        connection.close()


# ============================================================================ SIGKILL during `tracker import`

def big_bundle(path: Path, requests: int = IMPORT_REQUESTS) -> Path:
    targets = [{"key": f"t{i:02d}", "name": f"故障测试县{i:02d}"} for i in range(10)]
    bundle = {
        "format": "tracker-bundle/1",
        "campaign": {"name": "断电测试考评（2020）", "rubric": "wuwei-2020-county", "year": 2020},
        "team": [{"username": "bigowner", "name": "导入负责人", "role": "evaluator"}],
        "targets": targets,
        "requests": [{
            "key": f"BIG-{i:05d}", "target": targets[i % len(targets)]["key"], "owner": "bigowner",
            "channel": "online", "purpose": "21", "subject": f"大数据包第{i}条申请 ✅",
            "submitted_at": "2020-09-01T10:00:00+08:00",
            "online": {"window_active": True, "accepted": True, "confirmed_on": "2020-09-01"},
            "reply": {"dispatched_on": "2020-09-15", "received_on": "2020-09-16", "outcome": "already_public",
                      "told_route": True, "notes": f"答复{i}"},
        } for i in range(requests)],
        "facts": {t["key"]: {"1": {"items": [True] * 8, "note": "导入的说明"}} for t in targets},
    }
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return path


def import_rows(path: Path) -> dict[str, int]:
    campaign = "(SELECT id FROM campaigns WHERE name = '断电测试考评（2020）')"
    return {
        "campaigns": count(path, "SELECT count(*) FROM campaigns WHERE name = '断电测试考评（2020）'"),
        "targets": count(path, f"SELECT count(*) FROM targets WHERE campaign_id = {campaign}"),
        "requests": count(path, f"SELECT count(*) FROM requests WHERE campaign_id = {campaign}"),
        "replies": count(path, f"SELECT count(*) FROM replies WHERE request_id IN "
                               f"(SELECT id FROM requests WHERE campaign_id = {campaign})"),
        "users": count(path, "SELECT count(*) FROM users WHERE username = 'bigowner'"),
        "audit": count(path, "SELECT count(*) FROM audit_log WHERE summary LIKE '%BIG-%'"),
    }


def start_import(env, bundle: Path) -> subprocess.Popen:
    return subprocess.Popen([str(loadtest.BIN / "tracker"), "import", str(bundle)], env=env, cwd=loadtest.ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def wait_for_write_lock(process: subprocess.Popen, path: Path, timeout: float = 300) -> float | None:
    """Seconds until the import took SQLite's write lock (None if it ended first)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout and process.poll() is None:
        if write_lock_held(path):
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def copy_instance(root: Path, folder: Path) -> tuple[dict, Path]:
    shutil.copytree(root / "instance", folder / "instance")
    env = loadtest.base_env(folder / "instance", loadtest.Database("sqlite", folder).url)
    return env, folder / "instance" / "tracker.sqlite3"


@pytest.mark.slow  # starts and kills an import process
def test_import_killed_midway_leaves_none_of_it_and_the_database_intact(pristine, tmp_path):
    root, _ = pristine
    bundle = big_bundle(tmp_path / "big.json")

    # 1. Left alone, the import takes the write lock, holds it for its one transaction, and lands whole.
    env, complete_db = copy_instance(root, tmp_path / "complete")
    process = start_import(env, bundle)
    started = time.monotonic()
    locked_after = wait_for_write_lock(process, complete_db)
    _, stderr = process.communicate(timeout=600)
    total = time.monotonic() - started
    assert process.returncode == 0, stderr.decode()
    assert locked_after is not None
    complete = import_rows(complete_db)
    assert (complete["campaigns"], complete["targets"], complete["requests"], complete["replies"],
            complete["users"]) == (1, 10, IMPORT_REQUESTS, IMPORT_REQUESTS, 1)
    assert integrity(complete_db) == "ok"

    # 2. The same import, SIGKILLed while it still holds the write lock (its transaction is open): about
    #    halfway through, or earlier if this run is faster than the first one.
    delay = (total - locked_after) / 2
    for attempt in range(4):
        env, killed_db = copy_instance(root, tmp_path / f"killed-{attempt}")
        before = import_rows(killed_db)
        assert before == {k: 0 for k in before}
        process = start_import(env, bundle)
        try:
            assert wait_for_write_lock(process, killed_db) is not None
            time.sleep(delay)
            in_transaction = process.poll() is None and write_lock_held(killed_db)
            if in_transaction:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=600)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stderr.close()
        if in_transaction:
            break
        delay /= 3  # it had already committed: try again, earlier
    assert in_transaction and process.returncode == -signal.SIGKILL
    assert integrity(killed_db) == "ok"
    after = import_rows(killed_db)
    # None of it (the commit had not happened), or — if the commit won the last milliseconds' race — all of it.
    assert after == before or after == complete, f"a killed import left part of itself behind: {after}"


# ============================================================================ SIGKILL of the server during sheet saves under load

def facts_and_audit_agree(path: Path) -> list[str]:
    """All or none: every score row has exactly one audit record per save, the last one equal to it."""
    connection = sqlite3.connect(path)
    problems = []
    try:
        for row_id, facts, version in connection.execute("SELECT id, facts, version FROM indicator_facts"):
            history = connection.execute(
                "SELECT after FROM audit_log WHERE entity = 'indicator_facts' AND entity_id = ? ORDER BY id",
                (row_id,)).fetchall()
            if len(history) != version:
                problems.append(f"score row {row_id}: version {version} but {len(history)} audited saves")
            elif json.loads(history[-1][0]) != json.loads(facts):
                problems.append(f"score row {row_id}: the stored facts are not the last audited save")
        orphans = connection.execute(
            "SELECT count(*) FROM audit_log a WHERE entity = 'indicator_facts' AND NOT EXISTS "
            "(SELECT 1 FROM indicator_facts f WHERE f.id = a.entity_id)").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} audited score saves whose row does not exist")
    finally:
        connection.close()
    return problems


@pytest.mark.slow  # starts and kills a server process
def test_server_killed_during_sheet_saves_keeps_every_acknowledged_score(instance):
    workdir, env, plan, database = instance
    path = sqlite_path(database)
    server = loadtest.Server("waitress", env, workdir / "server.log").start()
    expected, stats = loadtest.Expected(), loadtest.Stats()
    threads = [loadtest.Evaluator(i, name, server.port, plan, expected, stats, time.monotonic() + 60, 100 + i,
                                  actions={"facts": 6, "shared": 4, "reply": 1, "create": 1})
               for i, name in enumerate(plan["users"])]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.login_done.wait(timeout=120)
            thread.logged_in.set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(expected.acknowledged.values()) < 12:
            time.sleep(0.05)
        for thread in threads:
            thread.stop_at = 0  # no new steps; a step under way meets the dead server
        server.kill()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.kill()
    assert sum(expected.acknowledged.values()) >= 12, expected.acknowledged
    assert not expected.refused and all(s.status < 500 for s in stats.samples if s.status > 0)
    assert integrity(path) == "ok"
    assert facts_and_audit_agree(path) == []
    assert loadtest.verify(database, plan, expected) == []
    # The restarted server answers, and work goes on where it stopped.
    again = loadtest.Server("waitress", env, workdir / "server2.log").start()
    try:
        after = loadtest.Expected()
        evaluator = loadtest.Evaluator(0, plan["users"][0], again.port, plan, after, loadtest.Stats(),
                                       float("inf"), 7)
        evaluator.login()
        evaluator.do_facts()
        evaluator.do_shared()
        evaluator.browser.close()
        assert after.acknowledged["score facts saved"] == 1 and not after.refused
    finally:
        again.stop()
    assert "database is locked" not in (workdir / "server.log").read_text() + (workdir / "server2.log").read_text()
    assert facts_and_audit_agree(path) == []


# ============================================================================ uploads whose file write fails

@pytest.fixture
def online_request(app, world):
    return world["online"]


def attachments_and_files(app) -> tuple[list, set[str]]:
    from tracker.extensions import db
    from tracker.core.files import Attachment

    with app.app_context():
        rows = [(a.id, a.stored_name) for a in db.session.scalars(select(Attachment))]
    directory = Path(app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return rows, {p.name for p in directory.iterdir()}


def assert_every_attachment_has_its_file(app) -> None:
    rows, stored = attachments_and_files(app)
    missing = [row for row in rows if row[1] not in stored]
    assert not missing, f"Attachment rows pointing to missing files: {missing}"


def upload(browser, request_id: int, name: str = "答复.png", content: bytes = PNG):
    return browser.post(f"/requests/{request_id}/attachments", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(content), name), "description": "答复扫描件"})


class FailingWriter:
    """A file object whose writes fail after `ok` chunks (a disk that fills up mid-file)."""

    def __init__(self, real, ok: int):
        self.real, self.ok = real, ok

    def write(self, data):
        if self.ok <= 0:
            raise OSError(28, "No space left on device")
        self.ok -= 1
        return self.real.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()
        return False


@pytest.mark.parametrize("failure", ["disk full mid-file", "rename fails", "content check crashes"])
def test_failed_file_write_leaves_no_row_and_no_file(app, login, online_request, monkeypatch, failure):
    from tracker.core import files

    evaluator = login("evaluator")
    assert upload(evaluator, online_request, "first.png").status_code == 302  # one good upload stays
    before_rows, before_files = attachments_and_files(app)
    snapshot = table_snapshot(app)
    real_open = open
    if failure == "disk full mid-file":
        monkeypatch.setattr(files, "CHUNK", 64)
        monkeypatch.setattr(files, "open", lambda *a, **k: FailingWriter(real_open(*a, **k), 2), raising=False)
    elif failure == "rename fails":
        def no_rename(*args):
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(files.os, "replace", no_rename)
    else:
        def crash(*args):
            raise OSError(5, "read error")

        monkeypatch.setattr(files, "sniff", crash)
    response = upload(evaluator, online_request, "second.png")
    monkeypatch.undo()
    assert response.status_code == 503, response.status_code
    assert "文件保存失败" in response.get_data(as_text=True)
    assert attachments_and_files(app) == (before_rows, before_files)
    assert_unchanged(snapshot, table_snapshot(app))
    assert_every_attachment_has_its_file(app)


def test_commit_failure_after_the_file_was_stored_removes_the_file(app, login, online_request, monkeypatch):
    """The file is in place and the row flushed, then the commit fails: neither may stay."""
    from sqlalchemy.exc import IntegrityError

    from tracker.extensions import db

    evaluator = login("evaluator")
    before = attachments_and_files(app)
    real_commit = db.session.commit

    def failing_commit():
        db.session.rollback()
        raise IntegrityError("COMMIT", {}, Exception("simulated constraint failure at commit"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = upload(evaluator, online_request)
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert response.status_code == 409
    assert attachments_and_files(app) == before
    assert_every_attachment_has_its_file(app)


def test_evidence_upload_refused_by_a_locked_sheet_keeps_no_file(app, login, world):
    """Score evidence: the file is stored first, then the sheet refuses the change: the file goes too."""
    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db
    from tracker.scoring import operations as scoring_ops

    with app.app_context():
        sheet = scoring_ops.sheet_for(db.session.get(Campaign, world["campaign"]), db.session.get(Target, world["target"]))
        sheet.status = "signed"
        db.session.commit()
    evaluator = login("evaluator")
    before = attachments_and_files(app)
    response = evaluator.post(
        f"/campaigns/{world['campaign']}/targets/{world['target']}/sheet/indicators/1/evidence",
        content_type="multipart/form-data", data={"file": (io.BytesIO(PNG), "截图.png"), "note": "网站截图"})
    assert response.status_code == 409
    assert attachments_and_files(app) == before
