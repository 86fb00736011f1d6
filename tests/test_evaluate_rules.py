# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""The pricing rules, one test each: a catalog and events in, the invoice's numbers out.

Every number is worked out in the test's docstring. Money is in USD cents unless said otherwise.
"""

from __future__ import annotations

from pathlib import Path

from invoicing import FLAT_50, catalog, codes, event, invoices, lines_of

ROOT = Path(__file__).resolve().parents[1]


def test_the_walkthrough(tmp_path):
    """catalogs/quickstart: 1M tokens of langModel4 at 50 cents per million, one line per user.

    u1: 250,000 + 350,000 = 600,000 tokens / 1,000,000 = 0.6 × 50 = 30 cents.
    u2: "400000" (a numeric string, sent via the ingest alias) = 0.4 × 50 = 20 cents.
    Invoice: 50 cents = $0.50, for October (the contract's first statement period).
    """
    from billing_spec.catalog import build_catalog
    from billing_spec.evaluate import evaluate
    from billing_spec.events import read_events

    compiled, _ = build_catalog(ROOT / "catalogs/quickstart")
    result, diagnostics = evaluate(compiled, read_events([ROOT / "catalogs/quickstart/events"]))
    document = result.to_document()
    assert diagnostics == []
    [invoice] = document["invoices"]
    assert (invoice["customer"], invoice["contract"]) == ("team_example", "team_example_2026")
    assert (invoice["start_timestamp"], invoice["end_timestamp"]) == (
        "2026-10-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
    )
    assert [
        (li["presentation_group_values"], li["quantity"], li["unit_price"], li["total"])
        for li in invoice["line_items"]
    ] == [
        ({"user_id": "u1"}, "0.6", "50", "30"),
        ({"user_id": "u2"}, "0.4", "50", "20"),
    ]
    assert (invoice["subtotal"], invoice["total"], invoice["credit_type"]) == ("50", "50", "USD")
    assert document["summary"] == {
        "events_read": 3,
        "events_used": 3,
        "duplicates": 0,
        "malformed": 0,
        "unknown_customer": 0,
        "outside_contracts": 0,
        "not_billed": 0,
    }


def test_a_line_item_has_every_field(tmp_path):
    """The document's shape for a FLAT line: 3 units at 50 = 150."""
    document, _ = invoices(
        tmp_path, catalog(FLAT_50), [event("t1", "2026-10-05T00:00:00Z", units=3)]
    )
    assert document["format_version"] == "1.0"
    [invoice] = document["invoices"]
    assert invoice == {
        "customer": "acme",
        "customer_name": "Acme",
        "contract": "acme_2026",
        "contract_name": None,
        "start_timestamp": "2026-10-01T00:00:00Z",
        "end_timestamp": "2026-11-01T00:00:00Z",
        "type": "USAGE",
        "status": "DRAFT",
        "credit_type": "USD",
        "subtotal": "150",
        "total": "150",
        "notes": [],
        "balances": [],
        "line_items": [
            {
                "type": "usage",
                "product": "units",
                "name": "Units",
                "presentation_group_values": {},
                "pricing_group_values": {},
                "starting_at": "2026-10-01T00:00:00Z",
                "ending_before": "2026-11-01T00:00:00Z",
                "quantity": "3",
                "unit_price": "50",
                "total": "150",
            }
        ],
    }


def test_quantity_conversion_then_rounding_to_hundreds(tmp_path):
    """MULTIPLY by 10, then ROUND_UP at -2 decimal places (hundreds):
    1000 + 234.5 = 1234.5 units × 10 = 12,345 -> 12,400 × 2 cents = 24,800."""
    extra = (
        "\n    quantity_conversion: {conversion_factor: 10, operation: MULTIPLY}"
        "\n    quantity_rounding: {decimal_places: -2, rounding_method: ROUND_UP}"
    )
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 2}"
    document, _ = invoices(
        tmp_path,
        catalog(rates, product_extra=extra),
        [
            event("t1", "2026-10-05T00:00:00Z", units=1000),
            event("t2", "2026-10-06T00:00:00Z", units="234.5"),
        ],
    )
    [line] = lines_of(document)
    assert (line["quantity"], line["total"]) == ("12400", "24800")


