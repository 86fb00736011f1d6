# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""Contract overrides, one rule per test: a catalog and events in, the invoice's numbers out.

Every number is worked out in the test's docstring. Money is in USD cents. The contract
`acme_2026` runs monthly from 2026-10-01; its overrides are given per test.
"""

from __future__ import annotations

import textwrap

from invoicing import FLAT_50, catalog, compile_yaml, event, invoices, lines_of

EXPLICIT = "multiplier_override_prioritization: EXPLICIT\n"


def terms(base: str, text: str) -> str:
    """`base` (a catalog from `invoicing.catalog`) with contract terms (YAML at the contract's
    level) added to `acme_2026`."""
    return base + textwrap.indent(textwrap.dedent(text).strip("\n") + "\n", "    ")


def overrides(*items: str, extra: str = "") -> str:
    """An `overrides:` list from one-line flow mappings, plus other contract fields."""
    return extra + "overrides:\n" + "".join(f"  - {item}\n" for item in items)


def priced(document) -> list[tuple]:
    """(start day, quantity, unit_price, total, override) per line."""
    return [
        (
            line["starting_at"][:10],
            line["quantity"],
            line["unit_price"],
            line["total"],
            line.get("override"),
        )
        for line in lines_of(document)
    ]


OCT = "starting_at: 2026-10-01T00:00:00Z"
THREE_THEN_TWO = [
    event("t1", "2026-10-05T00:00:00Z", units=3),
    event("t2", "2026-10-20T00:00:00Z", units=2),
]
CHANGE_ON_15TH = """
- {product: units, starting_at: 2026-01-01T00:00:00Z, ending_before: 2026-10-15T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}
- {product: units, starting_at: 2026-10-15T00:00:00Z, entitled: true, rate_type: FLAT, price: 20}
"""
TIERED = """
- product: units
  starting_at: 2026-01-01T00:00:00Z
  entitled: true
  rate_type: TIERED
  tiers: [{size: 10, price: 2}, {size: 10, price: 1}, {price: 0.5}]
"""


# --- MULTIPLIER ------------------------------------------------------------------------------


def test_multiplier_over_flat(tmp_path):
    """List 50, MULTIPLIER 0.8 for the whole period: 3 units × 40 = 120, one line (an override
    aligned with the period adds none), which names the override and the list price."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(FLAT_50),
            overrides(f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.8}}"),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    [line] = lines_of(document)
    assert (line["unit_price"], line["total"], line["list_price"]) == ("40", "120", "50")
    assert line["override"] == {"type": "MULTIPLIER", "index": 0}


def test_multiplier_over_tiered_scales_every_tier(tmp_path):
    """Tiers 2 / 1 / 0.5 × 0.9 = 1.8 / 0.9 / 0.45. 15 units: 10 × 1.8 + 5 × 0.9 = 18 + 4.5 =
    22.5 -> 23. A TIERED list rate has no `list_price`."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(TIERED),
            overrides(f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.9}}"),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=15)],
    )
    [line] = lines_of(document)
    assert line["total"] == "23" and "list_price" not in line
    assert [(t["quantity"], t["price"], t["subtotal"]) for t in line["tiers"]] == [
        ("10", "1.8", "18"),
        ("5", "0.9", "4.5"),
    ]


def test_multiplier_follows_a_mid_period_list_change(tmp_path):
    """List 10, then 20 from Oct 15; MULTIPLIER 0.5 all along: 3 × 5 = 15 and 2 × 10 = 20."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(CHANGE_ON_15TH),
            overrides(f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.5}}"),
        ),
        THREE_THEN_TWO,
    )
    multiplier = {"type": "MULTIPLIER", "index": 0}
    assert priced(document) == [
        ("2026-10-01", "3", "5", "15", multiplier),
        ("2026-10-15", "2", "10", "20", multiplier),
    ]
    assert [line["list_price"] for line in lines_of(document)] == ["10", "20"]


# --- OVERWRITE -------------------------------------------------------------------------------


