"""Request operations shared by the UI, API, CLI and import: the rules they enforce themselves."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest


@pytest.fixture
def letter_request(app, users):
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("操作测试")
        make.target(campaign, "gl", "古浪县")
        row = make.request(campaign, "mail", target="gl", submitted_at="2020-09-23T10:00:00+08:00",
                           letter={"marked": "重要部署申请", "posted_on": "2020-09-23", "delivered_on": "2020-09-25"})
        db.session.commit()
        return row.id


def test_a_voided_request_refuses_changes_until_restored(app, letter_request):
    from tracker.core.errors import LockedError
    from tracker.extensions import db
    from tracker.requests import operations as requests
    from tracker.requests.models import MockRequest

    with app.app_context():
        row = db.session.get(MockRequest, letter_request)
        requests.void_request(None, row, "录入错误")
        for change in (lambda: requests.update_request(None, row, {"subject": "改"}),
                       lambda: requests.add_event(None, row, {"type": "extended", "on": "2020-10-09",
                                                              "working_days": 5}),
                       lambda: requests.save_reply(None, row, {"outcome": "disclosed", "dispatched_on": "2020-10-09"})):
            with pytest.raises(LockedError):
                change()
        requests.void_request(None, row, "", voided=False)
        requests.update_request(None, row, {"subject": "改"})
        assert row.subject == "改"


def test_a_tampered_version_is_a_validation_error(app, letter_request):
    from tracker.core.errors import ValidationError
    from tracker.extensions import db
    from tracker.requests import operations as requests
    from tracker.requests.models import MockRequest

    with app.app_context():
        row = db.session.get(MockRequest, letter_request)
        with pytest.raises(ValidationError) as caught:
            requests.update_request(None, row, {"subject": "x", "version": "abc"})
        assert "version" in caught.value.errors


def test_due_date_is_stored_for_lists_and_reminders(app, letter_request):
    from datetime import date

    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        row = db.session.get(MockRequest, letter_request)
        assert (row.receipt_date, row.due_date) == (date(2020, 9, 25), date(2020, 10, 29))


def test_a_receipt_at_the_end_of_the_input_range_still_gets_a_deadline(app, letter_request, monkeypatch):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.requests import operations as requests

    monkeypatch.setitem(app.config, "FROZEN_NOW", datetime(2045, 12, 31, 12, tzinfo=timezone.utc))  # not future
    with app.app_context():
        campaign = db.session.get(Campaign, 1)
        row = requests.create_request(None, campaign, {
            "target": "gl", "channel": "oral", "purpose": "17", "submitted_at": "2045-12-30T10:00:00+08:00",
            "oral": {"filled_in_for_applicant": True}})
        assert row.due_date.year == 2046 and row.provisional


def test_huge_ids_mean_no_such_record(app, letter_request, login):
    from tracker.campaigns.models import Campaign
    from tracker.core.errors import ValidationError
    from tracker.extensions import db
    from tracker.requests import operations as requests

    with app.app_context():
        campaign = db.session.get(Campaign, 1)
        with pytest.raises(ValidationError):
            requests.create_request(None, campaign, {"target": "9" * 30, "channel": "oral", "purpose": "17"})
    page = login("evaluator").get("/campaigns/1/requests?target=" + "9" * 30 + "&owner=" + "9" * 30)
    assert page.status_code == 400
