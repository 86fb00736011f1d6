# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""Helpers for the evaluator's tests: catalogs from YAML text, events from keyword arguments.

`invoices(tmp_path, catalog_yaml, events)` writes the catalog to a directory and the events to a
JSON Lines file (so the reader's real path is used), evaluates, and returns the JSON document (as
`billing invoice` prints it) together with the diagnostics.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from billing_spec.catalog import build_catalog
from billing_spec.diagnostics import has_errors


def compile_yaml(root: Path, text: str):
    root.mkdir(parents=True, exist_ok=True)
    (root / "catalog.yaml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    catalog, diagnostics = build_catalog(root)
    assert catalog is not None and not has_errors(diagnostics), diagnostics
    return catalog


def event(
    txid: str, when: str, customer: str = "acme", event_type: str = "usage", **properties: Any
) -> dict[str, Any]:
    return {
        "transaction_id": txid,
        "customer_id": customer,
        "event_type": event_type,
        "timestamp": when,
        "properties": properties,
    }


def write_jsonl(path: Path, events: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def lines_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for invoice in document["invoices"] for line in invoice["line_items"]]


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


# A small catalog most tests start from: metric `usage_units` sums `units` of `usage` events,
# product `units` bills it, customer `acme` (alias `acme-prod`) on a monthly contract from
# 2026-10-01, at a rate given by the test.
BASE = """
version: 1
billable_metrics:
  usage_units:
    name: Units
    event_type_filter: {{in_values: [usage]}}
    property_filters:
      - {{name: units, exists: true}}
    aggregation_type: {aggregation}{key}
products:
  units:
    name: Units
    type: usage
    billable_metric: usage_units{product_extra}
rate_cards:
  card:
    name: Card
    rates:
{rates}
customers:
  acme:
    name: Acme
    ingest_aliases: [acme-prod]
contracts:
  acme_2026:
    customer: acme
    rate_card: card
    starting_at: {start}
    usage_statement_schedule: {schedule}
"""


def catalog(
    rates: str,
    *,
    aggregation: str = "SUM",
    product_extra: str = "",
    start: str = "2026-10-01T00:00:00Z",
    schedule: str = "{frequency: MONTHLY}",
) -> str:
    """The base catalog with these rates (YAML list items, indented 6 spaces)."""
    key = "" if aggregation == "COUNT" else "\n    aggregation_key: units"
    return BASE.format(
        rates=textwrap.indent(textwrap.dedent(rates).strip("\n"), " " * 6),
        aggregation=aggregation,
        key=key,
        product_extra=product_extra,
        start=start,
        schedule=schedule,
    )


FLAT_50 = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 50}"


def invoices(
    tmp_path: Path, catalog_yaml: str, events: list[dict[str, Any]], **options: Any
) -> tuple[dict[str, Any], list]:
    """Evaluate `events` (written as JSON Lines) against a catalog (YAML text):
    `(document, diagnostics)`, the document as `billing invoice` prints it."""
    from billing_spec.evaluate import evaluate
    from billing_spec.events import read_events

    n = len(list(tmp_path.glob("catalog*")))
    catalog = compile_yaml(tmp_path / f"catalog{n}", catalog_yaml)
    path = write_jsonl(tmp_path / f"events{n}.jsonl", events)
    result, diagnostics = evaluate(catalog, read_events([path]), **options)
    return result.to_document(), diagnostics
