"""SQL billable metrics (Metronome's `sql:` on a metric): parsing and what a query reads.

A SQL metric is one query over a table `events` with the columns `event_type`, `timestamp` and
`properties.<name>` (every property a string, as Metronome gives them: cast them, e.g.
`CAST(properties.tokens AS DECIMAL(20, 4))`). It returns a column `value` (else its first
column is the value) and may return columns named like the product's pricing and presentation
group keys. `parse(sql)` checks it with sqlglot (DuckDB's dialect) and says which properties it
reads; `validate` reports a query that does not parse at its line and column in the YAML
(`checks.metrics`). The DuckDB engine runs the queries (`evaluate.duckdb_sql_metrics`), once
for all scopes with `scoped(sql, source)`; the Python engine cannot (W957).

sqlglot is imported only when a catalog has a SQL metric.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SqlError:
    """Why a query does not parse, at a 1-based line and column of the query's text."""

    message: str
    line: int
    column: int


@dataclass(frozen=True)
class SqlQuery:
    properties: tuple[str, ...]
    """The properties it reads (`properties.<name>`), in order of first mention."""
    columns: tuple[str, ...]
    """The names of the columns it returns."""


def parse(sql: str) -> SqlQuery | SqlError:
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        column = max(1, int(first.get("col") or 1) - len(first.get("highlight") or "") + 1)
        return SqlError(str(first.get("description") or exc), int(first.get("line") or 1), column)
    except sqlglot.errors.SqlglotError as exc:
        return SqlError(str(exc), 1, 1)
    if not isinstance(tree, exp.Query):
        return SqlError("a SQL metric is one SELECT query over the table `events`", 1, 1)
    tables = sorted({t.name for t in tree.find_all(exp.Table) if t.name.lower() != "events"})
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    unknown = [t for t in tables if t not in ctes]
    if unknown:
        return SqlError(f"the query reads table {unknown[0]!r}; a SQL metric reads `events`", 1, 1)
    names: dict[str, None] = {}
    for column in tree.find_all(exp.Column):
        if column.table == "properties":
            names[column.name] = None
    return SqlQuery(tuple(names), tuple(tree.named_selects))


def scoped(sql: str, source: str) -> str | None:
    """The query with each reading of the table `events` replaced by the subquery `source`
    (kept under the name `events`, or the alias the query gives it), the rest of its text as
    written; None when it reads `events` otherwise (a CTE of that name, a schema-qualified
    name) or does not parse. The DuckDB engine runs it once for all statement periods, in a
    LATERAL join (`duckdb_sql_metrics.SqlMetrics`)."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return None
    if any(cte.alias.lower() == "events" for cte in tree.find_all(exp.CTE)):
        return None
    spans = []
    for table in tree.find_all(exp.Table):
        if table.name.lower() != "events":
            continue
        name = table.this
        if table.db or table.catalog or not isinstance(name, exp.Identifier):
            return None
        start, end = name.meta.get("start"), name.meta.get("end")
        if start is None or end is None or sql[start : end + 1].strip('"').lower() != "events":
            return None
        spans.append((start, end + 1, table.alias))
    text = sql
    for start, end, alias in sorted(spans, reverse=True):
        text = text[:start] + (f"({source})" if alias else f"({source}) AS events") + text[end:]
    return text


__all__ = ["SqlError", "SqlQuery", "parse", "scoped"]
