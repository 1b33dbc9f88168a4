"""OCR of reply letters on the generated corpus (tests/ocr/corpus.py), goals of DESIGN.md §10.6.

Character accuracy on the clean 300-dpi scans ≥ 95 %, outcome right ≥ 90 %, each content check's
F1 ≥ 0.9, and ≤ 4 s a page on 2 cores; date, 文号 and seal accuracy are reported too.
Speed is judged on the process's CPU seconds per page (all threads summed): the machine is shared, so
wall time measures the neighbours; CPU seconds ≤ 4 means ≤ 4 s a page even on one idle core. The
wall time and the load average are printed beside it.
Run: python -m benchmarks.ocr_bench [COUNT]   (exit status 0 when every goal is met)
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

CHECKS = ("told_route", "provided_or_route_and_time", "reasons_given", "special_law_referral", "remedy_notice",
          "fee_charged")
GOALS = {"chars": 0.95, "outcome": 0.90, "f1": 0.90, "seconds": 4.0}


def _plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_accuracy(expected: str, got: str) -> float:
    expected, got = _plain(expected), _plain(got)
    return max(0.0, 1 - edit_distance(expected, got) / max(1, len(expected)))


def f1(pairs: list[tuple[bool, bool | None]]) -> float:
    tp = sum(1 for truth, got in pairs if truth and got)
    fp = sum(1 for truth, got in pairs if not truth and got)
    fn = sum(1 for truth, got in pairs if truth and not got)
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def measure(count: int) -> dict:
    from tests.ocr.corpus import generate
    from tracker.ocr import engine
    from tracker.ocr.reading import read_scan

    with tempfile.TemporaryDirectory(prefix="ocr-bench-") as folder:
        samples = generate(Path(folder), count)
        engine.engine()  # the models load once per process, outside the timing
        rows, seconds, cpu, pages = [], 0.0, 0.0, 0
        for sample in samples:
            started, cpu_started = time.perf_counter(), time.process_time()
            read, got = read_scan(sample.path)
            seconds += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            pages += len(read)
            rows.append((sample.truth, got.as_json()))
    return {"rows": rows, "seconds": seconds, "cpu": cpu, "pages": pages}


def report(result: dict) -> int:
    rows = result["rows"]
    clean = [char_accuracy(t["text"], g["text"]) for t, g in rows if t["clean"]]
    every = [char_accuracy(t["text"], g["text"]) for t, g in rows]
    share = lambda hits: sum(hits) / len(hits)  # noqa: E731
    figures = {
        "chars": sum(clean) / len(clean),
        "outcome": share([t["outcome"] == g["outcome"] for t, g in rows]),
        "date": share([t["letter_date"] == g["letter_date"] for t, g in rows]),
        "doc_number": share([t["doc_number"] == g["doc_number"] for t, g in rows]),
        "seal": share([t["sealed"] == g["sealed"] for t, g in rows]),
        "seconds": result["cpu"] / result["pages"],
        "wall": result["seconds"] / result["pages"],
    }
    f1s = {name: f1([(t["checks"][name], g["checks"][name]) for t, g in rows]) for name in CHECKS}
    print(f"{len(rows)} letters ({len(clean)} clean 300-dpi scans), {result['pages']} pages")
    print(f"character accuracy, clean scans: {figures['chars']:.1%}  (all scans {sum(every) / len(every):.1%}; "
          f"goal ≥ {GOALS['chars']:.0%})")
    print(f"outcome right: {figures['outcome']:.1%} (goal ≥ {GOALS['outcome']:.0%})")
    for name, value in f1s.items():
        print(f"F1 {name}: {value:.3f} (goal ≥ {GOALS['f1']})")
    print(f"letter date exact: {figures['date']:.1%}; 文号 exact: {figures['doc_number']:.1%}; "
          f"seal right: {figures['seal']:.1%}")
    print(f"CPU seconds per page: {figures['seconds']:.2f} (goal ≤ {GOALS['seconds']}); wall {figures['wall']:.2f} s "
          f"with load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for truth, got in rows:
        if truth["outcome"] != got["outcome"]:
            print(f"  outcome miss {truth['file']}: expected {truth['outcome']}, got {got['outcome']}")
    ok = (figures["chars"] >= GOALS["chars"] and figures["outcome"] >= GOALS["outcome"]
          and min(f1s.values()) >= GOALS["f1"] and figures["seconds"] <= GOALS["seconds"])
    return 0 if ok else 1


def main(count: int = 45) -> int:
    from tracker.ocr.engine import available

    ready, reason = available()
    if not ready:
        print(f"skipped: {reason}")
        return 1
    return report(measure(count))


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 45))
