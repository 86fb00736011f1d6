"""Fuzzing what users feed in (issue 13, Tests): event lines (random bytes, random JSON, random
nesting, event-shaped objects with hostile values) and catalog scalars.

Whatever the input, `billing` ends with exit 0 or 1 and no traceback; an invoice's summary
accounts for every event read (used + duplicates + malformed + unknown customer + outside
contracts + not billed); and the reader's counts add up the same way line by line.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import shutil
import tempfile
from pathlib import Path

from conftest import CATALOGS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_spec.cli import main

QUICKSTART = CATALOGS / "quickstart"
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(*args: str) -> tuple[int, str, str]:
    """`billing ARGS` in this process: (exit code, stdout, stderr). An exception escaping
    `main` is a traceback a user would see: the test fails with it."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code
        else:
            code = 0
    return code, out.getvalue(), err.getvalue()


# --- event lines -----------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "1e1000000000000000000",
            "-1E-99999999999999999999",
            "1e400",
            "NaN",
            "Infinity",
            "0x10",
            "1_000",
            " 42 ",
            "\u202e12",
            "9" * 31,
            "0." + "0" * 40 + "1",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
RAW_NUMBERS = ["1E-99999999999999999999", "1e1000000000000000000", "1e400", "-0.0", "1" * 50]
stamps = st.sampled_from(
    [
        "2026-10-03T09:15:00Z",
        "2026-10-03T09:15:00.123456789Z",
        "2026-10-03T11:15:00+02:00",
        "2026-02-30T00:00:00Z",
        "2026-10-03",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
    ]
)


@st.composite
def event_lines(draw) -> str:
    """One event-shaped line: mostly right, with hostile values, keys and nesting."""
    properties = draw(
        st.dictionaries(
            st.sampled_from(["tokens", "user_id", "x", "tokens2"]), json_values, max_size=3
        )
    )
    if draw(st.booleans()):
        properties["tokens"] = draw(st.one_of(st.integers(0, 10**9), scalars))
    if draw(st.booleans()):
        properties["user_id"] = draw(st.sampled_from(["u1", "u2", "\u202eu3", ""]))
    event = {
        "transaction_id": draw(st.sampled_from(["t1", "t2", "t3", "", None, 7])),
        "customer_id": draw(st.sampled_from(["team@example.com", "team_example", "nobody", None])),
        "event_type": draw(st.sampled_from(["langModel4", "other", None])),
        "timestamp": draw(stamps),
        "properties": properties,
    }
    for key in draw(st.sets(st.sampled_from(sorted(event)), max_size=1)):
        del event[key]
    line = json.dumps(event)
    tamper = draw(st.sampled_from(["none", "dup", "raw", "deep", "cut", "escape"]))
    if tamper == "dup":  # a duplicate key, at the top or inside properties
        line = line.replace('"timestamp"', '"event_type": "x", "timestamp"', 1)
        line = line.replace('"properties": {', '"properties": {"tokens": 1, ', 1)
    elif tamper == "raw":  # a raw number JSON allows but no float holds
        line = line.replace(
            '"properties": {',
            f'"properties": {{"tokens": {draw(st.sampled_from(RAW_NUMBERS))}, ',
            1,
        )
    elif tamper == "deep":
        depth = draw(st.sampled_from([10, 500, 1030, 5000]))
        line = line.replace(
            '"properties": {', '"properties": {"n": ' + "[" * depth + "]" * depth + ", ", 1
        )
    elif tamper == "cut":
        line = line[: draw(st.integers(0, len(line)))]
    elif tamper == "escape":
        line = line.replace('"u', '"\\u0075', 1)
    return line


lines = st.one_of(
    event_lines(),
    json_values.map(json.dumps),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["", "   ", "\t\r", "[", "[]", "{}", "null"]),
)


def _write_events(directory: Path, texts: list[str], zipped: bool) -> Path:
    data = "\n".join(texts).encode("utf-8", "surrogateescape")
    path = directory / ("events.jsonl.gz" if zipped else "events.jsonl")
    path.write_bytes(gzip.compress(data) if zipped else data)
    return path


@SETTINGS
@given(texts=st.lists(lines, max_size=12), zipped=st.booleans())
def test_any_event_file_gives_an_invoice_or_a_clear_error(texts, zipped):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write_events(Path(tmp), texts, zipped)
        code, out, err = run("invoice", str(QUICKSTART), "--events", str(path))
    assert code in (0, 1), err
    assert "Traceback" not in err
    if code == 0:
        summary = json.loads(out)["summary"]
        parts = ("events_used", "duplicates", "malformed", "unknown_customer")
        parts += ("outside_contracts", "not_billed")
        assert summary["events_read"] == sum(summary[p] for p in parts), summary


@SETTINGS
@given(texts=st.lists(lines, max_size=12))
def test_the_readers_counts_add_up_line_by_line(texts):
    """Every non-blank line is read once: valid (first copy or duplicate) or malformed."""
    from billing_spec.events import read_events

    with tempfile.TemporaryDirectory() as tmp:
        path = _write_events(Path(tmp), texts, False)
        stream = read_events([path])
        valid = list(stream)
        lines_read = sum(1 for line in path.read_bytes().split(b"\n") if line.strip())
        is_array = path.read_bytes().lstrip(b" \t\r\n")[:1] == b"["  # one JSON array file
    counts = stream.counts
    assert counts.read == len(valid) + counts.duplicates + counts.malformed
    if not is_array:
        assert counts.read == lines_read


# --- catalog scalars -------------------------------------------------------------------------

catalog_scalars = st.one_of(
    st.sampled_from(
        [
            "1e1000000000000000000",
            "-1E-99999999999999999999",
            "1e400",
            ".inf",
            "-.inf",
            ".nan",
            "0x10",
            "0o17",
            "1_000",
            "1e-31",
            "9" * 31,
            "~",
            "null",
            "true",
            "[]",
            "{}",
            "!!binary aGVsbG8=",
            "!!float 1e5",
            "&a 1",
            "*a",
            '"50"',
            "'\u202e50'",
            "2026-01-01",
            "- 1",
            ": x",
            "|\n  50",
        ]
    ),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.integers().map(str),
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=8).map(json.dumps),
)
FIELDS = ["price: 50 ", "conversion_factor: 1000000", "day: FIRST_OF_MONTH"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=catalog_scalars, field=st.sampled_from(FIELDS), command=st.sampled_from(
    ["validate", "compile", "fmt --check", "plan"]
))  # fmt: skip
def test_any_catalog_scalar_gives_a_result_or_a_located_error(value, field, command):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalog"
        shutil.copytree(QUICKSTART, root, ignore=shutil.ignore_patterns("events"))
        path = root / "catalog.yaml"
        text = path.read_text()
        if field not in text:
            return
        name = field.split(":")[0]
        path.write_text(text.replace(field, f"{name}: {value} ", 1))
        (*words,) = command.split()
        args = [*words, str(root)]
        if command == "plan":
            args += ["--state", str(Path(tmp) / "s.json")]
        code, out, err = run(*args)
    output = out + err
    assert code in (0, 1, 3), output  # 3: fmt --check would change the file
    assert "Traceback" not in output
    if code == 1:
        assert "error[" in output or "Error:" in output, output
