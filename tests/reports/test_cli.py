"""`tracker report --format html|xlsx -o PATH` through the real command (its own app, same database)."""
from __future__ import annotations

from click.testing import CliRunner
from openpyxl import load_workbook

from tracker.cli import main

from .conftest import bundle_data

CAMPAIGN = bundle_data()["campaign"]["name"]


def _run(*args):
    return CliRunner().invoke(main, ["report", "--campaign", CAMPAIGN, "--today", "2020-11-30", *args])


def test_html_for_all_targets_writes_one_file_per_county(campaign_id, tmp_path):
    folder = tmp_path / "reports"
    result = _run("--format", "html", "-o", str(folder))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(["凉州区.html", "民勤县.html"])
    html = (folder / "凉州区.html").read_text(encoding="utf-8")
    assert "<style>" in html and "县区名称：<strong>凉州区</strong>" in html and "总分得分" in html
    assert sorted(result.output.split()) == sorted(str(p) for p in folder.iterdir())


def test_html_for_one_target_writes_exactly_that_file(campaign_id, tmp_path):
    output = tmp_path / "minqin.html"
    result = _run("--target", "民勤县", "--format", "html", "-o", str(output))
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == [output]
    assert "民勤县" in output.read_text(encoding="utf-8")


def test_xlsx_for_all_targets_in_an_existing_folder(campaign_id, tmp_path):
    result = _run("--format", "xlsx", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    [path] = tmp_path.iterdir()
    assert path.name == f"{CAMPAIGN}.xlsx"
    assert load_workbook(path).sheetnames == ["汇总", "凉州区", "民勤县"]


def test_bad_input_gets_one_chinese_line(campaign_id, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    cases = [
        (["--target", "不存在的县", "--format", "html", "-o", str(tmp_path / "a.html")], "没有被考评对象"),
        (["--format", "html", "-o", str(blocker)], "不是文件夹"),
        (["--format", "xlsx"], "需要 -o"),
    ]
    for args, message in cases:
        result = _run(*args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
