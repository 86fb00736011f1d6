"""Invariants of the invoice comparison, over random invoices on both sides.

- every (customer, contract, period, credit type) invoiced on either side appears exactly once,
  with that side's total (absent: None) and the other's;
- a contract's delta is the sum of its periods' deltas; the grand totals are the sums of the
  invoices (absent counting as zero);
- comparing the other way round negates every delta;
- comparing a side with itself changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing_spec.evaluate import Invoice, Invoices, LineItem, Summary
from billing_spec.money import USD, CreditType
from billing_spec.plan.impact import Impact, compare_invoices

GPU = CreditType(id="gpu_credits", name="GPU credits")
MONTHS = [datetime(2026, month, 1, tzinfo=UTC) for month in range(1, 13)]

keys = st.tuples(
    st.sampled_from(["acme", "globex"]),
    st.sampled_from(["a", "b"]),
    st.integers(0, 10),  # the period: a month
    st.sampled_from([USD, GPU]),
)
cents = st.decimals(min_value=-(10**6), max_value=10**9, places=0, allow_nan=False)
sides = st.dictionaries(keys, cents, max_size=12)


def invoices(side: dict) -> Invoices:
    out = []
    for (customer, contract, month, credit_type), total in sorted(
        side.items(), key=lambda item: (item[0][:3], item[0][3].id)
    ):
        start, end = MONTHS[month], MONTHS[month + 1]
        line = LineItem("usage", "p", "P", credit_type, start, end, Decimal(1), total)
        out.append(
            Invoice(
                customer, customer, f"{customer}_{contract}", None, start, end, credit_type, (line,)
            )
        )
    return Invoices(tuple(out), Summary())


def flatten(contracts) -> dict:
    return {
        (c.customer, c.contract, p.start, c.credit_type): (p.old, p.new)
        for c in contracts
        for p in c.periods
    }


def keyed(side: dict) -> dict:
    return {
        (customer, f"{customer}_{contract}", MONTHS[month], credit_type.id): total
        for (customer, contract, month, credit_type), total in side.items()
    }


@given(sides, sides)
def test_every_invoice_of_either_side_is_paired_once(old, new):
    compared = flatten(compare_invoices(invoices(old), invoices(new), {}))
    old, new = keyed(old), keyed(new)
    assert compared == {key: (old.get(key), new.get(key)) for key in old.keys() | new.keys()}


@given(sides, sides)
def test_rollups_are_sums(old, new):
    contracts = compare_invoices(invoices(old), invoices(new), {})
    for contract in contracts:
        assert contract.delta == sum((p.delta for p in contract.periods), Decimal(0))
    impact = Impact((), None, contracts, {}, {})
    for total in impact.totals():
        assert total.old == sum((v for k, v in keyed(old).items() if k[3] == total.credit_type), 0)
        assert total.new == sum((v for k, v in keyed(new).items() if k[3] == total.credit_type), 0)


@given(sides, sides)
def test_the_other_way_round_negates_every_delta(old, new):
    forward = compare_invoices(invoices(old), invoices(new), {})
    backward = compare_invoices(invoices(new), invoices(old), {})
    assert [-p.delta for c in forward for p in c.periods] == [
        p.delta for c in backward for p in c.periods
    ]


@given(sides)
def test_a_side_compared_with_itself_has_no_change(side):
    contracts = compare_invoices(invoices(side), invoices(side), {})
    assert not any(c.changed for c in contracts)
    assert all(p.percent in (None, Decimal(0)) for c in contracts for p in c.periods)
