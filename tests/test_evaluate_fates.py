# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""What happens to each event: used, or counted and reported, never silently lost.

The summary's counts always add up: read = used + duplicates + malformed + unknown_customer +
outside_contracts + not_billed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from invoicing import FLAT_50, catalog, codes, event, invoices, lines_of

from billing_spec.diagnostics import BillingSpecError


def _adds_up(summary: dict[str, int]) -> bool:
    parts = (
        "events_used",
        "duplicates",
        "malformed",
        "unknown_customer",
        "outside_contracts",
        "not_billed",
    )
    return summary["events_read"] == sum(summary[p] for p in parts)


def test_unknown_customers_are_counted_and_reported_once_per_id(tmp_path):
    """Three events of `nobody` (neither a customer ID nor an alias): one W952 with the count,
    at the first one's line."""
    document, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50),
        [
            event("t1", "2026-10-05T00:00:00Z", units=1),
            event("t2", "2026-10-05T00:00:00Z", customer="nobody", units=1),
            event("t3", "2026-10-06T00:00:00Z", customer="nobody", units=1),
            event("t4", "2026-10-07T00:00:00Z", customer="nobody", units=1),
        ],
    )
    assert document["summary"]["unknown_customer"] == 3
    [warning] = diagnostics
    assert warning.code == "W952" and warning.range.start.line == 2
    assert warning.summary.startswith("3 events for customer_id 'nobody'")
    assert _adds_up(document["summary"])


def test_an_unknown_customer_id_close_to_a_known_one_gets_a_did_you_mean(tmp_path):
    """Customer IDs and aliases are case-sensitive: `Acme` is not `acme`. W952 names the close
    one; an ID close to nothing says how to make it known."""
    _, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50),
        [
            event("t1", "2026-10-05T00:00:00Z", customer="Acme", units=1),
            event("t2", "2026-10-05T00:00:00Z", customer="zz-9", units=1),
        ],
    )
    assert [(d.code, d.hint) for d in diagnostics] == [
        ("W952", "did you mean 'acme'? the location given is the first such event"),
        (
            "W952",
            "add it to a customer's ingest_aliases if it is one; the location given is the "
            "first such event",
        ),
    ]


def test_events_under_a_renamed_customers_old_id_say_how_to_keep_them(tmp_path):
    """`acme` was renamed `acme_inc` with `moved`: events still sent as `acme` are unknown, and
    W952 says so and how to keep billing them (an ingest alias)."""
    renamed = (
        catalog(FLAT_50)
        .replace("  acme:\n    name: Acme", "  acme_inc:\n    name: Acme")
        .replace("customer: acme\n", "customer: acme_inc\n")
    ) + "moved:\n  - {from: customer.acme, to: customer.acme_inc}\n"
    _, diagnostics = invoices(
        tmp_path, renamed, [event("t1", "2026-10-05T00:00:00Z", customer="acme", units=1)]
    )
    assert [(d.code, d.hint) for d in diagnostics] == [
        (
            "W952",
            "customer acme was renamed acme_inc (`moved`): add 'acme' to its ingest_aliases to "
            "bill events still sent under the old ID; the location given is the first such event",
        )
    ]


def test_thousands_of_unknown_customer_ids_make_a_hundred_warnings(tmp_path):
    """One W952 per unknown customer_id, but like every kind of warning only the first 100 are
    shown, then a count: 1,000 IDs made 1,000 warnings."""
    document, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50),
        [event(f"t{n}", "2026-10-05T00:00:00Z", customer=f"c{n}", units=1) for n in range(1000)],
    )
    assert document["summary"]["unknown_customer"] == 1000
    assert codes(diagnostics) == ["W952"] * 101
    assert diagnostics[0].summary.startswith("1 event for customer_id 'c0'")
    assert diagnostics[-1].summary.startswith("... and 900 more like this")


def test_events_outside_the_contract_are_counted(tmp_path):
    """The contract starts Oct 1: an event on Sep 30 is outside it (W953)."""
    document, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50),
        [
            event("t1", "2026-09-30T23:59:59Z", units=1),
            event("t2", "2026-10-01T00:00:00Z", units=1),
        ],
    )
    assert document["summary"]["outside_contracts"] == 1
    assert codes(diagnostics) == ["W953"]
    assert [line["total"] for line in lines_of(document)] == ["50"]


