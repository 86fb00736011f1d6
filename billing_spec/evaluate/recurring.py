"""Recurring commits and credits -> the grants they make: one per recurrence period, prorated.

A contract's `recurring_commits` / `recurring_credits` entry grants `access_amount` (unit_price x
quantity) anew every recurrence period of its term `[starting_at, ending_before)`, where
`ending_before` defaults to the contract's end. `grants_of` expands one entry into its
`RecurringGrant`s. It is pure: no clock, no catalog, only the entry, the contract's term and its
statement schedule.

Which periods (billing-spec's rule, after Metronome's API reference for `recurrence_frequency`):

- `recurrence_frequency` given: periods count from the term's `starting_at` (a `Schedule` with
  anchor = starting_at; a month step keeps the day of month, clamped: Jan 31 -> Feb 28 ->
  Mar 31). The first grant is therefore never partial at its start.
- `recurrence_frequency` left out: the grants follow the contract's usage statement periods (the
  `Schedule` of `usage_statement_schedule`), so a term starting mid-period - a contract from
  Jan 15 with FIRST_OF_MONTH statements - begins with a partial grant for Jan 15 -> Feb 1.
- The last grant is partial when the term ends between two boundaries.

Proration (`proration`, default FIRST_AND_LAST) scales a partial grant by time: the covered
seconds over the whole period's seconds. FIRST prorates only a partial first grant, LAST only a
partial last one, NONE neither (a partial period grants the full amount). Amounts are exact
decimals in `money.EXACT` (50 significant digits, so only a non-terminating fraction such as 1/3
is cut there); the caller rounds, once.

Each grant can be drawn down for `commit_duration.value` recurrence periods from its start
(default 1: it expires when the next grant starts), never past the term's end. `invoice_amount`
(recurring commits) is prorated like the access amount; None means complimentary.

An open-ended term (no `ending_before`, contract without end) needs `horizon`: grants starting at
or after it are not made.

Examples (amounts in cents; `statement` = MONTHLY on the FIRST_OF_MONTH):

    access_amount {unit_price: 10000}, starting_at 2026-01-15, contract to 2026-04-01,
    no recurrence_frequency:
      #0  [Jan 15, Feb 1)  10000 x 17/31 days = 5483.870967...   (partial first, prorated)
      #1  [Feb 1, Mar 1)   10000
      #2  [Mar 1, Apr 1)   10000

    the same with recurrence_frequency MONTHLY: periods from Jan 15
      #0  [Jan 15, Feb 15) 10000
      #1  [Feb 15, Mar 15) 10000
      #2  [Mar 15, Apr 1)  10000 x 17/31 days (Mar 15 -> Apr 15 is 31 days) = 5483.870967...
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from billing_spec.evaluate.periods import Schedule
from billing_spec.money import EXACT

_MONTHS = {"MONTHLY": 1, "QUARTERLY": 3, "ANNUAL": 12}
_MICROSECOND = timedelta(microseconds=1)
_ONE = Decimal(1)


@dataclass(frozen=True)
class RecurringGrant:
    """One recurrence's grant: `index` counts from 0 at the term's start."""

    index: int
    amount: Decimal
    """The access amount, prorated; exact (not rounded to the credit type's unit)."""
    invoice_amount: Decimal | None
    """What this recurrence is invoiced, prorated like `amount`; None: complimentary."""
    starting_at: datetime
    ending_before: datetime
    """The end of the access window: `commit_duration` periods on, capped at the term's end."""


def recurrence_schedule(recurring: Any, statement: Schedule) -> Schedule:
    """The boundaries the grants follow: from `starting_at` every `recurrence_frequency`, or the
    contract's statement schedule when it is left out."""
    frequency = recurring.recurrence_frequency
    if frequency is None:
        return statement
    if frequency == "WEEKLY":
        return Schedule(recurring.starting_at, days=7)
    return Schedule(recurring.starting_at, months=_MONTHS[frequency])


def grants_of(
    recurring: Any,
    contract_start: datetime,
    contract_end: datetime | None,
    statement: Schedule,
    *,
    horizon: datetime | None = None,
) -> list[RecurringGrant]:
    """The grants of one recurring commit or credit (a `RecurringCommit`/`RecurringCredit`).

    `statement` is the contract's statement schedule (`periods.schedule_of`). `contract_start`
    bounds the term from below: a term written to start before the contract starts with it.
    """
    start = max(recurring.starting_at, contract_start)
    end = recurring.ending_before or contract_end
    if contract_end is not None and end is not None:
        end = min(end, contract_end)
    if end is None and horizon is None:
        raise ValueError("an open-ended recurring term needs a horizon")
    schedule = recurrence_schedule(recurring, statement)
    proration = recurring.proration or "FIRST_AND_LAST"
    prorate_first = proration in ("FIRST", "FIRST_AND_LAST")
    prorate_last = proration in ("LAST", "FIRST_AND_LAST")
    duration = recurring.commit_duration.value if recurring.commit_duration else 1
    access = _total(recurring.access_amount)
    invoiced = getattr(recurring, "invoice_amount", None)
    invoice = _total(invoiced) if invoiced is not None else None

    grants: list[RecurringGrant] = []
    k = schedule.index_at(start)
    lower = start
    while (end is None or lower < end) and (horizon is None or lower < horizon):
        period_start, period_end = schedule.boundary(k), schedule.boundary(k + 1)
        upper = period_end if end is None else min(period_end, end)
        counted_from = lower if prorate_first else period_start
        counted_to = upper if prorate_last else period_end
        covered = (counted_to - counted_from) // _MICROSECOND
        whole = (period_end - period_start) // _MICROSECOND
        window_end = schedule.boundary(k + duration)
        if end is not None:
            window_end = min(window_end, end)
        grants.append(
            RecurringGrant(
                index=len(grants),
                amount=_part(access, covered, whole),
                invoice_amount=None if invoice is None else _part(invoice, covered, whole),
                starting_at=lower,
                ending_before=window_end,
            )
        )
        k += 1
        lower = upper
    return grants


def _total(amount: Any) -> Decimal:
    quantity = amount.quantity if amount.quantity is not None else _ONE
    return EXACT.multiply(amount.unit_price, quantity)


def _part(total: Decimal, covered: int, whole: int) -> Decimal:
    """`total` x covered / whole: exact for a whole period, one division otherwise."""
    if covered == whole:
        return total
    return EXACT.divide(EXACT.multiply(total, Decimal(covered)), Decimal(whole))
