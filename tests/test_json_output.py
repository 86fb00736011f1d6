"""JSON output is written by orjson, one invoice at a time, and its bytes are exactly what the
standard library wrote before (`json.dumps(sort_keys=True, indent=2, ensure_ascii=False)`):
the goldens under tests/golden did not change when the writer did, and these tests keep it so.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

from billing_spec.catalog import build_catalog
from billing_spec.evaluate import evaluate
from billing_spec.evaluate.invoices import Invoice, Invoices, LineItem, Summary
from billing_spec.events import read_events
from billing_spec.jsontext import pretty_json, pretty_json_bytes
from billing_spec.money import USD


def _stdlib(value) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# Everything billing-spec writes: text (any code point but lone surrogates, which are not
# UTF-8), integers, booleans, null, lists and objects with text keys. Never a float.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | TEXT
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(VALUES)
def test_pretty_json_is_byte_for_byte_the_standard_librarys(value):
    assert pretty_json(value) == _stdlib(value)


@given(VALUES)
def test_an_embedded_value_is_indented_as_inside_its_document(value):
    one, two = pretty_json_bytes(value, 1).decode(), pretty_json_bytes(value, 2).decode()
    assert _stdlib({"k": value}) == '{\n  "k": ' + one + "\n}\n"
    assert _stdlib({"k": {"k": value}}) == '{\n  "k": {\n    "k": ' + two + "\n  }\n}\n"


def test_the_acme_ai_invoices_stream_out_as_the_whole_document_would_print():
    acme = ROOT / "catalogs" / "acme-ai"
    catalog, _ = build_catalog(acme)
    invoices, _ = evaluate(catalog, read_events([acme / "events"]))
    assert len(invoices) > 3
    streamed = b"".join(invoices.json_chunks()).decode()
    assert streamed == _stdlib(invoices.to_document()) == invoices.to_json()


def test_no_invoices_stream_out_as_an_empty_list():
    empty = Invoices((), Summary(events_read=2, malformed=2))
    assert empty.to_json() == _stdlib(empty.to_document())


@given(st.lists(TEXT, min_size=1, max_size=3), st.integers(0, 3))
def test_invoices_with_any_names_stream_out_identically(names, count):
    when = datetime(2026, 10, 1, tzinfo=UTC)
    line = LineItem("usage", "p", names[0], USD, when, when, Decimal(1), Decimal(2))
    invoices = Invoices(
        tuple(
            Invoice(n, n, n, None, when, when, USD, (line,) * count, notes=tuple(names))
            for n in names
        ),
        Summary(),
    )
    assert invoices.to_json() == _stdlib(invoices.to_document())
