"""Contract overrides: which override prices a product for a contract at an instant, at what
rate, and whether the product is entitled at all.

This module owns Metronome's override rules (reference/metronome-contracts.md §1.5, D-OVR); the
window tables (`plan`) only ask it, per window, and `usage_lines` prices with what it answers.

**Targeting.** An override applies to a product by `product`, by `applicable_product_tags` (the
product carries ANY of them), or by `override_specifiers`: the fields of one specifier are ANDed
(`product`; `product_tags`: the product carries ALL; `pricing_group_values` and
`presentation_group_values`: a subset of the line's values; `billing_frequency`: the list rate's),
and the specifiers are ORed. It is in force in `[starting_at, ending_before)`, by event time.

**Types.** With list rate FLAT 10 and TIERED `[{size: 100, price: 2}, {price: 1}]`:

- MULTIPLIER 0.8: × the list rate, following list changes: FLAT 8; TIERED `[{100, 1.6}, {0.8}]`
  (every tier's `price` and `flat_price`).
- OVERWRITE `{rate_type: FLAT, price: 7}`: the list rate is replaced (list changes no longer
  show): FLAT 7, whatever the card says.
- TIERED `[{size: 50, multiplier: 0}, {multiplier: 0.9}]`: a multiplier per quantity band of the
  statement period, counted like graduated tiers (the position carries across the period's
  windows): over FLAT 10, units (0, 50] cost 0 and the rest 9; over the TIERED list rate both
  boundaries are walked: (0, 50] at 0, (50, 100] at 1.8, beyond 100 at 0.9. Over a VOLUME list
  rate each band's units cost the volume tier's price × the band's multiplier.
- no type: entitlement only; never changes the price.

**Never stacking** ("Overrides don't stack", D-OVR): one override prices a window. Any OVERWRITE
beats every MULTIPLIER and TIERED; of several OVERWRITEs the LAST in the contract's list wins
(Metronome's "last added"). Otherwise, under `multiplier_override_prioritization:
LOWEST_MULTIPLIER` (the default) the lowest `multiplier` (the biggest discount) wins; under
EXPLICIT the lowest `priority`. Ties (billing-spec's choice, as for overwrites): the later in the
list wins.

**Entitlement.** The card rate's `entitled`, unless an override in force that targets the line
says otherwise (`entitled: true` switches on a product the card leaves off, `false` switches it
off); of several, the last in the list decides. A typed override without `entitled` leaves the
card's entitlement alone (an OVERWRITE does not switch a product on by itself). Where no list
rate is in force, no override creates one.

For other pricing steps (subscriptions, composites): `entitled(catalog, contract, product, at)`
and `effective_rate(catalog, contract, product, at)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, localcontext

from billing_spec.catalog.enums import OverridePrioritization, OverrideType, RateType, TierMode
from billing_spec.catalog.models import Contract, Override, OverrideTier, Product, Rate, Tier
from billing_spec.evaluate.pricing import (
    Priced,
    Quantity,
    TierCharge,
    split_units,
    tier_at,
    tier_starts,
    tier_subtotal,
)
from billing_spec.money import EXACT, Exact

Values = Mapping[str, str | None]


@dataclass(frozen=True)
class Applied:
    """An override of a contract, with its position in the contract's `overrides` list."""

    index: int
    override: Override

    def active_at(self, at: datetime) -> bool:
        o = self.override
        return o.starting_at <= at and (o.ending_before is None or at < o.ending_before)

    @property
    def presentation_specific(self) -> bool:
        """Whether some specifier asks for presentation group values (a per-line question)."""
        return any(s.presentation_group_values for s in self.override.override_specifiers or ())


@dataclass(frozen=True)
class Effective:
    """The pricing of a line: the list rate, the rate billed, the winning override (None: list
    price) and whether the product is entitled after overrides."""

    list_rate: Rate
    rate: Rate
    override: Applied | None
    entitled: bool
    bands: tuple[OverrideTier, ...] | None = None
    """A TIERED override over a VOLUME list rate: the bands `usage_lines` walks (`price_bands`)."""

    @property
    def list_price(self) -> Decimal | None:
        """The list unit price when an override changed a FLAT list rate (None otherwise)."""
        if self.override is None or self.list_rate.rate_type != RateType.FLAT:
            return None
        return self.list_rate.price


