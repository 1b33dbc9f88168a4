"""Issue 18 in a real browser, on a desktop screen and on a 390×844 phone: evidence and request
attachments preview and are deleted after a confirmation; the first login asks for a new password;
the reminders page and the calendar feed are reachable from the navigation and 个人设置."""
from __future__ import annotations

from sqlalchemy import select

from tests.browser.conftest import log_in, open_nav
from tests.conftest import TEST_PASSWORD

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def image_loaded(page, selector: str) -> bool:
    """The preview, scrolled to (it loads lazily), has decoded the picture."""
    page.locator(selector).scroll_into_view_if_needed()
    page.wait_for_function("s => { const img = document.querySelector(s); return img && img.complete; }",
                           arg=selector)
    return page.eval_on_selector(selector, "img => img.naturalWidth > 0")


def test_evidence_previews_and_is_deleted_after_confirming(screen, app, tmp_path):
    from tests.scoring.helpers import make_campaign, sheet_url

    campaign_id, (target_id,) = make_campaign(app)
    url = sheet_url(campaign_id, target_id)
    picture = tmp_path / "首页截图.png"
    picture.write_bytes(PNG)
    log_in(screen, "evaluator")
    screen.goto(f"{url}#i1")
    screen.click("#i1 summary:has-text('添加佐证材料')")
    screen.fill("#i1 input[name=note]", "政府信息公开专栏首页")
    screen.set_input_files("#i1 input[name=file]", str(picture))
    screen.click("#i1 form[enctype] button[type=submit]")
    screen.wait_for_url(f"**{url}*")
    preview = "#i1 img.evidence-preview"
    screen.locator(preview).wait_for()
    assert image_loaded(screen, preview) and screen.locator(preview).bounding_box()["width"] <= 390

    screen.once("dialog", lambda dialog: dialog.dismiss())  # changed my mind: nothing happens
    screen.click("#i1 form[data-confirm] button:has-text('删除')")
    assert screen.locator(preview).count() == 1
    screen.once("dialog", lambda dialog: dialog.accept())
    screen.click("#i1 form[data-confirm] button:has-text('删除')")
    screen.locator("text=佐证材料已删除").wait_for()
    assert screen.locator(preview).count() == 0


def test_request_attachment_previews_and_is_deleted_after_confirming(screen, app, tmp_path):
    from tests.conftest import join_everyone
    from tests.requests.test_views import ONLINE_2020, make_request
    from tracker.campaigns.operations import create_campaign, create_target
    from tracker.extensions import db

    with app.app_context():
        campaign = create_campaign(None, {"name": "考评", "year": 2020, "rubric_code": "wuwei-2020-county"})
        join_everyone(campaign)
        create_target(None, campaign, {"key": "liangzhou", "name": "凉州区"})
        db.session.commit()
        ids = {"campaign": campaign.id}
    request_id = make_request(app, ids, **ONLINE_2020)
    picture = tmp_path / "答复书.png"
    picture.write_bytes(PNG)
    log_in(screen, "evaluator")
    screen.goto(f"/requests/{request_id}#attachments")
    screen.set_input_files("#f-file", str(picture))
    screen.click("form[action$='/attachments'] button[type=submit]")
    preview = "#attachments + .table-responsive img.evidence-preview"
    screen.locator(preview).wait_for()
    assert image_loaded(screen, preview)
    screen.once("dialog", lambda dialog: dialog.accept())
    screen.click("form[data-confirm] button:has-text('删除')")
    screen.locator("text=附件已删除").wait_for()
    assert screen.locator(preview).count() == 0 and screen.locator("text=没有附件。").count() == 1


def test_first_login_asks_for_a_new_password_first(screen, app):
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        db.session.scalar(select(User).where(User.username == "evaluator")).must_change_password = True
        db.session.commit()
    screen.goto("/login")
    screen.fill("#f-username", "evaluator")
    screen.fill("#f-password", TEST_PASSWORD)
    screen.click("main button[type=submit]")
    screen.wait_for_url("**/password")
    assert "首次登录，请先修改密码" in screen.inner_text("main")
    screen.goto("/campaigns/")
    screen.wait_for_url("**/password")
    screen.fill("#f-current_password", TEST_PASSWORD)
    screen.fill("#f-new_password", "my-own-new-password-2026")
    screen.fill("#f-confirm", "my-own-new-password-2026")
    screen.click("main button[type=submit]")
    screen.locator("text=密码已修改").wait_for()
    screen.goto("/campaigns/")
    assert screen.url.endswith("/campaigns/")


def test_reminders_and_the_feed_are_reachable(screen):
    log_in(screen, "evaluator")
    open_nav(screen)
    screen.click("nav a.nav-link:text-is('提醒')")
    screen.wait_for_url("**/reminders")
    assert screen.locator("input[name=remind_working_days]").count() == 1
    open_nav(screen)
    screen.click("nav a:has-text('个人设置')")
    screen.wait_for_url("**/settings")
    assert screen.locator("input[name=remind_working_days]").count() == 0
    screen.click("a:has-text('日历订阅：')")
    screen.wait_for_url("**/reminders#calendar-feed")
    assert screen.locator("#calendar-feed").is_visible()
