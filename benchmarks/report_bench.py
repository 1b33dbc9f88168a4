"""The full JSON report (tracker.reports.json_report.report_json) of the 300-target campaign.

Goals (DESIGN.md §8): ≤ 5 s, and ≤ 12× the time of the 30-target campaign (linear growth).
Each report is built in a fresh session (nothing cached in the identity map), best of 5 runs;
SQL statements are counted too. SQLite and PostgreSQL.
Run: scripts/bench report_bench   (exit status 0 when both goals are met)
"""
from __future__ import annotations

import sys

from . import _support as s

TARGETS, SMALL = 300, 30
GOAL_SECONDS = 5.0
GOAL_RATIO = 12.0
REPEAT = 5


def measure(app, campaign_id: int, today) -> tuple[float, int, int]:
    """(best seconds, statements, targets in the report)."""
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db
    from tracker.reports.json_report import report_json

    times, statements, size = [], 0, 0
    for _ in range(REPEAT):
        with app.app_context(), s.counting(app) as counter:
            seconds, report = s.timed(lambda: report_json(db.session.get(Campaign, campaign_id), today))
            db.session.remove()
        times.append(seconds[0])
        statements, size = counter.count, len(report["targets"])
    return min(times), statements, size


def main() -> int:
    from tracker.core.heap import settle_after_startup

    anchor = s.today()
    print(f"machine: {s.machine()}")
    ok = True
    for kind in ("sqlite", "postgresql"):
        loaded = s.loaded(kind, (TARGETS, SMALL), anchor)
        if loaded is None:
            continue
        # The benchmark's own objects (generated bundles, loaded apps) are no part of a report's
        # cost: set them aside from the garbage collector as a server does at start-up.
        settle_after_startup()
        big, big_statements, big_size = measure(loaded.app, loaded.campaign_ids[TARGETS], anchor)
        small, small_statements, small_size = measure(loaded.app, loaded.campaign_ids[SMALL], anchor)
        assert (big_size, small_size) == (TARGETS, SMALL)
        ratio = big / small
        met = big <= GOAL_SECONDS and ratio <= GOAL_RATIO
        ok &= met
        print(f"{kind:10} report_json {TARGETS} targets: {big:6.3f} s ({big_statements} SQL)   "
              f"{SMALL} targets: {small:6.3f} s ({small_statements} SQL)   "
              f"ratio to the goal {big / GOAL_SECONDS:.2f} (goal ≤ {GOAL_SECONDS:.0f} s)   "
              f"ratio {TARGETS}/{SMALL}: {ratio:.1f}× (goal ≤ {GOAL_RATIO:.0f}×)  {s.verdict(met)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
