"""Rate arithmetic: a rate and a quantity -> an exact (unrounded) amount, with its tier breakdown.

All amounts are in the credit type's base unit (USD cents) and exact: quantities, positions, tier
row quantities and amounts are `money.Exact` rationals (a Decimal argument is taken exactly), so a
quantity from a DIVIDE that does not terminate (31 ÷ 3 = 31/3) is walked through the tiers and
multiplied by prices without ever being cut to digits; tier boundaries are compared exactly. The
line's total is rounded once, later, by `money.round_money`; what an invoice shows of a
non-terminating row is `money.shown` (`shown_rows`). Tier starts and prices stay Decimals (rate
data; sums of tier sizes run under `money.EXACT`, which the caller sets).

**FLAT**: quantity × price.

**TIERED, GRADUATED** (Metronome's TIERED): `tiers: [{size: 10, price: 2}, {price: 1}]`: tier k
holds the units `(start_k, start_k + size_k]`, the last tier is unbounded, and each unit is priced
at the tier it falls in. The position is where the period's usage stands before this line (tiers
restart every statement period; a later rate segment continues from where the earlier stopped):
from position 8, a quantity of 5 is 2 units at 2 and 3 units at 1 = 7. A negative quantity (a
LATEST decrease) walks back down the same tiers; positions below zero are priced at tier 1.

**TIERED, VOLUME** (an extension, as Stripe and Lago have it): every unit is priced at the one
tier the period's total falls in: with the tiers above and a period total of 12, all 12 units
cost 1 each.

**flat_price** (an extension): a tier's flat price is charged once per statement period. In
GRADUATED mode, for each tier the usage reaches, the first tier's even at zero usage; in VOLUME
mode, for the chosen tier only (the Stripe and Lago meaning). The breakdown lists it on the tier
it belongs to, on the line that first reaches it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from billing_spec.catalog.models import Tier
from billing_spec.money import Exact, exact, shown

ZERO = Decimal(0)
EXACT_ZERO = Exact(0)
Quantity = Decimal | Exact


@dataclass(frozen=True)
class TierCharge:
    """One row of a tiered line's breakdown. `quantity` and `subtotal` are exact while priced
    (`Exact`) and Decimals once shown (`shown_rows`)."""

    tier: int
    starting_at: Decimal
    size: Decimal | None
    quantity: Quantity
    price: Decimal
    flat_price: Decimal | None
    """The flat price charged on this line for this tier (None: none charged here)."""
    subtotal: Quantity


@dataclass(frozen=True)
class Priced:
    amount: Exact
    """Exact and unrounded: `money.round_money` rounds it once, for the line's total."""
    unit_price: Decimal | None = None
    tier_mode: str | None = None
    tiers: tuple[TierCharge, ...] | None = None


def shown_rows(rows: tuple[TierCharge, ...] | None) -> tuple[TierCharge, ...] | None:
    """The breakdown as an invoice shows it: each row's quantity and subtotal `money.shown`
    (exact when they terminate, else cut to `money.DISPLAY_PLACES` places)."""
    if rows is None:
        return None
    return tuple(
        replace(row, quantity=shown(row.quantity), subtotal=shown(row.subtotal)) for row in rows
    )


def price_flat(price: Decimal, quantity: Quantity) -> Priced:
    """`quantity` × `price`, exactly."""
    return Priced(exact(quantity) * exact(price), unit_price=price)


def tier_starts(tiers: Sequence[Tier]) -> list[Decimal]:
    """Where each tier starts: 0, size_1, size_1 + size_2, ..."""
    starts, at = [], ZERO
    for tier in tiers:
        starts.append(at)
        at = at + (tier.size if tier.size is not None else ZERO)
    return starts


def tier_at(tiers: Sequence, position: Quantity) -> int:
    """The 0-based tier holding unit `position` (tier k holds (start_k, start_k + size_k]),
    compared exactly."""
    starts = _exact_starts(tiers)
    position = exact(position)
    for k in range(len(tiers) - 1, 0, -1):
        if position > starts[k]:
            return k
    return 0


def _exact_starts(tiers: Sequence) -> list[Exact]:
    return [exact(start) for start in tier_starts(tiers)]


def price_graduated(
    tiers: Sequence[Tier], position: Quantity, quantity: Quantity, flats_paid: int
) -> tuple[Priced, int]:
    """Units `(position, position + quantity]`; `flats_paid` tiers' flat prices already charged
    this period. Returns the price and the new count of tiers whose flat price is paid."""
    starts = _exact_starts(tiers)
    position = exact(position)
    end = position + exact(quantity)
    reached = max(tier_at(tiers, position), tier_at(tiers, end)) + 1
    rows = []
    for k, tier in enumerate(tiers):
        units = _units_in(tiers, starts, k, end) - _units_in(tiers, starts, k, position)
        flat = tier.flat_price if flats_paid <= k < reached else None
        if units or flat is not None:
            rows.append(_row(k, tiers, units, flat))
    if not rows:
        k = tier_at(tiers, end)
        rows.append(_row(k, tiers, EXACT_ZERO, None))
    return _tiered("GRADUATED", rows), max(flats_paid, reached)


def split_units(tiers: Sequence, position: Quantity, quantity: Quantity) -> list[Exact]:
    """How many of the units `(position, position + quantity]` fall in each tier (anything with
    a `size`: rate tiers, an override's multiplier bands), exactly."""
    starts = _exact_starts(tiers)
    position = exact(position)
    end = position + exact(quantity)
    return [
        _units_in(tiers, starts, k, end) - _units_in(tiers, starts, k, position)
        for k in range(len(tiers))
    ]


def _units_in(tiers: Sequence, starts: list[Exact], k: int, position: Exact) -> Exact:
    """How many of the units (0, position] fall in tier k (tier 1 also takes negative positions)."""
    above = position - starts[k]
    if k > 0 and above < 0:
        above = EXACT_ZERO
    size = tiers[k].size
    if k == len(tiers) - 1 or size is None:
        return above
    return min(above, exact(size))


def price_volume(
    tiers: Sequence[Tier], period_total: Quantity, quantity: Quantity, charge_flat: bool
) -> Priced:
    """`quantity` units at the price of the tier `period_total` falls in."""
    k = tier_at(tiers, period_total)
    flat = tiers[k].flat_price if charge_flat else None
    return _tiered("VOLUME", [_row(k, tiers, exact(quantity), flat)])


def tier_subtotal(units: Exact, price: Decimal, flat: Decimal | None) -> Exact:
    """`units` × `price`, plus the flat price charged with them, exactly."""
    return units * exact(price) + (exact(flat) if flat is not None else EXACT_ZERO)


def _row(k: int, tiers: Sequence[Tier], units: Exact, flat: Decimal | None) -> TierCharge:
    tier = tiers[k]
    subtotal = tier_subtotal(units, tier.price, flat)
    return TierCharge(k + 1, tier_starts(tiers)[k], tier.size, units, tier.price, flat, subtotal)


def _tiered(mode: str, rows: list[TierCharge]) -> Priced:
    amount = sum((row.subtotal for row in rows), EXACT_ZERO)
    return Priced(amount, tier_mode=mode, tiers=tuple(rows))
