"""Timing helpers shared by the benchmarks: best-of-N wall time and a one-line report.

`BENCH_REPEAT` (default 3) sets N for every benchmark."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def best_of(fn: Callable[[], Any], repeat: int = REPEAT) -> float:
    """The fastest of `repeat` runs of `fn`, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def report(
    name: str,
    seconds: float,
    *,
    baseline: float | None = None,
    target_ratio: float | None = None,
    target_seconds: float | None = None,
    extra: str = "",
) -> bool:
    """Print one result line; returns whether the target (if any) was met."""
    parts = [f"{name:<46} {seconds:8.3f}s"]
    ok = True
    if baseline is not None:
        ratio = seconds / baseline if baseline else float("inf")
        parts.append(f"baseline {baseline:7.3f}s  ratio {ratio:5.2f}x")
        if target_ratio is not None:
            ok = ratio <= target_ratio
            parts.append(f"(target <= {target_ratio:g}x: {'ok' if ok else 'MISSED'})")
    if target_seconds is not None:
        ok = seconds <= target_seconds
        parts.append(f"(target <= {target_seconds:g}s: {'ok' if ok else 'MISSED'})")
    if extra:
        parts.append(extra)
    print("  ".join(parts), flush=True)
    return ok
