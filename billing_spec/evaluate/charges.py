"""Contract charges that are not usage: subscriptions, scheduled charges and commit purchases.

Each function returns `Placed` lines: a `LineItem` and the invoice it goes on (`Placement`), the
USAGE invoice of a statement period or a SCHEDULED invoice dated at an instant. Nothing is billed
from `horizon` on. Every line total is rounded once (`money.round_money`, ties away from zero).

Subscriptions (Metronome 1.9; choices marked *ours* are billing-spec's where Metronome is silent)
------------------------------------------------------------------------------------------------

A subscription is charged per billing period (`billing_periods.py`: aligned to the statement
periods when its frequency is the statement frequency, else anchored at its start): the FLAT
price of its product's card rate for its `billing_frequency` × the quantity.

- One rate per billing period: the rate in force at the period's start prices all of it, so a
  card price change applies from the next period. No entitled rate then: no line.
- `proration` is required by Metronome; omitted in the catalog it reads as
  `{is_prorated: true, invoice_behavior: BILL_ON_NEXT_COLLECTION_DATE}`. Prorated: a partial
  first or last period costs price × quantity × (its seconds / the full period's seconds), exact,
  rounded once. Not prorated: a partial period costs a full one.
- Placement (*ours*, Metronome does not document it precisely): ADVANCE puts a service period's
  charge on the USAGE invoice of the statement period it starts in, ARREARS on the one it ends
  in (the one holding end − ε). A line whose statement period is not among the given ones
  belongs to an invoice past the horizon and is left out.
- Quantity changes (`quantity_updates`, applied in list order on their dates): the charged
  quantity in a billing period is the highest quantity seen since the period began, so an
  increase counts from its date and a decrease from the next billing period (Metronome: "only
  upgrades prorate"). *Ours*: an increase after a decrease is charged only above the quantity
  already charged.
- SEAT_BASED: the quantity at an instant is the seat IDs assigned then plus the unassigned seats
  then (`seat_config`, then `seat_updates`; `billing_spec.catalog.seats`), and its changes follow
  the same rules: a seat added mid-period is charged from its date, a seat removed stays charged
  to the end of the billing period.
  ADVANCE: one line for the period at its starting quantity, plus one line per increase for
  `[date, period end)` at the added quantity (prorated like a partial period), on the USAGE
  invoice of the statement period holding the date; with `invoice_behavior: BILL_IMMEDIATELY`,
  on a SCHEDULED invoice dated at the increase instead.
  ARREARS, prorated: the period is split at each increase, one prorated line per piece at that
  piece's quantity. ARREARS, not prorated: one line for the period at its highest quantity.

Worked example: 10 seats at 3,100 cents a month from Oct 10, statements monthly on the 1st:
October is `[Oct 10, Nov 1)` of a 31-day month, 22/31 × 3,100 × 10 = 22,000 cents.

Scheduled charges and commit purchases (Metronome 1.8)
-------------------------------------------------------

Every item of a `schedule` is a line dated at its timestamp (`starting_at` = `ending_before`):
`amount` alone is unit_price = amount with quantity 1, else `unit_price` × `quantity`. A
`recurring_schedule` has one item per step of its frequency (MONTHLY, QUARTERLY, SEMI_ANNUAL,
ANNUAL; day of month clamped) from `starting_at`, before `ending_before`; with n items and the
amount A = unit_price × quantity:

- EACH: every item is A (100 cents over 3 months: 100, 100, 100).
- DIVIDED: every item is A / n exactly, its unit price the exact unit_price / n; each line's total
  is rounded once like any line, so the items need not add up to A (100 / 3: 33, 33, 33).
- DIVIDED_ROUNDED (*ours*, Metronome is silent on the method): A / n rounded to the credit type's
  unit, the last item taking the rest so the items add up to A rounded (33, 33, 34); unit_price is
  the item's total / quantity. With more items than units in A, shares rounded up can leave a
  negative rest (100 cents over 150 items: 149 items of 1, the last -49).

A `do_not_invoice` schedule's lines are listed with `do_not_invoice: true` and total 0 (*ours*:
unit_price × quantity still shows the scheduled amount). Lines go on a SCHEDULED invoice at the
timestamp, except with `scheduled_charges_on_usage_invoices: ALL`, where a timestamp equal to a
statement period's end puts the line on that period's USAGE invoice (SDK-CC: "scheduled and
commit charges" whose timestamp matches the usage invoice's `ending_before`, so commit purchases
too; *ours*: equal to the instant, where the docs say "same day"). An item is billed when its
timestamp is before `horizon`, or when it consolidates onto one of the given statement periods
(a period ending at the horizon keeps its charges).

Commit purchases are the `invoice_schedule` of PREPAID commits (`type: commit_purchase`, the
commit's product, named by the commit's name or else the product's). A POSTPAID commit's
invoice schedule is its true-up date, not a purchase, and is billed by the balance step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from billing_spec.catalog.models import (
    Contract,
    PaymentSchedule,
    Product,
    Rate,
    RateCard,
    RecurringSchedule,
    Subscription,
)
from billing_spec.catalog.seats import is_seat_based, seat_changes, seats_at
from billing_spec.evaluate.billing_periods import (
    BillingPeriod,
    billing_periods,
    prorate,
    schedule_for,
)
from billing_spec.evaluate.invoices import LineItem
from billing_spec.evaluate.periods import Period, schedule_of
from billing_spec.evaluate.statements import SCHEDULED, USAGE
from billing_spec.money import EXACT, ONE, ZERO, CreditType, round_money

RateLookup = Callable[[str, str, datetime], Rate | None]
"""(product ID, billing frequency, instant) -> the rate in force, or None when not entitled."""
CreditTypeOf = Callable[[str | None], CreditType]
"""A credit type reference (None: the card's fiat) -> its CreditType."""


@dataclass(frozen=True)
class Placement:
    """Which invoice a line goes on: USAGE (statement `period`) or SCHEDULED (dated `at`)."""

    kind: str
    period: Period | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Placed:
    placement: Placement
    line: LineItem


# --- rates ----------------------------------------------------------------------------------


def card_rate_lookup(card: RateCard) -> RateLookup:
    """The plain card's subscription rates: of the rates of that product and billing frequency
    in force at the instant, the latest-starting one (the last listed among equals), if entitled.
    """

    def rate_at(product: str, frequency: str, when: datetime) -> Rate | None:
        in_force = [
            rate
            for rate in card.rates
            if rate.product == product
            and rate.billing_frequency == frequency
            and rate.starting_at <= when
            and (rate.ending_before is None or when < rate.ending_before)
        ]
        if not in_force:
            return None
        latest = max(reversed(in_force), key=lambda rate: rate.starting_at)
        return latest if latest.entitled else None

    return rate_at


# --- subscriptions --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Terms:
    """What every line of one subscription shares."""

    subscription: Subscription
    product_id: str
    product: Product
    advance: bool
    prorated: bool
    bill_immediately: bool


def subscription_charges(
    contract: Contract,
    subscription_index: int,
    statement_periods: Sequence[Period],
    horizon: datetime,
    rate_at: RateLookup,
    products: Mapping[str, Product],
    credit_type_of: CreditTypeOf,
) -> list[Placed]:
    """The lines of `contract.subscriptions[subscription_index]` for its billing periods that
    start before `horizon`, in time order."""
    subscription = contract.subscriptions[subscription_index]
    frequency = str(subscription.subscription_rate.billing_frequency)
    start, end = _term(contract, subscription)
    terms = _terms(subscription, products)
    out: list[Placed] = []
    anchor = _anchor(contract, frequency, start)
    for period in billing_periods(frequency, anchor, start, end, horizon):
        rate = rate_at(terms.product_id, frequency, period.start)
        if rate is None:
            continue
        credit_type = credit_type_of(rate.credit_type)
        steps = _charged_steps(subscription, period)
        if terms.advance:
            pieces = _advance(terms, period, steps, statement_periods, horizon)
        else:
            pieces = _arrears(terms, period, steps, statement_periods)
        for placement, piece_start, piece_end, quantity in pieces:
            line = _subscription_line(
                terms, rate, credit_type, period, (piece_start, piece_end), quantity
            )
            out.append(Placed(placement, line))
    return out


def _term(contract: Contract, subscription: Subscription) -> tuple[datetime, datetime | None]:
    """The subscription's `[start, end)` (defaults: the contract's), inside the contract's."""
    start = max(subscription.starting_at or contract.starting_at, contract.starting_at)
    ends = [e for e in (subscription.ending_before, contract.ending_before) if e is not None]
    return start, min(ends, default=None)


def _terms(subscription: Subscription, products: Mapping[str, Product]) -> _Terms:
    product_id = subscription.subscription_rate.product
    proration = subscription.proration
    return _Terms(
        subscription=subscription,
        product_id=product_id,
        product=products[product_id],
        advance=subscription.collection_schedule == "ADVANCE",
        prorated=proration is None or proration.is_prorated,
        bill_immediately=proration is not None and proration.invoice_behavior == "BILL_IMMEDIATELY",
    )


def _anchor(contract: Contract, frequency: str, start: datetime) -> datetime:
    """The statement schedule's anchor when the frequencies agree, else the subscription's start."""
    spec = contract.usage_statement_schedule
    if frequency == (spec.frequency if spec else "MONTHLY"):
        return schedule_of(spec, contract.starting_at).anchor
    return start


def _field(update: Any, name: str) -> Any:
    if isinstance(update, Mapping):
        return update.get(name)
    return getattr(update, name, None)


def quantity_at(subscription: Subscription, when: datetime) -> Decimal:
    """The subscription's quantity at an instant. QUANTITY_ONLY: `initial_quantity`, then every
    `quantity_updates` entry dated at or before it, in list order (`quantity` sets it,
    `quantity_delta` adds to it). SEAT_BASED: the seat IDs assigned then plus the unassigned
    seats then (`billing_spec.catalog.seats`)."""
    if is_seat_based(subscription):
        return seats_at(subscription, when).quantity
    quantity = subscription.initial_quantity
    for update in getattr(subscription, "quantity_updates", None) or ():
        if _field(update, "starting_at") > when:
            continue
        value = _field(update, "quantity")
        quantity = value if value is not None else quantity + _field(update, "quantity_delta")
    return quantity


def _change_dates(subscription: Subscription) -> list[datetime]:
    """The instants the quantity may change at, in order."""
    if is_seat_based(subscription):
        return sorted({change.starting_at for change in seat_changes(subscription)})
    updates = getattr(subscription, "quantity_updates", None) or ()
    return sorted({_field(update, "starting_at") for update in updates})


def _charged_steps(
    subscription: Subscription, period: BillingPeriod
) -> list[tuple[datetime, Decimal]]:
    """(from, charged quantity) within a billing period: the quantity at its start, then a step
    at each change date (quantity update or seat update) where the quantity rises above the
    highest so far."""
    steps = [(period.start, quantity_at(subscription, period.start))]
    for when in _change_dates(subscription):
        if period.start < when < period.end:
            quantity = quantity_at(subscription, when)
            if quantity > steps[-1][1]:
                steps.append((when, quantity))
    return steps


_Piece = tuple[Placement, datetime, datetime, Decimal]  # placement, service [start, end), quantity


def _advance(
    terms: _Terms,
    period: BillingPeriod,
    steps: list[tuple[datetime, Decimal]],
    statement_periods: Sequence[Period],
    horizon: datetime,
) -> Iterable[_Piece]:
    """The period at its starting quantity, then each increase from its date to the end."""
    previous = None
    for when, quantity in steps:
        if previous is None:
            placement = _usage_at(statement_periods, when)
            added = quantity
        elif when >= horizon:
            break
        else:
            placement = (
                Placement(SCHEDULED, at=when)
                if terms.bill_immediately
                else _usage_at(statement_periods, when)
            )
            added = quantity - previous
        previous = quantity
        if placement is not None:
            yield placement, when, period.end, added


def _arrears(
    terms: _Terms,
    period: BillingPeriod,
    steps: list[tuple[datetime, Decimal]],
    statement_periods: Sequence[Period],
) -> Iterable[_Piece]:
    """Prorated: one piece per step; not prorated: the whole period at its highest quantity."""
    placement = _usage_ending(statement_periods, period.end)
    if placement is None:
        return
    if not terms.prorated:
        yield placement, period.start, period.end, steps[-1][1]
        return
    ends = [when for when, _ in steps[1:]] + [period.end]
    for (when, quantity), end in zip(steps, ends, strict=True):
        yield placement, when, end, quantity


def _subscription_line(
    terms: _Terms,
    rate: Rate,
    credit_type: CreditType,
    period: BillingPeriod,
    span: tuple[datetime, datetime],
    quantity: Decimal,
) -> LineItem:
    """The charge for the part `span` of a billing period (all of it, or a piece from a quantity
    increase), prorated when the subscription is and `span` is not the full period."""
    price = rate.price if rate.price is not None else ZERO
    start, end = span
    whole = EXACT.multiply(price, quantity)
    full = (period.full_start, period.full_end)
    is_prorated = terms.prorated and (start, end) != full
    amount = prorate(whole, start, end, *full) if is_prorated else whole
    return LineItem(
        type="subscription",
        product=terms.product_id,
        name=terms.subscription.name or terms.product.name,
        credit_type=credit_type,
        starting_at=start,
        ending_before=end,
        quantity=quantity,
        total=round_money(amount, credit_type),
        unit_price=price,
        product_tags=tuple(terms.product.tags),
        is_prorated=is_prorated,
    )


# --- statement periods ------------------------------------------------------------------------

_EPSILON = timedelta(microseconds=1)


def _usage_at(statement_periods: Sequence[Period], when: datetime) -> Placement | None:
    """The USAGE invoice of the statement period holding `when`."""
    for period in statement_periods:
        if period.start <= when < period.end:
            return Placement(USAGE, period=period)
    return None


def _usage_ending(statement_periods: Sequence[Period], end: datetime) -> Placement | None:
    """The USAGE invoice of the statement period holding `end` − ε."""
    return _usage_at(statement_periods, end - _EPSILON)


# --- scheduled charges and commit purchases -------------------------------------------------


@dataclass(frozen=True)
class _Item:
    timestamp: datetime
    unit_price: Decimal
    quantity: Decimal
    total: Decimal


def scheduled_charges(
    contract: Contract,
    statement_periods: Sequence[Period],
    horizon: datetime,
    products: Mapping[str, Product],
    credit_type_of: CreditTypeOf,
) -> list[Placed]:
    """The lines of the contract's scheduled charges, then of its PREPAID commits' invoice
    schedules, each in schedule order."""
    out: list[Placed] = []
    for charge in contract.scheduled_charges:
        product = products[charge.product]
        name = charge.name or product.name
        labels = ("scheduled", charge.product, name, product)
        out += _schedule_lines(
            contract, labels, charge.schedule, statement_periods, horizon, credit_type_of
        )
    for commit in contract.commits:
        if commit.type != "PREPAID" or commit.invoice_schedule is None:
            continue
        product = products[commit.product]
        name = commit.name or product.name
        labels = ("commit_purchase", commit.product, name, product)
        out += _schedule_lines(
            contract, labels, commit.invoice_schedule, statement_periods, horizon, credit_type_of
        )
    return out


def _schedule_lines(
    contract: Contract,
    labels: tuple[str, str, str, Product],
    schedule: PaymentSchedule,
    statement_periods: Sequence[Period],
    horizon: datetime,
    credit_type_of: CreditTypeOf,
) -> list[Placed]:
    line_type, product_id, name, product = labels
    credit_type = credit_type_of(schedule.credit_type)
    consolidate = contract.scheduled_charges_on_usage_invoices == "ALL"
    out = []
    for item in schedule_items(schedule, credit_type):
        placement = scheduled_placement(item.timestamp, statement_periods, consolidate)
        if item.timestamp >= horizon and placement.kind != USAGE:
            continue
        line = LineItem(
            type=line_type,
            product=product_id,
            name=name,
            credit_type=credit_type,
            starting_at=item.timestamp,
            ending_before=item.timestamp,
            quantity=item.quantity,
            total=ZERO if schedule.do_not_invoice else item.total,
            unit_price=item.unit_price,
            product_tags=tuple(product.tags),
            do_not_invoice=True if schedule.do_not_invoice else None,
        )
        out.append(Placed(placement, line))
    return out


def scheduled_placement(
    when: datetime, statement_periods: Sequence[Period], consolidate: bool
) -> Placement:
    """Where a charge dated `when` goes: its own SCHEDULED invoice, or with `consolidate`
    (`scheduled_charges_on_usage_invoices: ALL`) the USAGE invoice of the statement period
    ending at that instant, where there is one."""
    if consolidate:
        for period in statement_periods:
            if period.end == when:
                return Placement(USAGE, period=period)
    return Placement(SCHEDULED, at=when)


def schedule_items(schedule: PaymentSchedule, credit_type: CreditType) -> list[_Item]:
    """A payment schedule's items, in order, each with its rounded total (before
    `do_not_invoice`)."""
    if schedule.recurring_schedule is not None:
        return _recurring_items(schedule.recurring_schedule, credit_type)
    out = []
    for item in schedule.schedule_items:
        unit_price, quantity = _price_and_quantity(item)
        total = round_money(EXACT.multiply(unit_price, quantity), credit_type)
        out.append(_Item(item.timestamp, unit_price, quantity, total))
    return out


def _price_and_quantity(item: Any) -> tuple[Decimal, Decimal]:
    """`amount` alone: unit_price = amount, quantity 1; else `unit_price` and `quantity`."""
    if item.amount is not None:
        return item.amount, ONE
    return item.unit_price or ZERO, item.quantity if item.quantity is not None else ONE


def recurring_timestamps(recurring: RecurringSchedule) -> list[datetime]:
    """`starting_at` + k steps of the frequency (day of month clamped), before `ending_before`."""
    steps = schedule_for(str(recurring.frequency), recurring.starting_at)
    out, k = [], 0
    while (when := steps.boundary(k)) < recurring.ending_before:
        out.append(when)
        k += 1
    return out


def _recurring_items(recurring: RecurringSchedule, credit_type: CreditType) -> list[_Item]:
    timestamps = recurring_timestamps(recurring)
    if not timestamps:
        return []
    unit_price, quantity = _price_and_quantity(recurring)
    amount = EXACT.multiply(unit_price, quantity)
    n = Decimal(len(timestamps))
    distribution = recurring.amount_distribution
    if distribution == "EACH":
        total = round_money(amount, credit_type)
        return [_Item(when, unit_price, quantity, total) for when in timestamps]
    share = EXACT.divide(amount, n)
    if distribution == "DIVIDED":
        price = EXACT.divide(unit_price, n)
        total = round_money(share, credit_type)
        return [_Item(when, price, quantity, total) for when in timestamps]
    # DIVIDED_ROUNDED
    each = round_money(share, credit_type)
    last = EXACT.subtract(round_money(amount, credit_type), EXACT.multiply(each, n - 1))
    totals = [each] * (len(timestamps) - 1) + [last]
    return [
        _Item(when, _unit_price_of(total, quantity, unit_price, n), quantity, total)
        for when, total in zip(timestamps, totals, strict=True)
    ]


def _unit_price_of(total: Decimal, quantity: Decimal, unit_price: Decimal, n: Decimal) -> Decimal:
    if quantity.is_zero():
        return EXACT.divide(unit_price, n)
    return EXACT.divide(total, quantity)
