"""Rate card and rate rules (E5xx).

A rate's shape follows its `rate_type` (also for a commit_rate and an override's overwrite_rate):

- FLAT, PERCENTAGE and SUBSCRIPTION need `price` and take no `tiers` (E503, E504); TIERED needs
  `tiers` and takes no `price` (E505, E506). Prices, tier prices and flat prices are >= 0 (E501);
  a PERCENTAGE price is a fraction in 0..1 (E502, the limit Metronome's API sets).
- Tiers: every tier but the last has a `size` > 0, the last has none — it is unbounded (E507,
  E508). `tier_mode` belongs to TIERED rates (E509); so does `flat_price`, since only TIERED
  rates have tiers.

A rate must also fit its product and its card:

- `starting_at` < `ending_before` (E510); two rates for the same product, pricing group values and
  billing frequency may not start at the same instant, or which one applies is undefined (E511).
- `pricing_group_values` names exactly the product's `pricing_group_key`; no values at all counts
  as `{}`, so a product with a pricing key needs them on every rate (E512).
- The product type allows the rate type (E513): USAGE is FLAT or TIERED, COMPOSITE is PERCENTAGE,
  SUBSCRIPTION is FLAT (or the deprecated SUBSCRIPTION rate type) and needs `billing_frequency`
  (E514), which no other product takes (E515). FIXED products are priced on contracts — commits,
  credits, scheduled charges — never on a rate card (E516).
- A rate in a custom credit type needs a `credit_type_conversions` entry on its card, Metronome's
  rule (E517); conversions are positive, one per credit type, never of the card's own fiat type
  (E518). A rate's `quantity` is >= 0 (E519).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from billing_spec.catalog.checks.site import Site, a, check_window, sites, ts
from billing_spec.catalog.enums import ProductType, RateType
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.models import Product, Rate, RateCard
from billing_spec.catalog.types import USD_ID
from billing_spec.diagnostics import Diagnostic

ALLOWED_RATE_TYPES: dict[ProductType, tuple[RateType, ...]] = {
    ProductType.USAGE: (RateType.FLAT, RateType.TIERED),
    ProductType.COMPOSITE: (RateType.PERCENTAGE,),
    ProductType.SUBSCRIPTION: (RateType.FLAT, RateType.SUBSCRIPTION),
    ProductType.FIXED: (),
}


def check_rate_cards(spec: CatalogSpec) -> Iterator[Diagnostic]:
    for site, card in sites(spec, "rate_cards"):
        for i, alias in enumerate(card.aliases):
            yield from check_window(site.at("aliases", i), "E510", alias, f"alias {alias.name!r}")
        yield from _conversions(site, card)
        for i, rate in enumerate(card.rates):
            yield from _rate(spec, site.at("rates", i), card, rate)
        yield from _same_start(site, card)


# --- the shape of a rate, wherever one is written ---------------------------------------------


def check_rate_shape(site: Site, rate: Any) -> Iterator[Diagnostic]:
    """Price or tiers as the rate type requires; `rate` is a Rate, CommitRate or OverwriteRate."""
    kind = rate.rate_type
    if kind is RateType.TIERED:
        if not rate.tiers:
            yield site.error(
                "E505",
                "a TIERED rate needs `tiers`",
                "rate_type",
                hint="e.g. `tiers: [{size: 1000, price: 2}, {price: 1}]`",
            )
        if rate.price is not None:
            yield site.error(
                "E506",
                "a TIERED rate takes no `price`: its tiers carry the prices",
                "price",
                key=True,
                hint="remove price, or use `rate_type: FLAT`",
            )
        yield from check_tiers(site, rate.tiers or (), "price")
        return
    if rate.price is None:
        yield site.error(
            "E503",
            f"{a(kind)} rate needs a `price`",
            "rate_type",
            hint="add `price:` in the credit type's base unit (USD: cents)"
            if kind is not RateType.PERCENTAGE
            else "add `price:` as a fraction, 0.1 for 10%",
        )
    else:
        yield from _price(site, kind, rate.price)
    if rate.tiers:
        yield site.error(
            "E504",
            f"{a(kind)} rate takes no `tiers`",
            "tiers",
            key=True,
            hint="use `rate_type: TIERED` for tiered pricing, or remove tiers",
        )


def _price(site: Site, kind: RateType, price: Any) -> Iterator[Diagnostic]:
    if kind is RateType.PERCENTAGE and not 0 <= price <= 1:
        yield site.error(
            "E502",
            f"a PERCENTAGE price is a fraction from 0 to 1, not {price}",
            "price",
            hint="write 10% as 0.1",
        )
    elif price < 0:
        yield site.error(
            "E501",
            f"price must not be negative ({price})",
            "price",
            hint="prices are >= 0; give discounts as contract overrides or credits",
        )


def check_tiers(site: Site, tiers: Sequence[Any], amount: str) -> Iterator[Diagnostic]:
    """Sizes of tiers (E507, E508) and their non-negative `amount` field (price or multiplier)."""
    last = len(tiers) - 1
    for i, tier in enumerate(tiers):
        here = site.at("tiers", i)
        if i < last and (tier.size is None or tier.size <= 0):
            yield _bad_size(here, tier, i)
        elif i == last and tier.size is not None:
            yield here.error(
                "E508",
                "the last tier takes no `size`: it holds every unit beyond the tiers before it",
                "size",
                key=True,
                hint="remove its size, or add an unbounded tier after it",
            )
        if amount == "price":
            yield from _tier_prices(here, tier)


def _bad_size(here: Site, tier: Any, i: int) -> Diagnostic:
    if tier.size is None:
        return here.error(
            "E507",
            f"tier {i + 1} needs a `size`: only the last tier is unbounded",
            hint="size is the number of units in the tier, e.g. `size: 1000`",
        )
    return here.error(
        "E507",
        f"tier size must be greater than 0, not {tier.size}",
        "size",
        hint="size is the number of units in the tier, e.g. `size: 1000`",
    )


def _tier_prices(here: Site, tier: Any) -> Iterator[Diagnostic]:
    for name in ("price", "flat_price"):
        value = getattr(tier, name, None)
        if value is not None and value < 0:
            yield here.error(
                "E501",
                f"tier {name} must not be negative ({value})",
                name,
                hint="prices are >= 0; give discounts as overrides or credits",
            )


# --- a rate on its card ---------------------------------------------------------------------


def _rate(spec: CatalogSpec, site: Site, card: RateCard, rate: Rate) -> Iterator[Diagnostic]:
    yield from check_rate_shape(site, rate)
    if rate.tier_mode is not None and rate.rate_type is not RateType.TIERED:
        yield site.error(
            "E509",
            f"`tier_mode` applies to TIERED rates only, this one is {rate.rate_type}",
            "tier_mode",
            key=True,
            hint="remove tier_mode",
        )
    if rate.commit_rate is not None:
        yield from check_rate_shape(site.at("commit_rate"), rate.commit_rate)
    yield from check_window(site, "E510", rate, "the rate")
    if rate.quantity is not None and rate.quantity < 0:
        yield site.error("E519", f"quantity must not be negative ({rate.quantity})", "quantity")
    yield from _credit_type(spec, site, card, rate)
    product = spec.section("products").get(rate.product)
    if product is not None:
        yield from _fits_product(site, rate, product)


def _fits_product(site: Site, rate: Rate, product: Product) -> Iterator[Diagnostic]:
    kind = product.type
    if kind is ProductType.FIXED:
        yield site.error(
            "E516",
            f"product {rate.product!r} is FIXED: FIXED products are priced "
            "on contracts, not on rate cards",
            "product",
            hint="sell it as a contract's scheduled charge, commit or credit, and remove this rate",
        )
        return
    allowed = ALLOWED_RATE_TYPES[kind]
    if rate.rate_type not in allowed:
        yield site.error(
            "E513",
            f"{a(kind)} product cannot have {a(rate.rate_type)} rate",
            "rate_type",
            hint=f"{kind} products take {' or '.join(allowed)} rates",
        )
    yield from _billing_frequency(site, rate, product)
    yield from _group_values(site, rate, product)


def _billing_frequency(site: Site, rate: Rate, product: Product) -> Iterator[Diagnostic]:
    if product.type is ProductType.SUBSCRIPTION and rate.billing_frequency is None:
        yield site.error(
            "E514",
            f"a rate of SUBSCRIPTION product {rate.product!r} needs a `billing_frequency`",
            "product",
            hint="add `billing_frequency: MONTHLY` (or QUARTERLY, ANNUAL, WEEKLY)",
        )
    elif product.type is not ProductType.SUBSCRIPTION and rate.billing_frequency is not None:
        yield site.error(
            "E515",
            f"`billing_frequency` applies to rates of SUBSCRIPTION products; "
            f"{rate.product!r} is {product.type}",
            "billing_frequency",
            key=True,
            hint="remove billing_frequency",
        )


def _group_values(site: Site, rate: Rate, product: Product) -> Iterator[Diagnostic]:
    expected = set(product.pricing_group_key)
    given = set(rate.pricing_group_values or {})
    if given == expected:
        return
    wanted = ", ".join(sorted(expected)) or "none"
    if rate.pricing_group_values is None:
        example = ", ".join(f"{k}: ..." for k in sorted(expected))
        yield site.error(
            "E512",
            f"product {rate.product!r} is priced by [{wanted}]: the rate "
            "needs `pricing_group_values`",
            "product",
            hint=f"add `pricing_group_values: {{{example}}}`",
        )
        return
    yield site.error(
        "E512",
        f"pricing_group_values names [{', '.join(sorted(given))}], but "
        f"product {rate.product!r} has pricing_group_key [{wanted}]",
        "pricing_group_values",
        key=True,
        hint="give exactly one value for each property of the product's pricing_group_key"
        if expected
        else "the product has no pricing_group_key; remove pricing_group_values",
    )


def _credit_type(spec: CatalogSpec, site: Site, card: RateCard, rate: Rate) -> Iterator[Diagnostic]:
    credit_type = rate.credit_type
    fiat = card.fiat_credit_type or USD_ID
    if credit_type in (None, USD_ID, fiat) or rate.rate_type is RateType.PERCENTAGE:
        return
    if not spec.defined("credit_types", credit_type):
        return  # E201 says so
    if any(c.custom_credit_type == credit_type for c in card.credit_type_conversions):
        return
    yield site.error(
        "E517",
        f"rate in custom credit type {credit_type!r}, but the rate card has no conversion for it",
        "credit_type",
        hint=f"add `credit_type_conversions: [{{custom_credit_type: {credit_type}, "
        f"fiat_per_custom_credit: ...}}]` to the rate card (fiat base units "
        "per one custom credit)",
    )


def _conversions(site: Site, card: RateCard) -> Iterator[Diagnostic]:
    fiat = card.fiat_credit_type or USD_ID
    seen: dict[str, int] = {}
    for i, conversion in enumerate(card.credit_type_conversions):
        here = site.at("credit_type_conversions", i)
        custom = conversion.custom_credit_type
        if conversion.fiat_per_custom_credit <= 0:
            yield here.error(
                "E518",
                "fiat_per_custom_credit must be greater than 0, not "
                f"{conversion.fiat_per_custom_credit}",
                "fiat_per_custom_credit",
                hint="the fiat base units (cents) one custom credit is worth",
            )
        if custom == fiat:
            yield here.error(
                "E518",
                f"{custom!r} is the card's fiat credit type and needs no conversion",
                "custom_credit_type",
                hint="remove this conversion",
            )
        elif custom in seen:
            yield here.error(
                "E518",
                f"credit type {custom!r} is converted twice (also "
                f"credit_type_conversions[{seen[custom]}])",
                "custom_credit_type",
                hint="keep one conversion per credit type",
            )
        seen.setdefault(custom, i)


def _same_start(site: Site, card: RateCard) -> Iterator[Diagnostic]:
    first: dict[tuple, int] = {}
    for i, rate in enumerate(card.rates):
        key = (
            rate.product,
            frozenset((rate.pricing_group_values or {}).items()),
            rate.billing_frequency,
            rate.starting_at,
        )
        if key in first:
            yield site.error(
                "E511",
                f"rates[{first[key]}] and rates[{i}] price the same product "
                f"and group values from the same instant ({ts(rate.starting_at)})",
                "rates",
                i,
                "starting_at",
                hint="a price change is a new rate with a later starting_at; remove one of the two",
            )
        first.setdefault(key, i)
