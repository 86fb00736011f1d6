"""Invoices that scale with events and line items, not contracts x rates; aliases that do not
multiply work (issue 13 items 9 and 10). Inputs from `benchmarks.scale_inputs`.

Each command runs as the installed `billing` in its own process (its peak memory, `ru_maxrss`
from `wait4`, is its own), best wall time of `BENCH_REPEAT` (3) for the quick ones, one run
for the large one:

- **wide catalog**: `BENCH_WIDE` resources (default 10,000: 2,000 usage products on one card,
  ~4,000 customers with a contract each) and 5 events. `billing invoice` against `billing
  validate` of the same catalog. Target: at most 3x, under 500 MB.
- **many line items**: `BENCH_LINES` events (default 2,000,000), each its own line item, over
  1,000 customers. `billing invoice > /dev/null` against a bare orjson loop over the file.
  Target: under 2 minutes and 4 GB.
- **alias fan-out**: 1,000 customers aliasing one anchor of 990 ingest aliases; `billing
  validate` against the same catalog with the anchor used once. Prints how many lines of
  diagnostics it writes (one error: the shared anchor).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.scale_inputs import alias_fanout, many_lines, wide_card

BILLING = str(Path(sys.executable).with_name("billing"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
WIDE = int(os.environ.get("BENCH_WIDE", "10000"))
LINES = int(os.environ.get("BENCH_LINES", "2000000"))

CPU: list[float] = []

BARE = """
import sys, orjson
loads = orjson.loads
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        loads(line)
"""


def _run(command: list[str], output: bool = False) -> tuple[float, float, str]:
    """(wall seconds, peak MiB, what it printed) of one run; stdout is discarded unless
    `output` (stderr is always kept). The CPU seconds go to `CPU[-1]` (the machine may be
    shared: CPU time is what the run itself needed)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        out = err if output else subprocess.DEVNULL
        proc = subprocess.Popen(command, stdout=out, stderr=err)
        _, _, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        CPU.append(usage.ru_utime + usage.ru_stime)
        err.seek(0)
        text = err.read().decode(errors="replace")
    return wall, usage.ru_maxrss / 1024, text


def _best(
    command: list[str], repeat: int = REPEAT, output: bool = False
) -> tuple[float, float, str]:
    runs = [_run(command, output) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def _wide(report, tmp: Path) -> None:
    metrics, rates = 10, min(2000, WIDE // 5)
    contracts = max(1, (WIDE - metrics - rates) // 2)  # resources: ~WIDE
    root = wide_card(tmp, contracts=contracts, rates=rates, events=5, metrics=metrics)
    resources = metrics + rates + 1 + 2 * contracts
    validate, validate_peak, _ = _best([BILLING, "validate", str(root)])
    invoice, peak, _ = _best(
        [BILLING, "invoice", str(root), "--events", str(root / "events.jsonl")]
    )
    report(
        f"invoice {resources:,}-resource catalog, 5 events",
        invoice,
        baseline=validate,
        target_ratio=3.0,
        extra=f"peak {peak:.0f} MiB (target < 500: {'ok' if peak < 500 else 'MISSED'}; "
        f"validate {validate_peak:.0f} MiB)",
    )


def _lines(report, tmp: Path) -> None:
    root = many_lines(tmp, events=LINES, customers=1000)
    events = root / "events.jsonl"
    repeat = 1 if LINES > 200_000 else REPEAT
    bare, bare_peak, _ = _best([sys.executable, "-c", BARE, str(events)], repeat)
    wall, peak, _ = _best([BILLING, "invoice", str(root), "--events", str(events)], repeat)
    cpu = min(CPU[-repeat:])
    size = events.stat().st_size / 1e6
    report(
        f"invoice {LINES:,} events -> {LINES:,} line items ({size:.0f} MB)",
        wall,
        baseline=bare,
        target_seconds=120.0,
        extra=f"cpu {cpu:.1f}s; peak {peak:.0f} MiB "
        f"(target < 4096: {'ok' if peak < 4096 else 'MISSED'}; bare {bare_peak:.0f} MiB)",
    )


def _aliases(report, tmp: Path) -> None:
    (tmp / "fanout").mkdir()
    (tmp / "once").mkdir()
    alias_fanout(tmp / "fanout", customers=1000, aliases=990)
    alias_fanout(tmp / "once", customers=1, aliases=990)
    once, _, _ = _best([BILLING, "validate", str(tmp / "once")])
    wall, peak, err = _best([BILLING, "validate", str(tmp / "fanout")], output=True)
    report(
        "validate 1,000 customers x 990 aliased aliases",
        wall,
        baseline=once,
        extra=f"peak {peak:.0f} MiB; {err.count('error[')} error(s) printed, "
        f"{len(err.splitlines())} lines of output",
    )


def run(report) -> None:
    for name, bench in (("wide", _wide), ("lines", _lines), ("aliases", _aliases)):
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            bench(report, Path(tmp))
