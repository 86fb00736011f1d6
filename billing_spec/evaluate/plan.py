"""The aggregation plan: everything an engine needs to turn events into quantities.

Built from a `CompiledCatalog` once, before any event is read:

- **who**: `resolve` maps a customer ID or ingest alias to a `CustomerPlan`, whose contract
  timeline says which contract an instant belongs to. Where contracts overlap, the one that
  started last wins (tie: the smaller contract ID) and the overlap is remembered for a warning.
- **what**: for each contract, the usage products on its rate card (`ProductPlan`, in rate-card
  order, one `CardProducts` list shared by every contract on the card), each with its metric's
  shape (filters, aggregation, group keys) and its rate segments per pricing group values;
  `routes[event_type]` lists the products whose metric takes an event type (worked out once
  per card). Nothing is built per contract and product until an event needs it
  (`ContractTables`): 3,000 contracts on a 2,000-rate card cost what their events touch.
- **when**: for each (contract, product, pricing group values), a `WindowTable`: the contract's
  time cut by statement periods and rate segments into `Window`s, each knowing its period and the
  rate in force (None in a gap). Windows are cut further where a contract term starts or ends
  strictly inside a period: an override that targets the product (`overrides`), so that one
  override prices each window, and every commit's and credit's access window, so that each
  usage line lies wholly inside or outside it. Each window carries its effective pricing (the
  list rate and the winning override) and `billed` says whether the product is entitled there
  after overrides. Tables are built on first use and extended as later events arrive, so an
  open-ended contract needs no horizon and no clock.

An engine aggregates each (window, presentation group values) on its own; pricing then reads the
windows back in time order. The plan holds no events and no quantities.

Building the plan also warns about what the catalog asks and this evaluator leaves out: an ingest
alias of two customers (W959), a SQL metric (W957), a rate it ignores (W960), a conversion factor
that is not positive (W961), and per contract the terms it does not price yet (W962, "not
evaluated yet: ...": `unpriced_terms`, today usage a COMMIT_RATE balance covers under a TIERED
commit rate).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from billing_spec.addresses import Address
from billing_spec.catalog.models import Contract, Rate
from billing_spec.compile import CompiledCatalog
from billing_spec.diagnostics import Diagnostic, warning
from billing_spec.evaluate.matchers import MetricShape, accepts_event_type
from billing_spec.evaluate.overrides import Applied, ContractOverrides, Effective
from billing_spec.evaluate.periods import Period, Schedule, periods, schedule_of
from billing_spec.evaluate.recurring import recurrence_schedule
from billing_spec.evaluate.segments import Segment, rate_segments
from billing_spec.money import parse_decimal
from billing_spec.timestamps import format_timestamp

GroupValues = tuple[str | None, ...]
_BEGINNING = datetime.min.replace(tzinfo=UTC)
_PRICED = ("FLAT", "TIERED")


class Window:
    """`[start, end)` inside one period, with the rate in force (None: no rate), the overrides
    in force that target it (`applied`), its effective `pricing` and whether it is `billed`
    (a rate is in force and the product is entitled after overrides)."""

    __slots__ = (
        "applied",
        "billed",
        "end",
        "index",
        "per_line",
        "period",
        "pricing",
        "rate",
        "start",
        "table",
    )

    def __init__(
        self,
        table: WindowTable,
        index: int,
        period: Period,
        start: datetime,
        end: datetime,
        rate: Rate | None,
    ) -> None:
        self.table, self.index, self.period = table, index, period
        self.start, self.end, self.rate = start, end, rate
        self.applied: tuple[Applied, ...] = ()
        self.pricing: Effective | None = None
        self.per_line = False
        self.billed = False
        if rate is None:
            return
        terms = table.contract.overrides
        self.applied = tuple(a for a in table.overrides if a.active_at(start))
        self.pricing = terms.effective(rate, self.applied, start)
        self.per_line = any(a.presentation_specific for a in self.applied)
        if self.per_line:  # some lines may be switched on: aggregate, decide per line
            self.billed = rate.entitled or any(a.override.entitled for a in self.applied)
        else:
            self.billed = self.pricing.entitled

    def pricing_for(self, presentation: dict[str, str | None]) -> Effective | None:
        """The pricing of this window's line with these presentation group values."""
        if not self.per_line or self.rate is None:
            return self.pricing
        terms = self.table.contract.overrides
        return terms.effective(self.rate, self.applied, self.start, presentation)

    def __repr__(self) -> str:
        return f"Window({self.start:%Y-%m-%d %H:%M}..{self.end:%Y-%m-%d %H:%M}, {self.rate})"


