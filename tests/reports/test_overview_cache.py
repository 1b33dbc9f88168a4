"""The kept campaign overview and the token it is filed under (core/revisions.py: the `data` scope)."""
from __future__ import annotations

from sqlalchemy import select

from .conftest import bundle_data, import_data

OVERVIEW = "/campaigns/{c}/report?today=2020-11-30"


def revision(app) -> str:
    from tracker.core.revisions import DATA, EVERY, current_tokens
    from tracker.extensions import db

    with app.app_context():
        token = current_tokens([(DATA, EVERY)])[(DATA, EVERY)]
        db.session.remove()
        return token


def first_target(app, campaign_id):
    from tracker.campaigns.models import Target
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalars(select(Target).where(Target.campaign_id == campaign_id).order_by(Target.id)).first()


def rename_target(app, target_id, name, *, commit=True):
    from tracker.campaigns.models import Target
    from tracker.campaigns.operations import update_target
    from tracker.extensions import db

    with app.app_context():
        target = db.session.get(Target, target_id)
        update_target(None, target, {"key": target.key, "name": name})
        db.session.commit() if commit else db.session.rollback()
        db.session.remove()


def test_a_committed_change_gives_a_new_token_and_the_overview_shows_it(app, login, campaign_id):
    browser = login("reviewer")
    target = first_target(app, campaign_id)
    assert target.name in browser.get(OVERVIEW.format(c=campaign_id)).get_data(as_text=True)
    before = revision(app)
    rename_target(app, target.id, "凉州区（更名）")
    assert revision(app) != before
    assert "凉州区（更名）" in browser.get(OVERVIEW.format(c=campaign_id)).get_data(as_text=True)


def test_reading_logging_in_and_rolling_back_keep_the_token(app, login, campaign_id):
    before = revision(app)
    browser = login("reviewer")  # a login session row: bookkeeping, not evaluation data
    for url in (OVERVIEW, "/campaigns/{c}/requests", "/", "/campaigns/{c}/report.json?today=2020-11-30"):
        assert browser.get(url.format(c=campaign_id)).status_code == 200
    rename_target(app, first_target(app, campaign_id).id, "不会保存", commit=False)
    assert revision(app) == before


def test_bulk_import_statements_give_a_new_token(app, campaign_id):
    before = revision(app)
    data = bundle_data()
    data["campaign"]["name"] = "另一次考评"
    import_data(app, data)
    assert revision(app) != before


def test_a_cleared_fact_reaches_the_kept_overview(app, login, campaign_id):
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.overview import campaign_overview
    from tracker.reports.overview_cache import cached_campaign_overview
    from tracker.scoring.models import IndicatorFacts

    from .conftest import TODAY

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        kept = cached_campaign_overview(campaign, TODAY)
        assert cached_campaign_overview(campaign, TODAY) is kept  # unchanged data: the same object
        facts = db.session.scalars(select(IndicatorFacts).where(IndicatorFacts.facts.is_not(None))).first()
        facts.facts = None  # as if the evaluator cleared one indicator
        db.session.commit()
        fresh = cached_campaign_overview(campaign, TODAY)
        assert fresh is not kept and fresh == campaign_overview(campaign, TODAY)
        db.session.remove()


def test_a_change_in_the_open_transaction_is_never_kept(app, campaign_id):
    """Read-your-writes: before the commit renews the token, what the transaction changed is not filed
    under the old one (nor served from it)."""
    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db
    from tracker.reports.overview_cache import cached_campaign_overview

    from .conftest import TODAY

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        kept = cached_campaign_overview(campaign, TODAY)
        target = db.session.scalars(select(Target).where(Target.campaign_id == campaign_id)).first()
        target.name = "未提交的新名称"
        db.session.flush()
        inside = cached_campaign_overview(campaign, TODAY)
        assert inside is not kept and "未提交的新名称" in repr(inside)
        db.session.rollback()
        assert cached_campaign_overview(campaign, TODAY) is kept
        db.session.remove()
