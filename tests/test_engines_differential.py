# ruff: noqa: E501 (catalogs written inline, one rate per line)
"""The DuckDB engine gives the Python engine's answer, byte for byte (issue 10 item 2).

Hypothesis writes event files line by line — as text, so the spelling reaches the readers:
float literals (`1.50`), long decimals, numeric strings, integers beyond 64 bits, offset
timestamps, `24:00:00`, non-object `properties`, duplicate keys, escapes, malformed lines,
trailing commas, NaN, keys the DuckDB engine does not read, random one-character mutations
(`MUTATIONS`), blank lines, duplicates that differ across a plain and a gzip file — over a catalog with every
aggregation, every filter kind, pricing and presentation group keys, tiers, a mid-period rate
change, ingest aliases, overlapping contracts and events outside every contract. Both engines
then evaluate the same files; the invoices JSON, the summary and every diagnostic must be equal,
and the DuckDB engine must have computed the run itself (not fallen back to Python).

Cases marked `events-rules` exercise the event rules both engines follow (`billing_spec.events.rules`:
duplicate keys are malformed, a line over 1 MiB is malformed, an exponent beyond Decimal's range
is W956).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invoicing import compile_yaml

from billing_spec.diagnostics import BillingSpecError
from billing_spec.evaluate import duckdb_engine, evaluate
from billing_spec.evaluate.engine import ENGINES
from billing_spec.events import read_events
from billing_spec.events.records import JsonNumber

CATALOG = """
version: 1
billable_metrics:
  total:   {name: Total, event_type_filter: {in_values: [use]}, property_filters: [{name: n, exists: true}, {name: region, exists: true}, {name: user, exists: true}], aggregation_type: SUM, aggregation_key: n, group_keys: [[region, user]]}
  peak:    {name: Peak, event_type_filter: {in_values: [use]}, property_filters: [{name: n, exists: true}, {name: tier, not_in_values: [free]}], aggregation_type: MAX, aggregation_key: n}
  users:   {name: Users, event_type_filter: {in_values: [use, gauge]}, property_filters: [{name: user, exists: true}, {name: region, in_values: [us, eu, "5"]}, {name: tier, not_in_values: [free]}], aggregation_type: UNIQUE, aggregation_key: user, group_keys: [[region, tier]]}
  level:   {name: Level, event_type_filter: {in_values: [gauge]}, property_filters: [{name: n, exists: true}], aggregation_type: LATEST, aggregation_key: n}
  calls:   {name: Calls, event_type_filter: {not_in_values: [gauge]}, property_filters: [{name: test, exists: false}], aggregation_type: COUNT}
products:
  total: {name: Total, type: usage, billable_metric: total, pricing_group_key: [region], presentation_group_key: [user], quantity_conversion: {conversion_factor: 3, operation: DIVIDE}}
  peak:  {name: Peak, type: usage, billable_metric: peak, quantity_rounding: {decimal_places: 0, rounding_method: ROUND_UP}}
  users: {name: Users, type: usage, billable_metric: users, presentation_group_key: [region, tier]}
  level: {name: Level, type: usage, billable_metric: level}
  calls: {name: Calls, type: usage, billable_metric: calls}
rate_cards:
  card:
    name: Card
    rates:
      - {product: total, pricing_group_values: {region: us}, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 5, price: 3, flat_price: 7}, {price: 1.5}]}
      - {product: total, pricing_group_values: {region: us}, starting_at: 2026-10-15T00:00:00Z, entitled: true, rate_type: TIERED, tiers: [{size: 4, price: 2}, {price: 0.75}]}
      - {product: total, pricing_group_values: {region: eu}, starting_at: 2026-01-01T00:00:00Z, ending_before: 2026-10-20T00:00:00Z, entitled: true, rate_type: FLAT, price: 2.5}
      - {product: peak, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 4}
      - {product: users, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: TIERED, tier_mode: VOLUME, tiers: [{size: 2, price: 10, flat_price: 5}, {price: 6, flat_price: 30}]}
      - {product: level, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 1}
      - {product: level, starting_at: 2026-10-20T00:00:00Z, entitled: true, rate_type: FLAT, price: 3}
      - {product: calls, starting_at: 2026-01-01T00:00:00Z, entitled: true, rate_type: FLAT, price: 0.1}
      - {product: calls, starting_at: 2026-10-25T00:00:00Z, entitled: false, rate_type: FLAT, price: 0.1}
customers:
  a: {name: A, ingest_aliases: [a-alias]}
  b: {name: B}
  c: {name: C}
contracts:
  a_2026:
    customer: a
    rate_card: card
    starting_at: 2026-10-01T00:00:00Z
  a_late:
    customer: a
    rate_card: card
    starting_at: 2026-10-20T00:00:00Z
    ending_before: 2026-10-27T00:00:00Z
  b_2026:
    customer: b
    rate_card: card
    starting_at: 2026-10-10T00:00:00Z
    ending_before: 2026-11-05T00:00:00Z
    usage_statement_schedule: {frequency: WEEKLY, day: CONTRACT_START}
