"""Catalog warnings (W901-W905): legal, but probably not what the author meant. Exit code 0.

- W901 a billable metric no product uses: it meters nothing.
- W902 a USAGE, COMPOSITE or SUBSCRIPTION product on no rate card: no contract can be charged
  for it.
- W903 a FIXED product no contract or package uses (commits, credits and scheduled charges are
  where FIXED products are sold).
- W904 two contracts of one customer that overlap in time: both are active for the same usage;
  the evaluator attributes the customer's usage to the later-starting one while they overlap.
- W905 a tag (`composite_tags`, `applicable_product_tags`, a specifier's `product_tags`) that no
  product carries: whatever it selects is empty, most often a typo.

Uses are counted in every resource as written, also those that failed schema validation, so a
mistake in one resource does not make another look unused.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from billing_spec.addresses import SECTIONS, TYPES
from billing_spec.catalog.checks.site import Site, raw, sites, ts
from billing_spec.catalog.enums import ProductType
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.references import iter_references
from billing_spec.diagnostics import Diagnostic, did_you_mean

TAG_FIELDS = ("composite_tags", "applicable_product_tags", "product_tags")


def check_warnings(spec: CatalogSpec) -> Iterator[Diagnostic]:
    yield from _overlapping_contracts(spec)
    if spec.unread_files:  # what looks unused may be used in a file that could not be read
        return
    used = _used_by(spec)
    yield from _unused_metrics(spec, used)
    yield from _unpriced_products(spec, used)
    yield from _unknown_tags(spec)


def _used_by(spec: CatalogSpec) -> dict[str, set[str]]:
    """`{"<type>.<id>": {sections whose resources reference it}}`, from the YAML as written.

    A reference to an undefined ID (E201) counts as a use of the ID it most likely misspells,
    so one typo is one error, not also "unused" on the resource it meant.
    """
    used: dict[str, set[str]] = {}
    for section, id_ in spec.definitions:
        for _, target_type, target in iter_references(raw(spec, section, id_)):
            target_section = TYPES[target_type]
            if not spec.defined(target_section, target):
                meant = _meant(target, spec, target_section)
                target = meant if meant is not None else target
            used.setdefault(f"{target_type}.{target}", set()).add(section)
    return used


def _meant(target: str, spec: CatalogSpec, section: str) -> str | None:
    ids = sorted({id_ for s, id_ in spec.definitions if s == section})
    close = difflib.get_close_matches(target, ids, n=1, cutoff=0.6)
    return close[0] if close else None


def _unused_metrics(spec: CatalogSpec, used: dict[str, set[str]]) -> Iterator[Diagnostic]:
    for site, _ in sites(spec, "billable_metrics"):
        if "products" not in used.get(site.address, ()):
            yield site.warning(
                "W901",
                f"billable metric {site.id!r} is used by no product",
                key=True,
                hint="meter a USAGE product with it "
                "(`billable_metric: " + site.id + "`), or remove it",
            )


def _unpriced_products(spec: CatalogSpec, used: dict[str, set[str]]) -> Iterator[Diagnostic]:
    for site, product in sites(spec, "products"):
        users = used.get(site.address, set())
        if product.type is ProductType.FIXED:
            if not users & {"contracts", "packages"}:
                yield site.warning(
                    "W903",
                    f"FIXED product {site.id!r} is used by no contract",
                    key=True,
                    hint="sell it as a contract's commit, credit or scheduled charge, or remove it",
                )
        elif "rate_cards" not in users:
            yield site.warning(
                "W902",
                f"{product.type} product {site.id!r} is on no rate card",
                key=True,
                hint="add a rate for it to a rate card (`entitled: false` "
                "sells it only where a contract entitles it)",
            )


def _overlapping_contracts(spec: CatalogSpec) -> Iterator[Diagnostic]:
    by_customer: dict[str, list[tuple[Site, Any]]] = {}
    for site, contract in sites(spec, "contracts"):
        by_customer.setdefault(contract.customer, []).append((site, contract))
    for contracts in by_customer.values():
        contracts.sort(key=lambda pair: (pair[1].starting_at, pair[0].id))
        for j, (later_site, later) in enumerate(contracts):
            for earlier_site, earlier in contracts[:j]:
                if earlier.ending_before is None or later.starting_at < earlier.ending_before:
                    yield _overlap(later_site, later, earlier_site.id, earlier)


def _overlap(site: Site, later: Any, earlier_id: str, earlier: Any) -> Diagnostic:
    until = f"to {ts(earlier.ending_before)}" if earlier.ending_before else "with no end"
    return site.warning(
        "W904",
        f"contract {site.id!r} overlaps contract {earlier_id!r} of the same customer "
        f"{later.customer!r}",
        "starting_at",
        detail=f"{earlier_id!r} runs from {ts(earlier.starting_at)} {until}; {site.id!r} starts "
        f"at {ts(later.starting_at)}",
        hint=f"while both are active the evaluator attributes the customer's usage to {site.id!r}, "
        f"the later-starting one; end {earlier_id!r} with `ending_before: "
        f"{ts(later.starting_at)}` if that is a renewal",
    )


def _unknown_tags(spec: CatalogSpec) -> Iterator[Diagnostic]:
    tags = {
        tag
        for section, id_ in spec.definitions
        if section == "products"
        for tag in _raw_tags(spec, id_)
    }
    for section in SECTIONS:
        for site, resource in sites(spec, section):
            content = resource.model_dump(mode="json", exclude_none=True, by_alias=True)
            for path, tag in _tag_uses(content):
                if tag not in tags:
                    yield site.warning(
                        "W905",
                        f"no product has the tag {tag!r}",
                        *path,
                        hint=did_you_mean(tag, tags)
                        or "add the tag to a product's `tags`, or fix it here",
                    )


def _raw_tags(spec: CatalogSpec, id_: str) -> list[str]:
    data = raw(spec, "products", id_)
    found = data.get("tags") if isinstance(data, dict) else None
    return [t for t in found if isinstance(t, str)] if isinstance(found, list) else []


def _tag_uses(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in TAG_FIELDS and isinstance(value, list):
                yield from (((*path, key, i), tag) for i, tag in enumerate(value))
            else:
                yield from _tag_uses(value, (*path, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            if isinstance(item, dict | list):  # a scalar here uses no tag
                yield from _tag_uses(item, (*path, i))
