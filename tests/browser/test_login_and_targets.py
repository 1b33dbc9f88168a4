"""Log in and create a target, in a real browser."""
from tests.browser.conftest import log_in, screenshot


def test_log_in_and_create_a_target(page):
    log_in(page, "admin")
    assert page.locator("h1").first.inner_text().startswith("今日工作")
    page.click("text=考评")
    page.click("text=新建考评")
    page.fill("#f-name", "浏览器测试考评")
    page.fill("#f-year", "2020")
    page.click("main button[type=submit]")
    page.wait_for_url("**/campaigns/*")
    page.click("text=新增被考评对象")
    page.fill("#f-name", "古浪县")
    page.fill("#f-key", "gulang")
    page.fill("#f-guide_phone", "0935-0000002")
    page.fill("#f-legal_representative", "演示某（虚构）")
    page.click("main button[type=submit]")
    assert page.locator("table").inner_text().count("古浪县") == 1
    screenshot(page, "campaign")


def test_wrong_password_shows_a_chinese_message(page):
    page.goto("/login")
    page.fill("#f-username", "admin")
    page.fill("#f-password", "wrong-password")
    page.click("main button[type=submit]")
    assert "用户名或密码错误" in page.content()
