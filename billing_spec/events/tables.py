"""Parquet and CSV event files -> JSON Lines text, one line per row: the one column mapping
both engines read them by.

A source is a table file when it is Parquet (named `*.parquet`, or starting with Parquet's magic
`PAR1`) or CSV (named `*.csv` or `*.csv.gz`); `table_kind` says which. `table_lines` reads it
through DuckDB and gives each row as the JSON Lines text of the event it stands for, so the JSON
Lines reader checks it (`records.check_event`, the event rules) and both engines accept, refuse
and de-duplicate the same rows; row N (the first data row is 1; a CSV header is no row) is
reported as `file:N`.

The mapping (README "Usage events"):
- columns `transaction_id`, `customer_id`, `event_type`, `timestamp` are the event's fields;
  each column `properties.<name>` is the property `<name>`; no other column is allowed (E708).
- a NULL (in CSV: an empty cell) leaves that field or property out.
- CSV: every cell is text (a string), read as written; a numeric string sums like a number.
- Parquet: VARCHAR is a string, BOOLEAN a boolean, an integer type an integer, DECIMAL(p, s) its
  exact decimal (`1.50`), TIMESTAMP (taken as UTC) and TIMESTAMP WITH TIME ZONE a
  `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` timestamp. FLOAT and DOUBLE cannot hold an exact number and
  are refused, as is any other type (E708: the file is not read).

`write_json_lines` writes the same text by SQL alone, for the DuckDB engine (no row reaches
Python); the tests hold it to `table_lines`, byte for byte.

duckdb is imported here only when such a file is read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

FIELDS = ("transaction_id", "customer_id", "event_type", "timestamp")
PREFIX = "properties."
_PARQUET_MAGIC = b"PAR1"
_FETCH = 4096
_INTEGERS = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}  # fmt: skip
_STAMPS = {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"}
_INEXACT = {"FLOAT", "DOUBLE", "REAL"}


class TableError(Exception):
    """The file cannot be read by the mapping (E708); the message says why."""


def table_kind(path: Path | None) -> str | None:
    """ "parquet", "csv" or None (not a table file: JSON Lines or JSON arrays)."""
    if path is None:
        return None
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    try:
        if path.is_file():
            with open(path, "rb") as raw:
                if raw.read(4) == _PARQUET_MAGIC:
                    return "parquet"
    except OSError:
        return None
    return None


def _scan(path: Path, kind: str) -> str:
    quoted = str(path).replace("'", "''")
    if kind == "parquet":
        return f"read_parquet('{quoted}')"
    return (
        f"read_csv('{quoted}', header=true, all_varchar=true, auto_detect=true, delim=',', "
        "quote='\"', escape='\"', compression='auto', strict_mode=true)"
    )


def table_lines(path: Path, kind: str) -> Iterator[bytes]:
    """Each row of the file as one JSON Lines line (ending in a newline), in file order.
    Raises TableError (the mapping refuses the file) or a duckdb error (it cannot be read)."""
    import duckdb

    if kind == "csv" and path.stat().st_size == 0:
        return  # an empty file holds no events, as an empty JSON Lines file
    con = duckdb.connect(":memory:")
    try:
        _, _, writers = _described(con, path, kind)
        cursor = con.execute(f"SELECT * FROM {_scan(path, kind)}")
        while rows := cursor.fetchmany(_FETCH):
            yield b"".join(_line(writers, row) for row in rows)
    finally:
        con.close()


def _described(con: Any, path: Path, kind: str) -> tuple[list[str], list[str], list]:
    """The file's columns, their DuckDB types, and their writers (`_writers`: TableError when
    the mapping refuses the file)."""
    con.execute("SET enable_progress_bar = false")
    described = con.execute(f"DESCRIBE SELECT * FROM {_scan(path, kind)}").fetchall()
    columns, types = [d[0] for d in described], [d[1] for d in described]
    return columns, types, _writers(columns, types)


def write_json_lines(path: Path, kind: str, out: Path) -> bool:
    """Write the file's rows to `out` as the text `table_lines` gives, byte for byte, by one
    DuckDB COPY; False (nothing written) when the mapping refuses the file or DuckDB cannot
    read it: the Python reader then says why. A row SQL would spell otherwise than `_line`
    (`_sql_value`: a control character `\\u000b`-style, a year outside 1000-9999) is written
    as a carriage return, which leaves the whole file to the Python reader
    (`duckdb_events.scan`)."""
    import duckdb

    if kind == "csv" and path.stat().st_size == 0:
        return False  # as `table_lines`: no DESCRIBE of an empty CSV file
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET preserve_insertion_order = true")  # row N stays line N
        columns, types, writers = _described(con, path, kind)  # TableError: the mapping refuses
        line = _sql_line(columns, types, writers)
        target = str(out).replace("'", "''")
        con.execute(
            f"COPY (SELECT {line} FROM {_scan(path, kind)}) TO '{target}' "
            "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')"
        )
        return True
    except (TableError, duckdb.Error):
        if out.exists():
            out.unlink()
        return False
    finally:
        con.close()


_TO_PYTHON = "chr(13)"
"""A carriage return: a line DuckDB's line reader does not split as Python does, so the file
is read by the Python reader (`duckdb_events.scan`)."""
_UPPER_HEX = r"[\x0b\x0e\x0f\x1a-\x1f]"
"""The characters DuckDB's `to_json` escapes as `\\u000B` where orjson writes `\\u000b`."""


