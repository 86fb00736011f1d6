"""Where a semantic check's finding is, and small helpers every check module shares.

A `Site` is a place inside one resource: the section, the resource ID and a YAML path below it
(`Site(spec, "rate_cards", "list", ("rates", 2))`). It turns a finding into a diagnostic at the
exact key or value (`site.error("E501", "...", "price")`), so no check computes positions itself.
This module owns that plumbing, plus the two rules more than one module applies: a window
starts before it ends (`check_window`), and a product a contract names is on the contract's rate
card (E604, `check_on_card`, for overrides, commits and credits). Every other rule lives in the
per-resource modules beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from billing_spec.addresses import SECTIONS
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.packages import PACKAGE_FIELDS, RELATIVE_NAMES
from billing_spec.diagnostics import Diagnostic, SourceRange, error, warning
from billing_spec.timestamps import format_timestamp

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Site:
    spec: CatalogSpec
    section: str
    id: str
    path: Path = ()

    @property
    def address(self) -> str:
        return f"{SECTIONS[self.section]}.{self.id}"

    def at(self, *sub: str | int) -> Site:
        return Site(self.spec, self.section, self.id, (*self.path, *sub))

    def range(self, *sub: str | int, key: bool = False) -> SourceRange | None:
        section, id_, path = self.source(*sub)
        return self.spec.where(section, id_, *path, key=key)

    def source(self, *sub: str | int) -> tuple[str, str, Path]:
        """Where the value at `sub` is written: a contract's term that its package provides is
        written in the package (`overrides[0].starting_at` is the package's
        `overrides[0].starting_at_offset`); everything else where the site is."""
        path = (*self.path, *sub)
        package = self.package(path)
        if package is None:
            return self.section, self.id, path
        if path[0] == "ending_before":
            return "packages", package, ("duration",)
        if path[0] == "rate_card":
            written = self.spec.section("packages").get(package)
            if written is not None and written.rate_card is None:
                path = ("rate_card_alias", *path[1:])
        return "packages", package, tuple(RELATIVE_NAMES.get(p, p) for p in path)

    def package(self, path: Path) -> str | None:
        """The package a contract's value at `path` comes from, if any."""
        if self.section != "contracts" or not path:
            return None
        contract = self.spec.section("contracts").get(self.id)
        if contract is None or contract.package is None:
            return None
        if not self.spec.defined("packages", contract.package):
            return None
        if path[0] in PACKAGE_FIELDS:
            return contract.package
        if path[0] == "ending_before" and contract.ending_before is None:
            return contract.package
        return None

    def _detail(self, sub: tuple[str | int, ...], detail: str) -> str:
        package = self.package((*self.path, *sub))
        if package is None:
            return detail
        note = f"{self.address} gets this from package {package!r}"
        return f"{detail}; {note}" if detail else note

    def error(
        self,
        code: str,
        summary: str,
        *sub: str | int,
        key: bool = False,
        hint: str = "",
        detail: str = "",
    ) -> Diagnostic:
        detail = self._detail(sub, detail)
        return error(code, summary, self.range(*sub, key=key), hint=hint, detail=detail)

    def warning(
        self,
        code: str,
        summary: str,
        *sub: str | int,
        key: bool = False,
        hint: str = "",
        detail: str = "",
    ) -> Diagnostic:
        detail = self._detail(sub, detail)
        return warning(code, summary, self.range(*sub, key=key), hint=hint, detail=detail)

    def label(self, *sub: str | int) -> str:
        """`rates[2].tiers[0]`: the path below the resource, as a user would write it."""
        out = ""
        for part in (*self.path, *sub):
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or self.id


def sites(spec: CatalogSpec, section: str) -> Iterator[tuple[Site, Any]]:
    """Each schema-valid resource of a section with its site, in definition order. Contracts
    come expanded: alias resolved, package terms in (`CatalogSpec.expanded_contracts`)."""
    resources = spec.expanded_contracts if section == "contracts" else spec.section(section)
    for id_, resource in resources.items():
        yield Site(spec, section, id_), resource


def given(model: BaseModel, name: str) -> bool:
    """Whether the user wrote the field with a value that means something.

    An explicit `pricing_group_key: []` or `exclude_free_usage: false` changes nothing, so the
    "only on X" rules do not object to it.
    """
    if name not in model.model_fields_set:
        return False
    value = getattr(model, name)
    return value not in (None, (), {}, False)


def a(word: object) -> str:
    """The word with its article, as it is read aloud.

    >>> a("FLAT"), a("OVERWRITE"), a("USAGE")
    ('a FLAT', 'an OVERWRITE', 'a USAGE')
    """
    text = str(word)
    return f"an {text}" if text[:1].upper() in "AEIO" else f"a {text}"


def ts(value: datetime) -> str:
    return format_timestamp(value)


def check_window(site: Site, code: str, window: Any, what: str) -> Iterator[Diagnostic]:
    """`starting_at` must be before `ending_before` (every interval is [start, end))."""
    start, end = window.starting_at, window.ending_before
    if start is None or end is None or start < end:
        return
    yield site.error(
        code,
        f"{what} ends at {ts(end)}, which is not after its start {ts(start)}",
        "ending_before",
        hint="ending_before is exclusive and must be later than starting_at; "
        "leave it out for no end",
    )


def products_on_card(spec: CatalogSpec, card_id: str) -> frozenset[str] | None:
    """The products a rate card prices, or None when the card is not (validly) defined."""
    card = spec.section("rate_cards").get(card_id)
    if card is None:
        return None
    return frozenset(rate.product for rate in card.rates)


def check_on_card(
    site: Site, product: str | None, card: frozenset[str] | None, *path: str | int
) -> Iterator[Diagnostic]:
    """E604: a product named by a contract must be priced on the contract's rate card."""
    if product is None or card is None or product in card:
        return
    if not site.spec.defined("products", product):
        return  # E201 says so
    contract = site.spec.expanded_contracts.get(site.id) if site.section == "contracts" else None
    on = f"rate card {contract.rate_card!r}, the contract's" if contract else "its rate card"
    yield site.error(
        "E604",
        f"product {product!r} is not on {on}",
        *path,
        hint="add a rate for it to the rate card (with `entitled: false` to sell it "
        "only where a contract entitles it), or name another product",
    )


def raw(spec: CatalogSpec, section: str, id_: str) -> Any:
    """A resource's data as written, also when it failed schema validation (None if unknown)."""
    definition = spec.definitions.get((section, id_))
    if definition is None:
        return None
    data: Any = definition.document.data
    for part in definition.path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data
