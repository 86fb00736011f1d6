"""The DuckDB aggregation engine: the Python engine's answer, computed in SQL over the files.

`DuckDBEngine().aggregate(plan, stream)` gives the same `Aggregates` (quantities, tally,
diagnostics) as `python_engine.PythonEngine`, and leaves the same counts and reader diagnostics
on the stream. The stages:

1. reading (`duckdb_events`): the files -> `ev`, the valid, first-copy events.
2. placement: customer resolution (IDs and ingest aliases: table `cust`) and each customer's
   contract timeline (`timeline`, from `CustomerPlan.bounds`/`owners`) place each event; W952,
   W953 and W954 are counted per key with their first place, `--through` cuts, and each
   contract's statement periods are extended to its latest event (`ContractPlan.extend_to`).
3. matching: for each usage product, the metric's filters and group keys as SQL over the
   event's property values (`properties` read once per event into typed columns); the pricing
   group values select the window table, whose windows are materialised as a table for the
   events' time range (`WindowTable`), and a range join gives each event its window.
4. aggregation: COUNT, SUM (HUGEINT), MAX, UNIQUE (distinct texts) and LATEST (the value of the
   largest (timestamp, transaction_id)) per (window, presentation values), then the Python
   engine's accumulator shape, so `latest_increments` and pricing are shared code.
5. SQL billable metrics: each query over each contract's statement periods (or hours), into
   the same accumulators (`duckdb_sql_metrics`).

Exact by construction: SQL reads only what it reads exactly — strings, booleans and integers
of at most 30 digits (HUGEINT). An event with any other value in a property the plan reads (a
float literal, a numeric string summed, a missing aggregated value, ...) is aggregated by the
Python engine's own compiled code (`python_engine.bind_product`) into the same accumulators, in
the order the Python engine would meet it, so its warnings (W955, W956) come out the same.
Inputs the engine cannot read exactly at all (records from Python, `--as-of-period`, standard
input only, a file DuckDB refuses) run the Python engine for the whole run instead.

DuckDB holds at most `MEMORY` and spills the rest to the run's temporary directory (so 10M
events stay under 3 GB of memory; `make bench`). duckdb is imported here only (and in
`duckdb_events` through this module), when the engine runs.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import localcontext
from pathlib import Path
from typing import Any

from billing_spec.evaluate.engine import Aggregates, Tally
from billing_spec.evaluate.notes import EventNotes
from billing_spec.evaluate.plan import AggregationPlan, ContractPlan, ProductPlan, Window
from billing_spec.evaluate.python_engine import PythonEngine, _quantities, bind_product
from billing_spec.events.reader import EventStream
from billing_spec.events.records import exact_loads
from billing_spec.money import SUMS

MEMORY = "2GB"  # DuckDB's memory limit; beyond it, it spills to the run's temporary directory
BATCH = 256  # the Python reader's batch size (`jsonl.BATCH`): it orders the Python engine's work
_DIGITS = r'^"[0-9]{1,30}"$'  # a string of digits: `number_of` reads it as an int
_BEGINNING = datetime.min.replace(tzinfo=UTC)
last_fell_back = False
"""After a run: True when the Python engine computed it instead (for tests)."""


class FallBack(Exception):
    """This run cannot be computed exactly in SQL: the Python engine computes it."""


class DuckDBEngine:
    name = "duckdb"

    def aggregate(self, plan: AggregationPlan, events: EventStream) -> Aggregates:
        global last_fell_back
        last_fell_back = False
        fresh = _fresh_copy(events)
        try:
            with tempfile.TemporaryDirectory(prefix="billing-spec-duckdb-") as tmp:
                return _Run(plan, events, Path(tmp)).aggregate()
        except FallBack:
            pass
        except Exception as exc:
            if not _input_error(exc):
                raise
        last_fell_back = True
        if fresh is None:
            raise RuntimeError("an EventStream can be iterated only once")
        _reset_plan(plan)
        _sql_left_out(plan)
        aggregates = PythonEngine().aggregate(plan, fresh)
        events.__dict__.update(fresh.__dict__)
        return aggregates


def _input_error(exc: Exception) -> bool:
    """A DuckDB error about the input (a file it cannot read or split, text that is not UTF-8,
    a number too large): the Python reader reads it and says what is wrong."""
    import duckdb

    kinds = (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException)
    return isinstance(exc, (*kinds, duckdb.OutOfRangeException, OSError))


def _fresh_copy(events: EventStream) -> EventStream | None:
    """A copy of the stream as it is before reading, for falling back to the Python engine."""
    if events._consumed:
        return None
    fresh = EventStream.__new__(EventStream)
    fresh.__dict__.update(events.__dict__)
    from billing_spec.events.capped import CappedDiagnostics
    from billing_spec.events.dedupe import Seen

    fresh._diagnostics = CappedDiagnostics()
    fresh._diagnostics.extend(list(events._diagnostics.kept))
    fresh._seen = Seen(fresh.where, fresh._diagnostics.add)
    return fresh


def _sql_left_out(plan: AggregationPlan) -> None:
    """The Python engine computes this run: SQL metrics are left out, and said so (W957)."""
    from billing_spec.evaluate.plan import sql_left_out

    for customer in plan.customers.values():
        for contract in customer.contracts:
            for product in contract.products:
                if product.kind == "SQL" and product.id not in plan.left_out:
                    plan.left_out[product.id] = product.metric_id
                    why = "the input is one the DuckDB engine does not read; the Python engine ran"
                    plan.diagnostics.append(sql_left_out(product.id, product.metric_id, why))


def _reset_plan(plan: AggregationPlan) -> None:
    """Nothing to undo: extending a contract's periods is idempotent and monotone, and tables
    built on first use hold no events."""


class _Run:
    def __init__(self, plan: AggregationPlan, events: EventStream, tmp: Path) -> None:
        self.plan, self.events, self.tmp = plan, events, tmp
        if events._records is not None or events.period is not None or events._consumed:
            raise FallBack
        from billing_spec.evaluate.duckdb_events import scan

        self.scans = {}  # source -> the file DuckDB reads (a gzip file's inflated copy in `tmp`)
        for i, source in enumerate(events.sources):
            found = scan(source.path, tmp / f"{i}.jsonl", later=True)
            if found is not None:
                self.scans[i] = found
        self.by_sql = list(self.scans)
        if not self.by_sql:
            raise FallBack  # nothing for DuckDB to read: the Python engine is as fast
        self.names = _property_names(plan)
        if any('"' in n or "\\" in n for n in self.names):
            raise FallBack

    def aggregate(self) -> Aggregates:
        import duckdb

        from billing_spec.evaluate.duckdb_events import load_events
        from billing_spec.evaluate.progress import progress

        con = duckdb.connect(":memory:")
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")  # line numbers rest on it
        spill = str(self.tmp).replace("'", "''")
        con.execute(f"SET temp_directory = '{spill}'")  # where DuckDB spills, if it must
        con.execute(f"SET memory_limit = '{MEMORY}'")
        sizes = [self.events.sources[i].path.stat().st_size for i in self.by_sql]
        try:
            self.con = con
            with progress(sum(sizes)) as advance:
                self.loaded = load_events(
                    con, self.events, self.scans, self.names, lambda i: advance(sizes[i])
                )
            notes = EventNotes(self.events.where, self.plan.resolve, self.plan.renamed)
            with localcontext(SUMS):
                tally = self._place(notes)
                accumulators = self._aggregate(notes, tally)
                quantities = _quantities(accumulators)
            return Aggregates(quantities, tally, notes.diagnostics())
        finally:
            con.close()

    # --- placement ------------------------------------------------------------------------

    def _place(self, notes: EventNotes) -> Tally:
        from billing_spec.evaluate.duckdb_events import drop_events, fill, from_micros, micros

        plan, con = self.plan, self.con
        customers = list({id(c): c for c in plan.resolve.values()}.values())
        index = {id(c): i for i, c in enumerate(customers)}
        self.customers = customers
        contracts: list[ContractPlan] = []
        numbers: dict[int, int] = {}
        timeline = []
        for ci, customer in enumerate(customers):
            bounds = [micros(b) if b != _BEGINNING else -(2**62) for b in customer.bounds]
            for slot in range(1, len(bounds) + 1):
                owner = customer.owners[slot]
                ki = None
                if owner is not None:
                    ki = numbers.get(id(owner))
                    if ki is None:
                        ki = numbers[id(owner)] = len(contracts)
                        contracts.append(owner)
                hi = bounds[slot] if slot < len(bounds) else 2**62
                timeline.append((ci, bounds[slot - 1], hi, slot, ki, bool(customer.overlaps[slot])))
        self.contracts = contracts
        fill(
            con,
            "cust",
            [("ref", "VARCHAR"), ("ci", "INTEGER"), ("scope", "BOOLEAN")],
            [(ref, index[id(c)], c.in_scope) for ref, c in plan.resolve.items()],
        )
        columns = [("ci", "INTEGER"), ("lo", "BIGINT"), ("hi", "BIGINT"), ("slot", "INTEGER"),
                   ("ki", "INTEGER"), ("ov", "BOOLEAN")]  # fmt: skip
        fill(con, "timeline", columns, timeline)
        through = micros(plan.through) if plan.through is not None else 2**62
        con.execute(
            f"""CREATE TEMP TABLE placed AS SELECT rid, src, line, txid, cref, etype, us, j,
                pid, ci, scope, ki, slot, ov, textual{_value_columns(self.names)}, fate FROM (
                SELECT e.rid, e.src, e.line, e.txid, e.cref, e.etype, e.us, e.j, e.pid, c.ci,
                c.scope, t.ki, t.slot, t.ov,
                (e.pid IS NOT NULL OR e.j IS NOT NULL) AS textual{_value_kinds(self.names)},
                CASE WHEN c.ci IS NULL THEN 'unknown' WHEN t.ki IS NULL AND c.scope
                     THEN 'outside' WHEN t.ki IS NULL THEN 'other'
                     WHEN e.us >= {through} THEN 'later' ELSE 'live' END AS fate
                FROM ev e LEFT JOIN cust c ON c.ref = e.cref
                LEFT JOIN timeline t ON t.ci = c.ci AND e.us >= t.lo AND e.us < t.hi)"""
        )
        drop_events(con)
        tally = Tally()
        for ref, count, src, line in con.execute(
            """SELECT cref, count(*), arg_min(src, rid), arg_min(line, rid) FROM placed
               WHERE fate = 'unknown' GROUP BY cref ORDER BY min(rid)"""
        ).fetchall():
            notes.unknown[ref] = [count, src, line]
            tally.unknown_customer += count
        for ci, count, src, line in con.execute(
            """SELECT ci, count(*), arg_min(src, rid), arg_min(line, rid) FROM placed
               WHERE fate = 'outside' GROUP BY ci ORDER BY min(rid)"""
        ).fetchall():
            notes.outside[customers[ci].id] = [count, src, line]
            tally.outside_contracts += count
        for ci, slot, src, line in con.execute(
            """SELECT ci, arg_min(slot, rid), arg_min(src, rid), arg_min(line, rid) FROM placed
               WHERE ov GROUP BY ci ORDER BY min(rid)"""
        ).fetchall():
            customer = customers[ci]
            notes.overlap(customer.id, customer.overlaps[slot], src, line)
        not_billed = con.execute(
            "SELECT count(*) FROM placed WHERE fate IN ('other', 'later')"
        ).fetchone()[0]
        latest = None
        for ki, last in con.execute(
            "SELECT ki, max(us) FROM placed WHERE fate = 'live' GROUP BY ki ORDER BY ki"
        ).fetchall():
            when = from_micros(last)
            contract = contracts[ki]
            if when >= contract.horizon:
                contract.extend_to(when)
            latest = when if latest is None or when > latest else latest
        tally.latest = latest
        tally.not_billed = not_billed
        return tally

    # --- matching and aggregation ---------------------------------------------------------

    def _aggregate(self, notes: EventNotes, tally: Tally) -> dict[Window, dict[Any, Any]]:
        from billing_spec.evaluate.duckdb_events import fill

        con = self.con
        con.execute("CREATE TEMP TABLE pyrids (rid BIGINT)")
        con.execute(
            """CREATE TEMP VIEW live AS SELECT *, (textual OR rid IN (SELECT rid FROM pyrids))
               AS rowpy FROM placed WHERE fate = 'live'"""
        )
        con.execute("CREATE TEMP VIEW adm AS SELECT rid, src, line FROM placed")
        self.ordered = False
        products, routes = self._routes()
        columns = [
            ("ki", "INTEGER"),
            ("etype", "VARCHAR"),
            ("pslot", "INTEGER"),
            ("ridx", "INTEGER"),
        ]
        fill(con, "route", columns, routes)
        self._match(products)
        no_rate: dict[tuple, list] = {}
        windows = self._windows(products, no_rate)
        accumulators: dict[Window, dict[Any, Any]] = {}
        self._sql_accumulate(products, windows, accumulators)
        billed = self._python_rows(products, accumulators, notes, no_rate)
        fill(con, "pyused", [("rid", "BIGINT")], [(rid,) for rid in billed])
        con.execute("INSERT INTO usedrids SELECT rid FROM pyused")
        from billing_spec.evaluate.duckdb_sql_metrics import SqlMetrics

        SqlMetrics(self, accumulators, notes).run()
        for key, (count, _, src, line) in sorted(no_rate.items(), key=lambda kv: kv[1][1]):
            notes.no_rate[key] = [count, src, line]
        live = con.execute("SELECT count(*) FROM live").fetchone()[0]
        used = con.execute("SELECT count(DISTINCT rid) FROM usedrids").fetchone()[0]
        tally.used = used
        tally.not_billed += live - used
        return accumulators

    def _order(self) -> None:
        """`ord`: each live event's place in the Python engine's order of work — its reader
        batch (`BATCH` admitted events of its source) and the first line of its (contract,
        event type) group in that batch; built only when a warning's first place or an event
        left to Python needs it."""
        if self.ordered:
            return
        self.ordered = True
        self.con.execute(
            f"""CREATE TEMP TABLE ord AS SELECT o.rid, o.batch,
                min(o.line) OVER (PARTITION BY o.src, o.batch, l.ki, l.etype) AS gmin
                FROM (SELECT rid, src, line,
                      (row_number() OVER (PARTITION BY src ORDER BY line) - 1) // {BATCH} AS batch
                      FROM adm) o JOIN live l USING (rid)"""
        )

    def _routes(self) -> tuple[list[ProductPlan], list[tuple]]:
        products: list[ProductPlan] = []
        slots: dict[int, int] = {}
        routes = []
        pairs = self.con.execute("SELECT DISTINCT ki, etype FROM live ORDER BY ki, etype")
        for ki, etype in pairs.fetchall():
            for ridx, (product, _) in enumerate(self.contracts[ki].routes[etype]):
                if id(product) not in slots:
                    slots[id(product)] = len(products)
                    products.append(product)
                routes.append((ki, etype, slots[id(product)], ridx))
        return products, routes

    def _match(self, products: list[ProductPlan]) -> None:
        """`pairs`: (event, product) for each product whose metric takes the event, with its
        pricing and presentation values and its value; `py` when SQL cannot read the value."""
        con = self.con
        con.execute(
            """CREATE TEMP TABLE pairs (rid BIGINT, ki INTEGER, pslot INTEGER, ridx INTEGER,
               pk VARCHAR, gk VARCHAR[], val HUGEINT, txt VARCHAR, py BOOLEAN, us BIGINT,
               txid VARCHAR)"""
        )
        for pslot, product in enumerate(products):
            shape = product.shape
            col = {n: i for i, n in enumerate(self.names)}
            conditions = [_filter_sql(spec, col) for spec in shape.property_filters]
            where = " AND ".join(c for c in conditions if c) or "true"
            pk = "to_json([" + ", ".join(f"t{col[k]}" for k in shape.pricing_key) + "]::VARCHAR[])"
            gk = "[" + ", ".join(f"t{col[k]}" for k in shape.presentation_key) + "]::VARCHAR[]"
            kind, key = shape.aggregation_type, shape.aggregation_key
            if kind == "COUNT" or key is None:
                val, txt, bad = "1", "NULL", "false"
            elif kind == "UNIQUE":
                val, txt, bad = "NULL", f"t{col[key]}", f"t{col[key]} IS NULL"
            else:
                val, txt, bad = f"n{col[key]}", "NULL", f"n{col[key]} IS NULL"
            con.execute(
                f"""INSERT INTO pairs SELECT l.rid, l.ki, {pslot}, r.ridx, {pk}, {gk}, {val},
                    {txt}, {bad}, l.us, l.txid FROM placed l JOIN route r ON r.ki = l.ki
                    AND r.etype = l.etype AND r.pslot = {pslot}
                    WHERE l.fate = 'live' AND NOT l.textual AND {where}"""
            )
        if con.execute("SELECT count(*) FROM pairs WHERE py").fetchone()[0]:
            con.execute("INSERT INTO pyrids SELECT DISTINCT rid FROM pairs WHERE py")
            con.execute("DELETE FROM pairs WHERE rid IN (SELECT rid FROM pyrids)")
            self._texts_of_pyrids()

    def _texts_of_pyrids(self) -> None:
        """The lines of the events left to Python that SQL read without keeping their text."""
        from billing_spec.evaluate.duckdb_events import texts

        con = self.con
        lacking = """FROM placed p SEMI JOIN pyrids y ON y.rid = p.rid
                     WHERE p.pid IS NULL AND p.j IS NULL"""
        for (src,) in con.execute(f"SELECT DISTINCT p.src {lacking} ORDER BY 1").fetchall():
            con.execute(f"CREATE TEMP TABLE want AS SELECT p.line {lacking} AND p.src = {src}")
            texts(con, src, str(self.scans[src].path), "placed", "j = t.j")

    def _windows(self, products: list[ProductPlan], no_rate: dict) -> list[Window]:
        """The window tables the events' pricing values select, as the table `win`; W955 for
        events whose pricing values no rate prices."""
        from billing_spec.evaluate.duckdb_events import fill

        con = self.con
        windows: list[Window] = []
        rows = []
        keys = con.execute("SELECT DISTINCT ki, pslot, pk FROM pairs").fetchall()
        unpriced = []
        for ki, pslot, pk in keys:
            contract, product = self.contracts[ki], products[pslot]
            values = tuple(json.loads(pk))
            table = contract.tables[contract.products.index(product)][values]
            if table is None:
                unpriced.append((ki, pslot, pk))
                continue
            for window, lo, hi in window_bounds(table):
                rows.append((ki, pslot, pk, len(windows), lo, hi, window.billed))
                windows.append(window)
        columns = [("ki", "INTEGER"), ("pslot", "INTEGER"), ("pk", "VARCHAR"), ("wid", "INTEGER"),
                   ("lo", "BIGINT"), ("hi", "BIGINT"), ("billed", "BOOLEAN")]  # fmt: skip
        fill(con, "win", columns, rows)
        con.execute(
            """CREATE TEMP TABLE placedpairs AS SELECT p.rid, p.pslot, p.ridx, p.gk,
               p.val, p.txt, p.us, p.txid, w.wid, w.billed FROM pairs p
               JOIN win w ON w.ki = p.ki AND w.pslot = p.pslot AND w.pk = p.pk
               AND p.us >= w.lo AND p.us < w.hi"""
        )
        if unpriced:
            self._order()
            fill(con, "unpriced", [("ki", "INTEGER"), ("pslot", "INTEGER"), ("pk", "VARCHAR")],
                 unpriced)  # fmt: skip
            for ki, pslot, pk, count, first in con.execute(
                """SELECT p.ki, p.pslot, p.pk, count(*), min(struct_pack(a := l.src,
                       b := o.batch, c := o.gmin, d := p.ridx, e := l.line))
                   FROM pairs p SEMI JOIN unpriced u ON u.ki = p.ki AND u.pslot = p.pslot
                   AND u.pk = p.pk JOIN live l USING (rid) JOIN ord o USING (rid)
                   GROUP BY p.ki, p.pslot, p.pk"""
            ).fetchall():
                contract, product = self.contracts[ki], products[pslot]
                values = tuple(json.loads(pk))
                _note_no_rate(no_rate, contract, product, values, count, first)
        gaps = [w for w, window in enumerate(windows) if window.rate is None]
        if gaps:
            self._order()
            for wid, count, first in con.execute(
                f"""SELECT p.wid, count(*), min(struct_pack(a := l.src, b := o.batch,
                       c := o.gmin, d := p.ridx, e := l.line))
                    FROM placedpairs p JOIN live l USING (rid) JOIN ord o USING (rid)
                    WHERE p.wid IN ({", ".join(map(str, gaps))}) GROUP BY p.wid"""
            ).fetchall():
                table = windows[wid].table
                contract, product = table.contract, table.product
                _note_no_rate(no_rate, contract, product, table.pricing_values, count, first)
        con.execute("DROP TABLE pairs")  # placedpairs has all it holds
        return windows

    def _sql_accumulate(
        self,
        products: list[ProductPlan],
        windows: list[Window],
        accumulators: dict[Window, dict[Any, Any]],
    ) -> None:
        from billing_spec.evaluate.duckdb_events import from_micros

        con = self.con
        for kind, agg in (
            ("COUNT", "count(*)"),
            ("SUM", "sum(val)"),
            ("MAX", "max(val)"),
            ("UNIQUE", "list(DISTINCT txt)"),
            ("LATEST", "max(struct_pack(u := us, t := txid, v := val))"),
        ):
            slots = [i for i, p in enumerate(products) if p.kind == kind]
            if not slots:
                continue
            found = con.execute(
                f"""SELECT wid, gk, {agg} FROM placedpairs
                    WHERE pslot IN ({", ".join(map(str, slots))}) GROUP BY wid, gk"""
            ).fetchall()
            for wid, gk, value in found:
                window = windows[wid]
                single = len(window.table.product.shape.presentation_key) == 1
                group = gk[0] if single else tuple(gk)
                if kind == "UNIQUE":
                    value = set(value)
                elif kind == "LATEST":
                    value = (from_micros(value["u"]), value["t"], int(value["v"]))
                else:
                    value = int(value)
                accumulators.setdefault(window, {})[group] = value
        con.execute("CREATE TEMP TABLE usedrids AS SELECT rid FROM placedpairs WHERE billed")

    def _python_rows(
        self,
        products: list[ProductPlan],
        accumulators: dict[Window, dict[Any, Any]],
        notes: EventNotes,
        no_rate: dict,
    ) -> int:
        """The events SQL cannot read exactly, through the Python engine's compiled code, in
        the order the Python engine meets them."""
        from billing_spec.evaluate.duckdb_events import from_micros

        if not self.con.execute("SELECT count(*) FROM live WHERE rowpy").fetchone()[0]:
            return set()
        self._order()
        rows = self.con.execute(
            """SELECT l.rid, l.src, l.line, l.txid, l.us, l.ki, l.pid, l.j, r.pslot, o.batch,
               o.gmin, r.ridx FROM live l JOIN route r ON r.ki = l.ki AND r.etype = l.etype
               JOIN ord o USING (rid)
               WHERE l.rowpy ORDER BY l.src, o.batch, o.gmin, r.ridx, l.line"""
        ).fetchall()
        factories: dict[int, Any] = {}
        steps: dict[tuple[int, int], Any] = {}
        props_of: dict[int, dict[str, Any]] = {}
        billed: set[int] = set()
        for rid, src, line, txid, us, ki, pid, text, pslot, batch, gmin, ridx in rows:
            step = steps.get((ki, pslot))
            if step is None:
                step = steps[(ki, pslot)] = self._step(
                    factories, products[pslot], ki, accumulators, notes, no_rate
                )
            props = props_of.get(rid)
            if props is None:
                props = props_of[rid] = self.props(pid, text)
            self.order = (src, batch, gmin, ridx, line)
            if step(props, from_micros(us), txid, src, line):
                billed.add(rid)
        return billed

    def props(self, pid: int | None, text: str) -> dict[str, Any]:
        """An event's exact properties: read by Python (`pid`) or from its line."""
        if pid is not None:
            return self.loaded.props[pid]
        return exact_loads(text).get("properties", {})

    def _step(
        self,
        factories: dict[int, Any],
        product: ProductPlan,
        ki: int,
        accumulators: dict,
        notes: EventNotes,
        no_rate: dict,
    ) -> Any:
        contract = self.contracts[ki]
        keys = product.shape.pricing_key

        def missing(values: tuple, source: int, line: int) -> bool:
            order = self.order  # the event's place in the Python engine's order of work
            key = (contract.id, product.id, tuple(zip(keys, values, strict=True)))
            _count_no_rate(no_rate, key, 1, order, source, line)
            return False

        tables = contract.tables_of(product)
        _, step = bind_product(
            factories, product, tables, missing, notes, accumulators, EventStream.exact
        )
        return step


