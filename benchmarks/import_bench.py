"""Bundle import of the generated 300-target campaign (12 000 requests) into an empty database.

Goal (DESIGN.md §8): ≤ 20 s through tracker.bundles.importer.import_bundle + one commit, on SQLite
and on PostgreSQL. The 30-target campaign is imported first into the same kind of empty database
to show the ratio (the cost should grow linearly).
Run: scripts/bench import_bench   (exit status 0 when the goal is met)
"""
from __future__ import annotations

import sys

from . import _support as s
from .generate import cached

TARGETS, SMALL = 300, 30
GOAL_SECONDS = 20.0


def main() -> int:
    anchor = s.today()
    started = s.timed(lambda: cached(TARGETS, anchor=anchor))[0][0]
    data = cached(TARGETS, anchor=anchor)
    print(f"campaign: {TARGETS} targets × 40 = {len(data['requests']):,} requests, "
          f"{sum(len(f) for f in data['facts'].values()):,} manual facts, anchor {anchor} "
          f"(bundle generated or read from instance/bench/ in {started:.1f} s)")
    print(f"machine: {s.machine()}")
    ok = True
    for kind in ("sqlite", "postgresql"):
        small_url = s.database_url(kind, f"import_{SMALL}")
        if small_url is None:
            continue
        small_app = s.make_app(small_url)
        small = s.import_campaign(small_app, SMALL, anchor)
        s.dispose(small_app)
        url = s.database_url(kind, f"import_{TARGETS}")
        app = s.make_app(url)
        big = s.import_campaign(app, TARGETS, anchor)
        s.ensure_bench_user(app)
        s.analyze(app)
        # Later benchmarks in this run reuse the loaded database.
        s.remember(kind, anchor, s.Loaded(app, url, {TARGETS: big.campaign_id}, {TARGETS: big.seconds}))
        met = big.seconds <= GOAL_SECONDS
        ok &= met
        print(f"{kind:10} import {TARGETS} targets: {big.seconds:6.2f} s (cpu {big.cpu:5.2f} s, {big.statements:,} SQL, "
              f"{len(data['requests']) / big.seconds:,.0f} requests/s)  ratio to the goal "
              f"{big.seconds / GOAL_SECONDS:.2f} (goal ≤ {GOAL_SECONDS:.0f} s)   {SMALL} targets: {small.seconds:5.2f} s "
              f"({small.statements:,} SQL), ratio {TARGETS}/{SMALL} {big.seconds / small.seconds:.1f}×  {s.verdict(met)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
