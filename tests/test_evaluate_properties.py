# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""Invariants, checked by hypothesis over generated events and rates."""

from __future__ import annotations

import gzip
import json
import random
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invoicing import compile_yaml, write_jsonl

from billing_spec.catalog.models import Tier
from billing_spec.evaluate import evaluate
from billing_spec.evaluate.pricing import price_graduated, price_volume, tier_at
from billing_spec.events import read_events

# A catalog exercising every aggregation, tiers (graduated and volume), a mid-period price
# change, pricing and presentation group keys, two customers and two statement schedules, and
# contract terms: a subscription, a credit and a prepaid commit whose window cuts a period.
CATALOG = """
version: 1
billable_metrics:
  total:   {name: Total, event_type_filter: {in_values: [use]}, property_filters: [{name: n, exists: true}, {name: region, exists: true}, {name: user, exists: true}], aggregation_type: SUM, aggregation_key: n, group_keys: [[region, user]]}
  peak:    {name: Peak, event_type_filter: {in_values: [use]}, property_filters: [{name: n, exists: true}], aggregation_type: MAX, aggregation_key: n}
  users:   {name: Users, event_type_filter: {in_values: [use]}, property_filters: [{name: user, exists: true}], aggregation_type: UNIQUE, aggregation_key: user}
  level:   {name: Level, event_type_filter: {in_values: [gauge]}, property_filters: [{name: n, exists: true}], aggregation_type: LATEST, aggregation_key: n}
  calls:   {name: Calls, aggregation_type: COUNT}
products:
  total: {name: Total, type: usage, billable_metric: total, pricing_group_key: [region], presentation_group_key: [user], quantity_conversion: {conversion_factor: 3, operation: DIVIDE}}
  peak:  {name: Peak, type: usage, billable_metric: peak, quantity_rounding: {decimal_places: 0, rounding_method: ROUND_UP}}
  users: {name: Users, type: usage, billable_metric: users}
  level: {name: Level, type: usage, billable_metric: level}
  calls: {name: Calls, type: usage, billable_metric: calls}
  seats: {name: Seats, type: subscription}
  promo: {name: Promo, type: fixed}
rate_cards:
  card:
    name: Card
    rates:
      - {product: total, pricing_group_values: {region: us}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 5, price: 3, flat_price: 7}, {price: 1.5}]}
      - {product: total, pricing_group_values: {region: us}, starting_at: 2026-10-15T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 4, price: 2}, {price: 0.75}]}
      - {product: total, pricing_group_values: {region: eu}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 2.5}
      - {product: peak, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 4}
      - {product: users, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tier_mode: VOLUME, tiers: [{size: 2, price: 10, flat_price: 5}, {price: 6, flat_price: 30}]}
      - {product: level, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 1}
      - {product: level, starting_at: 2026-10-20T00:00:00Z, entitled: true, rate_type: FLAT, price: 3}
      - {product: calls, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 0.1}
      - {product: seats, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 100, billing_frequency: MONTHLY}
customers:
  a: {name: A, ingest_aliases: [a-alias]}
  b: {name: B}
contracts:
  a_2026:
    customer: a
    rate_card: card
    starting_at: 2026-10-01T00:00:00Z
    subscriptions: [{subscription_rate: {product: seats, billing_frequency: MONTHLY}, initial_quantity: 2, collection_schedule: ADVANCE}]
    credits: [{product: promo, access_schedule: {schedule_items: [{amount: 300, starting_at: 2026-10-01T00:00:00Z, ending_before: 2026-12-01T00:00:00Z}]}}]
  b_2026:
    customer: b
    rate_card: card
    starting_at: 2026-10-10T00:00:00Z
    usage_statement_schedule: {frequency: WEEKLY, day: CONTRACT_START}
    commits: [{product: promo, type: PREPAID, priority: 1, applicable_products: [total, peak], access_schedule: {schedule_items: [{amount: 50, starting_at: 2026-10-12T00:00:00Z, ending_before: 2026-11-10T00:00:00Z}]}}]
"""