def window_bounds(table: Any) -> Iterator[tuple[Window, int, int]]:
    """A window table's windows, each with the microseconds it holds, [lo, hi): the first from
    the beginning of time, the last to its end (`bisect_right` on `table.starts`, in SQL)."""
    from billing_spec.evaluate.duckdb_events import micros

    starts = table.starts
    for w, window in enumerate(table.windows):
        lo = micros(window.start) if w else -(2**62)
        hi = micros(starts[w + 1]) if w + 1 < len(starts) else 2**62
        yield window, lo, hi


def _value_kinds(names: list[str]) -> str:
    """Each property the plan reads, `v<i>` (its JSON text, from `pv`) and `k<i>`, what it is:
    0 absent or null, 1 a string, 2 a string of at most 30 digits (`records.number_of` reads
    it as an integer), 3 a boolean, 4 an integer of at most 30 digits, 5 anything else (SQL
    does not read it: a float, an object...). Each regular expression runs only where the first
    characters allow a match."""
    from billing_spec.evaluate.duckdb_events import INT

    columns = []
    for i in range(len(names)):
        v = f"v{i}"
        kind = (
            f"CASE WHEN {v} IS NULL OR {v} = 'null' THEN 0 WHEN left({v}, 1) = '\"' THEN "
            f"CASE WHEN substr({v}, 2, 1) BETWEEN '0' AND '9' "
            f"AND regexp_matches({v}, '{_DIGITS}') THEN 2 ELSE 1 END "
            f"WHEN {v} IN ('true', 'false') THEN 3 "
            f"WHEN (left({v}, 1) BETWEEN '0' AND '9' OR left({v}, 1) = '-') "
            f"AND regexp_matches({v}, '{INT}') THEN 4 ELSE 5 END"
        )
        columns.append(f", e.pv[{i + 1}] AS {v}, {kind} AS k{i}")
    return "".join(columns)


