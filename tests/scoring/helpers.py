"""Shared set-up for the score-sheet tests: a campaign with targets, made through the operations."""
from __future__ import annotations

import re

RUBRIC = "wuwei-2020-county"
COUNTIES = (("liangzhou", "凉州区"), ("minqin", "民勤县"), ("gulang", "古浪县"), ("tianzhu", "天祝藏族自治县"))

# Every manual indicator of the Wuwei rubric, as the row forms post it, and the score it earns.
MANUAL_FORMS: dict[int, tuple[dict, float]] = {
    1: ({**{f"item-{i}": "1" for i in range(8)}, "item-3": "0"}, 7),
    2: ({"item-0": "1", "item-1": "1"}, 2),
    3: ({"item-0": "1", "item-1": "1", "item-2": "1.5", "item-3": "1"}, 4.5),
    4: ({"item-0": "1", "item-1": "1", "item-2": "1", "item-3": "0"}, 3),
    5: ({"tier": "standard", "item-0": "1", "item-1": "2", "item-2": "1"}, 4),
    6: ({"item-0": "2", "item-1": "2"}, 4),
    7: ({"item-0": "1", "item-1": "1", "item-2": "1"}, 3),
    8: ({"points": "1.5"}, 1.5),
    9: ({"passed": "true"}, 3),
    10: ({"count": "7", "points": "4"}, 4),
    11: ({"item-0": "1", "item-1": "1", "item-2": "1"}, 3),
    12: ({f"item-{i}": "1" for i in range(5)}, 5),
    13: ({"item-0": "1", "item-1": "1"}, 2),
    14: ({"item-0": "2", "item-1": "1", "item-2": "1.5"}, 4.5),
    15: ({"item-0": "2", "item-1": "2"}, 4),
    23: ({"item-0": "1.5", "item-1": "1.5", "item-2": "1", "item-3": "1", "item-4": "1"}, 6),
    24: ({"item-0": "2", "item-1": "2"}, 4),
    25: ({"tier": "channel_only", "points": "2"}, 2),
    26: ({**{f"item-{i}": "0.5" for i in range(6)}, "item-5": "0"}, 2.5),
    27: ({"item-0": "1", "item-1": "0.5", "item-2": "0.5"}, 2),
    28: ({"item-0": "1", "item-1": "0.5", "item-2": "0.5"}, 2),
    31: ({"item-0": "1", "item-1": "0.5", "item-2": "0.5", "item-3": "0.5", "item-4": "0.5"}, 3),
    32: ({"item-0": "0.5", "item-1": "1", "item-2": "0.5"}, 2),
    33: ({"item-0": "1", "item-1": "1"}, 2),
    34: ({"item-0": "1", "item-1": "1", "item-2": "1"}, 3),
}
# Derived indicators 17–22 closed by overrides (16 comes from a real online request).
DERIVED_OVERRIDES = {17: 0, 18: 1, 19: 2, 20: 2, 21: 0, 22: 1}


def make_campaign(app, count: int = 1) -> tuple[int, list[int]]:
    """The Wuwei campaign with the first `count` COUNTIES, every user in its team: (campaign id, target ids)."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("武威市2020年政务公开工作考评（县区）", rubric_code=RUBRIC)
        targets = make.targets(campaign, *COUNTIES[:count])
        db.session.commit()
        return campaign.id, [t.id for t in targets]


def add_online_request(app, campaign_id: int, target_key: str, key: str | None = None) -> None:
    from tests import factories as make
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        make.request(db.session.get(Campaign, campaign_id), "online", target=target_key, key=key)
        db.session.commit()


def sheet_url(campaign_id: int, target_id: int) -> str:
    return f"/campaigns/{campaign_id}/targets/{target_id}/sheet"


def row_version(html: str, indicator_id: int) -> str:
    """The version the row form of `indicator_id` carries."""
    match = re.search(rf'id="i{indicator_id}".*?name="version" value="(\d+)"', html, re.DOTALL)
    assert match, f"no form for indicator {indicator_id}"
    return match.group(1)


def save(browser, campaign_id: int, target_id: int, indicator_id: int, form: dict, version=None):
    if version is None:
        page = browser.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
        version = row_version(page, indicator_id)
    return browser.post(f"{sheet_url(campaign_id, target_id)}/indicators/{indicator_id}",
                        data={**form, "version": version})


def stored_facts(app, campaign_id: int, target_id: int) -> dict[int, dict]:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.scoring.models import IndicatorFacts, ScoreSheet

    with app.app_context():
        rows = db.session.execute(select(IndicatorFacts.indicator_id, IndicatorFacts.facts).join(ScoreSheet).where(
            ScoreSheet.campaign_id == campaign_id, ScoreSheet.target_id == target_id)).all()
        return {ident: facts for ident, facts in rows}


def total_on_page(html: str) -> str:
    match = re.search(r'class="fs-4 js-total">([^<]+)<', html)
    assert match, "no total on the page"
    return match.group(1)


def set_team(app, campaign_id: int, *usernames: str) -> None:
    """Make the campaign's team exactly the users named (make_campaign puts everyone in it)."""
    from sqlalchemy import select

    from tracker.campaigns import operations as campaign_ops
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        ids = list(db.session.scalars(select(User.id).where(User.username.in_(usernames))))
        campaign_ops.set_team(None, db.session.get(Campaign, campaign_id), ids)
        db.session.commit()


def seen_on(browser, campaign_id: int, target_id: int) -> str:
    """The fingerprint the sheet page gives its sign form (what the reviewer looked at)."""
    page = browser.get(sheet_url(campaign_id, target_id)).get_data(as_text=True)
    match = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    assert match, "no sign form on the page"
    return match.group(1)


def sign(browser, campaign_id: int, target_id: int):
    """Sign as a reviewer does: open the sheet, ask to sign, confirm what the confirmation page shows.
    Returns (the final response, the 核验码 the confirmation page showed)."""
    seen = seen_on(browser, campaign_id, target_id)
    url = f"{sheet_url(campaign_id, target_id)}/sign"
    confirmation = browser.post(url, data={"seen": seen})
    page = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200 and "确认签字并锁定" in page, page[-3000:]
    code = re.search(r'name="code" value="([0-9a-f]{12})"', page).group(1)
    return browser.post(url, data={"seen": seen, "code": code, "confirm": "1"}), code


def review_events(app, campaign_id: int, target_id: int) -> list[tuple[str, str, str]]:
    """(kind, actor username, reason) of every review step of the sheet, in order."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.scoring.models import ReviewEvent, ScoreSheet

    with app.app_context():
        rows = db.session.execute(select(ReviewEvent.kind, ReviewEvent.actor_username, ReviewEvent.reason)
                                  .join(ScoreSheet, ScoreSheet.id == ReviewEvent.sheet_id)
                                  .where(ScoreSheet.campaign_id == campaign_id, ScoreSheet.target_id == target_id)
                                  .order_by(ReviewEvent.id)).all()
        return [tuple(row) for row in rows]


def sheet_status(app, campaign_id: int, target_id: int) -> str | None:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.scoring.models import ScoreSheet

    with app.app_context():
        return db.session.scalar(select(ScoreSheet.status).where(ScoreSheet.campaign_id == campaign_id,
                                                                 ScoreSheet.target_id == target_id))
