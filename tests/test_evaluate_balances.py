# ruff: noqa: E501 (catalogs written inline)
"""Commits and credits on the invoice, end to end: a catalog and events in, Metronome's invoice
shape out (covered part, `applied_commit_or_credit`, uncovered rest; true-ups; balances).

The burn-down's rules, one by one, are in test_balances.py; these tests show what a user sees.
Every number is worked out in the docstring. Money is in USD cents; the base catalog prices
`units` at 50 cents each (FLAT), monthly statements from 2026-10-01.
"""

from __future__ import annotations

from invoicing import FLAT_50, catalog, event, invoices

FIXED = "  promo:\n    name: Promo credit\n    type: FIXED\n  prepaid:\n    name: Prepaid commitment\n    type: FIXED\nrate_cards:"


def _with_terms(terms: str, rates: str = FLAT_50, products: str = FIXED) -> str:
    """The base catalog with FIXED products `promo`, `prepaid` and these contract terms."""
    text = catalog(rates).replace("rate_cards:", products, 1)
    return text + terms


def _credit(amount: int, start: str, end: str, extra: str = "") -> str:
    return (
        "      - product: promo\n"
        f"        access_schedule:\n          schedule_items:\n"
        f"            - {{amount: {amount}, starting_at: {start}, ending_before: {end}}}\n" + extra
    )


def _summary(invoice):
    return [(li["type"], li["quantity"], li["total"]) for li in invoice["line_items"]]


def test_a_credit_covers_part_of_a_line_in_metronomes_three_line_shape(tmp_path):
    """10 units × 50 = 500; a 400 credit covers 8 units (400), the applied line is −400, the
    uncovered rest is 2 units (100). Invoice total 100; the credit has 0 left."""
    terms = "    credits:\n" + _credit(400, "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z")
    document, diagnostics = invoices(
        tmp_path, _with_terms(terms), [event("t1", "2026-10-05T00:00:00Z", units=10)]
    )
    assert diagnostics == []
    [invoice] = document["invoices"]
    assert _summary(invoice) == [
        ("usage", "8", "400"),
        ("applied_commit_or_credit", "1", "-400"),
        ("usage", "2", "100"),
    ]
    covered, applied, _ = invoice["line_items"]
    assert covered["commit_id"] == "credits[0]"
    assert applied["applied_commit_or_credit"] == {
        "id": "credits[0]",
        "type": "CREDIT",
        "product": "promo",
        "name": "Promo credit",
    }
    assert invoice["total"] == "100"
    assert invoice["balances"] == [
        {
            "id": "credits[0]",
            "type": "CREDIT",
            "product": "promo",
            "name": "Promo credit",
            "applied": "400",
            "remaining": "0",
        }
    ]


def test_an_unused_balance_carries_over_and_expires_at_the_end_of_its_window(tmp_path):
    """A 600 credit for [Oct 1, Dec 1); 10 units (500) each in October, November and December.
    October: 500 applied, 100 left, total 0. November: the last 100 applied, total 400.
    December: outside the window, total 500."""
    terms = "    credits:\n" + _credit(600, "2026-10-01T00:00:00Z", "2026-12-01T00:00:00Z")
    document, _ = invoices(
        tmp_path,
        _with_terms(terms),
        [
            event("t1", "2026-10-05T00:00:00Z", units=10),
            event("t2", "2026-11-05T00:00:00Z", units=10),
            event("t3", "2026-12-05T00:00:00Z", units=10),
        ],
    )
    assert [i["total"] for i in document["invoices"]] == ["0", "400", "500"]
    assert [
        [(b["applied"], b["remaining"]) for b in i["balances"]] for i in document["invoices"]
    ] == [
        [("500", "100")],
        [("100", "0")],
        [],
    ]


