"""`billing invoice`'s evaluator on 1M generated events, against a bare orjson loop over the file.

Two workloads, each generated deterministically (fixed seeds) as JSON Lines in a temporary
directory, each timed against a bare loop (`for line in file: orjson.loads(line)`) over the same
file in the same run:

- **walkthrough**: the quickstart's token metric at scale, in a generated catalog: 200 customers
  (events by ID or ingest alias), calendar and contract-start monthly statements, a mid-month
  price change; tokens as integers and numeric strings; 1% re-sent duplicates. Each event feeds
  one product.
- **acme-ai**: the example catalog: completions feed two products (tiered tokens by model and
  project, volume-tiered unique users), storage snapshots a MAX metric with decimals, half of
  them JSON floats (decoded again exactly); 1% duplicates.

Each run is a fresh subprocess, so its peak memory (`ru_maxrss`) is its own; times are the best
of `BENCH_REPEAT` (3), CPU time next to wall time (the machine may be shared). Target: the
evaluator within 4x of the bare loop. `BENCH_EVENTS=100000 make bench` for a quicker run.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
BASE = 1790812800  # 2026-10-01T00:00:00Z
SPAN = 92 * 86400
CUSTOMERS = 200


def walkthrough_catalog(root: Path) -> Path:
    """The quickstart's metric, product and card (with a price change), for many customers."""
    customers = "\n".join(
        f"  c{n:03d}:\n    name: Customer {n}\n    ingest_aliases: [c{n:03d}@example.com]"
        for n in range(CUSTOMERS)
    )
    contracts = "\n".join(
        f"  c{n:03d}_2026:\n    customer: c{n:03d}\n    rate_card: list\n"
        f"    starting_at: 2026-{9 + n % 2:02d}-{1 + n % 28:02d}T00:00:00Z\n"
        f"    usage_statement_schedule: {{frequency: MONTHLY, day: "
        f"{'CONTRACT_START' if n % 3 == 0 else 'FIRST_OF_MONTH'}}}"
        for n in range(CUSTOMERS)
    )
    text = f"""version: 1
billable_metrics:
  tokens:
    name: Language model tokens
    event_type_filter: {{in_values: [langModel4]}}
    property_filters:
      - {{name: tokens, exists: true}}
      - {{name: user_id, exists: true}}
    aggregation_type: SUM
    aggregation_key: tokens
    group_keys: [[user_id]]
products:
  lm4:
    name: Language Model 4 Tokens (millions)
    type: usage
    billable_metric: tokens
    presentation_group_key: [user_id]
    quantity_conversion: {{conversion_factor: 1000000, operation: DIVIDE}}
rate_cards:
  list:
    name: List
    rates:
      - {{product: lm4, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT,
         price: 50}}
      - {{product: lm4, starting_at: 2026-11-15T00:00:00Z, entitled: true, rate_type: FLAT,
         price: 45}}
customers:
{customers}
contracts:
{contracts}
"""
    (root / "catalog.yaml").write_text(text)
    return root


def walkthrough_event(rng: random.Random, n: int) -> dict:
    customer = rng.randrange(CUSTOMERS)
    ref = f"c{customer:03d}" if rng.random() < 0.5 else f"c{customer:03d}@example.com"
    tokens: object = rng.randrange(1, 200000)
    if rng.random() < 0.2:
        tokens = str(tokens)
    return {
        "transaction_id": f"lm-{n:09d}",
        "customer_id": ref,
        "event_type": "langModel4",
        "timestamp": _stamp(rng),
        "properties": {"user_id": f"u{rng.randrange(20)}", "tokens": tokens},
    }


def acme_event(rng: random.Random, n: int) -> dict:
    event = {
        "transaction_id": f"tx-{n:09d}",
        "customer_id": rng.choice(
            ["acme-prod", "acme-staging", "acme_corp", "globex-main", "initech"]
        ),
        "timestamp": _stamp(rng),
    }
    if rng.random() < 0.9:
        tokens: object = rng.randrange(1, 200000)
        if rng.random() < 0.1:
            tokens = str(tokens)
        event["event_type"] = "completion"
        event["properties"] = {
            "model": rng.choice(["atlas", "zephyr"]),
            "project": f"p{rng.randrange(40)}",
            "tokens": tokens,
            "user_id": f"u{rng.randrange(3000)}",
        }
    else:
        gigabytes = rng.randrange(1, 500000) / 100
        value = str(gigabytes) if rng.random() < 0.5 else gigabytes  # floats: the exact path
        event["event_type"] = "storage_snapshot"
        event["properties"] = {"gigabytes": value}
    return event


def _stamp(rng: random.Random) -> str:
    seconds = BASE + rng.randrange(SPAN)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rng.randrange(1000):03d}Z"


def generate(path: Path, count: int, make_event, seed: int = 4) -> None:
    rng = random.Random(seed)
    with path.open("wb") as out:
        for n in range(count):
            if n and rng.random() < 0.01:  # an exact re-send of an earlier event
                n = rng.randrange(n)
            out.write(orjson.dumps(make_event(random.Random(n * 7919 + seed), n)) + b"\n")


MEASURE = """
import json, resource, sys, time
events, repeat, catalog_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if catalog_dir == "-":
    import orjson
    def work():
        loads = orjson.loads
        with open(events, "rb") as fh:
            for line in fh:
                loads(line)
    summary = {}
else:
    from billing_spec.catalog import build_catalog
    from billing_spec.evaluate import evaluate
    from billing_spec.events import read_events
    catalog, _ = build_catalog(catalog_dir)
    out = []
    def work():
        out[:] = [evaluate(catalog, read_events([events]), engine="python")]
walls, cpus = [], []
for _ in range(repeat):
    w, c = time.perf_counter(), time.process_time()
    work()
    walls.append(time.perf_counter() - w)
    cpus.append(time.process_time() - c)
summary = out[0][0].summary.to_json() if catalog_dir != "-" else {}
invoices = len(out[0][0]) if catalog_dir != "-" else 0
print(json.dumps({"wall": min(walls), "cpu": min(cpus), "summary": summary, "invoices": invoices,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _measure(events: Path, catalog: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(events), str(REPEAT), catalog],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _workload(report, name: str, catalog: Path, make_event, tmp: Path) -> None:
    path = tmp / f"{name}.jsonl"
    generate(path, EVENTS, make_event)
    bare = _measure(path, "-")
    result = _measure(path, str(catalog))
    size = path.stat().st_size / 1e6
    used = result["summary"]["events_used"]
    cpu_ratio = result["cpu"] / bare["cpu"]
    report(
        f"evaluate {name}: {EVENTS:,} events ({size:.0f} MB)",
        result["wall"],
        baseline=bare["wall"],
        target_ratio=4.0,
        extra=f"cpu {result['cpu']:.2f}s vs {bare['cpu']:.2f}s = {cpu_ratio:.2f}x; "
        f"peak {result['peak_kb'] / 1024:.0f} MiB (bare {bare['peak_kb'] / 1024:.0f} MiB);"
        f" {result['invoices']} invoices, {used:,} events used",
    )


def run(report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "walkthrough").mkdir()
        catalog = walkthrough_catalog(root / "walkthrough")
        _workload(report, "walkthrough", catalog, walkthrough_event, root)
        _workload(report, "acme-ai", ROOT / "catalogs" / "acme-ai", acme_event, root)