numbers = st.one_of(
    st.integers(-5, 40),
    st.decimals(-5, 40, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from([0.5, 1.25, 2.75]),  # JSON numbers with a fraction: read exactly
)
events = st.lists(
    st.fixed_dictionaries(
        {
            "customer_id": st.sampled_from(["a", "a-alias", "b", "nobody"]),
            "event_type": st.sampled_from(["use", "use", "gauge", "other"]),
            "day": st.integers(1, 45),
            "second": st.sampled_from([0, 1, 43200]),  # few instants: ties must not depend on order
            "properties": st.fixed_dictionaries(
                {},
                optional={
                    "n": numbers,
                    "region": st.sampled_from(["us", "eu", "ap"]),
                    "user": st.sampled_from(["u1", "u2", "u3", 4]),
                },
            ),
        }
    ),
    max_size=40,
)


def _events(drafts: list[dict]) -> list[dict]:
    out = []
    for n, draft in enumerate(drafts):
        day, second = draft["day"], draft["second"]
        month, day = (10, day) if day <= 31 else (11, day - 31)
        stamp = f"2026-{month:02d}-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
        out.append(
            {
                "transaction_id": f"t{n}",
                "customer_id": draft["customer_id"],
                "event_type": draft["event_type"],
                "timestamp": stamp,
                "properties": draft["properties"],
            }
        )
    return out


_CACHE: dict[str, object] = {}


def _catalog(root: Path):
    if "catalog" not in _CACHE:
        _CACHE["catalog"] = compile_yaml(root / "catalog", CATALOG)
    return _CACHE["catalog"]


def _evaluate(root: Path, paths: list[Path]):
    result, _ = evaluate(_catalog(root), read_events(paths))
    return result


SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(drafts=events, seed=st.integers(0, 2**32 - 1))
def test_the_same_invoices_whatever_the_order_split_or_duplication(tmp_path_factory, drafts, seed):
    """Shuffled, split over JSON Lines, JSON-array and gzip files, and with identical copies
    re-sent: the invoices are byte-identical; the summary differs only in what was read and
    duplicated."""
    root = tmp_path_factory.mktemp("inv")
    records = _events(drafts)
    original = _evaluate(root, [write_jsonl(root / "all.jsonl", records)])

    rng = random.Random(seed)
    shuffled = records + rng.sample(records, k=len(records) // 3)  # identical re-sends
    rng.shuffle(shuffled)
    paths = []
    for n in range(3):
        part = shuffled[n::3]
        if n == 0:
            paths.append(write_jsonl(root / "p0.jsonl", part))
        elif n == 1:
            paths.append(root / "p1.json")
            paths[-1].write_text(json.dumps(part, indent=1))
        else:
            paths.append(root / "p2.jsonl.gz")
            paths[-1].write_bytes(
                gzip.compress("".join(json.dumps(e) + "\n" for e in part).encode())
            )
    again = _evaluate(root, paths)

    first, second = original.to_document(), again.to_document()
    assert json.dumps(first["invoices"], sort_keys=True) == json.dumps(
        second["invoices"], sort_keys=True
    )
    for key in ("events_used", "unknown_customer", "outside_contracts", "not_billed", "malformed"):
        assert first["summary"][key] == second["summary"][key]
    assert second["summary"]["duplicates"] == len(records) // 3

    split_only = _evaluate(
        root,
        [write_jsonl(root / "x.jsonl", records[::2]), write_jsonl(root / "y.jsonl", records[1::2])],
    )
    assert split_only.to_json() == original.to_json()


@SETTINGS
@given(drafts=events)
def test_lines_sum_to_the_subtotal_and_the_counts_add_up(tmp_path_factory, drafts):
    root = tmp_path_factory.mktemp("sum")
    document = _evaluate(root, [write_jsonl(root / "e.jsonl", _events(drafts))]).to_document()
    for invoice in document["invoices"]:
        lines = sum((Decimal(line["total"]) for line in invoice["line_items"]), Decimal(0))
        assert Decimal(invoice["subtotal"]) == lines == Decimal(invoice["total"])
        for line in invoice["line_items"]:
            assert Decimal(line["total"]) == Decimal(line["total"]).to_integral_value()
    s = document["summary"]
    assert s["events_read"] == (
        s["events_used"]
        + s["duplicates"]
        + s["malformed"]
        + s["unknown_customer"]
        + s["outside_contracts"]
        + s["not_billed"]
    )
    keys = [(i["customer"], i["contract"], i["start_timestamp"]) for i in document["invoices"]]
    assert keys == sorted(keys)
    _balances_hold(document)


def _balances_hold(document) -> None:
    """Credits never push a line below zero (each applied line is minus a covered part right
    before it) and never give more than a grant: applied amounts add up to at most its amount,
    and what remains after the last invoice is amount − applied."""
    grants = {"credits[0]": Decimal(300), "commits[0]": Decimal(50)}
    applied: dict[tuple[str, str], Decimal] = {}
    for invoice in document["invoices"]:
        lines = invoice["line_items"]
        for before, line in pairwise(lines):
            if line["type"] == "applied_commit_or_credit":
                assert Decimal(line["total"]) == -Decimal(before["total"]) <= 0
                assert before["commit_id"] == line["applied_commit_or_credit"]["id"]
        for balance in invoice["balances"]:
            key = (invoice["contract"], balance["id"])
            applied[key] = applied.get(key, Decimal(0)) + Decimal(balance["applied"])
            assert applied[key] + Decimal(balance["remaining"]) == grants[balance["id"]]


prices = st.decimals(0, 50, places=3, allow_nan=False, allow_infinity=False)
tiers = st.lists(
    st.tuples(st.decimals(Decimal("0.5"), 20, places=1), prices, st.one_of(st.none(), prices)),
    min_size=1,
    max_size=4,
).map(
    lambda specs: tuple(
        Tier(size=size if i < len(specs) - 1 else None, price=price, flat_price=flat)
        for i, (size, price, flat) in enumerate(specs)
    )
)
quantities = st.decimals(0, 100, places=2, allow_nan=False, allow_infinity=False)


@given(tiers=tiers, a=quantities, b=quantities)
def test_graduated_amounts_never_decrease_as_usage_grows(tiers, a, b):
    low, high = sorted((a, b))
    amount_low = price_graduated(tiers, Decimal(0), low, 0)[0].amount
    amount_high = price_graduated(tiers, Decimal(0), high, 0)[0].amount
    assert amount_low <= amount_high


@given(tiers=tiers, a=quantities, b=quantities)
def test_graduated_is_the_same_in_one_line_or_two(tiers, a, b):
    """Pricing a then b from where a stopped costs what a + b costs at once."""
    first, paid = price_graduated(tiers, Decimal(0), a, 0)
    second, _ = price_graduated(tiers, a, b, paid)
    whole, _ = price_graduated(tiers, Decimal(0), a + b, 0)
    assert first.amount + second.amount == whole.amount


@given(tiers=tiers, quantity=quantities)
def test_a_volume_amount_is_the_chosen_tiers_price_times_quantity_plus_its_flat_price(
    tiers, quantity
):
    chosen = tiers[tier_at(tiers, quantity)]
    priced = price_volume(tiers, quantity, quantity, charge_flat=True)
    assert priced.amount == chosen.price * quantity + (chosen.flat_price or 0)
    [row] = priced.tiers
    assert (row.price, row.quantity) == (chosen.price, quantity)