def test_round_down_goes_toward_minus_infinity(tmp_path):
    """ROUND_DOWN at 0 places: -2.5 (a LATEST decrease) -> -3, not -2. 10 then 7.5 in one period:
    the period bills its last value, 7.5 -> 7 at 10 cents = 70; a second period starting at
    zero and reporting -2.5 bills -3 × 10 = -30."""
    extra = "\n    quantity_rounding: {decimal_places: 0, rounding_method: ROUND_DOWN}"
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}"
    document, _ = invoices(
        tmp_path,
        catalog(rates, aggregation="LATEST", product_extra=extra),
        [
            event("t1", "2026-10-05T00:00:00Z", units=10),
            event("t2", "2026-10-06T00:00:00Z", units="7.5"),
            event("t3", "2026-11-06T00:00:00Z", units="-2.5"),
        ],
    )
    assert [(line["quantity"], line["total"]) for line in lines_of(document)] == [
        ("7", "70"),
        ("-3", "-30"),
    ]


def test_fractional_quantities_and_money_rounded_once_per_line(tmp_path):
    """0.1 + 0.1 + 0.1 units (JSON numbers, read exactly: 0.3, not 0.30000000000000004), ROUND_UP
    at 1 place stays 0.3 (a binary float would round up to 0.4) × 100 = 30 cents. And a line
    of 3 units at 0.5 cents = 1.5 cents rounds once, half away from zero, to 2."""
    extra = "\n    quantity_rounding: {decimal_places: 1, rounding_method: ROUND_UP}"
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 100}"
    document, _ = invoices(
        tmp_path,
        catalog(rates, product_extra=extra),
        [event(f"t{n}", "2026-10-05T00:00:00Z", units=0.1) for n in range(3)],
    )
    assert [(line["quantity"], line["total"]) for line in lines_of(document)] == [("0.3", "30")]

    half = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 0.5}"
    document, _ = invoices(tmp_path, catalog(half), [event("t1", "2026-10-05T00:00:00Z", units=3)])
    assert [(line["unit_price"], line["total"]) for line in lines_of(document)] == [("0.5", "2")]


TIERED = """
- product: units
  starting_at: 2026-01-01T00:00:00Z
  entitled: true
  rate_type: TIERED
  tiers: [{size: 10, price: 2}, {size: 10, price: 1}, {price: 0.5}]
"""


def test_graduated_tiers_at_exact_boundaries(tmp_path):
    """Tiers of size 10 hold units (0, 10] and (10, 20]: 10 units are all in tier 1 (10 × 2 = 20);
    20 units fill tiers 1 and 2 (20 + 10 = 30); 20.5 units put 0.5 in tier 3 (30 + 0.25 =
    30.25 -> 30 cents)."""
    totals = {}
    for units in ("10", "20", "20.5"):
        document, _ = invoices(
            tmp_path, catalog(TIERED), [event("t1", "2026-10-05T00:00:00Z", units=units)]
        )
        [line] = lines_of(document)
        totals[units] = (line["total"], [(t["tier"], t["quantity"]) for t in line["tiers"]])
        assert line["unit_price"] is None and line["tier_mode"] == "GRADUATED"
    assert totals == {
        "10": ("20", [(1, "10")]),
        "20": ("30", [(1, "10"), (2, "10")]),
        "20.5": ("30", [(1, "10"), (2, "10"), (3, "0.5")]),
    }


def test_tier_breakdown_rows(tmp_path):
    """15 units: tier 1 from 0, size 10: 10 × 2 = 20; tier 2 from 10, size 10: 5 × 1 = 5."""
    document, _ = invoices(
        tmp_path, catalog(TIERED), [event("t1", "2026-10-05T00:00:00Z", units=15)]
    )
    [line] = lines_of(document)
    assert line["tiers"] == [
        {
            "tier": 1,
            "starting_at": "0",
            "size": "10",
            "quantity": "10",
            "price": "2",
            "flat_price": None,
            "subtotal": "20",
        },
        {
            "tier": 2,
            "starting_at": "10",
            "size": "10",
            "quantity": "5",
            "price": "1",
            "flat_price": None,
            "subtotal": "5",
        },
    ]
    assert line["total"] == "25"


