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
    k = (w, s1)                               # window and presentation group values
    acc[k] = get(k, 0) + n                    # SUM
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
from decimal import Decimal, localcontext
from typing import Any

from billing_spec.evaluate.engine import Aggregates, Key, Tally, latest_increments
from billing_spec.evaluate.matchers import MatcherCode, define, matcher_code, tuple_code
from billing_spec.evaluate.notes import EventNotes
from billing_spec.evaluate.plan import AggregationPlan, ContractPlan, ProductPlan
from billing_spec.events.reader import EventStream
from billing_spec.events.records import InexactNumber
from billing_spec.money import EXACT

Step = Callable[..., bool]  # (props, when, txid, source, line) -> a billed window took it
Run = Callable[..., None]  # (rows, billed positions, source)

_UPDATE = {
    "SUM": ["acc[k] = get(k, 0) + n"],
    "COUNT": ["acc[k] = get(k, 0) + 1"],
    "MAX": ["c = get(k)", "if c is None or n > c: acc[k] = n"],
    "UNIQUE": ["c = get(k)", "if c is None: c = acc[k] = set()", "c.add(n)"],
    "LATEST": ["c = get(k)",
               "if c is None or (when, txid) > (c[0], c[1]): acc[k] = (when, txid, n)"],
}


class PythonEngine:
    name = "python"

    def aggregate(self, plan: AggregationPlan, events: EventStream) -> Aggregates:
        notes = EventNotes(events.where)
        acc: dict[tuple, Any] = {}
        with localcontext(EXACT):
            tally = _aggregate(plan, events, _Runs(acc, notes, events.exact), notes)
            quantities = _quantities(acc)
        return Aggregates(quantities, tally, notes.diagnostics())


def _aggregate(plan: AggregationPlan, events: EventStream, runs: _Runs,
               notes: EventNotes) -> Tally:
    resolve = plan.resolve.get
    through = plan.through
    tally = Tally()
    used = not_billed = 0
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
    return tally


class _Runs(dict):
    """contract -> event type -> the compiled runs of its products, built on first use."""

    def __init__(self, acc: dict, notes: EventNotes, exact: Callable) -> None:
        super().__init__()
        self.acc, self.notes, self.exact = acc, notes, exact

    def __missing__(self, contract: ContractPlan) -> dict:
        runs = self
        compiled: dict[str, Run] = {}

        def run_of(product: ProductPlan) -> Run:
            if product.id not in compiled:
                compiled[product.id] = compile_run(product, contract, runs.acc, runs.notes,
                                                   runs.exact)
            return compiled[product.id]

        class ByType(dict):
            def __missing__(self, event_type: str) -> tuple[Run, ...]:
                found = tuple(run_of(product) for product, _ in contract.routes[event_type])
                self[event_type] = found
                return found

        self[contract] = by_type = ByType()
        return by_type


def compile_step(product: ProductPlan, contract: ContractPlan, acc: dict,
                 notes: EventNotes) -> Step:
    """One event, one product: True when a billed window took it. (The loop in `compile_run`
    does the same for a list of events; this serves events decoded again exactly.)"""
    code, namespace = _pieces(product, contract, acc, notes, fail="return False",
                              bad="return bad({name!r}, {var}, source, line)")
    pricing = tuple_code(code.pricing)
    body = [*code.lines, *_window_lines(product, code, "return missing({}, source, line)"),
            f"return w.billed or (w.rate is None and missing({pricing}, source, line))"]
    return define("step", "props, when, txid, source, line", body, namespace,
                  f"step {product.id}")


def compile_run(product: ProductPlan, contract: ContractPlan, acc: dict, notes: EventNotes,
                exact: Callable) -> Run:
    """The loop of one product over a group of events (rows) of one contract."""
    code, namespace = _pieces(product, contract, acc, notes, fail="continue",
                              bad="bad({name!r}, {var}, source, line); continue")
    pricing = tuple_code(code.pricing)
    inner = [*code.lines, *_window_lines(product, code, "missing({}, source, line); continue"),
             "if w.billed: add(i)",
             f"elif w.rate is None: missing({pricing}, source, line)"]
    body = [
        "add = billed.add",
        "for i, (txid, ref, event_type, when, props, line, raw) in enumerate(rows):",
        "    try:",
        *(f"        {statement}" for statement in inner),
        "    except InexactNumber:  # a float from the fast decoder: read the record exactly",
        "        props = exact(raw, props)",
        "        rows[i] = (txid, ref, event_type, when, props, line, None)",
        "        if step(props, when, txid, source, line): add(i)",
    ]
    namespace.update(step=compile_step(product, contract, acc, notes), exact=exact,
                     InexactNumber=InexactNumber)
    return define("run", "rows, billed, source", body, namespace, f"run {product.id}")


def _pieces(product: ProductPlan, contract: ContractPlan, acc: dict, notes: EventNotes,
            fail: str, bad: str) -> tuple[MatcherCode, dict[str, Any]]:
    tables = contract.tables[contract.products.index(product)]

    def missing(values: tuple, source: int, line: int) -> bool:
        notes.missing_rate(contract.id, product.id, values, source, line)
        return False

    def bad_value(name: str, value: Any, source: int, line: int) -> bool:
        notes.bad_value(product.id, name, value, source, line)
        return False

    code = matcher_code(product.shape, no_match=fail, bad_value=bad)
    namespace = {**code.constants, "acc": acc, "get": acc.get, "bisect": bisect_right,
                 "missing": missing, "bad": bad_value, "tables": tables,
                 "by_text": _ByText(tables)}
    if not code.pricing:
        namespace["T"] = tables[()]
    return code, namespace


def _window_lines(product: ProductPlan, code: MatcherCode, no_table: str) -> list[str]:
    pricing = code.pricing
    if not pricing:
        find = "t = T"  # the product's one table, looked up once
    elif len(pricing) == 1:
        find = f"t = by_text[{pricing[0]}]"
    else:
        find = f"t = tables[{tuple_code(pricing)}]"
    return [
        find,
        f"if t is None: {no_table.format(tuple_code(pricing))}",
        "w = t.windows[bisect(t.starts, when) - 1]",
        f"k = {tuple_code(('w', *code.presentation))}",
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


def _quantities(acc: dict[tuple, Any]) -> dict[Key, Decimal]:
    """Accumulators -> quantities; keys `(window, *presentation values)` -> `(window, values)`."""
    out: dict[Key, Decimal] = {}
    lasts = {}
    for flat, value in acc.items():
        key = (flat[0], flat[1:])
        kind = key[0].table.product.kind
        if kind == "LATEST":
            lasts[key] = value
        elif kind == "UNIQUE":
            out[key] = Decimal(len(value))
        else:
            out[key] = Decimal(value)
    out.update(latest_increments(lasts))
    return out