class WindowTable:
    """The windows of one contract, product and pricing group values, in time order."""

    __slots__ = (
        "contract",
        "cuts",
        "overrides",
        "pricing_values",
        "product",
        "segments",
        "starts",
        "windows",
    )

    def __init__(
        self,
        contract: ContractPlan,
        product: ProductPlan,
        pricing_values: GroupValues,
        segments: list[Segment],
    ) -> None:
        self.contract, self.product, self.pricing_values = contract, product, pricing_values
        self.segments = segments
        values = dict(zip(product.shape.pricing_key, pricing_values, strict=True))
        self.overrides = contract.overrides.targeting(product.id, values)
        cuts = contract.overrides.boundaries(self.overrides) | contract.access_cuts
        self.cuts = sorted(cuts)
        self.starts: list[datetime] = []
        self.windows: list[Window] = []
        for period in contract.periods:
            self.add_period(period)

    def add_period(self, period: Period) -> None:
        cursor = period.start
        for segment in self.segments:
            start = max(segment.start, period.start)
            end = period.end if segment.end is None else min(segment.end, period.end)
            if start >= end:
                continue
            if cursor < start:
                self._add(period, cursor, start, None)
            self._add(period, start, end, segment.rate)
            cursor = end
        if cursor < period.end:
            self._add(period, cursor, period.end, None)

    def _add(self, period: Period, start: datetime, end: datetime, rate: Rate | None) -> None:
        """A window, cut where a contract term starts or ends strictly inside it."""
        if rate is not None:
            cuts = self.cuts[bisect_right(self.cuts, start) : bisect_left(self.cuts, end)]
            if self.contract.recurrences:
                cuts = sorted({*cuts, *recurrence_cuts(self.contract.recurrences, start, end)})
            for cut in cuts:
                self._append(period, start, cut, rate)
                start = cut
        self._append(period, start, end, rate)

    def _append(self, period: Period, start: datetime, end: datetime, rate: Rate | None) -> None:
        self.starts.append(start)
        self.windows.append(Window(self, len(self.windows), period, start, end, rate))


@dataclass(eq=False)
class ProductPlan:
    """A usage product on one rate card: how its events match and which rates price it."""

    id: str
    content: dict[str, Any]
    metric_id: str
    metric: dict[str, Any]
    shape: MetricShape
    segments: dict[GroupValues, list[Segment]]

    @property
    def kind(self) -> str:
        """The metric's aggregation type: COUNT, SUM, MAX, UNIQUE or LATEST."""
        return self.shape.aggregation_type


class Tables(dict):
    """One contract's window tables for one product, by pricing group values; built on first
    use (`tables[values]`), None for values no rate ever prices."""

    def __init__(self, contract: ContractPlan, product: ProductPlan) -> None:
        super().__init__()
        self.contract, self.product = contract, product

    def __missing__(self, values: GroupValues) -> WindowTable | None:
        segments = self.product.segments.get(values)
        table = WindowTable(self.contract, self.product, values, segments) if segments else None
        self[values] = table
        return table


