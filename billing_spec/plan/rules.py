"""Metronome's change rules: for each resource type, what can change in place.

`RULES` maps a resource type to a rule; a rule compares the applied content with the desired
content and returns an `Outcome`: the paths that force a replacement (the object cannot be
updated in place, so apply deletes it and creates a new one) and the retroactive rate changes it
found. No replace path means an in-place update. The rules (reference/metronome.md):

- credit_type      `decimal_places` changes what every amount means: replace. The name updates.
- billable_metric  only `name` (Metronome's rename) and `custom_fields` (the custom-field
                   endpoints) may change; anything else is a new metric.
- product          `type` never changes; every other field updates.
- rate_card        `fiat_credit_type` never changes; an existing `credit_type_conversions` entry
                   never changes or goes (new ones may be added); rates are append-only and an
                   edit that re-prices usage before `as_of` is retroactive (see `rates`).
- package          everything updates: the catalog is declarative, so a package change is an
                   update of the package and of every contract using it (their compiled content
                   embeds the expanded terms, and the contract rules below judge those).
- customer         everything updates (name, ingest aliases, custom fields).
- contract         `customer`, `rate_card`, `starting_at`, `usage_statement_schedule` and
                   `scheduled_charges_on_usage_invoices` never change (contract edits have no
                   operation for them); everything else updates, and a term (override, commit,
                   credit, recurring commit or credit, subscription, scheduled charge) added,
                   removed or changed with an effect before `as_of` is retroactive (`terms`).

Rules are built from three small strategies (`immutable`, `immutable_except`, `append_only`) and
the rate-schedule check, combined per type. `LIST_IDENTITY` tells the diff how to match the
entries of keyed lists (a rate by its identity, not its position).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from billing_spec.plan.model import Path
from billing_spec.plan.rates import (
    RATE_IDENTITY_FIELDS,
    RetroactiveChange,
    rate_identity,
    retroactive_changes,
)
from billing_spec.plan.terms import RetroactiveTerm, retroactive_terms

Content = dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    replace_paths: tuple[Path, ...] = ()
    retroactive: tuple[RetroactiveChange | RetroactiveTerm, ...] = ()

    def __add__(self, other: Outcome) -> Outcome:
        paths = tuple(sorted({*self.replace_paths, *other.replace_paths}, key=str))
        return Outcome(paths, self.retroactive + other.retroactive)


Rule = Callable[[Content, Content, datetime], Outcome]


def changed_fields(before: Content, after: Content) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def immutable(*fields: str) -> Rule:
    """A change to any of `fields` forces replacement."""

    def rule(before: Content, after: Content, as_of: datetime) -> Outcome:
        return Outcome(tuple((f,) for f in changed_fields(before, after) if f in fields))

    return rule


def immutable_except(*fields: str) -> Rule:
    """A change to anything but `fields` forces replacement."""

    def rule(before: Content, after: Content, as_of: datetime) -> Outcome:
        return Outcome(tuple((f,) for f in changed_fields(before, after) if f not in fields))

    return rule


def append_only(field: str, identity: Callable[[dict], Any]) -> Rule:
    """Entries of the list `field` may be added; changing or removing one forces replacement."""

    def rule(before: Content, after: Content, as_of: datetime) -> Outcome:
        new = {identity(e): e for e in after.get(field, [])}
        kept = all(new.get(identity(e)) == e for e in before.get(field, []))
        return Outcome() if kept else Outcome(((field,),))

    return rule


def rates_not_retroactive(before: Content, after: Content, as_of: datetime) -> Outcome:
    old, new = before.get("rates", []), after.get("rates", [])
    if old == new:
        return Outcome()
    return Outcome(retroactive=tuple(retroactive_changes(old, new, as_of)))


def terms_not_retroactive(before: Content, after: Content, as_of: datetime) -> Outcome:
    return Outcome(retroactive=tuple(retroactive_terms(before, after, as_of)))


def updatable(before: Content, after: Content, as_of: datetime) -> Outcome:
    return Outcome()


def combine(*rules: Rule) -> Rule:
    def rule(before: Content, after: Content, as_of: datetime) -> Outcome:
        outcome = Outcome()
        for part in rules:
            outcome = outcome + part(before, after, as_of)
        return outcome

    return rule


def _conversion_identity(entry: dict) -> str:
    return entry["custom_credit_type"]


RULES: dict[str, Rule] = {
    "credit_type": immutable("decimal_places"),
    "billable_metric": immutable_except("name", "custom_fields"),
    "product": immutable("type"),
    "rate_card": combine(
        immutable("fiat_credit_type"),
        append_only("credit_type_conversions", _conversion_identity),
        rates_not_retroactive,
    ),
    "package": updatable,
    "customer": updatable,
    "contract": combine(
        immutable(
            "customer",
            "rate_card",
            "starting_at",
            "usage_statement_schedule",
            "scheduled_charges_on_usage_invoices",
        ),
        terms_not_retroactive,
    ),
}

# list field -> (identity of an entry, fields that name an entry in a diff)
LIST_IDENTITY: dict[str, tuple[Callable[[dict], Any], tuple[str, ...]]] = {
    "rates": (rate_identity, RATE_IDENTITY_FIELDS),
    "credit_type_conversions": (_conversion_identity, ("custom_credit_type",)),
}


def judge(type_: str, before: Content, after: Content, as_of: datetime) -> Outcome:
    """Apply the rule for `type_` to a changed resource."""
    return RULES[type_](before, after, as_of)
