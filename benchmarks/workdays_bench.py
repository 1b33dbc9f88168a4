"""Bulk N-th working day: WorkCalendar.add against holidays' own get_nth_working_day.

Goal (DESIGN.md §8): ≥ 30× faster, identical answers on 100 000 random dates 2019–2026.
Run: python -m benchmarks.workdays_bench   (exit status 0 when both goals are met)
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta

import holidays

from tracker.law.workdays import HOLIDAY_LANGUAGE, WorkCalendar

SAMPLES = 100_000
SEED = 20200901
FIRST, LAST = date(2019, 1, 1), date(2026, 12, 31)
MAX_STEPS = 40
SPEED_GOAL = 30.0


def random_questions(count: int, seed: int) -> list[tuple[date, int]]:
    rng = random.Random(seed)
    span = (LAST - FIRST).days
    return [
        (FIRST + timedelta(days=rng.randint(0, span)), rng.randint(1, MAX_STEPS))
        for _ in range(count)
    ]


def timed(function, questions: list[tuple[date, int]]) -> tuple[list[date], float]:
    started = time.perf_counter()
    answers = [function(start, n) for start, n in questions]
    return answers, time.perf_counter() - started


def main() -> int:
    questions = random_questions(SAMPLES, SEED)
    started = time.perf_counter()
    cal = WorkCalendar()
    build_seconds = time.perf_counter() - started
    # Years up to 2027 are populated up front so the reference is not timed expanding them.
    reference = holidays.country_holidays(
        "CN", years=range(2018, 2028), language=HOLIDAY_LANGUAGE
    )
    ours, our_seconds = timed(cal.add, questions)
    theirs, their_seconds = timed(reference.get_nth_working_day, questions)
    mismatches = [
        (start, n, mine, expected)
        for (start, n), mine, expected in zip(questions, ours, theirs)
        if mine != expected
    ]
    ratio = their_seconds / our_seconds
    agreement = 100.0 * (SAMPLES - len(mismatches)) / SAMPLES
    print(
        f"workdays benchmark: {SAMPLES:,} random dates {FIRST}..{LAST}, "
        f"n in 1..{MAX_STEPS}, seed {SEED}"
    )
    print("reference: holidays.get_nth_working_day on every question (no sampling)")
    print(f"WorkCalendar build (2000-2045, once per process): {build_seconds * 1e3:8.1f} ms")
    for label, seconds in (
        ("WorkCalendar.add", our_seconds),
        ("holidays.get_nth_working_day", their_seconds),
    ):
        print(f"{label:30} {seconds:8.3f} s  {seconds / SAMPLES * 1e6:7.2f} µs/call")
    print(f"speed ratio: {ratio:.1f}x (goal >= {SPEED_GOAL:.0f}x)")
    print(f"agreement: {agreement:.3f}% ({len(mismatches)} mismatches)")
    for start, n, mine, expected in mismatches[:20]:
        print(f"  mismatch: {start} + {n}: WorkCalendar {mine}, holidays {expected}")
    return 0 if ratio >= SPEED_GOAL and not mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
