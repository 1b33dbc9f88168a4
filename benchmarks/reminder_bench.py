"""The reminder job (tracker.reminders.job.run_reminders) over 100 000 open requests.

Goal (DESIGN.md §8): ≤ 15 s and ≤ 400 MB. The rows are written with bulk Core INSERTs (not through
the per-request operations): 2 500 counties × 40 open requests owned by 200 evaluators — replies
awaited with due dates from 30 working days ago to 30 ahead, 补正 requested, consultations
paused, letters posted and not signed for. Each run is its own subprocess, so its peak RSS is
the job's: a dry run, the real run (+ commit: outbox and reminder records) on the previous
working day — a catch-up, nothing having been sent before, so every
reminder due is written — then the next day's run (only what became due since) and that day
again (nothing new). SQLite and PostgreSQL. The memory figure is the child process's peak
(VmHWM: interpreter, app and job together), with its size before the job.
Run: scripts/bench reminder_bench   (exit status 0 when every run meets both goals)
"""
from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

from tracker.law.workdays import WorkCalendar

from . import _support as s

REQUESTS = 100_000
PER_TARGET = 40
EVALUATORS = 200
GOAL_SECONDS = 15.0
GOAL_MB = 400.0
CHUNK = 5_000


def working_today() -> date:
    cal, day = WorkCalendar(), s.today()
    return day if cal.is_working_day(day) else cal.add(day, -1)


def populate(app, today: date) -> dict[str, int]:
    """Bulk-insert the users, the campaign, its targets, the open requests and their 补正 events."""
    from sqlalchemy import func, insert, select

    from tracker.campaigns.models import Campaign, Target
    from tracker.extensions import db
    from tracker.requests.models import MockRequest, RequestEvent
    from tracker.users.models import User
    from tracker.law.workdays import WorkCalendar

    cal, rng = WorkCalendar(), random.Random(100_000)
    targets = REQUESTS // PER_TARGET
    with app.app_context():
        db.session.execute(insert(User), [
            {"username": f"rem_e{i:03d}", "name": f"提醒测试{i:03d}（虚构）", "role": "evaluator",
             "email": f"rem_e{i:03d}@example.org" if i % 25 else None,
             "remind_working_days": 5 if i % 10 == 0 else None} for i in range(EVALUATORS)])
        owners = list(db.session.scalars(select(User.id).where(User.username.like("rem_e%")).order_by(User.id)))
        db.session.execute(insert(Campaign), [{"name": "提醒基准测试（10万条未结申请）", "year": today.year,
                                              "rubric_code": "wuwei-2020-county"}])
        campaign_id = db.session.scalar(select(Campaign.id))
        db.session.execute(insert(Target), [{"campaign_id": campaign_id, "key": f"r{i:05d}",
                                            "name": f"提醒测试{i:05d}县（虚构）"} for i in range(targets)])
        target_ids = list(db.session.scalars(select(Target.id).order_by(Target.id)))
        shift = {offset: cal.add(today, offset) for offset in range(-60, 31)}
        rows, clarifications = [], []
        for index in range(REQUESTS):
            target_id = target_ids[index // PER_TARGET]
            kind = rng.random()
            row = {"campaign_id": campaign_id, "target_id": target_id, "key": f"R{index:06d}",
                   "owner_id": owners[(index // PER_TARGET) % EVALUATORS], "purpose": "other",
                   "subject": "提醒基准测试申请", "voided": False, "letter_returned": False, "provisional": False}
            if kind < 0.80:  # awaiting a reply; due from 30 working days ago to 30 ahead
                received = shift[rng.randint(-50, 10)]
                due = cal.add(received, 20)
                row |= {"channel": rng.choice(("online", "oral", "mail")), "status": "awaiting_reply",
                        "receipt_date": received, "due_date": due}
            elif kind < 0.90:  # 补正 requested, clock stopped
                received = shift[rng.randint(-12, -2)]
                row |= {"channel": "online", "status": "awaiting_clarification", "receipt_date": received}
                clarifications.append((index, cal.add(received, rng.randint(1, 2))))
            elif kind < 0.95:  # consultation open
                received = shift[rng.randint(-30, -6)]
                row |= {"channel": "online", "status": "paused", "receipt_date": received}
            else:  # letter posted, not yet signed for
                posted = shift[rng.randint(-12, -1)]
                row |= {"channel": "mail", "status": "not_received", "letter_posted_on": posted}
            row["submitted_at"] = datetime.combine(row.get("receipt_date") or row.get("letter_posted_on"),
                                                   datetime.min.time()) + timedelta(hours=2)
            rows.append(row)
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(MockRequest), rows[start:start + CHUNK])
        ids = dict(db.session.execute(select(MockRequest.key, MockRequest.id)).all())
        events = [{"request_id": ids[f"R{index:06d}"], "type": "clarification_requested", "on": on}
                  for index, on in clarifications]
        for start in range(0, len(events), CHUNK):
            db.session.execute(insert(RequestEvent), events[start:start + CHUNK])
        db.session.commit()
        counts = dict(db.session.execute(select(MockRequest.status, func.count()).group_by(MockRequest.status)).all())
        db.session.remove()
    s.analyze(app)
    return counts


def memory_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB.

    Linux: VmRSS and VmHWM, which start afresh in a new process; getrusage's ru_maxrss is kept
    across fork and exec (getrusage(2)), so a child would report its parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


def child(url: str, today: str, mode: str) -> None:
    """One run of the job in this process; prints its figures as JSON on the last line."""
    from tracker.calendar.service import current_calendar
    from tracker.extensions import db
    from tracker.reminders.job import run_reminders

    app = s.create_plain_app(url)
    with app.app_context():
        current_calendar()  # connected, calendar built: the process as the scheduler has it before a run
        db.session.remove()
    baseline = memory_mb()[0]
    with app.app_context(), s.counting(app) as counter:
        started, cpu = time.perf_counter(), time.process_time()
        report = run_reminders(date.fromisoformat(today), dry_run=(mode == "dry"))
        if mode == "dry":
            db.session.rollback()
        else:
            db.session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = memory_mb()[1]
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "baseline_mb": baseline,
                      "open": report.open_requests, "reminders": report.reminder_count,
                      "recipients": len(report.recipients), "statements": counter.count}))


