"""The number of SQL statements of every page does not grow with the data (DESIGN.md §8).

Two generated campaigns (benchmarks/generate.py): 2 counties × 10 requests, then one three times
larger (6 × 10) added beside it. Every page is fetched for the small campaign, then for the
large one (the dashboard then covers both: four times the data), and the statements of the
second fetch of each are counted with a before_cursor_execute listener: the counts must be equal.

SQLAlchemy's selectinload reads related rows 500 parents per statement, so a page that loads a
whole campaign that way issues more statements only past 500 requests. While counting, the batch
is lowered to 50 (the longest list a page shows), so such a page fails here already.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import strategies

# SQLAlchemy 2.1 renamed it (private); 2.0 calls it SelectInLoader.
SelectInLoader = getattr(strategies, "_SelectInLoader", None) or strategies.SelectInLoader

from benchmarks.generate import generate

SMALL, LARGE, PER_TARGET = 2, 6, 10
PASSWORD = "query-count-password"

# (label, endpoint, URL template); {c} campaign id, {t} first target id, {r}/{p}/{m} a written,
# a phone and a mail request of the first target.
PAGES = [
    ("dashboard", "main.index", "/"),
    ("dashboard (mine)", "main.index", "/?scope=mine"),
    ("request list", "requests.request_list", "/campaigns/{c}/requests"),
    ("request list, overdue filter", "requests.request_list", "/campaigns/{c}/requests?status=overdue"),
    ("request detail (written)", "requests.request_detail", "/requests/{r}"),
    ("request detail (phone)", "requests.request_detail", "/requests/{p}"),
    ("request detail (mail)", "requests.request_detail", "/requests/{m}"),
    ("score sheet", "scoring.sheet", "/campaigns/{c}/targets/{t}/sheet"),
    ("sheets list", "scoring.sheet_list", "/campaigns/{c}/sheets"),
    ("fact workbook export", "scoring.workbook_download", "/campaigns/{c}/sheets/template.xlsx"),
    ("campaign detail", "campaigns.campaign_detail", "/campaigns/{c}"),
    ("campaign overview (report)", "reports.campaign_report", "/campaigns/{c}/report"),
    ("campaign overview, page 2", "reports.campaign_report", "/campaigns/{c}/report?page=2"),
    ("overview heat map (svg)", "reports.campaign_chart", "/campaigns/{c}/report/charts/heat.svg"),
    ("target report", "reports.target_report", "/campaigns/{c}/targets/{t}/report"),
    ("statistics", "reports.statistics", "/campaigns/{c}/statistics"),
    ("statistics export (csv)", "reports.statistics_csv", "/campaigns/{c}/statistics.csv"),
    ("annual table", "reports.annual_table", "/campaigns/{c}/targets/{t}/annual-table"),
    ("JSON report", "reports.campaign_json", "/campaigns/{c}/report.json"),
    ("xlsx report export", "reports.campaign_xlsx", "/campaigns/{c}/report.xlsx"),
    ("reminders page", "reminders.my_reminders", "/reminders"),
    ("API request list", "api.list_requests", "/api/v1/campaigns/{c}/requests"),
    ("API request detail", "api.get_request_detail", "/api/v1/requests/{r}"),
    ("API score sheet", "api.get_sheet", "/api/v1/campaigns/{c}/targets/{t}/sheet"),
    ("API JSON report", "api.get_report", "/api/v1/campaigns/{c}/report"),
]
FUNCTIONS = ["bundle export (tracker export)"]


def _login(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "perf_admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _api_token(app, user_id: int) -> str | None:
    try:
        from tracker.api.tokens import create_token
    except ImportError:
        return None
    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        _row, plaintext = create_token(db.session.get(User, user_id), "perf")
        db.session.commit()
    return plaintext


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, *_args):
        self.count += 1


def _ids(app, campaign_name: str) -> dict:
    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == campaign_name))
        target = db.session.scalar(select(Target).where(Target.campaign_id == campaign.id).order_by(Target.id))
        rows = db.session.scalars(select(MockRequest).where(MockRequest.target_id == target.id)
                                  .order_by(MockRequest.key)).all()
        written = next(r for r in rows if r.channel == "online" and r.reply is not None)
        phone = next(r for r in rows if r.channel == "phone")
        mail = next(r for r in rows if r.channel == "mail")
        return {"c": campaign.id, "t": target.id, "r": written.id, "p": phone.id, "m": mail.id}


def _count(app, engine, fetch) -> tuple[int, int]:
    fetch()  # warm the process caches (calendar, rubric) so both sizes are counted alike
    counter = Counter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        status = fetch()
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count, status


def _measure(app, client, token, ids: dict, campaign_name: str, engine) -> dict:
    from tracker.bundles.exporter import export_bundle
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.core.clock import today as beijing_today

    counts = {}
    for label, endpoint, template in PAGES:
        if endpoint not in app.view_functions:
            continue
        url = template.format(**ids)
        headers = {"Authorization": f"Bearer {token}"} if endpoint.startswith("api.") and token else {}
        counts[label] = _count(app, engine, lambda url=url, headers=headers: client.get(url, headers=headers)
                               .status_code)

    def export():
        with app.app_context():
            export_bundle(db.session.scalar(select(Campaign).where(Campaign.name == campaign_name)), beijing_today())
            db.session.remove()
        return 200

    counts[FUNCTIONS[0]] = _count(app, engine, export)
    return counts


@pytest.fixture(scope="module")
def counts(app):
    """{label: ((small statements, status), (large statements, status))}; leaves the database empty."""
    from werkzeug.security import generate_password_hash

    from tests.conftest import reset_database
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db
    from tracker.users.models import User
    from tracker.core.clock import today as beijing_today

    anchor = beijing_today()
    small, large = (generate(n, PER_TARGET, anchor=anchor, name=f"查询次数测试 {n}") for n in (SMALL, LARGE))
    batch, SelectInLoader._chunksize = SelectInLoader._chunksize, 50
    try:
        with app.app_context():
            admin = User(username="perf_admin", name="查询次数测试", role="admin", email="perf@example.org",
                         password_hash=generate_password_hash(PASSWORD, method="scrypt:1024:8:1"))
            db.session.add(admin)
            import_bundle(None, small)
            db.session.commit()
            admin_id, engine = admin.id, db.engine
        client, token = _login(app), _api_token(app, admin_id)
        result = {"small": _measure(app, client, token, _ids(app, small["campaign"]["name"]),
                                    small["campaign"]["name"], engine)}
        with app.app_context():
            import_bundle(None, large)
            db.session.commit()
        result["large"] = _measure(app, client, token, _ids(app, large["campaign"]["name"]),
                                   large["campaign"]["name"], engine)
        return result
    finally:
        SelectInLoader._chunksize = batch
        with app.app_context():
            db.session.remove()
            reset_database(db)


@pytest.mark.parametrize("label", [label for label, _, _ in PAGES] + FUNCTIONS)
def test_statements_do_not_grow_with_the_data(app, counts, label):
    endpoint = {lbl: ep for lbl, ep, _ in PAGES}.get(label)
    if label not in counts["small"]:
        pytest.skip(f"endpoint {endpoint} is not registered yet")
    (small, small_status), (large, large_status) = counts["small"][label], counts["large"][label]
    assert small_status == large_status == 200, (label, small_status, large_status)
    assert small == large, f"{label}: {small} SQL statements for {SMALL} targets, {large} for {LARGE}"
