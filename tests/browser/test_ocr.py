"""A scanned reply letter in a real browser: upload, watch it read, accept one suggestion, then all."""
from __future__ import annotations

import random
from datetime import date

import pytest

from tests.browser.conftest import log_in, screenshot


@pytest.fixture
def request_id(app, users):
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("答复书识别")
        make.target(campaign, "gl", "古浪县")
        row = make.request(campaign, "mail", target="gl", owner="evaluator", submitted_at="2020-09-01T10:00:00+08:00",
                           letter={"kind": "to_other", "addressee": "王县长", "marked": "重要部署申请",
                                   "posted_on": "2020-09-01", "delivered_on": "2020-09-03", "confirmed_on": "2020-09-03"})
        db.session.commit()
        return row.id


@pytest.fixture
def scan(tmp_path):
    pytest.importorskip("rapidocr")
    from tests.ocr.corpus import fonts_available, render
    from tests.ocr.letters import make_letter

    if not fonts_available():
        pytest.skip("fonts-noto-cjk is not installed")
    letter = make_letter(random.Random(4), "withheld")
    letter.sealed, letter.red_header, letter.square_stamp = True, False, False
    letter.letter_date, letter.extras["date_text"] = date(2020, 9, 22), "2020年9月22日"  # after the request's receipt
    path = tmp_path / "答复书.png"
    render(letter, random.Random(4), 200).save(path)
    return path, letter


def test_upload_a_scan_and_accept_its_suggestions(page, request_id, scan):
    path, letter = scan
    log_in(page, "evaluator")
    page.goto(f"/requests/{request_id}")
    page.click("#ocr-link")
    page.set_input_files("#f-scan", str(path))
    page.click("text=上传并识别")
    page.wait_for_selector("#ocr-result", timeout=90000)  # the page refreshes itself while the job runs
    assert page.locator("#ocr-text mark.ocr-evidence").count() >= 2
    assert "不予公开" in page.locator("#suggestion-outcome").inner_text()
    screenshot(page, "ocr")
    page.fill("#f-received_on", "2020-09-25")
    page.click("#suggestion-outcome button[name=only]")
    page.wait_for_selector("#suggestion-outcome.table-success")
    page.click("text=全部采纳")
    page.wait_for_selector("#suggestion-sealed.table-success")
    page.goto(f"/requests/{request_id}")
    reply = page.locator("body").inner_text()
    assert "不予公开" in reply and letter.doc_number in reply
