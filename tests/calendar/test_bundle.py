"""The bundle's `calendar` section: exported by `tracker export`, validated by the schema, imported
all or nothing, merged by date, and counted in before the bundle's own requests."""
from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import delete

from tracker.cli import main

from .conftest import counts, overrides

ONLINE = {"key": "GL-21", "target": "gulang", "owner": "zhang", "channel": "online", "purpose": "21",
          "subject": "测试", "submitted_at": "2020-09-01T10:00:00+08:00",
          "online": {"window_active": True, "accepted": True, "confirmed_on": "2020-09-01"}}


def bundle(calendar=None, requests=()) -> dict:
    data = {"format": "tracker-bundle/1",
            "campaign": {"name": "日历数据包测试", "rubric": "wuwei-2020-county", "year": 2020},
            "team": [{"username": "zhang", "name": "张三", "email": "zhang@example.org", "role": "evaluator"}],
            "targets": [{"key": "gulang", "name": "古浪县"}], "requests": list(requests)}
    if calendar is not None:
        data["calendar"] = calendar
    return data


def run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path, data) -> str:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.slow  # export and import of a whole bundle (1 s)
def test_export_carries_the_calendar_and_import_restores_it(app, users, tmp_path):
    assert run("import", write(tmp_path, bundle()))[0] == 0
    run("calendar", "set", "2027-02-20", "--workday", "--note", "国办发明电〔2026〕N号")
    run("calendar", "set", "2020-09-02", "--holiday", "--note", "测试：临时放假")
    run("calendar", "confirm", "2027", "--source", "国办发明电〔2026〕N号")
    code, out, _ = run("export", "--campaign", "日历数据包测试", "--today", "2020-10-01")
    exported = json.loads(out)
    assert exported["calendar"] == {
        "overrides": [{"date": "2020-09-02", "working": False, "note": "测试：临时放假"},
                      {"date": "2027-02-20", "working": True, "note": "国办发明电〔2026〕N号"}],
        "confirmed_years": [{"year": 2027, "source": "国办发明电〔2026〕N号"}]}
    from tracker.calendar.models import CalendarOverride, ConfirmedYear
    from tracker.extensions import db

    with app.app_context():  # another instance: same campaign, no calendar entries (the deletes renew its token)
        db.session.execute(delete(CalendarOverride))
        db.session.execute(delete(ConfirmedYear))
        db.session.commit()
    code, out, _ = run("import", write(tmp_path, exported))
    assert code == 0 and "节假日日历 3 项" in out
    assert overrides(app) == {"2020-09-02": False, "2027-02-20": True}
    code, out, err = run("calendar", "show", "2027")
    assert err == ""  # confirmed again
    before = counts(app)
    code, out, _ = run("import", write(tmp_path, exported))
    assert code == 0 and "节假日日历" not in out  # the same calendar again: nothing to change
    assert counts(app)["CalendarOverride"] == before["CalendarOverride"]


def test_the_bundle_calendar_counts_for_its_own_requests(app, users, tmp_path):
    calendar = {"overrides": [{"date": "2020-09-02", "working": False, "note": "测试：临时放假"}]}
    assert run("import", write(tmp_path, bundle(calendar, [ONLINE])))[0] == 0
    code, out, _ = run("export", "--campaign", "日历数据包测试", "--today", "2020-10-01")
    assert json.loads(out)["requests"][0]["computed"]["due_date"] == "2020-09-29"  # not 09-28


def test_merge_keeps_other_overrides_and_the_bundle_wins_for_its_dates(app, users, tmp_path):
    run("calendar", "set", "2027-03-01", "--holiday", "--note", "本实例的调整")
    run("calendar", "set", "2027-02-20", "--holiday", "--note", "旧的")
    calendar = {"overrides": [{"date": "2027-02-20", "working": True}]}
    assert run("import", write(tmp_path, bundle(calendar)))[0] == 0
    assert overrides(app) == {"2027-02-20": True, "2027-03-01": False}


BAD = [
    ({"overrides": [{"date": "2027-02-30", "working": True}]}, "$.calendar.overrides[0].date"),
    ({"overrides": [{"date": "2027-02-20"}]}, "$.calendar.overrides[0].working"),
    ({"overrides": [{"date": "2027-02-20", "working": "yes"}]}, "$.calendar.overrides[0].working"),
    ({"overrides": [{"date": "2027-02-20", "working": True}, {"date": "2027-02-20", "working": False}]},
     "$.calendar.overrides[1].date"),
    ({"overrides": [{"date": "1999-12-31", "working": True}]}, "$.calendar.overrides[0].date"),
    ({"overrides": [{"date": "2027-02-20", "working": True, "note": "x" * 301}]}, "$.calendar.overrides[0].note"),
    ({"confirmed_years": [{"year": 2046}]}, "$.calendar.confirmed_years[0].year"),
    ({"confirmed_years": [{"year": 2027}, {"year": 2027}]}, "$.calendar.confirmed_years[1].year"),
    ({"overrides": {"2027-02-20": True}}, "$.calendar.overrides"),
]


@pytest.mark.parametrize("calendar,path", BAD)
def test_a_bad_calendar_section_is_refused_whole(app, users, tmp_path, calendar, path):
    good = {"date": "2027-03-01", "working": False, "note": "本应导入"}
    data = bundle(copy.deepcopy(calendar), [ONLINE])
    if isinstance(data["calendar"].get("overrides"), list):
        data["calendar"]["overrides"].insert(0, good)
        path = path.replace("overrides[1]", "overrides[2]").replace("overrides[0]", "overrides[1]")
    before = counts(app)
    code, _, err = run("import", write(tmp_path, data))
    assert code == 1 and path in err and "未导入任何内容" in err
    assert counts(app) == before and overrides(app) == {}


def test_a_good_calendar_is_not_kept_when_a_request_is_refused(app, users, tmp_path):
    calendar = {"overrides": [{"date": "2027-03-01", "working": False, "note": "本应导入"}],
                "confirmed_years": [{"year": 2027, "source": "测试"}]}
    bad_request = dict(ONLINE, subject="长" * 501)  # refused by the operations, after the calendar merged
    before = counts(app)
    code, _, err = run("import", write(tmp_path, bundle(calendar, [bad_request])))
    assert code == 1 and "$.requests[0].subject" in err and "不能超过 500 个字符" in err
    assert counts(app) == before
