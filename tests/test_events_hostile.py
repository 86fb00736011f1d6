"""Hostile event files (issue 13, items 2 and 3): one bad event never stops every invoice, and
no event file, however shaped, takes unbounded memory or a traceback.

The rules are the ones both engines follow (`billing_spec.events.rules`): duplicate keys make an
event malformed; a number beyond Decimal's exponent range is not a number (W956, like `1e400`);
a line longer than 1 MiB is skipped with W950; blank lines are skipped silently.
"""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from invoicing import FLAT_50, catalog, event, lines_of

from billing_spec.events import read_events
from billing_spec.events.rules import (
    MAX_LINE_BYTES,
    duplicate_key,
    quick_no_duplicates,
    split_lines,
)

GOOD = event("t1", "2026-10-05T00:00:00Z", units=2)


def _read(path):
    stream = read_events([str(path)])
    events = list(stream)
    return events, stream.counts, stream.diagnostics


def _w950(diagnostics):
    return [
        (d.range.start.line, d.summary.removeprefix("malformed event skipped: "))
        for d in diagnostics
        if d.code == "W950"
    ]


# --- item 3: one bad event never stops every invoice -----------------------------------------


def test_an_exponent_beyond_decimal_range_skips_that_event_with_w956(tmp_path):
    """`"1e1000000000000000000"` (a string) and the raw `1E-99999999999999999999` are numbers
    beyond the limits, like `1e400`: W956 for that event; the other events are billed."""
    good = event("t1", "2026-10-05T00:00:00Z", units=3)
    huge = event("t2", "2026-10-05T00:00:00Z", units="1e1000000000000000000")
    tiny = event("t3", "2026-10-05T00:00:00Z", units="TINY")
    path = tmp_path / "e.jsonl"
    text = "".join(json.dumps(e) + "\n" for e in (good, huge, tiny))
    path.write_text(text.replace('"TINY"', "1E-99999999999999999999"))
    from invoicing import compile_yaml

    from billing_spec.evaluate import evaluate

    result, diagnostics = evaluate(
        compile_yaml(tmp_path / "c", catalog(FLAT_50)), read_events([path])
    )
    document = result.to_document()
    assert [line["total"] for line in lines_of(document)] == ["150"]
    w956 = [(d.range.start.line, d.summary) for d in diagnostics if d.code == "W956"]
    assert [line for line, _ in w956] == [2, 3]
    assert all("beyond 30 digits on a side of the point" in s for _, s in w956), w956
    assert not [d for d in diagnostics if d.code.startswith("E")]


def test_a_duplicate_key_makes_the_event_malformed_never_last_wins(tmp_path):
    """`"units":1,"units":1000000000` would bill a billion if the last copy won."""
    lines = [
        '{"transaction_id":"t1","customer_id":"acme","event_type":"usage",'
        '"timestamp":"2026-10-05T00:00:00Z","properties":{"units":1,"units":1000000000}}',
        '{"transaction_id":"t2","customer_id":"acme","customer_id":"other","event_type":"usage",'
        '"timestamp":"2026-10-05T00:00:00Z","properties":{"units":1}}',
        '{"transaction_id":"t3","customer_id":"acme","event_type":"usage",'
        '"timestamp":"2026-10-05T00:00:00Z","properties":{"a":{"b":1,"b":2},"units":1}}',
        # an escape sends the line off the fast path: the rule is the same there
        '{"transaction_id":"t4","customer_id":"acme","event_type":"usage",'
        '"timestamp":"2026-10-05T00:00:00Z","properties":{"n\\u0061me":"x","name":"y"}}',
        # the same key spelled differently is the same key
        '{"transaction_id":"t5","customer_id":"acme","event_type":"usage",'
        '"timestamp":"2026-10-05T00:00:00+00:00","properties":{"units":1.5,"units":2}}',
        # keys that only look alike are different keys
        '{"transaction_id":"t6","customer_id":"acme","event_type":"usage",'
        '"timestamp":"2026-10-05T00:00:00Z","properties":{"units":4,"Units":"\\"units\\":"}}',
    ]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines) + "\n")
    events, counts, diagnostics = _read(path)
    assert [e.transaction_id for e in events] == ["t6"]
    assert (counts.read, counts.malformed) == (6, 5)
    assert _w950(diagnostics) == [
        (1, 'duplicate key "units"'),
        (2, 'duplicate key "customer_id"'),
        (3, 'duplicate key "b"'),
        (4, 'duplicate key "name"'),
        (5, 'duplicate key "units"'),
    ]


