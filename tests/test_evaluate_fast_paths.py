"""The fast paths agree with their plain, checked references.

- the compiled matcher with `reference_match` (the filter semantics, interpreted);
- the JSON Lines hot loop with `checked_line` (decode exactly, then validate);
- `parse_event_timestamp` with `timestamps.parse_timestamp`.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from billing_spec.evaluate.matchers import BadValue, MetricShape, compile_matcher, reference_match
from billing_spec.events.dedupe import Seen
from billing_spec.events.jsonl import checked_line, json_lines
from billing_spec.events.records import (
    InexactNumber,
    JsonNumber,
    exact_loads,
    has_float,
    parse_event_timestamp,
)
from billing_spec.timestamps import TimestampError, parse_timestamp

NAMES = ["a", "b", "c"]
values = st.one_of(
    st.none(),
    st.sampled_from(["x", "y", "5", "1.50", ""]),
    st.integers(-2, 6),
    st.sampled_from([JsonNumber("1.50"), JsonNumber("5.0")]),
    st.booleans(),
    st.just({"k": [1, "x"]}),
)
filters = st.lists(
    st.fixed_dictionaries(
        {"name": st.sampled_from(NAMES)},
        optional={
            "exists": st.booleans(),
            "in_values": st.lists(st.sampled_from(["x", "5", "1.50", "true", "y"]), min_size=1),
            "not_in_values": st.lists(st.sampled_from(["x", "5", "1.50", "false"]), min_size=1),
        },
    ),
    max_size=3,
)
shapes = st.builds(
    MetricShape,
    aggregation_type=st.sampled_from(["COUNT", "SUM", "MAX", "UNIQUE", "LATEST"]),
    aggregation_key=st.sampled_from(NAMES),
    property_filters=filters.map(tuple),
    pricing_key=st.lists(st.sampled_from(NAMES), max_size=2, unique=True).map(tuple),
    presentation_key=st.lists(st.sampled_from(NAMES), max_size=2, unique=True).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(shape=shapes, props=st.dictionaries(st.sampled_from(NAMES), values))
def test_the_compiled_matcher_is_the_reference(shape, props):
    assert compile_matcher(shape)(props) == reference_match(shape, props)


def test_filter_semantics_by_example():
    shape = MetricShape(
        "SUM",
        "n",
        (
            {"name": "region", "exists": True, "in_values": ["us", "5"]},
            {"name": "tier", "not_in_values": ["free"]},
        ),
        ("region",),
        (),
    )
    match = compile_matcher(shape)
    assert match({"region": "us", "n": 2}) == (("us",), (), 2)
    assert match({"region": 5, "n": "2.5"}) == (("5",), (), pytest.approx(2.5))
    assert match({"region": "eu", "n": 2}) is None
    assert match({"region": "us", "tier": "free", "n": 2}) is None
    assert match({"region": "us"}) == BadValue("n", None)
    assert match({"region": "us", "n": "lots"}) == BadValue("n", "lots")


def test_a_float_is_refused_where_it_is_read():
    shape = MetricShape("SUM", "n", (), ("g",), ())
    with pytest.raises(InexactNumber):
        compile_matcher(shape)({"n": 0.1, "g": "x"})
    with pytest.raises(InexactNumber):
        compile_matcher(shape)({"n": 1, "g": 0.5})


stamps = st.one_of(
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1))
    .map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S"))
    .flatmap(
        lambda base: st.tuples(
            st.just(base),
            st.sampled_from(["", ".5", ".123", ".123456", ".123456789", ".1234567891", ".", ",5"]),
            st.sampled_from(["Z", "z", "+02:00", "-00:00", "+0200", "", "+02", " Z"]),
        ).map("".join)
    ),
    st.sampled_from(
        [
            "2026-W40-1T00:00:00Z",
            "20261001T000000Z",
            "2026-10-01T00:00Z",
            "2026-10-01X00:00:00Z",
            "2026-10-01 00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-10-01T24:00:00Z",
            "",
            "Z",
            # shapes `datetime.fromisoformat` takes and RFC 3339 does not: a minute with a
            # fraction, basic-format times, a comma
            "2026-10-03T09:15.00Z",
            "2026-10-03T09215800Z",
            "2026-10-03T09,15600Z",
            "2026-10-03T091500.5Z",
            # the ends of the range: years 1000 to 9997, in UTC
            "0999-12-31T23:59:59Z",
            "1000-01-01T00:00:00Z",
            "1000-01-01T00:30:00+01:00",
            "9997-12-31T23:59:59.999Z",
            "9998-01-01T00:00:00Z",
            "9997-12-31T23:30:00-01:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
        ]
    ),
    # a valid stamp with one character of its time replaced
    st.tuples(st.integers(11, 18), st.sampled_from(list("0123456789:.,-+ TZW"))).map(
        lambda edit: (
            "2026-10-03T09:15:00Z"[: edit[0]] + edit[1] + "2026-10-03T09:15:00Z"[edit[0] + 1 :]
        )
    ),
)


@settings(max_examples=500)
@given(text=stamps)
def test_the_event_timestamp_parser_is_parse_timestamp(text):
    try:
        expected = parse_timestamp(text)
    except TimestampError:
        with pytest.raises(TimestampError):
            parse_event_timestamp(text)
    else:
        assert parse_event_timestamp(text) == expected


fields = {
    "transaction_id": st.one_of(st.sampled_from(["t1", "t2", ""]), st.integers(0, 3), st.none()),
    "customer_id": st.sampled_from(["c", "", 5]),
    "event_type": st.sampled_from(["e", ""]),
    "timestamp": st.one_of(stamps, st.integers(0, 5)),
    "properties": st.one_of(
        st.dictionaries(
            st.sampled_from(NAMES),
            st.one_of(
                st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=3)
            ),
        ),
        st.lists(st.integers(), max_size=2),
        st.none(),
    ),
}
records = st.fixed_dictionaries({}, optional=fields)


def _compact(record: dict) -> bytes:
    """orjson's compact text (json's, for an int beyond 64 bits, which orjson does not write)."""
    try:
        return orjson.dumps(record)
    except TypeError:
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()


def _compact_with_a_repeated_key(record: dict) -> bytes:
    """Compact text with one key written twice."""
    if not record:
        return b'{"a":1,"a":2}'
    name = json.dumps(next(iter(record))).encode()
    return _compact(record)[:-1] + b"," + name + b':"again"}'


lines = st.one_of(
    records.map(lambda r: json.dumps(r).encode()),
    records.map(_compact),  # orjson's own text: the fast path's cheaper duplicate-key test
    records.map(_compact_with_a_repeated_key),
    st.sampled_from(
        [b"", b"   ", b"{", b"[1, 2]", b"12", b'{"a": NaN}', b'{"transaction_id": "t", "x": 1e999}']
    ),
)


@settings(max_examples=400, deadline=None)
@given(line=lines)
def test_the_hot_loop_accepts_what_the_checked_path_accepts(line):
    """Every line, through the hot loop and through `checked_line`: the same event (with exact
    properties) or the same refusal."""
    reports_fast, reports_slow = [], []
    seen = Seen(lambda s, n: None, lambda d: None)
    batches = list(
        json_lines(
            io.BytesIO(line + b"\n"), 0, seen, lambda n, r: reports_fast.append(r), lambda n: None
        )
    )
    fast = [row for batch in batches for row in batch]
    if not line.strip():  # blank lines are skipped before either path
        assert fast == [] and reports_fast == []
        return
    slow = checked_line(line, 1, lambda n, r: reports_slow.append(r))  # lines come without \n
    if slow is None:
        assert fast == [] and reports_fast == reports_slow
        return
    [row] = fast
    assert _exact(row) == _exact(slow)


def _exact(row):
    txid, customer, event_type, when, props, line, raw = row
    if raw is not None and has_float(props):
        props = exact_loads(raw)["properties"]
    return txid, customer, event_type, when, props, line


_PLAIN = "2026-10-01T00:00:00Z"
good_event = st.builds(
    lambda n, stamp, props: json.dumps(
        {
            "transaction_id": f"t{n}",
            "customer_id": "c",
            "event_type": "e",
            "timestamp": stamp,
            "properties": props,
        }
    ),
    st.integers(0, 5),
    stamps,
    fields["properties"],
)
pieces = st.one_of(
    good_event,
    good_event.map(lambda text: text + text),  # two objects on one line
    good_event.map(lambda text: text.replace(", ", ",\n", 1)),  # one object over two lines
    records.map(json.dumps),
    st.sampled_from(["", "  ", "{", "}", "{}", '{"a": 1}\t', "[1]"]),
)


_E1 = json.dumps(
    {"transaction_id": "t1", "customer_id": "c", "event_type": "e", "timestamp": _PLAIN}
)
_E2 = _E1.replace('"t1"', '"t2"')


@settings(max_examples=300, deadline=None)
@example(texts=[_E1 + _E2, ""], ending="\n")  # two objects on a line, then a blank one
@example(texts=[_E1.replace(", ", ",\n", 1) + _E2], ending="\n")  # half an object, then 1.5
@given(texts=st.lists(pieces, max_size=12), ending=st.sampled_from(["\n", "\r\n"]))
def test_a_file_reads_as_its_lines_one_by_one(texts, ending):
    """A whole file through the hot loop, whatever its lines hold — blank lines, two objects on
    one line, an object over two lines, CRLF — gives exactly the rows and the reports of
    `checked_line` on each line in turn, the first copy of each transaction_id kept, and counts
    every non-blank line as read."""
    data = "".join(text + ending for text in texts).encode()
    fast_reports, slow_reports = [], []
    seen = Seen(lambda s, n: None, lambda d: None)
    read = []
    fast = [
        _exact(row)
        for rows in json_lines(
            io.BytesIO(data), 0, seen, lambda n, r: fast_reports.append((n, r)), read.append
        )
        for row in rows
    ]
    slow, firsts = [], set()
    lines = data.split(b"\n")  # as `rules.split_lines` gives them, without the \n
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = checked_line(line, number, lambda n, r: slow_reports.append((n, r)))
        if row is not None and row[0] not in firsts:
            firsts.add(row[0])
            slow.append(_exact(row))
    assert fast == slow
    assert fast_reports == slow_reports
    assert sum(read) == sum(1 for line in lines if line.strip())


_COMPACT = orjson.dumps(
    {
        "transaction_id": "t1",
        "customer_id": "c",
        "event_type": "e",
        "timestamp": _PLAIN,
        "properties": {"units": 1},
    }
)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (_COMPACT.replace(b'"units":1', b'"units":1,"units":10'), "units"),  # compact, twice
        (_COMPACT.replace(b'"e",', b'"e","event_type":"e",'), "event_type"),  # at the top
        (_COMPACT.replace(b'"units":1', b'"units":1,"un\\u0069ts":10'), "units"),  # escaped
    ],
)
def test_a_compact_line_with_a_key_twice_is_malformed(line, key):
    """A line in orjson's compact spelling that repeats a key is not orjson's own text for what
    it decodes to: the fast path refuses it and it is W950, as in any other spelling."""
    reports = []
    seen = Seen(lambda s, n: None, lambda d: None)
    stream = io.BytesIO(b"\n" + line + b"\n")
    rows = [r for b in json_lines(stream, 0, seen, _add(reports), _ignore) for r in b]
    assert rows == []
    assert reports == [(2, f'duplicate key "{key}"')]


def test_a_compact_line_is_read_by_the_fast_path():
    """orjson's own text is taken as it is: the row keeps the line (its properties came from
    orjson), with its line number and fingerprint."""
    seen = Seen(lambda s, n: None, lambda d: None)
    [[row]] = list(json_lines(io.BytesIO(_COMPACT + b"\n"), 0, seen, _add([]), _ignore))
    assert row[5:] == (1, _COMPACT)
    assert row[:3] == ("t1", "c", "e") and row[4] == {"units": 1}


def _add(reports):
    return lambda n, r: reports.append((n, r))


def _ignore(count):
    return None
