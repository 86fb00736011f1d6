"""SQL billable metrics on the DuckDB engine: each metric's query over each scope's events.

Metronome runs a SQL metric over one customer's events of one statement period (the product's
`sql_breakdown_granularity: SERVICE_PERIOD`, the default) or of each hour of it (`HOUR`), and
applies the usage at the scope's last instant. `SqlMetrics(run, accumulators, notes).run()`
does so over the live events the DuckDB engine placed (`duckdb_engine._Run`), adding each
scope's quantity to the accumulators of the window holding that instant, so pricing is the
shared code. The Python engine cannot run them (W957).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from billing_spec.evaluate.notes import EventNotes
from billing_spec.evaluate.plan import ContractPlan, ProductPlan
from billing_spec.events.tables import sql_identifier

if TYPE_CHECKING:
    from billing_spec.evaluate.duckdb_engine import _Run


def sql_query(product: ProductPlan) -> Any:
    """The product's SQL metric query, parsed (`sql_metrics.parse`); None when it does not
    parse (validate says where)."""
    from billing_spec.sql_metrics import SqlQuery, parse

    found = parse(product.metric["sql"])
    return found if isinstance(found, SqlQuery) else None


class SqlMetrics:
    """SQL billable metrics: each query runs over one contract's events of one statement period
    (a view `events`: event_type, timestamp, properties.<name> as text), as Metronome scopes it;
    its rows give the pricing and presentation group values (columns named like the keys) and
    the quantity (`value`, else the first column), exact (DECIMAL or integer: a floating-point
    value is refused with W957). The quantity applies at the period's last instant (the
    product's `sql_breakdown_granularity`: SERVICE_PERIOD, Metronome's default); with HOUR the
    query runs over each hour of the period, and each hour's quantity applies at the hour's last
    instant (so a rate change within the period prices the hours after it). The events of a
    period (or hour) count as used when its usage is billed.

    A scope is a (contract, statement period) (`sid` in `sqlev`), or one hour of it (`hr`, the
    hour's start). A query runs once for all its scopes: a LATERAL join gives it each scope's
    events as `events` (`sql_metrics.scoped`), which is the same as running it once per scope,
    without a statement per scope (a thousand contracts made thousands). A query that cannot be
    written so, or that fails so, runs once per scope, as the definition says; an error there
    is the one reported. The joined run's rows are then summed per window in SQL (`_summed`:
    hours by the hundred thousand stay out of Python) when their values are exact numbers and
    their group values texts or integers; otherwise Python takes them scope by scope
    (`_apply`), which is the reference: a test holds the two to each other."""

    HOUR = 3_600_000_000  # microseconds

    def __init__(self, run: _Run, accumulators: dict, notes: EventNotes) -> None:
        self.run_, self.con, self.accumulators, self.notes = run, run.con, accumulators, notes
        self.refused: set[str] = set()
        self.billed: set[tuple[int, int | None]] = set()  # scopes a billed window took

    def run(self) -> None:
        work = [
            (ki, contract, product)
            for ki, contract in enumerate(self.run_.contracts)
            for product in contract.products
            if product.kind == "SQL"
        ]
        if not work:
            return
        hourly = any(_hourly(product) for _, _, product in work)
        periods = self._events_table(sorted({ki for ki, _, _ in work}), hourly)
        self.firsts: dict[tuple[int, int | None], int] = {}  # each scope's first event
        self.hours: dict[int, list[tuple[int, int]]] = {}  # each period's hours, in order
        for sid, hr, first in self.con.execute(
            "SELECT sid, hr, min(rid) FROM sqlev WHERE sid IS NOT NULL GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            self.firsts[(sid, hr)] = first
            if hr is not None:
                self.firsts[(sid, None)] = min(first, self.firsts.get((sid, None), first))
                self.hours.setdefault(sid, []).append((sid, hr))
        together: dict[str, Any] = {}  # each product's joined run, made once
        for ki, contract, product in work:
            if product.id not in together:
                together[product.id] = self._together(product, work)
            if product.id in self.refused:
                continue
            sids = [periods[(ki, n)] for n in range(len(contract.periods))]
            found = together[product.id]
            if isinstance(found, _Summed):
                if any(self._scopes(product, sid) for sid in sids):  # it ran here
                    self._add(ki, contract, product, found)
            else:
                self._each_scope(contract, product, zip(contract.periods, sids, strict=True), found)
        if self.billed:
            from billing_spec.evaluate.duckdb_events import fill

            billed = list(self.billed)
            fill(self.con, "sqlbilled", [("sid", "INTEGER"), ("hr", "BIGINT")], billed)
            self.con.execute(  # two joins: an OR in one join's condition is no hash join
                """INSERT INTO usedrids SELECT rid FROM sqlev e SEMI JOIN sqlbilled b
                   ON b.sid = e.sid AND b.hr IS NULL UNION ALL SELECT rid FROM sqlev e
                   SEMI JOIN sqlbilled b ON b.sid = e.sid AND b.hr = e.hr"""
            )

    def _together(self, product: ProductPlan, work: list[tuple]) -> _Summed | tuple | None:
        """The product's query run once for all the scopes of the contracts selling it
        (`_lateral`); None (refused) when it does not parse, once for all contracts."""
        if sql_query(product) is None:
            self._refuse(product, "its query does not parse: see `billing validate`")
            return None
        return self._lateral(product, sorted({k for k, _, p in work if p is product}))

    def _each_scope(
        self, contract: ContractPlan, product: ProductPlan, periods: Any, found: tuple | None
    ) -> None:
        """A contract's scopes of `periods` ((period, sid) pairs) taken by Python one by one:
        their rows from the joined run `found`, or from a run of the query per scope."""
        for period, sid in periods:
            for scope in self._scopes(product, sid):
                if product.id in self.refused:
                    return
                if found is None:  # run once for this scope
                    ran = self._scope(product, scope)
                    if ran is None:
                        continue
                    columns, rows = ran
                else:
                    columns, rows = found[0], found[1].get(scope, [])
                reader = self._reader(product, columns)
                if reader is not None and rows:
                    last = _last_instant(period, scope[1], self.HOUR)
                    self._apply(contract, product, last, scope, self.firsts[scope], reader, rows)

    def _scopes(self, product: ProductPlan, sid: int) -> list[tuple]:
        """The scopes of one period that hold events: the period, or its hours in order."""
        if not _hourly(product):
            return [(sid, None)] if (sid, None) in self.firsts else []
        return self.hours.get(sid, [])

    def _events_table(self, kis: list[int], hourly: bool) -> dict[tuple[int, int], int]:
        """`sqlev`: the live events with their properties' texts, their period (`sid`: the
        statement period of their contract holding them, among the contracts `kis`) and, when
        a product is `hourly`, their hour (`hr`); those SQL could not read exactly get their
        texts from Python (`records.text_of`). Returns each (contract, period index)'s `sid`."""
        from billing_spec.evaluate.duckdb_events import fill, micros
        from billing_spec.events.records import text_of

        run, con = self.run_, self.con
        periods: dict[tuple[int, int], int] = {}
        bounds = []
        for ki in kis:
            for n, period in enumerate(run.contracts[ki].periods):
                periods[(ki, n)] = len(bounds)
                bounds.append((len(bounds), ki, micros(period.start), micros(period.end)))
        columns = [("sid", "INTEGER"), ("ki", "INTEGER"), ("lo", "BIGINT"), ("hi", "BIGINT")]
        fill(con, "scopes", columns, bounds)
        texts = "".join(f", l.t{i}" for i in range(len(run.names)))
        hour = f"l.us - ((l.us % {self.HOUR}) + {self.HOUR}) % {self.HOUR}"  # floor, any sign
        con.execute(
            f"""CREATE TEMP TABLE sqlev AS SELECT l.rid, l.ki, s.sid,
                CASE WHEN s.sid IS NOT NULL AND {hourly} THEN {hour} END AS hr,
                l.etype, l.us{texts} FROM live l
                LEFT JOIN scopes s ON s.ki = l.ki AND l.us >= s.lo AND l.us < s.hi"""
        )
        odd = con.execute("SELECT rid, pid, j FROM live WHERE rowpy").fetchall()
        if not odd or not run.names:
            return periods
        rows = []
        for rid, pid, text in odd:
            props = run.props(pid, text)
            rows.append((rid, *(text_of(props.get(n)) for n in run.names)))
        columns = [("rid", "BIGINT")] + [(f"t{i}", "VARCHAR") for i in range(len(run.names))]
        fill(con, "sqlfix", columns, rows)
        sets = ", ".join(f"t{i} = f.t{i}" for i in range(len(run.names)))
        con.execute(f"UPDATE sqlev SET {sets} FROM sqlfix f WHERE sqlev.rid = f.rid")
        return periods

    def _events(self, scope: str) -> str:
        """The events of the scope(s) `scope` (a condition on `sid`, `hr`) as `events`."""
        names = self.run_.names
        fields = ", ".join(f'"{n}" := t{i}' for i, n in enumerate(names)) or "none := NULL"
        return (
            "SELECT etype AS event_type, make_timestamp(us) AS timestamp, "
            f"struct_pack({fields}) AS properties FROM sqlev WHERE {scope}"
        )

    def _lateral(self, product: ProductPlan, kis: list[int]) -> _Summed | tuple | None:
        """The query run once for every scope of the contracts `kis` (a LATERAL join) into
        `sqlout`: summed per window in SQL (`_summed`) when its values and group values are
        exact numbers and texts, else its columns and each scope's rows; None when it cannot be
        written so or fails so."""
        import duckdb

        from billing_spec.sql_metrics import scoped

        hourly = _hourly(product)
        within = "sid = __scope.sid" + (" AND hr = __scope.hr" if hourly else "")
        query = scoped(product.metric["sql"], self._events(within))
        if query is None:
            return None
        hr = "hr" if hourly else "NULL::BIGINT AS hr"
        contracts = ", ".join(map(str, kis))
        con = self.con
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE sqlout AS SELECT __scope.sid AS __sid,
                    __scope.hr AS __hr, __metric.* FROM (SELECT DISTINCT sid, {hr} FROM sqlev
                    WHERE sid IS NOT NULL AND ki IN ({contracts})) __scope,
                    LATERAL ({query}) __metric"""
            )
            described = con.execute("DESCRIBE sqlout").fetchall()
            columns, types = [d[0] for d in described][2:], [d[1] for d in described][2:]
            summed = self._summed(product, columns, types)
            rows = [] if summed else con.execute("SELECT * FROM sqlout ORDER BY 1, 2").fetchall()
        except duckdb.Error:
            return None
        finally:
            con.execute("DROP TABLE IF EXISTS sqlout")
        if summed:
            return summed
        by_scope: dict[tuple[int, int | None], list] = {}
        for row in rows:
            by_scope.setdefault((row[0], row[1]), []).append(row[2:])
        return columns, by_scope

    def _summed(self, product: ProductPlan, columns: list[str], types: list[str]) -> Any:
        """The rows of `sqlout` summed per window and presentation values, in SQL, when its
        value column is an exact number whose sum stays exact (DECIMAL, an integer) and its
        group columns are texts or integers (their text is Python's `str`); None otherwise.
        What `_apply` does scope by scope, for all scopes at once: each row is keyed by its
        pricing values, placed in the window holding its scope's last instant (`sqlwin`, from
        the window tables, as the streaming metrics' windows), summed; rows of a window without
        a rate, or of pricing values no rate prices, are counted per (scope, values) for W955;
        the scopes whose rows a billed window took count their events as used."""
        layout = _layout(product, columns)
        if isinstance(layout, str):
            return _Summed(layout)
        at, pricing_at, shown_at = layout
        if not _exact_sum(types[at]) or any(
            types[i] not in _TEXTS for i in (*pricing_at, *shown_at)
        ):
            return None
        con, hour = self.con, self.HOUR

        def texts(places: tuple[int, ...]) -> str:
            cast = ", ".join(f"{sql_identifier(columns[i])}::VARCHAR" for i in places)
            return f"[{cast}]::VARCHAR[]"

        value = sql_identifier(columns[at])
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE sqlkeyed AS SELECT o.__sid AS sid, o.__hr AS hr,
                s.ki, to_json({texts(pricing_at)}) AS pk, {texts(shown_at)}
                AS gk, o.{value} AS v, least(s.hi, coalesce(o.__hr + {hour}, s.hi)) - 1 AS last
                FROM sqlout o JOIN scopes s ON s.sid = o.__sid WHERE o.{value} IS NOT NULL"""
        )
        windows = self._sql_windows(product)
        con.execute(
            """CREATE OR REPLACE TEMP TABLE sqlmatched AS SELECT k.*, w.wid, w.billed, w.norate
               FROM sqlkeyed k LEFT JOIN sqlwin w ON w.ki = k.ki AND w.pk = k.pk
               AND k.last >= w.lo AND k.last < w.hi"""
        )
        summed = _Summed(None)
        try:
            for ki, wid, gk, total in con.execute(
                "SELECT ki, wid, gk, sum(v) FROM sqlmatched WHERE wid IS NOT NULL GROUP BY ALL"
            ).fetchall():
                if isinstance(total, float):  # a sum DuckDB did not keep exact
                    return None
                summed.totals.setdefault(ki, []).append((windows[wid], tuple(gk), total))
            for ki, pk, count, first in con.execute(
                """SELECT ki, pk, count(*), min(struct_pack(s := sid, h := coalesce(hr, 0))) AS f
                   FROM (SELECT DISTINCT ki, sid, hr, pk FROM sqlmatched
                         WHERE wid IS NULL OR norate)
                   GROUP BY ki, pk"""
            ).fetchall():
                scope = (first["s"], first["h"] if _hourly(product) else None)
                summed.no_rate.setdefault(ki, []).append((tuple(json.loads(pk)), count, scope))
            within = "b.sid = e.sid" + (" AND b.hr = e.hr" if _hourly(product) else "")
            con.execute(
                f"""INSERT INTO usedrids SELECT rid FROM sqlev e SEMI JOIN (SELECT DISTINCT sid,
                    hr FROM sqlmatched WHERE billed) b ON {within}"""
            )  # the product is refused only for a missing column, before: nothing is billed
            return summed
        finally:
            con.execute("DROP TABLE IF EXISTS sqlkeyed")
            con.execute("DROP TABLE IF EXISTS sqlmatched")

    def _sql_windows(self, product: ProductPlan) -> list[Any]:
        """`sqlwin`: the windows of the window tables the rows' pricing values select (`pk`, a
        JSON list of texts) on each contract, with their bounds (`duckdb_engine.window_bounds`,
        as the streaming metrics' windows), whether billed and whether without a rate; the
        windows, by `wid`."""
        from billing_spec.evaluate.duckdb_engine import window_bounds
        from billing_spec.evaluate.duckdb_events import fill

        windows: list[Any] = []
        rows = []
        for ki, pk in self.con.execute(
            "SELECT DISTINCT ki, pk FROM sqlkeyed ORDER BY ALL"
        ).fetchall():
            contract = self.run_.contracts[ki]
            table = contract.tables[contract.products.index(product)][tuple(json.loads(pk))]
            if table is None:
                continue
            for window, lo, hi in window_bounds(table):
                norate = not window.billed and window.rate is None
                rows.append((ki, pk, len(windows), lo, hi, window.billed, norate))
                windows.append(window)
        columns = [("ki", "INTEGER"), ("pk", "VARCHAR"), ("wid", "INTEGER"), ("lo", "BIGINT"),
                   ("hi", "BIGINT"), ("billed", "BOOLEAN"), ("norate", "BOOLEAN")]  # fmt: skip
        self.con.execute("DROP TABLE IF EXISTS sqlwin")
        fill(self.con, "sqlwin", columns, rows)
        return windows

    def _add(self, ki: int, contract: ContractPlan, product: ProductPlan, summed: _Summed) -> None:
        """A contract's share of a query summed in SQL (`_summed`): refused when a group key
        has no column (as `_reader`, at the contract's first scope), else its totals into the
        accumulators and its W955 counts into the notes."""
        if product.id in self.refused:
            return
        if summed.missing is not None:
            self._refuse(product, f"its query returns no column {summed.missing!r}")
            return
        single = len(product.shape.presentation_key) == 1
        for window, shown, total in summed.totals.get(ki, []):
            group = shown[0] if single else shown
            into = self.accumulators.setdefault(window, {})
            into[group] = into.get(group, 0) + Decimal(total)
        keys = product.shape.pricing_key
        for pricing, count, scope in summed.no_rate.get(ki, []):
            first = self.firsts[scope]
            pairs = tuple(zip(keys, pricing, strict=True))
            self._unrated(contract, product, pairs, first, count)

    def _scope(self, product: ProductPlan, scope: tuple[int, int | None]) -> tuple | None:
        """The query run over one scope's events: its columns and rows; None when it fails
        (refused, with DuckDB's reason)."""
        import duckdb

        sid, hr = scope
        within = f"sid = {sid}" + (f" AND hr = {hr}" if hr is not None else "")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW events AS {self._events(within)}")
        try:
            result = self.con.execute(product.metric["sql"])
            return [d[0] for d in result.description], result.fetchall()
        except duckdb.Error as exc:
            self._refuse(product, f"its query fails: {str(exc).splitlines()[0]}")
            return None

    def _reader(self, product: ProductPlan, columns: list[str]) -> tuple | None:
        """Where a query's rows hold the value and the group values (`_layout`); None,
        refusing the product, when a key has no column."""
        layout = _layout(product, columns)
        if isinstance(layout, str):
            self._refuse(product, f"its query returns no column {layout!r}")
            return None
        return layout

    def _apply(
        self,
        contract: ContractPlan,
        product: ProductPlan,
        last: datetime,
        scope: tuple[int, int | None],
        first: int,
        reader: tuple,
        rows: list[tuple],
    ) -> None:
        """One scope's rows (read by `reader`): their quantities into the window holding the
        scope's `last` instant, per pricing and presentation values."""
        value_at, pricing_at, shown_at = reader
        sums: dict[tuple, Any] = {}
        for row in rows:
            value = row[value_at]
            if value is None:
                continue
            if isinstance(value, float) or not isinstance(value, (int, Decimal)):
                self._refuse(product, "its value is not an exact number (cast it to DECIMAL)")
                return
            pricing = tuple(_text(row[i]) for i in pricing_at)
            shown = tuple(_text(row[i]) for i in shown_at)
            sums[(pricing, shown)] = sums.get((pricing, shown), 0) + Decimal(value)
        tables = contract.tables[contract.products.index(product)]
        unrated: dict[tuple, None] = {}  # pricing values without a rate: noted once a scope
        for (pricing, shown), total in sums.items():
            table = tables[pricing]
            if table is None:
                unrated[pricing] = None
                continue
            window = table.windows[bisect_right(table.starts, last) - 1]
            group = shown[0] if len(shown) == 1 else shown
            into = self.accumulators.setdefault(window, {})
            into[group] = into.get(group, 0) + total
            if window.billed:
                self.billed.add(scope)
            elif window.rate is None:
                unrated[pricing] = None
        for pricing in unrated:
            pairs = tuple(zip(product.shape.pricing_key, pricing, strict=True))
            self._unrated(contract, product, pairs, first, 1)

    def _unrated(
        self, contract: ContractPlan, product: ProductPlan, pairs: tuple, first: int, count: int
    ) -> None:
        """Usage of these pricing group values in `count` scopes no rate prices: W955 (at the
        `first` event of the first scope), and a note on the contract's invoices."""
        src, line = first >> 32, first & 0xFFFFFFFF
        self.notes.missing_rate(contract.id, product.id, pairs, src, line, count, _unit(product))
        self.run_.plan.unrated.setdefault(contract.id, set()).add((product.id, pairs))

    def _refuse(self, product: ProductPlan, why: str) -> None:
        from billing_spec.evaluate.plan import sql_left_out

        if product.id in self.refused:
            return
        self.refused.add(product.id)
        self.run_.plan.left_out[product.id] = product.metric_id
        self.run_.plan.diagnostics.append(sql_left_out(product.id, product.metric_id, why))
        for window in [w for w in self.accumulators if w.table.product is product]:
            del self.accumulators[window]


