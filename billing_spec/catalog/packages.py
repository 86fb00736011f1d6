"""Rate-card aliases and packages: what a contract written with `rate_card_alias:` or `package:`
is once resolved (Metronome's rules, reference/metronome-contracts.md 1.3, 1.10).

- A `rate_card_alias` resolves at the contract's `starting_at` to the rate card whose alias
  entry of that name is in force then (`starting_at` <= start < `ending_before`, either bound
  optional). Later alias entries move new contracts only: an applied contract keeps its card.
- A package is a contract template. Expanding it into a contract gives the contract the
  package's rate card (or its alias, resolved at the contract's start) and terms, every relative
  date made absolute from the contract's `starting_at`: `starting_at_offset` -> `starting_at`,
  `duration` -> `ending_before` (counted from the term's own start), `date_offset` ->
  `timestamp`; the package's `duration` is the contract's `ending_before` unless the contract
  gives one. MONTHS and YEARS are calendar months (Jan 31 + 1 MONTHS = Feb 28, the day clamped
  to the month's end, like the statement schedules in `evaluate/periods`).

The expanded contract is exactly the contract a user could have written by hand, plus `package`
(and `rate_card_alias` when one was resolved), so every later stage reads only `rate_card` and
the terms. `expand_contracts` never reports: the checks in `checks/packages.py` turn what does
not resolve (`resolve_alias`) into diagnostics, and such a contract is left as written.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from billing_spec.catalog.models import Contract, Package, RelativeDate

# Contract fields a package provides; with a package the contract may not give them (E629).
PACKAGE_FIELDS = (
    "rate_card",
    "rate_card_alias",
    "usage_statement_schedule",
    "overrides",
    "commits",
    "credits",
    "recurring_commits",
    "recurring_credits",
    "scheduled_charges",
    "subscriptions",
    "multiplier_override_prioritization",
    "scheduled_charges_on_usage_invoices",
    "net_payment_terms_days",
)
# A contract term's absolute field -> the package term's relative one (Metronome's names).
RELATIVE_NAMES = {
    "starting_at": "starting_at_offset",
    "ending_before": "duration",
    "timestamp": "date_offset",
}


@dataclass(frozen=True)
class AliasResolution:
    """The rate cards an alias is in force on at one moment: exactly one resolves it."""

    alias: str
    at: datetime
    cards: tuple[str, ...]

    @property
    def rate_card(self) -> str | None:
        return self.cards[0] if len(self.cards) == 1 else None


def resolve_alias(rate_cards: Mapping[str, Any], alias: str, at: datetime) -> AliasResolution:
    cards = []
    for card_id, card in rate_cards.items():
        for entry in card.aliases:
            if entry.name != alias:
                continue
            if entry.starting_at is not None and at < entry.starting_at:
                continue
            if entry.ending_before is not None and at >= entry.ending_before:
                continue
            cards.append(card_id)
            break
    return AliasResolution(alias, at, tuple(sorted(cards)))


def add(when: datetime, offset: RelativeDate | Mapping[str, Any]) -> datetime:
    """`when` moved forward by a relative date; months and years clamp the day of month.

    >>> from billing_spec.timestamps import parse_timestamp as p
    >>> add(p("2026-01-31T00:00:00Z"), {"unit": "MONTHS", "value": 1}).isoformat()
    '2026-02-28T00:00:00+00:00'
    """
    unit, value = (
        (offset["unit"], offset["value"])
        if isinstance(offset, Mapping)
        else (offset.unit, offset.value)
    )
    if unit == "DAYS":
        return when + timedelta(days=value)
    if unit == "WEEKS":
        return when + timedelta(weeks=value)
    months = value * (12 if unit == "YEARS" else 1)
    year, month0 = divmod(when.year * 12 + when.month - 1 + months, 12)
    day = min(when.day, calendar.monthrange(year, month0 + 1)[1])
    return when.replace(year=year, month=month0 + 1, day=day)


def expand_contracts(spec: Any) -> dict[str, Contract]:
    """Every schema-valid contract with its rate card resolved and its package expanded; a
    contract whose alias or package does not resolve is left as written (the checks say why)."""
    out: dict[str, Contract] = {}
    for id_, contract in spec.section("contracts").items():
        out[id_] = expand_contract(spec, contract) or contract
    return out


def expand_contract(spec: Any, contract: Contract) -> Contract | None:
    """The contract as if written by hand; None when it cannot be resolved."""
    rate_cards = spec.section("rate_cards")
    if contract.package is None:
        if contract.rate_card_alias is None:
            return contract
        card = resolve_alias(rate_cards, contract.rate_card_alias, contract.starting_at).rate_card
        return None if card is None else contract.model_copy(update={"rate_card": card})
    package = spec.section("packages").get(contract.package)
    if package is None:
        return None
    return expand_package(package, contract, rate_cards)


def expand_package(
    package: Package, contract: Contract, rate_cards: Mapping[str, Any]
) -> Contract | None:
    card = package.rate_card
    if card is None and package.rate_card_alias is not None:
        card = resolve_alias(rate_cards, package.rate_card_alias, contract.starting_at).rate_card
    if card is None:
        return None
    start = contract.starting_at
    terms = package.model_dump(
        exclude_none=True, exclude={"lifecycle", "name", "rate_card", "rate_card_alias"}
    )
    data: dict[str, Any] = {
        name: value
        for name, value in contract.model_dump(exclude_none=True).items()
        if name
        in ("customer", "name", "starting_at", "ending_before", "custom_fields", "lifecycle")
    }
    duration = terms.pop("duration", None)
    if contract.ending_before is None and duration is not None:
        data["ending_before"] = add(start, duration)
    data["rate_card"] = card
    if package.rate_card_alias is not None:
        data["rate_card_alias"] = package.rate_card_alias
    data["package"] = contract.package
    try:
        data.update(_absolute(terms, start))
        return Contract.model_validate(data)
    except (ValidationError, ValueError, OverflowError):  # a date past year 9999
        return None


def _absolute(value: Any, start: datetime) -> Any:
    """Relative dates -> absolute ones, from the contract's start, at every depth."""
    if isinstance(value, list | tuple):
        return [_absolute(item, start) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    begins = start
    if "starting_at_offset" in value:
        begins = add(start, value["starting_at_offset"])
        out["starting_at"] = begins
    for key, item in value.items():
        if key == "starting_at_offset":
            continue
        if key == "duration":
            out["ending_before"] = add(begins, item)
        elif key == "date_offset":
            out["timestamp"] = add(start, item)
        else:
            out[key] = _absolute(item, start)
    return out
