"""`make bench` keeps working: every benchmark runs to the end on a small workload.

This times nothing (speed is `make bench`'s business, ratios against a baseline in the same
run); it fails when a benchmark breaks, e.g. when the code it drives changes under it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_benchmark_runs_on_a_small_workload():
    env = {
        **os.environ,
        "BENCH_EVENTS": "2000",
        "BENCH_REPEAT": "1",
        "BENCH_LINES": "2000",
        "BENCH_WIDE": "500",
    }
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    printed = result.stdout
    for name in (
        "bench_apply",
        "bench_evaluate",
        "bench_fmt",
        "bench_plan",
        "bench_scale",
        "bench_validate",
    ):
        assert f"# {name}\n" in printed
    assert "evaluate walkthrough: 2,000 events" in printed
    assert "read 80,000 blank lines" in printed and "read one 2 MB line" in printed
    assert "plan 5,000 resources vs empty state" in printed
    assert "invoice 2,000 events -> 2,000 line items" in printed
    assert "1 error(s) printed" in printed  # the alias fan-out: one error at the anchor
    assert "apply 4,000 resources (local provider)" in printed
