"""Page response times with the 300-target campaign (12 000 requests) loaded, one client.

Goal (DESIGN.md §8): p95 ≤ 150 ms for the dashboard, the request list and a score sheet, with a
number of SQL statements that does not grow with the data (tests/perf/test_query_counts.py
asserts that; here the count is printed). The campaign overview (every county's full sheet,
ranked, with charts: all 12 000 requests scored) is held to the same goal (issue 9; §8 names
only the first three). A process keeps the overview and the dashboard's whole-campaign summary
while the data is unchanged (core/kept.py), and each county's report until that county's data
changes (reports/kept_reports.py), so the timed views reuse them; the first views after a change —
one county renamed through the operations; the campaign renamed, which every county's report
reads — are timed apart and printed, without a goal.
Flask's test client, logged in as an admin (dashboard scope "all": every campaign's work), on
SQLite and PostgreSQL; 2 warm-up requests, then SAMPLES timed ones (fewer when a page is slow).
Run: scripts/bench pages_bench   (exit status 0 when every page meets the goal)
"""
from __future__ import annotations

import gc
import re
import sys
import time
from typing import Self

from . import _support as s

TARGETS = 300
SAMPLES = 40
WARMUP = 2
GOAL_P95_MS = 150.0
SLOW_BUDGET_SECONDS = 20.0  # per page: a page slower than the goal gets fewer samples, never fewer than 5


def pages(loaded) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from tracker.campaigns.models import Target
    from tracker.extensions import db

    campaign_id = loaded.campaign_ids[TARGETS]
    with loaded.app.app_context():
        target_ids = list(db.session.scalars(select(Target.id).where(Target.campaign_id == campaign_id)
                                             .order_by(Target.id)))
    target_id = target_ids[len(target_ids) // 2 + 3]  # a county with a draft sheet in the middle of the list
    return [("dashboard", "/"),
            ("request list", f"/campaigns/{campaign_id}/requests"),
            ("score sheet", f"/campaigns/{campaign_id}/targets/{target_id}/sheet"),
            ("campaign overview", f"/campaigns/{campaign_id}/report")]


# Pages whose whole-campaign part is kept per process while the data is unchanged (core/kept.py):
# the first view after a change computes it again, and is timed apart, after two kinds of change.
AFTER_CHANGE_SAMPLES = 3


def _renamed(name: str) -> str:
    return name[:-1] if name.endswith("·") else name + "·"


def rename_one_county(app, campaign_id: int) -> None:
    """One county's data changes (renamed through the operations): the overview rescored that county."""
    from sqlalchemy import select

    from tracker.campaigns.models import Target
    from tracker.campaigns.operations import update_target
    from tracker.extensions import db

    with app.app_context():
        target = db.session.scalars(select(Target).where(Target.campaign_id == campaign_id).order_by(Target.id)).first()
        update_target(None, target, {"key": target.key, "name": _renamed(target.name)})
        db.session.commit()
        db.session.remove()


def rename_campaign(app, campaign_id: int) -> None:
    """What every county's report reads changes: the overview rescored every county."""
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        campaign.name = _renamed(campaign.name)
        db.session.commit()
        db.session.remove()


CHANGES = {"dashboard": [("a county renamed", rename_one_county)],
           "campaign overview": [("a county renamed", rename_one_county),
                                 ("the campaign renamed (every county rescored)", rename_campaign)]}


def after_change(app, client, url: str, campaign_id: int, change) -> list[float]:
    """Seconds of the first view after each of a few changes (what was kept no longer current)."""
    times = []
    for _ in range(AFTER_CHANGE_SAMPLES):
        change(app, campaign_id)
        begin = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append(time.perf_counter() - begin)
    return times


def login(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": s.BENCH_USER, "password": s.BENCH_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


class GcPauses:
    """Full (generation 2) garbage collections while timing: how many, and their longest pause."""

    def __init__(self) -> None:
        self.count, self.longest, self._started = 0, 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.longest = max(self.longest, time.perf_counter() - self._started)

    def __enter__(self) -> Self:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_exc) -> None:
        gc.callbacks.remove(self)


def measure(app, client, url: str) -> tuple[list[float], list[float], int, int, GcPauses]:
    """(seconds of each timed request, CPU seconds of each, SQL statements of one request, size,
    the full garbage collections meanwhile)."""
    for _ in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    with s.counting(app) as counter:
        size = len(client.get(url).data)
    statements = counter.count
    times: list[float] = []
    cpu: list[float] = []
    started = time.perf_counter()
    with GcPauses() as pauses:
        while len(times) < SAMPLES:
            begin, begin_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append(time.perf_counter() - begin)
            cpu.append(time.process_time() - begin_cpu)
            assert response.status_code == 200
            if len(times) >= 5 and time.perf_counter() - started > SLOW_BUDGET_SECONDS:
                break
    return times, cpu, statements, size, pauses


def main() -> int:
    from tracker.core.heap import settle_after_startup

    anchor = s.today()
    ok = True
    for kind in ("sqlite", "postgresql"):
        loaded = s.loaded(kind, (TARGETS,), anchor)
        if loaded is None:
            continue
        client = login(loaded.app)
        tracked = len(gc.get_objects())
        settle_after_startup()  # as `tracker serve` and tracker.wsgi do once the app is created
        print(f"{kind}: {TARGETS} targets × 40 requests, anchor {anchor}, logged in as admin; {s.machine()}; "
              f"{tracked:,} objects frozen out of the garbage collector's walks (tracker.core.heap)")
        for label, url in pages(loaded):
            times, cpu, statements, size, pauses = measure(loaded.app, client, url)
            p50, p95 = s.percentile(times, 0.5) * 1000, s.percentile(times, 0.95) * 1000
            met = p95 <= GOAL_P95_MS
            ok &= met
            print(f"  {label:18} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  ratio to the goal {p95 / GOAL_P95_MS:5.2f}  "
                  f"(cpu p50 {s.percentile(cpu, 0.5) * 1000:6.1f} ms)  {statements:3d} SQL  {size / 1024:5.0f} KiB  "
                  f"n={len(times):2d}, {pauses.count} full GC (longest {pauses.longest * 1000:.0f} ms)  {url}  "
                  f"{s.verdict(met)}")
            for what, change in CHANGES.get(label, []):
                cold = after_change(loaded.app, client, url, loaded.campaign_ids[TARGETS], change)
                print(f"  {'':18} first view after {what}: median {s.median(cold) * 1000:.0f} ms, "
                      f"longest {max(cold) * 1000:.0f} ms (n={len(cold)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
