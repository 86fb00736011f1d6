"""Entitlement: whether a contract may bill a product at an instant.

A product is entitled when the rate in force on the contract's rate card says `entitled: true`.
"""

from __future__ import annotations

from datetime import datetime

from billing_spec.compile import CompiledCatalog
from billing_spec.evaluate.composites import Entitled


def entitled_on_card(catalog: CompiledCatalog) -> Entitled:
    contracts, cards = catalog.section("contracts"), catalog.section("rate_cards")

    def entitled(contract_id: str, product_id: str, when: datetime) -> bool:
        card = cards[contracts[contract_id].rate_card]
        live = [
            (rate.starting_at, order, rate.entitled)
            for order, rate in enumerate(card.rates)
            if rate.product == product_id
            and rate.starting_at <= when
            and (rate.ending_before is None or when < rate.ending_before)
        ]
        return max(live)[2] if live else False

    return entitled
