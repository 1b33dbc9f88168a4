"""The generated corpus through the real OCR. Slow (a minute and more): it runs with TRACKER_SLOW=1;
`scripts/bench ocr_bench` reports the same figures on a larger corpus."""
from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("TRACKER_SLOW") != "1", reason="slow OCR corpus: set TRACKER_SLOW=1")]


def test_generated_corpus_meets_the_goals(tmp_path):
    pytest.importorskip("rapidocr")
    from benchmarks.ocr_bench import CHECKS, char_accuracy, f1
    from tracker.ocr.reading import read_scan

    from .corpus import fonts_available, generate

    if not fonts_available():
        pytest.skip("fonts-noto-cjk is not installed")
    rows = []
    for sample in generate(tmp_path, count=18, seed=7):
        _pages, found = read_scan(sample.path)
        rows.append((sample.truth, found.as_json()))
    clean = [char_accuracy(t["text"], g["text"]) for t, g in rows if t["clean"]]
    assert sum(clean) / len(clean) >= 0.95
    assert sum(t["outcome"] == g["outcome"] for t, g in rows) / len(rows) >= 0.9
    for name in CHECKS:
        assert f1([(t["checks"][name], g["checks"][name]) for t, g in rows]) >= 0.9, name
    assert sum(t["sealed"] == g["sealed"] for t, g in rows) / len(rows) >= 0.9
