# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""A DIVIDE conversion whose quotient does not terminate (÷3, ÷3600) is priced exactly.

DESIGN.md, "Pricing semantics", **Money**: the quantity is never rounded before pricing; the line
total is the exact rational value (aggregate × price ÷ factor for FLAT; tiers walked on exact
quantities) rounded once, ties away from zero; only the displayed quantity (and a tier row's
quantity and subtotal) is cut, to 12 decimal places, to the nearest.

Each docstring works the numbers out exactly, and says what the old path (the quotient carried to
50 significant digits, then priced) billed instead. Money is in USD cents.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from invoicing import catalog, compile_yaml, event, invoices, lines_of, write_jsonl

from billing_spec.evaluate.pricing import price_flat
from billing_spec.money import EXACT, convert_quantity, round_money

BY_3 = "\n    quantity_conversion: {conversion_factor: 3, operation: DIVIDE}"
FLAT_4_5 = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 4.5}"
FLAT_9 = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 9}"
OCT = "starting_at: 2026-10-01T00:00:00Z"


def with_terms(base: str, text: str) -> str:
    """`base` with contract terms (YAML lines at the contract's level) added to `acme_2026`."""
    return base + "".join(f"    {line}\n" for line in text.strip("\n").splitlines())


def test_an_exact_half_cent_after_divide_by_3_rounds_away_from_zero(tmp_path):
    """31 units DIVIDE 3 = 31/3 units at FLAT 4.5 cents = 31 × 4.5 / 3 = 139.5 / 3 = 46.5 cents
    exactly -> 47 (ties away from zero). The line shows 31/3 cut to 12 places: 10.333333333333.
    (At 50 digits: 10.333…3 × 4.5 = 46.4999…85 -> 46.)"""
    document, _ = invoices(
        tmp_path,
        catalog(FLAT_4_5, product_extra=BY_3),
        [event("t1", "2026-10-05T00:00:00Z", units=31)],
    )
    [line] = lines_of(document)
    assert (line["quantity"], line["unit_price"], line["total"]) == ("10.333333333333", "4.5", "47")
    assert document["invoices"][0]["total"] == "47"


def test_a_tier_boundary_reached_by_non_terminating_quotients(tmp_path):
    """Tiers [(0, 10] at 3, beyond at 1.5], DIVIDE 3, four rate segments in October (the same
    tiers from Jan 1, Oct 8, Oct 15, Oct 22), so graduated pricing continues across four lines:

    - 10 units on Oct 5, 10 on Oct 10, 10 on Oct 17: 10/3 units each, all in tier 1:
      10/3 × 3 = 10 cents each. After the third line the position is 10/3 × 3 = 10 exactly:
      tier 1's boundary.
    - 1 unit on Oct 25: 1/3 unit, units (10, 31/3]: all in tier 2, 1/3 × 1.5 = 0.5 -> 1 cent.

    Invoice 10 + 10 + 10 + 1 = 31. (At 50 digits the position was 3.333…3 × 3 = 9.999…9, 49
    nines, so the last line put 10^-49 of a unit in tier 1 and 0.333…3 (48 threes) in tier 2:
    3 × 10^-49 + 0.4999…95 < 0.5 -> 0 cents, invoice 30, with a tier-1 row of 10^-49 units.)"""
    tiers = "rate_type: TIERED, tiers: [{size: 10, price: 3}, {price: 1.5}]"
    rates = "\n".join(
        f"- {{product: units, starting_at: {start}, entitled: true, {tiers}}}"
        for start in (
            "2026-01-01T00:00:00Z",
            "2026-10-08T00:00:00Z",
            "2026-10-15T00:00:00Z",
            "2026-10-22T00:00:00Z",
        )
    )
    document, _ = invoices(
        tmp_path,
        catalog(rates, product_extra=BY_3),
        [
            event("t1", "2026-10-05T00:00:00Z", units=10),
            event("t2", "2026-10-10T00:00:00Z", units=10),
            event("t3", "2026-10-17T00:00:00Z", units=10),
            event("t4", "2026-10-25T00:00:00Z", units=1),
        ],
    )
    lines = lines_of(document)
    assert [(line["total"], line["quantity"]) for line in lines] == [
        ("10", "3.333333333333"),
        ("10", "3.333333333333"),
        ("10", "3.333333333333"),
        ("1", "0.333333333333"),
    ]
    assert [(t["tier"], t["quantity"], t["subtotal"]) for t in lines[2]["tiers"]] == [
        (1, "3.333333333333", "10")
    ]
    assert [(t["tier"], t["quantity"], t["price"], t["subtotal"]) for t in lines[3]["tiers"]] == [
        (2, "0.333333333333", "1.5", "0.5")
    ]
    assert document["invoices"][0]["total"] == "31"


