"""evaluate: a compiled catalog and usage events -> the invoices they imply, exact to the cent.

    invoices, diagnostics = evaluate(catalog, read_events(["fixtures/"]), through=...)

The stages, each in its own module:

1. `plan.build_plan` — customers, contract timelines, statement periods (`periods`), rate
   segments (`segments`) and compiled metric matchers (`matchers`): everything known before the
   first event.
2. an engine (`engine`, `python_engine`) — events + plan -> quantities per window and group.
3. pricing steps (`STEPS`) filling each contract's statements (`statements`: its USAGE
   invoices per statement period and SCHEDULED invoices per instant, through its horizon):
   `usage_lines` (quantity pipeline, FLAT / TIERED / VOLUME in `pricing`, overrides in
   `overrides`), subscriptions and scheduled charges (`charges`, `billing_periods`), composite
   products (`composites`), then the commits and credits that draw every charge down
   (`balance_step` over `balances.burn_down`, recurring grants from `recurring`), custom units
   converted to fiat (`conversions`) and the notes of what is not priced.
4. `invoices` — one DRAFT invoice per statement and credit type that has a line item, sorted;
   plus the event summary.

Pure: no clock, no environment; the same catalog and events (in any order, split or
duplicated) give byte-identical invoices.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import DecimalException, localcontext
from typing import Any

from billing_spec.catalog.models import Rate
from billing_spec.compile import CompiledCatalog
from billing_spec.diagnostics import BillingSpecError, Diagnostic, did_you_mean
from billing_spec.evaluate.balance_step import balance_step, recurring_purchases
from billing_spec.evaluate.charges import (
    Placed,
    RateLookup,
    scheduled_charges,
    subscription_charges,
)
from billing_spec.evaluate.composites import composite_step
from billing_spec.evaluate.conversions import conversion_step
from billing_spec.evaluate.engine import Aggregates, choose_engine, get_engine
from billing_spec.evaluate.invoices import Invoice, Invoices, LineItem, Summary
from billing_spec.evaluate.notes import group_values
from billing_spec.evaluate.overrides import effective_rate
from billing_spec.evaluate.plan import AggregationPlan, build_plan, unpriced_terms
from billing_spec.evaluate.statements import USAGE, InvoiceKey, Statements
from billing_spec.evaluate.usage_lines import usage_lines
from billing_spec.events.reader import EventStream, events_from_records
from billing_spec.money import EXACT, SUMS, CreditType, parse_decimal

# Warnings about what this evaluator does not price (not about the events): `--strict` ignores them.
COVERAGE_CODES = frozenset({"W957", "W962"})


@dataclass
class Pricing:
    """What the pricing steps share: the catalog, the plan, the quantities, and the invoices
    being built (`statements`)."""

    catalog: CompiledCatalog
    plan: AggregationPlan
    aggregates: Aggregates
    statements: Statements


Step = Callable[[Pricing], None]


def _usage_step(pricing: Pricing) -> None:
    for key, items in usage_lines(pricing.catalog, pricing.aggregates.quantities).items():
        pricing.statements.usage(key.contract, key.period).extend(items)


def _subscription_step(pricing: Pricing) -> None:
    catalog, statements = pricing.catalog, pricing.statements
    products = catalog.section("products")
    for contract in statements.contracts():
        spec = catalog.section("contracts")[contract.id]
        if not spec.subscriptions:
            continue
        card = catalog.section("rate_cards")[spec.rate_card]
        periods, horizon = statements.periods(contract), statements.end_of(contract)
        lookup = _subscription_rates(pricing.catalog, contract.id)
        for i, subscription in enumerate(spec.subscriptions):
            placed = subscription_charges(
                spec, i, periods, horizon, lookup, products, _credit_types(catalog, card)
            )
            if not placed and periods:
                product = subscription.subscription_rate.product
                statements.note(
                    contract,
                    f"subscription {i + 1} ({product}) is not billed: no entitled "
                    f"{subscription.subscription_rate.billing_frequency} rate for it on the card",
                )
            _place(statements, contract, placed)


def _scheduled_step(pricing: Pricing) -> None:
    catalog, statements = pricing.catalog, pricing.statements
    products = catalog.section("products")
    for contract in statements.contracts():
        spec = catalog.section("contracts")[contract.id]
        card = catalog.section("rate_cards")[spec.rate_card]
        periods, horizon = statements.periods(contract), statements.end_of(contract)
        placed = scheduled_charges(spec, periods, horizon, products, _credit_types(catalog, card))
        _place(statements, contract, placed)
    recurring_purchases(catalog, statements)


def _credit_types(catalog: CompiledCatalog, card) -> Callable[[str | None], CreditType]:
    """Credit type IDs (None: the card's fiat) -> credit types."""
    return lambda id_: catalog.credit_type(id_ or card.fiat_credit_type)


def _place(statements: Statements, contract, placed: Iterable[Placed]) -> None:
    for item in placed:
        statements.place(contract, item.placement).append(item.line)


def _billed_rate(
    catalog: CompiledCatalog,
    contract_id: str,
    product: str,
    when: datetime,
    frequency: str | None = None,
) -> Rate | None:
    """The rate a contract bills a product at then: the card's (for that billing frequency),
    after overrides; None where none is in force or it is not entitled."""
    found = effective_rate(catalog, contract_id, product, when, billing_frequency=frequency)
    return found.rate if found is not None and found.entitled else None


def _subscription_rates(catalog: CompiledCatalog, contract_id: str) -> RateLookup:
    """A subscription's rate lookup for one contract (`charges.RateLookup`)."""
    return lambda product, frequency, when: _billed_rate(
        catalog, contract_id, product, when, frequency
    )


def _composite_step(pricing: Pricing) -> None:
    catalog = pricing.catalog
    rate_at = functools.partial(_billed_rate, catalog)
    composite_step(catalog, pricing.statements, rate_at)


def _balance_step(pricing: Pricing) -> None:
    balance_step(pricing.catalog, pricing.statements)


def _conversion_step(pricing: Pricing) -> None:
    conversion_step(pricing.catalog, pricing.statements)


def _notes_step(pricing: Pricing) -> None:
    left_out = pricing.plan.left_out
    for contract in pricing.statements.contracts():
        for term in unpriced_terms(pricing.catalog, contract.content):
            pricing.statements.note(contract, f"not priced yet: {term}")
        for product, values in sorted(pricing.plan.unrated.get(contract.id, ()), key=_by_text):
            pricing.statements.note(
                contract,
                f"not billed: usage of {product} with pricing group values {group_values(values)} "
                "(its SQL billable metric's rows have no rate in force; W955)",
            )
        if left_out:
            card = pricing.catalog.section("rate_cards")[contract.content["rate_card"]]
            for product in dict.fromkeys(r.product for r in card.rates):
                if product in left_out:
                    pricing.statements.note(
                        contract,
                        f"not priced: usage of {product} (SQL billable metric "
                        f"{left_out[product]} runs on the DuckDB engine only)",
                    )


def _by_text(entry: tuple[str, tuple]) -> tuple:
    """(product, pricing group values) in order of their texts, None last."""
    product, values = entry
    return product, tuple((name, value is None, value or "") for name, value in values)


STEPS: tuple[Step, ...] = (
    _usage_step,
    _subscription_step,
    _composite_step,
    _scheduled_step,
    _balance_step,
    _conversion_step,
    _notes_step,
)
"""Pricing steps, in order: the charges (usage, subscriptions, composites over them, scheduled
charges and commit purchases: Metronome's line order), then the commits and credits that draw
them down (`balance_step`, after every charge), custom pricing units left to pay converted to
fiat (`conversions`), then what the invoices must say."""


def evaluate(
    catalog: CompiledCatalog,
    events: EventStream | Iterable[Mapping[str, Any]],
    *,
    through: datetime | None = None,
    customer: str | None = None,
    engine: str = "auto",
) -> tuple[Invoices, list[Diagnostic]]:
    """The invoices `catalog` implies for `events`.

    `events`: an `EventStream` (`read_events(paths)`) or decoded event records (dicts).
    `through`: events at or after it are ignored (counted as not billed), and no charge is billed
    from it on; None: the invoices run through the latest statement period with events
    (`statements`).
    `customer`: a customer ID or ingest alias; only that customer is invoiced.
    `engine`: the aggregation engine's name (`engine.ENGINES`), or `auto` (`choose_engine`).
    Raises `BillingSpecError` for a bad argument (unknown customer or engine).
    """
    stream = events if isinstance(events, EventStream) else events_from_records(events)
    engine = choose_engine(engine, stream, sql_metrics=_has_sql_metrics(catalog))
    plan = build_plan(
        catalog,
        through=through,
        customer=_customer_id(catalog, customer),
        sql_metrics=engine == "duckdb",
    )
    try:
        aggregates = get_engine(engine).aggregate(plan, stream)
    except DecimalException:
        raise BillingSpecError.single(
            "E707",
            f"a sum of event values needs more than {SUMS.prec} significant digits to be exact",
            hint="event values are added exactly or not at all; look for huge or very precise "
            "numbers in the events",
        ) from None
    statements = Statements(plan, through, aggregates.tally.latest)
    pricing = Pricing(catalog, plan, aggregates, statements)
    with localcontext(EXACT):
        for step in STEPS:
            step(pricing)
    invoices = sorted(_invoices(catalog, statements), key=Invoice.sort_key)
    summary = _summary(stream, aggregates)
    diagnostics = plan.diagnostics + stream.diagnostics + aggregates.diagnostics
    latest = aggregates.tally.latest
    return Invoices(tuple(invoices), summary, latest_event=latest), _ordered(diagnostics)


def _has_sql_metrics(catalog: CompiledCatalog) -> bool:
    return any(
        address.startswith("billable_metric.") and resource.content.get("sql")
        for address, resource in catalog.resources.items()
    )


def _customer_id(catalog: CompiledCatalog, wanted: str | None) -> str | None:
    if wanted is None:
        return None
    known: dict[str, str] = {}
    for resource in catalog.resources.values():
        if resource.type == "customer":
            known.setdefault(resource.name, resource.name)
            for alias in resource.content.get("ingest_aliases", ()):
                known.setdefault(alias, resource.name)
    if wanted not in known:
        raise BillingSpecError.single(
            "E704", f"unknown customer {wanted!r}", hint=did_you_mean(wanted, known)
        )
    return known[wanted]


def _invoices(catalog: CompiledCatalog, statements: Statements) -> Iterable[Invoice]:
    """One invoice per statement key and credit type that has a line item."""
    for key, items in statements.lines.items():
        contract = key.contract
        if not items or _before_generation(catalog, key):
            continue
        by_credit: dict[str, list[LineItem]] = {}
        for line in items:
            by_credit.setdefault(line.credit_type.id, []).append(line)
        terms = contract.content.get("net_payment_terms_days")
        for credit_id, group in by_credit.items():
            yield Invoice(
                customer=contract.customer.id,
                customer_name=contract.customer.name,
                contract=contract.id,
                contract_name=contract.content.get("name"),
                start=key.start,
                end=key.end,
                credit_type=group[0].credit_type,
                line_items=tuple(group),
                type=key.type,
                notes=tuple(statements.notes.get(contract, ()))
                + tuple(statements.invoice_notes.get((key, credit_id), ())),
                balances=tuple(statements.balances.get((key, credit_id), ())),
                net_payment_terms_days=None if terms is None else parse_decimal(terms),
            )


def _before_generation(catalog: CompiledCatalog, key: InvoiceKey) -> bool:
    """A usage invoice whose period ends on or before `invoice_generation_starting_at` is not
    generated (Metronome: those invoices were issued elsewhere); balances still drew on it."""
    if key.type != USAGE:
        return False
    schedule = catalog.section("contracts")[key.contract.id].usage_statement_schedule
    starting = schedule.invoice_generation_starting_at if schedule else None
    return starting is not None and key.end <= starting


def _summary(stream: EventStream, aggregates: Aggregates) -> Summary:
    counts, tally = stream.counts, aggregates.tally
    return Summary(
        events_read=counts.read,
        events_used=tally.used,
        duplicates=counts.duplicates,
        malformed=counts.malformed,
        unknown_customer=tally.unknown_customer,
        outside_contracts=tally.outside_contracts,
        not_billed=tally.not_billed,
    )


def _ordered(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Errors and warnings with a place in file order, then those without one."""
    placed = sorted((d for d in diagnostics if d.range is not None), key=Diagnostic.sort_key)
    return placed + [d for d in diagnostics if d.range is None]


__all__ = ["Invoice", "Invoices", "LineItem", "Summary", "evaluate"]