def test_tiers_restart_every_statement_period(tmp_path):
    """15 units in October and 15 in November: each period starts at tier 1, so each is 25."""
    document, _ = invoices(
        tmp_path,
        catalog(TIERED),
        [
            event("t1", "2026-10-05T00:00:00Z", units=15),
            event("t2", "2026-11-05T00:00:00Z", units=15),
        ],
    )
    assert [invoice["total"] for invoice in document["invoices"]] == ["25", "25"]


def test_zero_usage_is_a_zero_line(tmp_path):
    """Events that sum to 0 still make a line (the group had events): 0 × 50 = 0."""
    document, _ = invoices(
        tmp_path, catalog(FLAT_50), [event("t1", "2026-10-05T00:00:00Z", units=0)]
    )
    [line] = lines_of(document)
    assert (line["quantity"], line["total"]) == ("0", "0")
    assert document["invoices"][0]["total"] == "0"


PRICE_CHANGE = """
- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}
- {product: units, starting_at: 2026-10-15T00:00:00Z, entitled: true, rate_type: FLAT, price: 20}
"""


def test_a_mid_period_price_change_splits_the_period(tmp_path):
    """The 20-cent rate from Oct 15 supersedes the 10-cent one: 3 units on Oct 5 are 30 cents on
    [Oct 1, Oct 15); 2 units on Oct 20 are 40 cents on [Oct 15, Nov 1). One invoice: 70."""
    document, _ = invoices(
        tmp_path,
        catalog(PRICE_CHANGE),
        [
            event("t1", "2026-10-05T00:00:00Z", units=3),
            event("t2", "2026-10-20T00:00:00Z", units=2),
        ],
    )
    [invoice] = document["invoices"]
    assert [
        (li["starting_at"], li["ending_before"], li["quantity"], li["unit_price"], li["total"])
        for li in invoice["line_items"]
    ] == [
        ("2026-10-01T00:00:00Z", "2026-10-15T00:00:00Z", "3", "10", "30"),
        ("2026-10-15T00:00:00Z", "2026-11-01T00:00:00Z", "2", "20", "40"),
    ]
    assert invoice["total"] == "70"


def test_an_event_at_the_change_instant_takes_the_new_rate(tmp_path):
    """Rates apply from starting_at inclusive: an event at exactly Oct 15 00:00 costs 20."""
    document, _ = invoices(
        tmp_path, catalog(PRICE_CHANGE), [event("t1", "2026-10-15T00:00:00Z", units=1)]
    )
    assert [line["total"] for line in lines_of(document)] == ["20"]


def test_graduated_tiers_continue_across_a_price_change(tmp_path):
    """Before Oct 16, tiers (2 up to 10 units, then 1); from Oct 16, (4 up to 10, then 3).
    6 units before: 6 × 2 = 12. 8 units after start at position 6, at the new rate's tiers:
    4 units to fill tier 1 × 4 = 16, 4 units in tier 2 × 3 = 12 -> 28. Period total 40."""
    rates = """
    - {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 10, price: 2}, {price: 1}]}
    - {product: units, starting_at: 2026-10-16T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 10, price: 4}, {price: 3}]}
    """
    document, _ = invoices(
        tmp_path,
        catalog(rates),
        [
            event("t1", "2026-10-05T00:00:00Z", units=6),
            event("t2", "2026-10-20T00:00:00Z", units=8),
        ],
    )
    first, second = lines_of(document)
    assert (first["quantity"], first["total"]) == ("6", "12")
    assert (second["quantity"], second["total"]) == ("8", "28")
    assert [(t["tier"], t["quantity"], t["price"]) for t in second["tiers"]] == [
        (1, "4", "4"),
        (2, "4", "3"),
    ]
    assert document["invoices"][0]["total"] == "40"


