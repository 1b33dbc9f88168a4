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
    """Import a bundle, commit, and return the campaign id."""
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db

    with app.app_context():
        summary = import_bundle(None, copy.deepcopy(data))
        db.session.commit()
        return summary.campaign.id


@pytest.fixture
def campaign_id(app) -> int:
    return import_data(app, bundle_data())


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
