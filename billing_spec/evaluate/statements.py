"""Statements: the invoices of every contract while the pricing steps fill them, and how far
in time they run.

A pricing step adds line items to an invoice named by an `InvoiceKey`: a USAGE invoice per
contract and statement period, or a SCHEDULED invoice per contract and timestamp (a scheduled
charge, a commit purchase, a postpaid true-up). The balance step then reads them back, contract by
contract, in the order they are billed (`billing_order`), and `invoices` turns them into `Invoice`s
(one per credit type).

**The horizon.** Usage invoices exist where events are; charges that are not usage
(subscriptions, scheduled charges, commit purchases) would go on forever for an open-ended
contract. So each contract is billed through an instant (exclusive):

- `through` (`--through`) when given;
- else the end of the contract's statement period that holds the latest event (the latest of
  any contract's, so every contract previews the same stretch of time: a contract that ended
  before it is billed to its end, one that starts after it not at all);
- else (no events at all) the end of the contract's first statement period.

Capped by the contract's `ending_before`. Statement periods that start before it are billed;
charges dated at or after it are not. Pure: the horizon depends on the catalog and the events,
never on the clock or on event order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from billing_spec.evaluate.invoices import TYPE_ORDER, BalanceUse, LineItem
from billing_spec.evaluate.periods import Period
from billing_spec.evaluate.plan import AggregationPlan, ContractPlan

if TYPE_CHECKING:
    from billing_spec.evaluate.charges import Placement

USAGE = "USAGE"
SCHEDULED = "SCHEDULED"
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class InvoiceKey:
    """One invoice of a contract: USAGE for a statement period, or SCHEDULED at an instant
    (`start == end`)."""

    contract: ContractPlan
    type: str
    start: datetime
    end: datetime
    period: Period | None = None

    def billing_order(self) -> tuple[datetime, int, datetime]:
        """When the invoice is billed: at its end (a usage invoice before a scheduled one
        dated at the same instant)."""
        return (self.end, TYPE_ORDER[self.type], self.start)


class Statements:
    """Invoices under construction: key -> line items, in the order steps added them."""

    def __init__(
        self, plan: AggregationPlan, through: datetime | None, latest: datetime | None
    ) -> None:
        """`latest`: the latest event's timestamp (`engine.Tally.latest`)."""
        self.plan = plan
        self.through, self.latest = through, latest
        self._ends: dict[ContractPlan, datetime] = {}
        self.lines: dict[InvoiceKey, list[LineItem]] = {}
        self._keys: dict[ContractPlan, list[InvoiceKey]] = {}
        self.notes: dict[ContractPlan, list[str]] = {}
        self.invoice_notes: dict[tuple[InvoiceKey, str], list[str]] = {}
        self.balances: dict[tuple[InvoiceKey, str], list[BalanceUse]] = {}
        """(invoice, credit type ID) -> the balances drawn on it (the balance step's)."""

    def contracts(self) -> Iterator[ContractPlan]:
        """The contracts in scope, by ID."""
        found = [c for customer in self.plan.customers.values() for c in customer.contracts]
        yield from sorted(found, key=lambda c: c.id)

    def end_of(self, contract: ContractPlan) -> datetime:
        """The instant this contract is billed through (exclusive)."""
        if contract not in self._ends:
            self._ends[contract] = self._end_of(contract)
        return self._ends[contract]

    def _end_of(self, contract: ContractPlan) -> datetime:
        if self.through is not None:
            end = self.through
        elif self.latest is not None and self.latest < contract.start:
            return contract.start
        else:
            contract.extend_to(contract.start if self.latest is None else self.latest)
            end = contract.periods[-1].end if contract.periods else contract.start
        return end if contract.end is None else min(end, contract.end)

    def periods(self, contract: ContractPlan) -> list[Period]:
        """The contract's statement periods that start before its horizon."""
        end = self.end_of(contract)
        if end > contract.start:
            contract.extend_to(end - _INSTANT)
        return [p for p in contract.periods if p.start < end]

    def usage(self, contract: ContractPlan, period: Period) -> list[LineItem]:
        """The line items of the contract's USAGE invoice for a statement period."""
        return self._invoice(InvoiceKey(contract, USAGE, period.start, period.end, period))

    def scheduled(self, contract: ContractPlan, at: datetime) -> list[LineItem]:
        """The line items of the contract's SCHEDULED invoice dated `at`."""
        return self._invoice(InvoiceKey(contract, SCHEDULED, at, at))

    def place(self, contract: ContractPlan, placement: Placement) -> list[LineItem]:
        """The line items of the invoice a `charges.Placement` names: the USAGE invoice of its
        statement period, or the SCHEDULED invoice at its instant."""
        if placement.kind == USAGE:
            return self.usage(contract, placement.period)
        return self.scheduled(contract, placement.at)

    def _invoice(self, key: InvoiceKey) -> list[LineItem]:
        lines = self.lines.get(key)
        if lines is None:
            lines = self.lines[key] = []
            self._keys.setdefault(key.contract, []).append(key)
        return lines

    def note(self, contract: ContractPlan, text: str) -> None:
        """Something every invoice of this contract must say (a term not priced, say)."""
        notes = self.notes.setdefault(contract, [])
        if text not in notes:
            notes.append(text)

    def invoice_note(self, key: InvoiceKey, credit_type_id: str, text: str) -> None:
        """Something one invoice (a statement key in one credit type) must say."""
        notes = self.invoice_notes.setdefault((key, credit_type_id), [])
        if text not in notes:
            notes.append(text)

    def of_contract(self, contract: ContractPlan) -> list[tuple[InvoiceKey, list[LineItem]]]:
        """This contract's invoices in billing order."""
        keys = sorted(self._keys.get(contract, ()), key=InvoiceKey.billing_order)
        return [(key, self.lines[key]) for key in keys]