def test_latest_bills_increments_and_a_decrease_is_negative(tmp_path):
    """LATEST values 7, 9, 10, 5 are billed +7, +2, +1, -5 (Metronome). With the price change on
    Oct 15: [Oct 1, Oct 15) gets +7 +2 = 9 × 10 = 90; [Oct 15, Nov 1) gets +1 -5 = -4 × 20 = -80.
    The period's increments add up to its last value: 5 (90 - 80 = 10 cents)."""
    document, _ = invoices(
        tmp_path,
        catalog(PRICE_CHANGE, aggregation="LATEST"),
        [
            event("t1", "2026-10-03T00:00:00Z", units=7),
            event("t2", "2026-10-10T00:00:00Z", units=9),
            event("t3", "2026-10-20T00:00:00Z", units=10),
            event("t4", "2026-10-25T00:00:00Z", units=5),
        ],
    )
    assert [(line["quantity"], line["total"]) for line in lines_of(document)] == [
        ("9", "90"),
        ("-4", "-80"),
    ]
    assert document["invoices"][0]["total"] == "10"


def test_latest_orders_by_timestamp_then_transaction_id(tmp_path):
    """Two reports at the same instant: the one whose transaction_id sorts last is the latest,
    whatever the input order: b (4) after a (9) -> 4 × 50 = 200."""
    document, _ = invoices(
        tmp_path,
        catalog(FLAT_50, aggregation="LATEST"),
        [
            event("b", "2026-10-03T00:00:00Z", units=4),
            event("a", "2026-10-03T00:00:00Z", units=9),
        ],
    )
    assert [line["total"] for line in lines_of(document)] == ["200"]


def test_latest_starts_from_zero_each_period(tmp_path):
    """A value of 5 in October and 5 again in November bills 5 in each (increments restart)."""
    document, _ = invoices(
        tmp_path,
        catalog(FLAT_50, aggregation="LATEST"),
        [
            event("t1", "2026-10-03T00:00:00Z", units=5),
            event("t2", "2026-11-03T00:00:00Z", units=5),
        ],
    )
    assert [line["quantity"] for line in lines_of(document)] == ["5", "5"]


def test_count_max_unique(tmp_path):
    """Four events with units 3, "7.5", 2 and 3: COUNT 4, MAX 7.5, UNIQUE 3 ("3" twice)."""
    events = [
        event("t1", "2026-10-03T00:00:00Z", units=3),
        event("t2", "2026-10-04T00:00:00Z", units="7.5"),
        event("t3", "2026-10-05T00:00:00Z", units=2),
        event("t4", "2026-10-06T00:00:00Z", units="3"),
    ]
    quantities = {}
    for aggregation in ("COUNT", "MAX", "UNIQUE"):
        document, _ = invoices(tmp_path, catalog(FLAT_50, aggregation=aggregation), events)
        quantities[aggregation] = [line["quantity"] for line in lines_of(document)]
    assert quantities == {"COUNT": ["4"], "MAX": ["7.5"], "UNIQUE": ["3"]}


FILTERED = """
version: 1
billable_metrics:
  calls:
    name: Calls
    event_type_filter: {in_values: [call, retry], not_in_values: [retry]}
    property_filters:
      - {name: region, exists: true, in_values: [us, eu, "5"]}
      - {name: tier, not_in_values: [free]}
      - {name: internal, exists: false}
    aggregation_type: COUNT
products:
  calls:
    name: Calls
    type: usage
    billable_metric: calls
rate_cards:
  card:
    name: Card
    rates:
      - {product: calls, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 1}
customers:
  acme: {name: Acme}
contracts:
  acme_2026: {customer: acme, rate_card: card, starting_at: 2026-10-01T00:00:00Z}
"""


