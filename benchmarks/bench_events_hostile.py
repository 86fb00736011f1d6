"""Hostile event files (issue 13, item 2): read at the speed of decompressing them, in flat memory.

- a gzip of blank lines (the issue's 40M blank lines in a 39 KB gzip took 103 s): the reader
  against a bare loop that only inflates the same file; target within 3x;
- a gzip that inflates to one huge line (1.6 GB took 4.8 GB of memory): the reader skips it
  (W950, 1 MiB limit) against the same bare loop; the peak memory is printed, target under
  64 MiB above the bare loop's.

Sizes scale with `BENCH_EVENTS` (default 1,000,000): 40 blank lines and 200 bytes of the long
line per event (at least 2 MiB), so the default run is 40M blank lines and a 200 MB line.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINE = 1 << 20  # billing_spec.events.rules.MAX_LINE_BYTES
EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))

MEASURE = """
import gzip, json, resource, sys, time
path, repeat, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if mode == "bare":
    def work():
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
        return {}
else:
    from billing_spec.events import read_events
    def work():
        stream = read_events([path])
        for _ in stream:
            pass
        return {"read": stream.counts.read, "malformed": stream.counts.malformed}
walls = []
for _ in range(repeat):
    start = time.perf_counter()
    counts = work()
    walls.append(time.perf_counter() - start)
print(json.dumps({"wall": min(walls), "counts": counts,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _measure(path: Path, mode: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(REPEAT), mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _write(path: Path, chunks) -> None:
    with gzip.open(path, "wb", compresslevel=9) as fh:
        for chunk in chunks:
            fh.write(chunk)


def _blank_lines(count: int):
    block = b"\n" * (1 << 20)
    for _ in range(count >> 20):
        yield block
    yield b"\n" * (count & ((1 << 20) - 1))
    yield b'{"transaction_id":"t1","customer_id":"c","event_type":"e",'
    yield b'"timestamp":"2026-10-01T00:00:00Z"}\n'


def _long_line(size: int):
    yield b'{"transaction_id":"'
    block = b"a" * (1 << 20)
    for _ in range(size >> 20):
        yield block
    yield b"a" * (size & ((1 << 20) - 1))
    yield b'","customer_id":"c","event_type":"e","timestamp":"2026-10-01T00:00:00Z"}\n'


def run(report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        blank = Path(tmp) / "blank.jsonl.gz"
        lines = 40 * EVENTS
        _write(blank, _blank_lines(lines))
        bare, read = _measure(blank, "bare"), _measure(blank, "read")
        assert read["counts"] == {"read": 1, "malformed": 0}, read
        report(
            f"read {lines:,} blank lines ({blank.stat().st_size / 1e3:.0f} KB gzip)",
            read["wall"],
            baseline=bare["wall"],
            target_ratio=3.0,
        )

        long = Path(tmp) / "long.jsonl.gz"
        size = max(200 * EVENTS, 2 * MAX_LINE)
        _write(long, _long_line(size))
        bare, read = _measure(long, "bare"), _measure(long, "read")
        assert read["counts"] == {"read": 1, "malformed": 1}, read
        extra_mib = (read["peak_kb"] - bare["peak_kb"]) / 1024
        report(
            f"read one {size / 1e6:,.0f} MB line ({long.stat().st_size / 1e3:.0f} KB gzip)",
            read["wall"],
            baseline=bare["wall"],
            extra=f"peak {read['peak_kb'] / 1024:.0f} MiB vs bare {bare['peak_kb'] / 1024:.0f} "
            f"MiB: +{extra_mib:.0f} MiB (target < 64: {'ok' if extra_mib < 64 else 'MISSED'})",
        )
