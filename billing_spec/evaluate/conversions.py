"""Custom pricing units converted to fiat: the `cpu_conversion` line.

Usage priced in a custom credit type (a rate with `credit_type: gpu_credits`, say) is billed in
that unit and draws down the balances of that unit first (the balance step: a grant only draws
lines of its own credit type). Where the contract's rate card converts the unit
(`credit_type_conversions: [{custom_credit_type, fiat_per_custom_credit}]`), what is left after
those balances is converted to the card's fiat credit type as Metronome does: one
`cpu_conversion` line on the fiat invoice of the same statement period, whose `quantity` is the
custom units left to pay, `unit_price` the fiat per unit, and total their product rounded once.
The custom unit's own invoice stays, showing the usage and the balances drawn, with a note that
its total is paid on the fiat invoice.

Example: 20 GPU credits of usage, a 5-credit grant, 150 cents per credit: the GPU invoice totals
15 credits; the USD invoice has `cpu_conversion` 15 × 150 = 2250 cents.
"""

from __future__ import annotations

from decimal import Decimal

from billing_spec.compile import CompiledCatalog
from billing_spec.evaluate.invoices import LineItem
from billing_spec.evaluate.statements import InvoiceKey, Statements
from billing_spec.money import add_up, round_money

CONVERSION = "cpu_conversion"


def conversion_step(catalog: CompiledCatalog, statements: Statements) -> None:
    """Add a `cpu_conversion` line for each converted custom unit left to pay on an invoice."""
    for contract in statements.contracts():
        card = catalog.section("rate_cards")[contract.content["rate_card"]]
        rates = {
            c.custom_credit_type: c.fiat_per_custom_credit for c in card.credit_type_conversions
        }
        if not rates:
            continue
        fiat = catalog.credit_type(card.fiat_credit_type)
        for key, lines in statements.of_contract(contract):
            for credit_id, rate in rates.items():
                _convert(catalog, statements, key, lines, credit_id, rate, fiat)


def _convert(catalog, statements: Statements, key: InvoiceKey, lines, credit_id, rate, fiat):
    custom = [line for line in lines if line.credit_type.id == credit_id]
    if not custom:
        return
    left = add_up(line.total for line in custom)
    unit = catalog.credit_type(credit_id)
    statements.invoice_note(
        key, credit_id, f"converted to {fiat.id}: this total is billed on the {fiat.id} invoice"
    )
    if not left:
        return
    lines.append(
        LineItem(
            type=CONVERSION,
            product=credit_id,
            name=f"{unit.name} converted to {fiat.id}",
            credit_type=fiat,
            starting_at=key.start,
            ending_before=key.end,
            quantity=left,
            total=round_money(left * Decimal(rate), fiat),
            unit_price=rate,
        )
    )
