"""Semantic checks: the rules a schema cannot express, each with a stable code.

A check is a function `CatalogSpec -> Iterable[Diagnostic]`; `CHECKS` lists them, one module per
kind of resource (contracts' commits, credits and scheduled charges are in `commits`, called from
`contracts`), and `site` holds the plumbing they share. Every check runs on every load, and all
diagnostics are reported at once.
Checks see only schema-valid resources; a reference to a resource that failed schema validation
is not reported again (`CatalogSpec.defined`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from billing_spec.catalog.checks import (
    contracts,
    customers,
    metrics,
    moved,
    packages,
    products,
    rate_cards,
    references,
    warnings,
)
from billing_spec.catalog.load import CatalogSpec
from billing_spec.diagnostics import Diagnostic

Check = Callable[[CatalogSpec], Iterable[Diagnostic]]

CHECKS: tuple[Check, ...] = (
    references.check_references,
    moved.check_moved,
    metrics.check_metrics,
    products.check_products,
    rate_cards.check_rate_cards,
    packages.check_packages,
    customers.check_customers,
    contracts.check_contracts,
    warnings.check_warnings,
)


def run_checks(spec: CatalogSpec) -> list[Diagnostic]:
    return [d for check in CHECKS for d in check(spec)]
