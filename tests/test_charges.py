"""Subscriptions, scheduled charges and commit purchases as lines (`evaluate/charges.py`).

Contracts are built with `Contract.model_validate`, from Oct 1 2026 with monthly statements on
the first of the month unless a test says otherwise. Seats cost 3,000 cents a month (October has
31 days, November 30). Each line is shown as
`(invoice, service start, service end, quantity, total, is_prorated)`, where the invoice is
`USAGE mm-dd` (the statement period starting that day) or `SCHEDULED mm-dd`; dates are 2026's
unless they show a year.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from billing_spec.catalog.models import Contract, Product, RateCard
from billing_spec.evaluate.charges import (
    Placed,
    card_rate_lookup,
    quantity_at,
    scheduled_charges,
    subscription_charges,
)
from billing_spec.evaluate.periods import periods, schedule_of
from billing_spec.money import EXACT, USD, CreditType

PRODUCTS = {
    "seats": Product(name="Team seats", type="SUBSCRIPTION", tags=("seat",)),
    "onboarding": Product(name="Onboarding", type="FIXED", tags=("services",)),
    "usage_commit": Product(name="Prepaid usage", type="FIXED"),
}
SEATS_3000 = {
    "product": "seats",
    "starting_at": "2026-01-01T00:00:00Z",
    "entitled": True,
    "rate_type": "FLAT",
    "price": 3000,
    "billing_frequency": "MONTHLY",
}


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def credit_type_of(ref: str | None) -> CreditType:
    return USD if ref in (None, "USD") else CreditType(id=ref, name=ref)


def contract(**fields: Any) -> Contract:
    base = {
        "customer": "acme",
        "rate_card": "card",
        "starting_at": "2026-10-01T00:00:00Z",
        "usage_statement_schedule": {"frequency": "MONTHLY"},
    }
    return Contract.model_validate(base | fields)


def subscription(**fields: Any) -> dict[str, Any]:
    base = {
        "subscription_rate": {"product": "seats", "billing_frequency": "MONTHLY"},
        "initial_quantity": 10,
        "collection_schedule": "ADVANCE",
    }
    return base | fields


def with_quantity_updates(c: Contract, *updates: dict[str, Any]) -> Contract:
    """The contract with `quantity_updates` on its subscription (whether or not the model has
    the field yet: charges.py reads it with getattr)."""
    sub = c.subscriptions[0].model_copy(update={"quantity_updates": updates})
    return c.model_copy(update={"subscriptions": (sub,)})


def statements(c: Contract, horizon: datetime):
    schedule = schedule_of(c.usage_statement_schedule, c.starting_at)
    return list(periods(schedule, c.starting_at, c.ending_before or horizon))


def where(placed: Placed) -> str:
    p = placed.placement
    when = p.period.start if p.kind == "USAGE" else p.at
    day = when.strftime("%m-%d" if when.year == 2026 else "%Y-%m-%d")
    return f"{p.kind} {day}"


def day(when: datetime) -> str:
    return when.strftime("%m-%d" if when.year == 2026 else "%Y-%m-%d")


def show(placed: list[Placed]) -> list[tuple]:
    return [
        (
            where(p),
            day(p.line.starting_at),
            day(p.line.ending_before),
            int(p.line.quantity),
            p.line.total,
            p.line.is_prorated,
        )
        for p in placed
    ]


def subs(c: Contract, horizon: datetime, *rates: dict[str, Any]) -> list[Placed]:
    card = RateCard.model_validate({"name": "Card", "rates": rates or (SEATS_3000,)})
    return subscription_charges(
        c,
        0,
        statements(c, horizon),
        horizon,
        card_rate_lookup(card),
        PRODUCTS,
        credit_type_of,
    )


# --- subscriptions --------------------------------------------------------------------------


def test_a_mid_month_start_is_prorated_by_seconds():
    """Seats from Oct 10: October is [Oct 10, Nov 1), 22 of its 31 days:
    10 × 3,000 × 22/31 = 21,290.32… -> 21,290. November is whole: 30,000."""
    c = contract(subscriptions=[subscription(starting_at="2026-10-10T00:00:00Z")])
    placed = subs(c, at(12, 1))
    assert show(placed) == [
        ("USAGE 10-01", "10-10", "11-01", 10, 21290, True),
        ("USAGE 11-01", "11-01", "12-01", 10, 30000, False),
    ]
    line = placed[0].line
    assert (line.type, line.product, line.name, line.unit_price) == (
        "subscription",
        "seats",
        "Team seats",
        3000,
    )
    assert line.product_tags == ("seat",)


def test_the_subscription_name_names_the_line():
    c = contract(subscriptions=[subscription(name="Acme seats")])
    assert subs(c, at(11, 1))[0].line.name == "Acme seats"


def test_not_prorated_charges_a_partial_period_in_full():
    """`is_prorated: false`: October from the 10th still costs 10 × 3,000 = 30,000."""
    c = contract(
        subscriptions=[
            subscription(starting_at="2026-10-10T00:00:00Z", proration={"is_prorated": False})
        ]
    )
    assert show(subs(c, at(11, 1))) == [("USAGE 10-01", "10-10", "11-01", 10, 30000, False)]


def test_an_increase_on_the_10th_in_advance_adds_a_prorated_line():
    """10 seats, +5 on Nov 10. November: 10 × 3,000 = 30,000 for the month, and the 5 added
    seats for [Nov 10, Dec 1), 21 of 30 days: 5 × 3,000 × 21/30 = 10,500, on November's
    invoice. December: 15 × 3,000 = 45,000."""
    c = with_quantity_updates(
        contract(subscriptions=[subscription()]),
        {"starting_at": at(11, 10), "quantity_delta": Decimal(5)},
    )
    assert show(subs(c, at(1, 1, 2027))[1:]) == [
        ("USAGE 11-01", "11-01", "12-01", 10, 30000, False),
        ("USAGE 11-01", "11-10", "12-01", 5, 10500, True),
        ("USAGE 12-01", "12-01", "2027-01-01", 15, 45000, False),
    ]


def test_an_increase_in_arrears_splits_the_period():
    """The same increase in ARREARS (set with `quantity: 15`): [Nov 1, Nov 10) at 10 seats,
    9/30 × 30,000 = 9,000, and [Nov 10, Dec 1) at 15 seats, 21/30 × 45,000 = 31,500; together
    40,500, as in advance (30,000 + 10,500)."""
    c = with_quantity_updates(
        contract(subscriptions=[subscription(collection_schedule="ARREARS")]),
        {"starting_at": at(11, 10), "quantity": Decimal(15)},
    )
    assert show(subs(c, at(12, 1))[1:]) == [
        ("USAGE 11-01", "11-01", "11-10", 10, 9000, True),
        ("USAGE 11-01", "11-10", "12-01", 15, 31500, True),
    ]


def test_an_increase_billed_immediately_goes_on_a_scheduled_invoice():
    """`invoice_behavior: BILL_IMMEDIATELY`: the 10,500 for the added seats is invoiced on
    Nov 10 itself."""
    c = with_quantity_updates(
        contract(
            subscriptions=[
                subscription(
                    proration={"is_prorated": True, "invoice_behavior": "BILL_IMMEDIATELY"}
                )
            ]
        ),
        {"starting_at": at(11, 10), "quantity_delta": Decimal(5)},
    )
    assert show(subs(c, at(12, 1))[2:]) == [("SCHEDULED 11-10", "11-10", "12-01", 5, 10500, True)]


def test_a_decrease_on_the_10th_takes_effect_next_period():
    """10 seats, 4 from Nov 10: November is still 10 × 3,000 = 30,000 (no credit, no split, in
    advance or in arrears); December is 4 × 3,000 = 12,000."""
    for schedule in ("ADVANCE", "ARREARS"):
        c = with_quantity_updates(
            contract(subscriptions=[subscription(collection_schedule=schedule)]),
            {"starting_at": at(11, 10), "quantity": Decimal(4)},
        )
        assert show(subs(c, at(1, 1, 2027))[1:]) == [
            ("USAGE 11-01", "11-01", "12-01", 10, 30000, False),
            ("USAGE 12-01", "12-01", "2027-01-01", 4, 12000, False),
        ], schedule


def test_an_increase_after_a_decrease_is_charged_above_what_the_period_already_charged():
    """10 seats, 4 from Nov 5, 12 from Nov 10: November already charges 10, so only 2 seats are
    added from Nov 10: 2 × 3,000 × 21/30 = 4,200."""
    c = with_quantity_updates(
        contract(subscriptions=[subscription()]),
        {"starting_at": at(11, 5), "quantity": Decimal(4)},
        {"starting_at": at(11, 10), "quantity": Decimal(12)},
    )
    assert show(subs(c, at(12, 1))[1:]) == [
        ("USAGE 11-01", "11-01", "12-01", 10, 30000, False),
        ("USAGE 11-01", "11-10", "12-01", 2, 4200, True),
    ]


def seat_based(seat_ids: list[str], unassigned: int = 0, **fields: Any) -> dict[str, Any]:
    """A SEAT_BASED subscription: `seat_config` instead of `initial_quantity`."""
    out = subscription(
        quantity_management_mode="SEAT_BASED",
        seat_config={
            "initial_seat_ids": seat_ids,
            "seat_group_key": "user_id",
            "initial_unassigned_seats": unassigned,
        },
        **fields,
    )
    del out["initial_quantity"]
    return out


def test_seats_added_on_the_10th_prorate_and_a_seat_removed_on_the_20th_waits():
    """3 seats (ana, bo, cy); dee and eve added on Nov 10; bo removed on Nov 20. November:
    3 × 3,000 = 9,000 for the month, and the 2 added seats for [Nov 10, Dec 1), 21 of 30 days:
    2 × 3,000 × 21/30 = 4,200. The removal does not lower November (decreases wait for the next
    period): December is 4 × 3,000 = 12,000."""
    c = contract(
        subscriptions=[
            seat_based(
                ["ana", "bo", "cy"],
                seat_updates={
                    "add_seat_ids": [{"seat_ids": ["dee", "eve"], "starting_at": at(11, 10)}],
                    "remove_seat_ids": [{"seat_ids": ["bo"], "starting_at": at(11, 20)}],
                },
            )
        ]
    )
    sub = c.subscriptions[0]
    assert [quantity_at(sub, at(m, d)) for m, d in ((10, 1), (11, 10), (11, 20))] == [3, 5, 4]
    assert show(subs(c, at(1, 1, 2027))) == [
        ("USAGE 10-01", "10-01", "11-01", 3, 9000, False),
        ("USAGE 11-01", "11-01", "12-01", 3, 9000, False),
        ("USAGE 11-01", "11-10", "12-01", 2, 4200, True),
        ("USAGE 12-01", "12-01", "2027-01-01", 4, 12000, False),
    ]


def test_seats_in_arrears_split_the_period_at_the_addition():
    """The same seats in ARREARS: [Nov 1, Nov 10) at 3 seats, 9/30 × 9,000 = 2,700, and
    [Nov 10, Dec 1) at 5, 21/30 × 15,000 = 10,500; together 13,200, as in advance (9,000 +
    4,200). bo's removal on Nov 20 changes nothing in November."""
    c = contract(
        subscriptions=[
            seat_based(
                ["ana", "bo", "cy"],
                collection_schedule="ARREARS",
                seat_updates={
                    "add_seat_ids": [{"seat_ids": ["dee", "eve"], "starting_at": at(11, 10)}],
                    "remove_seat_ids": [{"seat_ids": ["bo"], "starting_at": at(11, 20)}],
                },
            )
        ]
    )
    assert show(subs(c, at(12, 1))[1:]) == [
        ("USAGE 11-01", "11-01", "11-10", 3, 2700, True),
        ("USAGE 11-01", "11-10", "12-01", 5, 10500, True),
    ]


