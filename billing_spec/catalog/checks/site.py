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
        return self.spec.where(self.section, self.id, *self.path, *sub, key=key)

    def error(
        self,
        code: str,
        summary: str,
        *sub: str | int,
        key: bool = False,
        hint: str = "",
        detail: str = "",
    ) -> Diagnostic:
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
        return warning(code, summary, self.range(*sub, key=key), hint=hint, detail=detail)

    def label(self, *sub: str | int) -> str:
        """`rates[2].tiers[0]`: the path below the resource, as a user would write it."""
        out = ""
        for part in (*self.path, *sub):
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or self.id


def sites(spec: CatalogSpec, section: str) -> Iterator[tuple[Site, Any]]:
    """Each schema-valid resource of a section with its site, in definition order."""
    for id_, resource in spec.section(section).items():
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
    contract = site.spec.section("contracts").get(site.id)
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
