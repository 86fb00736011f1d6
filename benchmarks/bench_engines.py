# ruff: noqa: E501 (a catalog written inline, one rate per line)
"""Both aggregation engines against the floor of their kind, on the same files in the same run.

Generates `N` events (default 2,000,000; `make bench N=10000000` for the large run;
`BENCH_EVENTS` when `N` is not set) for 1,000 customers with 2% re-sent duplicates, as JSON Lines
plain and gzip, and times `billing invoice` (the library call, in a fresh process) with each
engine, each against its floor doing the same de-duplication, filter and group-by:

- **DuckDB floor**: one bare SQL query over the file (`read_json ... WITH ORDINALITY`, first copy
  of each transaction_id, `event_type` filter, sum per customer);
- **Python floor**: an orjson loop (a set of seen transaction IDs, the filter, a dict of sums).

Prints wall time, the ratio to the floor, and peak memory (each run is its own process). With
the DuckDB engine, the plain file is also invoiced with the tokens metric written as a SQL
billable metric (per statement period, then per hour), against the DuckDB engine's own run of
the streaming metric (no target).
Targets on a 2-core machine: DuckDB engine <= 2.0x its floor at 2M events; 10M events through
DuckDB under 15 s and 3 GB; Python engine <= 3.0x its floor. `ENGINES=duckdb` skips the Python
engine (for the 10M run).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("N") or os.environ.get("BENCH_EVENTS") or "2000000")
ENGINES = (os.environ.get("ENGINES") or "duckdb,python").split(",")
CUSTOMERS = 1000
BASE = 1790812800  # 2026-10-01T00:00:00Z
SPAN = 61 * 86400


def catalog(root: Path) -> Path:
    customers = "\n".join(
        f"  c{n:04d}: {{name: Customer {n}, ingest_aliases: [c{n:04d}@example.com]}}"
        for n in range(CUSTOMERS)
    )
    contracts = "\n".join(
        f"  k{n:04d}: {{customer: c{n:04d}, rate_card: list, starting_at: 2026-10-01T00:00:00Z}}"
        for n in range(CUSTOMERS)
    )
    (root / "catalog.yaml").write_text(
        f"""version: 1
billable_metrics:
  tokens:
    name: Tokens
    event_type_filter: {{in_values: [completion]}}
    property_filters: [{{name: tokens, exists: true}}, {{name: model, exists: true}}]
    aggregation_type: SUM
    aggregation_key: tokens
    group_keys: [[model]]
products:
  tokens: {{name: Tokens, type: usage, billable_metric: tokens, pricing_group_key: [model],
           quantity_conversion: {{conversion_factor: 1000000, operation: DIVIDE}}}}
rate_cards:
  list:
    name: List
    rates:
      - {{product: tokens, pricing_group_values: {{model: atlas}}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 50}}
      - {{product: tokens, pricing_group_values: {{model: atlas}}, starting_at: 2026-10-15T00:00:00Z, entitled: true, rate_type: FLAT, price: 45}}
      - {{product: tokens, pricing_group_values: {{model: zephyr}}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 80}}