def test_unassigned_seats_count_and_new_seat_ids_fill_them_first():
    """ana and 2 unassigned seats: 3 × 3,000 = 9,000 a month. Nov 10: bo, cy and dee are
    assigned; two fill the unassigned seats, one is new: 4 seats, the added one for 21 of 30
    days, 1 × 3,000 × 21/30 = 2,100. Nov 20: 2 unassigned seats added, 6 seats: 2 × 3,000 ×
    11/30 = 2,200. Dec 1: the 2 unassigned removed: December is 4 × 3,000 = 12,000."""
    c = contract(
        subscriptions=[
            seat_based(
                ["ana"],
                unassigned=2,
                seat_updates={
                    "add_seat_ids": [{"seat_ids": ["bo", "cy", "dee"], "starting_at": at(11, 10)}],
                    "add_unassigned_seats": [{"quantity": 2, "starting_at": at(11, 20)}],
                    "remove_unassigned_seats": [{"quantity": 2, "starting_at": at(12, 1)}],
                },
            )
        ]
    )
    assert show(subs(c, at(1, 1, 2027))[1:]) == [
        ("USAGE 11-01", "11-01", "12-01", 3, 9000, False),
        ("USAGE 11-01", "11-10", "12-01", 1, 2100, True),
        ("USAGE 11-01", "11-20", "12-01", 2, 2200, True),
        ("USAGE 12-01", "12-01", "2027-01-01", 4, 12000, False),
    ]


