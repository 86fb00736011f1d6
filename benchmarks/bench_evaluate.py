"""`billing invoice`'s evaluator on 1M generated events, against a bare orjson loop over the file.

The events are generated deterministically (a fixed seed) for the acme-ai example catalog and
written as JSON Lines to a temporary directory: completions (tokens by model and project, users)
and storage snapshots, over three customers (IDs and ingest aliases) and three months, with a
mix of integers, numeric strings and decimal numbers, and a few duplicates. Both timings run in
fresh subprocesses, so each one's peak memory (`ru_maxrss`) is its own. Target: the evaluator
within 4x of the bare loop. `BENCH_EVENTS=100000 make bench` for a quicker run.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "catalogs" / "acme-ai"
EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))

CUSTOMERS = ["acme-prod", "acme-staging", "acme_corp", "globex-main", "initech"]
MODELS = ["atlas", "zephyr"]


def generate(path: Path, count: int, seed: int = 4) -> None:
    rng = random.Random(seed)
    base = 1790812800  # 2026-10-01T00:00:00Z
    span = 92 * 86400
    with path.open("wb") as out:
        for n in range(count):
            if n and rng.random() < 0.01:  # an exact re-send of an earlier event
                n = rng.randrange(n)
            out.write(orjson.dumps(_event(random.Random(n * 7919 + seed), n, base, span)) + b"\n")


def _event(rng: random.Random, n: int, base: int, span: int) -> dict:
    seconds = base + rng.randrange(span)
    stamp = f"{_iso(seconds)}.{rng.randrange(1000):03d}Z"
    event = {"transaction_id": f"tx-{n:09d}", "customer_id": rng.choice(CUSTOMERS),
             "timestamp": stamp}
    if rng.random() < 0.9:
        tokens: object = rng.randrange(1, 200000)
        if rng.random() < 0.1:
            tokens = str(tokens)
        event["event_type"] = "completion"
        event["properties"] = {"model": rng.choice(MODELS), "project": f"p{rng.randrange(40)}",
                               "tokens": tokens, "user_id": f"u{rng.randrange(3000)}"}
    else:
        gigabytes = rng.randrange(1, 500000) / 100
        value = str(gigabytes) if rng.random() < 0.5 else gigabytes  # floats: the exact path
        event["event_type"] = "storage_snapshot"
        event["properties"] = {"gigabytes": value}
    return event


def _iso(seconds: int) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


BARE = """
import orjson, resource, sys, time
from benchmarks.harness import best_of
def bare():
    loads = orjson.loads
    with open(sys.argv[1], "rb") as fh:
        for line in fh:
            loads(line)
seconds = best_of(bare, repeat=int(sys.argv[2]))
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

EVALUATE = """
import json, resource, sys, time
from benchmarks.harness import best_of
from billing_spec.catalog import build_catalog
from billing_spec.evaluate import evaluate
from billing_spec.events import read_events
catalog, _ = build_catalog(sys.argv[3])
result = []
def run():
    result[:] = [evaluate(catalog, read_events([sys.argv[1]]))]
seconds = best_of(run, repeat=int(sys.argv[2]))
invoices, diagnostics = result[0]
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      json.dumps(invoices.summary.to_json()), len(invoices))
"""


def _measure(script: str, *args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return proc.stdout.split(maxsplit=2)


def run(report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "events.jsonl")
        generate(path, EVENTS)
        size = path.stat().st_size / 1e6
        bare_s, bare_kb = _measure(BARE, str(path), str(REPEAT))
        seconds, peak_kb, rest = _measure(EVALUATE, str(path), str(REPEAT), str(CATALOG))
        summary, invoices = rest.rsplit(" ", 1)
        used = json.loads(summary)["events_used"]
        report(f"evaluate: {EVENTS:,} events ({size:.0f} MB)", float(seconds),
               baseline=float(bare_s), target_ratio=4.0,
               extra=f"peak {int(peak_kb) / 1024:.0f} MiB (bare loop {int(bare_kb) / 1024:.0f} "
                     f"MiB); {invoices} invoices, {used:,} events used")
