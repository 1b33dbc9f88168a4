"""Bad input anywhere gets a clear message and changes nothing (a full snapshot of every table is
compared before and after): a corpus of broken bundles (tests/data/bad/), broken workbooks, hostile
uploads and out-of-range form values. Text a person may type (Chinese, emoji, 10 000 characters
where the field allows it) is stored exactly. The fuzzing of every form is in test_form_fuzz.py."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from tests.load.htmlforms import form_posting_to
from tests.robustness.conftest import assert_unchanged, message_of, page_paths, rich_world, table_snapshot

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)

# Each broken bundle and a word its message must contain (the user learns what is wrong).
BUNDLES = {
    "not_json.json": "不是有效的 JSON：第 1 行第 1 列",
    "empty.json": "不是有效的 JSON",
    "truncated.json": "不是有效的 JSON：第",
    "top_level_list.json": "最外层应为 JSON 对象",
    "wrong_format.json": "$.format",
    "missing_campaign.json": "$.campaign",
    "unknown_rubric.json": "$.campaign.rubric",
    "utf16.json": "不是 UTF-8",
    "duplicate_field.json": "出现了两次",
    "nan.json": "不支持 NaN",
    "huge_integer.json": "数字过长",
    "deep_nesting.json": "嵌套层次过深",
    "dates_out_of_range.json": "$.requests[0]",
    "bad_values.json": "$.requests[1].reply.outcome",
    "unknown_target_and_owner.json": "$.requests[0].target",
    "duplicate_request_keys.json": "$.requests[1].key",
    "purpose_channel_mismatch.json": "$.requests[0]",
    "nul_in_text.json": "subject",
    "huge_text.json": "不能超过 500 个字符",
    "facts_out_of_range.json": "$.facts.lz['29']",
    "late_failure.json": "$.requests[38]",
}


def test_the_corpus_is_complete():
    assert sorted(p.name for p in BAD.glob("*.json")) == sorted(BUNDLES)


@pytest.mark.parametrize("name", sorted(BUNDLES))
def test_broken_bundle_is_refused_with_a_message_and_imports_nothing(app, users, runner, name):
    from tracker.cli import main

    before = table_snapshot(app)
    result = runner.invoke(main, ["import", str(BAD / name)], catch_exceptions=False)
    output = result.output
    assert result.exit_code == 1, output
    assert BUNDLES[name] in output, output[-2000:]
    assert "Traceback" not in output and "错误：" in output
    assert_unchanged(before, table_snapshot(app))


# ---------------------------------------------------------------------------- workbooks

def zip_bytes(members: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


XLSX_TYPES = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
              'spreadsheetml.sheet.main+xml"/></Types>')


def zip_bomb(size: int) -> bytes:
    """A 'workbook' whose one sheet inflates from a few KB to `size` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", XLSX_TYPES)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"<row>" + b" " * (1024 * 1024 - 11) + b"</row>"
            for _ in range(size // len(chunk)):
                sheet.write(chunk)
    return buffer.getvalue()


def wrong_layout() -> bytes:
    book = Workbook()
    book.active.title = "我的表格"
    book.active.append(["县区", "得分"])
    book.active.append(["凉州区", 95])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


WORKBOOKS = {
    "text renamed .xlsx": ("不是表格".encode() * 50, "不是 Excel"),
    "docx renamed .xlsx": (zip_bytes({"[Content_Types].xml": XLSX_TYPES.replace("spreadsheetml.sheet", "wordprocessingml.document"),
                                      "word/document.xml": "<w:document/>"}), "不是 Excel"),
    "old .xls renamed": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ".xls"),
    "zip bomb by ratio": (None, "压缩"),
    "zip bomb by size": (None, "压缩炸弹"),
    "wrong sheet layout": (None, "评分表"),
}


def upload_workbook(browser, campaign_id: int, content: bytes, name: str = "评分表.xlsx"):
    return browser.post(f"/campaigns/{campaign_id}/sheets/import", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(content), name)})


