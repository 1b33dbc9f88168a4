"""Each target's kept report (reports/kept_reports.py) follows its own data: after every kind of
change the kept reports equal reports computed afresh, and only the targets the change reached
are computed again (core/revisions.py attributes each row to its target by the path its model declares)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from .conftest import TODAY, bundle_data, import_data, sign_target


@pytest.fixture
def campaign_id(app) -> int:
    """The example campaign with every sheet in draft: a submitted sheet locks its county's requests."""
    data = bundle_data()
    data.pop("reviews")
    return import_data(app, data)


def kept_equal_fresh(app, campaign_id) -> None:
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.kept_reports import kept_sheet_reports
    from tracker.reports.sheet_model import build_sheet_reports

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert kept_sheet_reports(campaign, TODAY) == build_sheet_reports(campaign, TODAY)
        db.session.remove()


def change(app, campaign_id, apply) -> None:
    """Run `apply(campaign, request_by_key, target_by_key)` in one committed transaction."""
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        requests = {r.key: r for r in db.session.scalars(select(MockRequest).where(MockRequest.campaign_id == campaign_id))}
        apply(campaign, requests, {t.key: t for t in campaign.targets})
        db.session.commit()
        db.session.remove()


def _save_fact(campaign, _requests, targets):
    from tracker.scoring.operations import save_facts

    save_facts(None, campaign, targets["minqin"], 8, {"points": 0})


def _add_event(_campaign, requests, _targets):
    from tracker.requests.operations import add_event

    add_event(None, requests["LZ-16"], {"type": "clarification_requested", "on": "2020-09-23"})


def _delete_attempt(_campaign, requests, _targets):
    from tracker.requests.operations import delete_attempt

    delete_attempt(None, requests["LZ-18"], requests["LZ-18"].attempts[-1].id)


def _delete_reply(_campaign, requests, _targets):
    from tracker.requests.operations import delete_reply

    request = requests[next(k for k, r in requests.items() if r.reply and k.startswith("LZ"))]
    delete_reply(None, request, version=request.reply.version)


def _move_request(_campaign, requests, targets):
    requests["LZ-21"].target_id = targets["minqin"].id


def _rename_target(_campaign, _requests, targets):
    targets["liangzhou"].name = "凉州区（更名）"


def _rename_campaign(campaign, _requests, _targets):
    campaign.name = campaign.name + "（修订）"


def _rename_users(_campaign, _requests, _targets):
    from tracker.extensions import db
    from tracker.users.models import User

    for user in db.session.scalars(select(User)):
        user.name = user.name + "·"


def _save_reminder_horizon(_campaign, _requests, _targets):
    from tracker.extensions import db
    from tracker.users.models import User

    for user in db.session.scalars(select(User)):
        user.remind_working_days = 7  # read by the reminder job, printed on no report


def _add_evidence(campaign, _requests, targets):
    from tracker.scoring.operations import add_evidence

    add_evidence(None, campaign, targets["minqin"], 9, {"url": "https://example.org/9", "note": "截图"})


def _calendar_override(_campaign, _requests, _targets):
    from tracker.calendar.operations import set_override

    set_override(None, {"day": "2020-09-28", "working": "false", "note": "测试：临时放假"})


CHANGES = [
    (_save_fact, {"民勤县"}),
    (_add_event, {"凉州区"}),
    (_delete_attempt, {"凉州区"}),
    (_delete_reply, {"凉州区"}),
    (_move_request, {"凉州区", "民勤县"}),
    (_rename_target, {"凉州区（更名）"}),
    (_rename_campaign, set()),  # the name is printed, not scored: kept reports take the new one
    (_rename_users, {"凉州区", "民勤县"}),
    (_calendar_override, {"凉州区", "民勤县"}),
    (_save_reminder_horizon, set()),
    (_add_evidence, {"民勤县"}),  # read by no report today: its path to the county is declared all the same
]


@pytest.mark.parametrize("apply, reached", CHANGES, ids=[c[0].__name__.strip("_") for c in CHANGES])
def test_a_change_recomputes_the_targets_it_reached_and_only_them(app, campaign_id, rescored, apply, reached):
    kept_equal_fresh(app, campaign_id)
    assert rescored == [{"凉州区", "民勤县"}]  # the first view computes every target
    kept_equal_fresh(app, campaign_id)
    assert rescored[1:] == []  # nothing changed: nothing computed
    change(app, campaign_id, apply)
    kept_equal_fresh(app, campaign_id)
    assert rescored[1:] == ([reached] if reached else [])


def report_tokens(target_ids) -> dict:
    from tracker.core.revisions import CALENDAR, SHARED, TARGET, EVERY, current_tokens

    return current_tokens([(SHARED, EVERY), (CALENDAR, EVERY), (TARGET, EVERY),
                           *((TARGET, ident) for ident in target_ids)])


def test_a_rolled_back_change_and_bookkeeping_change_no_token(app, campaign_id):
    from tracker.extensions import db
    from tracker.users.operations import start_session
    from tracker.users.models import User

    with app.app_context():
        before = report_tokens([1, 2])
        user = db.session.scalars(select(User)).first()
        user.name = "不会保存"
        db.session.flush()
        db.session.rollback()
        start_session(db.session.scalars(select(User)).first())  # a login: no report reads it
        db.session.commit()
        assert report_tokens([1, 2]) == before
        db.session.remove()


def test_bulk_import_renews_the_tokens_of_every_target(app, campaign_id):
    """The importer's bulk statements name no single row the session could attribute."""
    from tracker.core.revisions import EVERY, TARGET, current_tokens
    from tracker.extensions import db

    with app.app_context():
        before = current_tokens([(TARGET, EVERY)])
        db.session.remove()
    data = bundle_data()
    data["campaign"]["name"] = "另一次考评"
    import_data(app, data)
    with app.app_context():
        assert current_tokens([(TARGET, EVERY)]) != before
        db.session.remove()


def test_another_day_recomputes_every_target(app, campaign_id, rescored):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.kept_reports import kept_sheet_reports

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        kept_sheet_reports(campaign, TODAY)
        kept_sheet_reports(campaign, date(2020, 12, 1))
        db.session.remove()
    assert rescored == [{"凉州区", "民勤县"}, {"凉州区", "民勤县"}]


def _unlock_liangzhou(campaign, _requests, targets):
    from tracker.extensions import db
    from tracker.scoring import operations as ops
    from tracker.scoring import review
    from tracker.users.models import User

    reviewer = db.session.scalar(select(User).where(User.username == "reviewer"))
    review.unlock_sheet(reviewer, ops.sheet_for(campaign, targets["liangzhou"]), "更正", TODAY)


def test_signing_and_unlocking_renew_the_county_report(app, users, campaign_id, rescored):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.kept_reports import kept_sheet_reports

    def codes():
        with app.app_context():
            reports = kept_sheet_reports(db.session.get(Campaign, campaign_id), TODAY)
            return {report.target_name: report.code for report in reports}

    assert codes() == {"凉州区": "", "民勤县": ""}
    sign_target(app, campaign_id, "liangzhou")
    rescored.clear()
    signed = codes()
    assert rescored == [{"凉州区"}] and len(signed["凉州区"]) == 14 and signed["民勤县"] == ""
    kept_equal_fresh(app, campaign_id)
    change(app, campaign_id, _unlock_liangzhou)
    rescored.clear()
    assert codes() == {"凉州区": "", "民勤县": ""} and rescored == [{"凉州区"}]
