# ruff: noqa: E501 (catalogs written inline)
"""Charges that are not usage, end to end: subscriptions, scheduled charges, composite fees and
how far the invoices run. The arithmetic of each rule (proration, distributions, quantity
changes) is specified in test_charges.py and test_billing_periods.py; these tests show the
invoices a user sees. Money is in USD cents; `units` costs 50 cents each, statements are monthly
from 2026-10-01.
"""

from __future__ import annotations

import json

from conftest import run_billing
from invoicing import FLAT_50, catalog, event, invoices, write_jsonl

HYBRID_PRODUCTS = """\
  seats:
    name: Seats
    type: SUBSCRIPTION
  support:
    name: Support (10% of usage)
    type: COMPOSITE
    composite_tags: [metered]
  platform:
    name: Platform fee
    type: FIXED
  onboarding:
    name: Onboarding
    type: FIXED
rate_cards:"""

HYBRID_RATES = (
    FLAT_50
    + "\n- {product: seats, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 3000, billing_frequency: MONTHLY}"
    + "\n- {product: support, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: PERCENTAGE, price: 0.1}"
)

HYBRID_TERMS = """\
    subscriptions:
      - subscription_rate: {product: seats, billing_frequency: MONTHLY}
        initial_quantity: 10
        collection_schedule: ADVANCE
    scheduled_charges:
      - product: platform
        schedule:
          recurring_schedule:
            amount_distribution: EACH
            frequency: MONTHLY
            starting_at: 2026-10-01T00:00:00Z
            ending_before: 2027-10-01T00:00:00Z
            amount: 20000
      - product: onboarding
        schedule:
          schedule_items:
            - {timestamp: 2026-10-01T00:00:00Z, amount: 50000}
"""


def hybrid(terms: str = HYBRID_TERMS) -> str:
    """`units` tagged `metered`; seats at $30; a 10% support fee on metered spend."""
    text = catalog(HYBRID_RATES, product_extra="\n    tags: [metered]")
    return text.replace("rate_cards:", HYBRID_PRODUCTS, 1) + terms


def _lines(invoice):
    return [
        (li["type"], li["product"], li["quantity"], li["total"]) for li in invoice["line_items"]
    ]


def test_a_hybrid_contract_previews_usage_seats_support_and_scheduled_invoices(tmp_path):
    """October: 40 units × 50 = 2000; 10 seats × 3000 = 30000 (ADVANCE, on October's usage
    invoice); support 10% of the metered spend 2000 = 200 (seats are not tagged `metered`).
    Usage invoice: 32200. The platform fee (20000, monthly from Oct 1) and the onboarding
    charge (50000) are on a SCHEDULED invoice dated Oct 1: 70000."""
    document, diagnostics = invoices(
        tmp_path, hybrid(), [event("t1", "2026-10-05T00:00:00Z", units=40)]
    )
    assert diagnostics == []
    usage, scheduled = document["invoices"]
    assert (usage["type"], usage["start_timestamp"], usage["end_timestamp"]) == (
        "USAGE",
        "2026-10-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
    )
    assert _lines(usage) == [
        ("usage", "units", "40", "2000"),
        ("subscription", "seats", "10", "30000"),
        ("composite", "support", "2000", "200"),
    ]
    assert usage["total"] == "32200"
    assert (scheduled["type"], scheduled["start_timestamp"]) == (
        "SCHEDULED",
        "2026-10-01T00:00:00Z",
    )
    assert _lines(scheduled) == [
        ("scheduled", "platform", "1", "20000"),
        ("scheduled", "onboarding", "1", "50000"),
    ]
    assert scheduled["total"] == "70000"
    assert all(i["notes"] == [] for i in document["invoices"])