def test_events_with_no_rate_in_force_are_reported(tmp_path):
    """The only rate ends Oct 10: a unit on Oct 12 has no rate (W955, not billed); the one on
    Oct 5 is billed on the line for [Oct 1, Oct 10)."""
    rates = "- {product: units, starting_at: 2026-01-01T00:00:00Z, ending_before: 2026-10-10T00:00:00Z, entitled: true, rate_type: FLAT, price: 50}"
    document, diagnostics = invoices(
        tmp_path,
        catalog(rates),
        [
            event("t1", "2026-10-05T00:00:00Z", units=1),
            event("t2", "2026-10-12T00:00:00Z", units=1),
        ],
    )
    assert codes(diagnostics) == ["W955"]
    assert diagnostics[0].range.start.line == 2
    [line] = lines_of(document)
    assert (line["starting_at"], line["ending_before"]) == (
        "2026-10-01T00:00:00Z",
        "2026-10-10T00:00:00Z",
    )
    assert document["summary"]["not_billed"] == 1 and _adds_up(document["summary"])


def test_overlapping_contracts_take_the_latest_start(tmp_path):
    """A second contract from Oct 15 overlaps the first: events from then on go to it (the latest
    starting_at), with one W954 for the customer."""
    text = (
        catalog(FLAT_50)
        + """
  acme_renewal:
    customer: acme
    rate_card: card
    starting_at: 2026-10-15T00:00:00Z
"""
    )
    document, diagnostics = invoices(
        tmp_path,
        text,
        [
            event("t1", "2026-10-05T00:00:00Z", units=1),
            event("t2", "2026-10-16T00:00:00Z", units=2),
            event("t3", "2026-10-17T00:00:00Z", units=3),
        ],
    )
    assert [
        (i["contract"], i["start_timestamp"][:10], i["total"]) for i in document["invoices"]
    ] == [("acme_2026", "2026-10-01", "50"), ("acme_renewal", "2026-10-15", "250")]
    assert codes(diagnostics) == ["W954"]
    assert "acme_renewal, acme_2026" in diagnostics[0].summary


def test_through_ignores_later_events(tmp_path):
    """--through Oct 15: the Oct 15 and Nov 2 events are ignored (not billed), the Oct 5 one is
    billed on the October invoice."""
    document, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50),
        [
            event("t1", "2026-10-05T00:00:00Z", units=1),
            event("t2", "2026-10-15T00:00:00Z", units=1),
            event("t3", "2026-11-02T00:00:00Z", units=1),
        ],
        through=datetime(2026, 10, 15, tzinfo=UTC),
    )
    assert [(i["start_timestamp"][:10], i["total"]) for i in document["invoices"]] == [
        ("2026-10-01", "50")
    ]
    assert document["summary"]["not_billed"] == 2 and diagnostics == []


def test_customer_limits_the_invoices(tmp_path):
    """--customer acme (or its alias): only acme's invoices; the other customer's events count as
    not billed, without warnings."""
    text = (
        catalog(FLAT_50)
        + """
  other_2026:
    customer: other
    rate_card: card
    starting_at: 2026-10-01T00:00:00Z
"""
    )
    text = text.replace("customers:\n", "customers:\n  other: {name: Other}\n")
    events = [
        event("t1", "2026-10-05T00:00:00Z", units=1),
        event("t2", "2026-10-05T00:00:00Z", customer="other", units=1),
        event("t3", "2026-09-05T00:00:00Z", customer="other", units=1),
    ]
    for wanted in ("acme", "acme-prod"):
        document, diagnostics = invoices(tmp_path, text, events, customer=wanted)
        assert [i["customer"] for i in document["invoices"]] == ["acme"]
        assert document["summary"]["not_billed"] == 2 and diagnostics == []


def test_an_unknown_customer_option_is_an_error(tmp_path):
    with pytest.raises(BillingSpecError) as raised:
        invoices(tmp_path, catalog(FLAT_50), [], customer="acmee")
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "E704" and "did you mean 'acme'" in diagnostic.hint


def test_an_unknown_engine_is_an_error(tmp_path):
    with pytest.raises(BillingSpecError) as raised:
        invoices(tmp_path, catalog(FLAT_50), [], engine="duckdbb")
    assert raised.value.diagnostics[0].code == "E705"


def test_events_matching_no_metric_are_not_billed_silently(tmp_path):
    """An event type no metric takes (Metronome ignores those): counted as not billed."""
    document, diagnostics = invoices(
        tmp_path, catalog(FLAT_50), [event("t1", "2026-10-05T00:00:00Z", event_type="heartbeat")]
    )
    assert document["summary"]["not_billed"] == 1 and diagnostics == []