def test_each_filter_kind(tmp_path):
    """Counted: event type `call` (in_values) but not `retry` (not_in_values wins), region present
    and in [us, eu, "5"] (a number 5 compares by its text "5"), tier absent or not `free`,
    `internal` absent. 3 of the 9 events pass -> 3 calls at 1 cent."""
    at = "2026-10-05T00:00:00Z"
    events = [
        event("ok-1", at, event_type="call", region="us"),
        event("ok-2", at, event_type="call", region="eu", tier="pro"),
        event("ok-3", at, event_type="call", region=5),
        event("no-1", at, event_type="retry", region="us"),  # not_in_values event type
        event("no-2", at, event_type="other", region="us"),  # not in in_values
        event("no-3", at, event_type="call"),  # region missing
        event("no-4", at, event_type="call", region="ap"),  # region not in in_values
        event("no-5", at, event_type="call", region="us", tier="free"),
        event("no-6", at, event_type="call", region="us", internal=False),  # exists: false
    ]
    document, _ = invoices(tmp_path, FILTERED, events)
    assert [line["quantity"] for line in lines_of(document)] == ["3"]
    assert document["summary"]["events_used"] == 3 and document["summary"]["not_billed"] == 6


def test_a_null_property_counts_as_absent(tmp_path):
    """`region: null` fails `exists: true`; `internal: null` passes `exists: false`."""
    at = "2026-10-05T00:00:00Z"
    document, _ = invoices(
        tmp_path,
        FILTERED,
        [
            event("a", at, event_type="call", region=None),
            event("b", at, event_type="call", region="us", internal=None),
        ],
    )
    assert [line["quantity"] for line in lines_of(document)] == ["1"]


COMPOUND = """
version: 1
billable_metrics:
  gb:
    name: GB
    property_filters:
      - {name: region, exists: true}
      - {name: user, exists: true}
      - {name: gb, exists: true}
    aggregation_type: SUM
    aggregation_key: gb
    group_keys: [[region, user]]
products:
  storage:
    name: Storage
    type: usage
    billable_metric: gb
    pricing_group_key: [region]
    presentation_group_key: [user]
rate_cards:
  card:
    name: Card
    rates:
      - {product: storage, pricing_group_values: {region: us}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}
      - {product: storage, pricing_group_values: {region: eu}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 20}
customers:
  acme: {name: Acme}
contracts:
  acme_2026: {customer: acme, rate_card: card, starting_at: 2026-10-01T00:00:00Z}
"""


def test_compound_group_keys_price_and_present(tmp_path):
    """A price per region (us 10, eu 20), a line per (region, user), ordered by pricing values
    then presentation values: eu/u1 2 GB = 40; us/u1 3 GB = 30; us/u2 1 GB = 10. Region `ap` has
    no rate: its event is not billed and reported (W955)."""
    at = "2026-10-05T00:00:00Z"
    document, diagnostics = invoices(
        tmp_path,
        COMPOUND,
        [
            event("1", at, region="us", user="u1", gb=3),
            event("2", at, region="us", user="u2", gb=1),
            event("3", at, region="eu", user="u1", gb=2),
            event("4", at, region="ap", user="u1", gb=5),
        ],
    )
    assert [
        (li["pricing_group_values"], li["presentation_group_values"], li["total"])
        for li in lines_of(document)
    ] == [
        ({"region": "eu"}, {"user": "u1"}, "40"),
        ({"region": "us"}, {"user": "u1"}, "30"),
        ({"region": "us"}, {"user": "u2"}, "10"),
    ]
    assert codes(diagnostics) == ["W955"]
    assert "region" in diagnostics[0].summary and "'ap'" in diagnostics[0].summary
    assert document["summary"]["not_billed"] == 1


