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
from typing import Any

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
            key = (window.table, presentation)
            found = groups.get(key)
            if found is None:
                groups[key] = [(window, quantity)]
            else:
                found.append((window, quantity))
    ordered: dict[tuple[ContractPlan, Period], list[tuple[tuple, LineItem]]] = {}
    common = _Common(catalog)
    for (table, presentation), windows in groups.items():
        if len(windows) > 1:
            windows.sort(key=lambda item: item[0].index)
        for period, items in _by_period(windows):
            try:
                priced = _price_period(common, table, presentation, items)
            except DecimalException:
                raise _too_large(table, period) from None
            rank = (common.rank(table), _values_key(presentation))
            found = ordered.get((table.contract, period))
            if found is None:
                ordered[(table.contract, period)] = found = []
            for line in priced:
                found.append(((*rank, line.starting_at), line))
    return {
        PeriodKey(contract, period): [line for _, line in sorted(items, key=_first)]
        for (contract, period), items in ordered.items()
    }


def _first(item: tuple) -> Any:
    return item[0]


class _Common:
    """What every line of a window table shares, worked out once per table (a product with a
    million presentation groups prices a million lines from one table)."""

    def __init__(self, catalog: CompiledCatalog) -> None:
        self.catalog = catalog
        self.products = catalog.section("products")
        self._ranks: dict[WindowTable, tuple] = {}
        self._lines: dict[tuple[WindowTable, int], dict[str, Any]] = {}

    def rank(self, table: WindowTable) -> tuple:
        """Where the table's lines sort: its product's position on the card, then its pricing
        group values."""
        found = self._ranks.get(table)
        if found is None:
            found = (table.contract.rank_of(table.product), _values_key(table.pricing_values))
            self._ranks[table] = found
        return found

    def fields(self, table: WindowTable, pricing: Effective) -> dict[str, Any]:
        """The `LineItem` fields that depend only on the table and the pricing."""
        key = (table, id(pricing))
        found = self._lines.get(key)
        if found is None:
            plan = table.product
            applied = pricing.override
            found = {
                "type": "usage",
                "product": plan.id,
                "name": plan.content["name"],
                "credit_type": self.catalog.credit_type(pricing.rate.credit_type),
                "pricing_group_values": dict(
                    zip(plan.shape.pricing_key, table.pricing_values, strict=True)
                ),
                "product_tags": tuple(plan.content.get("tags", ())),
                "commit_price": _commit_price(pricing.list_rate),
                "list_price": pricing.list_price,
                "override": None
                if applied is None
                else {"type": str(applied.override.type), "index": applied.index},
                "_pricing": pricing,  # keeps id(pricing) from being reused while cached
            }
            self._lines[key] = found
        return found


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
    common: _Common,
    table: WindowTable,
    presentation: GroupValues,
    items: list[tuple[Window, Decimal]],
) -> list[LineItem]:
    """The lines of one group in one period, in time order."""
    product = common.products[table.product.id]
    quantities = [_pipeline(product, quantity) for _, quantity in items]
    values = dict(zip(table.product.shape.presentation_key, presentation, strict=True))
    position, flats_paid, volume_flat_paid, lines = Exact(0), 0, False, []
    period_total: Exact | None = None  # worked out for VOLUME rates only
    last = len(items) - 1
    for k, ((window, _), quantity) in enumerate(zip(items, quantities, strict=True)):
        pricing = window.pricing_for(values)
        if pricing is None or not pricing.entitled:  # switched off for these presentation values
            position += quantity
            continue
        rate = pricing.rate
        if rate.rate_type == "FLAT":
            priced = price_flat(rate.price or Decimal(0), quantity)
        elif rate.tier_mode == "VOLUME":
            if period_total is None:
                period_total = sum(quantities, Exact(0))
            charge = not volume_flat_paid  # once per period, on its first VOLUME line
            priced = price_volume(rate.tiers or (), period_total, quantity, charge_flat=charge)
            if pricing.bands:
                priced = price_bands(priced, pricing.bands, position, quantity, period_total)
            volume_flat_paid = True
        else:
            priced, flats_paid = price_graduated(rate.tiers or (), position, quantity, flats_paid)
        if k < last:
            position += quantity
        fields = common.fields(table, pricing)
        lines.append(_line(fields, values, window, pricing, quantity, priced))
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
    fields: dict[str, Any],
    presentation: dict[str, str | None],
    window: Window,
    pricing: Effective,
    quantity: Exact,
    priced: Priced,
) -> LineItem:
    credit_type = fields["credit_type"]
    return LineItem(
        type="usage",
        product=fields["product"],
        name=fields["name"],
        credit_type=credit_type,
        starting_at=window.start,
        ending_before=window.end,
        quantity=shown(quantity),
        total=round_money(priced.amount, credit_type),
        unit_price=priced.unit_price,
        pricing_group_values=fields["pricing_group_values"],
        presentation_group_values=presentation,
        tier_mode=priced.tier_mode,
        tiers=shown_rows(priced.tiers),
        product_tags=fields["product_tags"],
        commit_price=fields["commit_price"],
        commit_amount=_commit_amount(pricing.list_rate, quantity)
        if fields["commit_price"] is not None
        else None,
        list_price=fields["list_price"],
        override=fields["override"],
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


def _values_key(values: GroupValues) -> tuple:
    """Sort group values: null first, then by text."""
    return tuple((0, "") if v is None else (1, v) for v in values)
