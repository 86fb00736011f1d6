"""Billing periods and proration (`evaluate/billing_periods.py`): time arithmetic only.

The calendar anchor `CAL` (2000-01-01) gives calendar months and quarters, as a contract with
statements on the first of the month has them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing_spec.evaluate.billing_periods import billing_periods, fraction, prorate
from billing_spec.money import EXACT, ONE, round_money

CAL = datetime(2000, 1, 1, tzinfo=UTC)


def d(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def spans(periods) -> list[tuple[str, str, str, str]]:
    return [
        tuple(t.date().isoformat()[5:] for t in (p.start, p.end, p.full_start, p.full_end))
        for p in periods
    ]


def test_mid_month_start_is_a_partial_first_period():
    """From Oct 10 on calendar months: [Oct 10, Nov 1) of [Oct 1, Nov 1) = 22 of 31 days, then
    whole months. The horizon Dec 1 stops before December."""
    periods = billing_periods("MONTHLY", CAL, d(10, 10), None, d(12, 1))
    assert spans(periods) == [
        ("10-10", "11-01", "10-01", "11-01"),
        ("11-01", "12-01", "11-01", "12-01"),
    ]
    assert periods[0].partial and not periods[1].partial
    assert periods[0].fraction == EXACT.divide(Decimal(22), Decimal(31))


def test_the_last_period_is_clipped_at_the_end_not_at_the_horizon():
    """Ends Dec 15: December is [Dec 1, Dec 15) of [Dec 1, Jan 1), 14/31. A horizon of Nov 20
    keeps November whole (it has started) and leaves December out (it has not)."""
    assert spans(billing_periods("MONTHLY", CAL, d(11, 1), d(12, 15), d(12, 31))) == [
        ("11-01", "12-01", "11-01", "12-01"),
        ("12-01", "12-15", "12-01", "01-01"),
    ]
    assert spans(billing_periods("MONTHLY", CAL, d(11, 1), d(12, 15), d(11, 20))) == [
        ("11-01", "12-01", "11-01", "12-01")
    ]


def test_quarterly_from_its_own_start_clamps_the_day_of_month():
    """Anchored at Nov 30: Nov 30 -> Feb 28 -> May 30 (the 30th again where the month has it)."""
    periods = billing_periods("QUARTERLY", d(11, 30), d(11, 30), None, d(3, 1, 2027))
    assert [(p.start.date().isoformat(), p.end.date().isoformat()) for p in periods] == [
        ("2026-11-30", "2027-02-28"),
        ("2027-02-28", "2027-05-30"),
    ]


def test_annual_and_a_start_at_a_boundary():
    """Calendar years from Jan 1: one whole year, nothing partial."""
    (period,) = billing_periods("ANNUAL", CAL, d(1, 1), d(1, 1, 2027), d(6, 1, 2027))
    assert not period.partial and period.fraction == 1


def test_fraction_counts_time_not_days():
    """Twelve hours of a 30-day month: 12 / 720 = 1/60."""
    start = d(11, 1)
    assert fraction(start, start + timedelta(hours=12), start, d(12, 1)) == EXACT.divide(
        ONE, Decimal(60)
    )


def test_prorate_multiplies_before_dividing():
    """3,100 × 22/31 is exactly 2,200 (22/31 itself does not terminate)."""
    assert prorate(Decimal(3100), d(10, 10), d(11, 1), d(10, 1), d(11, 1)) == 2200


@given(
    st.integers(min_value=0, max_value=10**9).map(Decimal),
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=0, max_value=11),
)
def test_prorated_pieces_of_a_billing_period_add_up_to_the_whole_within_a_cent(price, cut, month):
    """A billing period cut in two at any microsecond: the two pieces, each prorated and rounded
    once, differ from the whole period's charge by at most one cent (each rounding is off by at
    most half a cent)."""
    full_start = datetime(2026, month + 1, 1, tzinfo=UTC)
    full_end = (full_start + timedelta(days=32)).replace(day=1)
    at = full_start + timedelta(
        microseconds=cut % ((full_end - full_start) // timedelta(microseconds=1))
    )
    first = round_money(prorate(price, full_start, at, full_start, full_end))
    second = round_money(prorate(price, at, full_end, full_start, full_end))
    assert abs(first + second - round_money(price)) <= 1
