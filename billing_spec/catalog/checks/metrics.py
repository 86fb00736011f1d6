"""Billable metric rules (E3xx), as Metronome's create call enforces them.

- A metric is either SQL (`sql`) or streaming (`aggregation_type` + filters); `sql` excludes
  every aggregation field (E301, E302).
- `aggregation_key` is required for SUM, MAX, UNIQUE and LATEST, refused for COUNT, and must be
  one of the property filter names (E303-E305) — Metronome: "The specified aggregation key must
  be one of the property filter names."
- Every property of every group key must be a property filter name (E306, Metronome: "Group key
  '<key>' does not match one of the property filter names."); a compound key is a set, so two
  keys with the same properties, or one property twice in a key, are duplicates (E307).
- A filter with `exists: false` admits only events without the property, so an `in_values` list
  beside it can never match (E308).
- A `sql` query must parse as one SELECT over `events` (E309, at its line and column in the
  YAML: `sql_metrics.parse`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from billing_spec.catalog.checks.site import Site, a, given, sites
from billing_spec.catalog.enums import AggregationType
from billing_spec.catalog.load import CatalogSpec
from billing_spec.catalog.models import BillableMetric
from billing_spec.diagnostics import Diagnostic, Position, Severity, SourceRange, did_you_mean

_NOT_WITH_SQL = (
    "aggregation_type",
    "aggregation_key",
    "event_type_filter",
    "property_filters",
    "group_keys",
)


def check_metrics(spec: CatalogSpec) -> Iterator[Diagnostic]:
    for site, metric in sites(spec, "billable_metrics"):
        if metric.sql is not None:
            yield from _sql_metric(site, metric)
            continue
        if metric.aggregation_type is None:
            yield site.error(
                "E301",
                "a billable metric needs `aggregation_type` or `sql`",
                key=True,
                hint="add `aggregation_type: COUNT` (or SUM, MAX, UNIQUE, "
                "LATEST with an aggregation_key), or write it as `sql`",
            )
        else:
            yield from _aggregation_key(site, metric)
        yield from _group_keys(site, metric)
        yield from _filters(site, metric)


def _sql_metric(site: Site, metric: BillableMetric) -> Iterator[Diagnostic]:
    for name in _NOT_WITH_SQL:
        if given(metric, name):
            yield site.error(
                "E302",
                f"`{name}` cannot be used together with `sql`",
                name,
                key=True,
                hint="a SQL metric filters, aggregates and groups in its query; "
                f"remove `{name}` or remove `sql`",
            )
    yield from _sql_parses(site, metric.sql)


def _sql_parses(site: Site, sql: str) -> Iterator[Diagnostic]:
    from billing_spec.sql_metrics import SqlError, parse

    found = parse(sql)
    if not isinstance(found, SqlError):
        return
    at = site.range("sql")
    yield Diagnostic(
        Severity.ERROR,
        "E309",
        f"the SQL query does not parse: {found.message}",
        _in_yaml(at, found.line, found.column),
        hint="a SQL metric is one SELECT over the table `events` (event_type, timestamp, "
        "properties.<name>) returning a `value` column",
    )


def _in_yaml(at: SourceRange | None, line: int, column: int) -> SourceRange | None:
    """The query's line and column as a place in the YAML file: a block scalar (`sql: |`) holds
    the query from the next line on, indented; a one-line scalar from where it starts."""
    if at is None or at.start.column is None:
        return at
    try:
        lines = Path(at.filename).read_text(encoding="utf-8").splitlines()
        text = lines[at.start.line - 1][at.start.column - 1 :]
    except (OSError, IndexError, UnicodeDecodeError):
        return at
    if text[:1] in "|>":
        body = lines[at.start.line + line - 1] if at.start.line + line - 1 < len(lines) else ""
        indent = len(body) - len(body.lstrip(" "))
        return SourceRange(at.filename, Position(at.start.line + line, indent + column))
    quoted = 1 if text[:1] in "'\"" else 0
    if line == 1:
        return SourceRange(
            at.filename, Position(at.start.line, at.start.column + quoted + column - 1)
        )
    return at


def _aggregation_key(site: Site, metric: BillableMetric) -> Iterator[Diagnostic]:
    kind, key = metric.aggregation_type, metric.aggregation_key
    names = [f.name for f in metric.property_filters]
    if kind is AggregationType.COUNT:
        if key is not None:
            yield site.error(
                "E304",
                "a COUNT metric takes no `aggregation_key`",
                "aggregation_key",
                key=True,
                hint="COUNT counts matching events; remove aggregation_key, "
                "or use UNIQUE to count distinct values of a property",
            )
        return
    if key is None:
        yield site.error(
            "E303",
            f"{a(kind)} metric needs an `aggregation_key`",
            "aggregation_type",
            hint=f"name the event property to {kind.lower()}, e.g. `aggregation_key: "
            f"{names[0] if names else 'tokens'}`, listed in property_filters",
        )
    elif key not in names:
        yield site.error(
            "E305",
            f"aggregation_key {key!r} is not one of the property filter names",
            "aggregation_key",
            hint=did_you_mean(key, names)
            or f"add `{{name: {key}, exists: true}}` to property_filters",
        )


def _group_keys(site: Site, metric: BillableMetric) -> Iterator[Diagnostic]:
    names = {f.name for f in metric.property_filters}
    seen: dict[frozenset[str], int] = {}
    for i, group_key in enumerate(metric.group_keys):
        yield from _group_key_properties(site, group_key, i, names)
        as_set = frozenset(group_key)
        if as_set in seen:
            yield site.error(
                "E307",
                f"group_keys[{i}] has the same properties as group_keys[{seen[as_set]}]",
                "group_keys",
                i,
                hint="a group key is a set of properties; remove the duplicate",
            )
        seen.setdefault(as_set, i)


def _group_key_properties(
    site: Site, group_key: tuple[str, ...], i: int, names: set[str]
) -> Iterator[Diagnostic]:
    for j, prop in enumerate(group_key):
        if prop in group_key[:j]:
            yield site.error(
                "E307",
                f"property {prop!r} appears twice in group_keys[{i}]",
                "group_keys",
                i,
                j,
                hint="list each property once",
            )
        elif prop not in names:
            yield site.error(
                "E306",
                f"group key property {prop!r} is not one of the property filter names",
                "group_keys",
                i,
                j,
                hint=did_you_mean(prop, names)
                or f"add `{{name: {prop}, exists: true}}` to property_filters",
            )


def _filters(site: Site, metric: BillableMetric) -> Iterator[Diagnostic]:
    for i, prop in enumerate(metric.property_filters):
        if prop.exists is False and prop.in_values:
            yield site.error(
                "E308",
                f"property filter {prop.name!r} requires the property to be "
                "absent (`exists: false`) and to have one of `in_values`",
                "property_filters",
                i,
                "exists",
                hint="no event can pass; use `exists: true` with in_values, or drop "
                "in_values to match events without the property",
            )