@pytest.mark.parametrize("case", sorted(WORKBOOKS))
def test_broken_workbook_is_refused_clearly_and_changes_nothing(app, login, world, case):
    content, word = WORKBOOKS[case]
    if case == "zip bomb by ratio":
        content = zip_bomb(8 * 1024 * 1024)
    elif case == "zip bomb by size":
        content = zip_bomb(60 * 1024 * 1024)
    elif case == "wrong sheet layout":
        content = wrong_layout()
    evaluator = login("evaluator")
    before = table_snapshot(app)
    response = upload_workbook(evaluator, world["campaign"], content)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, (case, response.status_code)
    assert word in page, (case, message_of(page))
    assert_unchanged(before, table_snapshot(app))


def test_template_with_impossible_scores_is_refused_cell_by_cell(app, login, world):
    evaluator = login("evaluator")
    template = evaluator.get(f"/campaigns/{world['campaign']}/sheets/template.xlsx")
    book = load_workbook(io.BytesIO(template.data))
    template.close()
    sheet = next(s for s in book.worksheets if s["A5"].value is not None and any(
        str(row[0].value) == "8" for row in s.iter_rows(min_row=5)))
    rows = {str(row[0].value): row[0].row for row in sheet.iter_rows(min_row=5) if row[0].value is not None}
    sheet[f"I{rows['8']}"] = 99  # indicator 8: 0–2 points
    sheet[f"G{rows['2']}"] = "1；abc"  # indicator 2: two items of 1 point
    sheet[f"J{rows['10']}"] = -4  # indicator 10: a count
    buffer = io.BytesIO()
    book.save(buffer)
    before = table_snapshot(app)
    response = upload_workbook(evaluator, world["campaign"], buffer.getvalue())
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for cell in (f"I{rows['8']}", f"G{rows['2']}", f"J{rows['10']}"):
        assert cell in page, (cell, message_of(page))
    assert_unchanged(before, table_snapshot(app))


# ---------------------------------------------------------------------------- uploads

def upload(browser, request_id, content: bytes, name: str):
    return browser.post(f"/requests/{request_id}/attachments", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(content), name), "description": "证据"})


@pytest.mark.parametrize(("content", "name", "word"), [
    (b"MZ\x90\x00" + bytes(200), "答复.pdf", "内容与扩展名不符"),  # a Windows program behind .pdf
    (b"<html><script>alert(1)</script></html>", "截图.png", "内容与扩展名不符"),
    (zip_bytes({"a.txt": "x"}), "答复.docx", "内容与扩展名不符"),  # a plain zip behind .docx
    (b"%PDF-1.7\n" + bytes(100), "照片.jpg", "内容与扩展名不符"),
    (PNG, "evil.exe", "不支持的文件类型"),
    (PNG, "no-extension", "不支持的文件类型"),
    (b"", "empty.pdf", "文件为空"),
])
def test_wrong_type_behind_a_right_extension_is_refused(app, login, world, content, name, word):
    evaluator = login("evaluator")
    before = table_snapshot(app)
    response = upload(evaluator, world["online"], content, name)
    assert response.status_code == 400 and word in response.get_data(as_text=True)
    assert_unchanged(before, table_snapshot(app))


def test_oversize_upload_is_refused_and_changes_nothing(app, login, world, monkeypatch):
    evaluator = login("evaluator")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    before = table_snapshot(app)
    response = upload(evaluator, world["online"], PNG + bytes(128 * 1024), "big.png")
    assert response.status_code == 413 and "上限" in response.get_data(as_text=True)
    assert_unchanged(before, table_snapshot(app))


