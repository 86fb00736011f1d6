"""Invoices scale with events and line items, not contracts x rates (issue 13 item 10).

3,000 contracts on a 2,000-rate card with 3 events used to build 6,000,000 per-product window
tables before the first event was read (20 s, 2.7 GB). The plan now makes a contract's tables
for a product when an event (or pricing) first needs them, and works out per rate card, once,
which products take an event type. These tests pin what is built, not how long it takes
(`make bench`, bench_scale, times it).
"""

from __future__ import annotations

from benchmarks.scale_inputs import wide_card
from billing_spec.catalog import build_catalog
from billing_spec.evaluate import evaluate
from billing_spec.evaluate.engine import get_engine
from billing_spec.evaluate.plan import CardProducts, build_plan
from billing_spec.events import read_events


def _plan_after_events(tmp_path, contracts=40, rates=30, events=3, metrics=10):
    root = wide_card(tmp_path, contracts=contracts, rates=rates, events=events, metrics=metrics)
    catalog, diagnostics = build_catalog(root)
    assert catalog is not None, diagnostics
    plan = build_plan(catalog)
    get_engine("python").aggregate(plan, read_events([root / "events.jsonl"]))
    return root, catalog, plan


def test_only_the_products_an_event_reaches_get_window_tables(tmp_path):
    _, _, plan = _plan_after_events(tmp_path)
    contracts = [c for customer in plan.customers.values() for c in customer.contracts]
    touched = {c.id: len(c.tables.made()) for c in contracts if c.tables.made()}
    # 3 events for 3 customers, each of an event type 3 of the 30 products measure (30 / 10)
    assert sorted(touched.values()) == [3, 3, 3]
    assert len(touched) == 3
    assert all(len(c.tables) == 30 for c in contracts)  # still reads as one entry per product


def test_contracts_on_one_card_share_its_products_and_routes(tmp_path):
    _, _, plan = _plan_after_events(tmp_path)
    contracts = [c for customer in plan.customers.values() for c in customer.contracts]
    products = {id(c.products) for c in contracts}
    assert len(products) == 1
    (card,) = {id(c.products): c.products for c in contracts}.values()
    assert isinstance(card, CardProducts)
    assert card.taking("e0") == (0, 10, 20)
    assert [card.position(p) for p in card] == list(range(30))


def test_a_contract_plan_reads_its_tables_by_product_as_before(tmp_path):
    _, _, plan = _plan_after_events(tmp_path)
    contract = next(c for customer in plan.customers.values() for c in customer.contracts)
    product = contract.products[7]
    assert contract.tables_of(product) is contract.tables[7]
    assert contract.tables[7].product is product
    assert contract.rank_of(product) == 7
    assert [t.product for t in contract.tables] == list(contract.products)  # iterating makes all
    assert len(contract.tables.made()) == 30


def test_the_wide_card_invoices_the_events_it_has(tmp_path):
    root, catalog, _ = _plan_after_events(tmp_path, events=5)
    invoices, _ = evaluate(catalog, read_events([root / "events.jsonl"]))
    usage = [line for invoice in invoices for line in invoice.line_items if line.type == "usage"]
    # each event feeds the 3 products of its metric; no other product has a line
    assert len(usage) == 5 * 3
    assert invoices.summary.events_used == 5
