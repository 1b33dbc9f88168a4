"""A real server (waitress in a thread, on the test database) and headless Debian Chromium via Playwright."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ASSET_TYPES = {"script", "stylesheet", "image", "font"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def page(browser, live_server, users):
    yield from _watched_page(browser, live_server, "desktop")


SCREENS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
PHONE_SLACK = 4  # px: a scrollbar's rounding, not a page wider than the phone


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser, live_server, users):
    """A page at a desktop size and on a 390×844 phone (touch); any script error, console error or failed
    asset fails the test, like `page`. `page.is_phone` says which."""
    yield from _watched_page(browser, live_server, request.param)


def _watched_page(browser, live_server, size: str):
    """A new page of the given size; the test fails on any script error, console error or failed asset."""
    phone = size == "phone"
    context = browser.new_context(base_url=live_server, accept_downloads=True, locale="zh-CN",
                                  viewport=SCREENS[size], is_mobile=phone, has_touch=phone)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.is_phone = phone
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A form answered with 400/409 is expected behaviour; what must never fail is a script, a style or a font.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type in ASSET_TYPES else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors or failed assets in the browser: {errors}"


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def assert_fits(page) -> None:
    """On a phone the page itself never scrolls sideways (a wide table scrolls inside its own box)."""
    if getattr(page, "is_phone", False):
        assert page_width(page) <= SCREENS["phone"]["width"] + PHONE_SLACK, f"{page.url} is {page_width(page)} px wide"


def open_nav(page) -> None:
    """On a phone the navigation is behind the menu button. Decided by the page's size, not by asking
    whether the button shows: while a desktop page is still loading its styles, it briefly does."""
    if page.is_phone:
        page.locator("nav .navbar-toggler").click()
        page.locator("#nav.show").wait_for()


def log_in(page, username: str):
    from tests.conftest import TEST_PASSWORD

    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def screenshot(page, name: str) -> None:
    """Screenshots for the README, written when TRACKER_SCREENSHOTS=1."""
    if getattr(page, "is_phone", False):
        return  # the README shows the desktop; a phone run of the same test must not overwrite it
    if os.environ.get("TRACKER_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
