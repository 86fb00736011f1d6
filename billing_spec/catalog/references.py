"""Which fields reference other resources, and a walker that finds every reference.

A reference is a field holding catalog IDs (`product: lang_model_4`, `applicable_products: [...]`).
The field name alone says what kind of resource it names, everywhere in the catalog, so one
table serves the semantic checks (is every reference defined?), the compiler (`depends_on`) and
the planner (who still uses what I am about to delete?).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from billing_spec.catalog.types import USD_ID

# field name -> the resource type its IDs name
REFERENCE_FIELDS: dict[str, str] = {
    "billable_metric": "billable_metric",
    "product": "product",
    "composite_products": "product",
    "applicable_products": "product",
    "rate_card": "rate_card",
    "package": "package",
    "customer": "customer",
    "credit_type": "credit_type",
    "fiat_credit_type": "credit_type",
    "custom_credit_type": "credit_type",
}

Path = tuple[str | int, ...]


def iter_references(data: Any, path: Path = ()) -> Iterator[tuple[Path, str, str]]:
    """Yield `(path, target_type, id)` for each reference in a resource's dumped content.

    The built-in `USD` credit type is not a reference. Paths are the YAML paths below the
    resource, so a reference can be located in the source.

    >>> list(iter_references({"rates": [{"product": "p", "credit_type": "USD"}]}))
    [(('rates', 0, 'product'), 'product', 'p')]
    """
    if isinstance(data, dict):
        for key, value in data.items():
            target = REFERENCE_FIELDS.get(key)
            if target is None:
                yield from iter_references(value, (*path, key))
            elif isinstance(value, str):
                if not (target == "credit_type" and value == USD_ID):
                    yield (*path, key), target, value
            elif isinstance(value, list | tuple):
                for index, item in enumerate(value):
                    if isinstance(item, str):
                        yield (*path, key, index), target, item
    elif isinstance(data, list | tuple):
        for index, item in enumerate(data):
            if isinstance(item, dict | list | tuple):  # a scalar here references nothing
                yield from iter_references(item, (*path, index))