def test_duplicates_count_once_and_differing_copies_are_reported(tmp_path):
    """t1 twice, identical: counted once, silently. t2 again with other units: the first copy
    (2 units) wins and W951 names both lines. 1 + 2 units = 150."""
    document, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50),
        [
            event("t1", "2026-10-05T00:00:00Z", units=1),
            event("t2", "2026-10-05T00:00:00Z", units=2),
            event("t1", "2026-10-05T00:00:00Z", units=1),
            event("t2", "2026-10-05T00:00:00Z", units=9),
        ],
    )
    assert [line["total"] for line in lines_of(document)] == ["150"]
    assert document["summary"]["duplicates"] == 2
    [warning] = diagnostics
    assert warning.code == "W951" and warning.range.start.line == 4
    assert "'t2'" in warning.summary and ".jsonl:2" in warning.summary


def _unchecked(tmp_path, text: str):
    """Compile without the semantic checks, as a catalog built another way might arrive."""
    import textwrap

    from billing_spec.catalog.load import load_catalog
    from billing_spec.compile import compile_catalog

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "catalog.yaml").write_text(textwrap.dedent(text).lstrip("\n"))
    spec, diagnostics = load_catalog(tmp_path / "c")
    assert diagnostics == []
    return compile_catalog(spec)


def test_what_the_evaluator_cannot_price_is_said_not_guessed(tmp_path):
    """A SQL metric cannot be evaluated locally (W957); a zero conversion factor (W961) and a
    rate whose pricing_group_values do not match the product's key (W960) are refused. The
    semantic checks catch the last two first; the evaluator does not rely on it."""
    from billing_spec.evaluate import evaluate

    text = catalog(
        FLAT_50
        + "\n- {product: sql, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 1}"
        "\n- {product: zero, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 1}"
        "\n- {product: units, pricing_group_values: {region: us}, starting_at: 2026-02-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 1}"
    )
    text = text.replace(
        "products:\n",
        """products:
  sql: {name: SQL, type: usage, billable_metric: by_sql}
  zero: {name: Zero, type: usage, billable_metric: usage_units, quantity_conversion: {conversion_factor: 0, operation: DIVIDE}}
""",
    ).replace(
        "billable_metrics:\n",
        "billable_metrics:\n  by_sql: {name: By SQL, sql: SELECT count(*) FROM events}\n",
    )
    result, diagnostics = evaluate(
        _unchecked(tmp_path, text), [event("t1", "2026-10-05T00:00:00Z", units=2)]
    )
    assert sorted(codes(diagnostics)) == ["W957", "W960", "W961"]
    assert [line["total"] for line in lines_of(result.to_document())] == ["100"]


def test_every_code_the_evaluator_uses_is_registered():
    import re
    from pathlib import Path

    from billing_spec.codes import CODES

    root = Path(__file__).resolve().parents[1] / "billing_spec"
    sources = [
        *root.glob("events/*.py"),
        *root.glob("evaluate/*.py"),
        root / "cli" / "invoice_command.py",
    ]
    used = {
        code for path in sources for code in re.findall(r'"((?:E7|W9[5-7])\d\d)"', path.read_text())
    }
    assert used and used <= set(CODES), used - set(CODES)


def test_a_credit_is_drawn_down_without_a_warning(tmp_path):
    """The contract has a 1000 credit on a FIXED product: the usage line (one unit at 50 cents)
    is covered by it, the applied line is -50, and nothing is left unpriced (no W962)."""
    text = (
        catalog(FLAT_50)
        .replace(
            "    usage_statement_schedule:",
            "    credits:\n"
            "      - product: promo\n"
            "        access_schedule:\n"
            "          schedule_items:\n"
            "            - {amount: 1000, starting_at: 2026-10-01T00:00:00Z,"
            " ending_before: 2027-01-01T00:00:00Z}\n"
            "    usage_statement_schedule:",
        )
        .replace("rate_cards:", "  promo:\n    name: Promo\n    type: FIXED\nrate_cards:")
    )
    document, diagnostics = invoices(tmp_path, text, [event("t1", "2026-10-05T00:00:00Z", units=1)])
    assert [line["total"] for line in lines_of(document)] == ["50", "-50"]
    assert diagnostics == []


FLAT_50_AND_SEATS = (
    FLAT_50
    + "\n- {product: seats, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT,"
    " price: 3000, billing_frequency: MONTHLY}"
)


