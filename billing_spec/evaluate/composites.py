"""Composite products: a percentage of a statement period's spend on other products.

A COMPOSITE product entitled for the contract (on its rate card, or switched on by an
override) with a PERCENTAGE rate (`price` is a fraction: 0.1 = 10%) adds one `composite` line to
each usage invoice that has spend on the products it covers:

- the base is the total of the invoice's `usage` and `subscription` lines whose product is one of
  the composite's `composite_products` or carries any of its `composite_tags`, in the rate's
  credit type, after overrides and before commits and credits (Metronome: composites are priced
  on list-or-override spend; balances then draw the composite line like any other);
- `exclude_free_usage: true` leaves lines with a zero price (unit price 0, or a total of 0) out
  of the base; they add nothing to it either way, so the line's quantity is what changes;
- the rate is the one in force at the statement period's start, after overrides (one rate per
  period, as for subscriptions); the line's `quantity` is the base, its `unit_price` the
  fraction, its total base × fraction rounded once.

Example: usage lines of $120.00 on `inference`-tagged products and a 10% support fee on
`composite_tags: [inference]`: a composite line, quantity 12000 (cents), unit price 0.1, total
1200 ($12.00).

Metronome's optional composite minimum and TIERED_PERCENTAGE rates are not in the catalog yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from billing_spec.catalog.models import Product, Rate, RateCard
from billing_spec.compile import CompiledCatalog
from billing_spec.evaluate.invoices import LineItem
from billing_spec.evaluate.periods import Period
from billing_spec.evaluate.statements import USAGE, Statements
from billing_spec.money import add_up, round_money

RateAt = Callable[[str, str, datetime], Rate | None]
"""(contract ID, product ID, instant) -> the rate the contract bills the product at then, after
overrides (None: none in force, or not entitled)."""
_BASE_TYPES = ("usage", "subscription")


def composite_step(catalog: CompiledCatalog, statements: Statements, rate_at: RateAt) -> None:
    """Add each entitled composite product's line to every usage invoice with spend under it."""
    products = catalog.section("products")
    by_card: dict[str, list[str]] = {}  # a card's composites, found once for all its contracts
    for contract in statements.contracts():
        card_id = contract.content["rate_card"]
        composites = by_card.get(card_id)
        if composites is None:
            card = catalog.section("rate_cards")[card_id]
            composites = by_card[card_id] = _composites(card, products)
        if not composites:
            continue
        for key, lines in statements.of_contract(contract):
            if key.type != USAGE or key.period is None:
                continue
            added = []
            for product_id in composites:
                rate = rate_at(contract.id, product_id, key.period.start)
                if rate is None or rate.rate_type != "PERCENTAGE":
                    continue
                line = _line(catalog, product_id, products[product_id], rate, key.period, lines)
                if line is not None:
                    added.append(line)
            lines.extend(added)


def _composites(card: RateCard, products: dict[str, Product]) -> list[str]:
    """The card's COMPOSITE products with a PERCENTAGE rate, in card order."""
    found: list[str] = []
    for rate in card.rates:
        is_composite = products[rate.product].type == "COMPOSITE"
        if is_composite and rate.rate_type == "PERCENTAGE" and rate.product not in found:
            found.append(rate.product)
    return found


def _line(
    catalog: CompiledCatalog,
    product_id: str,
    product: Product,
    rate: Rate,
    period: Period,
    lines: Sequence[LineItem],
) -> LineItem | None:
    credit_type = catalog.credit_type(rate.credit_type)
    base_lines = [
        line
        for line in lines
        if line.type in _BASE_TYPES
        and line.credit_type.id == credit_type.id
        and _covered(product, line)
        and not (product.exclude_free_usage and _free(line))
    ]
    if not base_lines:
        return None
    base = add_up(line.total for line in base_lines)
    fraction = rate.price if rate.price is not None else Decimal(0)
    return LineItem(
        type="composite",
        product=product_id,
        name=product.name,
        credit_type=credit_type,
        starting_at=period.start,
        ending_before=period.end,
        quantity=base,
        total=round_money(base * fraction, credit_type),
        unit_price=fraction,
        product_tags=tuple(product.tags),
    )


def _covered(composite: Product, line: LineItem) -> bool:
    if line.product in composite.composite_products:
        return True
    return any(tag in line.product_tags for tag in composite.composite_tags)


def _free(line: LineItem) -> bool:
    return line.total == 0 or (line.unit_price is not None and line.unit_price == 0)