def _value_columns(names: list[str]) -> str:
    """Each property the plan reads as columns, from `_value_kinds`: `t<i>` its text as the
    Python engine's matchers compare it (`records.text_of`; NULL when absent or when SQL
    cannot read it exactly), `n<i>` its integer value when it is one SQL reads exactly
    (`records.number_of`)."""
    columns = []
    for i in range(len(names)):
        v, k = f"v{i}", f"k{i}"
        inner = f"substr({v}, 2, length({v}) - 2)"  # a string's text, when it has no escape
        unquoted = (
            f"CASE WHEN contains({v}, '\\') THEN json_extract_string({v}, '$') ELSE {inner} END"
        )
        text = f"CASE WHEN {k} IN (1, 2) THEN {unquoted} WHEN {k} IN (3, 4) THEN {v} END"
        number = (
            f"CASE {k} WHEN 2 THEN CAST({inner} AS HUGEINT) WHEN 4 THEN CAST({v} AS HUGEINT) END"
        )
        columns.append(f", {text} AS t{i}, {number} AS n{i}")
    return "".join(columns)


def _note_no_rate(
    no_rate: dict, contract: ContractPlan, product: ProductPlan, values: tuple, count, first
) -> None:
    keys = product.shape.pricing_key
    key = (contract.id, product.id, tuple(zip(keys, values, strict=True)))
    order = (first["a"], first["b"], first["c"], first["d"], first["e"])
    _count_no_rate(no_rate, key, count, order, first["a"], first["e"])