def test_lower_priority_draws_first_then_free_before_paid(tmp_path):
    """Two credits of 300 and a complimentary prepaid commit (no invoice schedule) of 300, 10
    units (500). The priority-1 credit is drawn first (300), then of the two priority-5
    balances ... both free, so the one ending earlier (the commit, Dec 1) gives the last 200."""
    terms = (
        "    credits:\n"
        + _credit(300, "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z", "        priority: 5\n")
        + _credit(300, "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z", "        priority: 1\n")
        + "    commits:\n"
        + "      - product: prepaid\n        type: PREPAID\n        priority: 5\n"
        + "        access_schedule:\n          schedule_items:\n"
        + "            - {amount: 300, starting_at: 2026-10-01T00:00:00Z, ending_before: 2026-12-01T00:00:00Z}\n"
    )
    document, _ = invoices(
        tmp_path, _with_terms(terms), [event("t1", "2026-10-05T00:00:00Z", units=10)]
    )
    [invoice] = document["invoices"]
    assert [(b["id"], b["applied"], b["remaining"]) for b in invoice["balances"]] == [
        ("credits[1]", "300", "0"),
        ("commits[0]", "200", "100"),
    ]
    assert [
        li["applied_commit_or_credit"]["id"]
        for li in invoice["line_items"]
        if li["type"] == "applied_commit_or_credit"
    ] == ["credits[1]", "commits[0]"]
    assert invoice["total"] == "0"


def test_a_balance_for_other_products_leaves_the_line_alone(tmp_path):
    """A credit `applicable_product_tags: [storage]` (`units` has no tags) draws nothing:
    total 500."""
    terms = "    credits:\n" + _credit(
        400,
        "2026-10-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        "        applicable_product_tags: [storage]\n",
    )
    document, _ = invoices(
        tmp_path, _with_terms(terms), [event("t1", "2026-10-05T00:00:00Z", units=10)]
    )
    [invoice] = document["invoices"]
    assert (_summary(invoice), invoice["balances"]) == ([("usage", "10", "500")], [])


def test_a_postpaid_shortfall_is_trued_up_on_the_invoice_date(tmp_path):
    """A POSTPAID commitment of 1000 for October, invoiced on Nov 1; usage 10 units = 500. The
    usage is billed as usual (500; the POSTPAID application is not subtracted) and counts
    toward the commitment; on Nov 1 a SCHEDULED invoice trues up the shortfall 1000 − 500 =
    500."""
    terms = (
        "    commits:\n"
        "      - product: prepaid\n        type: POSTPAID\n"
        "        access_schedule:\n          schedule_items:\n"
        "            - {amount: 1000, starting_at: 2026-10-01T00:00:00Z, ending_before: 2026-11-01T00:00:00Z}\n"
        "        invoice_schedule:\n          schedule_items:\n"
        "            - {timestamp: 2026-11-01T00:00:00Z, amount: 1000}\n"
    )
    document, _ = invoices(
        tmp_path,
        _with_terms(terms),
        [
            event("t1", "2026-10-05T00:00:00Z", units=10),
            event("t2", "2026-11-05T00:00:00Z", units=1),
        ],
    )
    usage, november, trueup = document["invoices"]  # by start; USAGE before SCHEDULED
    assert (usage["type"], usage["total"]) == ("USAGE", "500")
    assert [(b["type"], b["applied"], b["remaining"]) for b in usage["balances"]] == [
        ("POSTPAID", "500", "500")
    ]
    assert (trueup["type"], trueup["start_timestamp"], trueup["end_timestamp"]) == (
        "SCHEDULED",
        "2026-11-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
    )
    assert _summary(trueup) == [("postpaid_trueup", "1", "500")]
    assert november["total"] == "50"


