"""Rate-card alias and package rules (E627-E629), Metronome's rules for provisioning a contract
from an alias or a package (reference/metronome-contracts.md 1.3, 1.4, 1.10).

- A contract names its rate card one way: exactly one of `rate_card`, `rate_card_alias` and
  `package`; a package exactly one of `rate_card` and `rate_card_alias` (E627).
- A `rate_card_alias` resolves at the contract's `starting_at` to exactly one rate card whose
  alias entry of that name is in force then; none, or two, is an error (E628). A package's alias
  resolves at the start of each contract that uses it, and is reported at the package, naming
  the contract.
- With a package, a contract gives only `customer`, `starting_at`, `ending_before`, `name` and
  `custom_fields`: the rate card and every term come from the package (E629).

The expanded contract then goes through every contract rule (E6xx) in `contracts.py`; a finding
in a term the package provides is reported at the package's term (`Site.source`).
"""

from __future__ import annotations

from collections.abc import Iterator

from billing_spec.catalog.checks.site import Site, given, sites, ts
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.models import Contract
from billing_spec.catalog.packages import PACKAGE_FIELDS, resolve_alias
from billing_spec.diagnostics import Diagnostic, did_you_mean, error

_SOURCES = ("rate_card", "rate_card_alias", "package")


def check_packages(spec: CatalogSpec) -> Iterator[Diagnostic]:
    for site, package in sites(spec, "packages"):
        named = [n for n in _SOURCES[:2] if given(package, n)]
        if len(named) != 1:
            yield _one_source(site, named, _SOURCES[:2], "a package")
    for id_, contract in spec.section("contracts").items():
        site = Site(spec, "contracts", id_)
        if contract.package is not None:
            yield from _package_fields(spec, id_, contract)
        else:
            named = [n for n in _SOURCES if given(contract, n)]
            if len(named) != 1:
                yield _one_source(site, named, _SOURCES, "a contract")
        yield from _alias(spec, site, contract)


def _one_source(site: Site, named: list[str], sources: tuple[str, ...], what: str) -> Diagnostic:
    listed = ", ".join(f"`{n}`" for n in sources)
    if not named:
        return site.error(
            "E627",
            f"{what} needs its rate card: one of {listed}",
            key=True,
            hint="add `rate_card: <rate card id>`",
        )
    return site.error(
        "E627",
        f"`{named[1]}` cannot be combined with `{named[0]}`: {what} gives one of {listed}",
        named[1],
        key=True,
        hint="remove one of them; `rate_card_alias` names a card by an alias in force at the "
        "start, `rate_card` by its ID",
    )


def _package_fields(spec: CatalogSpec, id_: str, contract: Contract) -> Iterator[Diagnostic]:
    """E629, at the contract's own key (not redirected to the package)."""
    definition = spec.definitions.get(("contracts", id_))
    for name in PACKAGE_FIELDS:
        if name in contract.model_fields_set and getattr(contract, name) not in (None, ()):
            yield error(
                "E629",
                f"`{name}` is not allowed on a contract with a package",
                definition.range(name, key=True) if definition else None,
                hint=f"package {contract.package!r} provides the rate card and the terms; "
                "with a package a contract gives only customer, starting_at, ending_before, "
                "name and custom_fields. Change the package, or write the contract without it",
            )


def _alias(spec: CatalogSpec, site: Site, contract: Contract) -> Iterator[Diagnostic]:
    if contract.package is not None:
        package = spec.section("packages").get(contract.package)
        if package is None or package.rate_card is not None or package.rate_card_alias is None:
            return
        alias = package.rate_card_alias
    elif contract.rate_card is None and contract.rate_card_alias is not None:
        alias = contract.rate_card_alias
    else:
        return
    cards = spec.section("rate_cards")
    found = resolve_alias(cards, alias, contract.starting_at)
    if found.rate_card is not None:
        return
    at = ts(contract.starting_at)
    if found.cards:
        listed = " and ".join(repr(c) for c in found.cards)
        yield site.error(
            "E628",
            f"rate card alias {alias!r} is in force on rate cards {listed} at {at}, the "
            f"start of contract {site.id!r}",
            "rate_card_alias",
            hint="an alias belongs to one rate card at a time: end one card's alias entry "
            "(`ending_before`) where the other's starts",
        )
        return
    windows = [
        f"{card_id} from {ts(e.starting_at) if e.starting_at else 'the beginning'}"
        + (f" to {ts(e.ending_before)}" if e.ending_before else "")
        for card_id, card in cards.items()
        for e in card.aliases
        if e.name == alias
    ]
    names = {e.name for card in cards.values() for e in card.aliases}
    yield site.error(
        "E628",
        f"rate card alias {alias!r} is in force on no rate card at {at}, the start of "
        f"contract {site.id!r}",
        "rate_card_alias",
        detail=f"the alias is on {'; '.join(windows)}" if windows else "",
        hint="an alias resolves at the contract's start: move the contract's starting_at or "
        "the alias entry's window"
        if windows
        else did_you_mean(alias, names)
        or "add `aliases: [{name: " + alias + "}]` to a rate card, or use `rate_card:`",
    )
