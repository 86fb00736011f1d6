"""The seats of a SEAT_BASED subscription over time: `seat_config`, then its `seat_updates`.

Metronome (SDK-CC `SubscriptionSeatConfig`, SDK-EDIT `UpdateSubscriptionSeatUpdates`): the
quantity is the assigned seat IDs plus the unassigned seats. `add_seat_ids` fills unassigned
seats first and raises the quantity only beyond them; `remove_seat_ids` lowers it by one per
assigned ID removed (an ID that is not assigned is a no-op); `add_unassigned_seats` raises it,
`remove_unassigned_seats` lowers it while there are unassigned seats.

*Ours* (Metronome is silent): changes dated at the same instant apply removals before additions —
`remove_seat_ids`, `remove_unassigned_seats`, `add_unassigned_seats`, `add_seat_ids` — each
list in its order, so swapping one seat ID for another on a date keeps the quantity, and seat
IDs added with unassigned seats on one date fill them. The catalog checks refuse what Metronome
would quietly ignore (removing an ID that is not assigned, removing more unassigned seats than
there are, assigning an ID twice); the replay here stays lenient so it never fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

ORDER = ("remove_seat_ids", "remove_unassigned_seats", "add_unassigned_seats", "add_seat_ids")
"""The order of the four lists among changes dated at one instant."""

_ZERO = Decimal(0)


@dataclass(frozen=True)
class SeatChange:
    """One entry of a `seat_updates` list: `field` (one of `ORDER`) and its `index` there."""

    starting_at: datetime
    field: str
    index: int
    seat_ids: tuple[str, ...] = ()
    quantity: Decimal = _ZERO


@dataclass(frozen=True)
class Seats:
    assigned: frozenset[str]
    unassigned: Decimal

    @property
    def quantity(self) -> Decimal:
        return Decimal(len(self.assigned)) + self.unassigned


def is_seat_based(subscription: Any) -> bool:
    return str(getattr(subscription, "quantity_management_mode", None) or "") == "SEAT_BASED"


def initial_seats(subscription: Any) -> Seats:
    config = subscription.seat_config
    if config is None:
        return Seats(frozenset(), _ZERO)
    unassigned = config.initial_unassigned_seats
    return Seats(frozenset(config.initial_seat_ids), unassigned if unassigned else _ZERO)


def seat_changes(subscription: Any) -> list[SeatChange]:
    """Every `seat_updates` entry, in the order they apply: by `starting_at`, then `ORDER`, then
    list position."""
    updates = getattr(subscription, "seat_updates", None)
    if updates is None:
        return []
    out = []
    for field in ORDER:
        for index, entry in enumerate(getattr(updates, field)):
            if field.endswith("seat_ids"):
                out.append(SeatChange(entry.starting_at, field, index, tuple(entry.seat_ids)))
            else:
                out.append(SeatChange(entry.starting_at, field, index, quantity=entry.quantity))
    return sorted(out, key=lambda c: (c.starting_at, ORDER.index(c.field), c.index))


def apply(seats: Seats, change: SeatChange) -> Seats:
    """The seats after one change, the way Metronome applies it."""
    if change.field == "remove_seat_ids":
        return Seats(seats.assigned - set(change.seat_ids), seats.unassigned)
    if change.field == "remove_unassigned_seats":
        return Seats(seats.assigned, max(_ZERO, seats.unassigned - change.quantity))
    if change.field == "add_unassigned_seats":
        return Seats(seats.assigned, seats.unassigned + change.quantity)
    new = [s for s in dict.fromkeys(change.seat_ids) if s not in seats.assigned]
    filled = min(seats.unassigned, Decimal(len(new)))
    return Seats(seats.assigned | set(new), seats.unassigned - filled)


def replay(subscription: Any) -> Iterator[tuple[SeatChange, Seats, Seats]]:
    """(change, seats before, seats after) for every change, in the order they apply."""
    seats = initial_seats(subscription)
    for change in seat_changes(subscription):
        after = apply(seats, change)
        yield change, seats, after
        seats = after


def seats_at(subscription: Any, when: datetime) -> Seats:
    """The seats in force at an instant: every change dated at or before it applied."""
    seats = initial_seats(subscription)
    for change in seat_changes(subscription):
        if change.starting_at > when:
            break
        seats = apply(seats, change)
    return seats
