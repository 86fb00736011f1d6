"""Which attributes of a resource are money, and in which credit type: for the plan's comments.

A plan shows amounts as the catalog holds them, in a credit type's base unit (`price = "2500"`);
the text plan adds the major unit as a comment (`# $25.00`). `unit_at(type, path, content)` says
what an attribute's value is counted in: a credit type ID, `PERCENT` (a PERCENTAGE rate's price
is a fraction, shown as a percent) or None (not money: a quantity, a multiplier, a size).

The answer is read from `RULES`, one row per kind of money attribute: a path pattern (`ANY`
matches any list index) and where its credit type comes from. A rate's prices (its tiers and its
`commit_rate` too) are in the rate's `credit_type`, else the rate card's `fiat_credit_type`;
schedules' amounts in the schedule's `credit_type`; a recurring commit's `access_amount` and
`invoice_amount` in their own; a conversion's `fiat_per_custom_credit` in the card's fiat credit
type. USD when none is named (a contract does not carry its rate card's fiat credit type).

>>> card = {"fiat_credit_type": "USD", "rates": [{"rate_type": "FLAT", "price": "2500"}]}
>>> unit_at("rate_card", ("rates", 0, "price"), card)
'USD'
>>> unit_at("rate_card", ("rates", 0, "quantity"), card) is None
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billing_spec.render.display import USD_ID

PERCENT = "%"
"""The unit of a PERCENTAGE rate's price: a fraction (0.1), shown as a percent (10%)."""
ANY = object()
"""In a pattern: any list index."""

Path = tuple[str | int, ...]
_Source = Callable[[Path, dict[str, Any]], str | None]


def _at(content: Any, path: Path) -> Any:
    value = content
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _rate(depth: int, *, percent: bool = False) -> _Source:
    """The rate at `path[:depth]`: its `credit_type`, else the card's fiat credit type, else
    USD; with `percent`, a PERCENTAGE rate's (own) price is a fraction."""

    def source(path: Path, content: dict[str, Any]) -> str | None:
        rate = _at(content, path[:depth])
        if not isinstance(rate, dict):
            return None
        if rate.get("rate_type") == "PERCENTAGE":
            return PERCENT if percent else None
        return rate.get("credit_type") or content.get("fiat_credit_type") or USD_ID

    return source


def _own(depth: int) -> _Source:
    """The object at `path[:depth]` (a schedule, an access or invoice amount) names its credit
    type, else USD."""

    def source(path: Path, content: dict[str, Any]) -> str | None:
        owner = _at(content, path[:depth])
        if not isinstance(owner, dict):
            return None
        return owner.get("credit_type") or USD_ID

    return source


def _fiat(path: Path, content: dict[str, Any]) -> str | None:
    return content.get("fiat_credit_type") or USD_ID


def _rate_rules(prefix: Path) -> list[tuple[Path, _Source]]:
    """A rate's price, its tiers' prices, and the same for its `commit_rate`."""
    depth = len(prefix)
    rules: list[tuple[Path, _Source]] = [
        ((*prefix, "price"), _rate(depth, percent=True)),
        ((*prefix, "tiers", ANY, "price"), _rate(depth)),
        ((*prefix, "tiers", ANY, "flat_price"), _rate(depth)),
    ]
    if prefix[0] == "rates":
        commit = (*prefix, "commit_rate")
        rules += [
            ((*commit, "price"), _rate(depth)),
            ((*commit, "tiers", ANY, "price"), _rate(depth)),
            ((*commit, "tiers", ANY, "flat_price"), _rate(depth)),
        ]
    return rules


def _schedule_rules(schedule: Path) -> list[tuple[Path, _Source]]:
    """A payment schedule's dated items and recurring schedule: `amount` and `unit_price`."""
    depth = len(schedule)
    return [
        ((*schedule, *where, field), _own(depth))
        for where in (("schedule_items", ANY), ("recurring_schedule",))
        for field in ("amount", "unit_price")
    ]


def _term_rules() -> list[tuple[Path, _Source]]:
    """A contract's (and a package's) money: overrides, commits, credits, charges, recurring."""
    rules = _rate_rules(("overrides", ANY, "overwrite_rate"))
    for field in ("commits", "credits"):
        rules.append(((field, ANY, "access_schedule", "schedule_items", ANY, "amount"), _own(3)))
    rules += _schedule_rules(("commits", ANY, "invoice_schedule"))
    rules += _schedule_rules(("scheduled_charges", ANY, "schedule"))
    for field in ("recurring_commits", "recurring_credits"):
        rules.append(((field, ANY, "access_amount", "unit_price"), _own(3)))
    rules.append((("recurring_commits", ANY, "invoice_amount", "unit_price"), _own(3)))
    return rules


RULES: dict[str, list[tuple[Path, _Source]]] = {
    "rate_card": [
        *_rate_rules(("rates", ANY)),
        (("credit_type_conversions", ANY, "fiat_per_custom_credit"), _fiat),
    ],
    "contract": _term_rules(),
    "package": _term_rules(),
}
"""Per resource type: (path pattern, where the credit type comes from)."""


def _matches(pattern: Path, path: Path) -> bool:
    if len(pattern) != len(path):
        return False
    for want, step in zip(pattern, path, strict=True):
        if want is ANY:
            if not isinstance(step, int):
                return False
        elif want != step:
            return False
    return True


def unit_at(resource_type: str, path: Path, content: dict[str, Any] | None) -> str | None:
    """What the attribute at `path` of a resource's `content` is counted in: a credit type ID,
    `PERCENT`, or None when it is not an amount of money."""
    if content is None:
        return None
    for pattern, source in RULES.get(resource_type, ()):
        if _matches(pattern, path):
            return source(path, content)
    return None
