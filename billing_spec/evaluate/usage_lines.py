"""Usage line items: aggregated quantities -> priced lines, per contract and statement period.

One line per (product, pricing group values, presentation group values, window) that had events,
where a window is a statement period or the part of one where one rate is in force. Each line's
quantity goes through the product's pipeline, then its rate:

    aggregate -> quantity_conversion (MULTIPLY/DIVIDE) -> quantity_rounding -> FLAT | TIERED

and its total is rounded once to the credit type's smallest unit (`money.round_money`). The
quantity is exact from the conversion on (`money.Exact`): a DIVIDE that does not terminate is
carried as a fraction through rounding, tiers and prices, and the line shows it cut to
`money.DISPLAY_PLACES` places (`money.shown`): 31 units ÷ 3 at 4.5 cents is 31/3 × 4.5 = 46.5
-> 47 cents, shown as quantity 10.333333333333. Within a
period, the lines of one group are priced in time order, so tiered pricing continues across a
mid-period price change: the second segment starts where the first stopped, at its own rate's
tiers; VOLUME looks up the tier of the period's total. Tier positions are kept per group (pricing
and presentation values): each invoice line group has its own tiers. Windows with no rate or a
product that is not entitled (on the card, or after an override) produce no line.

Each window is priced at its effective rate (`overrides`): the list rate, or the one override
that wins there (MULTIPLIER, OVERWRITE or TIERED). A TIERED override's bands count the
period's quantity with the same position as graduated tiers. A line an override priced also
carries `list_price` (the list unit price, FLAT list rates only) and `override` (its type and
index in the contract's `overrides`); other lines are unchanged.

Example (quickstart): 250,000 + 350,000 tokens of user u1 in October -> 600,000 / 1,000,000 =
0.6 (DIVIDE by 1e6) -> 0.6 × 50 cents = 30 cents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, DecimalException

from billing_spec.compile import CompiledCatalog
from billing_spec.diagnostics import BillingSpecError
from billing_spec.evaluate.engine import Key
from billing_spec.evaluate.invoices import LineItem
from billing_spec.evaluate.overrides import Effective, price_bands
from billing_spec.evaluate.periods import Period
from billing_spec.evaluate.plan import ContractPlan, GroupValues, Window, WindowTable
from billing_spec.evaluate.pricing import (
    Priced,
    price_flat,
    price_graduated,
    price_volume,
    shown_rows,
)
from billing_spec.money import (
    EXACT,
    Exact,
    convert_quantity,
    exact,
    round_money,
    round_quantity,
    shown,
    within_precision,
)
from billing_spec.timestamps import format_timestamp


@dataclass(frozen=True)
class PeriodKey:
    contract: ContractPlan
    period: Period


def usage_lines(
    catalog: CompiledCatalog, quantities: dict[Key, Decimal]
) -> dict[PeriodKey, list[LineItem]]:
    """Priced usage lines by contract period, each list in invoice order."""
    groups: dict[tuple[WindowTable, GroupValues], list[tuple[Window, Decimal]]] = {}
    for (window, presentation), quantity in quantities.items():
        if window.billed:
            groups.setdefault((window.table, presentation), []).append((window, quantity))
    ordered: dict[PeriodKey, list[tuple[tuple, LineItem]]] = {}
    for (table, presentation), windows in groups.items():
        windows.sort(key=lambda item: item[0].index)
        for period, items in _by_period(windows):
            try:
                priced = _price_period(catalog, table, presentation, items)
            except DecimalException:
                raise _too_large(table, period) from None
            for line in priced:
                rank = (
                    _product_rank(table),
                    _values_key(table.pricing_values),
                    _values_key(presentation),
                    line.starting_at,
                )
                ordered.setdefault(PeriodKey(table.contract, period), []).append((rank, line))
    return {
        key: [line for _, line in sorted(items, key=lambda item: item[0])]
        for key, items in ordered.items()
    }


def _by_period(windows: list[tuple[Window, Decimal]]) -> Iterable[tuple[Period, list]]:
    current: list[tuple[Window, Decimal]] = []
    for item in windows:
        if current and item[0].period is not current[0][0].period:
            yield current[0][0].period, current
            current = []
        current.append(item)
    if current:
        yield current[0][0].period, current


def _too_large(table: WindowTable, period: Period) -> BillingSpecError:
    return BillingSpecError.single(
        "E707",
        f"product {table.product.id} of contract {table.contract.id}, period "
        f"{format_timestamp(period.start)}..{format_timestamp(period.end)}: the quantity or "
        "the amount is too large to price exactly (more than 50 significant digits)",
    )


def _price_period(
    catalog: CompiledCatalog,
    table: WindowTable,
    presentation: GroupValues,
    items: list[tuple[Window, Decimal]],
) -> list[LineItem]:
    """The lines of one group in one period, in time order."""
    product = catalog.section("products")[table.product.id]
    quantities = [_pipeline(product, quantity) for _, quantity in items]
    period_total = sum(quantities, Exact(0))
    values = dict(zip(table.product.shape.presentation_key, presentation, strict=True))
    position, flats_paid, volume_flat_paid, lines = Exact(0), 0, False, []
    for (window, _), quantity in zip(items, quantities, strict=True):
        pricing = window.pricing_for(values)
        if pricing is None or not pricing.entitled:  # switched off for these presentation values
            position += quantity
            continue
        rate = pricing.rate
        if rate.rate_type == "FLAT":
            priced = price_flat(rate.price or Decimal(0), quantity)
        elif rate.tier_mode == "VOLUME":
            charge = not volume_flat_paid  # once per period, on its first VOLUME line
            priced = price_volume(rate.tiers or (), period_total, quantity, charge_flat=charge)
            if pricing.bands:
                priced = price_bands(priced, pricing.bands, position, quantity, period_total)
            volume_flat_paid = True
        else:
            priced, flats_paid = price_graduated(rate.tiers or (), position, quantity, flats_paid)
        position += quantity
        lines.append(_line(catalog, table, presentation, window, pricing, quantity, priced))
    return lines


def _pipeline(product, aggregate: Decimal) -> Exact:
    """aggregate -> quantity_conversion -> quantity_rounding, exactly (an aggregate beyond 50
    significant digits is refused: `within_precision`)."""
    quantity = exact(within_precision(aggregate))
    conversion = product.quantity_conversion
    if conversion is not None:
        quantity = convert_quantity(quantity, conversion.conversion_factor, conversion.operation)
    rounding = product.quantity_rounding
    if rounding is not None:
        rounded = round_quantity(quantity, rounding.decimal_places, rounding.rounding_method)
        quantity = exact(rounded)
    return quantity


def _line(
    catalog: CompiledCatalog,
    table: WindowTable,
    presentation: GroupValues,
    window: Window,
    pricing: Effective,
    quantity: Exact,
    priced: Priced,
) -> LineItem:
    plan = table.product
    credit_type = catalog.credit_type(pricing.rate.credit_type)
    applied = pricing.override
    return LineItem(
        type="usage",
        product=plan.id,
        name=plan.content["name"],
        credit_type=credit_type,
        starting_at=window.start,
        ending_before=window.end,
        quantity=shown(quantity),
        total=round_money(priced.amount, credit_type),
        unit_price=priced.unit_price,
        pricing_group_values=dict(zip(plan.shape.pricing_key, table.pricing_values, strict=True)),
        presentation_group_values=dict(zip(plan.shape.presentation_key, presentation, strict=True)),
        tier_mode=priced.tier_mode,
        tiers=shown_rows(priced.tiers),
        product_tags=tuple(plan.content.get("tags", ())),
        commit_price=_commit_price(pricing.list_rate),
        commit_amount=_commit_amount(pricing.list_rate, quantity),
        list_price=pricing.list_price,
        override=None
        if applied is None
        else {"type": str(applied.override.type), "index": applied.index},
    )


def _commit_price(rate) -> Decimal | None:
    """The list rate's FLAT `commit_rate` price (a TIERED one is not priced: W962 says so)."""
    commit = rate.commit_rate
    if commit is None or commit.rate_type != "FLAT" or commit.price is None:
        return None
    return commit.price


def _commit_amount(rate, quantity: Exact) -> Decimal | None:
    """The line at its commit price, from the exact quantity (50 significant digits)."""
    price = _commit_price(rate)
    if price is None:
        return None
    numerator = EXACT.multiply(Decimal(quantity.numerator), price)
    return EXACT.divide(numerator, Decimal(quantity.denominator))


def _product_rank(table: WindowTable) -> int:
    return table.contract.rank_of(table.product)


def _values_key(values: GroupValues) -> tuple:
    """Sort group values: null first, then by text."""
    return tuple((0, "") if v is None else (1, v) for v in values)