def test_overwrite_flat_ignores_list_changes(tmp_path):
    """List 10, then 20 from Oct 15; OVERWRITE FLAT 7: 3 × 7 = 21 and 2 × 7 = 14."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(CHANGE_ON_15TH),
            overrides(
                f"{{product: units, {OCT}, type: OVERWRITE, overwrite_rate: {{rate_type: FLAT, price: 7}}}}"
            ),
        ),
        THREE_THEN_TWO,
    )
    overwrite = {"type": "OVERWRITE", "index": 0}
    assert priced(document) == [
        ("2026-10-01", "3", "7", "21", overwrite),
        ("2026-10-15", "2", "7", "14", overwrite),
    ]


def test_overwrite_tiered_over_a_flat_list_rate(tmp_path):
    """List FLAT 50; OVERWRITE TIERED [{size: 10, price: 3}, {price: 1}]: 15 units = 10 × 3 +
    5 × 1 = 35, graduated."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(FLAT_50),
            overrides(
                f"{{product: units, {OCT}, type: OVERWRITE, overwrite_rate: {{rate_type: TIERED, tiers: [{{size: 10, price: 3}}, {{price: 1}}]}}}}"
            ),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=15)],
    )
    [line] = lines_of(document)
    assert (line["unit_price"], line["total"], line["tier_mode"]) == (None, "35", "GRADUATED")
    assert [(t["quantity"], t["price"]) for t in line["tiers"]] == [("10", "3"), ("5", "1")]
    assert line["list_price"] == "50"


# --- TIERED overrides ------------------------------------------------------------------------


def test_tiered_override_bands_count_the_period_across_windows(tmp_path):
    """List 10, then 20 from Oct 15 (two windows); TIERED bands [{size: 5, multiplier: 0},
    {multiplier: 0.5}]. Oct 5: units (0, 3], all in band 1: 0. Oct 20: units (3, 7]: 2 more in
    band 1 (0) and 2 in band 2 at 20 × 0.5 = 10: 20. November starts the bands again: 4 units
    (0, 4] are free."""
    override = f"{{product: units, {OCT}, type: TIERED, priority: 1, tiers: [{{size: 5, multiplier: 0}}, {{multiplier: 0.5}}]}}"
    document, _ = invoices(
        tmp_path,
        terms(catalog(CHANGE_ON_15TH), overrides(override, extra=EXPLICIT)),
        [
            event("t1", "2026-10-05T00:00:00Z", units=3),
            event("t2", "2026-10-20T00:00:00Z", units=4),
            event("t3", "2026-11-03T00:00:00Z", units=4),
        ],
    )
    tiered = {"type": "TIERED", "index": 0}
    assert priced(document) == [
        ("2026-10-01", "3", None, "0", tiered),
        ("2026-10-15", "4", None, "20", tiered),
        ("2026-11-01", "4", None, "0", tiered),
    ]
    second = lines_of(document)[1]
    assert [(t["quantity"], t["price"]) for t in second["tiers"]] == [("2", "0"), ("2", "10")]


def test_tiered_override_over_a_tiered_list_rate_walks_both_boundaries(tmp_path):
    """List tiers [{size: 10, price: 2}, {size: 10, price: 1}, {price: 0.5}]; bands [{size: 5,
    multiplier: 0}, {size: 10, multiplier: 0.5}, {multiplier: 1}]. Cut at 5, 10, 15, 20:
    (0, 5] 2 × 0 = 0; (5, 10] 5 × 2 × 0.5 = 5; (10, 15] 5 × 1 × 0.5 = 2.5; (15, 20] 5 × 1 × 1 =
    5; (20, 22] 2 × 0.5 × 1 = 1. 22 units: 13.5 -> 14 (half away from zero)."""
    override = f"{{product: units, {OCT}, type: TIERED, priority: 1, tiers: [{{size: 5, multiplier: 0}}, {{size: 10, multiplier: 0.5}}, {{multiplier: 1}}]}}"
    document, _ = invoices(
        tmp_path,
        terms(catalog(TIERED), overrides(override, extra=EXPLICIT)),
        [event("t1", "2026-10-05T00:00:00Z", units=22)],
    )
    [line] = lines_of(document)
    assert line["total"] == "14"
    assert [
        (t["starting_at"], t["quantity"], t["price"], t["subtotal"]) for t in line["tiers"]
    ] == [
        ("0", "5", "0", "0"),
        ("5", "5", "1", "5"),
        ("10", "5", "0.5", "2.5"),
        ("15", "5", "1", "5"),
        ("20", "2", "0.5", "1"),
    ]


# --- when -------------------------------------------------------------------------------------


