"""The admin page "粘贴放假通知": preview, then apply; admin only, CSRF, stale previews refused."""
from __future__ import annotations

import re

from .conftest import NOTICE_2027, NOTICES, counts, overrides


def revision_of(page: str) -> str:
    match = re.search(r'name="revision" value="([^"]*)"', page)
    assert match, "no revision in the preview"
    return match.group(1)


def test_the_year_page_links_to_the_notice_page(login):
    admin = login("admin")
    page = admin.get("/admin/calendar/?year=2027").get_data(as_text=True)
    assert "/admin/calendar/notice" in page and "粘贴放假通知" in page
    form = admin.get("/admin/calendar/notice")
    assert form.status_code == 200 and 'name="notice"' in form.get_data(as_text=True)


def test_preview_lists_the_changes_and_saves_nothing(app, login):
    admin = login("admin")
    before = counts(app)
    response = admin.post("/admin/calendar/notice/preview", data={"notice": NOTICE_2027})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "预览：2027 年" in page and "2027-02-20" in page and "导入以上调整" in page
    assert "同时确认 2027 年放假安排已完整录入" in page
    assert counts(app) == before


def test_apply_enters_the_notice_confirms_and_recomputes(app, login, open_request):
    admin = login("admin")
    preview = admin.post("/admin/calendar/notice/preview", data={"notice": NOTICE_2027}).get_data(as_text=True)
    response = admin.post("/admin/calendar/notice/apply",
                          data={"notice": NOTICE_2027, "revision": revision_of(preview), "confirm": "on"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/calendar/?year=2027")
    assert overrides(app)["2027-02-20"] is True and overrides(app)["2027-05-05"] is False
    from tracker.calendar.models import ConfirmedYear
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        assert db.session.get(ConfirmedYear, 2027).source == "国务院办公厅关于2027年部分节假日安排的通知"
        assert db.session.query(AuditEntry).filter_by(entity="calendar_notice").count() == 1
    page = admin.get("/admin/calendar/?year=2027").get_data(as_text=True)
    assert "已导入 2027 年放假通知" in page and "暂定（未录入官方安排）" not in page


def test_apply_after_the_calendar_changed_is_refused(app, login):
    admin = login("admin")
    preview = admin.post("/admin/calendar/notice/preview", data={"notice": NOTICE_2027}).get_data(as_text=True)
    admin.post("/admin/calendar/overrides", data={"day": "2027-03-01", "working": "0", "note": "另一位管理员"})
    before = counts(app)
    response = admin.post("/admin/calendar/notice/apply", data={"notice": NOTICE_2027, "revision": revision_of(preview)})
    assert response.status_code == 409 and "请重新预览" in response.get_data(as_text=True)
    assert counts(app) == before


def test_a_bad_notice_is_refused_with_the_field_named(app, login):
    admin = login("admin")
    before = counts(app)
    response = admin.post("/admin/calendar/notice/preview", data={"notice": "一、春节：2月30日放假，共1天。", "year": "2027"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "2027年2月30日不存在" in page and "is-invalid" in page
    response = admin.post("/admin/calendar/notice/apply", data={"notice": "", "revision": ""})
    assert response.status_code == 400 and "必填" in response.get_data(as_text=True)
    assert counts(app) == before


def test_published_notice_needs_no_change(app, login):
    admin = login("admin")
    text = (NOTICES / "2020.txt").read_text(encoding="utf-8")
    page = admin.post("/admin/calendar/notice/preview", data={"notice": text}).get_data(as_text=True)
    assert "需调整 <strong>0</strong> 天" in page
    response = admin.post("/admin/calendar/notice/apply", data={"notice": text, "revision": revision_of(page)})
    assert response.status_code == 302 and overrides(app) == {}


def test_only_admins_and_only_with_csrf(app, login, client):
    before = counts(app)
    assert client.get("/admin/calendar/notice").status_code == 302  # anonymous: to the login page
    for role in ("evaluator", "reviewer"):
        other = login(role)
        assert other.get("/admin/calendar/notice").status_code == 403
        for url in ("/admin/calendar/notice/preview", "/admin/calendar/notice/apply"):
            assert other.post(url, data={"notice": NOTICE_2027}).status_code == 403
    admin = login("admin")
    response = admin.client.post("/admin/calendar/notice/apply", data={"notice": NOTICE_2027})  # no token
    assert response.status_code == 400
    assert counts(app) == before


def test_confirming_an_empty_year_asks_twice(app, login):
    admin = login("admin")
    response = admin.post("/admin/calendar/years", data={"year": "2028", "source": "国办发明电〔2027〕N号"})
    assert response.status_code == 400 and "2028 年没有录入任何放假或调休上班日" in response.get_data(as_text=True)
    response = admin.post("/admin/calendar/years", data={"year": "2028", "source": "国办发明电〔2027〕N号",
                                                        "allow_empty": "on"})
    assert response.status_code == 302


def test_fuzzing_preview_and_apply_never_gives_a_500(app, login, monkeypatch):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a crash must show as a 500, not raise
    admin = login("admin")
    pieces = st.sampled_from(["一、", "元旦：", "春节：", "1月1日", "12月30日", "2月30日", "至", "3日", "（周五）",
                              "（星期日）", "放假", "放假调休", "，共3天", "，与周末连休", "。", "上班", "补休",
                              "国务院办公厅关于2027年部分节假日安排的通知", "延长2027年春节假期至2月14日", "\x00", "😀"])
    text = st.lists(pieces, max_size=25).map("".join) | st.text(max_size=80)
    year = st.sampled_from(["", "2027", "0", "-1", "1e9", "2027.5", "99999999999999999999", "abc"])

    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(text, year, st.sampled_from(["preview", "apply"]), st.booleans())
    def fuzz(notice, year_value, step, confirm):
        data = {"notice": notice, "year": year_value, "revision": ""} | ({"confirm": "on"} if confirm else {})
        response = admin.post(f"/admin/calendar/notice/{step}", data=data)
        assert response.status_code < 500, (step, data)

    fuzz()