customers:
{customers}
contracts:
{contracts}
"""
    )
    return root


SQL_METRIC = """    sql: "SELECT properties.model AS model, SUM(CAST(properties.tokens AS DECIMAL(20, 0))) AS value FROM events WHERE event_type = 'completion' GROUP BY 1"
"""


def sql_catalog(root: Path, granularity: str) -> Path:
    """The catalog with the tokens metric written as a SQL billable metric, run per
    `granularity` (SERVICE_PERIOD or HOUR)."""
    text = (catalog(root) / "catalog.yaml").read_text()
    start = text.index("    event_type_filter:")
    text = text[:start] + SQL_METRIC + text[text.index("products:") :]
    text = text.replace(
        "pricing_group_key: [model],",
        f"pricing_group_key: [model], sql_breakdown_granularity: {granularity},",
    )
    (root / "catalog.yaml").write_text(text)
    return root


def generate(path: Path, count: int, seed: int = 10) -> None:
    rng = random.Random(seed)
    stamps = [time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(BASE + s)) for s in range(0, SPAN, 60)]
    with path.open("wb") as out:
        lines = []
        for n in range(count):
            m = rng.randrange(n) if n and rng.random() < 0.02 else n  # 2% re-sent duplicates
            r = random.Random(m)
            c = r.randrange(CUSTOMERS)
            event = {
                "transaction_id": f"tx-{m:09d}",
                "customer_id": f"c{c:04d}" if r.random() < 0.5 else f"c{c:04d}@example.com",
                "event_type": "completion" if r.random() < 0.95 else "other",
                "timestamp": f"{r.choice(stamps)}.{r.randrange(1000):03d}Z",
                "properties": {
                    "model": r.choice(["atlas", "zephyr"]),
                    "tokens": r.randrange(1, 9999),
                },
            }
            lines.append(orjson.dumps(event))
            if len(lines) >= 100000:
                out.write(b"\n".join(lines) + b"\n")
                lines = []
        if lines:
            out.write(b"\n".join(lines) + b"\n")


MEASURE = """
import json, sys, time
kind, events, catalog_dir = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
if kind == "duckdb-floor":
    import duckdb
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f'''SELECT customer_id, properties.model, sum(properties.tokens) FROM (
        SELECT *, row_number() OVER (PARTITION BY transaction_id ORDER BY ordinality) AS k
        FROM read_json('{events}', format='newline_delimited', columns={{'transaction_id':
        'VARCHAR', 'customer_id': 'VARCHAR', 'event_type': 'VARCHAR', 'timestamp': 'VARCHAR',
        'properties': 'STRUCT(model VARCHAR, tokens BIGINT)'}}) WITH ORDINALITY)
        WHERE k = 1 AND event_type = 'completion' GROUP BY ALL''').fetchall()
elif kind == "python-floor":
    import gzip, orjson
    loads, seen, sums = orjson.loads, set(), {}
    opener = gzip.open if events.endswith(".gz") else open
    with opener(events, "rb") as fh:
        for line in fh:
            e = loads(line)
            t = e["transaction_id"]
            if t in seen:
                continue
            seen.add(t)
            if e["event_type"] == "completion":
                p = e["properties"]
                k = (e["customer_id"], p["model"])
                sums[k] = sums.get(k, 0) + p["tokens"]
else:
    from billing_spec.catalog import build_catalog
    from billing_spec.evaluate import evaluate
    from billing_spec.events import read_events
    catalog, _ = build_catalog(catalog_dir)
    invoices, _ = evaluate(catalog, read_events([events]), engine=kind)
    invoices.to_json()
wall = time.perf_counter() - start
with open("/proc/self/status") as fh:  # VmHWM: this process's own peak (ru_maxrss counts the parent's)
    peak = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM"))
print(json.dumps({"wall": wall, "peak_kb": peak}))
"""


def _measure(kind: str, events: Path, catalog_dir: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, kind, str(events), str(catalog_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "catalog").mkdir()
        cat = catalog(root / "catalog")
        plain = root / "events.jsonl"
        generate(plain, EVENTS)
        packed = root / "events.jsonl.gz"
        with plain.open("rb") as src, gzip.open(packed, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        for path, label in ((plain, "plain"), (packed, "gzip")):
            size = path.stat().st_size / 1e6
            for engine in ENGINES:
                floor = _measure(f"{engine}-floor", path, cat)
                result = _measure(engine, path, cat)
                target = 2.0 if engine == "duckdb" else 3.0
                report(
                    f"engine {engine} {label}: {EVENTS:,} events ({size:.0f} MB)",
                    result["wall"],
                    baseline=floor["wall"],
                    target_ratio=target,
                    extra=f"peak {result['peak_kb'] / 1024:.0f} MiB "
                    f"(floor {floor['peak_kb'] / 1024:.0f} MiB)",
                )
                if engine == "duckdb" and label == "plain":
                    _sql_metrics(root, path, result["wall"], report)


def _sql_metrics(root: Path, path: Path, streaming: float, report) -> None:
    """The same file invoiced with the tokens metric as a SQL billable metric, against the
    streaming metric's run."""
    for granularity in ("SERVICE_PERIOD", "HOUR"):
        directory = root / f"sql-{granularity.lower()}"
        directory.mkdir(exist_ok=True)
        result = _measure("duckdb", path, sql_catalog(directory, granularity))
        report(
            f"engine duckdb, SQL metric per {granularity}: {EVENTS:,} events",
            result["wall"],
            baseline=streaming,
            extra=f"peak {result['peak_kb'] / 1024:.0f} MiB (baseline: the streaming metric)",
        )