class CardProducts(list):
    """A rate card's usage products in card order, shared by every contract on the card: each
    product's position and the products whose metric takes an event type are worked out once
    per card, not per contract."""

    def __init__(self, products: list[ProductPlan]) -> None:
        super().__init__(products)
        self.positions = {product: i for i, product in enumerate(products)}
        self._taking: dict[str, tuple[int, ...]] = {}

    def position(self, product: ProductPlan) -> int:
        return self.positions[product]

    def taking(self, event_type: str) -> tuple[int, ...]:
        """The positions of the products whose metric accepts `event_type`."""
        found = self._taking.get(event_type)
        if found is None:
            found = tuple(
                i
                for i, p in enumerate(self)
                if p.kind != "SQL" and accepts_event_type(p.metric, event_type)
            )
            self._taking[event_type] = found
        return found


class ContractTables(list):
    """One contract's `Tables` per product (by position on its card), each made the first time
    an event (or pricing) needs it: a contract on a card of thousands of rates builds only what
    its events touch. Reads like a list of `Tables`; iterating it makes them all."""

    def __init__(self, contract: ContractPlan) -> None:
        super().__init__([None] * len(contract.products))
        self.contract = contract
        self._made: list[Tables] = []

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        tables = super().__getitem__(i)
        if tables is None:
            tables = Tables(self.contract, self.contract.products[i])
            self[i] = tables
            self._made.append(tables)
        return tables

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def made(self) -> list[Tables]:
        """The tables made so far."""
        return self._made


class Routes(dict):
    """event type -> the (product, tables) pairs whose metric accepts it; built on first use."""

    def __init__(self, contract: ContractPlan) -> None:
        super().__init__()
        self.contract = contract

    def __missing__(self, event_type: str) -> tuple[tuple[ProductPlan, Tables], ...]:
        c = self.contract
        products = c.products
        if isinstance(products, CardProducts):
            positions = products.taking(event_type)
        else:
            positions = tuple(
                i
                for i, p in enumerate(products)
                if p.kind != "SQL" and accepts_event_type(p.metric, event_type)
            )
        found = tuple((products[i], c.tables[i]) for i in positions)
        self[event_type] = found
        return found


@dataclass(eq=False)
class ContractPlan:
    id: str
    content: dict[str, Any]
    customer: CustomerPlan
    start: datetime
    end: datetime | None
    schedule: Schedule
    products: list[ProductPlan]
    overrides: ContractOverrides
    """Its overrides (`overrides.ContractOverrides`)."""
    access_cuts: frozenset[datetime]
    """Where its commits' and credits' access windows start and end."""
    recurrences: tuple[tuple[Schedule, datetime, datetime | None], ...] = ()
    """Recurring commits' and credits' own recurrence schedules (those with a
    `recurrence_frequency`), each with its term: their grants start and end on its boundaries."""
    periods: list[Period] = field(default_factory=list)
    horizon: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.horizon = self.start
        self._upcoming = periods(self.schedule, self.start, self.end)
        self.tables = ContractTables(self)
        self.routes = Routes(self)

    def tables_of(self, product: ProductPlan) -> Tables:
        """This contract's window tables of one of its products."""
        products = self.products
        i = products.position(product) if isinstance(products, CardProducts) else None
        return self.tables[products.index(product) if i is None else i]

    def rank_of(self, product: ProductPlan) -> int:
        """The product's position on the contract's rate card (invoice line order)."""
        products = self.products
        if isinstance(products, CardProducts):
            return products.position(product)
        return products.index(product)

    def extend_to(self, when: datetime) -> None:
        """Add statement periods (and their windows) until one holds `when`."""
        while self.horizon <= when:
            period = next(self._upcoming, None)
            if period is None:
                return
            self.periods.append(period)
            self.horizon = period.end
            for tables in self.tables.made():
                for table in tables.values():
                    if table is not None:
                        table.add_period(period)


