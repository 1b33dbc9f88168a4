"""`tracker calendar set|unset|confirm|show|import-notice`: through the operations, audited, committed
once, deadlines recomputed; bad input is one line on standard error, a non-zero exit and no change."""
from __future__ import annotations

from datetime import date

import pytest

from tracker.cli import main

from .conftest import NOTICE_2027, NOTICES, counts, due_date, overrides


@pytest.fixture
def run(runner):
    def _run(*args, input=None):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return _run


def test_set_and_unset_move_the_due_date_of_open_requests(app, run, open_request):
    before = due_date(app, open_request)
    assert before == date(2020, 9, 28)  # 2020-09-27 is a 调休 Sunday
    code, out, _ = run("calendar", "set", "2020-09-02", "--holiday", "--note", "测试：临时放假")
    assert code == 0 and "已设定 2020-09-02 为放假" in out
    assert overrides(app) == {"2020-09-02": False}
    assert due_date(app, open_request) == date(2020, 9, 29)
    code, out, _ = run("calendar", "unset", "2020-09-02")
    assert code == 0 and "已删除 2020-09-02 的调整" in out
    assert overrides(app) == {} and due_date(app, open_request) == before


def test_set_overwrites_and_is_audited(app, run):
    run("calendar", "set", "2027-02-20", "--workday")
    run("calendar", "set", "2027-02-20", "--holiday", "--note", "改为放假")
    assert overrides(app) == {"2027-02-20": False}
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        actions = [(e.action, e.entity) for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == [("create", "calendar_override"), ("update", "calendar_override")]


@pytest.mark.parametrize("args,message", [
    (("calendar", "set", "2027-02-20"), "请指定 --workday 或 --holiday"),
    (("calendar", "set", "2027-02-30", "--workday"), "DATE 不是有效日期"),
    (("calendar", "set", "1999-01-01", "--workday"), "日期"),
    (("calendar", "set", "2027-02-20", "--workday", "--note", "x" * 301), "依据：不能超过 300 个字符"),
    (("calendar", "unset", "2027-02-20"), "2027-02-20 没有管理员调整"),
    (("calendar", "confirm", "2027"), "2027 年没有录入任何放假或调休上班日"),
    (("calendar", "confirm", "abc"), "年份：应为整数"),
    (("calendar", "show", "1990"), "不能小于 2000"),
    (("calendar", "import-notice", "/no/such/file.txt"), "文件不存在"),
])
def test_bad_input_is_one_line_non_zero_and_changes_nothing(app, users, run, args, message):
    before = counts(app)
    code, out, err = run(*args)
    assert code != 0 and message in err and err.count("\n") == 1 and out == ""
    assert counts(app) == before


def test_confirm_a_year_with_entries_or_with_yes_empty(app, run):
    run("calendar", "set", "2027-02-20", "--workday")
    code, out, _ = run("calendar", "confirm", "2027", "--source", "国办发明电〔2026〕N号")
    assert code == 0 and "已确认 2027 年放假安排" in out
    code, _, err = run("calendar", "confirm", "2027")
    assert code == 1 and "2027 年已确认" in err
    code, out, _ = run("calendar", "confirm", "2028", "--yes-empty")
    assert code == 0 and "已确认 2028 年" in out


def test_show_lists_days_off_and_makeup_days(run):
    code, out, _ = run("calendar", "show", "2020")
    lines = out.splitlines()
    assert code == 0
    assert "2020-01-01 holiday 元旦" in lines
    assert "2020-01-19 makeup_workday 春节（调休上班）" in lines
    assert "2020-02-01 makeup_workday" not in out  # cancelled by the extension of the Spring Festival
    assert any(line.startswith("2020-01-31 holiday ") for line in lines)
    assert not any(line.startswith("2020-03-07 ") for line in lines)  # an ordinary Saturday
    assert all(line.split(" ")[1] in {"holiday", "makeup_workday"} for line in lines)


def test_show_includes_overrides_and_flags_a_provisional_year(run):
    run("calendar", "set", "2027-02-20", "--workday", "--note", "调休")
    run("calendar", "set", "2027-03-01", "--holiday", "--note", "测试")
    code, out, err = run("calendar", "show", "2027")
    assert "2027-02-20 makeup_workday 调休上班（管理员设定）" in out.splitlines()
    assert "2027-03-01 holiday 休息日（管理员设定）" in out.splitlines()
    assert "2027 年的放假安排尚未录入并确认（暂定）" in err


def test_import_notice_dry_run_shows_and_changes_nothing(app, users, run, tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    before = counts(app)
    code, out, _ = run("calendar", "import-notice", str(path), "--dry-run")
    assert code == 0
    assert "2027-02-20 上班 春节（调休上班）（国务院办公厅关于2027年部分节假日安排的通知）（原为：周六）" in out
    assert "2027-05-05 放假 劳动节" in out
    assert out.rstrip().endswith("（预览，未保存）")
    assert counts(app) == before


def test_import_notice_enters_the_changes_and_confirms(app, run, tmp_path, open_request):
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027, encoding="gb18030")  # as saved on a Windows office machine
    code, out, _ = run("calendar", "import-notice", str(path), "--confirm")
    assert code == 0 and "已调整" in out
    entered = overrides(app)
    assert entered["2027-02-20"] is True and entered["2027-05-05"] is False
    assert entered["2027-06-09"] is True  # the package's guessed 端午节: not in this notice
    code, out, err = run("calendar", "show", "2027")
    assert "2027-05-05 holiday " in out and err == ""  # confirmed: no longer provisional
    code, out, _ = run("calendar", "import-notice", str(path))
    assert code == 0 and "与现有日历一致，无需调整" in out


@pytest.mark.parametrize("year", range(2019, 2027))
def test_import_of_the_published_notices_changes_nothing(app, users, run, year):
    code, out, _ = run("calendar", "import-notice", str(NOTICES / f"{year}.txt"))
    assert code == 0 and "与现有日历一致" in out
    assert overrides(app) == {}


def test_import_notice_from_standard_input_with_year(run, app):
    code, out, _ = run("calendar", "import-notice", "-", "--year", "2027",
                       input="一、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。")
    assert code == 0 and overrides(app)["2027-05-05"] is False


@pytest.mark.parametrize("text,year,message", [
    ("一、春节：2月30日放假，共1天。", "2027", "通知：2027年2月30日不存在"),
    (NOTICE_2027, "2026", "与指定的年份 2026 不符"),
    ("一、元旦：1月1日放假，共1天。", None, "请指定年份"),
    ("一、元旦：1月1日放假，共1天。", "20x", "年份：应为整数"),
])
def test_import_notice_refuses_a_bad_notice(app, users, run, text, year, message):
    before = counts(app)
    code, out, err = run("calendar", "import-notice", "-", *(["--year", year] if year else []), input=text)
    assert code == 1 and message in err and out == ""
    assert counts(app) == before


def test_confirm_refuses_a_partial_notice(app, users, run):
    adjustment = (NOTICES / "2019.txt").read_text(encoding="utf-8").split("2018年12月4日")[1]
    before = counts(app)
    code, _, err = run("calendar", "import-notice", "-", "--confirm", input=adjustment)
    assert code == 1 and "只有完整的年度放假安排通知才能确认该年" in err
    assert counts(app) == before


def test_import_notice_recomputes_open_deadlines_once(app, run, open_request, monkeypatch):
    from tracker.requests import law_bridge as clock

    calls = []
    original = clock.recompute_open_requests
    monkeypatch.setattr(clock, "recompute_open_requests", lambda *a, **k: calls.append(1) or original(*a, **k))
    adjustment = "国务院办公厅关于调整2020年中秋节假期安排的通知\n一、2020年9月2日至3日放假，共2天。"
    code, out, _ = run("calendar", "import-notice", "-", input=adjustment)
    assert code == 0 and "2020-09-02 放假 中秋节" in out
    assert overrides(app) == {"2020-09-02": False, "2020-09-03": False}  # only the days it names
    assert calls == [1] and due_date(app, open_request) == date(2020, 9, 30)
