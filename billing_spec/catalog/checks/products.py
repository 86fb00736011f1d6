"""Product rules (E4xx), Metronome's contract-product rules.

- Only USAGE products are metered: a USAGE product needs a `billable_metric` (E401); FIXED,
  SUBSCRIPTION and COMPOSITE products take none (E402), nor the USAGE-only fields
  `pricing_group_key`, `presentation_group_key`, `quantity_conversion`, `quantity_rounding`,
  `sql_breakdown_granularity` (E403).
- When a USAGE product has a pricing or presentation group key, their union (as a set) must equal
  one of the metric's `group_keys` (E404). A SQL metric's groups are the columns its query
  returns, which we cannot see, so products of SQL metrics are not checked.
- A COMPOSITE product charges a percentage of the spend on other products and needs
  `composite_products` or `composite_tags` (E405); those fields and `exclude_free_usage` belong to
  COMPOSITE products only (E406). The products it names must be USAGE products (E408): Metronome
  computes composite charges over usage spend, and a composite over itself would never settle.
- `quantity_conversion.conversion_factor` must be > 0 (E407): it divides or multiplies quantities.
"""

from __future__ import annotations

from collections.abc import Iterator

from billing_spec.catalog.checks.site import Site, a, given, sites
from billing_spec.catalog.enums import ProductType
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.models import Product
from billing_spec.diagnostics import Diagnostic

USAGE_ONLY = (
    "pricing_group_key",
    "presentation_group_key",
    "quantity_conversion",
    "quantity_rounding",
    "sql_breakdown_granularity",
)
COMPOSITE_ONLY = ("composite_products", "composite_tags", "exclude_free_usage")


def check_products(spec: CatalogSpec) -> Iterator[Diagnostic]:
    for site, product in sites(spec, "products"):
        yield from _metric(site, product)
        yield from _only_on(site, product, ProductType.USAGE, USAGE_ONLY, "E403")
        yield from _only_on(site, product, ProductType.COMPOSITE, COMPOSITE_ONLY, "E406")
        if product.type is ProductType.USAGE:
            yield from _group_keys(spec, site, product)
            yield from _conversion(site, product)
        if product.type is ProductType.COMPOSITE:
            yield from _composite(spec, site, product)


def _metric(site: Site, product: Product) -> Iterator[Diagnostic]:
    if product.type is ProductType.USAGE and product.billable_metric is None:
        yield site.error(
            "E401",
            "a USAGE product needs a `billable_metric`",
            "type",
            hint="add `billable_metric: <metric id>`: it meters the product's usage",
        )
    elif product.type is not ProductType.USAGE and product.billable_metric is not None:
        yield site.error(
            "E402",
            f"{a(product.type)} product takes no `billable_metric`",
            "billable_metric",
            key=True,
            hint="only USAGE products are metered; remove billable_metric or make "
            "the product `type: USAGE`",
        )


def _only_on(
    site: Site, product: Product, kind: ProductType, fields: tuple[str, ...], code: str
) -> Iterator[Diagnostic]:
    if product.type is kind:
        return
    for name in fields:
        if given(product, name):
            yield site.error(
                code,
                f"`{name}` applies to {kind} products only, this one is {product.type}",
                name,
                key=True,
                hint=f"remove `{name}`, or make the product `type: {kind}`",
            )


def _group_keys(spec: CatalogSpec, site: Site, product: Product) -> Iterator[Diagnostic]:
    union = set(product.pricing_group_key) | set(product.presentation_group_key)
    metric = spec.section("billable_metrics").get(product.billable_metric or "")
    if not union or metric is None or metric.sql is not None:
        return
    options = [set(key) for key in metric.group_keys]
    if union in options:
        return
    field = "pricing_group_key" if product.pricing_group_key else "presentation_group_key"
    listed = ", ".join(f"[{', '.join(key)}]" for key in metric.group_keys) or "none"
    yield site.error(
        "E404",
        f"pricing_group_key and presentation_group_key together are "
        f"[{', '.join(sorted(union))}], which is not a group key of billable_metric "
        f"{product.billable_metric!r}",
        field,
        detail=f"the metric's group_keys: {listed}",
        hint=f"add [{', '.join(sorted(union))}] to the metric's group_keys, or change the "
        "product's keys to match one of them",
    )


def _conversion(site: Site, product: Product) -> Iterator[Diagnostic]:
    conversion = product.quantity_conversion
    if conversion is not None and conversion.conversion_factor <= 0:
        yield site.error(
            "E407",
            f"conversion_factor must be greater than 0, not {conversion.conversion_factor}",
            "quantity_conversion",
            "conversion_factor",
            hint="e.g. 1000000 with DIVIDE to price per million units",
        )


def _composite(spec: CatalogSpec, site: Site, product: Product) -> Iterator[Diagnostic]:
    if not product.composite_products and not product.composite_tags:
        yield site.error(
            "E405",
            "a COMPOSITE product needs `composite_products` or `composite_tags`",
            "type",
            hint="list the products (or their tags) whose spend the percentage applies to",
        )
    products = spec.section("products")
    for i, other_id in enumerate(product.composite_products):
        other = products.get(other_id)
        if other is not None and other.type is not ProductType.USAGE:
            yield site.error(
                "E408",
                f"composite product {other_id!r} is a {other.type} product",
                "composite_products",
                i,
                hint="a composite charge is a percentage of usage spend; list only USAGE products",
            )