def targets(
    override: Override,
    product_id: str,
    tags: Sequence[str],
    pricing_values: Values,
    presentation_values: Values | None = None,
    billing_frequency: str | None = None,
) -> bool:
    """Whether `override` targets this product and line. `presentation_values` None: the
    presentation group values are not known yet, and a specifier asking for some matches."""
    if override.product is not None:
        return override.product == product_id
    if override.applicable_product_tags:
        return any(tag in tags for tag in override.applicable_product_tags)
    return any(
        _specifier_matches(
            s, product_id, tags, pricing_values, presentation_values, billing_frequency
        )
        for s in override.override_specifiers or ()
    )


def _specifier_matches(
    specifier,
    product_id: str,
    tags: Sequence[str],
    pricing_values: Values,
    presentation_values: Values | None,
    billing_frequency: str | None,
) -> bool:
    if specifier.product is not None and specifier.product != product_id:
        return False
    if specifier.product_tags and not all(tag in tags for tag in specifier.product_tags):
        return False
    if not _subset(specifier.pricing_group_values, pricing_values):
        return False
    if presentation_values is not None and not _subset(
        specifier.presentation_group_values, presentation_values
    ):
        return False
    return specifier.billing_frequency is None or specifier.billing_frequency == billing_frequency


def _subset(wanted: Mapping[str, str] | None, values: Values) -> bool:
    return all(key in values and values[key] == value for key, value in (wanted or {}).items())


class ContractOverrides:
    """One contract's overrides, ready to be asked per product, line and instant."""

    def __init__(self, contract: Contract, products: Mapping[str, Product]) -> None:
        self.applied = tuple(Applied(i, o) for i, o in enumerate(contract.overrides))
        self.explicit = (
            contract.multiplier_override_prioritization == OverridePrioritization.EXPLICIT
        )
        self.products = products

    def targeting(
        self,
        product_id: str,
        pricing_values: Values,
        presentation_values: Values | None = None,
        billing_frequency: str | None = None,
    ) -> tuple[Applied, ...]:
        """The overrides that target this product and line, at any time."""
        product = self.products.get(product_id)
        tags = product.tags if product is not None else ()
        return tuple(
            a
            for a in self.applied
            if targets(
                a.override, product_id, tags, pricing_values, presentation_values, billing_frequency
            )
        )

    def effective(
        self,
        list_rate: Rate,
        candidates: Sequence[Applied],
        at: datetime,
        presentation_values: Values | None = None,
    ) -> Effective:
        """The pricing at `at` of a line priced by `list_rate`, among `candidates` (the
        overrides that target its product and pricing values). With `presentation_values`, a
        candidate whose specifiers ask for presentation values must also match them."""
        live = [a for a in candidates if a.active_at(at)]
        if presentation_values is not None:
            live = [
                a for a in live if self._matches_presentation(a, list_rate, presentation_values)
            ]
        return resolve(list_rate, live, explicit=self.explicit)

    def _matches_presentation(self, a: Applied, rate: Rate, values: Values) -> bool:
        if not a.presentation_specific:
            return True
        product = self.products.get(rate.product)
        tags = product.tags if product is not None else ()
        return targets(
            a.override,
            rate.product,
            tags,
            rate.pricing_group_values or {},
            values,
            rate.billing_frequency,
        )

    def boundaries(self, candidates: Sequence[Applied]) -> set[datetime]:
        """Where the candidates start and end."""
        cuts = {a.override.starting_at for a in candidates}
        return cuts | {a.override.ending_before for a in candidates if a.override.ending_before}