def _sql_line(columns: list[str], types: list[str], writers: list) -> str:
    """The SQL of a row's line, as `_line` writes it with `writers` (without the newline COPY
    adds)."""
    fields, props = [], []
    for name, kind, (key, is_property, _) in zip(columns, types, writers, strict=True):
        text = (key.decode() + ":").replace("'", "''")
        pair = f"'{text}' || {_sql_value(sql_identifier(name), kind)}"
        (props if is_property else fields).append(pair)
    if props:
        fields.append(
            f"""CASE WHEN coalesce({", ".join(props)}) IS NOT NULL
            THEN '"properties":{{' || concat_ws(',', {", ".join(props)}) || '}}' END"""
        )
    line = f"'{{' || concat_ws(',', {', '.join(fields)}) || '}}'"
    return f"CASE WHEN {_spelled_otherwise(columns, types)} THEN {_TO_PYTHON} ELSE {line} END"


def sql_identifier(name: str) -> str:
    """A column's name as an SQL identifier (quoted)."""
    return '"' + name.replace('"', '""') + '"'


def _sql_value(column: str, kind: str) -> str:
    """A value's JSON text, as `_writer` spells it (NULL for NULL)."""
    base = kind.split("(")[0]
    if kind == "VARCHAR":
        return f"to_json({column})::VARCHAR"
    if kind == "BOOLEAN":
        return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"
    if kind in _INTEGERS or base == "DECIMAL":
        return f"{column}::VARCHAR"
    stamp = f"make_timestamp({_micros(column, kind)})"
    fraction = f"strftime({stamp}, '%f')"
    return f"""'"' || strftime({stamp}, '%Y-%m-%dT%H:%M:%S')
        || CASE WHEN {fraction} = '000000' THEN '' ELSE '.' || {fraction} END || 'Z"'"""


def _micros(column: str, kind: str) -> str:
    """A timestamp's microseconds since the epoch, UTC, as Python gets them from DuckDB (a
    nanosecond timestamp truncated toward zero)."""
    if kind == "TIMESTAMP_NS":
        return f"(epoch_ns({column}) - epoch_ns({column}) % 1000) // 1000"
    return f"epoch_us({column})"


def _spelled_otherwise(columns: list[str], types: list[str]) -> str:
    """Whether SQL would spell one of the row's values otherwise than `_writer`."""
    tests = []
    for name, kind in zip(columns, types, strict=True):
        column = sql_identifier(name)
        if kind == "VARCHAR":
            tests.append(f"regexp_matches({column}, '{_UPPER_HEX}')")
        elif kind in _STAMPS:
            year = f"year(make_timestamp({_micros(column, kind)}))"
            tests.append(f"NOT {year} BETWEEN 1000 AND 9999")
    return "coalesce(" + " OR ".join(tests) + ", false)" if tests else "false"


def _writers(columns: list[str], types: list[str]) -> list[tuple[bytes, bool, Any]]:
    """Per column: its JSON key, whether it is a property, and how to write a value."""
    missing = [f for f in FIELDS if f not in columns]
    if missing:
        raise TableError(f"it has no column {missing[0]!r} (columns: {', '.join(columns)})")
    writers = []
    for name, kind in zip(columns, types, strict=True):
        is_property = name.startswith(PREFIX) and len(name) > len(PREFIX)
        if not is_property and name not in FIELDS:
            raise TableError(
                f"column {name!r} is not an event field: columns are {', '.join(FIELDS)} "
                f"and {PREFIX}<name> for each property"
            )
        key = orjson.dumps(name[len(PREFIX) :] if is_property else name)
        writers.append((key, is_property, _writer(name, kind)))
    return writers


def _writer(name: str, kind: str) -> Any:
    base = kind.split("(")[0]
    if kind == "VARCHAR":
        return orjson.dumps
    if kind == "BOOLEAN":
        return lambda v: b"true" if v else b"false"
    if kind in _INTEGERS:
        return lambda v: str(v).encode()
    if base == "DECIMAL":
        return lambda v: format(v, "f").encode()
    if kind in _STAMPS:
        return _stamp
    if base in _INEXACT:
        raise TableError(
            f"column {name!r} is {kind}: a binary float is not an exact number "
            "(store it as DECIMAL, an integer or a string)"
        )
    raise TableError(f"column {name!r} has type {kind}, which events cannot hold")


def _stamp(value: datetime) -> bytes:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return f'"{text}Z"'.encode()


def _line(writers: list[tuple[bytes, bool, Any]], row: tuple) -> bytes:
    fields, props = [], []
    for (key, is_property, write), value in zip(writers, row, strict=True):
        if value is None:
            continue
        (props if is_property else fields).append(key + b":" + write(value))
    if props:
        fields.append(b'"properties":{' + b",".join(props) + b"}")
    return b"{" + b",".join(fields) + b"}\n"


class LinesIO(io.RawIOBase):
    """The bytes of an iterator of chunks, as a raw stream (for `jsonl.json_lines`)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.left = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self.left:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.left = chunk
        size = min(len(buffer), len(self.left))
        buffer[:size], self.left = self.left[:size], self.left[size:]
        return size


__all__ = [
    "FIELDS",
    "PREFIX",
    "LinesIO",
    "TableError",
    "sql_identifier",
    "table_kind",
    "table_lines",
    "write_json_lines",
]