"""

# Property values as JSON text, as a client might write them.
NUMBER_TEXTS = st.sampled_from(
    [
        "0", "1", "7", "-3", "40", "\"0040\"", "\"123456789012345678901234567890\"", "1234567890123456789012345678901", "1.50", "2.5", "1e2", "0.1234567890123456789012345678901",
        '"400000"', '"0.5"', '" 1e3"', '"12 apples"', "true", "null", "123456789012345678901234",
        "-0", "9223372036854775807", "18446744073709551615", "1E400", '"1e1000000000000000000"', "NaN",
    ]
)  # fmt: skip
TEXT_TEXTS = st.sampled_from(
    ['"us"', '"eu"', '"ap"', '"u1"', '"u2"', "4", "5", '"5"', "true", "null", '"\\u00e9t\\u00e9"', '"été"', '{"b":1,"a":[2]}', "[1,2]", "1.0", '"tab\\there"', '"free"', '"paid"']
)  # fmt: skip
STAMPS = st.sampled_from(
    ["{d}T00:00:00Z", "{d}T12:30:00Z", "{d}T23:59:59.5Z", "{d}T09:15:00.123456789Z", "{d}T02:00:00+02:00", "{d}T24:00:00Z", "{d}T00:00:00.000001Z", "{d}t01:00:00z"]
)  # fmt: skip
MALFORMED = st.sampled_from(
    ["{bad", "[1]", '"just text"', "   ", "", '{"transaction_id":"m1"}', "{}", "null", "\ufeff", '{"transaction_id":"","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z"}', '{"transaction_id":"m2","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z" ,}', '{"transaction_id":"m3","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z"']
)  # fmt: skip


# Text put into a line, or in place of one character (`lines`): a mutation fuzz of both engines
# found a diagnostic that differed (a line cut short at its end) with these.
MUTATIONS = st.sampled_from(
    [*',{}[]":  \t0123456789eE.-+', "", "nan", "Infinity", "null", "\\", "\\u0041", "'", "\x0b", "\x0c", "\ufeff", ",,", "}{", '"x":1,', "\x7f"]
)  # fmt: skip

# Keys the DuckDB engine's parser does not read: another, a repeated one (events-rules: malformed).
EXTRA_KEYS = [
    '"x":1',
    '"x":{"a":"b,c"}',
    '"customer_id":"b"',
    '"properties":{"n":1}',
    '"event_type":null',
]

# Values without a backslash (`typed`): lines SQL takes itself, mostly.
TYPED_TEXTS = st.sampled_from(
    ['"us"', '"eu"', '"u1"', '"5"', "5", "true", "null", '"été"', '{"b":1,"a":[2]}', "[1,2]", "1.0", '"a{b"', '"free"', "-Infinity", '"a,}"']
)  # fmt: skip


@st.composite
def lines(draw, n: int, typed: bool = False) -> str:
    """One event line as text, sometimes malformed, sometimes with a key SQL does not read
    (another, a repeated one) or a trailing comma; `typed`: every line one JSON object, no
    backslash (lines SQL takes itself, mostly, with few for Python)."""
    if not typed and draw(st.integers(0, 12)) == 0:
        return draw(MALFORMED)
    day = draw(st.integers(1, 40))
    month, day = (10, day) if day <= 31 else (11, day - 31)
    stamp = draw(STAMPS).format(d=f"2026-{month:02d}-{day:02d}")
    txid = f"t{draw(st.integers(0, n))}"
    customer = draw(st.sampled_from(["a", "a-alias", "b", "c", "nobody", "A"]))
    event_type = draw(st.sampled_from(["use", "use", "gauge", "other"]))
    props = []
    for name, values in (
        ("n", NUMBER_TEXTS),
        ("region", TYPED_TEXTS if typed else TEXT_TEXTS),
        ("user", TYPED_TEXTS if typed else TEXT_TEXTS),
        ("tier", TYPED_TEXTS if typed else TEXT_TEXTS),
        ("test", TYPED_TEXTS if typed else TEXT_TEXTS),
    ):
        if draw(st.booleans()):
            props.append(f'"{name}":{draw(values)}')
    if props and draw(st.integers(0, 15)) == 0:  # events-rules: a duplicate key is malformed
        props.append(props[0])
    body = "{" + ",".join(props) + "}"
    odd = ["[]", '"x"', "null"]
    body = draw(st.sampled_from([body] * 8 + odd))  # non-object properties
    fields = [
        f'"transaction_id":"{txid}"',
        f'"customer_id":"{customer}"',
        f'"event_type":"{event_type}"',
        f'"timestamp":"{stamp}"',
    ]
    if body != "{}" or draw(st.booleans()):
        fields.append(f'"properties":{body}')
    extra = draw(st.sampled_from([None] * 12 + EXTRA_KEYS))
    if extra is not None:
        fields.insert(draw(st.integers(0, len(fields))), extra)
    spacing = draw(st.sampled_from([",", ", "]))
    trailing = draw(st.sampled_from([""] * 20 + [",", " , "]))  # JSON refuses it; DuckDB not
    text = "{" + spacing.join(fields) + trailing + "}"
    # A mutation (what else is lax?); not in `typed` files, which must stay JSON Lines files
    # (a `[` put first would make one a JSON array, read by Python)
    for _ in range(0 if typed else draw(st.sampled_from([0] * 10 + [1, 2]))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 1))
        text = text[:at] + draw(MUTATIONS) + text[at + cut :]
    return text


@st.composite
def files(draw, typed: bool = False) -> list[tuple[str, list[str]]]:
    n = draw(st.integers(5, 40))
    every = draw(st.lists(lines(n, typed), min_size=1, max_size=50))
    cut = draw(st.integers(0, len(every)))
    again = draw(st.lists(st.sampled_from(every), max_size=6))  # exact re-sends, other file
    spec = [("plain.jsonl", every[:cut]), ("more.jsonl.gz", every[cut:] + again)]
    extra = draw(st.sampled_from(["", "", "crlf.jsonl", "array.json"]))
    if extra:  # a file only the Python reader splits exactly: it joins DuckDB's rows
        spec.append((extra, draw(st.lists(lines(n), max_size=8))))
    return spec


def _write(root: Path, spec: list[tuple[str, list[str]]]) -> list[Path]:
    paths = []
    for name, body in spec:
        data = "".join(line + "\n" for line in body).encode()
        if name == "crlf.jsonl":
            data = data.replace(b"\n", b"\r\n")
        elif name == "array.json":
            data = ("[" + ",\n".join(line for line in body if line.startswith("{")) + "]").encode()
        path = root / name
        path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
        paths.append(path)
    return paths


_CACHE: dict[str, object] = {}


def _catalog(root: Path):
    if "catalog" not in _CACHE:
        _CACHE["catalog"] = compile_yaml(root / "catalog", CATALOG)
    return _CACHE["catalog"]


def _both(root: Path, paths: list[Path], *, fallback_ok: bool = False, **options):
    """Evaluate with both engines; assert the same output; return the Python engine's."""
    catalog = _catalog(root)
    outputs = []
    for engine in ("python", "duckdb"):
        stream = read_events(paths)
        try:
            invoices, diagnostics = evaluate(catalog, stream, engine=engine, **options)
        except BillingSpecError as exc:  # a run both engines refuse must be refused alike
            outputs.append(("error", [str(d) for d in exc.diagnostics]))
            continue
        outputs.append((invoices.to_json(), [str(d) for d in diagnostics]))
        if engine == "duckdb":
            assert fallback_ok or not duckdb_engine.last_fell_back
    assert outputs[1][0] == outputs[0][0]
    assert outputs[1][1] == outputs[0][1]
    return outputs[0]


SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(spec=files(), through=st.sampled_from([None, "2026-10-22T00:00:00Z"]))
def test_both_engines_give_the_same_invoices_and_diagnostics(tmp_path_factory, spec, through):
    from billing_spec.timestamps import parse_timestamp

    root = tmp_path_factory.mktemp("diff")
    paths = _write(root, spec)
    cutoff = parse_timestamp(through) if through else None
    _both(root, paths, through=cutoff, fallback_ok=_none_for_duckdb(paths))


@SETTINGS
@given(spec=files(), customer=st.sampled_from(["a", "b"]))
def test_the_same_for_one_customer(tmp_path_factory, spec, customer):
    root = tmp_path_factory.mktemp("diff")
    paths = _write(root, spec)
    _both(root, paths, customer=customer, fallback_ok=_none_for_duckdb(paths))


def _none_for_duckdb(paths: list[Path]) -> bool:
    """No file DuckDB reads itself (each starts with `[`: a JSON array, for both readers): the
    Python engine runs the whole run, and may."""
    from billing_spec.evaluate.duckdb_events import scan

    return all(scan(path) is None for path in paths)


@SETTINGS
@given(spec=files(typed=True), through=st.sampled_from([None, "2026-10-22T00:00:00Z"]))
def test_sql_classification_gives_the_same_invoices_and_diagnostics(
    tmp_path_factory, spec, through
):
    """Files of JSON objects are parsed once per line (`duckdb_events._classify`); what SQL
    cannot read exactly (floats, offsets, `24:00:00`, repeated or nested property keys,
    non-object properties) goes to the Python engine's code by its line's text, and comes out
    the same."""
    from billing_spec.evaluate import duckdb_events
    from billing_spec.timestamps import parse_timestamp

    root = tmp_path_factory.mktemp("fast")
    paths = _write(root, spec)
    cutoff = parse_timestamp(through) if through else None
    _both(root, paths, through=cutoff)
    assert {0, 1} <= set(duckdb_events.last_by_sql)  # the plain file and the gzip file


_E = '{{"transaction_id":"{t}","customer_id":"a","event_type":"use","timestamp":"2026-10-0{d}T00:00:00Z","properties":{{"n":{n},"region":"us","user":"u1"}}}}'
_LINES = {
    "clean": [_E.format(t="t1", d=2, n=3), _E.format(t="t2", d=3, n=4)],
    "a blank line": [_E.format(t="t1", d=2, n=3), "", _E.format(t="t2", d=3, n=4)],
    "a line of spaces": [_E.format(t="t1", d=2, n=3), "  \t", _E.format(t="t2", d=3, n=4)],
    "an escape": [_E.format(t="t1", d=2, n=3).replace('"u1"', '"\\u0075\\u0031"')],
    "two objects on a line": [_E.format(t="t1", d=2, n=3) + _E.format(t="t2", d=3, n=4)],
    "a line over 1 MiB": [_E.format(t="t1", d=2, n=3).replace('"u1"', '"' + "u" * (1 << 20) + '"')],
    "not JSON": ["{bad", '[1, "x"]', _E.format(t="t2", d=3, n=4)],
    "an object cut short": [_E.format(t="t1", d=2, n=3)[:-1], _E.format(t="t2", d=3, n=4)[:-9]],
    "an extra top-level key": ['{"x":{"k":1,"k":2},' + _E.format(t="t1", d=2, n=3)[1:]],
    "an extra key, last": [_E.format(t="t1", d=2, n=3)[:-1] + ',"x":{"k":1,"k":2}}'],
    "null properties": [_E.format(t="t1", d=2, n=3).replace('{"n":3,"region":"us","user":"u1"}', "null")],
    "a repeated top-level key": ['{"customer_id":"b",' + _E.format(t="t1", d=2, n=3)[1:]],
    "a repeated key, last": [_E.format(t="t1", d=2, n=3)[:-1] + ',"customer_id":"b"}'],
}  # fmt: skip


