"""Customer rules (E620): an event's `customer_id` must name exactly one customer.

Events carry a customer ID or any ingest alias (Metronome's ingest rule), so an alias may belong
to one customer only, and may not be another customer's ID. The first customer (in file order)
keeps it; the later one is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from billing_spec.catalog.checks.site import sites
from billing_spec.catalog.load import CatalogSpec
from billing_spec.diagnostics import Diagnostic


def check_customers(spec: CatalogSpec) -> Iterator[Diagnostic]:
    ids = set(spec.section("customers"))
    owner: dict[str, str] = {}
    for site, customer in sites(spec, "customers"):
        for i, alias in enumerate(customer.ingest_aliases):
            if alias in ids and alias != site.id:
                yield site.error(
                    "E620",
                    f"ingest alias {alias!r} is the ID of another customer",
                    "ingest_aliases",
                    i,
                    hint="events for this alias would be attributed to customer "
                    f"{alias!r}; remove it here",
                )
            elif owner.get(alias, site.id) != site.id:
                yield site.error(
                    "E620",
                    f"ingest alias {alias!r} also belongs to customer {owner[alias]!r}",
                    "ingest_aliases",
                    i,
                    hint="an alias identifies one customer; remove it from one",
                )
            owner.setdefault(alias, site.id)
