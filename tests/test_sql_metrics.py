# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""SQL billable metrics (issue 10 item 4): parsed at `validate`, run by the DuckDB engine over
each contract's events of each statement period, refused clearly by the Python engine.
Quantities below are computed by hand from the events."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_billing
from hypothesis import given, settings
from hypothesis import strategies as st

from billing_spec.catalog import build_catalog
from billing_spec.diagnostics import has_errors
from billing_spec.evaluate import evaluate
from billing_spec.events import read_events
from billing_spec.sql_metrics import SqlError, SqlQuery, parse

CATALOG = """version: 1
billable_metrics:
  tokens_sql:
    name: Tokens (SQL)
    sql: |
      SELECT properties.model AS model, SUM(CAST(properties.tokens AS DECIMAL(20, 2))) AS value
      FROM events WHERE event_type = 'completion'
      GROUP BY 1
  calls: {{name: Calls, aggregation_type: COUNT}}
products:
  tokens: {{name: Tokens, type: usage, billable_metric: tokens_sql, pricing_group_key: [model]}}
  calls: {{name: Calls, type: usage, billable_metric: calls}}
rate_cards:
  card:
    name: Card
    rates:
      - {{product: tokens, pricing_group_values: {{model: atlas}}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 200}}
      - {{product: calls, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 1}}
customers:
  a: {{name: A}}
contracts:
  k: {{customer: a, rate_card: card, starting_at: 2026-10-01T00:00:00Z}}
"""

EVENTS = [
    '{"transaction_id":"1","customer_id":"a","event_type":"completion","timestamp":"2026-10-02T00:00:00Z","properties":{"model":"atlas","tokens":"1.25"}}',
    '{"transaction_id":"2","customer_id":"a","event_type":"completion","timestamp":"2026-10-03T00:00:00Z","properties":{"model":"atlas","tokens":2.50}}',
    '{"transaction_id":"3","customer_id":"a","event_type":"other","timestamp":"2026-10-03T00:00:00Z","properties":{"model":"atlas","tokens":100}}',
    '{"transaction_id":"4","customer_id":"a","event_type":"completion","timestamp":"2026-11-03T00:00:00Z","properties":{"model":"atlas","tokens":0.1234567890123456789}}',
]


def _setup(tmp_path: Path, catalog: str = CATALOG) -> tuple[object, Path]:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "catalog.yaml").write_text(catalog.format())
    built, diagnostics = build_catalog(tmp_path / "c")
    assert built is not None and not has_errors(diagnostics), diagnostics
    events = tmp_path / "e.jsonl"
    events.write_text("\n".join(EVENTS) + "\n")
    return built, events


def _quantities(result, product: str) -> dict[str, str]:
    document = json.loads(result.to_json())
    return {
        invoice["start_timestamp"][:7]: line["quantity"]
        for invoice in document["invoices"]
        for line in invoice["line_items"]
        if line["product"] == product
    }


def test_parse_names_the_properties_read_and_the_columns_returned():
    found = parse("SELECT properties.model, COUNT(*) AS value FROM events GROUP BY 1")
    assert found == SqlQuery(("model",), ("model", "value"))
    assert isinstance(parse("SELECT 1 FROM invoices"), SqlError)


def test_validate_reports_a_query_that_does_not_parse_at_its_place_in_the_yaml(tmp_path):
    text = CATALOG.replace("WHERE event_type = 'completion'", "WHERE event_type = 'completion' AND")
    (tmp_path / "catalog.yaml").write_text(text.format())
    result = run_billing("validate", tmp_path)
    assert result.code == 1
    assert (
        f"{tmp_path / 'catalog.yaml'}:8:7: error[E309]: the SQL query does not parse"
        in result.output
    )


def test_duckdb_runs_the_query_per_statement_period_exactly(tmp_path):
    """October: 1.25 + 2.50 (the `other` event is filtered out by the query) = 3.75 tokens at
    $2.00; November: 0.12 (the DECIMAL(20, 2) cast in the query truncates, as DuckDB does)."""
    catalog, events = _setup(tmp_path)
    result, diagnostics = evaluate(catalog, read_events([events]), engine="duckdb")
    assert _quantities(result, "tokens") == {"2026-10": "3.75", "2026-11": "0.12"}
    assert [d.code for d in diagnostics] == []
    assert result.summary.events_used == 4