def test_a_tier_row_that_does_not_terminate_is_shown_to_12_places(tmp_path):
    """31 units DIVIDE 3 = 31/3 in tiers [(0, 10] at 2, beyond at 4.5]: tier 1 holds 10 units,
    10 × 2 = 20; tier 2 holds 1/3 unit, 1/3 × 4.5 = 1.5 (exactly; shown "1.5"). Line total
    21.5 -> 22. Tier 2's quantity 1/3 is shown 0.333333333333. (At 50 digits: 0.333…3 × 4.5 =
    1.4999…85, total 21.4999…85 -> 21.)"""
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 10, price: 2}, {price: 4.5}]}"
    document, _ = invoices(
        tmp_path,
        catalog(rates, product_extra=BY_3),
        [event("t1", "2026-10-05T00:00:00Z", units=31)],
    )
    [line] = lines_of(document)
    assert (line["quantity"], line["total"]) == ("10.333333333333", "22")
    assert [(t["tier"], t["quantity"], t["subtotal"]) for t in line["tiers"]] == [
        (1, "10", "20"),
        (2, "0.333333333333", "1.5"),
    ]


def test_a_non_terminating_subtotal_is_shown_to_12_places_to_the_nearest(tmp_path):
    """20 units DIVIDE 3 = 20/3 in tiers [(0, 1] at 1, beyond at 1]: tier 1 holds 1 unit
    (subtotal 1), tier 2 holds 17/3 units = 5.666…, subtotal 17/3 × 1 = 5.666…, both shown to the
    nearest at 12 places: 5.666666666667. Total 20/3 = 6.666… -> 7."""
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 1, price: 1}, {price: 1}]}"
    document, _ = invoices(
        tmp_path,
        catalog(rates, product_extra=BY_3),
        [event("t1", "2026-10-05T00:00:00Z", units=20)],
    )
    [line] = lines_of(document)
    assert (line["quantity"], line["total"]) == ("6.666666666667", "7")
    assert [(t["quantity"], t["subtotal"]) for t in line["tiers"]] == [
        ("1", "1"),
        ("5.666666666667", "5.666666666667"),
    ]


def test_volume_tiers_on_an_exact_quotient(tmp_path):
    """VOLUME tiers [(0, 10] at 1, beyond at 4.5], 31 units DIVIDE 3: the period's total 31/3
    is above 10, so all 31/3 units cost 4.5: 46.5 -> 47. (At 50 digits: 46.4999… -> 46.)"""
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tier_mode: VOLUME, tiers: [{size: 10, price: 1}, {price: 4.5}]}"
    document, _ = invoices(
        tmp_path,
        catalog(rates, product_extra=BY_3),
        [event("t1", "2026-10-05T00:00:00Z", units=31)],
    )
    [line] = lines_of(document)
    assert (line["quantity"], line["total"]) == ("10.333333333333", "47")
    assert [(t["tier"], t["quantity"], t["subtotal"]) for t in line["tiers"]] == [
        (2, "10.333333333333", "46.5")
    ]