def run_child(url: str, today: date, mode: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "benchmarks.reminder_bench", "--child", url, today.isoformat(),
                             mode], capture_output=True, text=True, check=False, env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
                            cwd=str(s.ROOT))
    if result.returncode != 0:
        raise RuntimeError(f"reminder child failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(kinds: tuple[str, ...] = ("sqlite", "postgresql")) -> int:
    today = working_today()
    ok = True
    print(f"machine: {s.machine()}")
    for kind in kinds:
        url = s.database_url(kind, "reminders")
        if url is None:
            continue
        app = s.make_app(url)
        started = time.perf_counter()
        counts = populate(app, today)
        s.dispose(app)
        print(f"{kind}: {sum(counts.values()):,} open requests ({', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}) "
              f"bulk-inserted in {time.perf_counter() - started:.1f} s; job days {WorkCalendar().add(today, -1)}, {today}")
        yesterday = WorkCalendar().add(today, -1)
        runs = (("dry", today, "dry run (selection only)"),
                ("real", yesterday, "catch-up run + commit"),  # nothing sent before: every reminder due
                ("real", today, "next day's run + commit"),  # only what became due since
                ("real", today, "same day again (nothing)"))
        for mode, day, label in runs:
            figures = run_child(url, day, mode)
            met = figures["seconds"] <= GOAL_SECONDS and figures["peak_mb"] <= GOAL_MB
            ok &= met
            print(f"  {label:26} {figures['seconds']:6.2f} s (cpu {figures['cpu']:5.2f} s)  ratio to the goal "
                  f"{figures['seconds'] / GOAL_SECONDS:.2f}   peak RSS {figures['peak_mb']:6.1f} MB "
                  f"(RSS before the job {figures['baseline_mb']:.0f} MB) ratio to the goal "
                  f"{figures['peak_mb'] / GOAL_MB:.2f}   {figures['open']:,} open, {figures['reminders']:,} reminders "
                  f"to {figures['recipients']} recipients, {figures['statements']} SQL  {s.verdict(met)}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
        sys.exit(0)
    sys.exit(main(tuple(sys.argv[1:]) or ("sqlite", "postgresql")))
