# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""SQL billable metrics (issue 10 item 4): parsed at `validate`, run by the DuckDB engine over
each contract's events of each statement period, refused clearly by the Python engine.
Quantities below are computed by hand from the events."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from conftest import run_billing

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