def _count_no_rate(no_rate: dict, key: tuple, count: int, order: tuple, src: int, line: int):
    entry = no_rate.get(key)
    if entry is None:
        no_rate[key] = [count, order, src, line]
        return
    entry[0] += count
    if order < entry[1]:
        entry[1:] = [order, src, line]


def _filter_sql(spec: dict[str, Any], col: dict[str, int]) -> str:
    t = f"t{col[spec['name']]}"
    parts = []
    if spec.get("exists") is True:
        parts.append(f"{t} IS NOT NULL")
    elif spec.get("exists") is False:
        parts.append(f"{t} IS NULL")
    if spec.get("in_values") is not None:
        allowed = spec["in_values"]
        parts.append(f"({t} IS NOT NULL AND {t} IN ({_literals(allowed)}))" if allowed else "false")
    if spec.get("not_in_values") is not None:
        denied = spec["not_in_values"]
        if denied:
            parts.append(f"({t} IS NULL OR {t} NOT IN ({_literals(denied)}))")
    return " AND ".join(parts)


def _literals(values: list[Any]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _property_names(plan: AggregationPlan) -> list[str]:
    """Every property a metric in the plan reads, in a fixed order."""
    from billing_spec.evaluate.duckdb_sql_metrics import sql_query

    names: dict[str, None] = {}
    seen: set[int] = set()
    for customer in plan.customers.values():
        for contract in customer.contracts:
            for product in contract.products:
                if id(product) in seen:
                    continue
                seen.add(id(product))
                shape = product.shape
                if product.kind == "SQL":
                    query = sql_query(product)
                    names.update(dict.fromkeys(query.properties if query else ()))
                    continue
                for spec in shape.property_filters:
                    names[spec["name"]] = None
                if shape.aggregation_key:
                    names[shape.aggregation_key] = None
                for key in (*shape.pricing_key, *shape.presentation_key):
                    names[key] = None
    return list(names)


__all__ = ["DuckDBEngine", "FallBack"]
