"""Fixtures of the report tests: the example campaign of tests/data/bundle_small.json, committed."""
from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

BUNDLE = Path(__file__).resolve().parent.parent / "data" / "bundle_small.json"
TODAY = date(2020, 11, 30)


def bundle_data() -> dict:
    return json.loads(BUNDLE.read_text(encoding="utf-8"))


def import_data(app, data: dict) -> int:
    """Import a bundle, put every user in its team (these tests are not about the team), commit,
    and return the campaign id."""
    from tests.conftest import join_everyone
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db

    with app.app_context():
        summary = import_bundle(None, copy.deepcopy(data))
        join_everyone(summary.campaign)
        db.session.commit()
        return summary.campaign.id


@pytest.fixture
def campaign_id(app) -> int:
    return mark_submitted(app, import_data(app, bundle_data()))


def mark_submitted(app, campaign_id: int) -> int:
    """凉州区's sheet stored as submitted by zhang (张三) on 2020-11-20: the reports print a sheet waiting
    for review (a bundle cannot submit it: 17 of its indicators are 未评)."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.scoring.models import ScoreSheet
    from tracker.users.models import User

    with app.app_context():
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.campaign_id == campaign_id)
                                  .order_by(ScoreSheet.target_id).limit(1))
        sheet.status, sheet.filled_on = "submitted", date(2020, 11, 20)
        sheet.filled_by_id = db.session.scalar(select(User.id).where(User.username == "zhang"))
        db.session.commit()
    return campaign_id


@pytest.fixture
def rescored(monkeypatch):
    """The county names each kept_sheet_reports call scored again (one set per call that scored any)."""
    from tracker.reports import kept_reports

    calls: list[set[str]] = []
    real = kept_reports.build_sheet_reports

    def counting(campaign, today, target=None, *, target_ids=None):
        reports = real(campaign, today, target, target_ids=target_ids)
        calls.append({report.target_name for report in reports})
        return reports

    monkeypatch.setattr(kept_reports, "build_sheet_reports", counting)
    return calls


@pytest.fixture
def campaign(app, campaign_id):
    """The campaign, inside an app context (for calling the report builders directly)."""
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        yield db.session.get(Campaign, campaign_id)


def scaled_bundle(copies: int) -> dict:
    """bundle_small with 凉州区's targets, requests and facts repeated ``copies`` more times."""
    data = bundle_data()
    data["campaign"]["name"] = f"规模测试考评{copies}"
    source = data["targets"][0]
    requests = [r for r in data["requests"] if r["target"] == source["key"]]
    for number in range(copies):
        key = f"copy{number}"
        data["targets"].append(dict(source, key=key, name=f"{source['name']}{number}"))
        data["requests"] += [dict(r, key=f"{r['key']}-{key}", target=key) for r in requests]
        data["facts"][key] = data["facts"][source["key"]]
    return data


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


def sign_target(app, campaign_id: int, key: str, today=TODAY) -> str:
    """Close the target's open indicators by overrides, submit as "evaluator", sign as "reviewer"
    (the users fixture's), through the operations; commit and return the 核验码."""
    from sqlalchemy import select

    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.scoring import operations as ops
    from tracker.scoring import review
    from tracker.scoring.service import target_scores
    from tracker.users.models import User

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        people = {u.username: u for u in db.session.scalars(select(User))}
        target = next(t for t in campaign.targets if t.key == key)
        scores = target_scores(campaign, target, today)
        for ident in scores.score.pending:
            version = scores.facts[ident].version if ident in scores.facts else 0
            ops.save_facts(people["evaluator"], campaign, target, ident,
                           {"override": {"points": 0, "reason": "核实"}}, version=version)
        sheet = ops.sheet_for(campaign, target)
        review.submit_sheet(people["evaluator"], sheet, today)
        seen = review.prepare_signature(people["reviewer"], sheet, today).score.fingerprint()
        code = review.sign_sheet(people["reviewer"], sheet, today, seen).code
        db.session.commit()
        return code