def test_an_override_starting_mid_period_splits_the_line(tmp_path):
    """List FLAT 10 all month; MULTIPLIER 0.5 from Oct 15: the line splits there by event
    time: 3 × 10 = 30 (list, no override key) and 2 × 5 = 10."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(
                "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}"
            ),
            overrides(
                "{product: units, starting_at: 2026-10-15T00:00:00Z, type: MULTIPLIER, multiplier: 0.5}"
            ),
        ),
        THREE_THEN_TWO,
    )
    assert priced(document) == [
        ("2026-10-01", "3", "10", "30", None),
        ("2026-10-15", "2", "5", "10", {"type": "MULTIPLIER", "index": 0}),
    ]
    assert "list_price" not in lines_of(document)[0]


def test_a_commit_access_window_starting_mid_period_splits_the_usage_line(tmp_path):
    """A commit usable from Oct 10 cuts October there (a later balance step needs whole lines
    inside or outside each access window): 3 × 50 = 150 before, 2 × 50 = 100 after; a credit
    aligned with the periods (Oct 1 to Dec 1) cuts nothing more. Both balances are free and of
    no priority; the credit ends first, so it covers both lines (and only it can cover the
    first, before the commit's window opens)."""
    fixed = "\n  prepaid:\n    name: Prepaid\n    type: FIXED"
    commits = """
    commits:
      - product: prepaid
        type: PREPAID
        access_schedule:
          schedule_items:
            - {amount: 10000, starting_at: 2026-10-10T00:00:00Z, ending_before: 2027-01-01T00:00:00Z}
    credits:
      - product: prepaid
        access_schedule:
          schedule_items:
            - {amount: 500, starting_at: 2026-10-01T00:00:00Z, ending_before: 2026-12-01T00:00:00Z}
    """
    document, _ = invoices(
        tmp_path, terms(catalog(FLAT_50, product_extra=fixed), commits), THREE_THEN_TWO
    )
    assert [
        (line["starting_at"], line["ending_before"], line["total"], line.get("commit_id"))
        for line in lines_of(document)
        if line["type"] == "usage"
    ] == [
        ("2026-10-01T00:00:00Z", "2026-10-10T00:00:00Z", "150", "credits[0]"),
        ("2026-10-10T00:00:00Z", "2026-11-01T00:00:00Z", "100", "credits[0]"),
    ]


# --- entitlement -----------------------------------------------------------------------------


OFF_50 = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: false, rate_type: FLAT, price: 50}"


def test_an_entitlement_override_switches_a_product_on(tmp_path):
    """The card leaves `units` off; an override without a type switches it on until Oct 15:
    the Oct 5 event is billed at list (3 × 50 = 150, no override key: the price is the list's),
    the Oct 20 one is not (counted not_billed)."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(OFF_50),
            overrides(
                f"{{product: units, {OCT}, ending_before: 2026-10-15T00:00:00Z, entitled: true}}"
            ),
        ),
        THREE_THEN_TWO,
    )
    assert priced(document) == [("2026-10-01", "3", "50", "150", None)]
    assert document["summary"]["not_billed"] == 1


def test_an_entitled_override_with_a_price(tmp_path):
    """Switched on by a MULTIPLIER 0.5 that also says `entitled: true`: 3 × 25 = 75."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(OFF_50),
            overrides(
                f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.5, entitled: true}}"
            ),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    assert priced(document) == [("2026-10-01", "3", "25", "75", {"type": "MULTIPLIER", "index": 0})]


def test_an_entitlement_override_switches_a_product_off(tmp_path):
    """The card entitles `units`; `entitled: false` on the contract: no line, 1 event not
    billed. A price override alone does not switch an unentitled product on."""
    document, _ = invoices(
        tmp_path,
        terms(catalog(FLAT_50), overrides(f"{{product: units, {OCT}, entitled: false}}")),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    assert document["invoices"] == [] and document["summary"]["not_billed"] == 1
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(OFF_50),
            overrides(f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.5}}"),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    assert document["invoices"] == []


# --- targeting -------------------------------------------------------------------------------

