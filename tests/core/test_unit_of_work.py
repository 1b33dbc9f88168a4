"""One unit of work (issue 16): every edge commits through tracker/core/unit_of_work.py, a lost race
on the database is a 409 with a Chinese message on the pages and in the API (never a 500) and
leaves nothing behind, and effects outside the database follow the outcome."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

TRACKER = Path(__file__).resolve().parents[2] / "tracker"
UNIT_OF_WORK = TRACKER / "core" / "unit_of_work.py"
RACE_TEXT = "同时提交的数据冲突"


def test_only_the_unit_of_work_commits():
    found = [f"{path.relative_to(TRACKER.parent)}:{number}: {line.strip()}"
             for path in sorted(TRACKER.rglob("*.py")) if path != UNIT_OF_WORK
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if "commit(" in line]
    assert not found, "commit outside tracker/core/unit_of_work.py:\n" + "\n".join(found)


# ---------------------------------------------------------------------------- a lost race

def lose_the_race(monkeypatch, module, name: str, duplicate):
    """Make `module.name` lose a race: after the real operation, another writer's row with the same
    unique key turns up in the same flush (as when a concurrent commit got there first)."""
    from tracker.extensions import db

    real = getattr(module, name)

    def racing(*args, **kwargs):
        result = real(*args, **kwargs)
        db.session.add(duplicate(result))
        db.session.flush()
        return result

    monkeypatch.setattr(module, name, racing)


def count(app, model, **where) -> int:
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_a_page_that_loses_a_race_answers_409_in_chinese_and_keeps_nothing(app, login, monkeypatch):
    from tracker.core.audit import AuditEntry
    from tracker.users import operations
    from tracker.users.models import User

    lose_the_race(monkeypatch, operations, "create_user",
                  lambda user: User(username=user.username, role="evaluator", name="另一人"))
    admin = login("admin")
    audits = count(app, AuditEntry)
    response = admin.post("/admin/users/new", data={"username": "zhaoliu", "role": "evaluator", "name": "赵六",
                                                    "password": "a-long-enough-password"})
    assert response.status_code == 409
    assert RACE_TEXT in response.get_data(as_text=True)
    assert count(app, User, username="zhaoliu") == 0
    assert count(app, AuditEntry) == audits


def test_a_postgresql_serialization_failure_is_a_lost_race_too():
    from sqlalchemy.exc import OperationalError

    from tracker.core.errors import ConflictError
    from tracker.core.unit_of_work import domain_error

    class SerializationFailure(Exception):
        sqlstate = "40001"

    error = domain_error(OperationalError("UPDATE …", {}, SerializationFailure("could not serialize access")))
    assert isinstance(error, ConflictError) and RACE_TEXT in error.message
    assert domain_error(OperationalError("SELECT 1", {}, Exception("disk I/O error"))) is None


def test_only_the_cores_input_errors_are_shown_as_bad_input():
    from tracker.core.errors import ValidationError
    from tracker.core.unit_of_work import domain_error
    from tracker.law.workdays import WorkCalendar
    from tracker.rubric.rules import FactError, FactsError

    calendar = WorkCalendar(first_year=2020, last_year=2021)
    try:
        calendar.add(date(2030, 1, 1), 1)
    except ValueError as raised:
        outside = raised
    shown = domain_error(outside)
    assert isinstance(shown, ValidationError) and "超出工作日历支持的范围" in shown.message
    assert isinstance(domain_error(FactsError([FactError("items", "应为列表")], 6)), ValidationError)
    # Any other ValueError is a bug: the 500 page and the log, not "无法处理该输入" to the user.
    assert domain_error(ValueError("invalid literal for int() with base 10: 'x'")) is None


# ---------------------------------------------------------------------------- effects follow the outcome

def test_committed_effects_wait_for_the_commit_and_clean_up_waits_for_the_rollback(ctx):
    from tracker.core import unit_of_work
    from tracker.core.errors import ValidationError
    from tracker.extensions import db
    from tracker.users.models import User

    seen = []

    def refused():
        db.session.add(User(username="wang", role="evaluator", name="王"))
        db.session.flush()
        unit_of_work.when_committed(lambda: seen.append("mail sent"))
        unit_of_work.when_rolled_back(lambda: seen.append("upload removed"))
        raise ValidationError({"name": "不行"})

    outcome = unit_of_work.run(refused)
    assert outcome.error.errors == {"name": "不行"} and seen == ["upload removed"]

    def accepted():
        db.session.add(User(username="wang", role="evaluator", name="王"))
        db.session.flush()
        unit_of_work.when_committed(lambda: seen.append("mail sent"))
        unit_of_work.when_rolled_back(lambda: seen.append("upload removed"))
        return "saved"

    assert unit_of_work.run(accepted).value == "saved"
    assert seen == ["upload removed", "mail sent"]
    db.session.rollback()  # nothing pending any more: the kept change's rollback callback is gone
    assert seen == ["upload removed", "mail sent"]


def test_a_bug_is_rolled_back_and_raised_for_the_500_page(ctx):
    from tracker.core import unit_of_work
    from tracker.extensions import db
    from tracker.users.models import User

    def broken():
        db.session.add(User(username="li", role="evaluator", name="李"))
        db.session.flush()
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        unit_of_work.run(broken)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_an_upload_whose_change_is_rolled_back_leaves_no_file(app, monkeypatch):
    """The clean-up lives in core/files (registered when it stores the file), not in the views."""
    from tracker.core import files, unit_of_work
    from tracker.core.errors import LockedError

    stored = []
    real_store = files._store
    monkeypatch.setattr(files, "_store", lambda *args: stored.append(real_store(*args)) or stored[-1])

    def upload_then_refuse():
        files.save_upload(None, None, FileStorage(io.BytesIO(b"hello"), "a.txt"))
        raise LockedError("评分表已锁定")

    with app.test_request_context():
        assert unit_of_work.run(upload_then_refuse).error.status == 409
        assert stored and not (files.upload_dir() / stored[0][0]).exists()


def test_a_deleted_attachment_keeps_its_file_until_the_deletion_is_committed(app):
    from tracker.core import files, unit_of_work
    from tracker.core.errors import ConflictError

    with app.test_request_context():
        outcome = unit_of_work.run(lambda: files.save_upload(None, None, FileStorage(io.BytesIO(b"hello"), "a.txt")))
        path = files.upload_dir() / outcome.value.stored_name
        assert path.exists()

        def delete_then_lose_a_race():
            files.delete_attachment(outcome.value)
            raise ConflictError()

        assert unit_of_work.run(delete_then_lose_a_race).error is not None and path.exists()
        assert unit_of_work.run(lambda: files.delete_attachment(outcome.value)).error is None
        assert not path.exists()
