"""Generated inputs of the shapes that used to multiply work (issue 13 items 9 and 10).

Deterministic (no randomness), written into a directory the caller gives, and sized by
arguments so tests can make them small and `make bench` large:

- `alias_fanout`: customers that all alias one YAML anchor of ingest aliases (a 16 KB file with
  1,000 customers x 990 aliases is ~1M alias uses).
- `wide_card`: many contracts on one rate card of many usage rates, with a handful of events.
- `many_lines`: events that each make their own line item (one user per event, the product's
  presentation group), spread over many customers.

Run as a script to write one: `python -m benchmarks.scale_inputs wide_card DIR [N ...]`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

HEADER = "version: 1\n"


def alias_fanout(root: Path, customers: int = 1000, aliases: int = 990) -> Path:
    """`customers` customers whose `ingest_aliases` all alias one anchored list of `aliases`."""
    names = ", ".join(f"a{i}" for i in range(aliases))
    lines = [HEADER, "customers:\n"]
    lines.append(f"  c0:\n    name: Customer 0\n    ingest_aliases: &shared [{names}]\n")
    for n in range(1, customers):
        lines.append(f"  c{n}:\n    name: Customer {n}\n    ingest_aliases: *shared\n")
    path = root / "catalog.yaml"
    path.write_text("".join(lines))
    return path


def wide_card(
    root: Path, contracts: int = 3000, rates: int = 2000, events: int = 3, metrics: int = 10
) -> Path:
    """One rate card of `rates` usage products (over `metrics` SUM metrics) and `contracts`
    customers with one contract each on it; `events` events in `events.jsonl`. Resources:
    metrics + rates (products) + 1 card + 2 x contracts."""
    out = [HEADER, "billable_metrics:\n"]
    for m in range(metrics):
        out.append(
            f"  m{m}:\n    name: Metric {m}\n    event_type_filter: {{in_values: [e{m}]}}\n"
            f"    aggregation_type: SUM\n    aggregation_key: n\n"
            f"    property_filters: [{{name: n, exists: true}}]\n"
        )
    out.append("products:\n")
    for p in range(rates):
        out.append(
            f"  p{p}:\n    name: Product {p}\n    type: USAGE\n"
            f"    billable_metric: m{p % metrics}\n"
        )
    out.append("rate_cards:\n  list:\n    name: List\n    rates:\n")
    for p in range(rates):
        out.append(
            f"      - {{product: p{p}, starting_at: 2026-01-01T00:00:00Z, entitled: true, "
            f"rate_type: FLAT, price: {1 + p % 97}}}\n"
        )
    out.append("customers:\n")
    for c in range(contracts):
        out.append(f"  c{c}:\n    name: Customer {c}\n")
    out.append("contracts:\n")
    for c in range(contracts):
        out.append(
            f"  k{c}:\n    customer: c{c}\n    rate_card: list\n"
            f"    starting_at: 2026-10-01T00:00:00Z\n"
            f"    usage_statement_schedule: {{frequency: MONTHLY}}\n"
        )
    (root / "catalog.yaml").write_text("".join(out))
    with (root / "events.jsonl").open("wb") as fh:
        for e in range(events):
            fh.write(
                orjson.dumps(
                    {
                        "transaction_id": f"t{e}",
                        "customer_id": f"c{(e * 7919) % contracts}",
                        "event_type": f"e{e % metrics}",
                        "timestamp": f"2026-10-{1 + e % 28:02d}T12:00:00Z",
                        "properties": {"n": e + 1},
                    }
                )
                + b"\n"
            )
    return root


def many_lines(root: Path, events: int = 2_000_000, customers: int = 1000) -> Path:
    """`events` events, each its own line item: every event has its own user, and the product's
    presentation group is the user. Customers in October 2026 on one FLAT rate."""
    customers_yaml = "".join(f"  c{c}:\n    name: Customer {c}\n" for c in range(customers))
    contracts_yaml = "".join(
        f"  k{c}:\n    customer: c{c}\n    rate_card: list\n"
        f"    starting_at: 2026-10-01T00:00:00Z\n"
        f"    usage_statement_schedule: {{frequency: MONTHLY}}\n"
        for c in range(customers)
    )
    (root / "catalog.yaml").write_text(
        f"""{HEADER}billable_metrics:
  tokens:
    name: Tokens
    event_type_filter: {{in_values: [use]}}
    property_filters: [{{name: tokens, exists: true}}, {{name: user_id, exists: true}}]
    aggregation_type: SUM
    aggregation_key: tokens
    group_keys: [[user_id]]
products:
  tokens:
    name: Tokens
    type: USAGE
    billable_metric: tokens
    presentation_group_key: [user_id]
rate_cards:
  list:
    name: List
    rates:
      - {{product: tokens, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT,
         price: 3}}
customers:
{customers_yaml}contracts:
{contracts_yaml}"""
    )
    with (root / "events.jsonl").open("wb") as fh:
        for chunk in _chunks(_many_line_events(events, customers), 10_000):
            fh.write(b"".join(chunk))
    return root


def _many_line_events(events: int, customers: int) -> Iterator[bytes]:
    for n in range(events):
        second = n % (28 * 86400)
        day, hour, minute = 1 + second // 86400, second // 3600 % 24, second // 60 % 60
        stamp = f"2026-10-{day:02d}T{hour:02d}:{minute:02d}"
        yield (
            orjson.dumps(
                {
                    "transaction_id": f"t{n}",
                    "customer_id": f"c{n % customers}",
                    "event_type": "use",
                    "timestamp": f"{stamp}:{second % 60:02d}Z",
                    "properties": {"user_id": f"u{n}", "tokens": 1 + n % 1000},
                }
            )
            + b"\n"
        )


def _chunks(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


if __name__ == "__main__":
    kind, target, *numbers = sys.argv[1:]
    Path(target).mkdir(parents=True, exist_ok=True)
    globals()[kind](Path(target), *map(int, numbers))