def test_prepaid_first_then_the_rest_counts_toward_postpaid(tmp_path):
    """Metronome's example: usage 500, a 400 prepaid credit and a 400 postpaid commitment. The
    credit covers 400; the remaining 100 is billed and counts toward the postpaid commitment,
    whose true-up is then 400 − 100 = 300."""
    terms = (
        "    credits:\n"
        + _credit(400, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")
        + "    commits:\n"
        "      - product: prepaid\n        type: POSTPAID\n"
        "        access_schedule:\n          schedule_items:\n"
        "            - {amount: 400, starting_at: 2026-10-01T00:00:00Z, ending_before: 2026-11-01T00:00:00Z}\n"
        "        invoice_schedule:\n          schedule_items:\n"
        "            - {timestamp: 2026-11-01T00:00:00Z, amount: 400}\n"
    )
    document, _ = invoices(
        tmp_path,
        _with_terms(terms),
        [
            event("t1", "2026-10-05T00:00:00Z", units=10),
            event("t2", "2026-11-05T00:00:00Z", units=0),
        ],
    )
    usage, trueup = (document["invoices"][i] for i in (0, 2))
    assert usage["total"] == "100"
    assert [(b["type"], b["applied"]) for b in usage["balances"]] == [
        ("CREDIT", "400"),
        ("POSTPAID", "100"),
    ]
    assert (trueup["type"], _summary(trueup)) == ("SCHEDULED", [("postpaid_trueup", "1", "300")])


def test_every_invoice_says_what_it_leaves_out(tmp_path):
    """A term this evaluator does not price is named inside the invoice (`notes`) and on the
    rendered invoice, not only in a warning. Subscriptions are not priced yet here."""
    from billing_spec.render import render_invoices

    seats = "  seats:\n    name: Seats\n    type: SUBSCRIPTION\nrate_cards:"
    rates = FLAT_50 + (
        "\n- {product: seats, starting_at: 2026-01-01T00:00:00Z, entitled: true,"
        " rate_type: FLAT, price: 1000, billing_frequency: MONTHLY}"
    )
    terms = (
        "    subscriptions:\n"
        "      - subscription_rate: {product: seats, billing_frequency: MONTHLY}\n"
        "        initial_quantity: 3\n        collection_schedule: ADVANCE\n"
    )
    text = catalog(rates).replace("rate_cards:", seats, 1) + terms
    document, _ = invoices(tmp_path, text, [event("t1", "2026-10-05T00:00:00Z", units=1)])
    notes = document["invoices"][0]["notes"]
    if not notes:  # subscriptions are priced: nothing left to say
        return
    assert notes == ["not priced yet: subscriptions (1)"]
    assert "Note         not priced yet: subscriptions (1)" in render_invoices(document, "text")
    assert "> **Note:** not priced yet: subscriptions (1)" in render_invoices(document, "markdown")
    assert "not priced yet: subscriptions (1)</p>" in render_invoices(document, "html")


def test_net_payment_terms_give_each_invoice_a_due_date(tmp_path):
    """`net_payment_terms_days: 30`: October's invoice, issued Nov 1, is due Dec 1."""
    text = catalog(FLAT_50) + "    net_payment_terms_days: 30\n"
    document, _ = invoices(tmp_path, text, [event("t1", "2026-10-05T00:00:00Z", units=1)])
    [invoice] = document["invoices"]
    assert (invoice["net_payment_terms_days"], invoice["due_timestamp"]) == (
        "30",
        "2026-12-01T00:00:00Z",
    )


GPU = """\
version: 1
credit_types:
  gpu_credits:
    name: GPU credits
billable_metrics:
  usage_units:
    name: Units
    event_type_filter: {in_values: [usage]}
    property_filters:
      - {name: units, exists: true}
    aggregation_type: SUM
    aggregation_key: units
products:
  units:
    name: Units
    type: usage
    billable_metric: usage_units
  promo:
    name: Promo credit
    type: FIXED
rate_cards:
  card:
    name: Card
    credit_type_conversions:
      - {custom_credit_type: gpu_credits, fiat_per_custom_credit: 150}
    rates:
      - {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 2, credit_type: gpu_credits}
customers:
  acme:
    name: Acme
contracts:
  acme_2026:
    customer: acme
    rate_card: card
    starting_at: 2026-10-01T00:00:00Z
    credits:
      - product: promo
        access_schedule:
          credit_type: gpu_credits
          schedule_items:
            - {amount: 5, starting_at: 2026-10-01T00:00:00Z, ending_before: 2027-01-01T00:00:00Z}
"""


def test_custom_units_burn_their_own_balances_then_convert_to_fiat(tmp_path):
    """10 units at 2 GPU credits = 20 credits; a 5-credit grant (in GPU credits) covers 5 of
    them (2.5 units); the 15 left are converted at 150 cents per credit: a `cpu_conversion` line of 2250 cents on
    the USD invoice of the same period. The GPU invoice keeps the usage and the credit, and
    says its total is billed on the USD invoice."""
    document, diagnostics = invoices(tmp_path, GPU, [event("t1", "2026-10-05T00:00:00Z", units=10)])
    assert diagnostics == []
    gpu, usd = sorted(document["invoices"], key=lambda i: i["credit_type"] != "gpu_credits")
    assert (gpu["credit_type"], gpu["total"]) == ("gpu_credits", "15")
    assert _summary(gpu) == [
        ("usage", "2.5", "5"),
        ("applied_commit_or_credit", "1", "-5"),
        ("usage", "7.5", "15"),
    ]
    assert gpu["notes"] == ["converted to USD: this total is billed on the USD invoice"]
    assert (usd["credit_type"], usd["total"]) == ("USD", "2250")
    [line] = usd["line_items"]
    assert (line["type"], line["quantity"], line["unit_price"], line["total"]) == (
        "cpu_conversion",
        "15",
        "150",
        "2250",
    )


COMMIT_RATED = "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 50, commit_rate: {rate_type: FLAT, price: 40}}"


def test_a_commit_rate_prices_what_a_commit_rate_balance_covers(tmp_path):
    """List 50, commit rate 40. A COMMIT_RATE prepaid commit of 200 against 10 units: it pays
    for 200 / 40 = 5 units (a covered part of 5 units at 40 = 200, applied -200), the other 5
    units at list: 250. Total 250 (at list only, 10 × 50 - 200 would have been 300)."""
    terms = (
        "    commits:\n"
        "      - product: prepaid\n        type: PREPAID\n        rate_type: COMMIT_RATE\n"
        "        access_schedule:\n          schedule_items:\n"
        "            - {amount: 200, starting_at: 2026-10-01T00:00:00Z, ending_before: 2027-01-01T00:00:00Z}\n"
    )
    document, diagnostics = invoices(
        tmp_path, _with_terms(terms, COMMIT_RATED), [event("t1", "2026-10-05T00:00:00Z", units=10)]
    )
    assert diagnostics == []
    [invoice] = document["invoices"]
    assert [
        (li["type"], li["quantity"], li["unit_price"], li["total"], li.get("commit_rate"))
        for li in invoice["line_items"]
    ] == [
        ("usage", "5", "40", "200", True),
        ("applied_commit_or_credit", "1", None, "-200", None),
        ("usage", "5", "50", "250", None),
    ]
    assert invoice["total"] == "250"


def test_a_list_rate_balance_ignores_the_commit_rate(tmp_path):
    """The same commit without `rate_type: COMMIT_RATE` (LIST_RATE): 200 covers 4 units at
    list; 6 units at 50 = 300 remain."""
    terms = (
        "    commits:\n"
        "      - product: prepaid\n        type: PREPAID\n"
        "        access_schedule:\n          schedule_items:\n"
        "            - {amount: 200, starting_at: 2026-10-01T00:00:00Z, ending_before: 2027-01-01T00:00:00Z}\n"
    )
    document, _ = invoices(
        tmp_path, _with_terms(terms, COMMIT_RATED), [event("t1", "2026-10-05T00:00:00Z", units=10)]
    )
    [invoice] = document["invoices"]
    assert _summary(invoice) == [
        ("usage", "4", "200"),
        ("applied_commit_or_credit", "1", "-200"),
        ("usage", "6", "300"),
    ]


def test_a_recurrence_off_the_statement_dates_cuts_the_usage_lines(tmp_path):
    """A $5 (500) credit every month from Oct 15 (`recurrence_frequency: MONTHLY`) on monthly
    statements from Oct 1: October's usage splits at Oct 15: 2 units on Oct 10 (100) are
    before the first grant and paid; 4 units on Oct 20 (200) are covered by grant /0. November
    splits at Nov 15: 2 units on Nov 20 (100) are covered by grant /1. Totals 100 and 0."""
    terms = (
        "    recurring_credits:\n"
        "      - product: promo\n"
        "        access_amount: {unit_price: 500}\n"
        "        recurrence_frequency: MONTHLY\n"
        "        starting_at: 2026-10-15T00:00:00Z\n"
    )
    document, _ = invoices(
        tmp_path,
        _with_terms(terms),
        [
            event("t1", "2026-10-10T00:00:00Z", units=2),
            event("t2", "2026-10-20T00:00:00Z", units=4),
            event("t3", "2026-11-20T00:00:00Z", units=2),
        ],
    )
    october, november = document["invoices"]
    assert [
        (li["starting_at"][:10], li["total"], li.get("commit_id")) for li in october["line_items"]
    ] == [
        ("2026-10-01", "100", None),
        ("2026-10-15", "200", "recurring_credits[0]/0"),
        ("2026-10-15", "-200", None),
    ]
    assert (october["total"], november["total"]) == ("100", "0")
    assert [(b["id"], b["applied"], b["remaining"]) for b in november["balances"]] == [
        ("recurring_credits[0]/1", "100", "400")
    ]
