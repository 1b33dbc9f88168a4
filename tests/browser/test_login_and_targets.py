"""The administrator's set-up in a real browser, on a desktop and on a 390×844 phone (issue 18): a user
without an email (warned about), a campaign with its team, a county with office hours typed the way
people type them, the read-only county page, the audit log in Chinese, a second campaign that copies the
counties of the first, and archiving the first."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_fits, log_in, open_nav, screenshot


def _new_user_without_email(page) -> None:
    page.goto("/admin/users/new")
    page.fill("#f-username", "wangwu")
    page.fill("#f-name", "王五")
    page.select_option("#f-role", "evaluator")
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin/users")
    assert re.search(r"初始密码：\S+", page.inner_text("body"))  # generated, shown once
    row = page.locator("tr", has_text="wangwu")
    assert "未填写邮箱，收不到提醒" in row.inner_text()
    assert_fits(page)


def _new_campaign(page, name: str, copy_from: str | None = None) -> str:
    open_nav(page)
    page.click("nav a.nav-link:text-is('考评')")
    page.click("text=新建考评")
    page.fill("#f-name", name)
    page.fill("#f-year", "2020")
    page.check("label:has-text('王五')")
    page.check("label:has-text('张填报')")
    if copy_from:
        page.select_option("#f-copy_targets_from", label=f"从“{copy_from}”复制")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    assert_fits(page)
    return page.url


def _new_county(page) -> None:
    page.click("text=新增被考评对象")
    page.fill("#f-name", "古浪县")
    page.fill("#f-key", "gulang")
    page.fill("#f-guide_phone", "0935-0000002")
    page.fill("#f-website", "https://gulang.example.org/")
    page.fill("#f-address", "示例路2号（虚构地址）")
    page.fill("#f-legal_representative", "演示某（虚构）")
    page.fill("#f-office_hours", "9:00-12:00， 14：30 ~ 18:00")  # a full-width colon and comma, spaces, ~
    page.click("main button[type=submit]")
    assert page.locator("main table").inner_text().count("古浪县") == 1


def test_admin_sets_up_a_campaign_its_team_and_counties(screen):
    log_in(screen, "admin")
    assert screen.locator("h1").first.inner_text().startswith("今日工作")
    _new_user_without_email(screen)
    first = _new_campaign(screen, "浏览器测试考评")
    _new_county(screen)
    screenshot(screen, "campaign")
    screen.click("main table a:text-is('古浪县')")
    county = screen.inner_text("main")
    assert "09:00–12:00，14:30–18:00" in county and "示例路2号（虚构地址）" in county
    assert "https://gulang.example.org/" in county
    assert_fits(screen)

    _new_campaign(screen, "浏览器测试考评（第二轮）", copy_from="浏览器测试考评")
    assert "古浪县" in screen.locator("main table").inner_text()  # copied with its website, hours…

    screen.goto(first)
    screen.once("dialog", lambda dialog: dialog.accept())
    screen.click("main button:text-is('归档')")
    screen.locator("text=该考评已于").wait_for()
    assert screen.locator("text=新增被考评对象").count() == 0

    screen.goto("/admin/audit")
    log = screen.inner_text("main table")
    assert all(word in log for word in ("新建", "被考评对象", "归档", "用户名：wangwu", "角色：填报人"))
    assert "username" not in log and "office_hours" not in log and "close" not in log
    assert_fits(screen)


def test_a_new_api_token_is_shown_where_the_page_lands(screen):
    log_in(screen, "evaluator")
    screen.goto("/settings")
    screen.fill("#f-token-name", "数据同步脚本")
    screen.click("#api-tokens button:text-is('创建令牌')")
    token = screen.locator("#new-token")
    token.wait_for()
    assert len(token.input_value()) >= 32
    # The page lands on it (the browser scrolls to the fragment once the page has loaded: wait for that).
    expect(token).to_be_in_viewport()
    assert "数据同步脚本" in screen.inner_text("#api-tokens table")
    assert_fits(screen)