def test_a_duplicate_key_in_a_json_array_file_is_malformed_too(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(
        '[{"transaction_id":"t1","customer_id":"acme","event_type":"usage",'
        '"timestamp":"2026-10-05T00:00:00Z","properties":{"units":1,"units":9}},\n'
        + json.dumps(event("t2", "2026-10-05T00:00:00Z", units=1))
        + "]\n"
    )
    events, _counts, diagnostics = _read(path)
    assert [e.transaction_id for e in events] == ["t2"]
    assert _w950(diagnostics) == [(1, 'duplicate key "units"')]


def test_a_duplicate_key_bills_nothing_for_that_event(tmp_path):
    good = json.dumps(event("t1", "2026-10-05T00:00:00Z", units=3))
    bad = good.replace('"t1"', '"t2"').replace('{"units": 3}', '{"units": 1, "units": 1000000000}')
    document, _diagnostics = _invoice_lines(tmp_path, [good, bad])
    assert [line["total"] for line in lines_of(document)] == ["150"]


def _invoice_lines(tmp_path, lines):
    from invoicing import compile_yaml

    from billing_spec.evaluate import evaluate

    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result, diagnostics = evaluate(
        compile_yaml(tmp_path / "c", catalog(FLAT_50)), read_events([path])
    )
    return result.to_document(), diagnostics


# --- item 2: bounded memory and time -----------------------------------------------------------


def test_a_line_longer_than_1_mib_is_skipped_with_its_line_number(tmp_path):
    long_value = "x" * MAX_LINE_BYTES
    lines = [
        json.dumps(event("t1", "2026-10-05T00:00:00Z", units=1)),
        json.dumps(event("t2", "2026-10-05T00:00:00Z", units=1, pad=long_value)),
        json.dumps(event("t3", "2026-10-05T00:00:00Z", units=1)),
    ]
    path = tmp_path / "e.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    events, counts, diagnostics = _read(path)
    assert [e.transaction_id for e in events] == ["t1", "t3"]
    assert (counts.read, counts.malformed) == (3, 1)
    assert _w950(diagnostics) == [(2, "line longer than 1 MiB")]


def test_the_limit_is_exactly_1_mib_of_the_line_without_its_newline():
    fits = b"a" * MAX_LINE_BYTES
    assert MAX_LINE_BYTES == 1_048_576
    assert _lines(fits + b"\n" + fits + b"a\n" + fits) == [fits, None, fits]


def test_a_long_last_line_without_a_newline_is_skipped_too():
    assert _lines(b"{}\n" + b"a" * (MAX_LINE_BYTES + 5)) == [b"{}", None]


def test_a_huge_line_is_never_held_whole(tmp_path):
    """A gzip that inflates to one 20 MiB line is read holding a few MiB at most (the 1.6 GB
    line of the issue took 4.8 GB)."""
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b'{"transaction_id":"')
        for _ in range(20):
            fh.write(b"a" * (1 << 20))
        fh.write(b'"}\n')
        fh.write(json.dumps(GOOD).encode() + b"\n")
    tracemalloc.start()
    try:
        events, _counts, diagnostics = _read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [e.transaction_id for e in events] == ["t1"]
    assert _w950(diagnostics) == [(1, "line longer than 1 MiB")]
    assert peak < 8 * MAX_LINE_BYTES, peak


def test_blank_lines_are_counted_in_bulk_not_one_object_each():
    """A run of blank lines is skipped as a count of lines (`int`), never split into one object
    per line: a gzip of 40 million blank lines is read at the speed of reading."""
    parts = list(split_lines(io.BytesIO(b"\n" * 3_000_000 + b"{}\n" + b" \r\n" * 1000)))
    assert all(isinstance(part, int) for part in parts[:2])
    flat = [line for part in parts if not isinstance(part, int) for line in part]
    assert b"{}" in flat
    assert sum(p if isinstance(p, int) else len(p) for p in parts) == 3_001_001


def test_blank_lines_keep_line_numbers_right(tmp_path):
    path = tmp_path / "e.jsonl.gz"
    text = "\n" * 200_000 + " \t\r\n" * 5 + "{not json\n" + json.dumps(GOOD) + "\n\n"
    path.write_bytes(gzip.compress(text.encode()))
    events, counts, diagnostics = _read(path)
    assert [e.line for e in events] == [200_007]
    assert _w950(diagnostics)[0][0] == 200_006
    assert (counts.read, counts.malformed) == (2, 1)


def test_a_file_of_only_blank_text_is_no_events_and_no_error(tmp_path):
    path = tmp_path / "e.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n" * 2_000_000 + b"   "))
    events, counts, diagnostics = _read(path)
    assert events == [] and counts.read == 0 and diagnostics == []


def _lines(data: bytes, chunk: int | None = None) -> list[bytes | None]:
    out: list[bytes | None] = []
    for part in split_lines(io.BytesIO(data), **({"chunk": chunk} if chunk else {})):
        out.extend([b""] * part if isinstance(part, int) else part)
    return [line for line in out if line != b""]