def test_seconds_to_hours_summed_over_many_events(tmp_path):
    """65 events of 60 seconds each, spread over October = 3,900 seconds, DIVIDE 3600 = 13/12
    hours (1.08333…, shown 1.083333333333) at 6 cents an hour = 3,900 × 6 / 3,600 = 6.5 cents
    exactly -> 7. (At 50 digits: 1.08333…3 × 6 = 6.4999…98 -> 6.)"""
    extra = "\n    quantity_conversion: {conversion_factor: 3600, operation: DIVIDE, name: hours}"
    rate = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 6}"
    events = [
        event(f"t{n}", f"2026-10-{1 + n % 28:02d}T{n % 24:02d}:00:00Z", units=60) for n in range(65)
    ]
    document, _ = invoices(tmp_path, catalog(rate, product_extra=extra), events)
    [line] = lines_of(document)
    assert (line["quantity"], line["total"]) == ("1.083333333333", "7")


def test_quantity_rounding_after_a_non_terminating_divide(tmp_path):
    """10 units DIVIDE 3 = 10/3 = 3.333…: ROUND_UP at 0 places -> 4 units × 4.5 = 18 cents;
    ROUND_HALF_UP at 2 places -> 3.33 × 4.5 = 14.985 -> 15. A LATEST decrease to -10 units is
    -10/3 = -3.333…: ROUND_DOWN (toward −∞) at 1 place -> -3.4 × 4.5 = -15.3 -> -15."""
    results = []
    for places, method, aggregation, units in (
        (0, "ROUND_UP", "SUM", 10),
        (2, "ROUND_HALF_UP", "SUM", 10),
        (1, "ROUND_DOWN", "LATEST", -10),
    ):
        extra = (
            BY_3
            + f"\n    quantity_rounding: {{decimal_places: {places}, rounding_method: {method}}}"
        )
        document, _ = invoices(
            tmp_path,
            catalog(FLAT_4_5, product_extra=extra, aggregation=aggregation),
            [event("t1", "2026-10-05T00:00:00Z", units=units)],
        )
        [line] = lines_of(document)
        results.append((line["quantity"], line["total"]))
    assert results == [("4", "18"), ("3.33", "15"), ("-3.4", "-15")]


def test_a_multiplier_override_prices_the_exact_quotient(tmp_path):
    """List FLAT 9, MULTIPLIER 0.5 for October: 4.5 cents a unit. 31 units DIVIDE 3 = 31/3 ×
    4.5 = 46.5 -> 47 (the multiplier is a Decimal; only the quantity is rational). (At 50 digits:
    46.4999… -> 46.)"""
    document, _ = invoices(
        tmp_path,
        with_terms(
            catalog(FLAT_9, product_extra=BY_3),
            f"overrides:\n  - {{product: units, {OCT}, type: MULTIPLIER, multiplier: 0.5}}",
        ),
        [event("t1", "2026-10-05T00:00:00Z", units=31)],
    )
    [line] = lines_of(document)
    assert (line["quantity"], line["unit_price"], line["list_price"], line["total"]) == (
        "10.333333333333",
        "4.5",
        "9",
        "47",
    )


def test_tiered_override_bands_walk_the_exact_quotient(tmp_path):
    """A TIERED override, bands [(0, 10] × 0, beyond × 0.5], 31 units DIVIDE 3 = 31/3:

    - over FLAT 9 (bands combined into tiers [(0, 10] at 0, beyond at 4.5]): 10 × 0 + 1/3 × 4.5
      = 1.5 -> 2;
    - over VOLUME [(0, 5] at 1, beyond at 9] (the period's 31/3 is in tier 2, price 9; the bands
      split its units): 10 × 9 × 0 + 1/3 × 9 × 0.5 = 1.5 -> 2.

    (At 50 digits: 0.333…3 × 4.5 = 1.4999… -> 1, both times.)"""
    override = (
        "multiplier_override_prioritization: EXPLICIT\n"
        f"overrides:\n  - {{product: units, {OCT}, type: TIERED, priority: 1, "
        "tiers: [{size: 10, multiplier: 0}, {multiplier: 0.5}]}"
    )
    volume = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tier_mode: VOLUME, tiers: [{size: 5, price: 1}, {price: 9}]}"
    results = []
    for rate in (FLAT_9, volume):
        document, _ = invoices(
            tmp_path,
            with_terms(catalog(rate, product_extra=BY_3), override),
            [event("t1", "2026-10-05T00:00:00Z", units=31)],
        )
        [line] = lines_of(document)
        rows = [(t["quantity"], t["price"], t["subtotal"]) for t in line["tiers"]]
        results.append((line["total"], rows))
    assert results == [
        ("2", [("10", "0", "0"), ("0.333333333333", "4.5", "1.5")]),
        ("2", [("10", "0", "0"), ("0.333333333333", "4.5", "1.5")]),
    ]