@pytest.mark.parametrize(("name", "shown"), [
    ("../../../etc/passwd.png", "passwd.png"),
    ("..\\..\\Windows\\System32\\evil.png", None),  # how much of a Windows path arrives is up to the client
    ("/absolute/path/答复.png", "答复.png"),
    ("答复\x00.png", "答复.png"),
    ("reversed\u202egnp.exe.png", "reversedgnp.exe.png"),
    ("长" * 300 + ".png", "长" * 196 + ".png"),
])
def test_path_like_names_are_stored_under_generated_names(app, login, world, name, shown):
    from tracker.extensions import db
    from tracker.core.files import Attachment

    evaluator = login("evaluator")
    response = upload(evaluator, world["online"], PNG, name)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    with app.app_context():
        row = db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
        if shown:
            assert row.original_name == shown
        else:
            assert row.original_name.endswith("evil.png") and not {"/", "\\"} & set(row.original_name)
        assert re.fullmatch(r"[0-9a-f]{32}", row.stored_name)
        assert (Path(app.config["UPLOAD_DIR"]) / row.stored_name).read_bytes() == PNG
    download = evaluator.get(f"/attachments/{row.id}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "/" not in download.headers["Content-Disposition"].split("filename", 1)[1]
    download.close()


# ---------------------------------------------------------------------------- form values

def new_request_form(browser, world, channel="online", purpose="21") -> tuple[str, dict]:
    url = f"/campaigns/{world['campaign']}/requests/new"
    page = browser.get(f"{url}?target={world['target']}&channel={channel}&purpose={purpose}").get_data(as_text=True)
    return url, form_posting_to(page, r"^$|/requests/new").defaults() | {"subject": "测试申请"}


def refused(app, browser, url: str, data: dict, field: str, word: str = "") -> None:
    before = table_snapshot(app)
    response = browser.post(url, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, (data, response.status_code)
    shown = message_of(page)
    assert field in page and (not word or word in shown), shown
    assert_unchanged(before, table_snapshot(app))


@pytest.mark.parametrize(("field", "value", "word"), [
    ("submitted_at", "1900-01-01T10:00", "2000–2045"),
    ("submitted_at", "2100-01-01T10:00", "2000–2045"),
    ("submitted_at", "2020-02-30T10:00", "2020年2月30日不存在"),
    ("online.confirmed_on", "1900-01-01", "2000–2045"),
    ("online.confirmed_on", "2100-01-01", "2000–2045"),
    ("online.url", "javascript:alert(1)", "http"),
    ("notes", "长" * 10001, "10000"),
    ("subject", "题" * 501, "500"),
    ("key", "../../etc", "编号"),
    ("owner", "nobody", "不存在"),
    ("online.window_active", "maybe", "是/否"),
])
def test_out_of_range_request_values_are_refused(app, login, world, field, value, word):
    evaluator = login("evaluator")
    url, data = new_request_form(evaluator, world)
    refused(app, evaluator, url, data | {field: value}, field, word)


@pytest.mark.parametrize(("field", "value", "word"), [
    ("dispatched_on", "1900-01-01", "2000–2045"),
    ("received_on", "2100-01-01", "2000–2045"),
    ("received_on", "2020-09-01", "不能早于"),  # before dispatched_on (2020-09-10)
    ("fee_charged", "-1", "0–1000000"),
    ("fee_charged", "NaN", "0–1000000"),
    ("fee_charged", "1e400", "0–1000000"),
    ("outcome", "maybe", "应为以下之一"),
    ("notes", "注" * 10001, "10000"),
])
def test_out_of_range_reply_values_are_refused(app, login, world, field, value, word):
    evaluator = login("evaluator")
    url = f"/requests/{world['online']}/reply"
    data = form_posting_to(evaluator.get(url).get_data(as_text=True), r"^$|/reply$").defaults()
    refused(app, evaluator, url, data | {"dispatched_on": "2020-09-10", field: value}, field, word)


@pytest.mark.parametrize(("values", "word"), [
    ({"type": "extended", "on": "1900-01-01", "working_days": "5"}, "2000–2045"),
    ({"type": "extended", "on": "2020-09-05", "working_days": "21"}, "不能大于 20"),
    ({"type": "extended", "on": "2020-09-05", "working_days": "-3"}, "不能小于 1"),
    ({"type": "teleport", "on": "2020-09-05"}, "应为以下之一"),
])
def test_out_of_range_deadline_events_are_refused(app, login, world, values, word):
    evaluator = login("evaluator")
    refused(app, evaluator, f"/requests/{world['online']}/events", values, next(iter(values)) if word != "2000–2045"
            else "on", word)


def test_phone_attempts_out_of_range_are_refused(app, login, world):
    evaluator = login("evaluator")
    url = f"/requests/{world['phone']}/attempts"
    for at in ("1900-01-01T09:00", "2100-01-01T09:00", "2020-13-01T09:00", ""):
        refused(app, evaluator, url, {"at": at, "connected": "false"}, "at")


def facts_form(browser, world, indicator: int) -> tuple[str, dict]:
    page = browser.get(f"/campaigns/{world['campaign']}/targets/{world['target']}/sheet").get_data(as_text=True)
    form = form_posting_to(page, rf"/indicators/{indicator}#")
    return form.action.split("#")[0], form.defaults()


@pytest.mark.parametrize(("indicator", "values", "word"), [
    (2, {"item-0": "1.5"}, "第1项"),  # a 1-point item
    (2, {"item-0": "0.3"}, "第1项"),  # not a step of 0.5
    (2, {"item-1": "-1"}, "负数"),
    (2, {"item-0": "abc"}, "数字"),
    (2, {"item-0": "NaN"}, "数字"),
    (2, {"item-0": "1e309"}, "数字"),
    (2, {"item-7": "1"}, "共有2个子项"),
    (8, {"points": "2.5"}, "分值"),  # 0–2
    (10, {"count": "-3"}, "次数"),
    (2, {"item-0": "1", "override_points": "9", "override_reason": "超过满分"}, "人工调整"),
    (2, {"item-0": "1", "override_points": "1"}, "原因"),
    (2, {"item-0": "1", "note": "说" * 10000}, "2000"),
])
def test_scores_outside_the_allowed_points_are_refused(app, login, world, indicator, values, word):
    evaluator = login("evaluator")
    action, data = facts_form(evaluator, world, indicator)
    before = table_snapshot(app)
    response = evaluator.post(action, data | values)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, (values, response.status_code)
    assert f"指标{indicator}未保存" in page and word in message_of(page), message_of(page)
    assert_unchanged(before, table_snapshot(app))


def test_control_characters_are_refused_everywhere_text_is_typed(app, login, world):
    """NUL cannot be stored by PostgreSQL: refused with a message on SQLite and PostgreSQL alike."""
    evaluator = login("evaluator")
    url, data = new_request_form(evaluator, world)
    refused(app, evaluator, url, data | {"subject": "含有\x00空字符"}, "subject", "控制字符")
    action, facts = facts_form(evaluator, world, 2)
    before = table_snapshot(app)
    response = evaluator.post(action, facts | {"item-0": "1", "note": "说明\x00"})
    assert response.status_code == 400 and "控制字符" in response.get_data(as_text=True)
    assert_unchanged(before, table_snapshot(app))
    login_page = evaluator.client.application.test_client()
    from tests.conftest import Browserless

    anonymous = Browserless(login_page)
    assert anonymous.login("eval\x00uator").status_code == 400


CHINESE_AND_EMOJI = "凉州区人民政府办公室：关于“放管服”改革的答复 🏛️✅👍🏽 𠀀𪚥 Ｆｕｌｌ－ｗｉｄｔｈ"


def test_chinese_emoji_and_long_text_are_stored_exactly(app, login, world):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest
    from tracker.scoring.models import IndicatorFacts

    evaluator = login("evaluator")
    url, data = new_request_form(evaluator, world)
    notes = (CHINESE_AND_EMOJI + "\n") * 200
    notes = notes[:10000]
    response = evaluator.post(url, data | {"key": "EMOJI-1", "subject": CHINESE_AND_EMOJI, "notes": notes})
    assert response.status_code == 302, message_of(response.get_data(as_text=True))
    action, facts = facts_form(evaluator, world, 2)
    note = ("说明" + CHINESE_AND_EMOJI)[:2000]
    assert evaluator.post(action, facts | {"item-0": "1", "item-1": "0.5", "note": note}).status_code == 302
    with app.app_context():
        row = db.session.scalar(select(MockRequest).where(MockRequest.key == "EMOJI-1"))
        assert row.subject == CHINESE_AND_EMOJI and row.notes == notes.strip()
        stored = db.session.scalar(select(IndicatorFacts.facts).where(IndicatorFacts.indicator_id == 2))
        assert stored == {"items": [True, 0.5], "note": note}
    page = evaluator.get(f"/requests/{row.id}").get_data(as_text=True)
    assert CHINESE_AND_EMOJI in page


# ============================================================================ fuzzing every form

# POST endpoints that no page renders a form for, and why they are not fuzzed here.
NOT_FORMS = {
    "scoring.preview": "posted by sheet.js (JSON answer); fuzzed below with the sheet row's fields",
    "users.logout": "ends the fuzzing session itself; tested in test_security.py",
    "users.login": "shown to anonymous users only: fuzzed in test_fuzzing_the_login_form_never_gives_a_500",
    "calendar.notice_apply": "shown only under a notice's preview (a POST): fuzzed in tests/calendar/test_views.py",
    "ocr.scan_accept": "shown only once a background job has read a scan: tests/ocr/test_views.py",
    "ocr.scan_retry": "shown only for a reading that failed or was interrupted: tests/ocr/test_views.py",
    "reports.queue_report_job": "shown only for a campaign of more than REPORT_JOB_TARGETS counties: fuzzed in "
                                "tests/reports/test_report_jobs.py",
}
NASTY = ["", " ", "0", "-1", "1.5", "1e999", "NaN", "-0", "99999999999999999999999", "true", "false", "on", "是",
         "null", "None", "[]", "{}", "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "=1+1",
         "\x00", "\u202e", "😀", "長" * 3000, "2020-02-30", "1900-01-01", "2100-01-01", "0000-00-00",
         "2020-09-01T25:61", "9999-12-31T23:59", "08:30-12:00", "12:00-08:30"]


def crawl_forms(app, browser, ids: dict) -> dict[str, list]:
    """Every POST form on every GET page, by the endpoint it posts to."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, list] = {}
    for path in page_paths(app, ids):
        _collect(browser.get(path), path, adapter, found)
    return found


def _collect(page, path: str, adapter, found: dict) -> None:
    from werkzeug.exceptions import HTTPException

    from tests.load.htmlforms import forms as parse_forms

    if page.status_code != 200 or page.mimetype != "text/html":
        return
    for form in parse_forms(page.get_data(as_text=True)):
        if form.method != "post":
            continue
        action = form.action.split("#")[0] or path
        try:
            endpoint, _ = adapter.match(action.split("?")[0], method="POST")
        except HTTPException:
            continue
        found.setdefault(endpoint, []).append((action, form))


def field_strategy(field):
    from datetime import date, datetime

    from hypothesis import strategies as st

    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
    options = [st.just(field.value), text, st.sampled_from(NASTY),
               st.integers(-10**25, 10**25).map(str), st.floats().map(repr),
               st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
               st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))]
    if field.options:
        options += [st.sampled_from(field.options)] * 3
    return st.one_of(options)


def _keep_admin_logged_in(app, browser):
    if browser.get("/settings").status_code == 200:
        return
    from werkzeug.security import generate_password_hash

    from tests.conftest import TEST_PASSWORD
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
        admin.username, admin.active = "admin", True
        admin.password_hash = generate_password_hash(TEST_PASSWORD, method="scrypt:1024:8:1")
        db.session.commit()
    assert browser.login("admin").status_code == 302


def make_fuzzer(app, admin, action, form, fields, failures):
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    # No shrinking: a failure is reported with the values that caused it, and the other forms go on.
    @settings(max_examples=6, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    @given(st.data())
    def fuzz(data):
        _keep_admin_logged_in(app, admin)
        values, uploads = {}, {}
        for field in fields:
            if not data.draw(st.booleans() | st.just(True), label=f"send {field.name}"):
                continue
            if field.type == "file":
                uploads[field.name] = (io.BytesIO(data.draw(st.binary(max_size=300))),
                                       data.draw(st.sampled_from(["a.png", "x.pdf", "../b.txt", "c.xlsx", ""])))
            else:
                values[field.name] = data.draw(field_strategy(field), label=field.name)
        if uploads or form.enctype == "multipart/form-data":
            response = admin.post(action, values | uploads, content_type="multipart/form-data")
        else:
            response = admin.post(action, values)
        if response.status_code >= 500:
            failures.append((action, values, response.status_code))
        assert response.status_code < 500, (action, values)

    return fuzz


def test_fuzzing_every_form_never_gives_a_500(app, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a crash must show as a 500, not raise
    ids = rich_world(app, world)
    admin = login("admin")
    found = crawl_forms(app, admin, ids)
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules()
                      if "POST" in r.methods and not r.endpoint.startswith("api")}
    assert post_endpoints - set(found) - set(NOT_FORMS) == set(), "POST endpoints without a form on any page"
    failures = []
    for endpoint, candidates in sorted(found.items()):
        if endpoint in NOT_FORMS:
            continue
        # One form per distinct field set of the endpoint (e.g. the attempt form with and without a time).
        distinct = {tuple(f.names()): (action, f) for action, f in candidates}
        for action, form in distinct.values():
            fields = [f for f in form.fields if f.name != "csrf_token" and f.type not in ("submit", "button")]

            fuzz = make_fuzzer(app, admin, action, form, fields, failures)
            try:
                fuzz()
            except AssertionError:
                pass  # collected in `failures`; go on with the other forms
    assert failures == [], failures[:5]


@pytest.mark.slow  # generated input (2.6 s under load)
def test_fuzzing_the_score_preview_never_gives_a_500(app, login, world, monkeypatch):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    evaluator = login("evaluator")
    url = f"/campaigns/{world['campaign']}/targets/{world['target']}/sheet/preview"
    names = ["indicator", "tier", "points", "count", "passed", "note", "override_points", "override_reason"] + [
        f"item-{i}" for i in range(9)]

    @settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(st.dictionaries(st.sampled_from(names), st.sampled_from(NASTY) | st.text(max_size=20)), st.integers(0, 40))
    def fuzz(values, indicator):
        values.setdefault("indicator", str(indicator))
        # sheet.js names each edited row's fields f<indicator>-<field> (issue 18: the whole sheet at once)
        values = {("indicator" if name == "indicator" else f"f{values['indicator']}-{name}"): value
                  for name, value in values.items()}
        response = evaluator.post(url, values)
        assert response.status_code in (200, 400, 404), (values, response.status_code)

    fuzz()


@pytest.mark.slow  # generated input for the login form (several seconds)
def test_fuzzing_the_login_form_never_gives_a_500(app, users, monkeypatch):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.conftest import csrf_from

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    text = st.sampled_from(NASTY) | st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)

    @settings(max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(text, text, st.sampled_from(["", "/", "//evil.example.org", "/admin/users", "javascript:alert(1)"]))
    def fuzz(username, password, next_url):
        response = client.post(f"/login?next={next_url}", data={"username": username, "password": password,
                                                                "csrf_token": token})
        assert response.status_code in (302, 400), (username, password, response.status_code)
        if response.status_code == 302:  # a fuzzed name was a real account: log out again
            assert not response.headers["Location"].startswith(("//", "javascript", "http"))
            client.post("/logout", data={"csrf_token": token})

    fuzz()


# ============================================================================ bad URLs: query arguments and ids

QUERY_NAMES = ("q", "entity", "page", "status", "target", "owner", "channel", "purpose", "year", "today", "scope",
               "sort", "limit", "offset")


@pytest.mark.parametrize("value", ["\x00", "99999999999999999999", "-1", "2020-13-01", "%ff", "长" * 500])
def test_nasty_query_arguments_on_every_page_never_give_a_500(app, login, world, monkeypatch, value):
    from urllib.parse import urlencode

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    ids = rich_world(app, world)
    admin = login("admin")
    broken = []
    for path in page_paths(app, ids):
        for names in (QUERY_NAMES[:7], QUERY_NAMES[7:]):
            query = urlencode({name: value for name in names})
            response = admin.get(f"{path}{'&' if '?' in path else '?'}{query}")
            if response.status_code >= 500:
                broken.append((path, names, response.status_code))
    assert broken == []


@pytest.mark.parametrize(("path", "query"), [("/admin/audit", "page=99999999999999999999"),
                                             ("/admin/audit", "entity=%00"),
                                             ("/campaigns/{campaign}/requests/new", "target=99999999999999999999")])
def test_found_by_fuzzing_query_arguments(app, login, world, monkeypatch, path, query):
    """Each was a 500 (an integer or NUL the database refused); now a page or a message."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = login("admin").get(path.format(**world) + "?" + query)
    assert response.status_code in (200, 400)


def test_ids_beyond_the_database_range_are_not_found_on_every_route(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    admin = login("admin")
    adapter = app.url_map.bind("localhost")
    broken = []
    for rule in app.url_map.iter_rules():
        if not any(name.endswith("id") for name in rule.arguments):
            continue
        path = adapter.build(rule.endpoint, {name: 2**31 if name.endswith("id") else 1 for name in rule.arguments})
        path = path.replace(str(2**31), "99999999999999999999")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = admin.client.open(path, method=method, data={"csrf_token": admin.token})
            if response.status_code != 404:  # like any unknown id (never an overflow inside the database: a 500)
                broken.append((method, path, response.status_code))
    assert broken == []
