"""Customer rules (E620): an event's `customer_id` must name exactly one customer.

Events carry a customer ID or any ingest alias (Metronome's ingest rule), so an alias may belong
to one customer only, and may not be another customer's ID. The first customer (in file order)
keeps it; the later one is reported.

Each underlying problem is reported once, however many aliases it touches:

- customers whose `ingest_aliases` are one YAML anchor (`&shared [...]` and `*shared`
  elsewhere) share every alias in it: one error at the anchor, naming how many customers use it
  (1,000 customers aliasing 990 names is one error, not 989,010);
- a customer with several aliases that another customer already has: one error per other
  customer, naming how many and the first few.
"""

from __future__ import annotations

from collections.abc import Iterator

from billing_spec.catalog.checks.site import Site, sites
from billing_spec.catalog.load import CatalogSpec
from billing_spec.diagnostics import Diagnostic, SourceRange, error

SHOWN = 3  # aliases named in one grouped message


def check_customers(spec: CatalogSpec) -> Iterator[Diagnostic]:
    ids = set(spec.section("customers"))
    owner: dict[str, str] = {}
    anchored: dict[SourceRange, list[str]] = {}  # a shared anchor -> the customers using it
    for site, customer in sites(spec, "customers"):
        if not customer.ingest_aliases:
            continue
        anchor = spec.written_at("customers", site.id, "ingest_aliases")
        sharing = anchored.setdefault(anchor, []) if anchor is not None else []
        sharing.append(site.id)
        if len(sharing) > 1:  # the same list as an earlier customer: reported at the anchor
            for alias in customer.ingest_aliases:
                owner.setdefault(alias, site.id)
            continue
        yield from _conflicts(site, customer.ingest_aliases, ids, owner)
    for anchor, users in anchored.items():
        if len(users) > 1:
            yield _shared_anchor(anchor, users, spec)


def _conflicts(
    site: Site, aliases: tuple[str, ...], ids: set[str], owner: dict[str, str]
) -> Iterator[Diagnostic]:
    taken: dict[str, list[int]] = {}  # the other customer -> the indexes of its aliases here
    for i, alias in enumerate(aliases):
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
            taken.setdefault(owner[alias], []).append(i)
        owner.setdefault(alias, site.id)
    for other, indexes in taken.items():
        yield _taken(site, aliases, other, indexes)


def _taken(site: Site, aliases: tuple[str, ...], other: str, indexes: list[int]) -> Diagnostic:
    hint = "an alias identifies one customer; remove it from one"
    if len(indexes) == 1:
        alias = aliases[indexes[0]]
        summary = f"ingest alias {alias!r} also belongs to customer {other!r}"
        return site.error("E620", summary, "ingest_aliases", indexes[0], hint=hint)
    named = ", ".join(repr(aliases[i]) for i in indexes[:SHOWN])
    more = f" and {len(indexes) - SHOWN:,} more" if len(indexes) > SHOWN else ""
    summary = f"{len(indexes):,} ingest aliases ({named}{more}) also belong to customer {other!r}"
    return site.error("E620", summary, "ingest_aliases", indexes[0], hint=hint)


def _shared_anchor(anchor: SourceRange, users: list[str], spec: CatalogSpec) -> Diagnostic:
    count = len(spec.section("customers")[users[0]].ingest_aliases)
    named = ", ".join(repr(u) for u in users[:SHOWN])
    more = f" and {len(users) - SHOWN:,} more" if len(users) > SHOWN else ""
    return error(
        "E620",
        f"the {count:,} ingest aliases anchored here are shared by {len(users):,} customers "
        f"({named}{more}): an alias identifies one customer",
        anchor,
        hint="give each customer its own ingest_aliases; a YAML alias (*name) copies the "
        "whole list into every customer that uses it",
    )
