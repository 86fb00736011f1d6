"""Contract terms re-price history like rates do: which contract edits are retroactive.

An override, commit, credit, recurring commit, recurring credit, subscription or scheduled
charge that is added, removed or changed between the applied contract and the desired one is
**retroactive** when its effect starts before `as_of`: it changes invoices for time already
billed, exactly as a rate change before `as_of` does (E810, or W980 with
`--allow-retroactive`).

Entries have no IDs, so a list is compared as a multiset: entries present on both sides
unchanged are left alone whatever their position (inserting an entry at the top of `commits`
changes only that entry); an entry that went and one that came at the same list position are
read as one change. Where an entry's effect starts:

- an override, recurring commit or recurring credit: its `starting_at`;
- a commit or credit: its earliest access window start or invoice date;
- a scheduled charge: its earliest schedule item or recurring schedule start;
- a subscription: its `starting_at` (the contract's when left out); when only its
  `quantity_updates` or `seat_updates` changed, the earliest update that differs.

A change of an entry is the earlier of the two effects. One refinement, as for rates: an entry
whose only change is a later or earlier `ending_before`, both at or after `as_of` (or none),
changes nothing already billed and is not retroactive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from billing_spec.jsontext import canonical_json
from billing_spec.timestamps import parse_timestamp

TERM_FIELDS = (
    "overrides",
    "commits",
    "credits",
    "recurring_commits",
    "recurring_credits",
    "subscriptions",
    "scheduled_charges",
)
_SINGULAR = {
    "overrides": "override",
    "commits": "commit",
    "credits": "credit",
    "recurring_commits": "recurring commit",
    "recurring_credits": "recurring credit",
    "subscriptions": "subscription",
    "scheduled_charges": "scheduled charge",
}


@dataclass(frozen=True)
class RetroactiveTerm:
    """A contract term added, removed or changed whose effect starts at `at`, before `as_of`."""

    at: datetime
    field: str
    index: int  # in the desired list (added, changed) or the applied one (removed)
    verb: str  # "adds", "removes" or "changes"
    entry: dict[str, Any]

    def describe(self) -> str:
        return f"{self.verb} {self.field}[{self.index}] ({_name(self.field, self.entry)})"

    @property
    def hint(self) -> str:
        return (
            f"contract terms re-price the periods they cover: start the {_SINGULAR[self.field]} "
            "at or after --as-of; pass --allow-retroactive if re-pricing past invoices is intended"
        )


def _name(field: str, entry: dict[str, Any]) -> str:
    if field == "subscriptions":
        product = (entry.get("subscription_rate") or {}).get("product")
    else:
        product = entry.get("product")
    what = _SINGULAR[field]
    named = f"{what} of product {product}" if product else what
    return f"{named} {entry['name']!r}" if entry.get("name") else named


def retroactive_terms(
    before: dict[str, Any], after: dict[str, Any], as_of: datetime
) -> list[RetroactiveTerm]:
    """Every term edit of one contract whose effect starts before `as_of`."""
    found = []
    contract_start = parse_timestamp(after.get("starting_at") or before["starting_at"])
    for field in TERM_FIELDS:
        old, new = before.get(field, []), after.get(field, [])
        if old == new:
            continue
        for verb, index, was, now in _edits(old, new):
            at = _effect(field, was, now, contract_start, as_of)
            if at is not None and at < as_of:
                found.append(RetroactiveTerm(at, field, index, verb, now or was))
    return found


def _edits(old: list[dict], new: list[dict]) -> Iterator[tuple[str, int, dict | None, dict | None]]:
    """(verb, index, applied entry, desired entry) for each entry that went or came."""
    kept = Counter(map(canonical_json, old)) & Counter(map(canonical_json, new))
    gone = _unmatched(old, Counter(kept))
    came = _unmatched(new, Counter(kept))
    for index in sorted(gone.keys() & came.keys()):
        yield "changes", index, gone.pop(index), came.pop(index)
    for index, entry in came.items():
        yield "adds", index, None, entry
    for index, entry in gone.items():
        yield "removes", index, entry, None


def _unmatched(entries: list[dict], kept: Counter) -> dict[int, dict]:
    out = {}
    for index, entry in enumerate(entries):
        key = canonical_json(entry)
        if kept[key]:
            kept[key] -= 1
        else:
            out[index] = entry
    return out


def _effect(
    field: str, was: dict | None, now: dict | None, contract_start: datetime, as_of: datetime
) -> datetime | None:
    if was is not None and now is not None:
        if _only_end_moved(was, now, as_of):
            return None
        if field == "subscriptions" and _without(was, *_UPDATES) == _without(now, *_UPDATES):
            return _first_changed_update(was, now)
    entries = [entry for entry in (was, now) if entry is not None]
    starts = [t for entry in entries for t in _starts(field, entry, contract_start)]
    return min(starts) if starts else None


def _starts(field: str, entry: dict, contract_start: datetime) -> list[datetime]:
    if field in ("overrides", "recurring_commits", "recurring_credits"):
        return [parse_timestamp(entry["starting_at"])]
    if field == "subscriptions":
        return [parse_timestamp(entry["starting_at"]) if "starting_at" in entry else contract_start]
    if field == "scheduled_charges":
        return _schedule_starts(entry.get("schedule") or {})
    access = (entry.get("access_schedule") or {}).get("schedule_items", [])
    found = [parse_timestamp(item["starting_at"]) for item in access]
    return found + _schedule_starts(entry.get("invoice_schedule") or {})


def _schedule_starts(schedule: dict) -> list[datetime]:
    found = [parse_timestamp(item["timestamp"]) for item in schedule.get("schedule_items", [])]
    recurring = schedule.get("recurring_schedule")
    if recurring:
        found.append(parse_timestamp(recurring["starting_at"]))
    return found


def _without(entry: dict, *keys: str) -> dict:
    return {k: v for k, v in entry.items() if k not in keys}


def _only_end_moved(was: dict, now: dict, as_of: datetime) -> bool:
    if _without(was, "ending_before") != _without(now, "ending_before"):
        return False
    ends = [e.get("ending_before") for e in (was, now)]
    return all(end is None or parse_timestamp(end) >= as_of for end in ends)


_UPDATES = ("quantity_updates", "seat_updates")


def _updates(entry: dict) -> list[dict]:
    """A subscription's dated changes: its `quantity_updates` and every `seat_updates` list's
    entries, each tagged with its list so equal entries of two lists stay apart."""
    out = [{"quantity_updates": u} for u in entry.get("quantity_updates", [])]
    for name, changes in sorted((entry.get("seat_updates") or {}).items()):
        out += [{name: change} for change in changes]
    return out


def _first_changed_update(was: dict, now: dict) -> datetime | None:
    old, new = _updates(was), _updates(now)
    before, after = Counter(map(canonical_json, old)), Counter(map(canonical_json, new))
    changed = (before - after) + (after - before)
    starts = [
        parse_timestamp(change["starting_at"])
        for u in (*old, *new)
        if changed[canonical_json(u)]
        for change in u.values()
    ]
    return min(starts) if starts else None