def test_lines_split_across_reads_are_whole():
    data = b"".join(b'{"n":%d}\n' % i for i in range(1000))
    assert _lines(data, chunk=7) == [b'{"n":%d}' % i for i in range(1000)]


def test_an_event_nested_as_deep_as_the_reader_reads_is_no_recursion_error(tmp_path):
    """orjson reads 1,024 levels; the checks after it (lone surrogates, floats, the text of a
    nested value) walk them without recursion, on the fast path and the checked one."""
    deep = "[" * 1000 + "]" * 1000
    plain = json.dumps(event("t1", "2026-10-05T00:00:00Z", units=1, other="X"))
    escaped = plain.replace('"t1"', '"t\\u0032"')  # a backslash: the checked path
    lines = [text.replace('"X"', deep) for text in (plain, escaped)]
    events, counts, diagnostics = _read_lines(tmp_path, lines)
    assert [e.transaction_id for e in events] == ["t1", "t2"]
    assert counts.malformed == 0 and diagnostics == []


def test_a_deeply_nested_group_key_value_is_priced_not_a_traceback(tmp_path):
    from billing_spec.events.records import text_of

    value = orjson.loads("[" * 1000 + "]" * 1000)  # as the reader reads it
    assert text_of(value) == "[" * 1000 + "]" * 1000


def _read_lines(tmp_path, lines):
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return _read(path)


def test_an_array_element_longer_than_1_mib_stops_that_file_without_holding_it(tmp_path):
    path = tmp_path / "e.json.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"[" + json.dumps(GOOD).encode() + b",\n" + b'{"transaction_id":"')
        for _ in range(8):
            fh.write(b"a" * (1 << 20))
        fh.write(b'"}]\n')
    tracemalloc.start()
    try:
        events, counts, diagnostics = _read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [e.transaction_id for e in events] == ["t1"]
    assert _w950(diagnostics) == [
        (2, "an element longer than 1 MiB (the rest of the file is skipped)")
    ]
    assert (counts.read, counts.malformed) == (2, 1)
    assert peak < 16 * MAX_LINE_BYTES, peak


def test_duplicate_keys_hidden_behind_escaped_quotes_are_found(tmp_path):
    """The quick test counts quote bytes; escapes cannot fool it: a quote written `\\"` is one
    byte both ways, one written `\\u0022` sends the line to the full check."""
    head = '{"transaction_id":"%s","customer_id":"acme","event_type":"usage",'
    head += '"timestamp":"2026-10-05T00:00:00Z","properties":'
    lines = [
        head % "t1" + '{"units":1,"note":"say \\"hi\\""}}',  # fine
        head % "t2" + '{"units":1,"units":9,"note":"\\u0022\\u0022\\u0022\\u0022"}}',
        head % "t3" + '{"note":"a\\\\","units":2,"units":3}}',  # an escaped backslash
        head % "t4" + '{"n\\u00e9":"caf\\u00e9","units":1}}',  # fine, non-ASCII escaped
    ]
    events, _, diagnostics = _read_lines(tmp_path, lines)
    assert [(e.transaction_id, e.properties) for e in events] == [
        ("t1", {"units": 1, "note": 'say "hi"'}),
        ("t4", {"n\u00e9": "caf\u00e9", "units": 1}),
    ]
    assert _w950(diagnostics) == [(2, 'duplicate key "units"'), (3, 'duplicate key "units"')]


# keys (and string values) as JSON text, some the same key written with different escapes
_key_text = st.sampled_from(
    ['"a"', '"\\u0061"', '"b"', '"\\""', '"\\u0022"', '"\\\\"', '"\\u00e9"']
)
_values = st.recursive(
    st.one_of(st.integers(), _key_text, st.sampled_from(["true", "null", "1.5"])),
    lambda inner: st.lists(st.tuples(_key_text, inner), max_size=3).map(
        lambda pairs: "{" + ",".join(f"{k}:{v}" for k, v in pairs) + "}"
    ),
    max_leaves=8,
)


@settings(max_examples=500, deadline=None)
@given(pairs=st.lists(st.tuples(_key_text, _values), max_size=5))
def test_the_quick_test_never_passes_a_duplicate_key(pairs):
    """`quick_no_duplicates` (the hot path's test) is sound: whenever it says "no duplicate",
    the full check (`duplicate_key`) finds none, whatever escapes the keys are written with."""
    text = ("{" + ",".join(f"{k}:{v}" for k, v in pairs) + "}").encode()
    if quick_no_duplicates(text, orjson.loads(text)):
        assert duplicate_key(text) is None, text