# --- the property ------------------------------------------------------------------------------


def half_away_from_zero(value: Fraction) -> int:
    """An independent rounding to whole cents: floor(|v| + 1/2) with v's sign."""
    whole = math.floor(abs(value) + Fraction(1, 2))
    return whole if value >= 0 else -whole


aggregates = st.integers(-(10**12), 10**12)
factors = st.one_of(
    st.integers(1, 10**6).map(Decimal), st.sampled_from([Decimal(3), Decimal(3600), Decimal("0.7")])
)
prices = st.decimals(0, 10**4, places=3, allow_nan=False, allow_infinity=False)


@given(aggregate=aggregates, factor=factors, price=prices)
@example(aggregate=31, factor=Decimal(3), price=Decimal("4.5"))  # 46.5 -> 47
@example(aggregate=3900, factor=Decimal(3600), price=Decimal(6))  # 6.5 -> 7
@example(aggregate=-31, factor=Decimal(3), price=Decimal("4.5"))  # -46.5 -> -47
def test_a_flat_total_is_the_exact_value_rounded_once(aggregate, factor, price):
    """FLAT: total = round(aggregate × price ÷ factor), computed here with Fraction alone. Priced
    in `money.EXACT`, the context the evaluator prices in."""
    with localcontext(EXACT):
        quantity = convert_quantity(Decimal(aggregate), factor, "DIVIDE")
        total = round_money(price_flat(price, quantity).amount)
    expected = half_away_from_zero(Fraction(aggregate) * Fraction(price) / Fraction(factor))
    assert total == expected


_CATALOGS: dict[tuple[int, str], object] = {}


def _flat_catalog(root, factor: int, price: str):
    if (factor, price) not in _CATALOGS:
        extra = f"\n    quantity_conversion: {{conversion_factor: {factor}, operation: DIVIDE}}"
        rate = f"- {{product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: {price}}}"
        _CATALOGS[factor, price] = compile_yaml(
            root / f"c{factor}-{price}", catalog(rate, product_extra=extra)
        )
    return _CATALOGS[factor, price]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    units=st.lists(st.integers(-1000, 10**6), min_size=1, max_size=12),
    factor=st.sampled_from([3, 7, 12, 3600, 1000]),
    price=st.sampled_from(["4.5", "1.5", "0.3", "6", "0.125"]),
)
@example(units=[31], factor=3, price="4.5")  # 46.5 -> 47
@example(units=[1000, 1000, 1000, 900], factor=3600, price="6")  # 6.5 -> 7
def test_an_invoice_line_is_the_exact_value_rounded_once(tmp_path_factory, units, factor, price):
    """End to end: events summed, DIVIDE `factor`, FLAT `price`: the line's total is
    round(Σ units × price ÷ factor) with ties away from zero, and its quantity Σ units ÷ factor
    shown exactly or to 12 places."""
    from billing_spec.evaluate import evaluate
    from billing_spec.events import read_events

    root = tmp_path_factory.mktemp("exact")
    events = [event(f"t{n}", "2026-10-05T00:00:00Z", units=u) for n, u in enumerate(units)]
    result, _ = evaluate(
        _flat_catalog(root, factor, price), read_events([write_jsonl(root / "e.jsonl", events)])
    )
    [line] = lines_of(result.to_document())
    exact = Fraction(sum(units)) * Fraction(price) / factor
    assert Decimal(line["total"]) == half_away_from_zero(exact)
    shown = Decimal(line["quantity"])
    assert abs(Fraction(shown) - Fraction(sum(units), factor)) <= Fraction(1, 2 * 10**12)
