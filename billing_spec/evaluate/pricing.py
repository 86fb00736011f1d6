"""Rate arithmetic: a rate and a quantity -> an exact (unrounded) amount, with its tier breakdown.

All amounts are in the credit type's base unit (USD cents) and exact; the line's total is rounded
once, later, by `money.round_money`. Run under `money.EXACT` (the caller sets the context).

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
from dataclasses import dataclass
from decimal import Decimal

from billing_spec.catalog.models import Tier

ZERO = Decimal(0)


@dataclass(frozen=True)
class TierCharge:
    """One row of a tiered line's breakdown."""

    tier: int
    starting_at: Decimal
    size: Decimal | None
    quantity: Decimal
    price: Decimal
    flat_price: Decimal | None
    """The flat price charged on this line for this tier (None: none charged here)."""
    subtotal: Decimal


@dataclass(frozen=True)
class Priced:
    amount: Decimal
    unit_price: Decimal | None = None
    tier_mode: str | None = None
    tiers: tuple[TierCharge, ...] | None = None


def price_flat(price: Decimal, quantity: Decimal) -> Priced:
    return Priced(quantity * price, unit_price=price)


def tier_starts(tiers: Sequence[Tier]) -> list[Decimal]:
    """Where each tier starts: 0, size_1, size_1 + size_2, ..."""
    starts, at = [], ZERO
    for tier in tiers:
        starts.append(at)
        at = at + (tier.size if tier.size is not None else ZERO)
    return starts


def tier_at(tiers: Sequence[Tier], position: Decimal) -> int:
    """The 0-based tier holding unit `position` (tier k holds (start_k, start_k + size_k])."""
    starts = tier_starts(tiers)
    for k in range(len(tiers) - 1, 0, -1):
        if position > starts[k]:
            return k
    return 0


def price_graduated(
    tiers: Sequence[Tier], position: Decimal, quantity: Decimal, flats_paid: int
) -> tuple[Priced, int]:
    """Units `(position, position + quantity]`; `flats_paid` tiers' flat prices already charged
    this period. Returns the price and the new count of tiers whose flat price is paid."""
    starts = tier_starts(tiers)
    end = position + quantity
    reached = max(tier_at(tiers, position), tier_at(tiers, end)) + 1
    rows = []
    for k, tier in enumerate(tiers):
        units = _units_in(tiers, starts, k, end) - _units_in(tiers, starts, k, position)
        flat = tier.flat_price if flats_paid <= k < reached else None
        if units or flat is not None:
            rows.append(_row(k, starts, tier, units, flat))
    if not rows:
        k = tier_at(tiers, end)
        rows.append(_row(k, starts, tiers[k], ZERO, None))
    return _tiered("GRADUATED", rows), max(flats_paid, reached)


def split_units(tiers: Sequence, position: Decimal, quantity: Decimal) -> list[Decimal]:
    """How many of the units `(position, position + quantity]` fall in each tier (anything with
    a `size`: rate tiers, an override's multiplier bands)."""
    starts = tier_starts(tiers)
    end = position + quantity
    return [
        _units_in(tiers, starts, k, end) - _units_in(tiers, starts, k, position)
        for k in range(len(tiers))
    ]


def _units_in(tiers: Sequence[Tier], starts: list[Decimal], k: int, position: Decimal) -> Decimal:
    """How many of the units (0, position] fall in tier k (tier 1 also takes negative positions)."""
    above = position - starts[k]
    if k > 0 and above < 0:
        above = ZERO
    last = k == len(tiers) - 1
    size = tiers[k].size
    return above if last or size is None or above < size else size


def price_volume(
    tiers: Sequence[Tier], period_total: Decimal, quantity: Decimal, charge_flat: bool
) -> Priced:
    """`quantity` units at the price of the tier `period_total` falls in."""
    starts = tier_starts(tiers)
    k = tier_at(tiers, period_total)
    tier = tiers[k]
    flat = tier.flat_price if charge_flat else None
    return _tiered("VOLUME", [_row(k, starts, tier, quantity, flat)])


def _row(
    k: int, starts: list[Decimal], tier: Tier, units: Decimal, flat: Decimal | None
) -> TierCharge:
    subtotal = units * tier.price + (flat if flat is not None else ZERO)
    return TierCharge(k + 1, starts[k], tier.size, units, tier.price, flat, subtotal)


def _tiered(mode: str, rows: list[TierCharge]) -> Priced:
    amount = sum((row.subtotal for row in rows), ZERO)
    return Priced(amount, tier_mode=mode, tiers=tuple(rows))