def resolve(list_rate: Rate, live: Sequence[Applied], *, explicit: bool) -> Effective:
    """The pricing of `list_rate` under the overrides in force `live` (in list order)."""
    entitled = list_rate.entitled
    for a in live:
        if a.override.entitled is not None:
            entitled = a.override.entitled
    winner = winning(live, explicit=explicit)
    if winner is None:
        return Effective(list_rate, list_rate, None, entitled)
    rate, bands = _apply(list_rate, winner.override)
    return Effective(list_rate, rate, winner, entitled, bands)


def winning(live: Sequence[Applied], *, explicit: bool) -> Applied | None:
    """The one override that prices (never stacking), or None."""
    overwrites = [a for a in live if a.override.type == OverrideType.OVERWRITE]
    if overwrites:
        return overwrites[-1]
    ranked = [a for a in live if a.override.type in (OverrideType.MULTIPLIER, OverrideType.TIERED)]
    if not ranked:
        return None
    key = _priority if explicit else _multiplier
    best = min(key(a) for a in ranked)
    return [a for a in ranked if key(a) == best][-1]  # ties: the later in the list


def _priority(a: Applied) -> Decimal:
    p = a.override.priority
    return p if p is not None else Decimal("Infinity")


def _multiplier(a: Applied) -> Decimal:
    o = a.override
    if o.type == OverrideType.MULTIPLIER:
        return o.multiplier if o.multiplier is not None else Decimal(1)
    # a TIERED override needs EXPLICIT (E608); should one slip through, rank it by its first band
    return o.tiers[0].multiplier if o.tiers else Decimal(1)


def _apply(rate: Rate, override: Override) -> tuple[Rate, tuple[OverrideTier, ...] | None]:
    with localcontext(EXACT):
        if override.type == OverrideType.OVERWRITE:
            new = override.overwrite_rate
            return rate.model_copy(
                update={
                    "rate_type": new.rate_type,
                    "price": new.price,
                    "tiers": new.tiers,
                    "tier_mode": None,
                    "credit_type": new.credit_type or rate.credit_type,
                }
            ), None
        if override.type == OverrideType.MULTIPLIER:
            return scaled(rate, override.multiplier), None
        bands = override.tiers or ()
        if rate.rate_type == RateType.TIERED and rate.tier_mode == TierMode.VOLUME:
            return rate, bands
        list_tiers = rate.tiers if rate.rate_type == RateType.TIERED else (Tier(price=rate.price),)
        combined = combine(list_tiers or (), bands)
        return rate.model_copy(
            update={
                "rate_type": RateType.TIERED,
                "price": None,
                "tiers": combined,
                "tier_mode": None,
            }
        ), None


def scaled(rate: Rate, multiplier: Decimal) -> Rate:
    """`rate` × `multiplier`: a FLAT price, or every tier's price and flat_price."""
    with localcontext(EXACT):
        if rate.rate_type != RateType.TIERED:
            price = rate.price * multiplier if rate.price is not None else None
            return rate.model_copy(update={"price": price})
        tiers = tuple(
            t.model_copy(
                update={
                    "price": t.price * multiplier,
                    "flat_price": None if t.flat_price is None else t.flat_price * multiplier,
                }
            )
            for t in rate.tiers or ()
        )
        return rate.model_copy(update={"tiers": tiers})


def combine(tiers: Sequence[Tier], bands: Sequence[OverrideTier]) -> tuple[Tier, ...]:
    """Graduated list tiers under multiplier bands -> one graduated tier list cut at both
    boundaries: a piece in list tier k and band j costs price_k × multiplier_j; a list tier's
    flat_price stays on its first piece, × the multiplier of the band it starts in."""
    t_starts, b_starts = tier_starts(tiers), tier_starts(bands)
    points = sorted(set(t_starts) | set(b_starts))
    out = []
    for i, at in enumerate(points):
        k = _holding(t_starts, at)
        j = _holding(b_starts, at)
        m = bands[j].multiplier
        flat = tiers[k].flat_price
        out.append(
            Tier(
                size=points[i + 1] - at if i + 1 < len(points) else None,
                price=tiers[k].price * m,
                flat_price=flat * m if flat is not None and at == t_starts[k] else None,
            )
        )
    return tuple(out)