def _with_products(text: str, products: str) -> str:
    return text.replace("rate_cards:", products + "rate_cards:")


def test_a_subscription_rate_on_the_card_alone_is_not_named(tmp_path):
    """As in Metronome, a SUBSCRIPTION product's rate on the card bills nothing by itself: only
    a contract's `subscriptions` sell it. A contract without one gets no seats line; one with a
    subscription of 3 seats bills them (ADVANCE, October: 3 × the card's price), without any
    warning."""
    seats = "  seats:\n    name: Seats\n    type: SUBSCRIPTION\n"
    document, diagnostics = invoices(
        tmp_path,
        _with_products(catalog(FLAT_50_AND_SEATS), seats),
        [event("t1", "2026-10-05T00:00:00Z", units=1)],
    )
    assert codes(diagnostics) == []
    assert [line["type"] for line in lines_of(document)] == ["usage"]
    subscribed = _with_products(catalog(FLAT_50_AND_SEATS), seats).replace(
        "    usage_statement_schedule:",
        "    subscriptions:\n"
        "      - subscription_rate: {product: seats, billing_frequency: MONTHLY}\n"
        "        initial_quantity: 3\n"
        "        collection_schedule: ADVANCE\n"
        "    usage_statement_schedule:",
    )
    document, diagnostics = invoices(
        tmp_path, subscribed, [event("t1", "2026-10-05T00:00:00Z", units=1)]
    )
    assert diagnostics == []
    assert [(line["type"], line["quantity"]) for line in lines_of(document)] == [
        ("usage", "1"),
        ("subscription", "3"),
    ]


def test_no_usage_invoice_before_invoice_generation_starting_at(tmp_path):
    """`invoice_generation_starting_at` (Metronome: usage is invoiced from then on, earlier
    invoices being imported): October's usage invoice, which ends on November 1, is not
    generated; November's is (1 unit at 50 = 50)."""
    schedule = "{frequency: MONTHLY, invoice_generation_starting_at: 2026-11-01T00:00:00Z}"
    document, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50, schedule=schedule),
        [
            event("t1", "2026-10-05T00:00:00Z", units=3),
            event("t2", "2026-11-05T00:00:00Z", units=1),
        ],
    )
    assert [(i["start_timestamp"], i["total"]) for i in document["invoices"]] == [
        ("2026-11-01T00:00:00Z", "50")
    ]
    assert diagnostics == []


def test_a_plain_usage_contract_gets_no_coverage_note(tmp_path):
    _, diagnostics = invoices(
        tmp_path, catalog(FLAT_50), [event("t1", "2026-10-05T00:00:00Z", units=1)]
    )
    assert codes(diagnostics) == []


# --- numbers and instants at the edges ------------------------------------------------------


def test_an_event_number_beyond_30_digits_is_not_counted(tmp_path):
    """Like catalog numbers, event numbers have at most 30 digits on each side of the point:
    1e30 (31 digits) and a 31-digit integer are reported (W956) and not counted; 1e29 is."""
    document, diagnostics = invoices(
        tmp_path,
        catalog(FLAT_50),
        [
            event("t1", "2026-10-05T00:00:00Z", units="1e30"),
            event("t2", "2026-10-05T00:00:00Z", units=10**30),
            event("t3", "2026-10-05T00:00:00Z", units="0." + "0" * 30 + "1"),
            event("t4", "2026-10-05T00:00:00Z", units="1e29"),
        ],
    )
    assert codes(diagnostics) == ["W956"] * 3
    assert "the number 1e30, beyond 30 digits on a side of the point" in diagnostics[0].summary
    assert [line["quantity"] for line in lines_of(document)] == ["1" + "0" * 29]


def test_a_sum_that_cannot_be_exact_is_an_error_not_a_rounding(tmp_path):
    """The window's quantity, (10^29 - 1) + 10^-30, needs 59 significant digits: refused with
    E707 where it is priced, never rounded."""
    with pytest.raises(BillingSpecError) as raised:
        invoices(
            tmp_path,
            catalog(FLAT_50),
            [
                event("t1", "2026-10-05T00:00:00Z", units="9" * 29),
                event("t2", "2026-10-05T00:00:00Z", units="0." + "0" * 29 + "1"),
            ],
        )
    assert raised.value.diagnostics[0].code == "E707"


