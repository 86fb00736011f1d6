"""Rates are append-only: which rate-card edits rewrite prices that already applied.

Metronome has no rate IDs and no endpoint to change or delete a rate. A rate is identified by
its product, pricing group values, billing frequency and `starting_at`; a price change is a new
rate with a later `starting_at`, which supersedes the earlier one from then on. So the planner
asks one question of a rate-card edit: does it change what anyone paid, or would have paid, for
usage before `as_of`?

Design note. For each (product, pricing group values, billing frequency) the rates define an
*effective price schedule*: at instant t the rate in force is the one with the latest
`starting_at <= t` whose `ending_before` (if any) is after t. An edit is **retroactive** when the
schedule before and after the edit differ at some instant before `as_of`. The schedule can only
change at a rate's `starting_at` or `ending_before`, so comparing the two schedules at each such
instant before `as_of` is exact. Worked example, `as_of` = 2026-11-15:

    before: FLAT 50 from 2026-01-01
    after:  FLAT 50 from 2026-01-01, FLAT 45 from 2027-01-01    -> not retroactive (scheduled)
    after:  FLAT 45 from 2026-01-01                              -> retroactive at 2026-01-01
    after:  FLAT 50 from 2026-01-01 until 2026-12-01             -> not retroactive (ends later)
    after:  FLAT 50 from 2026-01-01, FLAT 45 from 2026-11-01    -> retroactive at 2026-11-01

The alternative, "any edit to a rate whose `starting_at` is past", would also refuse the third
line, which changes nothing already billed; comparing schedules refuses exactly what re-rates
past usage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from billing_spec.jsontext import canonical_json
from billing_spec.timestamps import parse_timestamp

RATE_IDENTITY_FIELDS = ("product", "pricing_group_values", "billing_frequency", "starting_at")
_TIME_FIELDS = ("starting_at", "ending_before")


def rate_identity(rate: dict[str, Any]) -> tuple[str, ...]:
    """What names a rate on its card (rates have no IDs)."""
    return (*schedule_key(rate), rate["starting_at"])


def schedule_key(rate: dict[str, Any]) -> tuple[str, ...]:
    """The rates that supersede one another share this key."""
    return (
        rate["product"],
        canonical_json(rate.get("pricing_group_values") or {}),
        rate.get("billing_frequency") or "",
    )


def describe_rate(rate: dict[str, Any]) -> str:
    """`product lang_model_4 {model=atlas} starting 2026-01-01T00:00:00Z`."""
    groups = rate.get("pricing_group_values") or {}
    where = " {" + ", ".join(f"{k}={v}" for k, v in sorted(groups.items())) + "}" if groups else ""
    frequency = f" billed {rate['billing_frequency']}" if rate.get("billing_frequency") else ""
    return f"product {rate['product']}{where}{frequency} starting {rate['starting_at']}"


@dataclass(frozen=True)
class RetroactiveChange:
    """The first instant before `as_of` at which a rate-card edit changes the price in force."""

    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ended: bool = False  # no rate in force after, because `before` now ends at `at` (not removed)

    @property
    def hint(self) -> str:
        return (
            "rates are append-only: leave rates that already applied as they are and add a "
            "rate with a later starting_at; pass --allow-retroactive if re-pricing past usage "
            "is intended"
        )

    def describe(self) -> str:
        if self.before is None:
            return f"adds a rate for {describe_rate(self.after)}"
        if self.after is None:
            verb = "ends" if self.ended else "removes"
            return f"{verb} the rate for {describe_rate(self.before)}"
        if rate_identity(self.before) == rate_identity(self.after):
            return f"changes the rate for {describe_rate(self.before)}"
        return (
            f"supersedes the rate for {describe_rate(self.before)} with a rate {_start(self.after)}"
        )


def _start(rate: dict[str, Any]) -> str:
    return f"starting {rate['starting_at']}"


def retroactive_changes(
    before: Sequence[dict], after: Sequence[dict], as_of: datetime
) -> list[RetroactiveChange]:
    """One `RetroactiveChange` per price schedule the edit changes before `as_of`."""
    groups: dict[tuple[str, ...], tuple[list[dict], list[dict]]] = defaultdict(lambda: ([], []))
    for rate in before:
        groups[schedule_key(rate)][0].append(rate)
    for rate in after:
        groups[schedule_key(rate)][1].append(rate)
    found = []
    for key in sorted(groups):
        old, new = groups[key]
        if _same(old, new):
            continue
        change = _first_difference(old, new, as_of)
        if change is not None:
            found.append(change)
    return found


def _same(old: list[dict], new: list[dict]) -> bool:
    return sorted(map(canonical_json, old)) == sorted(map(canonical_json, new))


def _first_difference(
    old: list[dict], new: list[dict], as_of: datetime
) -> RetroactiveChange | None:
    timed_old, timed_new = _timed(old), _timed(new)
    for instant in _breakpoints([*timed_old, *timed_new]):
        if instant >= as_of:
            break
        was, now = _in_force(timed_old, instant), _in_force(timed_new, instant)
        if _terms(was) != _terms(now):
            kept = was is not None and any(rate_identity(r) == rate_identity(was) for r in new)
            return RetroactiveChange(instant, was, now, ended=now is None and kept)
    return None


Timed = tuple[datetime, datetime | None, dict]


def _timed(rates: Iterable[dict]) -> list[Timed]:
    return [
        (
            parse_timestamp(r["starting_at"]),
            parse_timestamp(r["ending_before"]) if r.get("ending_before") else None,
            r,
        )
        for r in rates
    ]


def _breakpoints(rates: list[Timed]) -> list[datetime]:
    return sorted({t for start, end, _ in rates for t in (start, end) if t is not None})


def _in_force(rates: list[Timed], instant: datetime) -> dict | None:
    live = [
        (start, rate)
        for start, end, rate in rates
        if start <= instant and (end is None or instant < end)
    ]
    return max(live, key=lambda pair: pair[0])[1] if live else None


def _terms(rate: dict | None) -> str | None:
    """What a rate charges, without when: two rates with equal terms price usage alike."""
    if rate is None:
        return None
    return canonical_json({k: v for k, v in rate.items() if k not in _TIME_FIELDS})
