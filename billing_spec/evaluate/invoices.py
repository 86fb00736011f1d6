"""Invoices: the values evaluation produces, and their JSON document (`invoice --format json`).

    {"format_version": "1.0",
     "invoices": [{"customer", "customer_name", "contract", "contract_name",
                   "start_timestamp", "end_timestamp", "type": "USAGE", "status": "DRAFT",
                   "credit_type", "line_items": [...], "subtotal", "total", "notes",
                   "balances", ("net_payment_terms_days", "due_timestamp")}],
     "summary": {"events_read", "events_used", "duplicates", "malformed",
                 "unknown_customer", "outside_contracts", "not_billed"}}

A usage line item has `type`, `product`, `name`, `presentation_group_values`,
`pricing_group_values` (both always present, `{}` when none), `starting_at`/`ending_before` (its
window: the statement period, or a rate segment inside it), `quantity`, `unit_price` (null for
TIERED), `total`, and for TIERED `tier_mode` and the `tiers` breakdown. A line a contract
override priced also has `override` (`{"type", "index"}`, index: its position in the contract's
`overrides`) and, over a FLAT list rate, `list_price` (the list unit price). Money and quantities
are canonical decimal strings in the credit type's base unit (USD cents); timestamps end in `Z`.
A usage line's `quantity` and a tier row's `quantity` and `subtotal` are shown exactly when they
terminate; one that does not (a DIVIDE by 3) is shown to 12 decimal places, to the nearest
(`money.shown`: 31/3 -> `10.333333333333`, 20/3 -> `6.666666666667`), while the line's `total`
is the exact value rounded once (`usage_lines`).
The summary's counts add up: events_read = events_used + duplicates + malformed +
unknown_customer + outside_contracts + not_billed.

Invoices sort by customer, contract, start (then credit type); line items come in the order the
evaluator built them (rate-card order, group values, window start). Renderers read the document,
never these classes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from billing_spec.evaluate.pricing import TierCharge
from billing_spec.jsontext import pretty_json_bytes
from billing_spec.money import CreditType, add_up, canonical
from billing_spec.timestamps import format_timestamp

FORMAT_VERSION = "1.0"
GroupDict = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class LineItem:
    type: str
    product: str
    name: str
    credit_type: CreditType
    starting_at: datetime
    ending_before: datetime
    quantity: Decimal
    total: Decimal
    unit_price: Decimal | None = None
    pricing_group_values: GroupDict = field(default_factory=dict)
    presentation_group_values: GroupDict = field(default_factory=dict)
    tier_mode: str | None = None
    tiers: tuple[TierCharge, ...] | None = None
    product_tags: tuple[str, ...] = ()
    """The product's tags (what commits, credits and composites target); not in the JSON."""
    commit_price: Decimal | None = None
    """usage lines: the FLAT `commit_rate` of the list rate, what a COMMIT_RATE balance pays per
    unit it covers; not in the JSON."""
    commit_amount: Decimal | None = None
    """usage lines with a `commit_price`: the whole line at it (from the exact quantity, to 50
    digits); not in the JSON."""
    is_prorated: bool | None = None
    """subscription lines: whether the service period was prorated."""
    applied_commit_or_credit: AppliedBalance | None = None
    """applied_commit_or_credit lines: the balance drawn down."""
    commit_id: str | None = None
    """A usage line's part covered by a balance: the balance's identifier."""
    do_not_invoice: bool | None = None
    """scheduled lines of a `do_not_invoice` schedule: listed, total 0."""
    extra: tuple[tuple[str, Any], ...] = ()
    """Further JSON fields of this line type, as (key, JSON value) pairs."""
    list_price: Decimal | None = None
    """Set only where a contract override priced the line: the list unit price (FLAT)."""
    override: dict[str, Any] | None = None
    """Set only where a contract override priced the line: `{"type", "index"}`."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "product": self.product,
            "name": self.name,
            "presentation_group_values": dict(self.presentation_group_values),
            "pricing_group_values": dict(self.pricing_group_values),
            "starting_at": _timestamp(self.starting_at),
            "ending_before": _timestamp(self.ending_before),
            "quantity": canonical(self.quantity),
            "unit_price": _decimal(self.unit_price),
            "total": canonical(self.total),
        }
        if self.tiers is not None:
            out["tier_mode"] = self.tier_mode
            out["tiers"] = [_tier_json(row) for row in self.tiers]
        if self.is_prorated is not None:
            out["is_prorated"] = self.is_prorated
        if self.applied_commit_or_credit is not None:
            out["applied_commit_or_credit"] = self.applied_commit_or_credit.to_json()
        if self.commit_id is not None:
            out["commit_id"] = self.commit_id
        if self.do_not_invoice is not None:
            out["do_not_invoice"] = self.do_not_invoice
        out.update(self.extra)
        if self.override is not None:
            if self.list_price is not None:
                out["list_price"] = canonical(self.list_price)
            out["override"] = dict(self.override)
        return out


@dataclass(frozen=True)
class AppliedBalance:
    """The balance an `applied_commit_or_credit` line draws down (Metronome's
    `applied_commit_or_credit {id, type}`, plus the balance's product and name)."""

    id: str
    type: str  # PREPAID | POSTPAID | CREDIT
    product: str
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "product": self.product, "name": self.name}


