"""Billing periods of a subscription, and proration: time arithmetic only (no prices, no rounding).

A subscription is charged once per *billing period* of its `billing_frequency`: MONTHLY,
QUARTERLY and ANNUAL step 1, 3 and 12 months, WEEKLY 7 days. Like statement periods
(`periods.py`), billing periods are the boundaries `anchor + k * step` of a `periods.Schedule`
(a month step keeps the anchor's day of month, clamped to the month's last day), clipped to the
subscription's `[start, end)`. Each clipped period remembers the full period it was cut from, so
a partial first or last period can be prorated by its share of the full one.

The anchor is billing-spec's choice (Metronome documents `billing_cycle_config.anchor_date`, but
not what a subscription without one does with a contract's statement schedule):

- frequency equal to the contract's statement frequency (the common case): the statement
  schedule's anchor, so billing periods *are* the statement periods, and the first and last ones
  are partial exactly when the statement periods are (or when the subscription starts or ends
  between statement boundaries);
- any other frequency: the subscription's own start (a quarterly subscription from Oct 10 on a
  monthly contract bills Oct 10 -> Jan 10 -> Apr 10 ...).

Worked example: monthly seats from Oct 10 on a contract with monthly statements on the first of
the month. The first billing period is `[Oct 10, Nov 1)`, cut from the full `[Oct 1, Nov 1)`:
22 days of 31, so a prorated charge is 22/31 of a month's price.

>>> from datetime import UTC, datetime
>>> calendar_months = datetime(2000, 1, 1, tzinfo=UTC)
>>> first, second = billing_periods(
...     "MONTHLY", calendar_months, datetime(2026, 10, 10, tzinfo=UTC), None,
...     horizon=datetime(2026, 12, 1, tzinfo=UTC))
>>> first.start.day, first.full_start.day, first.partial, first.fraction
(10, 1, True, Decimal('0.70967741935483870967741935483870967741935483870968'))
>>> second.partial, second.fraction
(False, Decimal('1'))

`fraction` is a ratio of elapsed time (to the microsecond), exact to `money.EXACT`'s 50 digits;
`prorate` multiplies before it divides, so `prorate(3100, ...)` of the 22/31 period is exactly
2200, with no rounded fraction in between. Money is rounded later, once per line
(`money.round_money`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from billing_spec.evaluate.periods import Schedule
from billing_spec.money import EXACT

MONTHS = {"MONTHLY": 1, "QUARTERLY": 3, "SEMI_ANNUAL": 6, "ANNUAL": 12}
"""Months per step of a billing or recurring frequency (WEEKLY is 7 days)."""

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class BillingPeriod:
    """`[start, end)`, the part of the full billing period `[full_start, full_end)` that the
    subscription covers (the whole of it except, possibly, at the subscription's ends)."""

    start: datetime
    end: datetime
    full_start: datetime
    full_end: datetime

    @property
    def partial(self) -> bool:
        return (self.start, self.end) != (self.full_start, self.full_end)

    @property
    def fraction(self) -> Decimal:
        return fraction(self.start, self.end, self.full_start, self.full_end)


def schedule_for(frequency: str, anchor: datetime) -> Schedule:
    """The boundaries of a frequency (MONTHLY, QUARTERLY, SEMI_ANNUAL, ANNUAL, WEEKLY) from an
    anchor.

    >>> from datetime import UTC, datetime
    >>> quarters = schedule_for("QUARTERLY", datetime(2026, 1, 31, tzinfo=UTC))
    >>> [quarters.boundary(k).date().isoformat() for k in range(3)]
    ['2026-01-31', '2026-04-30', '2026-07-31']
    """
    if frequency == "WEEKLY":
        return Schedule(anchor, days=7)
    return Schedule(anchor, months=MONTHS[frequency])


def billing_periods(
    frequency: str,
    anchor: datetime,
    start: datetime,
    end: datetime | None,
    horizon: datetime,
) -> list[BillingPeriod]:
    """The billing periods of a subscription `[start, end)` (`end` None: open-ended) that start
    before `horizon`, in order. The last one is clipped at `end`, never at `horizon`: a period
    that has started is a whole period (its charge may still wait for a later invoice).

    >>> from datetime import UTC, datetime
    >>> day = lambda m, d: datetime(2026, m, d, tzinfo=UTC)
    >>> [(p.start.day, p.end.day, p.full_end.day)
    ...  for p in billing_periods("WEEKLY", day(10, 5), day(10, 5), day(10, 15), day(12, 1))]
    [(5, 12, 12), (12, 15, 19)]
    """
    schedule = schedule_for(frequency, anchor)
    stop = horizon if end is None else min(end, horizon)
    out: list[BillingPeriod] = []
    k = schedule.index_at(start)
    lower = start
    while lower < stop:
        full_start, full_end = schedule.boundary(k), schedule.boundary(k + 1)
        upper = full_end if end is None else min(full_end, end)
        out.append(BillingPeriod(lower, upper, full_start, full_end))
        k += 1
        lower = upper
    return out


def fraction(start: datetime, end: datetime, full_start: datetime, full_end: datetime) -> Decimal:
    """The share of `[full_start, full_end)` that `[start, end)` lasts: elapsed time over elapsed
    time, to the microsecond (exact to 50 significant digits).

    >>> from datetime import UTC, datetime
    >>> oct = lambda d: datetime(2026, 10, d, tzinfo=UTC)
    >>> fraction(oct(10), oct(20), oct(1), oct(11))
    Decimal('1')
    >>> fraction(oct(1), oct(16), oct(1), datetime(2026, 10, 31, tzinfo=UTC))
    Decimal('0.5')
    """
    return EXACT.divide(Decimal((end - start) // _TICK), Decimal((full_end - full_start) // _TICK))


def prorate(
    amount: Decimal, start: datetime, end: datetime, full_start: datetime, full_end: datetime
) -> Decimal:
    """`amount` × `fraction(...)`, multiplied before divided (unrounded).

    >>> from datetime import UTC, datetime
    >>> oct, nov1 = (lambda d: datetime(2026, 10, d, tzinfo=UTC)), datetime(2026, 11, 1, tzinfo=UTC)
    >>> prorate(Decimal(3100), oct(10), nov1, oct(1), nov1)
    Decimal('2200')
    """
    elapsed = EXACT.multiply(amount, Decimal((end - start) // _TICK))
    return EXACT.divide(elapsed, Decimal((full_end - full_start) // _TICK))