def _holding(starts: list[Decimal], at: Decimal) -> int:
    """The tier whose units start just after `at`."""
    return max(k for k, start in enumerate(starts) if start <= at)


def price_bands(
    priced: Priced,
    bands: Sequence[OverrideTier],
    position: Quantity,
    quantity: Quantity,
    total: Quantity,
) -> Priced:
    """A VOLUME line (one tier row) under a TIERED override: the units `(position, position +
    quantity]` of each band at the tier's price × the band's multiplier; the tier's flat_price ×
    the multiplier of the band the period's `total` falls in. Units, subtotals and the amount are
    exact (`money.Exact`), as in `pricing`."""
    [row] = priced.tiers or ()
    rows: list[TierCharge] = []
    with localcontext(EXACT):
        flat = row.flat_price
        if flat is not None:
            flat = flat * bands[tier_at(bands, total)].multiplier
        for j, units in enumerate(split_units(bands, position, quantity)):
            if units or (flat is not None and not rows):
                price = row.price * bands[j].multiplier
                row_flat = None if rows else flat
                subtotal = tier_subtotal(units, price, row_flat)
                rows.append(
                    TierCharge(
                        row.tier, row.starting_at, row.size, units, price, row_flat, subtotal
                    )
                )
    if not rows:
        zero = Exact(0)
        rows.append(TierCharge(row.tier, row.starting_at, row.size, zero, row.price, None, zero))
    amount = sum((r.subtotal for r in rows), Exact(0))
    return Priced(amount, tier_mode=priced.tier_mode, tiers=tuple(rows))


# --- for other pricing steps -----------------------------------------------------------------


def effective_rate(
    catalog,
    contract_id: str,
    product_id: str,
    at: datetime,
    *,
    pricing_values: Values | None = None,
    presentation_values: Values | None = None,
    billing_frequency: str | None = None,
) -> Effective | None:
    """The pricing of `product_id` for contract `contract_id` at `at`: the card's rate in force
    (for these pricing group values and billing frequency, when given) with the winning override
    applied. None when the card has no such rate at `at`. A subscription's FLAT price is
    `effective_rate(...).rate.price`; entitlement after overrides is `.entitled`.

    `catalog` is a `CompiledCatalog`; a typical call for a SUBSCRIPTION product:
    `effective_rate(catalog, "acme_2026", "seats", t, billing_frequency="MONTHLY")`."""
    from billing_spec.evaluate.segments import rate_segments

    contract = catalog.section("contracts")[contract_id]
    card = catalog.section("rate_cards")[contract.rate_card]
    wanted = dict(pricing_values or {})
    rates = [
        r
        for r in card.rates
        if r.product == product_id
        and dict(r.pricing_group_values or {}) == wanted
        and (billing_frequency is None or r.billing_frequency == billing_frequency)
    ]
    rate = next((s.rate for s in rate_segments(rates) if _within(s, at)), None)
    if rate is None:
        return None
    terms = ContractOverrides(contract, catalog.section("products"))
    frequency = billing_frequency or rate.billing_frequency
    candidates = terms.targeting(product_id, wanted, presentation_values, frequency)
    return terms.effective(rate, candidates, at, presentation_values)


def entitled(
    catalog,
    contract_id: str,
    product_id: str,
    at: datetime,
    *,
    pricing_values: Values | None = None,
    billing_frequency: str | None = None,
) -> bool:
    """Whether contract `contract_id` may bill `product_id` at `at`: a card rate is in force and
    it is entitled after overrides."""
    found = effective_rate(
        catalog,
        contract_id,
        product_id,
        at,
        pricing_values=pricing_values,
        billing_frequency=billing_frequency,
    )
    return found is not None and found.entitled


def _within(segment, at: datetime) -> bool:
    return segment.start <= at and (segment.end is None or at < segment.end)
