"""The reference aggregation engine, in pure Python: one pass over the events, one accumulator
per (window, presentation group values).

For each batch of events, each event is first placed: its customer (ID or ingest alias), the
contract in force at its time (a bisect on the customer's timeline), and the event type; events
are grouped by (contract, event type). Then, for each group, each usage product on the contract's
rate card whose metric takes that event type (`plan.Routes`) runs over the group: the metric's
compiled matcher (`matchers`), the window holding the event's time, the accumulator update —
written out as one straight-line loop per product and contract, the way a query engine compiles
a plan. For the quickstart product the loop's body ends with:

    t = T                                     # the window table (no pricing group key)
    if t is None: missing((), source, line); continue
    w = t.windows[bisect(t.starts, when) - 1] # the window holding the event's time
    d = get(w)                                # its accumulators, by presentation values
    if d is None: accs[w] = d = {}
    p = s1                                    # the user_id's text
    d[p] = d.get(p, 0) + n                    # SUM
    if w.billed: add(i)                       # the event counts as used

Accumulators, by aggregation type:

    COUNT  n += 1                       SUM  n += value (ints stay ints, exact Decimals otherwise)
    MAX    n = max(n, value)            UNIQUE  a set of texts
    LATEST the (timestamp, transaction_id, value) that sorts last

Memory grows with the number of accumulators (groups × windows), never with events.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from typing import Any

from billing_spec.evaluate.engine import Aggregates, Key, Tally, latest_increments
from billing_spec.evaluate.matchers import MatcherCode, define, matcher_code, tuple_code
from billing_spec.evaluate.notes import EventNotes
from billing_spec.evaluate.plan import AggregationPlan, ContractPlan, ProductPlan, Window
from billing_spec.events.reader import EventStream
from billing_spec.events.records import InexactNumber
from billing_spec.money import SUMS

Step = Callable[..., bool]  # (props, when, txid, source, line) -> a billed window took it
Run = Callable[..., None]  # (rows, billed positions, source)

_NONE_YET = datetime.min.replace(tzinfo=UTC)  # before every event timestamp

_UPDATE = {
    "SUM": ["d[p] = d.get(p, 0) + n"],
    "COUNT": ["d[p] = d.get(p, 0) + 1"],
    "MAX": ["c = d.get(p)", "if c is None or n > c: d[p] = n"],
    "UNIQUE": ["c = d.get(p)", "if c is None: d[p] = c = set()", "c.add(n)"],
    "LATEST": [
        "c = d.get(p)",
        "if c is None or (when, txid) > (c[0], c[1]): d[p] = (when, txid, n)",
    ],
}


class PythonEngine:
    name = "python"

    def aggregate(self, plan: AggregationPlan, events: EventStream) -> Aggregates:
        notes = EventNotes(events.where, plan.resolve, plan.renamed)
        accumulators: dict[Window, dict[Any, Any]] = {}
        runs = _Runs(_Compiled(accumulators, notes, events.exact))
        with localcontext(SUMS):
            tally = _aggregate(plan, events, runs, notes)
            quantities = _quantities(accumulators)
        return Aggregates(quantities, tally, notes.diagnostics())


def _aggregate(plan: AggregationPlan, events: EventStream, runs: _Runs, notes: EventNotes) -> Tally:
    resolve = plan.resolve.get
    through = plan.through
    tally = Tally()
    used = not_billed = 0
    latest = _NONE_YET  # the hot loop compares without a None check
    for batch in events.batches():
        source = batch.source
        groups: dict[tuple[ContractPlan, str], list] = {}
        for row in batch.rows:
            customer = resolve(row[1])
            if customer is None:
                tally.unknown_customer += 1
                notes.unknown_customer(row[1], source, row[5])
                continue
            when = row[3]
            slot = bisect_right(customer.bounds, when)
            contract = customer.owners[slot]
            if contract is None:
                if customer.in_scope:
                    tally.outside_contracts += 1
                    notes.outside_contracts(customer.id, source, row[5])
                else:  # another customer than `--customer`
                    not_billed += 1
                continue
            if customer.overlapping and customer.overlaps[slot]:
                notes.overlap(customer.id, customer.overlaps[slot], source, row[5])
            if through is not None and when >= through:
                not_billed += 1
                continue
            if when >= contract.horizon:
                contract.extend_to(when)
            if when > latest:
                latest = when
            key = (contract, row[2])
            group = groups.get(key)
            if group is None:
                groups[key] = group = []
            group.append(row)
        for (contract, event_type), rows in groups.items():
            billed: set[int] = set()
            for run in runs[contract][event_type]:
                run(rows, billed, source)
            used += len(billed)
            not_billed += len(rows) - len(billed)
    tally.used, tally.not_billed = used, not_billed
    tally.latest = None if latest is _NONE_YET else latest
    return tally


class _Runs(dict):
    """contract -> event type -> the runs of the products whose metric takes it."""

    def __init__(self, compiled: _Compiled) -> None:
        super().__init__()
        self.compiled = compiled

    def __missing__(self, contract: ContractPlan) -> _ByType:
        self[contract] = by_type = _ByType(contract, self.compiled)
        return by_type


class _ByType(dict):
    def __init__(self, contract: ContractPlan, compiled: _Compiled) -> None:
        super().__init__()
        self.contract, self.compiled = contract, compiled
        self.runs: dict[str, Run] = {}

    def __missing__(self, event_type: str) -> tuple[Run, ...]:
        found = tuple(self._run(product) for product, _ in self.contract.routes[event_type])
        self[event_type] = found
        return found

    def _run(self, product: ProductPlan) -> Run:
        if product.id not in self.runs:
            self.runs[product.id] = self.compiled.run(product, self.contract)
        return self.runs[product.id]


class _Compiled:
    """Each product's code, compiled once and bound to each contract's window tables."""

    def __init__(self, accumulators: dict, notes: EventNotes, exact: Callable) -> None:
        self.accumulators, self.notes, self.exact = accumulators, notes, exact
        self.factories: dict[int, Callable[..., tuple[Run, Step]]] = {}

    def run(self, product: ProductPlan, contract: ContractPlan) -> Run:
        notes, keys = self.notes, product.shape.pricing_key

        def missing(values: tuple, source: int, line: int) -> bool:
            pairs = tuple(zip(keys, values, strict=True))
            notes.missing_rate(contract.id, product.id, pairs, source, line)
            return False

        run, _ = bind_product(
            self.factories,
            product,
            contract.tables_of(product),
            missing,
            notes,
            self.accumulators,
            self.exact,
        )
        return run


def bind_product(
    factories: dict[int, Callable[..., tuple[Run, Step]]],
    product: ProductPlan,
    tables: Any,
    missing: Callable[..., bool],
    notes: EventNotes,
    accumulators: dict,
    exact: Callable,
) -> tuple[Run, Step]:
    """A product's code (compiled once per product into `factories`) bound to one contract's
    window `tables`, the `accumulators`, and `missing` (an event whose group values have no
    rate in force); a property that is not a number is noted in `notes`. Both engines bind
    their products here."""
    factory = factories.get(id(product))
    if factory is None:
        factory = factories[id(product)] = compile_product(product)

    def bad(name: str, value: Any, source: int, line: int) -> bool:
        notes.bad_value(product.id, name, value, source, line)
        return False

    one_table = tables[()] if not product.shape.pricing_key else None
    return factory(
        T=one_table,
        tables=tables,
        by_text=_ByText(tables),
        missing=missing,
        bad=bad,
        accs=accumulators,
        exact=exact,
    )


def compile_product(product: ProductPlan) -> Callable[..., tuple[Run, Step]]:
    """`make(T, tables, by_text, missing, bad, accs, exact) -> (run, step)` for one product:
    `run(rows, billed, source)` takes a group of events of one contract, adding to `billed`
    the positions a billed window took; `step(props, when, txid, source, line)` takes one event
    (one whose properties were decoded again exactly) and says whether a billed window took it.
    """
    step_code = matcher_code(
        product.shape,
        no_match="return False",
        bad_value="return bad({name!r}, {var}, source, line)",
    )
    run_code = matcher_code(
        product.shape, no_match="continue", bad_value="bad({name!r}, {var}, source, line); continue"
    )
    pricing = tuple_code(run_code.pricing)
    step = [
        *step_code.lines,
        *_window_lines(product, step_code, "return missing({}, source, line)"),
        f"return w.billed or (w.rate is None and missing({pricing}, source, line))",
    ]
    inner = [
        *run_code.lines,
        *_window_lines(product, run_code, "missing({}, source, line); continue"),
        "if w.billed: add(i)",
        f"elif w.rate is None: missing({pricing}, source, line)",
    ]
    body = [
        "get = accs.get",
        "def step(props, when, txid, source, line):",
        *(f"    {statement}" for statement in step),
        "def run(rows, billed, source):",
        "    add = billed.add",
        "    for i, (txid, ref, event_type, when, props, line, raw) in enumerate(rows):",
        "        try:",
        *(f"            {statement}" for statement in inner),
        "        except InexactNumber:  # a float from the fast decoder: decode it exactly",
        "            props = exact(raw, props)",
        "            rows[i] = (txid, ref, event_type, when, props, line, None)",
        "            if step(props, when, txid, source, line): add(i)",
        "return run, step",
    ]
    namespace = {**run_code.constants, "bisect": bisect_right, "InexactNumber": InexactNumber}
    return define(
        "make",
        "T, tables, by_text, missing, bad, accs, exact",
        body,
        namespace,
        f"product {product.id}",
    )


def _window_lines(product: ProductPlan, code: MatcherCode, no_table: str) -> list[str]:
    pricing = code.pricing
    if not pricing:
        find = "t = T"  # the product's one table, looked up once
    elif len(pricing) == 1:
        find = f"t = by_text[{pricing[0]}]"
    else:
        find = f"t = tables[{tuple_code(pricing)}]"
    presentation = code.presentation
    group = presentation[0] if len(presentation) == 1 else tuple_code(presentation)
    return [
        find,
        f"if t is None: {no_table.format(tuple_code(pricing))}",
        "w = t.windows[bisect(t.starts, when) - 1]",
        "d = get(w)",
        "if d is None: accs[w] = d = {}",
        f"p = {group}",
        *_UPDATE[product.kind],
    ]


class _ByText(dict):
    """One pricing group key: its text -> the window table, without building a tuple."""

    def __init__(self, tables: dict) -> None:
        super().__init__()
        self.tables = tables

    def __missing__(self, text: str | None) -> Any:
        self[text] = table = self.tables[(text,)]
        return table


def _quantities(accumulators: dict[Window, dict[Any, Any]]) -> dict[Key, Decimal]:
    """Accumulators -> quantities per (window, presentation values)."""
    out: dict[Key, Decimal] = {}
    lasts = {}
    for window, groups in accumulators.items():
        product = window.table.product
        single, kind = len(product.shape.presentation_key) == 1, product.kind
        into = lasts if kind == "LATEST" else out
        for group, value in groups.items():
            key = (window, (group,) if single else group)
            if kind == "LATEST":
                into[key] = value
            elif kind == "UNIQUE":
                into[key] = Decimal(len(value))
            else:
                into[key] = Decimal(value)
    out.update(latest_increments(lasts))
    return out
