"""Recurring commits and credits expanded into grants (`billing_spec.evaluate.recurring`).

Amounts in cents; unless a test says otherwise the contract has MONTHLY statements on the
FIRST_OF_MONTH and the entry grants `access_amount: {unit_price: 10000}`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_spec.catalog.models import RecurringCommit, RecurringCredit, UsageStatementSchedule
from billing_spec.evaluate.periods import schedule_of
from billing_spec.evaluate.recurring import grants_of, recurrence_schedule
from billing_spec.money import EXACT, add_up


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def credit(**fields) -> RecurringCredit:
    fields.setdefault("product", "monthly")
    fields.setdefault("access_amount", {"unit_price": "10000"})
    fields.setdefault("starting_at", "2026-01-15T00:00:00Z")
    return RecurringCredit.model_validate(fields)


MONTHLY = schedule_of(UsageStatementSchedule(frequency="MONTHLY"), day("2026-01-01"))


def windows(grants) -> list[tuple[str, str]]:
    return [(g.starting_at.date().isoformat(), g.ending_before.date().isoformat()) for g in grants]


def test_without_a_recurrence_frequency_grants_follow_the_statement_periods():
    """From Jan 15 with FIRST_OF_MONTH statements: Jan 15 -> Feb 1 is 17 of January's 31 days,
    10000 x 17 / 31 = 5483.87...; then whole months."""
    grants = grants_of(credit(), day("2026-01-15"), day("2026-04-01"), MONTHLY)
    assert windows(grants) == [
        ("2026-01-15", "2026-02-01"),
        ("2026-02-01", "2026-03-01"),
        ("2026-03-01", "2026-04-01"),
    ]
    assert grants[0].amount == EXACT.divide(Decimal(170000), Decimal(31))
    assert [g.amount for g in grants[1:]] == [Decimal(10000)] * 2
    assert [g.index for g in grants] == [0, 1, 2]


def test_a_recurrence_frequency_counts_from_starting_at_and_prorates_the_last_grant():
    """MONTHLY from Jan 15 to a contract end of Apr 1: Mar 15 -> Apr 1 is 17 of the 31 days of
    Mar 15 -> Apr 15: 10000 x 17 / 31."""
    grants = grants_of(
        credit(recurrence_frequency="MONTHLY"), day("2026-01-01"), day("2026-04-01"), MONTHLY
    )
    assert windows(grants) == [
        ("2026-01-15", "2026-02-15"),
        ("2026-02-15", "2026-03-15"),
        ("2026-03-15", "2026-04-01"),
    ]
    assert [g.amount for g in grants[:2]] == [Decimal(10000)] * 2
    assert grants[2].amount == EXACT.divide(Decimal(170000), Decimal(31))


def _31ths(numerator: int) -> Decimal:
    return EXACT.divide(Decimal(numerator), Decimal(31))


@pytest.mark.parametrize(
    "proration, first, last",
    [
        # Jan 15 -> Feb 1: 17/31 of January; Mar 1 -> Mar 16 (ending_before): 15/31 of March
        ("FIRST_AND_LAST", _31ths(170000), _31ths(150000)),
        ("FIRST", _31ths(170000), Decimal(10000)),
        ("LAST", Decimal(10000), _31ths(150000)),
        ("NONE", Decimal(10000), Decimal(10000)),
    ],
)
def test_proration_picks_which_partial_grants_are_scaled(proration, first, last):
    entry = credit(proration=proration, ending_before="2026-03-16T00:00:00Z")
    grants = grants_of(entry, day("2026-01-01"), None, MONTHLY)
    assert [g.amount for g in grants] == [first, Decimal(10000), last]
    assert grants[-1].ending_before == day("2026-03-16")


def test_the_amount_is_unit_price_times_quantity_and_the_invoice_amount_prorates_alike():
    """access 2500 x 4 = 10000, invoiced 2000 x 4 = 8000 (a 20% discount); the partial first
    month (17/31) scales both: 170000/31 and 136000/31."""
    entry = RecurringCommit.model_validate(
        {
            "product": "monthly",
            "access_amount": {"unit_price": 2500, "quantity": 4},
            "invoice_amount": {"unit_price": 2000, "quantity": 4},
            "starting_at": "2026-01-15T00:00:00Z",
        }
    )
    grants = grants_of(entry, day("2026-01-01"), day("2026-03-01"), MONTHLY)
    assert grants[0].amount == EXACT.divide(Decimal(170000), Decimal(31))
    assert grants[0].invoice_amount == EXACT.divide(Decimal(136000), Decimal(31))
    assert (grants[1].amount, grants[1].invoice_amount) == (Decimal(10000), Decimal(8000))


def test_a_credit_is_never_invoiced():
    grants = grants_of(credit(), day("2026-01-01"), day("2026-03-01"), MONTHLY)
    assert {g.invoice_amount for g in grants} == {None}


def test_commit_duration_keeps_each_grant_for_that_many_periods_capped_at_the_term_end():
    """value 2: Feb's grant lasts Feb 1 -> Apr 1; the last one stops at the term's end."""
    entry = credit(starting_at="2026-02-01T00:00:00Z", commit_duration={"value": 2})
    grants = grants_of(entry, day("2026-01-01"), day("2026-05-01"), MONTHLY)
    assert windows(grants) == [
        ("2026-02-01", "2026-04-01"),
        ("2026-03-01", "2026-05-01"),
        ("2026-04-01", "2026-05-01"),
    ]


def test_months_keep_the_day_of_month_clamped():
    """MONTHLY from Jan 31: Jan 31 -> Feb 28 -> Mar 31 -> Apr 30, each a whole period."""
    entry = credit(starting_at="2026-01-31T00:00:00Z", recurrence_frequency="MONTHLY")
    grants = grants_of(entry, day("2026-01-01"), day("2026-04-30"), MONTHLY)
    assert windows(grants) == [
        ("2026-01-31", "2026-02-28"),
        ("2026-02-28", "2026-03-31"),
        ("2026-03-31", "2026-04-30"),
    ]
    assert {g.amount for g in grants} == {Decimal(10000)}


def test_weekly_and_quarterly_recurrences():
    weekly = credit(starting_at="2026-01-15T00:00:00Z", recurrence_frequency="WEEKLY")
    assert recurrence_schedule(weekly, MONTHLY).boundary(1) == day("2026-01-22")
    quarterly = credit(recurrence_frequency="QUARTERLY")
    assert recurrence_schedule(quarterly, MONTHLY).boundary(1) == day("2026-04-15")


def test_an_open_ended_term_stops_at_the_horizon():
    grants = grants_of(
        credit(starting_at="2026-01-01T00:00:00Z"),
        day("2026-01-01"),
        None,
        MONTHLY,
        horizon=day("2026-03-10"),
    )
    assert windows(grants) == [
        ("2026-01-01", "2026-02-01"),
        ("2026-02-01", "2026-03-01"),
        ("2026-03-01", "2026-04-01"),  # starts before the horizon: whole, not cut there
    ]
    with pytest.raises(ValueError, match="horizon"):
        grants_of(credit(), day("2026-01-01"), None, MONTHLY)


def test_a_term_starting_before_the_contract_starts_with_it():
    grants = grants_of(
        credit(starting_at="2025-12-01T00:00:00Z"), day("2026-01-01"), day("2026-02-01"), MONTHLY
    )
    assert windows(grants) == [("2026-01-01", "2026-02-01")]
    assert grants[0].amount == Decimal(10000)


# --- properties ---------------------------------------------------------------------------------

FREQUENCIES = st.sampled_from(["MONTHLY", "QUARTERLY", "ANNUAL", "WEEKLY"])
STARTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))


@settings(max_examples=200, deadline=None)
@given(
    start=STARTS,
    frequency=FREQUENCIES,
    whole=st.integers(min_value=0, max_value=30),
    part=st.fractions(min_value=0, max_value=1),
    price=st.decimals(min_value=1, max_value=10**9, places=2),
)
def test_grants_add_up_to_the_amount_times_the_term_in_periods(
    start, frequency, whole, part, price
):
    """From starting_at every `frequency`, a term of `whole` periods and `part` of the next:
    the prorated grants sum to price x (whole + covered/period) - exactly price x whole when the
    term ends on a boundary, and to within EXACT's 50 digits otherwise."""
    entry = credit(
        access_amount={"unit_price": price},
        starting_at=start.isoformat(),
        recurrence_frequency=frequency,
    )
    schedule = recurrence_schedule(entry, MONTHLY)
    last, following = schedule.boundary(whole), schedule.boundary(whole + 1)
    seconds = int((following - last).total_seconds())
    end = last + timedelta(seconds=int(seconds * part))
    if end == start:
        return
    grants = grants_of(entry, start, end, MONTHLY)
    total = add_up(g.amount for g in grants)
    covered = EXACT.divide(Decimal(int((end - last).total_seconds())), Decimal(seconds))
    if end == last:
        assert len(grants) == whole and total == price * whole
        assert all(g.amount == price for g in grants)
    else:
        assert len(grants) == whole + 1
        expected = EXACT.multiply(price, EXACT.add(Decimal(whole), covered))
        assert abs(total - expected) <= price * Decimal("1e-40")
    # the grants tile the term
    assert grants[0].starting_at == start
    assert all(a.ending_before == b.starting_at for a, b in pairwise(grants))
    assert grants[-1].ending_before == end


@settings(max_examples=100, deadline=None)
@given(start=STARTS, months=st.integers(min_value=1, max_value=40))
def test_statement_aligned_grants_cover_the_term_exactly(start, months):
    """Without a recurrence frequency, a term from any instant to a statement boundary gives a
    prorated first grant and whole grants after it: the first is 10000 x its share of its month."""
    end = MONTHLY.boundary(MONTHLY.index_at(start) + months)
    grants = grants_of(credit(starting_at=start.isoformat()), start, end, MONTHLY)
    assert len(grants) == months
    assert all(g.amount == Decimal(10000) for g in grants[1:])
    k = MONTHLY.index_at(start)
    month = MONTHLY.boundary(k + 1) - MONTHLY.boundary(k)
    covered = (MONTHLY.boundary(k + 1) - start) // timedelta(microseconds=1)
    whole = month // timedelta(microseconds=1)
    assert grants[0].amount == EXACT.divide(EXACT.multiply(Decimal(10000), covered), whole)