def test_swapping_a_seat_on_one_date_keeps_the_quantity():
    """Removals apply before additions at one instant: bo out and fay in on Nov 10 leaves 3
    seats, so November is 9,000 and nothing more."""
    c = contract(
        subscriptions=[
            seat_based(
                ["ana", "bo", "cy"],
                seat_updates={
                    "add_seat_ids": [{"seat_ids": ["fay"], "starting_at": at(11, 10)}],
                    "remove_seat_ids": [{"seat_ids": ["bo"], "starting_at": at(11, 10)}],
                },
            )
        ]
    )
    assert show(subs(c, at(12, 1))[1:]) == [("USAGE 11-01", "11-01", "12-01", 3, 9000, False)]


def test_advance_and_arrears_at_the_first_and_last_period():
    """A quarterly subscription (9,000 a quarter, 1 unit) on a contract Oct 10 2026 -> Feb 20
    2027 with monthly statements: its billing periods are anchored at its start, [Oct 10,
    Jan 10) and [Jan 10, Feb 20), the last 41 of the 90 days to Apr 10: 9,000 × 41/90 = 4,100.
    ADVANCE bills each on the statement it starts in (October's, January's); ARREARS on the one
    it ends in (January's, then February's, the contract's last)."""
    quarterly = dict(SEATS_3000, price=9000, billing_frequency="QUARTERLY")

    def run(schedule: str) -> list[tuple]:
        sub = subscription(
            initial_quantity=1,
            collection_schedule=schedule,
            subscription_rate={"product": "seats", "billing_frequency": "QUARTERLY"},
        )
        c = contract(
            starting_at="2026-10-10T00:00:00Z",
            ending_before="2027-02-20T00:00:00Z",
            subscriptions=[sub],
        )
        return show(subs(c, at(2, 20, 2027), quarterly))

    assert run("ADVANCE") == [
        ("USAGE 10-10", "10-10", "2027-01-10", 1, 9000, False),
        ("USAGE 2027-01-01", "2027-01-10", "2027-02-20", 1, 4100, True),
    ]
    assert run("ARREARS") == [
        ("USAGE 2027-01-01", "10-10", "2027-01-10", 1, 9000, False),
        ("USAGE 2027-02-01", "2027-01-10", "2027-02-20", 1, 4100, True),
    ]


