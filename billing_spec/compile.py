"""compile: a valid `CatalogSpec` -> `CompiledCatalog`, the canonical form every later stage reads.

Compiling fills defaults (a contract's statement schedule, a rate's credit type and tier mode),
normalizes decimals (`0.50` and `0.5` are the same price), sorts what is a set rather than a
sequence (tags, ingest aliases, filter values), and records for each resource its address, the
addresses it depends on, and a sha256 digest of its canonical JSON (sorted keys, decimals as
strings, never floats). The same catalog gives the same bytes however it is split across files
or ordered inside them. Rates keep their products' order of first appearance, because that is
the rate card's product order, which orders invoice line items (Metronome's
`setRateCardProductsOrder`); within a product they are sorted by group values and start.

A `CompiledCatalog` round-trips through JSON (`to_json` / `from_json`); the state file stores its
resources, so the applied catalog can be rebuilt from a state and evaluated like the desired one.
Lifecycle settings are kept beside the content, not in it: changing them is not a change to the
billing object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from billing_spec.addresses import SECTIONS, TYPES, Address, dependency_key
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.models import SECTION_MODELS, Moved, Resource
from billing_spec.catalog.references import iter_references
from billing_spec.catalog.types import USD_ID
from billing_spec.jsontext import canonical_json, digest_of, pretty_json
from billing_spec.money import USD, CreditType

FORMAT_VERSION = "1.0"

_SET_FIELDS = {
    "tags",
    "composite_tags",
    "composite_products",
    "ingest_aliases",
    "applicable_products",
    "applicable_product_tags",
    "product_tags",
    "in_values",
    "not_in_values",
}


class CompiledResource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str
    type: str
    name: str
    content: dict[str, Any]
    digest: str
    depends_on: tuple[str, ...] = ()
    prevent_destroy: bool = False


class CompiledCatalog(BaseModel):
    """The canonical catalog: resources by address, in dependency order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: str = FORMAT_VERSION
    digest: str
    resources: dict[str, CompiledResource]
    moved: tuple[dict[str, str], ...] = ()

    @classmethod
    def from_resources(
        cls, resources: Iterable[CompiledResource], moved: Iterable[Mapping[str, str]] = ()
    ) -> CompiledCatalog:
        ordered = sorted(resources, key=lambda r: dependency_key(Address(r.type, r.name)))
        moved = tuple(dict(m) for m in moved)
        digest = digest_of(
            {"resources": {r.address: r.digest for r in ordered}, "moved": list(moved)}
        )
        return cls(digest=digest, resources={r.address: r for r in ordered}, moved=moved)

    def to_json(self) -> str:
        """Pretty, deterministic JSON (what `billing compile` prints)."""
        return pretty_json(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, text: str) -> CompiledCatalog:
        return cls.model_validate_json(text)

    def section(self, name: str) -> dict[str, Any]:
        """Typed resources of one section (`products` -> {id: Product}), in ID order."""
        return self._typed[name]

    @cached_property
    def _typed(self) -> dict[str, dict[str, Any]]:
        typed: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
        for resource in self.resources.values():
            section = TYPES[resource.type]
            typed[section][resource.name] = SECTION_MODELS[section].model_validate(resource.content)
        return typed

    def credit_type(self, id_: str | None) -> CreditType:
        """The money.CreditType for a credit type reference (None or `USD`: USD cents)."""
        if id_ is None or id_ == USD_ID:
            return USD
        spec = self.section("credit_types")[id_]
        return CreditType(id=id_, name=spec.name, decimal_places=spec.decimal_places)


def compile_catalog(spec: CatalogSpec) -> CompiledCatalog:
    """Compile a catalog that passed validation (no error diagnostics)."""
    contracts = spec.expanded_contracts
    resources = [
        compile_resource(section, id_, contracts[id_] if section == "contracts" else resource)
        for section, id_, resource in spec.resources()
    ]
    moved = [_moved(m) for m in spec.moved]
    return CompiledCatalog.from_resources(resources, moved)


