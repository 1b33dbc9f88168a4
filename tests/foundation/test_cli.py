"""The `tracker` command line: contracts of DESIGN.md §6, one-line errors and non-zero exits."""
from __future__ import annotations

import json

import pytest

from tracker.cli import main


@pytest.fixture
def run(runner):
    def _run(*args, input=None):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.output, result.stderr if hasattr(result, "stderr") else ""

    return _run


def test_init_is_idempotent(run):
    assert run("init")[0] == 0
    code, out, _ = run("init")
    assert code == 0 and "最新" in out


def test_users_create_prints_a_generated_password_once(run):
    code, out, _ = run("users", "create", "liu", "--role", "reviewer", "--email", "liu@example.org")
    assert code == 0
    assert "初始密码" in out


def test_users_create_reads_password_from_stdin(app, run):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.users.models import User
    from tracker.users.passwords import verify_password

    code, out, _ = run("users", "create", "chen", "--role", "admin", "--password-stdin", input="a-long-password\n")
    assert code == 0 and "初始密码" not in out
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "chen"))
        assert verify_password(user.password_hash, "a-long-password")


@pytest.mark.parametrize("args, message", [
    (("users", "create", "x y", "--role", "admin"), "用户名"),
    (("users", "create", "ok", "--role", "admin", "--email", "not-an-email"), "电子邮箱"),
    (("users", "create", "short", "--role", "admin", "--password-stdin"), "密码"),
])
def test_users_create_bad_input_is_one_line_and_non_zero(run, args, message):
    code, out, err = run(*args, input="short\n")
    assert code != 0
    lines = (err or out).strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_workdays_add_and_count(run):
    assert run("workdays", "add", "2020-09-30", "1")[1].strip() == "2020-10-09"
    assert run("workdays", "add", "2020-10-09", "-1")[1].strip() == "2020-09-30"
    assert run("workdays", "count", "2020-09-25", "2020-10-10")[1].strip() == "6"


def test_workdays_add_stdin(run):
    code, out, _ = run("workdays", "add", "--stdin", input="2020-09-25 20\n2026-02-13 1\n\n2026-11-27 20\n")
    assert code == 0
    assert out.splitlines() == ["2020-10-29", "2026-02-14", "2026-12-25 provisional"]


def test_workdays_provisional_year_is_marked(run):
    assert run("workdays", "add", "2027-03-01", "5")[1].strip().endswith(" provisional")
    assert run("workdays", "count", "2027-01-01", "2027-02-01")[1].strip().endswith(" provisional")


@pytest.mark.parametrize("args, stdin", [
    (("workdays", "add", "2020-13-01", "1"), None),
    (("workdays", "add", "2020-01-01", "x"), None),
    (("workdays", "count", "yesterday", "2020-01-01"), None),
    (("workdays", "add", "--stdin"), "2020-01-01\n"),
    (("workdays", "add", "1990-01-01", "1"), None),
])
def test_workdays_bad_input(run, args, stdin):
    code, out, err = run(*args, input=stdin)
    assert code == 1
    assert len((err or out).strip().splitlines()) == 1


def test_rubric_export_contract(run):
    code, out, _ = run("rubric", "export", "wuwei-2020-county", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["code"] == "wuwei-2020-county" and data["total"] == 100
    assert [i["id"] for i in data["indicators"]] == list(range(1, 29)) + [31, 32, 33, 34]
    assert set(data["indicators"][0]) == {"id", "name", "level1", "level2", "max", "kind", "items", "responsible_unit"}


def test_rubric_validate(run, tmp_path):
    from tracker.scoring.rubric_store import BUILTIN_DIR

    code, out, _ = run("rubric", "validate", str(BUILTIN_DIR / "wuwei-2020-county.toml"))
    assert code == 0 and "有效" in out
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"code": "x"}), encoding="utf-8")
    assert run("rubric", "validate", str(broken))[0] == 1
    assert run("rubric", "validate", str(tmp_path / "missing.toml"))[0] == 1


def test_import_export_report(run, tmp_path):
    from pathlib import Path

    bundle = Path(__file__).resolve().parent.parent / "data" / "bundle_small.json"
    code, out, _ = run("import", str(bundle))
    assert code == 0, out
    name = json.loads(bundle.read_text(encoding="utf-8"))["campaign"]["name"]
    code, out, _ = run("export", "--campaign", name, "--today", "2020-12-31")
    exported = json.loads(out)
    assert exported["format"] == "tracker-bundle/1" and exported["requests"][0]["computed"]["due_date"]
    code, out, _ = run("report", "--campaign", name, "--format", "json", "--today", "2020-12-31")
    report = json.loads(out)
    assert report["today"] == "2020-12-31" and len(report["targets"]) == 2
    assert set(report["targets"][0]["scores"]) == {str(i) for i in list(range(1, 29)) + [31, 32, 33, 34]}
    assert run("report", "--campaign", "不存在", "--format", "json")[0] == 1
    assert run("report", "--campaign", name, "--format", "json", "--today", "2020-02-30")[0] == 1


def test_import_of_a_broken_bundle_lists_paths_and_imports_nothing(run, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "tracker-bundle/1", "campaign": {"name": "x", "rubric": "nope",
                                                                           "year": 2020}}), encoding="utf-8")
    code, out, err = run("import", str(broken))
    assert code == 1 and "$.campaign.rubric" in (err or out)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"format": ', encoding="utf-8")
    code, out, err = run("import", str(bad_json))
    assert code == 1 and "第 1 行" in (err or out)