def test_aligned_periods_are_partial_exactly_when_the_statements_are():
    """Monthly seats on a contract Oct 10 -> Dec 20 with statements on the 1st: the first and
    last billing periods are the partial statements: 22/31 × 30,000 = 21,290 and 19/31 × 30,000
    = 18,387.09… -> 18,387; in arrears each lands on the statement it ends in, the same one."""
    for schedule in ("ADVANCE", "ARREARS"):
        c = contract(
            starting_at="2026-10-10T00:00:00Z",
            ending_before="2026-12-20T00:00:00Z",
            subscriptions=[subscription(collection_schedule=schedule)],
        )
        assert show(subs(c, at(12, 20))) == [
            ("USAGE 10-10", "10-10", "11-01", 10, 21290, True),
            ("USAGE 11-01", "11-01", "12-01", 10, 30000, False),
            ("USAGE 12-01", "12-01", "12-20", 10, 18387, True),
        ], schedule


def test_arrears_past_the_horizon_waits():
    """In arrears, a quarter [Oct 1, Jan 1) belongs on December's invoice: with the horizon at
    Nov 1 (only October's statement given) it is not billed yet."""
    quarterly = dict(SEATS_3000, price=9000, billing_frequency="QUARTERLY")
    sub = subscription(
        collection_schedule="ARREARS",
        subscription_rate={"product": "seats", "billing_frequency": "QUARTERLY"},
    )
    assert subs(contract(subscriptions=[sub]), at(11, 1), quarterly) == []


