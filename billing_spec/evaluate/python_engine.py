"""The reference aggregation engine, in pure Python: one pass over the events, one accumulator
per (window, presentation group values).

For each event: resolve the customer (ID or alias), find the contract in force at its time
(a bisect on the customer's timeline), then for each usage product on the contract's rate card
whose metric accepts the event type, run the product's compiled matcher; a match names the
pricing group values (which pick a window table), the presentation group values and the value,
and the window holding the event's time receives it:

    COUNT  n += 1                       SUM  n += value (ints stay ints; exact Decimals otherwise)
    MAX    n = max(n, value)            UNIQUE  a set of texts
    LATEST the (timestamp, transaction_id, value) that sorts last

Memory grows with the number of accumulators (groups × windows), never with events. The loop is
the hot path of `billing invoice`, so it is one function with its lookups bound to locals; every
decision it makes is a plain rule stated in `plan`, `matchers` or `engine`.
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal, localcontext
from typing import Any

from billing_spec.evaluate.engine import Aggregates, Key, Tally, latest_increments
from billing_spec.evaluate.matchers import BadValue
from billing_spec.evaluate.notes import EventNotes
from billing_spec.evaluate.plan import AggregationPlan
from billing_spec.events.reader import EventStream
from billing_spec.money import EXACT


class PythonEngine:
    name = "python"

    def aggregate(self, plan: AggregationPlan, events: EventStream) -> Aggregates:
        notes = EventNotes(events.where)
        with localcontext(EXACT):
            accumulators, tally = _aggregate(plan, events, notes)
            quantities = _quantities(accumulators)
        return Aggregates(quantities, tally, notes.diagnostics())


def _aggregate(plan: AggregationPlan, events: EventStream, notes: EventNotes):
    acc: dict[Key, Any] = {}
    get = acc.get
    resolve = plan.resolve.get
    through = plan.through
    tally = Tally()
    used = not_billed = 0
    for txid, ref, event_type, when, props, source, line in events:
        customer = resolve(ref)
        if customer is None:
            tally.unknown_customer += 1
            notes.unknown_customer(ref, source, line)
            continue
        if not customer.in_scope:
            not_billed += 1  # another customer than `--customer`
            continue
        slot = bisect_right(customer.bounds, when) - 1
        contract = customer.owners[slot] if slot >= 0 else None
        if contract is None:
            tally.outside_contracts += 1
            notes.outside_contracts(customer.id, source, line)
            continue
        if customer.overlaps[slot]:
            notes.overlap(customer.id, customer.overlaps[slot], source, line)
        if through is not None and when >= through:
            not_billed += 1
            continue
        if when >= contract.horizon:
            contract.extend_to(when)
        billed = False
        for product in contract.products_for(event_type):
            found = product.match(props)
            if found is None:
                continue
            if type(found) is BadValue:
                notes.bad_value(product.id, found.name, found.value, source, line)
                continue
            pricing, presentation, value = found
            table = contract.tables.get((product.id, pricing), False)
            if table is False:
                table = contract.table(product, pricing)
            if table is None:
                notes.missing_rate(contract.id, product.id, pricing, source, line)
                continue
            window = table.windows[bisect_right(table.starts, when) - 1]
            if window.billed:
                billed = True
            elif window.rate is None:
                notes.missing_rate(contract.id, product.id, pricing, source, line)
            key = (window, presentation)
            kind = product.shape.aggregation_type
            if kind == "SUM":
                acc[key] = get(key, 0) + value
            elif kind == "COUNT":
                acc[key] = get(key, 0) + 1
            elif kind == "MAX":
                current = get(key)
                if current is None or value > current:
                    acc[key] = value
            elif kind == "UNIQUE":
                seen = get(key)
                if seen is None:
                    acc[key] = seen = set()
                seen.add(value)
            else:  # LATEST
                current = get(key)
                if current is None or (when, txid) > (current[0], current[1]):
                    acc[key] = (when, txid, value)
        if billed:
            used += 1
        else:
            not_billed += 1
    tally.used, tally.not_billed = used, tally.not_billed + not_billed
    return acc, tally


def _quantities(acc: dict[Key, Any]) -> dict[Key, Decimal]:
    out: dict[Key, Decimal] = {}
    lasts = {}
    for key, value in acc.items():
        kind = key[0].table.product.shape.aggregation_type
        if kind == "LATEST":
            lasts[key] = value
        elif kind == "UNIQUE":
            out[key] = Decimal(len(value))
        else:
            out[key] = Decimal(value)
    out.update(latest_increments(lasts))
    return out
