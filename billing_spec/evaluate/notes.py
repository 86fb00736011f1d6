"""Warnings about events that aggregation could not bill, gathered without flooding the output.

A million events of an unknown customer make one warning (with the count and the first place),
not a million: unknown customers are noted per `customer_id` (W952), events outside every
contract per customer (W953), overlapping contracts once per customer (W954), events with no rate
in force per (contract, product, pricing group values) (W955). A property that is not a number is
noted per event (W956, `file:line`). `CappedDiagnostics` keeps the first hundred of each code,
then a count. W952 suggests the known ID an unknown `customer_id` likely means (IDs are
case-sensitive: a case-only difference first), or says to add it to a customer's ingest aliases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from billing_spec.diagnostics import Diagnostic, SourceRange, did_you_mean, warning
from billing_spec.events.capped import LIMIT, CappedDiagnostics
from billing_spec.events.records import why_not_a_number

Where = Callable[[int, int], SourceRange]
_FIRST = "the location given is the first such event"
_NEW_ALIAS = "add it to a customer's ingest_aliases if it is one"


class EventNotes:
    def __init__(
        self, where: Where, known: Iterable[str] = (), renamed: Mapping[str, str] | None = None
    ) -> None:
        """`known`: the customer IDs and ingest aliases, for W952's "did you mean";
        `renamed`: former customer IDs (`moved`) -> current ones, for its hint."""
        self.where = where
        self.known = known
        self.renamed = renamed or {}
        self.folded: dict[str, str] | None = None
        self.unknown: dict[str, list[int]] = {}
        self.outside: dict[str, list[Any]] = {}
        self.overlaps: dict[str, tuple[tuple[str, ...], int, int]] = {}
        self.no_rate: dict[tuple[str, str, tuple], list[int]] = {}
        self.scopes: dict[tuple[str, str, tuple], str] = {}  # SQL metrics: what was counted
        self.values = CappedDiagnostics()

    def unknown_customer(self, ref: str, source: int, line: int) -> None:
        _count(self.unknown, ref, source, line)

    def outside_contracts(self, customer: str, source: int, line: int) -> None:
        _count(self.outside, customer, source, line)

    def overlap(self, customer: str, contracts: tuple[str, ...], source: int, line: int) -> None:
        self.overlaps.setdefault(customer, (contracts, source, line))

    def missing_rate(
        self,
        contract: str,
        product: str,
        values: tuple[tuple[str, Any], ...],
        source: int,
        line: int,
        count: int = 1,
        scope: str | None = None,
    ) -> None:
        """`values`: the pricing group values as (key, value) pairs; `count` events more, or
        for a SQL metric, `count` more of the `scope`s (statement period, hour) its query ran
        over: its rows are not events."""
        key = (contract, product, values)
        _count(self.no_rate, key, source, line, count)
        if scope is not None:
            self.scopes[key] = scope

    def bad_value(self, product: str, name: str, value: Any, source: int, line: int) -> None:
        self.values.add(
            warning(
                "W956",
                f"property {name!r} is {why_not_a_number(value)}: the event is not counted "
                f"for product {product}",
                self.where(source, line),
            )
        )

    def diagnostics(self) -> list[Diagnostic]:
        """The notes; of each code the first hundred (unknown customer IDs and pricing group
        values come from the events: there may be a million)."""
        out = CappedDiagnostics()
        out.extend(
            [
                self._unknown(ref, entry, suggest=n < LIMIT)  # only the ones shown
                for n, (ref, entry) in enumerate(self.unknown.items())
            ]
        )
        out.extend([self._outside(customer, entry) for customer, entry in self.outside.items()])
        out.extend([self._overlap(customer, entry) for customer, entry in self.overlaps.items()])
        out.extend([self._no_rate(key, entry) for key, entry in self.no_rate.items()])
        return out.finish() + self.values.finish()

    def _unknown(self, ref: str, entry: list[int], *, suggest: bool) -> Diagnostic:
        count, source, line = entry
        guess = self._guess(ref) if suggest else ""
        return warning(
            "W952",
            f"{_events(count)} for customer_id {ref!r}, which is neither a "
            "customer ID nor an ingest alias: not billed",
            self.where(source, line),
            hint=f"{guess} {_FIRST}" if guess else f"{_NEW_ALIAS}; {_FIRST}",
        )

    def _guess(self, ref: str) -> str:
        """A customer renamed from `ref` (`moved`), a known ID that differs in case only, or
        (among a few thousand) a close one."""
        if ref in self.renamed:
            now = self.renamed[ref]
            return (
                f"customer {ref} was renamed {now} (`moved`): add {ref!r} to its ingest_aliases "
                "to bill events still sent under the old ID;"
            )
        if self.folded is None:
            self.folded = {known.casefold(): known for known in self.known}
        same = self.folded.get(ref.casefold())
        if same is not None:
            return f"did you mean {same!r}?"
        return did_you_mean(ref, self.folded.values()) if len(self.folded) <= 5000 else ""

    def _outside(self, customer: str, entry: list[int]) -> Diagnostic:
        count, source, line = entry
        return warning(
            "W953",
            f"{_events(count)} of customer {customer} "
            f"{_verb(count, 'falls', 'fall')} outside every contract: "
            "not billed",
            self.where(source, line),
            hint=_FIRST,
        )

    def _overlap(self, customer: str, entry: tuple[tuple[str, ...], int, int]) -> Diagnostic:
        contracts, source, line = entry
        return warning(
            "W954",
            f"customer {customer} has several contracts active at once "
            f"({', '.join(contracts)}); events then go to {contracts[0]}, the "
            "one that started last",
            self.where(source, line),
        )

    def _no_rate(self, key: tuple[str, str, tuple], entry: list[int]) -> Diagnostic:
        (contract, product, values), (count, source, line) = key, entry
        group = f" with pricing group values {group_values(values)}" if values else ""
        scope = self.scopes.get(key)
        if scope is not None:
            return warning(
                "W955",
                f"the SQL metric's usage of product {product}{group} on contract {contract} "
                f"in {count} {scope}{'' if count == 1 else 's'} has no rate in force at its "
                "time: not billed",
                self.where(source, line),
                hint=f"the location given is the first event of the first such {scope}",
            )
        return warning(
            "W955",
            f"{_events(count)} of product {product}{group} on contract "
            f"{contract} {_verb(count, 'has', 'have')} no rate in force at "
            f"{_verb(count, 'its', 'their')} time: not billed",
            self.where(source, line),
            hint=_FIRST,
        )


def group_values(values: Iterable[tuple[str, Any]]) -> str:
    """Pricing group values as W955 and the invoices' notes show them: `{model: 'nova'}`."""
    return "{" + ", ".join(f"{name}: {value!r}" for name, value in values) + "}"


def _count(table: dict, key: Any, source: int, line: int, count: int = 1) -> None:
    entry = table.get(key)
    if entry is None:
        table[key] = [count, source, line]
    else:
        entry[0] += count


def _events(count: int) -> str:
    return "1 event" if count == 1 else f"{count} events"


def _verb(count: int, one: str, many: str) -> str:
    return one if count == 1 else many