def test_the_hybrid_contract_from_the_cli_in_every_format(tmp_path):
    """The same preview from `billing invoice`: the text shows the subscription, the support
    fee as a percent of its base, and the scheduled invoice's date."""
    root = tmp_path / "catalog"
    root.mkdir()
    (root / "catalog.yaml").write_text(hybrid(), encoding="utf-8")
    events = write_jsonl(tmp_path / "events.jsonl", [event("t1", "2026-10-05T00:00:00Z", units=40)])
    result = run_billing("invoice", root, "--events", events, "--format", "json")
    assert result.code == 0, result.stderr
    assert [i["total"] for i in json.loads(result.stdout)["invoices"]] == ["32200", "70000"]
    text = run_billing("invoice", root, "--events", events, "--format", "text").stdout
    assert "Seats" in text and "$300.00" in text
    assert "Support (10% of usage)" in text and "$20.00" in text and "10%" in text
    assert "Date         2026-10-01" in text and "Status       DRAFT (SCHEDULED)" in text
    html = run_billing("invoice", root, "--events", events, "--format", "html").stdout
    assert 'data-type="subscription"' in html and 'data-type="composite"' in html


def test_invoices_run_through_the_latest_events_period_or_through(tmp_path):
    """Events in October only: October's usage invoice carries the seats; November is not
    previewed (no events there), and the monthly platform fee is billed on Oct 1 only. With
    `through` = Jan 1 the seats are billed for October, November and December (30000 each) and
    the platform fee on Oct 1, Nov 1 and Dec 1."""
    from datetime import UTC, datetime

    events = [event("t1", "2026-10-05T00:00:00Z", units=40)]
    document, _ = invoices(tmp_path, hybrid(), events)
    assert [(i["type"], i["start_timestamp"][:10]) for i in document["invoices"]] == [
        ("USAGE", "2026-10-01"),
        ("SCHEDULED", "2026-10-01"),
    ]
    through = datetime(2027, 1, 1, tzinfo=UTC)
    document, _ = invoices(tmp_path, hybrid(), events, through=through)
    assert [(i["type"], i["start_timestamp"][:10], i["total"]) for i in document["invoices"]] == [
        ("USAGE", "2026-10-01", "32200"),
        ("SCHEDULED", "2026-10-01", "70000"),
        ("USAGE", "2026-11-01", "30000"),
        ("SCHEDULED", "2026-11-01", "20000"),
        ("USAGE", "2026-12-01", "30000"),
        ("SCHEDULED", "2026-12-01", "20000"),
    ]


SEAT_TERMS = """\
    subscriptions:
      - subscription_rate: {product: seats, billing_frequency: MONTHLY}
        quantity_management_mode: SEAT_BASED
        seat_config:
          initial_seat_ids: [ana, bo, cy]
          seat_group_key: user_id
        seat_updates:
          add_seat_ids:
            - {seat_ids: [dee, eve], starting_at: 2026-11-10T00:00:00Z}
          remove_seat_ids:
            - {seat_ids: [bo], starting_at: 2026-11-20T00:00:00Z}
        collection_schedule: ADVANCE
"""


def test_seat_based_seats_are_the_quantity_on_every_invoice(tmp_path):
    """3 seats, dee and eve from Nov 10, bo gone from Nov 20 (test_charges.py has the
    arithmetic). October: 40 units = 2000, 3 seats = 9000, support 200: 11200. November: 3
    seats = 9000 and the 2 added for 21 of 30 days = 4200: 13200. December: 4 seats = 12000."""
    from datetime import UTC, datetime

    events = [event("t1", "2026-10-05T00:00:00Z", units=40)]
    through = datetime(2027, 1, 1, tzinfo=UTC)
    document, diagnostics = invoices(tmp_path, hybrid(SEAT_TERMS), events, through=through)
    assert diagnostics == []
    assert [(i["start_timestamp"][:10], i["total"]) for i in document["invoices"]] == [
        ("2026-10-01", "11200"),
        ("2026-11-01", "13200"),
        ("2026-12-01", "12000"),
    ]
    november = document["invoices"][1]
    assert [
        (li["quantity"], li["starting_at"][:10], li["total"], li["is_prorated"])
        for li in november["line_items"]
    ] == [("3", "2026-11-01", "9000", False), ("2", "2026-11-10", "4200", True)]


