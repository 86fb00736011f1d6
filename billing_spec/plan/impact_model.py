"""The invoice impact as data: old and new totals per contract and period, and their JSON.

`Impact` holds every contract invoiced under either catalog (`ContractImpact`, sorted by
customer, contract and credit type), each with its statement periods (`PeriodImpact`); totals
per credit type (`CreditTypeTotal`) are derived. Each carries an old and a new total, either of
which may be absent (None: that catalog makes no invoice there), and derives from them (mixin
`Compared`): the delta (absent counting as zero), the percent (`money.percent_change`, None
without a non-zero old total) and whether it changed. A contract's totals are the sums of its
periods' present totals, absent when none is; it changed when any of its periods did.

`Impact.to_json()` is the plan JSON's `invoice_impact` (see `render_json`); `Impact.from_json`
reads it back from a saved plan. Computing an impact is `impact`'s business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing_spec.money import EXACT, ZERO, canonical, parse_decimal, percent_change, round_percent
from billing_spec.timestamps import format_timestamp, parse_written_timestamp


class Compared:
    """An old and a new total (either may be absent) and what follows from them."""

    old: Decimal | None
    new: Decimal | None

    @property
    def delta(self) -> Decimal:
        return EXACT.subtract(self.new or ZERO, self.old or ZERO)

    @property
    def percent(self) -> Decimal | None:
        """The change in percent of the old total; None when that is absent or zero."""
        if self.old is None:
            return None
        return percent_change(self.old, self.new or ZERO)

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def totals_json(self) -> dict[str, Any]:
        percent = self.percent
        return {
            "old_total": _text(self.old),
            "new_total": _text(self.new),
            "delta": canonical(self.delta),
            "percent": None if percent is None else canonical(round_percent(percent)),
        }


@dataclass(frozen=True)
class PeriodImpact(Compared):
    start: datetime
    end: datetime
    old: Decimal | None
    new: Decimal | None

    def to_json(self) -> dict[str, Any]:
        return {
            "start_timestamp": format_timestamp(self.start),
            "end_timestamp": format_timestamp(self.end),
            **self.totals_json(),
        }


@dataclass(frozen=True)
class ContractImpact(Compared):
    """One contract's invoices in one credit type, period by period."""

    customer: str
    customer_name: str | None
    contract: str
    contract_name: str | None
    credit_type: str
    periods: tuple[PeriodImpact, ...]

    @property
    def old(self) -> Decimal | None:  # type: ignore[override]
        return _sum(p.old for p in self.periods)

    @property
    def new(self) -> Decimal | None:  # type: ignore[override]
        return _sum(p.new for p in self.periods)

    @property
    def changed(self) -> bool:
        """Whether any of its invoices changed, even if the contract's total did not."""
        return any(p.changed for p in self.periods)

    @property
    def address(self) -> str:
        return f"contract.{self.contract}"

    def to_json(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "customer_name": self.customer_name,
            "contract": self.contract,
            "contract_name": self.contract_name,
            "credit_type": self.credit_type,
            **self.totals_json(),
            "periods": [p.to_json() for p in self.periods],
        }


@dataclass(frozen=True)
class CreditTypeTotal(Compared):
    """All contracts' invoices in one credit type; absent sides count as zero."""

    credit_type: str
    old: Decimal
    new: Decimal
    contracts: int
    contracts_changed: int

    def to_json(self) -> dict[str, Any]:
        return {
            "credit_type": self.credit_type,
            **self.totals_json(),
            "contracts": self.contracts,
            "contracts_changed": self.contracts_changed,
        }


@dataclass(frozen=True)
class Impact:
    """The comparison: every contract with an invoice under either catalog, sorted by
    customer, contract and credit type, and what happened to the events on each side."""

    events: tuple[str, ...]
    through: datetime | None
    contracts: tuple[ContractImpact, ...]
    old_summary: Mapping[str, int]
    new_summary: Mapping[str, int]
    incomplete: tuple[str, ...] = ()
    """What either catalog's invoices leave out (their `notes`, by contract): the impact does
    not include it, and every rendering says so."""

    def totals(self) -> tuple[CreditTypeTotal, ...]:
        by_type: dict[str, list[ContractImpact]] = {}
        for contract in self.contracts:
            by_type.setdefault(contract.credit_type, []).append(contract)
        return tuple(_total(credit_type, by_type[credit_type]) for credit_type in sorted(by_type))

    @property
    def periods(self) -> int:
        return sum(len(c.periods) for c in self.contracts)

    @property
    def periods_changed(self) -> int:
        return sum(1 for c in self.contracts for p in c.periods if p.changed)

    def to_json(self) -> dict[str, Any]:
        return {
            "events": list(self.events),
            "through": None if self.through is None else format_timestamp(self.through),
            "summary": {"old": dict(self.old_summary), "new": dict(self.new_summary)},
            "totals": [t.to_json() for t in self.totals()],
            "contracts": [c.to_json() for c in self.contracts],
            "incomplete": list(self.incomplete),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Impact:
        """Read back `to_json()` (a saved plan's `invoice_impact`); totals are recomputed."""
        through = data["through"]
        return cls(
            events=tuple(str(e) for e in data["events"]),
            through=None if through is None else parse_written_timestamp(through),
            contracts=tuple(_contract_from_json(c) for c in data["contracts"]),
            old_summary={k: int(v) for k, v in data["summary"]["old"].items()},
            new_summary={k: int(v) for k, v in data["summary"]["new"].items()},
            incomplete=tuple(str(n) for n in data.get("incomplete", ())),
        )


def _total(credit_type: str, contracts: list[ContractImpact]) -> CreditTypeTotal:
    return CreditTypeTotal(
        credit_type=credit_type,
        old=_sum(c.old for c in contracts) or ZERO,
        new=_sum(c.new for c in contracts) or ZERO,
        contracts=len(contracts),
        contracts_changed=sum(1 for c in contracts if c.changed),
    )


# --- helpers ------------------------------------------------------------------------------------


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of the present values; None when none is present."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    total = ZERO
    for value in present:
        total = EXACT.add(total, value)
    return total


def _text(value: Decimal | None) -> str | None:
    return None if value is None else canonical(value)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else parse_decimal(text)


def _contract_from_json(data: Mapping[str, Any]) -> ContractImpact:
    return ContractImpact(
        customer=data["customer"],
        customer_name=data["customer_name"],
        contract=data["contract"],
        contract_name=data["contract_name"],
        credit_type=data["credit_type"],
        periods=tuple(
            PeriodImpact(
                start=parse_written_timestamp(p["start_timestamp"]),
                end=parse_written_timestamp(p["end_timestamp"]),
                old=_decimal(p["old_total"]),
                new=_decimal(p["new_total"]),
            )
            for p in data["periods"]
        ),
    )
