"""`tracker` commands that need no app start fast (DESIGN.md §10.6: ≤ 0.35 s).

Time is measured by scripts/bench national_bench; these tests check the cause instead, which does not
depend on the machine's load: such commands import neither Flask, SQLAlchemy, Alembic nor openpyxl,
and they still honour the admins' calendar overrides stored in the database.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import LAZY_COMMANDS, main

HEAVY = ("flask", "sqlalchemy", "alembic", "openpyxl", "jsonschema", "werkzeug")
RUBRIC = Path(__file__).resolve().parents[2] / "tracker" / "rubric" / "data" / "wuwei-2020-county.toml"

PROBE = """
import json, sys
from tracker.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def _modules_after(*args: str, env_url: str | None = None) -> set[str]:
    import os

    env = dict(os.environ)
    if env_url is not None:
        env["TRACKER_DATABASE_URL"] = env_url
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                         check=True, timeout=60).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [
    ("workdays", "count", "2020-09-25", "2020-10-10"),
    ("workdays", "add", "2020-09-30", "1"),
    ("--help",),
    ("rubric", "validate", str(RUBRIC)),
])
def test_commands_without_app_import_no_heavy_library(args, tmp_path):
    # A SQLite database that does not exist: the calendar falls back to the official one.
    loaded = _modules_after(*args, env_url=f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_workdays_reads_the_overrides_of_the_database(app, ctx, users):
    from tracker.calendar import operations
    from tracker.extensions import db

    runner = CliRunner()
    before = runner.invoke(main, ["workdays", "add", "2020-09-30", "1"], catch_exceptions=False).output
    assert before.strip() == "2020-10-09"
    operations.set_override(users["admin"], {"day": date(2020, 10, 9), "working": False, "note": "测试"})
    db.session.commit()
    after = runner.invoke(main, ["workdays", "add", "2020-09-30", "1"], catch_exceptions=False)
    assert after.exit_code == 0
    assert after.output.strip() == "2020-10-10"  # 10 October 2020 was a make-up working Saturday
    count = runner.invoke(main, ["workdays", "count", "2020-10-08", "2020-10-10"], catch_exceptions=False)
    assert count.output.strip() == "1"


def test_every_lazy_command_loads_and_help_lists_it():
    for name, (target, _help) in LAZY_COMMANDS.items():
        command = main.get_command(None, name)
        assert command is not None and command.name in (name, target.split(":")[1]), name
    listed = CliRunner().invoke(main, ["--help"]).output
    for name in [*LAZY_COMMANDS, "init", "serve"]:
        assert f"  {name} " in listed, name