def test_the_python_engine_says_it_cannot_and_the_invoice_says_so(tmp_path):
    catalog, events = _setup(tmp_path)
    result, diagnostics = evaluate(catalog, read_events([events]), engine="python")
    [w957] = [d for d in diagnostics if d.code == "W957"]
    assert "SQL billable metric tokens_sql is not evaluated" in w957.summary
    assert "--engine duckdb" in w957.hint
    assert _quantities(result, "tokens") == {}
    notes = json.loads(result.to_json())["invoices"][0]["notes"]
    assert any("usage of tokens" in note and "DuckDB engine" in note for note in notes)


def test_a_floating_point_value_is_refused_not_rounded(tmp_path):
    catalog, events = _setup(
        tmp_path,
        CATALOG.replace(
            "SUM(CAST(properties.tokens AS DECIMAL(20, 2)))",
            "AVG(CAST(properties.tokens AS DOUBLE))",
        ),
    )
    result, diagnostics = evaluate(catalog, read_events([events]), engine="duckdb")
    [w957] = [d for d in diagnostics if d.code == "W957"]
    assert "not an exact number" in w957.summary
    assert _quantities(result, "tokens") == {}


def test_the_first_column_is_the_value_when_none_is_named_value(tmp_path):
    catalog, events = _setup(
        tmp_path,
        CATALOG.replace(
            "SELECT properties.model AS model, SUM(CAST(properties.tokens AS DECIMAL(20, 2))) AS value",
            "SELECT COUNT(*) AS n, properties.model AS model",
        ).replace("GROUP BY 1", "GROUP BY 2"),
    )
    result, _ = evaluate(catalog, read_events([events]), engine="duckdb")
    assert _quantities(result, "tokens") == {"2026-10": "2", "2026-11": "1"}
    assert Decimal("2") == Decimal(_quantities(result, "tokens")["2026-10"])


def test_a_query_that_fails_is_refused_with_its_reason(tmp_path):
    catalog, events = _setup(tmp_path, CATALOG.replace("GROUP BY 1", "GROUP BY nonsense"))
    result, diagnostics = evaluate(catalog, read_events([events]), engine="duckdb")
    [w957] = [d for d in diagnostics if d.code == "W957"]
    assert "its query fails: Binder Error" in w957.summary
    assert _quantities(result, "tokens") == {}


