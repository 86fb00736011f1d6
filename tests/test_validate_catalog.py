"""`billing validate` on whole catalogs: the examples are valid, and a catalog with 20 mistakes in
5 files reports all 20 — each at its file, line and column — in one run, with exit code 1.

The 20-error catalog is `tests/golden/twenty-errors/`; `make bench` times the same catalog
against the issue's one-second target, and `test_golden.py` pins its JSON report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CATALOGS, run_billing

from billing_spec.catalog import validate_catalog

TWENTY = Path(__file__).parent / "golden" / "twenty-errors"

# (file, line, column, code): every mistake in the catalog, where `validate` must point.
TWENTY_ERRORS = [
    ("contracts.yaml", 8, 20, "E601"),  # ending_before 2025-12-31, before starting_at
    ("contracts.yaml", 12, 15, "E605"),  # a MULTIPLIER override without `multiplier`
    ("contracts.yaml", 14, 18, "E610"),  # a commit under the USAGE product `api`
    ("contracts.yaml", 20, 15, "E201"),  # customer `globx` (did you mean globex?)
    ("customers.yaml", 9, 35, "E620"),  # alias acme-prod is acme's already
    ("customers.yaml", 10, 3, "E102"),  # initech has no name
    ("customers.yaml", 12, 3, "E105"),  # `Umbrella` is not an ID
    ("customers.yaml", 16, 21, "E103"),  # ingest_aliases is text, not a list
    ("metrics.yaml", 12, 22, "E305"),  # aggregation_key `token`, the filter is `tokens`
    ("metrics.yaml", 13, 35, "E306"),  # group key `regoin`, the filter is `region`
    ("metrics.yaml", 19, 5, "E304"),  # a COUNT metric with an aggregation_key
    ("metrics.yaml", 24, 23, "E104"),  # aggregation_type MAXIMUM
    ("products.yaml", 8, 24, "E404"),  # [model] + [project] is no group key of `tokens`
    ("products.yaml", 18, 46, "E407"),  # conversion_factor 0
    ("products.yaml", 22, 31, "E201"),  # composite product `api_request`
    ("products.yaml", 26, 5, "E402"),  # a SUBSCRIPTION product with a billable_metric
    ("rate_cards.yaml", 14, 14, "E508"),  # the last tier has a size
    ("rate_cards.yaml", 16, 9, "E512"),  # pricing_group_values {modle: ...}
    ("rate_cards.yaml", 25, 16, "E501"),  # price -1
    ("rate_cards.yaml", 35, 16, "E502"),  # PERCENTAGE price 10 (10% is 0.1)
]


def test_twenty_errors_in_five_files_all_at_their_positions():
    _, diagnostics = validate_catalog(TWENTY)
    found = [
        (Path(d.range.filename).name, d.range.start.line, d.range.start.column, d.code)
        for d in diagnostics
    ]
    assert found == TWENTY_ERRORS  # sorted by file, line, column; nothing else reported
    assert all(d.is_error for d in diagnostics)
    assert len({file for file, *_ in found}) == 5


def test_cli_reports_them_in_text_with_source_and_caret():
    result = run_billing("validate", "twenty-errors", cwd=TWENTY.parent)
    assert result.code == 1
    assert result.stdout.endswith("\n20 errors, 0 warnings.\n")
    assert (
        "twenty-errors/rate_cards.yaml:25:16: error[E501]: price must not be negative (-1)\n"
        " 25 |         price: -1\n"
        "    |                ^^\n"
    ) in result.stdout
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["quickstart", "acme-ai"])
def test_example_catalogs_are_valid_without_warnings(name):
    result = run_billing("validate", CATALOGS / name)
    assert (result.code, result.stdout) == (0, "Success! The catalog is valid.\n")


def test_missing_directory_is_an_error_not_a_traceback(tmp_path):
    result = run_billing("validate", tmp_path / "nope")
    assert result.code == 1
    assert "error[E001]" in result.output and "Traceback" not in result.output


def test_a_reference_to_a_resource_of_another_kind_says_so(catalog_dir):
    root = catalog_dir(
        {
            "catalog.yaml": """
        version: 1
        billable_metrics:
          tokens: {name: Tokens, aggregation_type: COUNT}
        products:
          api: {name: API, type: USAGE, billable_metric: tokens}
        rate_cards:
          list:
            name: List
            rates:
              - {product: tokens, starting_at: 2026-01-01T00:00:00Z, entitled: true,
                 rate_type: FLAT, price: 1}
    """
        }
    )
    _, diagnostics = validate_catalog(root)
    errors = [(d.code, d.range.start.line, d.summary, d.hint) for d in diagnostics if d.is_error]
    assert errors == [
        (
            "E201",
            10,
            "product 'tokens' is not defined",
            "'tokens' is a billable_metric, not a product",
        )
    ]


def test_mistakes_in_aliased_and_merged_values_point_where_they_are_brought_in(catalog_dir):
    """A shared anchor is fine in one place and wrong in another: the diagnostic is at the alias
    (or `<<` merge) of the resource that is wrong, not at the anchor in the one that is fine."""
    root = catalog_dir(
        {
            "catalog.yaml": """
        version: 1
        billable_metrics:
          m: {name: M, aggregation_type: COUNT}
        products:
          p: &usage {name: P, type: USAGE, billable_metric: m}
          q: {name: Q, type: USAGE, billable_metric: m}
          f:
            <<: *usage
            name: F
            type: FIXED
        rate_cards:
          card_p:
            name: P card
            rates:
              - {product: p, starting_at: 2026-01-01T00:00:00Z, entitled: true,
                 rate_type: FLAT, price: 5}
          card_q:
            name: Q card
            rates:
              - {product: q, starting_at: 2026-01-01T00:00:00Z, entitled: true,
                 rate_type: FLAT, price: 5}
        customers:
          acme: {name: Acme}
          globex: {name: Globex}
        contracts:
          acme_2026:
            customer: acme
            rate_card: card_p
            starting_at: 2026-01-01T00:00:00Z
            overrides: &discount
              - {product: p, starting_at: 2026-01-01T00:00:00Z, type: MULTIPLIER, multiplier: 0.9}
            scheduled_charges:
              - product: f
                schedule: {schedule_items: [{timestamp: 2026-01-01T00:00:00Z, amount: 1}]}
          globex_2026:
            customer: globex
            rate_card: card_q
            starting_at: 2026-01-01T00:00:00Z
            overrides: *discount
    """
        }
    )
    _, diagnostics = validate_catalog(root)
    found = [(d.code, d.range.start.line, d.range.start.column) for d in diagnostics]
    assert found == [
        ("E402", 8, 5),  # f's billable_metric comes from `<<: *usage`, not from p's line 5
        ("E604", 39, 16),  # globex's overrides are `*discount`; acme's (line 31) are fine
    ]


def test_the_excerpt_of_a_file_with_a_byte_order_mark_has_no_invisible_character(tmp_path):
    (tmp_path / "catalog.yaml").write_bytes(b"\xef\xbb\xbfversion: 1\nproducts: 5\n")
    result = run_billing("validate", ".", cwd=tmp_path)
    assert " 2 | products: 5\n   |           ^\n" in result.stdout
    (tmp_path / "catalog.yaml").write_bytes(b"\xef\xbb\xbfproducts: {}\n")
    result = run_billing("validate", ".", cwd=tmp_path)
    assert " 1 | products: {}\n" in result.stdout


def test_messages_describe_values_in_yaml_words_not_python_reprs(catalog_dir):
    root = catalog_dir(
        {
            "a.yaml": "version: 2\n",
            "b.yaml": "version: true\n",
            "c.yaml": """
        version: 1
        customers:
          acme: {name: Acme}
        rate_cards:
          list:
            name: List
            aliases:
              - {name: a, starting_at: 1704067200}
              - {name: b, starting_at: 2026-01-01T00:00:00+24:00}
              - {name: c, starting_at: 2026-01-01T00:00:00+05:60}
              - {name: d, starting_at: 2026-01-01}
              - {name: e, starting_at: 2026-01-01T00:00:00}
    """,
        }
    )
    _, diagnostics = validate_catalog(root)
    found = [(Path(d.range.filename).name, d.code, d.summary, d.hint) for d in diagnostics]
    at = "`rate_cards.list.aliases"
    assert found == [
        (
            "a.yaml",
            "E009",
            "unsupported catalog version 2",
            "this billing-spec reads catalog version 1",
        ),
        (
            "b.yaml",
            "E009",
            "unsupported catalog version: expected the number 1, got the boolean true",
            "this billing-spec reads catalog version 1",
        ),
        (
            "c.yaml",
            "E106",
            f"{at}[0].starting_at`: expected an RFC 3339 timestamp like 2026-10-01T00:00:00Z, "
            "got the number 1704067200",
            "write an instant with its offset, like 2026-10-01T00:00:00Z (UTC)",
        ),
        (
            "c.yaml",
            "E106",
            f"{at}[1].starting_at`: '2026-01-01T00:00:00+24:00' has an offset out of range: "
            "hours 00 to 23, minutes 00 to 59",
            "write an instant with its offset, like 2026-10-01T00:00:00Z (UTC)",
        ),
        (
            "c.yaml",
            "E106",
            f"{at}[2].starting_at`: '2026-01-01T00:00:00+05:60' has an offset out of range: "
            "hours 00 to 23, minutes 00 to 59",
            "write an instant with its offset, like 2026-10-01T00:00:00Z (UTC)",
        ),
        (
            "c.yaml",
            "E106",
            f"{at}[3].starting_at`: '2026-01-01' is not an RFC 3339 timestamp with an offset, "
            "like 2026-10-01T00:00:00Z",
            "a date alone is not an instant: 2026-01-01T00:00:00Z is its start in UTC",
        ),
        (
            "c.yaml",
            "E106",
            f"{at}[4].starting_at`: '2026-01-01T00:00:00' is not an RFC 3339 timestamp with an "
            "offset, like 2026-10-01T00:00:00Z",
            "add the offset: 2026-01-01T00:00:00Z is UTC",
        ),
    ]


def test_a_reference_that_is_not_an_id_and_a_number_where_text_belongs_get_hints(catalog_dir):
    root = catalog_dir(
        {
            "catalog.yaml": """
        version: 1
        customers:
          acme: {name: Acme, ingest_aliases: [12345, yes]}
        contracts:
          acme_2026:
            customer: Acme
            rate_card: list
            starting_at: 2026-01-01T00:00:00Z
            commits:
              - product: usage commit
                type: PREPAID
                access_schedule:
                  credit_type: Usd
                  schedule_items:
                    - {amount: 1, starting_at: 2026-01-01T00:00:00Z,
                       ending_before: 2027-01-01T00:00:00Z}
    """
        }
    )
    _, diagnostics = validate_catalog(root)
    found = [(d.code, d.range.start.line, d.summary, d.hint) for d in diagnostics]
    ids = "IDs are lower-case letters, digits, `_` and `-`, starting with a letter"
    assert found == [
        (
            "E103",
            3,
            "`customers.acme.ingest_aliases[0]`: expected text, got the number 12345",
            "put it in quotes: YAML reads it as a number, not text",
        ),
        (
            "E104",
            6,
            "`contracts.acme_2026.customer`: 'Acme' is not an ID",
            f"did you mean 'acme'? {ids}",
        ),
        ("E104", 10, "`contracts.acme_2026.commits[0].product`: 'usage commit' is not an ID", ids),
        (
            "E104",
            13,
            "`contracts.acme_2026.commits[0].access_schedule.credit_type`: 'Usd' is not a "
            "credit type",
            "did you mean 'USD'? a credit type is USD or the ID of one under `credit_types`",
        ),
    ]


def test_a_newcomers_numbers_and_booleans_get_hints(catalog_dir):
    """`price: $25` and `price: 1,000` are text, not numbers; in a flow mapping `9,000` is the
    number 9 and a key `000`; `entitled: no` is the text "no" in YAML 1.2. Each hint says what
    to write instead."""
    root = catalog_dir(
        {
            "catalog.yaml": """
        version: 1
        rate_cards:
          list:
            name: List
            rates:
              - {product: a, starting_at: 2026-01-01T00:00:00Z, entitled: no, price: $25}
              - {product: b, starting_at: 2026-01-01T00:00:00Z, price: "1,000"}
              - product: c
                starting_at: 2026-01-01T00:00:00Z
                entitled: true
                rate_type: TIERED
                tiers:
                  - {size: 9,000, price: 3}
                  - {price: 2}
    """
        }
    )
    _, diagnostics = validate_catalog(root)
    found = [(d.code, d.range.start.line, d.summary, d.hint) for d in diagnostics]
    found = [f for f in found if f[0] != "E102"]  # the rates lack rate_type: not the point
    at = "`rate_cards.list.rates"
    assert found == [
        (
            "E103",
            6,
            f"{at}[0].entitled`: expected true or false, got the text 'no'",
            "only true and false are booleans (YAML 1.2): write false",
        ),
        (
            "E104",
            6,
            f"{at}[0].price`: '$25' is not a decimal number",
            "money is in the credit type's base unit, cents for USD: write 2500 for $25",
        ),
        (
            "E104",
            7,
            f"{at}[1].price`: '1,000' is not a decimal number",
            "write 1000 (no thousands separators); money is in the credit type's base unit "
            "(USD: cents)",
        ),
        (
            "E101",
            13,
            f"unknown field '000' in {at}[2].tiers[0]`",
            "in a flow mapping `{...}` a comma separates entries: write numbers without thousands "
            "separators (9000, not 9,000)",
        ),
    ]


def test_a_product_not_on_the_contracts_card_names_the_card():
    """With several rate cards, E604 says which card the product is missing from."""
    root = Path(__file__).parent / "fixtures" / "invalid" / "E604-override-specifier-not-on-card"
    _, diagnostics = validate_catalog(root)
    [e604] = [d for d in diagnostics if d.code == "E604"]
    assert e604.summary == "product 'batch' is not on rate card 'list', the contract's"