def test_quarterly_on_quarterly_statements_aligns_to_calendar_quarters():
    """Quarterly statements on the first of the month are calendar quarters; a subscription from
    Nov 1 has [Nov 1, Jan 1) of [Oct 1, Jan 1): 61 of 92 days, 9,000 × 61/92 = 5,967.39… ->
    5,967."""
    quarterly = dict(SEATS_3000, price=9000, billing_frequency="QUARTERLY")
    sub = subscription(
        initial_quantity=1,
        starting_at="2026-11-01T00:00:00Z",
        subscription_rate={"product": "seats", "billing_frequency": "QUARTERLY"},
    )
    c = contract(usage_statement_schedule={"frequency": "QUARTERLY"}, subscriptions=[sub])
    assert show(subs(c, at(1, 1, 2027), quarterly)) == [
        ("USAGE 10-01", "11-01", "2027-01-01", 1, 5967, True)
    ]


def test_one_rate_per_billing_period_across_a_price_change():
    """The card moves to 3,500 on Nov 15: November keeps 3,000 (the rate at its start), December
    pays 3,500: 10 × 3,500 = 35,000."""
    raise_ = dict(SEATS_3000, starting_at="2026-11-15T00:00:00Z", price=3500)
    c = contract(subscriptions=[subscription(starting_at="2026-11-01T00:00:00Z")])
    assert show(subs(c, at(1, 1, 2027), SEATS_3000, raise_)) == [
        ("USAGE 11-01", "11-01", "12-01", 10, 30000, False),
        ("USAGE 12-01", "12-01", "2027-01-01", 10, 35000, False),
    ]


def test_no_entitled_rate_no_line():
    """The card un-entitles seats from Dec 1: December has no line."""
    off = dict(SEATS_3000, starting_at="2026-12-01T00:00:00Z", entitled=False)
    c = contract(subscriptions=[subscription(starting_at="2026-11-01T00:00:00Z")])
    assert [p.line.starting_at for p in subs(c, at(1, 1, 2027), SEATS_3000, off)] == [at(11, 1)]


# --- scheduled charges ----------------------------------------------------------------------