# Three products on one metric (each event counts for all three), each FLAT 10: `a` priced per
# region and shown per user, tags [x, y]; `b` tags [x]; `c` tags [z].
SHOP = """
version: 1
billable_metrics:
  m:
    name: M
    property_filters: [{name: units, exists: true}, {name: region, exists: true}, {name: user, exists: true}]
    aggregation_type: SUM
    aggregation_key: units
    group_keys: [[region, user]]
products:
  a: {name: A, type: usage, billable_metric: m, pricing_group_key: [region], presentation_group_key: [user], tags: [x, y]}
  b: {name: B, type: usage, billable_metric: m, tags: [x]}
  c: {name: C, type: usage, billable_metric: m, tags: [z]}
rate_cards:
  card:
    name: Card
    rates:
      - {product: a, pricing_group_values: {region: us}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}
      - {product: a, pricing_group_values: {region: eu}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}
      - {product: b, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}
      - {product: c, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 10}
customers:
  acme: {name: Acme}
contracts:
  acme_2026:
    customer: acme
    rate_card: card
    starting_at: 2026-10-01T00:00:00Z
    usage_statement_schedule: {frequency: MONTHLY}
"""
SHOP_EVENTS = [
    event("t1", "2026-10-05T00:00:00Z", event_type="e", units=1, region="us", user="u1"),
    event("t2", "2026-10-05T00:00:00Z", event_type="e", units=1, region="eu", user="u1"),
    event("t3", "2026-10-05T00:00:00Z", event_type="e", units=1, region="eu", user="u2"),
]


def shop_totals(tmp_path, *items: str) -> dict[str, str]:
    """`product/region/user` -> line total."""
    document, _ = invoices(tmp_path, terms(SHOP, overrides(*items)), SHOP_EVENTS)
    return {
        "/".join(
            [
                line["product"],
                *line["pricing_group_values"].values(),
                *line["presentation_group_values"].values(),
            ]
        ): line["total"]
        for line in lines_of(document)
    }


ALL_LIST = {"a/us/u1": "10", "a/eu/u1": "10", "a/eu/u2": "10", "b": "30", "c": "30"}


def test_targeting_by_product(tmp_path):
    """MULTIPLIER 0.5 on `b` only: b = 3 × 5 = 15; the rest at list."""
    assert shop_totals(tmp_path, f"{{product: b, {OCT}, type: MULTIPLIER, multiplier: 0.5}}") == {
        **ALL_LIST,
        "b": "15",
    }


def test_targeting_by_tags_is_any_of(tmp_path):
    """`applicable_product_tags: [y, z]`: `a` (has y) and `c` (has z) at half; `b` (x only) at
    list."""
    assert shop_totals(
        tmp_path, f"{{applicable_product_tags: [y, z], {OCT}, type: MULTIPLIER, multiplier: 0.5}}"
    ) == {
        "a/us/u1": "5",
        "a/eu/u1": "5",
        "a/eu/u2": "5",
        "b": "30",
        "c": "15",
    }


def test_specifiers_and_within_or_across(tmp_path):
    """Specifiers [{product_tags: [x, y], pricing_group_values: {region: eu}}, {product: c}]:
    `a` in eu matches the first (ALL its tags, and the region): 5 each; `a` in us fails the
    region; `b` has x but not y; `c` matches the second: 3 × 5 = 15."""
    item = f"{{override_specifiers: [{{product_tags: [x, y], pricing_group_values: {{region: eu}}}}, {{product: c}}], {OCT}, type: MULTIPLIER, multiplier: 0.5}}"
    assert shop_totals(tmp_path, item) == {**ALL_LIST, "a/eu/u1": "5", "a/eu/u2": "5", "c": "15"}


def test_specifiers_with_presentation_values(tmp_path):
    """A specifier with `presentation_group_values: {user: u1}` prices only u1's lines of `a`
    (both regions): 5 each; u2 stays at list. And a presentation-specific entitlement override
    switches off only u2's line."""
    item = f"{{override_specifiers: [{{product: a, presentation_group_values: {{user: u1}}}}], {OCT}, type: MULTIPLIER, multiplier: 0.5}}"
    assert shop_totals(tmp_path, item) == {**ALL_LIST, "a/us/u1": "5", "a/eu/u1": "5"}
    off = f"{{override_specifiers: [{{product: a, presentation_group_values: {{user: u2}}}}], {OCT}, entitled: false}}"
    expected = {**ALL_LIST}
    del expected["a/eu/u2"]
    assert shop_totals(tmp_path, off) == expected


# --- prioritization --------------------------------------------------------------------------


