"""Reading events: files, arrays, gzip, directories; malformed lines; exact numbers."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

from invoicing import event, write_jsonl

from billing_spec.events import JsonNumber, number_of, read_events, text_of

GOOD = event("t1", "2026-10-05T00:00:00Z", units=1)


def _read(*paths):
    stream = read_events([str(p) for p in paths])
    events = list(stream)
    return events, stream.counts, stream.diagnostics


def _reasons(diagnostics):
    return [(d.code, d.range.start.line if d.range else None, d.summary) for d in diagnostics]


def test_malformed_lines_are_reported_with_their_line_and_skipped(tmp_path):
    lines = [
        json.dumps(GOOD),
        "",  # blank: skipped, not counted
        '{"transaction_id": "t2", "customer_id": "a", ',  # 3: invalid JSON
        '["not", "an", "object"]',  # 4
        json.dumps({**GOOD, "transaction_id": "t5", "customer_id": None}),
        json.dumps({k: v for k, v in GOOD.items() if k != "event_type"} | {"transaction_id": "t6"}),
        json.dumps({**GOOD, "transaction_id": "t7", "timestamp": "2026-10-05 noon"}),
        json.dumps({**GOOD, "transaction_id": "t8", "timestamp": "2026-10-05T00:00:00"}),
        json.dumps({**GOOD, "transaction_id": "t9", "properties": [1]}),
        json.dumps({**GOOD, "transaction_id": ""}),
        json.dumps({**GOOD, "transaction_id": "t11", "properties": {"units": NaNText}}),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines).replace('"NaN-marker"', "NaN") + "\n")
    events, counts, diagnostics = _read(path)
    assert [e.transaction_id for e in events] == ["t1"]
    assert (counts.read, counts.malformed, counts.duplicates) == (10, 9, 0)
    found = _reasons(diagnostics)
    assert [(code, line) for code, line, _ in found] == [
        ("W950", n) for n in (3, 4, 5, 6, 7, 8, 9, 10, 11)
    ]
    reasons = [summary.removeprefix("malformed event skipped: ") for _, _, summary in found]
    assert reasons[0].startswith("not valid JSON")
    assert reasons[1] == "an event must be a JSON object, not an array"
    assert reasons[2] == "missing customer_id"
    assert reasons[3] == "missing event_type"
    assert "not an RFC 3339 timestamp" in reasons[4]
    assert "with an offset" in reasons[5]
    assert reasons[6] == "properties must be a JSON object, not an array"
    assert reasons[7].startswith("transaction_id must be a non-empty string")
    assert "NaN" in reasons[8]


NaNText = "NaN-marker"


def test_timestamps_with_offsets_become_utc(tmp_path):
    path = write_jsonl(
        tmp_path / "e.jsonl",
        [
            {**GOOD, "timestamp": "2026-10-05T02:00:00+02:00"},
            {**GOOD, "transaction_id": "t2", "timestamp": "2026-10-05t00:00:00.123456789z"},
        ],
    )
    events, _, diagnostics = _read(path)
    assert [e.timestamp.isoformat() for e in events] == [
        "2026-10-05T00:00:00+00:00",
        "2026-10-05T00:00:00.123456+00:00",
    ]
    assert diagnostics == []


def test_numbers_are_read_exactly(tmp_path):
    """JSON numbers with a fraction keep their text (never a binary float); strings stay strings;
    integers beyond 64 bits are exact too."""
    path = tmp_path / "e.jsonl"
    path.write_text(
        '{"transaction_id": "t", "customer_id": "c", "event_type": "e", '
        '"timestamp": "2026-10-05T00:00:00Z", "properties": {"a": 0.1, "b": "0.1", '
        '"c": 123456789012345678901234567890, "d": 1.50, "e": 7}}\n'
    )
    [e], _, _ = _read(path)
    props = e.properties
    assert props["a"] == JsonNumber("0.1") and type(props["a"]) is JsonNumber
    assert number_of(props["a"]) == Decimal("0.1") and number_of(props["b"]) == Decimal("0.1")
    assert number_of(props["c"]) == 123456789012345678901234567890
    assert text_of(props["d"]) == "1.50" and text_of(props["e"]) == "7"


def test_json_array_files_and_gzip(tmp_path):
    """A JSON-array file (Metronome's ingest body), several arrays one after the other, gzip."""
    body = [GOOD, {**GOOD, "transaction_id": "t2", "properties": {"units": 2.5}}]
    array = tmp_path / "a.json"
    array.write_text(
        json.dumps(body, indent=2) + "\n" + json.dumps([{**GOOD, "transaction_id": "t3"}])
    )
    zipped = tmp_path / "b.jsonl.gz"
    zipped.write_bytes(gzip.compress(json.dumps({**GOOD, "transaction_id": "t4"}).encode() + b"\n"))
    events, counts, diagnostics = _read(array, zipped)
    assert [(e.transaction_id, e.line) for e in events] == [
        ("t1", 2),
        ("t2", 11),
        ("t3", 21),
        ("t4", 1),
    ]
    assert events[1].properties["units"] == JsonNumber("2.5")
    assert counts.read == 4 and diagnostics == []


def test_a_broken_array_stops_that_file_only(tmp_path):
    broken = tmp_path / "a.json"
    broken.write_text("[\n" + json.dumps(GOOD) + ',\n{"transaction_id": \n')
    other = write_jsonl(tmp_path / "b.jsonl", [{**GOOD, "transaction_id": "t2"}])
    events, counts, diagnostics = _read(broken, other)
    assert [e.transaction_id for e in events] == ["t1", "t2"]
    [(code, line, summary)] = _reasons(diagnostics)
    assert (code, line) == ("W950", 3) and "the rest of the file is skipped" in summary
    assert counts.malformed == 1


def test_a_corrupt_gzip_file_is_an_error(tmp_path):
    path = tmp_path / "e.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps(GOOD).encode() * 50)[:40])
    _, _, diagnostics = _read(path)
    assert [d.code for d in diagnostics] == ["E702"]


def test_damaged_compressed_data_is_an_error_not_a_traceback(tmp_path):
    """Bytes flipped inside the deflate stream: zlib's own error, reported as E702."""
    data = gzip.compress(
        "".join(
            json.dumps({**GOOD, "transaction_id": f"t{i}"}) + "\n" for i in range(500)
        ).encode(),
        mtime=0,
    )
    path = tmp_path / "e.jsonl.gz"
    path.write_bytes(data[:200] + bytes(b ^ 0xFF for b in data[200:260]) + data[260:])
    _, _, diagnostics = _read(path)
    [found] = diagnostics
    assert found.code == "E702" and "while decompressing data" in found.summary


def test_other_compressions_are_named_not_read_as_thousands_of_bad_lines(tmp_path):
    """bzip2, zstd, xz and zip files are recognised by their first bytes and refused with one
    error naming the compression (gzip is the one billing-spec reads), not a W950 per line."""
    import bz2
    import lzma

    for name, data, kind in (
        ("e.jsonl.bz2", bz2.compress(json.dumps(GOOD).encode()), "bzip2"),
        ("e.jsonl.xz", lzma.compress(json.dumps(GOOD).encode()), "xz"),
        ("e.jsonl.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 20, "zstd"),
        ("e.zip", b"PK\x03\x04" + b"\x00" * 20, "zip"),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        _, _, diagnostics = _read(path)
        assert [(d.code, d.summary) for d in diagnostics] == [
            (
                "E701",
                f"cannot read {path}: it is compressed with {kind}; billing-spec reads gzip only",
            )
        ]


def test_directories_are_read_sorted_and_recursively(tmp_path):
    """Input order decides which copy of a duplicate wins: arguments in order, directories
    sorted by relative path (hidden files skipped, only event files read), lines in order."""
    write_jsonl(tmp_path / "d" / "b.jsonl", [{**GOOD, "transaction_id": "b"}])
    write_jsonl(tmp_path / "d" / "a" / "z.ndjson", [{**GOOD, "transaction_id": "az"}])
    write_jsonl(tmp_path / "d" / ".hidden.jsonl", [{**GOOD, "transaction_id": "hidden"}])
    (tmp_path / "d" / "notes.txt").write_text("not events")
    (tmp_path / "d" / "c.json.gz").write_bytes(
        gzip.compress(json.dumps([{**GOOD, "transaction_id": "c"}]).encode())
    )
    write_jsonl(tmp_path / "first.jsonl", [{**GOOD, "transaction_id": "first"}])
    events, _, _ = _read(tmp_path / "first.jsonl", tmp_path / "d")
    assert [e.transaction_id for e in events] == ["first", "az", "b", "c"]


def test_a_missing_path_and_an_empty_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    stream = read_events([str(tmp_path / "nope.jsonl"), str(tmp_path / "empty")])
    assert [d.code for d in stream.diagnostics] == ["E701", "W958"]


def test_copies_are_compared_by_text(tmp_path):
    """The same event in a CRLF file, in a file without a final newline and in an array is an
    identical copy; with other spacing it is a differing one (a warning; the first still wins)."""
    line = json.dumps(GOOD)
    (tmp_path / "1.jsonl").write_bytes(line.encode() + b"\n")
    (tmp_path / "2.jsonl").write_bytes(line.encode() + b"\r\n")
    (tmp_path / "3.jsonl").write_bytes(line.encode())
    (tmp_path / "4.json").write_text("[" + line + "]")
    (tmp_path / "5.jsonl").write_text(json.dumps(GOOD, separators=(",", ":")) + "\n")
    events, counts, diagnostics = _read(
        *(tmp_path / f"{n}.{'json' if n == 4 else 'jsonl'}" for n in range(1, 6))
    )
    assert len(events) == 1 and counts.duplicates == 4
    assert [(d.code, d.range.filename.endswith("5.jsonl")) for d in diagnostics] == [("W951", True)]


def test_a_bom_is_tolerated(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
    events, _, diagnostics = _read(path)
    assert len(events) == 1 and diagnostics == []


def test_a_million_malformed_lines_make_a_hundred_messages(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text("{}\n" * 150)
    _, counts, diagnostics = _read(path)
    assert counts.malformed == 150
    assert len(diagnostics) == 101 and diagnostics[-1].summary.startswith("... and 50 more")


def test_a_non_utf8_line(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_bytes(json.dumps(GOOD).encode().replace(b'"acme"', b'"\xff"') + b"\n")
    _, counts, diagnostics = _read(path)
    assert counts.malformed == 1 and "UTF-8" in diagnostics[0].summary


def test_records_from_python(tmp_path):
    from billing_spec.events import events_from_records

    stream = events_from_records(
        [GOOD, {**GOOD, "transaction_id": "t2", "properties": {"units": 0.5}}]
    )
    assert [e.transaction_id for e in stream] == ["t1"]
    assert "binary float" in stream.diagnostics[0].summary


def test_path_objects_work(tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl", [GOOD])
    assert len(list(read_events([Path(path)]))) == 1


def test_values_json_has_not_are_malformed_not_a_traceback(tmp_path):
    """NaN, nesting deeper than the decoder recurses and integers longer than Python converts
    (4,300 digits) are reported, in JSON Lines and in arrays; a 5,000-digit number is one
    billing cannot use (W956 later), not a crash."""
    nan = json.dumps({**GOOD, "transaction_id": "nan"}).replace('"units": 1', '"units": NaN')
    deep = json.dumps({**GOOD, "transaction_id": "deep"}).replace(
        '"units": 1', '"units": 1, "deep": ' + "[" * 5000 + "]" * 5000
    )
    huge = json.dumps({**GOOD, "transaction_id": "huge"}).replace(
        '"units": 1', '"units": ' + "9" * 5000
    )
    digits = json.dumps({**GOOD, "transaction_id": "digits", "properties": {"units": "9" * 5000}})
    lines = tmp_path / "e.jsonl"
    lines.write_text("\n".join([nan, deep, huge, digits]) + "\n")
    events, counts, diagnostics = _read(lines)
    assert [e.transaction_id for e in events] == ["huge", "digits"]
    assert [number_of(e.properties["units"]) for e in events] == [None, None]
    assert [(code, line) for code, line, _ in _reasons(diagnostics)] == [("W950", 1), ("W950", 2)]
    assert "nested too deeply" in diagnostics[1].summary
    for name, element in (("nan", nan), ("deep", deep)):
        array = tmp_path / f"{name}.json"
        array.write_text("[\n" + json.dumps(GOOD) + ",\n" + element + "]")
        events, counts, diagnostics = _read(array)
        assert [e.transaction_id for e in events] == ["t1"]
        [(code, line, summary)] = _reasons(diagnostics)
        assert (code, line, counts.malformed) == ("W950", 3, 1), summary
    array = tmp_path / "huge.json"
    array.write_text("[" + huge + "]")
    [event_], _, diagnostics = _read(array)
    assert event_.transaction_id == "huge" and diagnostics == []


def test_a_lone_surrogate_escape_is_malformed(tmp_path):
    """`"\\ud800"` is JSON syntax but no Unicode character: such an event could not be printed
    (the invoice's JSON is UTF-8), so it is malformed, in JSON Lines and in arrays alike. A
    surrogate pair is one character and fine."""
    lone = json.dumps({**GOOD, "transaction_id": "lone", "properties": {"units": 1, "u": "\ud800"}})
    pair = json.dumps({**GOOD, "transaction_id": "pair", "properties": {"units": 1, "u": "😀"}})
    key = json.dumps({**GOOD, "transaction_id": "key", "properties": {"\udc80": 1}})
    customer = json.dumps({**GOOD, "transaction_id": "c", "customer_id": "a\udfff"})
    assert "\\ud800" in lone and "\\ud83d\\ude00" in pair
    (tmp_path / "e.jsonl").write_text("\n".join([lone, pair, key, customer]) + "\n")
    (tmp_path / "e.json").write_text("[" + ",\n".join([lone, pair, key, customer]) + "]")
    for name in ("e.jsonl", "e.json"):
        events, counts, diagnostics = _read(tmp_path / name)
        assert [e.transaction_id for e in events] == ["pair"]
        assert [(code, line) for code, line, _ in _reasons(diagnostics)] == [
            ("W950", 1),
            ("W950", 3),
            ("W950", 4),
        ]
        assert "surrogate" in diagnostics[0].summary and counts.malformed == 3


def test_invalid_utf8_in_an_array_skips_that_element_only(tmp_path):
    """Past the first 64 KiB too: every element before and after the bad one is read and
    counted, and the bad element is reported at its own line."""
    elements = [json.dumps({**GOOD, "transaction_id": f"t{n}"}) for n in range(1000)]
    elements[700] = elements[700].replace('"acme"', '"\xff"')
    path = tmp_path / "e.json"
    path.write_bytes(("[\n" + ",\n".join(elements) + "\n]").encode().replace(b"\xc3\xbf", b"\xff"))
    events, counts, diagnostics = _read(path)
    assert len(events) == 999 and (counts.read, counts.malformed) == (1000, 1)
    [(code, line, summary)] = _reasons(diagnostics)
    assert (code, line) == ("W950", 702) and "UTF-8" in summary


def test_a_syntax_error_does_not_read_the_rest_of_the_array_file(tmp_path, monkeypatch):
    """After a broken element nothing is trusted, so nothing more is read: a syntax error at the
    start of a big file stops there, without the rest of the file in memory."""
    from billing_spec.events import arrays

    path = tmp_path / "e.json"
    body = ",\n".join(json.dumps({**GOOD, "transaction_id": f"t{n}"}) for n in range(20000))
    path.write_text('[{"transaction_id": oops},\n' + body + "]")
    chunks = []
    real = arrays._Buffer.more
    monkeypatch.setattr(arrays._Buffer, "more", lambda self: chunks.append(1) or real(self))
    events, counts, diagnostics = _read(path)
    assert events == [] and (counts.read, counts.malformed) == (1, 1)
    assert "column 21" in diagnostics[0].summary
    assert len(chunks) <= 2  # the first chunk, and at most one more to be sure


def test_values_cut_by_the_chunked_reads_are_read_whole(tmp_path, monkeypatch):
    """An array file is read 64 KiB at a time; here 3 characters, so that every value is cut
    somewhere: `12.5` is one (malformed) element, not `12` followed by a syntax error."""
    from billing_spec.events import arrays

    monkeypatch.setattr(arrays, "_CHUNK", 3)
    path = tmp_path / "e.json"
    path.write_text(
        "["
        + json.dumps(GOOD)
        + ",\n12.5e+1,\n"
        + json.dumps({**GOOD, "transaction_id": "t2"})
        + "]"
    )
    events, counts, diagnostics = _read(path)
    assert (counts.read, counts.malformed) == (3, 1)
    assert [(e.transaction_id, e.properties) for e in events] == [
        ("t1", {"units": 1}),
        ("t2", {"units": 1}),
    ]
    assert _reasons(diagnostics) == [
        ("W950", 2, "malformed event skipped: an event must be a JSON object, not a number")
    ]


def test_a_bom_is_no_difference_between_copies(tmp_path):
    """The BOM is not part of the first line's text: the same event with and without one is an
    identical copy (no W951), in JSON Lines, in gzip and in an array."""
    line = json.dumps(GOOD).encode()
    (tmp_path / "1.jsonl").write_bytes(line + b"\n")
    (tmp_path / "2.jsonl").write_bytes(b"\xef\xbb\xbf" + line + b"\n")
    (tmp_path / "3.jsonl.gz").write_bytes(gzip.compress(b"\xef\xbb\xbf" + line))
    (tmp_path / "4.json").write_bytes(b"\xef\xbb\xbf[" + line + b"]")
    events, counts, diagnostics = _read(tmp_path)
    assert len(events) == 1 and counts.duplicates == 3 and diagnostics == []


def test_the_layout_is_told_past_any_amount_of_leading_blank_text(tmp_path):
    """A JSON array after more blank lines than one read looks at is still an array, and its
    elements keep their line numbers."""
    path = tmp_path / "e.json"
    path.write_text(" \n" * 10000 + json.dumps([GOOD], indent=1))
    events, counts, diagnostics = _read(path)
    assert [(e.transaction_id, e.line) for e in events] == [("t1", 10002)]
    assert counts.read == 1 and diagnostics == []