def charges(c: Contract, horizon: datetime) -> list[Placed]:
    return scheduled_charges(c, statements(c, horizon), horizon, PRODUCTS, credit_type_of)


def recurring(distribution: str, **fields: Any) -> dict[str, Any]:
    schedule = {
        "recurring_schedule": {
            "amount_distribution": distribution,
            "frequency": "MONTHLY",
            "starting_at": "2026-10-15T00:00:00Z",
            "ending_before": "2027-01-15T00:00:00Z",
            "amount": 100,
        }
    }
    return {"product": "onboarding", "schedule": schedule | fields}


def totals(placed: list[Placed]) -> list[Decimal]:
    return [p.line.total for p in placed]


def test_each_charges_the_amount_at_every_item():
    """100 cents monthly Oct 15 -> Jan 15: three items of 100."""
    c = contract(scheduled_charges=[recurring("EACH")])
    assert totals(charges(c, at(2, 1, 2027))) == [100, 100, 100]


def test_divided_splits_exactly_and_rounds_each_line():
    """100 cents over three months: each item is 100/3 = 33.33…, its unit price the exact
    share, and each line total is rounded once: 33, 33, 33 (the items add up to 99, not 100)."""
    c = contract(scheduled_charges=[recurring("DIVIDED")])
    placed = charges(c, at(2, 1, 2027))
    assert totals(placed) == [33, 33, 33]
    assert placed[0].line.unit_price == EXACT.divide(Decimal(100), Decimal(3))


def test_divided_rounded_gives_the_rest_to_the_last_item():
    """100 cents over three months: 33, 33 and the rest, 34: the items add up to 100."""
    c = contract(scheduled_charges=[recurring("DIVIDED_ROUNDED")])
    placed = charges(c, at(2, 1, 2027))
    assert totals(placed) == [33, 33, 34]
    assert [p.line.unit_price for p in placed] == [33, 33, 34]


def test_schedule_items_are_scheduled_invoices_at_their_timestamps():
    """Onboarding 2,500 × 4 = 10,000 on Oct 15, on its own SCHEDULED invoice; the item dated
    at the horizon (Dec 1) is not billed yet."""
    items = [
        {"timestamp": "2026-10-15T00:00:00Z", "unit_price": 2500, "quantity": 4},
        {"timestamp": "2026-12-01T00:00:00Z", "amount": 700},
    ]
    c = contract(
        scheduled_charges=[
            {"product": "onboarding", "name": "Setup", "schedule": {"schedule_items": items}}
        ]
    )
    (placed,) = charges(c, at(12, 1))
    line = placed.line
    assert where(placed) == "SCHEDULED 10-15"
    assert (line.type, line.name, line.quantity, line.unit_price, line.total) == (
        "scheduled",
        "Setup",
        4,
        2500,
        10000,
    )
    assert line.starting_at == line.ending_before == at(10, 15)
    assert line.product_tags == ("services",) and line.do_not_invoice is None


def test_consolidation_puts_a_charge_at_a_statement_end_on_that_usage_invoice():
    """With `scheduled_charges_on_usage_invoices: ALL`, 700 dated Nov 1 (October's statement
    ends then) goes on October's USAGE invoice, even with the horizon at Nov 1; 500 on Oct 15
    stays SCHEDULED. Without ALL, both are SCHEDULED (and Nov 1 waits for a later horizon)."""
    items = [
        {"timestamp": "2026-10-15T00:00:00Z", "amount": 500},
        {"timestamp": "2026-11-01T00:00:00Z", "amount": 700},
    ]
    charge = {"product": "onboarding", "schedule": {"schedule_items": items}}
    consolidated = contract(scheduled_charges=[charge], scheduled_charges_on_usage_invoices="ALL")
    assert [where(p) for p in charges(consolidated, at(11, 1))] == [
        "SCHEDULED 10-15",
        "USAGE 10-01",
    ]
    plain = contract(scheduled_charges=[charge])
    assert [where(p) for p in charges(plain, at(11, 1))] == ["SCHEDULED 10-15"]
    assert [where(p) for p in charges(plain, at(12, 1))] == ["SCHEDULED 10-15", "SCHEDULED 11-01"]


