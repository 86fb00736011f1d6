"""Helpers for the plan and apply tests: a small catalog in YAML, edits of it, and states with a
fixed lineage so that rendered plans are byte-stable."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from billing_spec.catalog import build_catalog
from billing_spec.compile import CompiledCatalog
from billing_spec.plan import Plan, make_plan
from billing_spec.state import ResourceState, State
from billing_spec.timestamps import parse_timestamp

LINEAGE = "00000000-0000-4000-8000-000000000001"
AS_OF = parse_timestamp("2026-11-15T00:00:00Z")

# One of everything: tokens metered by a metric, sold as a product, priced on a card, used by a
# customer's contract; plus a seat subscription and a fixed product nothing prices.
BASE = textwrap.dedent("""\
    version: 1
    billable_metrics:
      tokens:
        name: Tokens
        event_type_filter: {in_values: [completion]}
        property_filters:
          - {name: tokens, exists: true}
          - {name: model, exists: true}
        aggregation_type: SUM
        aggregation_key: tokens
        group_keys: [[model]]
    products:
      model_tokens:
        name: Model tokens
        type: USAGE
        billable_metric: tokens
        pricing_group_key: [model]
      seats:
        name: Seats
        type: SUBSCRIPTION
      onboarding:
        name: Onboarding
        type: FIXED
    rate_cards:
      list:
        name: List prices
        rates:
          - product: model_tokens
            pricing_group_values: {model: atlas}
            starting_at: 2026-01-01T00:00:00Z
            entitled: true
            rate_type: FLAT
            price: 50
          - product: seats
            starting_at: 2026-01-01T00:00:00Z
            entitled: true
            rate_type: FLAT
            price: 3000
            billing_frequency: MONTHLY
    customers:
      acme:
        name: Acme
        ingest_aliases: [acme-prod]
    contracts:
      acme_2026:
        customer: acme
        rate_card: list
        starting_at: 2026-10-01T00:00:00Z
        usage_statement_schedule: {frequency: MONTHLY}
""")


def edit(text: str, *replacements: tuple[str, str]) -> str:
    """`text` with each (old, new) replaced once; fails loudly if `old` is not there."""
    for old, new in replacements:
        assert old in text, f"edit: {old!r} not found"
        text = text.replace(old, new, 1)
    return text


def compiled(text: str) -> CompiledCatalog:
    """Compile one catalog file's text; the catalog must be valid."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "catalog.yaml").write_text(text, encoding="utf-8")
        catalog, diagnostics = build_catalog(tmp)
    assert catalog is not None, [d.summary for d in diagnostics]
    return catalog


def state_of(catalog: CompiledCatalog, *, serial: int = 1, lineage: str = LINEAGE) -> State:
    """A state in which `catalog` is applied."""
    resources = {a: ResourceState.of(r, f"remote-{a}") for a, r in catalog.resources.items()}
    return State(lineage=lineage, serial=serial, resources=resources)


def plan_between(before: str | None, after: str, **options) -> Plan:
    """The plan from the applied catalog `before` (None: an empty state) to `after`."""
    prior = State() if before is None else state_of(compiled(before))
    options.setdefault("as_of", AS_OF)
    return make_plan(compiled(after), prior, **options)