def test_tier_positions_are_kept_per_line_group(tmp_path):
    """Tiers count per group of group values: u1's 8 units and u2's 8 units are each within the
    first tier (8 × 2 = 16 each), although together they would reach the second."""
    extra = "\n    presentation_group_key: [user]"
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 10, price: 2}, {price: 1}]}"
    text = (
        catalog(rates, product_extra=extra)
        .replace("aggregation_key: units", "aggregation_key: units\n    group_keys: [[user]]")
        .replace(
            "- {name: units, exists: true}",
            "- {name: units, exists: true}\n      - {name: user, exists: true}",
        )
    )
    document, _ = invoices(
        tmp_path,
        text,
        [
            event("1", "2026-10-05T00:00:00Z", units=8, user="u1"),
            event("2", "2026-10-05T00:00:00Z", units=8, user="u2"),
        ],
    )
    assert [line["total"] for line in lines_of(document)] == ["16", "16"]


VOLUME = """
- product: units
  starting_at: 2026-01-01T00:00:00Z
  entitled: true
  rate_type: TIERED
  tier_mode: VOLUME
  tiers: [{size: 2, price: 10, flat_price: 100}, {price: 5, flat_price: 1000}]
"""


def test_volume_tiers_price_every_unit_at_the_reached_tier(tmp_path):
    """VOLUME: 3 units reach tier 2, so all 3 cost 5, plus tier 2's flat price: 3 × 5 + 1000 =
    1015. 2 units stay in tier 1: 2 × 10 + 100 = 120. 0 units: tier 1's flat price, 100."""
    totals = {}
    for units in (3, 2, 0):
        document, _ = invoices(
            tmp_path, catalog(VOLUME), [event("t", "2026-10-05T00:00:00Z", units=units)]
        )
        [line] = lines_of(document)
        totals[units] = (
            line["total"],
            line["tier_mode"],
            [(t["tier"], t["quantity"], t["flat_price"]) for t in line["tiers"]],
        )
    assert totals == {
        3: ("1015", "VOLUME", [(2, "3", "1000")]),
        2: ("120", "VOLUME", [(1, "2", "100")]),
        0: ("100", "VOLUME", [(1, "0", "100")]),
    }


def test_volume_across_a_price_change_uses_the_period_total(tmp_path):
    """1 unit before Oct 15 and 2 after: the period total 3 reaches tier 2 for both segments.
    First segment: 1 × 5 + the flat price 1000 (charged once per period, on its first line) =
    1005; second: 2 × 8 (the new rate's tier 2) = 16."""
    rates = (
        VOLUME
        + """
- product: units
  starting_at: 2026-10-15T00:00:00Z
  entitled: true
  rate_type: TIERED
  tier_mode: VOLUME
  tiers: [{size: 2, price: 20, flat_price: 100}, {price: 8, flat_price: 1000}]
"""
    )
    document, _ = invoices(
        tmp_path,
        catalog(rates),
        [event("1", "2026-10-05T00:00:00Z", units=1), event("2", "2026-10-20T00:00:00Z", units=2)],
    )
    assert [line["total"] for line in lines_of(document)] == ["1005", "16"]


def test_a_volume_flat_price_is_charged_after_a_flat_segment(tmp_path):
    """FLAT 10 until Oct 15, then VOLUME tiers: 1 unit on Oct 5 is 1 × 10 = 10. 2 units on
    Oct 20: the period total 3 reaches tier 2, so 2 × 5 = 10 plus tier 2's flat price 1000,
    charged once per period on the first VOLUME line = 1010. Invoice: 1020. (The flat price
    was skipped whenever any line, even a FLAT one, came first in the period: 20.)"""
    rates = """
    - {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}
    - {product: units, starting_at: 2026-10-15T00:00:00Z, entitled: true, rate_type: TIERED, tier_mode: VOLUME, tiers: [{size: 2, price: 10, flat_price: 100}, {price: 5, flat_price: 1000}]}
    """
    document, _ = invoices(
        tmp_path,
        catalog(rates),
        [event("1", "2026-10-05T00:00:00Z", units=1), event("2", "2026-10-20T00:00:00Z", units=2)],
    )
    first, second = lines_of(document)
    assert first["total"] == "10"
    assert (second["total"], [(t["tier"], t["flat_price"]) for t in second["tiers"]]) == (
        "1010",
        [(2, "1000")],
    )
    assert document["invoices"][0]["total"] == "1020"