@dataclass
class _Summed:
    """A query's rows summed in SQL (`SqlMetrics._summed`): `missing`, a group key the query
    returns no column for; else by contract, (window, presentation values, total) and (pricing
    values, W955 count, first scope)."""

    missing: str | None
    totals: dict[int, list[tuple]] = field(default_factory=dict)
    no_rate: dict[int, list[tuple]] = field(default_factory=dict)


_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
             "UINTEGER", "UBIGINT")  # fmt: skip
_TEXTS = (*_INTEGERS, "UHUGEINT", "VARCHAR")  # group values whose text is Python's str()


def _layout(product: ProductPlan, columns: list[str]) -> tuple | str:
    """Where a query's rows hold the value (`value`, else the first column) and the pricing and
    presentation values (the first columns named like the keys), as positions; or the first
    key no column is named like."""
    shape = product.shape
    for key in (*shape.pricing_key, *shape.presentation_key):
        if key not in columns:
            return key
    value_at = columns.index("value") if "value" in columns else 0
    pricing = tuple(columns.index(k) for k in shape.pricing_key)
    shown = tuple(columns.index(k) for k in shape.presentation_key)
    return value_at, pricing, shown


def _exact_sum(kind: str) -> bool:
    """DuckDB sums a column of this type exactly (DECIMAL: DECIMAL(38, s); an integer other
    than UHUGEINT: HUGEINT), or raises."""
    return kind in _INTEGERS or kind.startswith("DECIMAL(")


def _unit(product: ProductPlan) -> str:
    """What the product's SQL metric runs over: W955 counts these."""
    return "hour" if _hourly(product) else "statement period"


def _hourly(product: ProductPlan) -> bool:
    """The product's SQL metric runs hour by hour (`sql_breakdown_granularity: HOUR`)."""
    return product.content.get("sql_breakdown_granularity") == "HOUR"


def _last_instant(period: Any, hour: int | None, length: int) -> datetime:
    """The last instant of a scope: of the period, or of the hour starting at `hour` (in
    microseconds) within it."""
    from billing_spec.evaluate.duckdb_events import from_micros, micros

    end = micros(period.end)
    return from_micros((end if hour is None else min(end, hour + length)) - 1)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


__all__ = ["SqlMetrics", "sql_query"]