def test_an_overwrite_beats_a_lower_multiplier(tmp_path):
    """MULTIPLIER 0.1 (5 a unit) and OVERWRITE FLAT 45: the overwrite wins whatever the
    discount; overrides never stack (not 4.5): 3 × 45 = 135."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(FLAT_50),
            overrides(
                f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.1}}",
                f"{{product: units, {OCT}, type: OVERWRITE, overwrite_rate: {{rate_type: FLAT, price: 45}}}}",
            ),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    assert priced(document) == [("2026-10-01", "3", "45", "135", {"type": "OVERWRITE", "index": 1})]


def test_the_last_overwrite_in_the_list_wins(tmp_path):
    """OVERWRITEs 30 then 40 (Metronome: the last added applies): 3 × 40 = 120."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(FLAT_50),
            overrides(
                f"{{product: units, {OCT}, type: OVERWRITE, overwrite_rate: {{rate_type: FLAT, price: 30}}}}",
                f"{{product: units, {OCT}, type: OVERWRITE, overwrite_rate: {{rate_type: FLAT, price: 40}}}}",
            ),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    assert priced(document) == [("2026-10-01", "3", "40", "120", {"type": "OVERWRITE", "index": 1})]


def test_lowest_multiplier_picks_the_biggest_discount(tmp_path):
    """Default prioritization (LOWEST_MULTIPLIER), multipliers 0.9, 0.7, 0.8: 0.7 wins:
    3 × 35 = 105."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(FLAT_50),
            overrides(
                *(
                    f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: {m}}}"
                    for m in ("0.9", "0.7", "0.8")
                )
            ),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    assert priced(document) == [
        ("2026-10-01", "3", "35", "105", {"type": "MULTIPLIER", "index": 1})
    ]


def test_explicit_picks_the_lowest_priority_and_ties_go_to_the_later(tmp_path):
    """EXPLICIT: 0.5 at priority 2 and 0.9 at priority 1: priority 1 wins, 3 × 45 = 135 (not
    the bigger discount). Two at priority 1 (0.6 then 0.7): the later in the list wins,
    3 × 35 = 105."""
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(FLAT_50),
            overrides(
                f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.5, priority: 2}}",
                f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.9, priority: 1}}",
                extra=EXPLICIT,
            ),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    assert priced(document) == [
        ("2026-10-01", "3", "45", "135", {"type": "MULTIPLIER", "index": 1})
    ]
    document, _ = invoices(
        tmp_path,
        terms(
            catalog(FLAT_50),
            overrides(
                f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.6, priority: 1}}",
                f"{{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.7, priority: 1}}",
                extra=EXPLICIT,
            ),
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=3)],
    )
    assert priced(document) == [
        ("2026-10-01", "3", "35", "105", {"type": "MULTIPLIER", "index": 1})
    ]


# --- for other pricing steps -----------------------------------------------------------------


def test_entitled_and_effective_rate_for_a_subscription_product(tmp_path):
    """`seats` (SUBSCRIPTION, MONTHLY FLAT 3000) with MULTIPLIER 0.5 from Nov 1: 3000 in
    October, 1500 in November. `support` is off on the card and switched on by an override
    from Nov 1."""
    from datetime import UTC, datetime

    from billing_spec.evaluate.overrides import effective_rate, entitled

    yaml = """
    version: 1
    products:
      seats: {name: Seats, type: subscription}
      support: {name: Support, type: subscription}
    rate_cards:
      card:
        name: Card
        rates:
          - {product: seats, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 3000, billing_frequency: MONTHLY}
          - {product: support, starting_at: 2026-01-01T00:00:00Z, entitled: false, rate_type: FLAT, price: 100, billing_frequency: MONTHLY}
    customers:
      acme: {name: Acme}
    contracts:
      acme_2026:
        customer: acme
        rate_card: card
        starting_at: 2026-10-01T00:00:00Z
        overrides:
          - {product: seats, starting_at: 2026-11-01T00:00:00Z, type: MULTIPLIER, multiplier: 0.5}
          - {product: support, starting_at: 2026-11-01T00:00:00Z, entitled: true}
    """
    compiled = compile_yaml(tmp_path / "subs", yaml)
    october, november = datetime(2026, 10, 15, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC)

    def price(at):
        return effective_rate(
            compiled, "acme_2026", "seats", at, billing_frequency="MONTHLY"
        ).rate.price

    assert (price(october), price(november)) == (3000, 1500)
    assert entitled(compiled, "acme_2026", "seats", october)
    assert not entitled(compiled, "acme_2026", "support", october)
    assert entitled(compiled, "acme_2026", "support", november, billing_frequency="MONTHLY")
    assert effective_rate(compiled, "acme_2026", "seats", datetime(2025, 1, 1, tzinfo=UTC)) is None