def test_graduated_flat_prices_for_each_tier_reached(tmp_path):
    """GRADUATED with flat prices 100 (tier 1) and 1000 (tier 2): 0 units pay tier 1's 100;
    12 units pay 10 × 2 + 2 × 1 + 100 + 1000 = 1122."""
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 10, price: 2, flat_price: 100}, {price: 1, flat_price: 1000}]}"
    totals = []
    for units in (0, 12):
        document, _ = invoices(
            tmp_path, catalog(rates), [event("t", "2026-10-05T00:00:00Z", units=units)]
        )
        totals += [line["total"] for line in lines_of(document)]
    assert totals == ["100", "1122"]


def test_not_entitled_products_are_not_billed(tmp_path):
    """`entitled: false`: no line, no invoice; the event is counted as not billed, silently."""
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: false, rate_type: FLAT, price: 50}"
    document, diagnostics = invoices(
        tmp_path, catalog(rates), [event("t1", "2026-10-05T00:00:00Z", units=3)]
    )
    assert document["invoices"] == [] and diagnostics == []
    assert document["summary"]["not_billed"] == 1


def test_custom_credit_type_rounds_to_its_places(tmp_path):
    """A rate in `gpu_credits` (2 decimal places): 3 units × 0.125 = 0.375 -> 0.38, on an invoice
    in gpu_credits; the card converts it at 100 cents a credit: 0.38 × 100 = 38 cents on the USD
    invoice (`cpu_conversion`)."""
    text = catalog(
        "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 0.125, credit_type: gpu_credits}"
    )
    text = text.replace(
        "version: 1\n",
        "version: 1\ncredit_types:\n  gpu_credits: {name: GPU credits, decimal_places: 2}\n",
    )
    text = text.replace(
        "    name: Card\n",
        "    name: Card\n    credit_type_conversions: [{custom_credit_type: gpu_credits, fiat_per_custom_credit: 100}]\n",
    )
    document, _ = invoices(tmp_path, text, [event("t1", "2026-10-05T00:00:00Z", units=3)])
    invoice, usd = sorted(document["invoices"], key=lambda i: i["credit_type"] == "USD")
    assert (invoice["credit_type"], invoice["line_items"][0]["total"], invoice["total"]) == (
        "gpu_credits",
        "0.38",
        "0.38",
    )
    assert [(li["type"], li["total"]) for li in usd["line_items"]] == [("cpu_conversion", "38")]


def test_the_alias_and_the_id_are_the_same_customer(tmp_path):
    """`acme-prod` is acme's ingest alias: 1 + 2 units on one line = 150."""
    document, _ = invoices(
        tmp_path,
        catalog(FLAT_50),
        [
            event("t1", "2026-10-05T00:00:00Z", customer="acme-prod", units=1),
            event("t2", "2026-10-06T00:00:00Z", customer="acme", units=2),
        ],
    )
    assert [line["total"] for line in lines_of(document)] == ["150"]


def test_a_property_that_is_not_a_number(tmp_path):
    """units "many" is not a number: reported at its file:line (W956), not counted."""
    document, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50),
        [
            event("t1", "2026-10-05T00:00:00Z", units=2),
            event("t2", "2026-10-06T00:00:00Z", units="many"),
        ],
    )
    assert [line["total"] for line in lines_of(document)] == ["100"]
    [diagnostic] = diagnostics
    assert diagnostic.code == "W956" and diagnostic.range.start.line == 2
    assert "'units'" in diagnostic.summary and "many" in diagnostic.summary
    assert document["summary"]["not_billed"] == 1


def test_an_empty_catalog_usage_is_an_empty_document(tmp_path):
    document, diagnostics = invoices(tmp_path, catalog(FLAT_50), [])
    assert document == {
        "format_version": "1.0",
        "invoices": [],
        "summary": {
            "events_read": 0,
            "events_used": 0,
            "duplicates": 0,
            "malformed": 0,
            "unknown_customer": 0,
            "outside_contracts": 0,
            "not_billed": 0,
        },
    }
    assert diagnostics == []