def test_whether_a_sum_is_exact_does_not_depend_on_the_order_of_the_events(tmp_path):
    """10^29, -10^29 and 10^-30 sum to 10^-30 (1 significant digit) in every order. Summed as
    they come at 50 digits, the order 10^29, 10^-30, -10^29 passed through 10^29 + 10^-30 (60
    digits) and stopped with E707 while the other orders priced: 10^-30 units × 50 = 0 cents.
    Events are summed exactly whatever their order; only the window's sum must fit 50 digits."""
    tiny = "0." + "0" * 29 + "1"
    values = {"a": "1e29", "b": "-1e29", "c": tiny}
    for order in ("abc", "acb", "cab"):
        document, diagnostics = invoices(
            tmp_path,
            catalog(FLAT_50),
            [event(t, "2026-10-05T00:00:00Z", units=values[t]) for t in order],
        )
        assert diagnostics == []
        assert [(line["quantity"], line["total"]) for line in lines_of(document)] == [(tiny, "0")]


def test_an_amount_too_large_to_round_to_the_cent_is_an_error_naming_the_line(tmp_path):
    """10^29 units at 10^29 cents each: 10^58 cents, beyond 50 digits."""
    rate = (
        "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true,"
        " rate_type: FLAT, price: 1e29}"
    )
    with pytest.raises(BillingSpecError) as raised:
        invoices(tmp_path, catalog(rate), [event("t1", "2026-10-05T00:00:00Z", units="1e29")])
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "E707"
    assert diagnostic.summary.startswith(
        "product units of contract acme_2026, period 2026-10-01T00:00:00Z..2026-11-01T00:00:00Z"
    )


def test_instants_run_from_year_1000_to_9997_and_periods_may_end_in_9998(tmp_path):
    """An annual contract from 9997-06-01: its one period ends 9998-06-01, past the last
    instant a user may write, and still renders; an event in 9998 is malformed (W950)."""
    from billing_spec.render import render_invoices

    document, diagnostics = invoices(
        tmp_path,
        catalog(
            FLAT_50,
            start="9997-06-01T00:00:00Z",
            schedule="{frequency: ANNUAL, day: CONTRACT_START}",
        ),
        [
            event("t1", "9997-12-31T23:59:59Z", units=2),
            event("t2", "9998-01-01T00:00:00Z", units=2),
            event("t3", "0999-12-31T23:59:59Z", units=2),
        ],
    )
    assert codes(diagnostics) == ["W950", "W950"]
    [invoice] = document["invoices"]
    assert (invoice["start_timestamp"], invoice["end_timestamp"], invoice["total"]) == (
        "9997-06-01T00:00:00Z",
        "9998-06-01T00:00:00Z",
        "100",
    )
    assert "9998-06-01" in render_invoices(document, "text")


def test_events_from_python_meet_the_same_limits(tmp_path):
    """`evaluate(catalog, [dicts])`: an int of 31 digits is refused as from a file (W956)."""
    from invoicing import compile_yaml

    from billing_spec.evaluate import evaluate

    compiled = compile_yaml(tmp_path / "c", catalog(FLAT_50))
    records = [
        event("t1", "2026-10-05T00:00:00Z", units=10**30),
        event("t2", "2026-10-05T00:00:00Z", units=10**30 - 1),
    ]
    result, diagnostics = evaluate(compiled, records)
    assert codes(diagnostics) == ["W956"]
    assert [line["quantity"] for line in lines_of(result.to_document())] == ["9" * 30]


def test_a_subtotal_is_exact_whatever_the_callers_decimal_context(tmp_path):
    """Two lines of 10^29 - 1 cents each (29 nines, at a price of 1 cent): the subtotal has 30
    digits, more than Python's default decimal context keeps (28): still exact."""
    from decimal import localcontext

    rate = (
        "- {product: units, starting_at: 2026-01-01T00:00:00Z, entitled: true,"
        " rate_type: FLAT, price: 1}"
    )
    nines = "9" * 29
    text = catalog(rate, product_extra="\n    presentation_group_key: [user]")
    text = text.replace(
        "      - {name: units, exists: true}",
        "      - {name: units, exists: true}\n      - {name: user, exists: true}",
    )
    text = text.replace(
        "    aggregation_key: units", "    aggregation_key: units\n    group_keys: [[user]]"
    )
    with localcontext() as ctx:
        ctx.prec = 28
        document, _ = invoices(
            tmp_path,
            text,
            [
                event("t1", "2026-10-05T00:00:00Z", units=nines, user="a"),
                event("t2", "2026-10-05T00:00:00Z", units=nines, user="b"),
            ],
        )
    [invoice] = document["invoices"]
    assert invoice["subtotal"] == str(2 * int(nines))