def test_scheduled_charges_consolidate_onto_the_usage_invoice_ending_then(tmp_path):
    """`scheduled_charges_on_usage_invoices: ALL`: a charge dated Nov 1, October's end, goes on
    October's usage invoice (Metronome consolidates charges whose timestamp equals the usage
    invoice's end); the one dated Oct 1 ends no usage invoice and stays SCHEDULED."""
    terms = """\
    scheduled_charges_on_usage_invoices: ALL
    scheduled_charges:
      - product: onboarding
        schedule:
          schedule_items:
            - {timestamp: 2026-10-01T00:00:00Z, amount: 100}
            - {timestamp: 2026-11-01T00:00:00Z, amount: 200}
"""
    document, _ = invoices(tmp_path, hybrid(terms), [event("t1", "2026-10-05T00:00:00Z", units=2)])
    usage = next(i for i in document["invoices"] if i["type"] == "USAGE")
    scheduled = [i for i in document["invoices"] if i["type"] == "SCHEDULED"]
    assert _lines(usage)[-1] == ("scheduled", "onboarding", "1", "200")
    assert [(i["start_timestamp"][:10], i["total"]) for i in scheduled] == [("2026-10-01", "100")]


def test_a_composite_is_a_percentage_of_the_spend_it_covers(tmp_path):
    """`composite_products: [units]`: October's units spend 2000 at 10% = 200 (the seats are
    not covered). `exclude_free_usage: true` with units priced at 0: the free line is left out
    of the base, nothing is left to charge, and there is no support line."""
    products = HYBRID_PRODUCTS.replace(
        "    composite_tags: [metered]",
        "    composite_products: [units]\n    exclude_free_usage: true",
    )
    terms = HYBRID_TERMS.split("    scheduled_charges:")[0]
    text = catalog(HYBRID_RATES).replace("rate_cards:", products, 1) + terms
    document, _ = invoices(tmp_path, text, [event("t1", "2026-10-05T00:00:00Z", units=40)])
    assert _lines(document["invoices"][0])[-1] == ("composite", "support", "2000", "200")
    free = text.replace("rate_type: FLAT, price: 50}", "rate_type: FLAT, price: 0}")
    document, _ = invoices(tmp_path, free, [event("t1", "2026-10-05T00:00:00Z", units=40)])
    assert [li["type"] for li in document["invoices"][0]["line_items"]] == ["usage", "subscription"]


def test_a_composite_not_entitled_on_the_card_is_not_charged(tmp_path):
    """The card's support rate `entitled: false` and no override switching it on: no line."""
    rates = HYBRID_RATES.replace(
        "entitled: true, rate_type: PERCENTAGE", "entitled: false, rate_type: PERCENTAGE"
    )
    text = catalog(rates, product_extra="\n    tags: [metered]").replace(
        "rate_cards:", HYBRID_PRODUCTS, 1
    )
    document, _ = invoices(tmp_path, text, [event("t1", "2026-10-05T00:00:00Z", units=40)])
    assert [li["type"] for li in document["invoices"][0]["line_items"]] == ["usage"]


def test_a_credit_draws_usage_first_then_the_subscription_then_the_composite(tmp_path):
    """Metronome's line order for balances: usage, subscription, composite. A 31000 credit
    against usage 2000, seats 30000 and support 200: usage covered (2000), seats covered up to
    29000 (1000 left to pay), support not covered (200). Total 1200."""
    credit = """\
    credits:
      - product: platform
        access_schedule:
          schedule_items:
            - {amount: 31000, starting_at: 2026-10-01T00:00:00Z, ending_before: 2027-01-01T00:00:00Z}
"""
    terms = HYBRID_TERMS.split("    scheduled_charges:")[0] + credit
    document, _ = invoices(tmp_path, hybrid(terms), [event("t1", "2026-10-05T00:00:00Z", units=40)])
    [usage] = document["invoices"]
    assert [(li["type"], li["total"]) for li in usage["line_items"]] == [
        ("usage", "2000"),
        ("applied_commit_or_credit", "-2000"),
        ("subscription", "29000"),
        ("applied_commit_or_credit", "-29000"),
        ("subscription", "1000"),
        ("composite", "200"),
    ]
    assert usage["total"] == "1200"


