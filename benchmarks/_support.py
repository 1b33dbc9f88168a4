"""What the benchmarks share: scratch databases (SQLite files, PostgreSQL databases), an app on
each, the generated campaigns loaded through the real importer, a SQL statement counter and timing.

Scratch data lives under instance/bench/ (gitignored). PostgreSQL: TRACKER_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres, trust auth) is the maintenance
connection used to drop and create databases named tracker_bench_*; when it cannot be reached the
PostgreSQL half of a benchmark is reported as skipped.
"""
from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Self

from .generate import CACHE_DIR, cached

os.environ.setdefault("TRACKER_INSTANCE", str(CACHE_DIR / "instance"))
os.environ.setdefault("TRACKER_SECRET_KEY", "benchmark-secret-key")
os.environ["TRACKER_SCHEDULER"] = "off"

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get("TRACKER_BENCH_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BENCH_USER = "bench_admin"
BENCH_PASSWORD = "benchmark-password-not-secret"
_loaded: dict[tuple, Loaded] = {}  # (kind, anchor) → the database of this run


def today() -> date:
    from datetime import datetime

    from tracker.law.workdays import BEIJING

    return datetime.now(BEIJING).date()


# ---------------------------------------------------------------------------- databases

def sqlite_url(name: str) -> str:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def postgres_url(name: str) -> str | None:
    """A fresh, empty PostgreSQL database ``tracker_bench_<name>``; None when PostgreSQL is unreachable."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    database = f"tracker_bench_{name}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    except OperationalError as error:
        print(f"PostgreSQL unavailable ({str(error).splitlines()[0]}): skipped")
        return None
    finally:
        admin.dispose()
    return admin.url.set(database=database).render_as_string(hide_password=False)


def database_url(kind: str, name: str) -> str | None:
    return sqlite_url(name) if kind == "sqlite" else postgres_url(name)


def create_plain_app(url: str):
    from tracker import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def make_app(url: str):
    """An app on ``url`` with the schema migrated to head and the built-in rubrics installed."""
    from tracker.core.setup import initialise_database

    app = create_plain_app(url)
    with app.app_context():
        initialise_database()
    return app


def dispose(app) -> None:
    from tracker.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# ---------------------------------------------------------------------------- campaigns

@dataclass
class Loaded:
    app: object
    url: str
    campaign_ids: dict[int, int]  # targets → campaign id
    import_seconds: dict[int, float]


@dataclass
class Imported:
    campaign_id: int
    seconds: float  # wall clock
    cpu: float  # this process's CPU time (the database server's is not in it)
    statements: int


def import_campaign(app, targets: int, anchor: date) -> Imported:
    """Import the generated campaign through tracker.bundles.importer + one commit."""
    from sqlalchemy import select

    from tracker.bundles.importer import import_bundle
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    data = cached(targets, anchor=anchor)
    with app.app_context(), counting(app) as counter:
        started, cpu = time.perf_counter(), time.process_time()
        summary = import_bundle(None, data)
        db.session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.name == data["campaign"]["name"]))
        assert summary.created["requests"] == len(data["requests"]), summary.describe()
        db.session.remove()
    return Imported(campaign_id, seconds, cpu, counter.count)


def analyze(app) -> None:
    """PostgreSQL: refresh the planner statistics after a bulk load, as autovacuum does within a
    minute in production (autovacuum is off on this machine's test server). SQLite keeps none
    unless ANALYZE is run, and the app never runs it, so SQLite is measured without."""
    from tracker.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")


def ensure_bench_user(app) -> None:
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from tracker.extensions import db
    from tracker.users.models import User

    with app.app_context():
        if db.session.scalar(select(User.id).where(User.username == BENCH_USER)) is None:
            db.session.add(User(username=BENCH_USER, name="基准测试管理员", role="admin",
                                email="bench_admin@example.org", password_hash=generate_password_hash(BENCH_PASSWORD)))
            db.session.commit()
        db.session.remove()


def loaded(kind: str, targets_list: tuple[int, ...], anchor: date) -> Loaded | None:
    """A database of ``kind`` holding the generated campaigns (built once per process and reused)."""
    result = _loaded.get((kind, anchor))
    if result is None:
        url = database_url(kind, f"{kind}_{anchor:%Y%m%d}")
        if url is None:
            return None
        result = Loaded(make_app(url), url, {}, {})
        _loaded[(kind, anchor)] = result
    for targets in targets_list:
        if targets not in result.campaign_ids:
            imported = import_campaign(result.app, targets, anchor)
            result.campaign_ids[targets], result.import_seconds[targets] = imported.campaign_id, imported.seconds
    ensure_bench_user(result.app)
    analyze(result.app)
    return result


def remember(kind: str, anchor: date, value: Loaded) -> None:
    _loaded[(kind, anchor)] = value


# ---------------------------------------------------------------------------- measuring

class StatementCounter:
    """Counts the SQL statements sent to the database (a before_cursor_execute listener)."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _on_execute(self, *_args) -> None:
        self.count += 1

    def __enter__(self) -> Self:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *_exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._on_execute)


@contextmanager
def counting(app):
    from tracker.extensions import db

    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        yield counter


def timed(function: Callable[[], object], repeat: int = 1) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 40 samples is the 38th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}"


def verdict(ok: bool) -> str:
    return "达标 met" if ok else "未达标 MISSED"
