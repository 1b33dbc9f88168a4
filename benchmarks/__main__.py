"""Run every benchmark (or the named ones) and exit non-zero if any goal is missed."""
from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["workdays_bench", "import_bench", "report_bench", "reminder_bench", "pages_bench", "national_bench",
              "ocr_bench"]


def main(names: list[str]) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # each figure as soon as it is measured
    failed = []
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n== {name} ==", flush=True)
        if module.main() != 0:
            failed.append(name)
    if failed:
        print(f"\n未达标 / goals missed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