@dataclass(eq=False)
class CustomerPlan:
    """A customer and its contract timeline: `owners[bisect_right(bounds, t)]` is the contract
    in force at t (None: none), `overlaps` at the same index the contracts in force when there
    are several. bounds[0] is the beginning of time. A customer out of scope (`--customer`) has
    no contracts."""

    id: str
    name: str
    in_scope: bool
    contracts: list[ContractPlan] = field(default_factory=list)
    bounds: list[datetime] = field(default_factory=lambda: [_BEGINNING])
    owners: list[ContractPlan | None] = field(default_factory=lambda: [None, None])
    overlaps: list[tuple[str, ...]] = field(default_factory=lambda: [(), ()])
    overlapping: bool = False

    def build_timeline(self) -> None:
        cuts = sorted({c.start for c in self.contracts} | {c.end for c in self.contracts if c.end})
        for cut in cuts:
            live = [c for c in self.contracts if c.start <= cut and (c.end is None or cut < c.end)]
            live.sort(key=lambda c: c.id)
            live.sort(key=lambda c: c.start, reverse=True)  # stable: the smaller ID first on ties
            self.bounds.append(cut)
            self.owners.append(live[0] if live else None)
            self.overlaps.append(tuple(c.id for c in live) if len(live) > 1 else ())
        self.overlapping = any(self.overlaps)


@dataclass
class AggregationPlan:
    resolve: dict[str, CustomerPlan]
    customers: dict[str, CustomerPlan]
    through: datetime | None
    diagnostics: list[Diagnostic]
    renamed: dict[str, str] = field(default_factory=dict)
    """Former customer IDs (`moved` from `customer.X`) -> the ID the customer has now."""
    left_out: dict[str, str] = field(default_factory=dict)
    """Products whose SQL billable metric this run does not evaluate (W957): product ID ->
    metric ID; the invoices of contracts that price them say so in `notes`."""
    unrated: dict[str, set[tuple[str, tuple]]] = field(default_factory=dict)
    """Contract ID -> the (product ID, pricing group values) whose SQL metric usage no rate
    prices (W955); the contract's invoices say so in `notes`: the events' count cannot (a
    query's rows are not events)."""


def build_plan(
    catalog: CompiledCatalog,
    *,
    through: datetime | None = None,
    customer: str | None = None,
    sql_metrics: bool = False,
) -> AggregationPlan:
    """The plan for a compiled catalog; `customer` (an ID) limits it to one customer;
    `sql_metrics`: plan products of SQL billable metrics too (kind "SQL", for an engine that
    runs them: DuckDB), else leave them out with W957."""
    diagnostics: list[Diagnostic] = []
    left_out: dict[str, str] = {}
    customers = {
        cid: CustomerPlan(cid, spec["name"], customer is None or cid == customer)
        for cid, spec in _contents(catalog, "customer").items()
    }
    resolve = _resolver(catalog, customers, diagnostics)
    cards: dict[str, list[ProductPlan]] = {}
    for cid, spec in _contents(catalog, "contract").items():
        owner = customers.get(spec["customer"])
        if owner is None or not owner.in_scope:
            continue
        card_id = spec["rate_card"]
        if card_id not in cards:
            cards[card_id] = _card_products(
                catalog, card_id, diagnostics, left_out if not sql_metrics else None
            )
        contract = catalog.section("contracts")[cid]
        diagnostics += _not_evaluated(catalog, cid, spec)
        owner.contracts.append(
            ContractPlan(
                cid,
                spec,
                owner,
                contract.starting_at,
                contract.ending_before,
                schedule_of(contract.usage_statement_schedule, contract.starting_at),
                cards[card_id],
                ContractOverrides(contract, catalog.section("products")),
                access_boundaries(contract),
                recurrence_schedules(contract),
            )
        )
    for plan in customers.values():
        plan.build_timeline()
    moves = [(Address.parse(m["from"]), Address.parse(m["to"])) for m in catalog.moved]
    renamed = {old.name: new.name for old, new in moves if old.type == "customer"}
    return AggregationPlan(resolve, customers, through, diagnostics, renamed, left_out)