def compile_resource(section: str, id_: str, resource: Resource) -> CompiledResource:
    content = resource.model_dump(
        mode="json", exclude_none=True, by_alias=True, exclude={"lifecycle"}
    )
    content = _FILL[section](content)
    content = _sort_sets(content)
    type_ = SECTIONS[section]
    lifecycle = resource.lifecycle
    return CompiledResource(
        address=str(Address(type_, id_)),
        type=type_,
        name=id_,
        content=content,
        digest=digest_of(content),
        depends_on=dependencies(content),
        prevent_destroy=bool(lifecycle and lifecycle.prevent_destroy),
    )


def dependencies(content: dict[str, Any]) -> tuple[str, ...]:
    """The addresses a resource's content references, in dependency order."""
    found = {str(Address(t, i)) for _, t, i in iter_references(content)}
    return tuple(sorted(found, key=lambda a: dependency_key(Address.parse(a))))


def _moved(m: Moved) -> dict[str, str]:
    return {"from": m.from_, "to": m.to}


def _sort_sets(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _sort_sets(item)
            if key in _SET_FIELDS and isinstance(item, list):
                item = sorted(set(item))
            elif key == "property_filters":
                item = sorted(item, key=lambda f: f["name"])
            out[key] = item
        return out
    if isinstance(value, list):
        return [_sort_sets(item) for item in value]
    return value


# --- defaults per section ---------------------------------------------------------------------


def _keep(content: dict) -> dict:
    return content


def _fill_rate_card(card: dict) -> dict:
    fiat = card.setdefault("fiat_credit_type", USD_ID)
    rates = [_fill_rate(rate, fiat) for rate in card.get("rates", [])]
    order: dict[str, int] = {}
    for rate in rates:
        order.setdefault(rate["product"], len(order))
    rates.sort(
        key=lambda r: (
            order[r["product"]],
            canonical_json(r.get("pricing_group_values", {})),
            r["starting_at"],
            canonical_json(r),
        )
    )
    card["rates"] = rates
    return card


def _fill_rate(rate: dict, fiat: str) -> dict:
    if rate["rate_type"] != "PERCENTAGE":
        rate.setdefault("credit_type", fiat)
    if rate["rate_type"] == "TIERED":
        rate.setdefault("tier_mode", "GRADUATED")
    return rate


def _fill_contract(contract: dict) -> dict:
    contract.setdefault("usage_statement_schedule", {"frequency": "MONTHLY"})
    contract["usage_statement_schedule"].setdefault("day", "FIRST_OF_MONTH")
    contract.setdefault("multiplier_override_prioritization", "LOWEST_MULTIPLIER")
    for field in ("recurring_commits", "recurring_credits"):
        for recurring in contract.get(field, []):
            _fill_recurring(recurring)
    # Fields added after version 1 shipped are left out when empty, so a contract without them
    # keeps the content (and digest) it was applied with: no upgrade shows phantom updates.
    for field in _LATER_FIELDS:
        if contract.get(field) == []:
            del contract[field]
    for subscription in contract.get("subscriptions", []):
        if subscription.get("quantity_updates") == []:
            del subscription["quantity_updates"]
    return contract


_LATER_FIELDS = ("recurring_commits", "recurring_credits")


def _fill_recurring(recurring: dict) -> None:
    """Metronome's defaults, so writing one out changes nothing. `recurrence_frequency` stays
    as written: left out, grants follow the statement periods' dates, not `starting_at`'s."""
    recurring.setdefault("proration", "FIRST_AND_LAST")
    recurring.setdefault("commit_duration", {"value": 1, "unit": "PERIODS"})
    for field in ("access_amount", "invoice_amount"):
        if field in recurring:
            recurring[field].setdefault("quantity", "1")


_FILL = {
    "credit_types": _keep,
    "billable_metrics": _keep,
    "products": _keep,
    "rate_cards": _fill_rate_card,
    "packages": _keep,
    "customers": _keep,
    "contracts": _fill_contract,
}
