"""Planning a generated 5,000-resource catalog (issue 3: "target under 2 s").

Against an empty state (5,000 creates) and against the applied catalog with ~200 edits
(renames, scheduled price changes, contract replacements, deletions, new customers). The bare
baseline is a plain dict diff of the same resources' contents, measured in the same run.
"""

from __future__ import annotations

import copy
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import best_of

AS_OF = datetime(2026, 11, 15, tzinfo=UTC)


def generate() -> dict:
    """500 metrics, 1,000 products, 250 rate cards of 8 rates, 1,750 customers, 1,500 contracts."""
    cat: dict = {
        "billable_metrics": {},
        "products": {},
        "rate_cards": {},
        "customers": {},
        "contracts": {},
    }
    for i in range(500):
        cat["billable_metrics"][f"m{i}"] = {
            "name": f"Metric {i}",
            "aggregation_type": "SUM",
            "aggregation_key": "n",
            "property_filters": [{"name": "n", "exists": True}],
        }
    for i in range(1000):
        cat["products"][f"p{i}"] = {
            "name": f"Product {i}",
            "type": "USAGE",
            "billable_metric": f"m{i % 500}",
        }
    for i in range(250):
        rates = [
            {
                "product": f"p{(i * 4 + j) % 1000}",
                "starting_at": f"2026-0{1 + j % 2}-01T00:00:00Z",
                "entitled": True,
                "rate_type": "FLAT",
                "price": str(10 + j),
            }
            for j in range(8)
        ]
        cat["rate_cards"][f"r{i}"] = {"name": f"Card {i}", "rates": rates}
    for i in range(1750):
        cat["customers"][f"c{i}"] = {
            "name": f"Customer {i}",
            "ingest_aliases": [f"c{i}@example.com"],
        }
    for i in range(1500):
        cat["contracts"][f"k{i}"] = {
            "customer": f"c{i}",
            "rate_card": f"r{i % 250}",
            "starting_at": "2026-10-01T00:00:00Z",
            "usage_statement_schedule": {"frequency": "MONTHLY"},
        }
    return cat


def edited(cat: dict) -> dict:
    cat = copy.deepcopy(cat)
    for i in range(0, 1750, 35):  # 50 renames
        cat["customers"][f"c{i}"]["name"] += " Inc."
    for i in range(0, 250, 10):  # 25 scheduled price changes
        cat["rate_cards"][f"r{i}"]["rates"].append(
            {
                "product": f"p{i * 4}",
                "starting_at": "2027-01-01T00:00:00Z",
                "entitled": True,
                "rate_type": "FLAT",
                "price": "99",
            }
        )
    for i in range(0, 1500, 150):  # 10 contract replacements
        cat["contracts"][f"k{i}"]["usage_statement_schedule"] = {"frequency": "QUARTERLY"}
    for i in range(1480, 1500):  # 20 deletions
        del cat["contracts"][f"k{i}"]
    for i in range(100):  # 100 new customers
        cat["customers"][f"new{i}"] = {"name": f"New {i}"}
    return cat


def compile_dict(cat: dict):
    from billing_spec.addresses import SECTIONS
    from billing_spec.catalog.models import SECTION_MODELS
    from billing_spec.compile import CompiledCatalog, compile_resource

    return CompiledCatalog.from_resources(
        compile_resource(section, id_, SECTION_MODELS[section].model_validate(body))
        for section in SECTIONS
        for id_, body in cat.get(section, {}).items()
    )


def dict_diff(old: dict, new: dict) -> set[str]:
    return {a for a in old.keys() | new.keys() if old.get(a) != new.get(a)}


def run(report) -> None:
    from billing_spec.plan import make_plan
    from billing_spec.state import LocalStateStore, ResourceState, State

    base = generate()
    desired, changed = compile_dict(base), compile_dict(edited(base))
    empty = State()
    applied = State(
        lineage="00000000-0000-4000-8000-00000000bec4",  # a fixed UUID: the run is repeatable
        serial=1,
        resources={a: ResourceState.of(r, f"id-{a}") for a, r in desired.resources.items()},
    )
    plain_old = {a: r.content for a, r in applied.resources.items()}
    n = len(desired.resources)

    created = best_of(lambda: make_plan(desired, empty, as_of=AS_OF))
    baseline = best_of(lambda: dict_diff({}, {a: r.content for a, r in desired.resources.items()}))
    report(f"plan {n:,} resources vs empty state", created, baseline=baseline, target_seconds=2.0)

    plan = make_plan(changed, applied, as_of=AS_OF)
    edits = len(plan.pending)
    planned = best_of(lambda: make_plan(changed, applied, as_of=AS_OF))
    baseline = best_of(
        lambda: dict_diff(plain_old, {a: r.content for a, r in changed.resources.items()})
    )
    report(f"plan {n:,} resources, {edits} changes", planned, baseline=baseline, target_seconds=2.0)

    from billing_spec.plan.render_json import render_json
    from billing_spec.plan.render_text import render_text

    rendered = best_of(lambda: (render_text(plan), render_json(plan)))
    report("render that plan as text and JSON", rendered)

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "s.json").write_text(applied.to_json())
        read = best_of(lambda: LocalStateStore(Path(tmp, "s.json")).read())
    report(f"read and verify a {n:,}-resource state", read)
