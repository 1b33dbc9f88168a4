"""Paste the notice in a real browser: preview, then import (headless Chromium)."""
from __future__ import annotations

import os

import pytest

from tests.browser.conftest import log_in, page  # noqa: F401  (the `page` fixture: a real browser page)

from .conftest import NOTICE_2027, overrides

pytestmark = pytest.mark.browser


def test_paste_preview_and_import_a_notice(app, page):  # noqa: F811
    log_in(page, "admin")
    page.goto("/admin/calendar/?year=2027")
    assert "暂定（未录入官方安排）" in page.content()
    page.click("text=粘贴放假通知")
    page.fill("#f-notice", NOTICE_2027)
    page.click("text=预览调整")
    assert "预览：2027 年" in page.content() and overrides(app) == {}
    row = page.locator("tr", has_text="2027-02-20")
    assert "上班" in row.inner_text() and "周六" in row.inner_text()
    if os.environ.get("TRACKER_SCREENSHOTS") == "1":
        page.screenshot(path="/tmp/notice-preview.png", full_page=True)
    page.check("#f-confirm")
    page.click("text=导入以上调整")
    page.wait_for_url("**/admin/calendar/?year=2027")
    assert "已导入 2027 年放假通知" in page.content()
    assert "暂定（未录入官方安排）" not in page.content()
    assert overrides(app)["2027-05-05"] is False