def test_a_catalog_with_no_events_previews_the_first_period(tmp_path):
    """No events: each contract's first statement period is previewed (seats and scheduled
    charges), so `billing invoice` on an empty fixture still shows what a contract costs."""
    document, _ = invoices(tmp_path, hybrid(), [])
    assert [(i["type"], i["total"]) for i in document["invoices"]] == [
        ("USAGE", "30000"),
        ("SCHEDULED", "70000"),
    ]


def test_an_override_prices_the_subscription_and_the_composite(tmp_path):
    """A MULTIPLIER 0.5 on seats: 10 seats × 3000 × 0.5 = 15000. A MULTIPLIER 0.5 on the
    support fee halves its percentage: 5% of 2000 = 100."""
    terms = (
        HYBRID_TERMS.split("    scheduled_charges:")[0]
        + """\
    overrides:
      - product: seats
        starting_at: 2026-10-01T00:00:00Z
        type: MULTIPLIER
        multiplier: 0.5
      - product: support
        starting_at: 2026-10-01T00:00:00Z
        type: MULTIPLIER
        multiplier: 0.5
"""
    )
    document, _ = invoices(tmp_path, hybrid(terms), [event("t1", "2026-10-05T00:00:00Z", units=40)])
    assert _lines(document["invoices"][0]) == [
        ("usage", "units", "40", "2000"),
        ("subscription", "seats", "10", "15000"),
        ("composite", "support", "2000", "100"),
    ]


def test_recurring_credits_grant_anew_each_period_and_recurring_commits_are_bought(tmp_path):
    """$5 free each statement period (a recurring credit, priority 1) and a recurring commit of
    1000 a month invoiced 800 (priority 2), both for `units` only. October: units 2000 (40 × 50)
    less 500 (credit) and 1000 (commit) = 500, plus support 10% of 2000 = 200 (not covered):
    700. November: units 200 (4 × 50), all covered by November's credit (its own balance, /1:
    300 left), plus support 20: 20. Each month's commit is a `commit_purchase` of 800 on a
    SCHEDULED invoice on Oct 1 and Nov 1."""
    products = HYBRID_PRODUCTS.replace(
        "rate_cards:", "  bundle:\n    name: Bundle\n    type: FIXED\nrate_cards:"
    )
    terms = """\
    recurring_credits:
      - product: platform
        name: Free monthly usage
        access_amount: {unit_price: 500}
        starting_at: 2026-10-01T00:00:00Z
        applicable_products: [units]
        priority: 1
    recurring_commits:
      - product: bundle
        access_amount: {unit_price: 1000}
        recurrence_frequency: MONTHLY
        starting_at: 2026-10-01T00:00:00Z
        applicable_products: [units]
        invoice_amount: {unit_price: 800}
        priority: 2
"""
    text = (
        catalog(HYBRID_RATES, product_extra="\n    tags: [metered]").replace(
            "rate_cards:", products, 1
        )
        + terms
    )
    document, _ = invoices(
        tmp_path,
        text,
        [
            event("t1", "2026-10-05T00:00:00Z", units=40),
            event("t2", "2026-11-05T00:00:00Z", units=4),
        ],
    )
    usage = [i for i in document["invoices"] if i["type"] == "USAGE"]
    scheduled = [i for i in document["invoices"] if i["type"] == "SCHEDULED"]
    assert [[(b["id"], b["applied"], b["remaining"]) for b in i["balances"]] for i in usage] == [
        [("recurring_credits[0]/0", "500", "0"), ("recurring_commits[0]/0", "1000", "0")],
        [("recurring_credits[0]/1", "200", "300")],
    ]
    assert [i["total"] for i in usage] == ["700", "20"]
    assert [(i["start_timestamp"][:10], _lines(i)) for i in scheduled] == [
        ("2026-10-01", [("commit_purchase", "bundle", "1", "800")]),
        ("2026-11-01", [("commit_purchase", "bundle", "1", "800")]),
    ]