@pytest.mark.parametrize("case", list(_LINES))
def test_a_line_sql_cannot_take_whole_goes_to_the_python_check(tmp_path, case):
    """The JSON parser behind `_classify` ignores keys it was not asked for, takes the first
    of a repeated key and reads `null` as absent; each such key leaves a comma in the line
    that is in no text it read, so the line is not plain and goes to the Python reader's
    check by its text (which refuses a repeated key). Blank lines, escapes, lines that are
    not JSON or too long: the same."""
    from billing_spec.evaluate import duckdb_events

    path = tmp_path / "e.jsonl"
    path.write_bytes("".join(line + "\n" for line in _LINES[case]).encode())
    _both(tmp_path, [path])
    assert duckdb_events.last_by_sql == [0]


_LAX = {
    "a trailing comma after properties": _E.format(t="t9", d=4, n=5)[:-1] + ",}",
    "a trailing comma and blanks": _E.format(t="t9", d=4, n=5)[:-1] + " ,\t}",
    "a trailing comma in properties": _E.format(t="t9", d=4, n=5)[:-2] + ",}}",
    "NaN summed": _E.format(t="t9", d=4, n="NaN"),
    "-Infinity summed": _E.format(t="t9", d=4, n="-Infinity"),
    "inf in a property no metric reads": _E.format(t="t9", d=4, n=5)[:-2] + ',"other": inf}}',
    "nan as a string field": _E.format(t="t9", d=4, n=5).replace('"u1"', "-nan"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(_LAX))
def test_json_duckdb_parses_but_python_refuses_is_malformed_in_both(tmp_path, case):
    """DuckDB's JSON parser takes trailing commas and NaN or Infinity in any case; JSON (and
    the Python reader) does not: such a line is malformed (W950) in both engines."""
    from billing_spec.evaluate import duckdb_events

    path = tmp_path / "e.jsonl"
    path.write_text(f"{_E.format(t='t1', d=2, n=3)}\n{_LAX[case]}\n")
    _, diagnostics = _both(tmp_path, [path])
    assert duckdb_events.last_by_sql == [0]
    assert [d.split("code='")[1][:4] for d in diagnostics] == ["W950"]
    assert "line=2" in diagnostics[0]


def test_sql_classification_keeps_the_lines_it_needs(tmp_path):
    """In a file SQL classifies, a float (line 3: its literal), values SQL does not sum (lines 1
    and 2: W956 from the Python engine's code) and a re-sent transaction_id that differs
    (line 5: W951, by the lines' hashes) come out as the Python engine says."""
    from billing_spec.evaluate import duckdb_events

    def event(txid, kind, day, n):
        return _E.format(t=txid, d=day, n=n).replace('"use"', f'"{kind}"')

    body = [event("t1", "use", 2, "true"), event("t2", "use", 3, '"12 apples"'),
            event("t3", "gauge", 4, "1.50"), event("t4", "use", 5, "7"), event("t1", "use", 2, "7")]  # fmt: skip
    path = tmp_path / "e.jsonl"
    path.write_text("".join(line + "\n" for line in body))
    _, diagnostics = _both(tmp_path, [path])
    assert duckdb_events.last_by_sql == [0]
    assert [d.split("code='")[1][:4] for d in diagnostics] == ["W956"] * 4 + ["W951"]


def test_text_that_is_not_utf8_is_refused_by_duckdb(tmp_path):
    """DuckDB refuses the file: the Python engine reads it and says why."""
    path = tmp_path / "e.jsonl"
    path.write_bytes(_E.format(t="t1", d=2, n=3).replace("u1", "u\xff").encode("latin-1") + b"\n")
    _, diagnostics = _both(tmp_path, [path], fallback_ok=True)
    assert any("not valid UTF-8" in d for d in diagnostics)


def test_the_duckdb_engine_is_registered():
    assert "duckdb" in ENGINES


def test_duckdb_line_numbers_are_file_lines(tmp_path):
    """The pinned DuckDB reads a JSON Lines file as one row per line, in file order, blank
    lines included (`WITH ORDINALITY`): the engine's file:line rests on it."""
    import duckdb

    from billing_spec.evaluate.duckdb_events import _csv, _read_lines

    text = "".join(f'{{"n":{i}}}\n' if i % 7 else "\n" for i in range(1, 5000))
    for name, data in (("a.jsonl", text.encode()), ("a.jsonl.gz", gzip.compress(text.encode()))):
        (tmp_path / name).write_bytes(data)
        con = duckdb.connect()
        rows = con.execute(_read_lines(3, str(tmp_path / name))).fetchall()
        assert [(src, line) for src, line, _ in rows] == [(3, i) for i in range(1, 5000)]
        expected = [
            json.dumps({"n": i}, separators=(",", ":")) if i % 7 else None for i in range(1, 5000)
        ]
        assert [j for _, _, j in rows] == expected
        # read into a table (`_lines`): a line's number is its rowid plus one
        con.execute(f"CREATE TEMP TABLE ltext AS SELECT j FROM {_csv(str(tmp_path / name))}")
        table = con.execute("SELECT rowid + 1, j FROM ltext ORDER BY rowid").fetchall()
        assert table == list(zip(range(1, 5000), expected, strict=True))


def test_a_files_lines_keep_their_order_in_a_table(tmp_path):
    """A file's lines are read on every core into a table (`duckdb_events._lines`); the pinned
    DuckDB keeps insertion order, so a row's rowid is its line's number less one, in a file of
    many buffers too: the engine's file:line rests on it."""
    import random

    import duckdb

    from billing_spec.evaluate.duckdb_events import _csv

    rng = random.Random(7)
    path = tmp_path / "big.jsonl"
    with path.open("w") as out:
        for i in range(1, 400_001):
            pad = "x" * rng.randrange(0, 150)
            out.write(f'{{"transaction_id":"t{i}","customer_id":"c","event_type":"e",'
                      f'"timestamp":"2026-10-01T00:00:00Z","properties":{{"p":"{pad}"}}}}\n')  # fmt: skip
    con = duckdb.connect()
    con.execute(f"CREATE TEMP TABLE lines AS SELECT j FROM {_csv(str(path))}")
    assert con.execute(
        """SELECT count(*), count_if(NOT starts_with(j, '{"transaction_id":"t' || (rowid + 1) || '"'))
           FROM lines"""
    ).fetchone() == (400_000, 0)


def test_files_duckdb_cannot_split_exactly_are_read_by_python(tmp_path):
    from billing_spec.evaluate.duckdb_events import sql_readable

    cases = {
        "ok.jsonl": b'{"a":1}\n',
        "cr.jsonl": b'{"a":1}\r\n',
        "arr.json": b' [{"a":1}]',
        "nul.jsonl": b'{"a":"\x00"}\n',
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    assert [n for n in cases if sql_readable(tmp_path / n)] == ["ok.jsonl"]


@pytest.mark.parametrize(
    "text",
    [
        '{"transaction_id":"x","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z","properties":{"n":1,"n":2}}',
        '{"transaction_id":"x","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z","properties":{"n":{"k":1,"k":2}}}',
        '{"transaction_id":"x","transaction_id":"y","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z"}',
    ],
)
def test_events_rules_duplicate_keys_the_same_in_both_engines(tmp_path, text):
    """Duplicate keys make an event malformed (`events.rules`), the same in both engines; the
    DuckDB engine hands such lines to the Python reader's check, so both agree before and after
    the reader implements it."""
    path = tmp_path / "e.jsonl"
    path.write_text(text + "\n")
    _both(tmp_path, [path])


@pytest.mark.parametrize("value", ['"1e1000000000000000000"', "1E-99999999999999999999"])
def test_events_rules_an_exponent_beyond_decimal_is_w956_in_both_engines(tmp_path, value):
    """An aggregated property beyond Decimal's range skips that event (W956), never E707."""
    path = tmp_path / "e.jsonl"
    path.write_text(
        '{"transaction_id":"x","customer_id":"a","event_type":"use",'
        f'"timestamp":"2026-10-05T00:00:00Z","properties":{{"n":{value}}}}}\n'
    )
    _, diagnostics = _both(tmp_path, [path], fallback_ok=True)
    assert any("W956" in d for d in diagnostics), diagnostics


def test_events_rules_a_line_over_1_mib(tmp_path):
    """A line longer than 1 MiB is malformed (W950), the same in both engines."""
    big = (
        '{"transaction_id":"x","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z","properties":{"pad":"'
        + "x" * (1 << 20)
        + '"}}'
    )
    path = tmp_path / "e.jsonl"
    path.write_text(big + "\n")
    _both(tmp_path, [path], fallback_ok=True)
    catalog = _catalog(tmp_path)
    _, diagnostics = evaluate(catalog, read_events([path]), engine="duckdb")
    [found] = [d for d in diagnostics if d.code == "W950"]
    assert found.summary == "malformed event skipped: line longer than 1 MiB"
    assert (found.range.filename, found.range.start.line) == (str(path), 1)


def test_auto_picks_duckdb_for_large_json_lines_and_tables(tmp_path, monkeypatch):
    """`auto`: DuckDB from `AUTO_BYTES` of JSON Lines, a gzip file counted inflated (where the
    bench shows it faster), or of Parquet and CSV files; JSON-array files and standard input
    count for nothing."""
    from billing_spec.evaluate import engine as engines

    line = '{"transaction_id":"x","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z"}\n'
    plain, packed, array = tmp_path / "e.jsonl", tmp_path / "p.jsonl", tmp_path / "a.json"
    plain.write_text(line)
    packed.write_bytes(gzip.compress(line.encode() * 50))
    array.write_text("[" + line.strip() + "]" + " " * 400)
    csv = tmp_path / "e.csv"
    csv.write_text("transaction_id,customer_id,event_type,timestamp\n" + "x,a,use,t\n" * 50)
    assert engines.choose_engine("auto", read_events([plain])) == "python"
    monkeypatch.setattr(engines, "AUTO_BYTES", plain.stat().st_size)
    assert engines.choose_engine("auto", read_events([plain])) == "duckdb"
    assert engines.choose_engine("python", read_events([plain])) == "python"
    assert array.stat().st_size > engines.AUTO_BYTES
    assert engines.choose_engine("auto", read_events([array])) == "python"
    assert csv.stat().st_size > engines.AUTO_BYTES
    assert engines.choose_engine("auto", read_events([csv])) == "duckdb"
    monkeypatch.setattr(engines, "AUTO_BYTES", len(line) * 50)  # the gzip file's inflated size
    assert packed.stat().st_size < engines.AUTO_BYTES
    assert engines.choose_engine("auto", read_events([packed])) == "duckdb"
    monkeypatch.setattr(engines, "AUTO_BYTES", len(line) * 50 + 1)
    assert engines.choose_engine("auto", read_events([packed])) == "python"
    assert engines.choose_engine("auto", read_events(["-"])) == "python"  # size unknown


def test_auto_picks_duckdb_for_sql_metrics_over_files(tmp_path):
    """Only DuckDB runs SQL billable metrics: `auto` takes it for any file, however small."""
    from billing_spec.evaluate import engine as engines

    path = tmp_path / "e.jsonl"
    path.write_text(GOOD)
    assert engines.choose_engine("auto", read_events([path]), sql_metrics=True) == "duckdb"
    assert engines.choose_engine("auto", read_events(["-"]), sql_metrics=True) == "python"
    catalog = compile_yaml(
        tmp_path / "catalog",
        CATALOG.replace(
            "billable_metrics:\n",
            "billable_metrics:\n  by_sql: {name: By SQL, sql: SELECT count(*) AS value FROM events}\n",
        ).replace(
            "products:\n",
            "products:\n  by_sql: {name: By SQL, type: usage, billable_metric: by_sql}\n",
        ),
    )
    _, diagnostics = evaluate(catalog, read_events([path]))  # engine="auto"
    assert not [d for d in diagnostics if d.code == "W957"]
    assert not duckdb_engine.last_fell_back


GOOD = '{"transaction_id":"g1","customer_id":"a","event_type":"use","timestamp":"2026-10-05T00:00:00Z","properties":{"n":3,"region":"us","user":"u1"}}\n'
MANY = "".join(GOOD.replace("g1", f"g{i}") for i in range(400)).encode()
PACKED = gzip.compress(MANY, mtime=0)
DAMAGED_GZIP = {
    "corrupt deflate data": PACKED[:200] + bytes(b ^ 0xFF for b in PACKED[200:260]) + PACKED[260:],
    "bad CRC": PACKED[:-8] + bytes([PACKED[-8] ^ 1]) + PACKED[-7:],
    "bad size": PACKED[:-4] + bytes([PACKED[-4] ^ 1]) + PACKED[-3:],
    "trailing garbage": PACKED + b"garbage",
    "trailing zeros": PACKED + bytes(10),
    "two members": PACKED + gzip.compress(MANY.replace(b'"g', b'"h'), mtime=0),
    "a truncated second member": PACKED + gzip.compress(MANY.replace(b'"g', b'"h'), mtime=0)[:-30],
    "the header only": PACKED[:10],
}


def test_the_duckdb_engine_inflates_gzip_with_isal():
    """python-isal (a dependency) inflates three times faster than zlib; the DuckDB engine's
    scan uses it (`duckdb_events._inflating`), and leaves what it cannot inflate to Python."""
    import io

    from isal.igzip import IGzipFile

    from billing_spec.evaluate.duckdb_events import _inflating

    assert type(_inflating(io.BytesIO(PACKED))) is IGzipFile
    assert _inflating(io.BytesIO(PACKED)).read() == MANY


@pytest.mark.parametrize("case", list(DAMAGED_GZIP))
def test_a_damaged_gzip_file_gets_the_same_answer(tmp_path, case):
    """The DuckDB engine inflates a gzip file while scanning it (`duckdb_events.scan`); a
    file it cannot inflate is left to the Python reader, which says why (E702) — never a
    traceback, never events the Python engine would not read."""
    path = tmp_path / "e.jsonl.gz"
    path.write_bytes(DAMAGED_GZIP[case])
    _both(tmp_path, [path], fallback_ok=True)


@pytest.mark.parametrize(
    "data",
    [
        GOOD.encode() + b'{"transaction_id":"x\xff","customer_id":"a"}\n',  # not UTF-8
        gzip.compress(GOOD.encode() * 50)[:-20],  # a truncated gzip stream: E702
        GOOD.encode()
        + b"\n\n  \n"
        + GOOD.replace("g1", "g2").encode(),  # blank lines, no final newline
        b"\xef\xbb\xbf" + GOOD.encode(),  # a BOM
    ],
    ids=["not-utf8", "truncated-gzip", "blank-lines", "bom"],
)
def test_inputs_duckdb_may_refuse_give_the_same_answer(tmp_path, data):
    """Where DuckDB cannot read a file, the run falls back to the Python engine: same output."""
    path = tmp_path / "e.jsonl"
    path.write_bytes(data)
    _both(tmp_path, [path], fallback_ok=True)


# --- Parquet and CSV (issue 10 item 1): one column mapping (`events.tables`), both engines ---

TABLE_COLUMNS = [
    ("transaction_id", "VARCHAR"),
    ("customer_id", "VARCHAR"),
    ("event_type", "VARCHAR"),
    ("timestamp", "VARCHAR"),
    ('"properties.n"', "DECIMAL(20,4)"),
    ('"properties.k"', "BIGINT"),
    ('"properties.region"', "VARCHAR"),
    ('"properties.user"', "VARCHAR"),
    ('"properties.tier"', "VARCHAR"),
    ('"properties.test"', "BOOLEAN"),
]


@st.composite
def table_rows(draw, n: int) -> list[tuple]:
    rows = []
    for _ in range(draw(st.integers(0, 25))):
        day = draw(st.integers(1, 40))
        month, day = (10, day) if day <= 31 else (11, day - 31)
        stamp = draw(STAMPS).format(d=f"2026-{month:02d}-{day:02d}")
        rows.append(
            (
                draw(st.sampled_from([f"t{i}" for i in range(n + 1)] + [None, ""])),
                draw(st.sampled_from(["a", "a-alias", "b", "nobody", None])),
                draw(st.sampled_from(["use", "use", "gauge", "other"])),
                draw(st.sampled_from([stamp, stamp, "not a time", None])),
                draw(
                    st.sampled_from(
                        [None, "0", "1.5", "2.25", "-3", "40.0001", "1234567890123456.5"]
                    )
                ),
                draw(st.sampled_from([None, 0, 7, -2, 9223372036854775807])),
                draw(st.sampled_from([None, "us", "eu", "ap", "5", "", "été"])),
                draw(st.sampled_from([None, "u1", "u2", "a,b", 'say "hi"'])),
                draw(st.sampled_from([None, "free", "paid"])),
                draw(st.sampled_from([None, None, True, False])),
            )
        )
    return rows


def _write_table(path: Path, rows: list[tuple], columns=TABLE_COLUMNS) -> Path:
    """Write rows with DuckDB's COPY: Parquet typed as `columns`; CSV all text (by extension)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE t ({', '.join(f'{c} {k}' for c, k in columns)})")
    for row in rows:
        con.execute(f"INSERT INTO t VALUES ({', '.join('?' for _ in columns)})", list(row))
    options = "FORMAT parquet" if path.suffix == ".parquet" else "FORMAT csv, HEADER true"
    if path.name.endswith(".gz"):
        options += ", COMPRESSION gzip"
    con.execute(f"COPY (SELECT * FROM t) TO '{path}' ({options})")
    con.close()
    return path


@SETTINGS
@given(spec=files(), parquet=table_rows(30), csv=table_rows(30), gz=st.booleans())
def test_parquet_and_csv_give_the_same_invoices_in_both_engines(
    tmp_path_factory, spec, parquet, csv, gz
):
    """The DuckDB engine writes a table file's rows as JSON Lines by SQL
    (`tables.write_json_lines`) and reads them as any JSON Lines file."""
    from billing_spec.evaluate import duckdb_events

    root = tmp_path_factory.mktemp("diff")
    paths = _write(root, spec)
    paths.insert(1, _write_table(root / "rows.parquet", parquet))
    paths.append(_write_table(root / ("rows.csv.gz" if gz else "rows.csv"), csv))
    _both(root, paths)
    assert {1, len(paths) - 1} <= set(duckdb_events.last_by_sql)  # SQL read the tables' rows


def test_a_double_column_is_refused_by_both_engines(tmp_path):
    """A binary float cannot be an exact quantity: the file is refused (E708), never rounded."""
    columns = [*TABLE_COLUMNS[:4], ('"properties.n"', "DOUBLE")]
    path = _write_table(tmp_path / "e.parquet", [("x", "a", "use", "2026-10-05T00:00:00Z", 1.5)], columns)  # fmt: skip
    _, diagnostics = _both(tmp_path, [tmp_path / "e.parquet"], fallback_ok=True)
    assert diagnostics == [
        f"{path}: error[E708]: cannot read {path}: column 'properties.n' is DOUBLE: a binary "
        "float is not an exact number (store it as DECIMAL, an integer or a string)"
    ] or any("E708" in d and "DOUBLE" in d for d in diagnostics), diagnostics


def test_table_files_map_columns_exactly_and_report_rows(tmp_path):
    """DECIMAL stays exact, a TIMESTAMP WITH TIME ZONE is its UTC instant, a NULL field is
    missing; a bad row is reported as file:N (the Nth data row)."""
    from billing_spec.events.tables import table_lines

    columns = [*TABLE_COLUMNS[:3], ("timestamp", "TIMESTAMPTZ"), ('"properties.n"', "DECIMAL(10,2)"), ('"properties.ok"', "BOOLEAN")]  # fmt: skip
    rows = [
        ("t1", "a", "use", "2026-10-05 01:00:00.25+02", "1.50", True),
        ("t2", None, "use", "2026-10-05 00:00:00+00", None, None),
    ]
    path = _write_table(tmp_path / "e.parquet", rows, columns)
    assert b"".join(table_lines(path, "parquet")).decode().splitlines() == [
        '{"transaction_id":"t1","customer_id":"a","event_type":"use",'
        '"timestamp":"2026-10-04T23:00:00.250000Z","properties":{"n":1.50,"ok":true}}',
        '{"transaction_id":"t2","event_type":"use","timestamp":"2026-10-05T00:00:00Z"}',
    ]
    stream = read_events([path])
    events = list(stream)
    [event] = events
    assert (event.transaction_id, event.properties) == ("t1", {"n": "1.50", "ok": True})
    assert type(event.properties["n"]) is JsonNumber  # a number, spelled exactly as written
    [w950] = stream.diagnostics
    assert (w950.code, w950.range.filename, w950.range.start.line) == ("W950", str(path), 2)


_EVERY_TYPE = """SELECT * FROM (VALUES
    ('t1', 'a', 'use', TIMESTAMP '2026-10-05 01:00:00.25', TIMESTAMPTZ '2026-10-05 01:00:00.25+02',
     TIMESTAMP_NS '1969-12-31 23:59:59.5000005', TIMESTAMP_MS '2026-01-01 00:00:00.123',
     TIMESTAMP_S '2026-01-01 00:00:01', 1.50::DECIMAL(10,2), -0.5::DECIMAL(10,2), -5::BIGINT,
     18446744073709551615::UBIGINT, true, 'a"b\\c' || chr(1) || chr(127) || chr(10) || 'y/é😀' || chr(8232)),
    ('t2', NULL, 'use', NULL, NULL, TIMESTAMP_NS '2026-01-01 00:00:00.0000009', NULL, NULL, 0::DECIMAL(10,2),
     NULL, NULL, NULL, false, NULL),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL))
    v(transaction_id, customer_id, event_type, "timestamp", "properties.tz", "properties.ns",
      "properties.ms", "properties.s", "properties.d", "properties.neg", "properties.h",
      "properties.u", "properties.b", "properties.v")"""


@pytest.mark.parametrize(
    ("last", "by_sql"),
    [("", True), (", ('t3', 'a', 'use', TIMESTAMP '0999-12-31 23:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)", False),
     (", ('t3', 'a', 'use', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'x' || chr(11))", False)],
    ids=["every type", "year 999", "vertical tab"],
)  # fmt: skip
def test_sql_writes_a_tables_rows_as_the_python_reader_reads_them(tmp_path, last, by_sql):
    """`write_json_lines` (the DuckDB engine's way) writes the very text `table_lines` (the
    Python reader's) gives for every type the mapping takes: nanoseconds truncated toward zero
    before 1970 as Python's conversion does, NULLs left out, escapes as orjson writes them.
    A row SQL would spell otherwise (a year before 1000: Python writes `999`; a vertical tab:
    DuckDB escapes `\\u000B`, orjson `\\u000b`) leaves the whole file to the Python reader."""
    import duckdb

    from billing_spec.evaluate.duckdb_events import scan
    from billing_spec.events.tables import table_lines, write_json_lines

    path = tmp_path / "e.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY ({_EVERY_TYPE.replace('NULL))', 'NULL)' + last + ')')}) TO '{path}' (FORMAT parquet)"
    )
    con.close()
    assert write_json_lines(path, "parquet", tmp_path / "out.jsonl")
    written = (tmp_path / "out.jsonl").read_bytes()
    assert (written == b"".join(table_lines(path, "parquet"))) is by_sql
    assert (scan(path, tmp_path / "copy.jsonl", later=True).finish() is not None) is by_sql
    (tmp_path / "c.csv").write_text("transaction_id,customer_id,event_type,timestamp\n")
    assert write_json_lines(tmp_path / "c.csv", "csv", tmp_path / "c.jsonl")  # header only
    assert (tmp_path / "c.jsonl").read_bytes() == b""


def test_csv_cells_are_strings_and_empty_cells_are_absent(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "transaction_id,customer_id,event_type,timestamp,properties.n,properties.region\n"
        't1,a,use,2026-10-05T00:00:00Z,1.50,"e,u"\n'
        't2,a,use,2026-10-05T00:00:00Z,,""\n'
    )
    events = list(read_events([path]))
    assert [e.properties for e in events] == [{"n": "1.50", "region": "e,u"}, {}]
    (tmp_path / "empty.csv").write_bytes(b"")  # no events, like an empty JSON Lines file
    stream = read_events([tmp_path / "empty.csv"])
    assert list(stream) == [] and stream.diagnostics == []


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("transaction_id,customer_id,event_type,timestamp,amount", "column 'amount' is not an event field"),
        ("transaction_id,customer_id,event_type,properties.n", "it has no column 'timestamp'"),
    ],
)  # fmt: skip
def test_csv_columns_outside_the_mapping_refuse_the_file(tmp_path, header, reason):
    path = tmp_path / "e.csv"
    path.write_text(
        header + "\n" + ",".join(["t1", "a", "use", "1", "2"][: header.count(",") + 1]) + "\n"
    )
    stream = read_events([path])
    assert list(stream) == []
    [found] = stream.diagnostics
    assert found.code == "E708" and reason in found.summary


def test_a_directory_holds_parquet_and_csv_files(tmp_path):
    from billing_spec.events.sources import expand_paths

    for name in ("a.parquet", "b.csv", "c.csv.gz", "d.jsonl", "e.parquet.gz", "f.txt"):
        (tmp_path / name).write_bytes(b"")
    sources, _ = expand_paths([tmp_path])
    assert [s.path.name for s in sources] == ["a.parquet", "b.csv", "c.csv.gz", "d.jsonl"]


def test_a_gzip_file_is_inflated_for_duckdb_to_read_on_every_core(tmp_path):
    """DuckDB reads a gzip stream on one core: the engine reads an inflated copy instead (the
    same bytes, so the same lines), made while the file is scanned; none for a plain file."""
    from billing_spec.evaluate.duckdb_events import sql_readable

    text = GOOD.encode() * 3
    (tmp_path / "e.jsonl.gz").write_bytes(gzip.compress(text))
    (tmp_path / "e.jsonl").write_bytes(text)
    copy = sql_readable(tmp_path / "e.jsonl.gz", tmp_path / "copy")
    assert copy == tmp_path / "copy" and copy.read_bytes() == text
    assert sql_readable(tmp_path / "e.jsonl", tmp_path / "copy2") == tmp_path / "e.jsonl"
    (tmp_path / "cr.jsonl.gz").write_bytes(gzip.compress(text.replace(b"\n", b"\r\n")))
    assert sql_readable(tmp_path / "cr.jsonl.gz", tmp_path / "copy3") is None
    assert not (tmp_path / "copy3").exists()