SCOPES = """version: 1
billable_metrics:
  m: {{name: M, sql: {query}}}
products:
  p: {{name: P, type: usage, billable_metric: m, pricing_group_key: [model]}}
rate_cards:
  card:
    name: Card
    rates:
      - {{product: p, pricing_group_values: {{model: atlas}}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 2}}
      - {{product: p, pricing_group_values: {{model: atlas}}, starting_at: 2026-11-10T00:00:00Z, entitled: true, rate_type: FLAT, price: 3}}
      - {{product: p, pricing_group_values: {{model: zephyr}}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 5}}
customers:
  a: {{name: A}}
  b: {{name: B}}
  c: {{name: C}}
contracts:
  ka: {{customer: a, rate_card: card, starting_at: 2026-10-01T00:00:00Z}}
  kb: {{customer: b, rate_card: card, starting_at: 2026-10-15T00:00:00Z, ending_before: 2026-12-01T00:00:00Z}}
  kc: {{customer: c, rate_card: card, starting_at: 2026-10-01T00:00:00Z, ending_before: 2026-11-01T00:00:00Z}}
  kc2: {{customer: c, rate_card: card, starting_at: 2026-11-01T00:00:00Z}}
"""
# Three customers, four contracts, two to three statement periods each; `nova` and `vega` have
# no rate
# (W955); every third event is not a completion; tokens are integers, decimals and strings.
SCOPED_EVENTS = [
    json.dumps(
        {
            "transaction_id": f"t{i}",
            "customer_id": "abc"[i % 3],
            "event_type": "other" if i % 3 == 2 and i % 2 else "completion",
            "timestamp": f"2026-{10 + (i * 7 % 75) // 31}-{1 + (i * 7 % 75) % 31 % 30:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
            "properties": {
                "model": ["atlas", "zephyr", "nova", "vega"][i // 3 % 4],
                "tokens": [i, f"{i}.5", str(i)][i % 3],
            },
        },
        separators=(",", ":"),
    )
    for i in range(90)
]
QUERIES = {
    "grouped": "SELECT properties.model AS model, SUM(CAST(properties.tokens AS DECIMAL(20, 2))) AS value FROM events WHERE event_type = 'completion' GROUP BY 1",
    "no GROUP BY": "SELECT COUNT(*) AS value, 'atlas' AS model FROM events WHERE event_type = 'completion'",
    "an alias, upper case": "SELECT e.properties.model AS model, COUNT(*) AS value FROM EVENTS AS e GROUP BY ALL",
    "a CTE": "WITH c AS (SELECT properties.model AS model FROM events WHERE event_type = 'completion') SELECT model, COUNT(*) AS value FROM c GROUP BY model",
    "a subquery over events": "SELECT properties.model AS model, COUNT(*) AS value FROM events WHERE timestamp >= (SELECT min(timestamp) FROM events WHERE event_type = 'completion') GROUP BY 1",
    "a window": "SELECT model, CAST(SUM(n) AS DECIMAL(20, 0)) AS value FROM (SELECT properties.model AS model, row_number() OVER (PARTITION BY properties.model ORDER BY timestamp) AS n FROM events) GROUP BY model",
    "LIMIT": "SELECT properties.model AS model, COUNT(*) AS value FROM events GROUP BY 1 ORDER BY 1 LIMIT 1",
    "COUNT DISTINCT": "SELECT properties.model AS model, COUNT(DISTINCT properties.tokens) AS value FROM events GROUP BY 1",
    "UNION ALL": "SELECT properties.model AS model, 1 AS value FROM events UNION ALL SELECT 'atlas', 2 FROM events",
    "hours": "SELECT 'zephyr' AS model, COUNT(DISTINCT date_trunc('hour', timestamp)) AS value FROM events",
    "a self join": "SELECT a.properties.model AS model, COUNT(*) AS value FROM events a JOIN events b ON a.properties.model = b.properties.model GROUP BY 1",
    "no events read": "SELECT 'atlas' AS model, 7 AS value",
    "QUALIFY": "SELECT properties.model AS model, CAST(properties.tokens AS DECIMAL(20, 2)) AS value FROM events QUALIFY row_number() OVER (PARTITION BY properties.model ORDER BY timestamp DESC) = 1",
    "EXISTS": "SELECT 'atlas' AS model, COUNT(*) AS value FROM events e WHERE EXISTS (SELECT 1 FROM events f WHERE f.timestamp < e.timestamp)",
    "LATEST": "SELECT properties.model AS model, CAST(arg_max(properties.tokens, timestamp) AS DECIMAL(20, 2)) AS value FROM events GROUP BY 1",
}


TAKEN_IN_PYTHON = {  # values or group values whose sum or text SQL does not give as Python
    "a BOOLEAN value": "SELECT properties.model AS model, bool_or(event_type = 'other') AS value FROM events GROUP BY 1",
    "a DATE group value": "SELECT CAST(min(timestamp) AS DATE) AS model, COUNT(*) AS value FROM events",
}


@pytest.mark.parametrize("granularity", ["SERVICE_PERIOD", "HOUR"])
@pytest.mark.parametrize("query", [*QUERIES, *TAKEN_IN_PYTHON])
def test_one_query_for_all_periods_gives_what_a_query_per_period_gives(
    tmp_path, monkeypatch, query, granularity
):
    """Metronome runs a SQL metric once per customer and statement period (or hour). The
    DuckDB engine runs it once for all of them (a LATERAL join, `sql_metrics.scoped`) and sums
    the rows per window in SQL; the invoices must be those of one run per contract and period,
    taken by Python scope by scope (the engine's way when the query cannot be written so),
    diagnostics included — and no statement per period may have run."""
    from billing_spec import sql_metrics
    from billing_spec.evaluate import duckdb_sql_metrics

    text = SCOPES.replace("{query}", json.dumps({**QUERIES, **TAKEN_IN_PYTHON}[query]))
    text = text.replace(
        "pricing_group_key: [model]",
        f"pricing_group_key: [model], sql_breakdown_granularity: {granularity}",
    )
    catalog, _ = _setup(tmp_path, text)
    events = tmp_path / "scoped.jsonl"
    events.write_text("\n".join(SCOPED_EVENTS) + "\n")
    per_scope, in_python = [], []
    metrics = duckdb_sql_metrics.SqlMetrics
    once, apply = metrics._scope, metrics._apply
    monkeypatch.setattr(metrics, "_scope", lambda self, *a: per_scope.append(a) or once(self, *a))
    monkeypatch.setattr(metrics, "_apply", lambda self, *a: in_python.append(a) or apply(self, *a))
    together, together_said = evaluate(catalog, read_events([events]), engine="duckdb")
    assert per_scope == []  # one query
    assert bool(in_python) is (query in TAKEN_IN_PYTHON)  # else summed in SQL
    monkeypatch.setattr(sql_metrics, "scoped", lambda sql, source: None)
    apart, apart_said = evaluate(catalog, read_events([events]), engine="duckdb")
    assert len(per_scope) >= (8 if granularity == "SERVICE_PERIOD" else 50)  # periods, hours
    assert together.to_json() == apart.to_json()
    assert [str(d) for d in together_said] == [str(d) for d in apart_said]
    assert not [d for d in together_said if d.code == "W957"]
    assert _quantities(together, "p") or query == "a DATE group value"  # something was billed


def test_scoped_puts_the_scopes_events_where_the_query_reads_events():
    from billing_spec.sql_metrics import scoped

    assert scoped("SELECT count(*) FROM events", "S") == "SELECT count(*) FROM (S) AS events"
    assert (
        scoped('SELECT 1 FROM events e JOIN "events" ON true', "S")
        == "SELECT 1 FROM (S) e JOIN (S) AS events ON true"
    )
    assert (  # places are characters, not bytes
        scoped("SELECT 'é😀' AS m FROM Events WHERE x <> 'ü'", "S")
        == "SELECT 'é😀' AS m FROM (S) AS events WHERE x <> 'ü'"
    )
    assert scoped("WITH events AS (SELECT 1) SELECT * FROM events", "S") is None
    assert scoped("SELECT * FROM main.events", "S") is None
    assert scoped("SELECT FROM WHERE", "S") is None


def _lines(result, product: str) -> list[tuple[str, str, str]]:
    """(rate window start, quantity, unit price) of each of the product's line items."""
    document = json.loads(result.to_json())
    return [
        (line["starting_at"][:13], line["quantity"], line["unit_price"])
        for invoice in document["invoices"]
        for line in invoice["line_items"]
        if line["product"] == product
    ]


HOURLY = CATALOG.replace(
    "pricing_group_key: [model]}}",
    "pricing_group_key: [model], sql_breakdown_granularity: {granularity}}}",
).replace(
    "price: 200}}",
    "price: 200}}\n      - {{product: tokens, pricing_group_values: {{model: atlas}}, starting_at: 2026-10-02T01:00:00Z, entitled: true, rate_type: FLAT, price: 300}}",
)


def test_hour_granularity_prices_each_hour_at_the_rate_in_force_then(tmp_path):
    """The atlas price goes from $2.00 to $3.00 on October 2 at 01:00. SERVICE_PERIOD (the
    default) applies October's 1.25 + 2.50 = 3.75 tokens at the month's last instant: all at
    $3.00. HOUR runs the query for each hour: the hour of October 2 00:00 (1.25 tokens, at
    its last instant, 00:59:59.999999) at $2.00, the hour of October 3 00:00 (2.50) at $3.00."""
    catalog, events = _setup(tmp_path, HOURLY.replace("{granularity}", "SERVICE_PERIOD"))
    result, _ = evaluate(catalog, read_events([events]), engine="duckdb")
    assert _lines(result, "tokens") == [
        ("2026-10-02T01", "3.75", "300"),
        ("2026-11-01T00", "0.12", "300"),
    ]
    (tmp_path / "c" / "catalog.yaml").write_text(HOURLY.format(granularity="HOUR"))
    catalog, _ = build_catalog(tmp_path / "c")
    result, diagnostics = evaluate(catalog, read_events([events]), engine="duckdb")
    assert _lines(result, "tokens") == [
        ("2026-10-01T00", "1.25", "200"),
        ("2026-10-02T01", "2.5", "300"),
        ("2026-11-01T00", "0.12", "300"),
    ]
    assert [d.code for d in diagnostics] == []
    assert result.summary.events_used == 4


def test_one_product_per_hour_and_one_per_period_in_one_run(tmp_path):
    """The same SQL metric sold twice on one card, per period (`tokens`) and per hour
    (`hourly`), in one run: each is priced as it is alone (the test above)."""
    both = (
        HOURLY.replace("{granularity}", "SERVICE_PERIOD")
        .replace(
            "  calls: {{name: Calls, type: usage",
            "  hourly: {{name: Hourly, type: usage, billable_metric: tokens_sql, pricing_group_key: [model], sql_breakdown_granularity: HOUR}}\n  calls: {{name: Calls, type: usage",
        )
        .replace(
            "    rates:\n",
            "    rates:\n"
            "      - {{product: hourly, pricing_group_values: {{model: atlas}}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 200}}\n"
            "      - {{product: hourly, pricing_group_values: {{model: atlas}}, starting_at: 2026-10-02T01:00:00Z, entitled: true, rate_type: FLAT, price: 300}}\n",
        )
    )
    catalog, events = _setup(tmp_path, both)
    result, diagnostics = evaluate(catalog, read_events([events]), engine="duckdb")
    assert _lines(result, "tokens") == [
        ("2026-10-02T01", "3.75", "300"),
        ("2026-11-01T00", "0.12", "300"),
    ]
    assert _lines(result, "hourly") == [
        ("2026-10-01T00", "1.25", "200"),
        ("2026-10-02T01", "2.5", "300"),
        ("2026-11-01T00", "0.12", "300"),
    ]
    assert [d.code for d in diagnostics] == []


def test_hour_granularity_runs_the_query_for_each_hour(tmp_path):
    """MAX over each hour, summed: October has one event in each of two hours (1.25 and
    2.50 tokens): 3.75, where one MAX over the month would give 2.50."""
    text = HOURLY.replace(
        "SUM(CAST(properties.tokens AS DECIMAL(20, 2)))",
        "MAX(CAST(properties.tokens AS DECIMAL(20, 2)))",
    )
    catalog, events = _setup(tmp_path, text.replace("{granularity}", "HOUR"))
    result, _ = evaluate(catalog, read_events([events]), engine="duckdb")
    assert sum(
        Decimal(q) for start, q, _ in _lines(result, "tokens") if start < "2026-11"
    ) == Decimal("3.75")
    (tmp_path / "c" / "catalog.yaml").write_text(text.format(granularity="SERVICE_PERIOD"))
    catalog, _ = build_catalog(tmp_path / "c")
    result, _ = evaluate(catalog, read_events([events]), engine="duckdb")
    assert _lines(result, "tokens")[0][1] == "2.5"


@pytest.mark.parametrize("way", ["summed in SQL", "scope by scope"])
def test_usage_without_a_rate_is_counted_in_periods_or_hours_not_events(tmp_path, monkeypatch, way):
    """`nova` has no rate. Its usage is in October (two users, three events, two hours) and
    November (one event): a SQL metric's rows are not events, so W955 counts the statement
    periods (2) — or hours (3) — whose usage went unbilled, once each whatever the
    presentation values, at the first event of the first one; whichever way the engine ran.
    The contract's invoices say so in their notes."""
    from billing_spec import sql_metrics

    if way == "scope by scope":
        monkeypatch.setattr(sql_metrics, "scoped", lambda sql, source: None)
    text = (
        CATALOG.replace(
            "SELECT properties.model AS model,",
            "SELECT properties.model AS model, properties.user AS user,",
        )
        .replace("GROUP BY 1", "GROUP BY 1, 2")
        .replace(
            "pricing_group_key: [model]}}",
            "pricing_group_key: [model], presentation_group_key: [user], sql_breakdown_granularity: {granularity}}}",
        )
    )
    nova = '{{"transaction_id":"n{0}","customer_id":"a","event_type":"completion","timestamp":"{1}","properties":{{"model":"nova","user":"{2}","tokens":1}}}}'
    lines = [
        nova.format(1, "2026-10-05T10:00:00Z", "ann"),
        nova.format(2, "2026-10-05T10:30:00Z", "bob"),
        nova.format(3, "2026-10-06T08:00:00Z", "ann"),
        nova.format(4, "2026-11-02T00:00:00Z", "bob"),
    ]
    for granularity, counted in (("SERVICE_PERIOD", "2 statement periods"), ("HOUR", "3 hours")):
        (tmp_path / granularity).mkdir()
        catalog, _ = _setup(tmp_path / granularity, text.replace("{granularity}", granularity))
        events = tmp_path / granularity / "nova.jsonl"
        events.write_text("\n".join(lines) + "\n")
        result, diagnostics = evaluate(catalog, read_events([events]), engine="duckdb")
        [w955] = [d for d in diagnostics if d.code == "W955"]
        assert w955.summary == (
            "the SQL metric's usage of product tokens with pricing group values "
            f"{{model: 'nova'}} on contract k in {counted} has no rate in force at its time: "
            "not billed"
        )
        assert w955.range.start.line == 1
        # the invoices say so too: their event counts cannot (the events of a billed scope
        # count as used)
        notes = [note for i in json.loads(result.to_json())["invoices"] for note in i["notes"]]
        assert (
            notes
            == [
                "not billed: usage of tokens with pricing group values {model: 'nova'} (its SQL "
                "billable metric's rows have no rate in force; W955)"
            ]
            * 2
        )  # October's and November's invoices


BOTH_WAYS = """version: 1
billable_metrics:
  tokens: {name: Tokens, event_type_filter: {in_values: [completion]}, property_filters: [{name: model, exists: true}, {name: tokens, exists: true}], aggregation_type: SUM, aggregation_key: tokens, group_keys: [[model]]}
  tokens_sql:
    name: Tokens (SQL)
    sql: "SELECT properties.model AS model, SUM(CAST(properties.tokens AS DECIMAL(20, 2))) AS value FROM events WHERE event_type = 'completion' GROUP BY 1"
products:
  streamed: {name: Tokens, type: usage, billable_metric: tokens, pricing_group_key: [model]}
  by_sql: {name: Tokens, type: usage, billable_metric: tokens_sql, pricing_group_key: [model], sql_breakdown_granularity: HOUR}
rate_cards:
  card:
    name: Card
    rates:
PRICES
customers:
  a: {name: A}
  b: {name: B}
contracts:
  ka: {customer: a, rate_card: card, starting_at: 2026-10-01T00:00:00Z}
  kb: {customer: b, rate_card: card, starting_at: 2026-10-01T00:00:00Z, ending_before: 2026-10-20T00:00:00Z}
"""
PRICES = [  # (model, from, price): atlas's price changes on the hour
    ("atlas", "2026-01-01T00:00:00Z", "200"),
    ("atlas", "2026-10-10T05:00:00Z", "300"),
    ("zephyr", "2026-01-01T00:00:00Z", "80"),
]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("ab"),
            st.one_of(  # minutes from October 1: any, or near the price change and period ends
                st.integers(0, 45 * 24 * 60 - 1),
                st.sampled_from(
                    [9 * 1440 + 4 * 60, 9 * 1440 + 5 * 60, 19 * 1440, 31 * 1440]
                ).flatmap(lambda edge: st.integers(edge - 61, edge + 60)),
            ),
            st.sampled_from(["completion", "completion", "other"]),
            st.sampled_from(["atlas", "zephyr", "nova"]),
            st.one_of(st.integers(0, 10**9), st.decimals("0", "9999", places=2).map(str)),
        ),
        max_size=60,
    )
)
def test_a_sql_sum_per_hour_bills_what_the_streaming_sum_bills(tmp_path_factory, events):
    """Rates that change on the hour: the SQL metric `SUM(tokens)` run per hour, each hour's
    sum billed at its last instant, bills line for line what the streaming SUM metric bills,
    each event in the window holding its timestamp — two computations that share nothing but
    the pricing (`nova` has no rate: not billed either way)."""
    from datetime import datetime, timedelta

    root = tmp_path_factory.mktemp("both")
    (root / "c").mkdir()
    rates = "".join(
        f"      - {{product: {p}, pricing_group_values: {{model: {m}}}, starting_at: {s}, "
        f"entitled: true, rate_type: FLAT, price: {price}}}\n"
        for p in ("streamed", "by_sql")
        for m, s, price in PRICES
    )
    (root / "c" / "catalog.yaml").write_text(BOTH_WAYS.replace("PRICES\n", rates))
    catalog, diagnostics = build_catalog(root / "c")
    assert catalog is not None, diagnostics
    start = datetime(2026, 10, 1)
    lines = [
        json.dumps(
            {
                "transaction_id": f"t{n}",
                "customer_id": customer,
                "event_type": kind,
                "timestamp": (start + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "properties": {"model": model, "tokens": tokens},
            }
        )
        for n, (customer, minute, kind, model, tokens) in enumerate(events)
    ]
    path = root / "events.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    result, _ = evaluate(catalog, read_events([path]), engine="duckdb")
    document = json.loads(result.to_json())
    billed = {"streamed": [], "by_sql": []}
    for invoice in document["invoices"]:
        for line in invoice["line_items"]:
            key = (invoice["contract"], line["starting_at"], line["pricing_group_values"])
            billed[line["product"]].append((key, line["quantity"], line["total"]))
    assert sorted(billed["by_sql"], key=str) == sorted(billed["streamed"], key=str)
