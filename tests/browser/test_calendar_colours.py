"""Days off are visible wherever a date is chosen (issue 18): the admin calendar's colours render over
Bootstrap's table cells, and every date field has a picker that marks holidays and make-up days."""
from __future__ import annotations

from tests.browser.conftest import log_in, screenshot

HOLIDAY_PINK = "rgb(248, 215, 218)"
MAKEUP_BLUE = "rgb(207, 226, 255)"


def _background(page, selector: str) -> str:
    return page.eval_on_selector(selector, "cell => getComputedStyle(cell).backgroundColor")


def test_the_calendar_page_colours_holidays_and_makeup_days(page):
    log_in(page, "admin")
    page.goto("/admin/calendar/?year=2020")
    holiday = page.locator("td.cal-day-holiday", has_text="1").first
    assert holiday.count() == 1
    assert _background(page, "td.cal-day-holiday") == HOLIDAY_PINK
    assert _background(page, "td.cal-day-makeup_workday") == MAKEUP_BLUE


def test_every_date_field_has_a_picker_that_knows_the_calendar(page):
    log_in(page, "admin")
    page.goto("/admin/audit")
    field = page.locator("#f-from")
    field.fill("2020-10-01")
    field.dispatch_event("change")
    page.wait_for_selector("text=国庆节（放假）")
    page.locator("#f-from ~ button.datepicker-open").first.click()
    picker = page.locator("#f-from ~ .tracker-datepicker").first
    picker.locator('td[data-day="2020-10-10"]').wait_for()
    assert "cal-day-holiday" in picker.locator('td[data-day="2020-10-01"]').get_attribute("class")
    assert "cal-day-makeup_workday" in picker.locator('td[data-day="2020-10-10"]').get_attribute("class")
    assert _background(page, '.tracker-datepicker td[data-day="2020-10-01"]') == HOLIDAY_PINK
    screenshot(page, "date-picker")
    picker.locator('td[data-day="2020-10-12"]').click()
    assert field.input_value() == "2020-10-12" and picker.is_hidden()