def access_boundaries(contract: Contract) -> frozenset[datetime]:
    """Where the contract's commits' and credits' access schedule items start and end, and its
    recurring ones' terms: usage windows are cut there, so a balance applies to whole lines."""
    items = [
        item
        for balance in (*contract.commits, *contract.credits)
        for item in balance.access_schedule.schedule_items
    ]
    terms = (*contract.recurring_commits, *contract.recurring_credits)
    ends = {t.ending_before for t in terms if t.ending_before is not None}
    return frozenset(
        {i.starting_at for i in items}
        | {i.ending_before for i in items}
        | {t.starting_at for t in terms}
        | ends
    )


def recurrence_schedules(
    contract: Contract,
) -> tuple[tuple[Schedule, datetime, datetime | None], ...]:
    """The recurrence schedules of recurring commits and credits that do not follow the
    statement periods (a `recurrence_frequency`), with their terms."""
    statement = schedule_of(contract.usage_statement_schedule, contract.starting_at)
    return tuple(
        (recurrence_schedule(term, statement), term.starting_at, term.ending_before)
        for term in (*contract.recurring_commits, *contract.recurring_credits)
        if term.recurrence_frequency is not None
    )


def recurrence_cuts(
    recurrences: tuple[tuple[Schedule, datetime, datetime | None], ...],
    start: datetime,
    end: datetime,
) -> list[datetime]:
    """The recurrence boundaries strictly inside `(start, end)`, within each term."""
    found = []
    for schedule, term_start, term_end in recurrences:
        k = schedule.index_at(start) + 1
        while (cut := schedule.boundary(k)) < end:
            if term_start <= cut and (term_end is None or cut < term_end):
                found.append(cut)
            k += 1
    return found


def unpriced_terms(catalog: CompiledCatalog, spec: dict[str, Any]) -> list[str]:
    """The terms of a contract (its compiled content) that this evaluator leaves out: W962 names
    them, and every invoice of the contract says so in `notes`."""
    terms: list[str] = []
    balances = [
        *spec.get("commits", ()),
        *spec.get("credits", ()),
        *spec.get("recurring_commits", ()),
        *spec.get("recurring_credits", ()),
    ]
    if not any(b.get("rate_type") == "COMMIT_RATE" for b in balances):
        return terms  # the card's rates matter only under a COMMIT_RATE balance
    card = catalog.section("rate_cards")[spec["rate_card"]]
    tiered = sorted(
        {r.product for r in card.rates if r.commit_rate and r.commit_rate.rate_type == "TIERED"}
    )
    if tiered:
        terms.append(
            "TIERED commit rates of " + ", ".join(tiered) + " (usage a COMMIT_RATE balance "
            "covers is priced at list there)"
        )
    return terms


def _not_evaluated(catalog: CompiledCatalog, cid: str, spec: dict[str, Any]) -> list[Diagnostic]:
    """W962 when a contract has terms this evaluator does not price, so nobody mistakes a
    partial preview for the whole invoice (the invoices say so too, in `notes`)."""
    terms = unpriced_terms(catalog, spec)
    if not terms:
        return []
    return [
        warning(
            "W962",
            f"contract {cid}: not evaluated yet: " + ", ".join(terms),
            hint="these invoices leave them out; each invoice says so in its notes",
        )
    ]


def _contents(catalog: CompiledCatalog, type_: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.content for r in catalog.resources.values() if r.type == type_}


