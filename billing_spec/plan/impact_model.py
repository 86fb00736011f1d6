"""The invoice impact as data: old and new totals per contract and period, and their JSON.

`Impact` holds every contract invoiced under either catalog (`ContractImpact`, sorted by
customer, contract and credit type), each with its statement periods (`PeriodImpact`); totals
per credit type (`CreditTypeTotal`) are derived. Each carries an old and a new total, either of
which may be absent (None: that catalog makes no invoice there), and derives from them (mixin
`Compared`): the delta (absent counting as zero), the percent (`money.percent_change`, None
without a non-zero old total) and whether it changed. A contract's totals are the sums of its
periods' present totals, absent when none is; it changed when any of its periods or products
did.

Each contract also has its totals per product (`ProductImpact`): the sum of its invoices' line
items of that product (and presentation group values), so a reviewer sees which product moved
the total. An `applied_commit_or_credit` line (a prepaid commit or credit drawn down, negative)
is a row of its own, under the balance's product, flagged `applied_commit_or_credit`, so a
commit that absorbs a price rise shows as the rise on the usage product and a larger draw-down
on the commit's row. And a contract a change reaches only after the latest event replayed has
`unreplayed_from`: the first such change's start (`impact.unreplayed`).

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


GroupValues = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class ProductImpact(Compared):
    """A contract's line items of one product (and presentation group values), all periods.

    `applied_commit_or_credit`: the lines drawing down a commit or credit of that product."""

    product: str
    presentation_group_values: GroupValues
    applied_commit_or_credit: bool
    old: Decimal | None
    new: Decimal | None

    @property
    def label(self) -> str:
        """`tokens`, `tokens {model=atlas}`, `prepaid (commit or credit applied)`."""
        groups = self.presentation_group_values
        where = " {" + ", ".join(f"{k}={v}" for k, v in groups) + "}" if groups else ""
        drawn = " (commit or credit applied)" if self.applied_commit_or_credit else ""
        return f"{self.product}{where}{drawn}"

    def to_json(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "presentation_group_values": dict(self.presentation_group_values),
            "applied_commit_or_credit": self.applied_commit_or_credit,
            **self.totals_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProductImpact:
        return cls(
            product=data["product"],
            presentation_group_values=tuple(sorted(data["presentation_group_values"].items())),
            applied_commit_or_credit=bool(data["applied_commit_or_credit"]),
            old=_decimal(data["old_total"]),
            new=_decimal(data["new_total"]),
        )


@dataclass(frozen=True)
class ContractImpact(Compared):
    """One contract's invoices in one credit type, period by period, and product by product."""

    customer: str
    customer_name: str | None
    contract: str
    contract_name: str | None
    credit_type: str
    periods: tuple[PeriodImpact, ...]
    products: tuple[ProductImpact, ...] = ()
    unreplayed_from: datetime | None = None
    """The start of the first change of this contract's prices or terms (a rate of its rate
    card, an override, a term, its start) after the latest event replayed: the events cannot
    show it."""

    @property
    def old(self) -> Decimal | None:  # type: ignore[override]
        return _sum(p.old for p in self.periods)

    @property
    def new(self) -> Decimal | None:  # type: ignore[override]
        return _sum(p.new for p in self.periods)

    @property
    def changed(self) -> bool:
        """Whether any of its invoices or products changed, even if its total did not (a
        credit that absorbs a price rise)."""
        return any(p.changed for p in self.periods) or any(p.changed for p in self.products)

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
            "products": [p.to_json() for p in self.products],
            "unreplayed_from": _when(self.unreplayed_from),
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
    as_of_period: str | None = None
    """`--as-of-period`: the month (`YYYY-MM`) every event was moved into; None: as recorded."""
    latest_event: datetime | None = None
    """The latest event inside a contract under either catalog (None: no such event)."""

    @property
    def unreplayed(self) -> tuple[ContractImpact, ...]:
        """The contracts with a change after the latest event (`unreplayed_from`)."""
        return tuple(c for c in self.contracts if c.unreplayed_from is not None)

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
            "through": _when(self.through),
            "as_of_period": self.as_of_period,
            "latest_event": _when(self.latest_event),
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
            as_of_period=data.get("as_of_period"),
            latest_event=_parsed(data.get("latest_event")),
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


def _when(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def _parsed(text: str | None) -> datetime | None:
    return None if text is None else parse_written_timestamp(text)


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
        products=tuple(ProductImpact.from_json(p) for p in data.get("products", ())),
        unreplayed_from=_parsed(data.get("unreplayed_from")),
    )