def test_do_not_invoice_lists_the_line_at_zero():
    """A `do_not_invoice` schedule: the line is listed with total 0 and `do_not_invoice: true`;
    unit_price × quantity (5,000 × 1) still shows what was scheduled."""
    schedule = {
        "do_not_invoice": True,
        "schedule_items": [{"timestamp": "2026-10-15T00:00:00Z", "amount": 5000}],
    }
    c = contract(scheduled_charges=[{"product": "onboarding", "schedule": schedule}])
    (placed,) = charges(c, at(11, 1))
    line = placed.line
    assert (line.total, line.do_not_invoice, line.unit_price, line.quantity) == (0, True, 5000, 1)
    assert line.to_json()["do_not_invoice"] is True


def test_prepaid_commits_are_purchased_and_postpaid_commits_are_not():
    """A PREPAID commit invoiced 500,000 on Oct 1 is a `commit_purchase` line named by the
    commit; an unnamed one takes the product's name; a POSTPAID commit's invoice schedule is
    its true-up, left to the balance step."""
    access = {
        "schedule_items": [
            {
                "amount": 500000,
                "starting_at": "2026-10-01T00:00:00Z",
                "ending_before": "2027-01-01T00:00:00Z",
            }
        ]
    }

    def commit(kind: str, **fields: Any) -> dict[str, Any]:
        invoice = {"schedule_items": [{"timestamp": "2026-10-01T00:00:00Z", "amount": 500000}]}
        base = {"product": "usage_commit", "type": kind, "access_schedule": access}
        return base | {"invoice_schedule": invoice} | fields

    c = contract(
        commits=[
            commit("PREPAID", name="Q4 prepaid usage"),
            commit("PREPAID"),
            commit("POSTPAID"),
            commit("PREPAID", invoice_schedule=None),
        ]
    )
    placed = charges(c, at(11, 1))
    assert [(where(p), p.line.type, p.line.product, p.line.name, p.line.total) for p in placed] == [
        ("SCHEDULED 10-01", "commit_purchase", "usage_commit", "Q4 prepaid usage", 500000),
        ("SCHEDULED 10-01", "commit_purchase", "usage_commit", "Prepaid usage", 500000),
    ]


def test_a_schedule_in_a_custom_credit_type():
    """A schedule's `credit_type` prices its lines: 12 gpu_credits on Oct 15."""
    schedule = {
        "credit_type": "gpu_credits",
        "schedule_items": [{"timestamp": "2026-10-15T00:00:00Z", "amount": 12}],
    }
    c = contract(scheduled_charges=[{"product": "onboarding", "schedule": schedule}])
    (placed,) = charges(c, at(11, 1))
    assert placed.line.credit_type.id == "gpu_credits" and placed.line.total == 12


def test_commit_purchases_consolidate_too():
    """SDK-CC: ALL consolidates "scheduled and commit charges": a commit invoiced on Nov 1 goes
    on October's USAGE invoice."""
    access = {
        "schedule_items": [
            {
                "amount": 1000,
                "starting_at": "2026-11-01T00:00:00Z",
                "ending_before": "2027-01-01T00:00:00Z",
            }
        ]
    }
    invoice = {"schedule_items": [{"timestamp": "2026-11-01T00:00:00Z", "amount": 1000}]}
    commit = {
        "product": "usage_commit",
        "type": "PREPAID",
        "access_schedule": access,
        "invoice_schedule": invoice,
    }
    c = contract(commits=[commit], scheduled_charges_on_usage_invoices="ALL")
    assert [where(p) for p in charges(c, at(11, 1))] == ["USAGE 10-01"]