@dataclass(frozen=True)
class Invoice:
    customer: str
    customer_name: str
    contract: str
    contract_name: str | None
    start: datetime
    end: datetime
    credit_type: CreditType
    line_items: tuple[LineItem, ...]
    type: str = "USAGE"
    status: str = "DRAFT"
    notes: tuple[str, ...] = ()
    """What this invoice leaves out (terms not priced yet): shown wherever it is rendered."""
    balances: tuple[BalanceUse, ...] = ()
    """Each commit or credit this invoice drew down: applied here and what remains after it."""
    net_payment_terms_days: Decimal | None = None

    @property
    def subtotal(self) -> Decimal:
        return add_up(line.total for line in self.line_items)

    @property
    def total(self) -> Decimal:
        return self.subtotal

    def sort_key(self) -> tuple[str, str, datetime, int, str]:
        return (
            self.customer,
            self.contract,
            self.start,
            TYPE_ORDER[self.type],
            self.credit_type.id,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "customer_name": self.customer_name,
            "contract": self.contract,
            "contract_name": self.contract_name,
            "start_timestamp": format_timestamp(self.start),
            "end_timestamp": format_timestamp(self.end),
            "type": self.type,
            "status": self.status,
            "credit_type": self.credit_type.id,
            "line_items": [line.to_json() for line in self.line_items],
            "subtotal": canonical(self.subtotal),
            "total": canonical(self.total),
            "notes": list(self.notes),
            "balances": [balance.to_json() for balance in self.balances],
            **self._terms(),
        }

    def _terms(self) -> dict[str, Any]:
        if self.net_payment_terms_days is None:
            return {}
        due = self.end + timedelta(days=int(self.net_payment_terms_days))
        return {
            "net_payment_terms_days": canonical(self.net_payment_terms_days),
            "due_timestamp": format_timestamp(due),
        }


@dataclass(frozen=True)
class BalanceUse:
    """A commit or credit on one invoice (an extension: Metronome keeps balances on the commit,
    not the invoice). POSTPAID commits count the usage toward the commitment: `applied` is not
    subtracted from the invoice."""

    id: str
    type: str  # PREPAID | POSTPAID | CREDIT
    product: str
    name: str
    applied: Decimal
    remaining: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "product": self.product,
            "name": self.name,
            "applied": canonical(self.applied),
            "remaining": canonical(self.remaining),
        }


TYPE_ORDER = {"USAGE": 0, "SCHEDULED": 1}
"""A usage invoice before a scheduled one of the same instant."""


@dataclass(frozen=True)
class Summary:
    events_read: int = 0
    events_used: int = 0
    duplicates: int = 0
    malformed: int = 0
    unknown_customer: int = 0
    outside_contracts: int = 0
    not_billed: int = 0

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Invoices:
    """What `evaluate` returns: the invoices, sorted, and what happened to the events."""

    invoices: tuple[Invoice, ...]
    summary: Summary
    latest_event: datetime | None = None
    """The latest timestamp of an event inside a contract (before `through`); None when there
    is none. Not in the JSON document: the invoice impact uses it to tell which changes the
    events reach (`plan.impact`)."""

    def __iter__(self) -> Iterator[Invoice]:
        return iter(self.invoices)

    def __len__(self) -> int:
        return len(self.invoices)

    def to_document(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "invoices": [invoice.to_json() for invoice in self.invoices],
            "summary": self.summary.to_json(),
        }

    def to_json(self) -> str:
        """The document as printed: sorted keys, two-space indent, a final newline."""
        return b"".join(self.json_chunks()).decode()

    def json_chunks(self) -> Iterator[bytes]:
        """`to_json`'s bytes, one invoice at a time: the whole document is never built (a
        million line items print without a second copy of them as dicts and text).
        Byte-identical to `pretty_json(self.to_document())`."""
        yield b'{\n  "format_version": ' + pretty_json_bytes(FORMAT_VERSION, 1)
        if not self.invoices:
            yield b',\n  "invoices": [],\n'
        else:
            yield b',\n  "invoices": [\n    '
            for i, invoice in enumerate(self.invoices):
                if i:
                    yield b",\n    "
                yield pretty_json_bytes(invoice.to_json(), 2)
            yield b"\n  ],\n"
        yield b'  "summary": ' + pretty_json_bytes(self.summary.to_json(), 1) + b"\n}\n"


_timestamp = functools.lru_cache(maxsize=1024)(format_timestamp)
"""Line items share their windows' bounds: each is formatted once."""


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else canonical(value)


def _tier_json(row: TierCharge) -> dict[str, Any]:
    return {
        "tier": row.tier,
        "starting_at": canonical(row.starting_at),
        "size": _decimal(row.size),
        "quantity": canonical(row.quantity),
        "price": canonical(row.price),
        "flat_price": _decimal(row.flat_price),
        "subtotal": canonical(row.subtotal),
    }