def _resolver(
    catalog: CompiledCatalog, customers: dict[str, CustomerPlan], diagnostics: list[Diagnostic]
) -> dict[str, CustomerPlan]:
    resolve = dict(customers)
    for cid, spec in _contents(catalog, "customer").items():
        for alias in spec.get("ingest_aliases", ()):
            holder = resolve.setdefault(alias, customers[cid])
            if holder is not customers[cid]:
                diagnostics.append(
                    warning(
                        "W959",
                        f"ingest alias {alias!r} of customer {cid} already names customer "
                        f"{holder.id}; its events go to {holder.id}",
                    )
                )
    return resolve


def _card_products(
    catalog: CompiledCatalog,
    card_id: str,
    diagnostics: list[Diagnostic],
    left_out: dict[str, str] | None = None,
) -> CardProducts:
    """The usage products priced on a rate card, in the card's product order."""
    card = catalog.section("rate_cards")[card_id]
    rates: dict[str, list[Rate]] = {}
    for rate in card.rates:
        rates.setdefault(rate.product, []).append(rate)
    products = []
    for product_id, product_rates in rates.items():
        plan = _product_plan(catalog, card_id, product_id, product_rates, diagnostics, left_out)
        if plan is not None:
            products.append(plan)
    return CardProducts(products)


def _product_plan(
    catalog: CompiledCatalog,
    card_id: str,
    product_id: str,
    rates: list[Rate],
    diagnostics: list[Diagnostic],
    left_out: dict[str, str] | None = None,
) -> ProductPlan | None:
    product = catalog.resources[f"product.{product_id}"].content
    if product["type"] != "USAGE" or "billable_metric" not in product:
        return None  # subscriptions, composites, fixed products: later pricing steps
    metric_id = product["billable_metric"]
    metric = catalog.resources[f"billable_metric.{metric_id}"].content
    if metric.get("sql") and left_out is not None:
        if product_id not in left_out:
            left_out[product_id] = metric_id
            diagnostics.append(sql_left_out(product_id, metric_id, "the Python engine runs no SQL"))
        return None
    conversion = product.get("quantity_conversion")
    if conversion and parse_decimal(conversion["conversion_factor"]) <= 0:
        diagnostics.append(
            warning(
                "W961",
                f"product {product_id}: quantity_conversion's conversion_factor must be "
                "positive; its usage is not billed",
            )
        )
        return None
    shape = MetricShape.of(metric, product)
    if metric.get("sql"):
        shape = replace(shape, aggregation_type="SQL")
    by_values: dict[GroupValues, list[Rate]] = {}
    for rate in rates:
        values = _pricing_values(rate, shape.pricing_key)
        if rate.rate_type not in _PRICED or values is None:
            diagnostics.append(_ignored_rate(card_id, product_id, rate, shape.pricing_key))
            continue
        by_values.setdefault(values, []).append(rate)
    segments = {values: rate_segments(group) for values, group in by_values.items()}
    return ProductPlan(product_id, product, metric_id, metric, shape, segments)


def sql_left_out(product_id: str, metric_id: str, why: str) -> Diagnostic:
    """W957: a product's SQL billable metric is not evaluated in this run, and why."""
    return warning(
        "W957",
        f"product {product_id}: SQL billable metric {metric_id} is not evaluated ({why}); "
        "its usage is not billed",
        hint="SQL billable metrics run on the DuckDB engine: `billing invoice --engine duckdb`",
    )


def _pricing_values(rate: Rate, key: tuple[str, ...]) -> GroupValues | None:
    given = rate.pricing_group_values or {}
    if set(given) != set(key):
        return None
    return tuple(given[k] for k in key)


def _ignored_rate(card_id: str, product_id: str, rate: Rate, key: tuple[str, ...]) -> Diagnostic:
    when = format_timestamp(rate.starting_at)
    if rate.rate_type not in _PRICED:
        why = f"rate_type {rate.rate_type} does not price a usage product"
    else:
        why = (
            "its pricing_group_values keys do not match the product's pricing_group_key "
            f"{list(key)}"
        )
    return warning(
        "W960", f"rate card {card_id}: the {product_id} rate from {when} is ignored: {why}"
    )
