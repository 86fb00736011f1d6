"""The event-reading rules every engine follows, in one place (issue 13; DESIGN "Events").

The Python reader is the reference; any other engine (DuckDB) must give the same invoices and
diagnostics, so it follows exactly these rules:

1. **Lines.** A JSON Lines file is split at `\\n` (a `\\r` before it is part of the line's text,
   which JSON treats as blank space). Line numbers count every `\\n`, blank lines included.
   A line whose bytes are all ASCII blank space (space, tab, CR, VT, FF) is skipped silently:
   not read, not counted. Blank lines are skipped in bulk (`split_lines` yields a run of them as
   one count), so a file of millions of them costs reading it and nothing more.

2. **Line length.** A line longer than `MAX_LINE_BYTES` (1 MiB = 1,048,576 bytes of the decoded
   line — after gzip — without its `\\n`; a `\\r` before it counts) is one malformed record:
   W950 "malformed event skipped: line longer than 1 MiB" at `file:line`. Its text is never held
   whole: reading keeps at most about `MAX_LINE_BYTES` + one read chunk in memory. The length is
   checked first, so a whitespace-only line that long is reported too. In a JSON-array file, an
   element whose text runs past 1 MiB (`MAX_LINE_BYTES` characters from its start) stops that
   file like a syntax error: W950 "an element longer than 1 MiB (the rest of the file is
   skipped)" at the line the element starts on.

3. **Duplicate keys.** A key appearing twice in one JSON object, anywhere in an event (the top
   level, `properties`, any depth; keys compared after JSON unescaping, so `"n\\u0061me"` and
   `"name"` are the same key), makes the event malformed: W950 `duplicate key "units"` naming the
   first repeated key found (innermost object first). Never last-wins: `{"units":1,"units":10}`
   would otherwise bill 10. The same rule holds in JSON-array files.

4. **Numbers beyond Decimal's exponent range** (`"1e1000000000000000000"` as a string, or the raw
   literal `1E-99999999999999999999`) in an aggregated property are not numbers billing can use,
   exactly like `1e400`: that event is skipped for that metric with W956 ("beyond 30 digits on a
   side of the point"), never an error that ends the run (`money.OutOfRange`, `records`).

`split_lines` implements 1 and 2; `duplicate_key` and `quick_no_duplicates` implement 3.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

MAX_LINE_BYTES = 1 << 20
"""The longest event line read (without its newline): far above any real event."""
TOO_LONG = "line longer than 1 MiB"
TOO_LONG_ELEMENT = "an element longer than 1 MiB"
CHUNK = 1 << 20  # bytes read at a time


def split_lines(
    stream: BinaryIO, *, chunk: int = CHUNK, limit: int = MAX_LINE_BYTES
) -> Iterator[list[bytes | None] | int]:
    """The lines of `stream`, without their `\\n`, in parts: a list of lines (a line longer
    than `limit` is None in it; a blank line may be b""), or an int: that many blank lines.

    Every line is in exactly one part, in order, so line numbers are the running count. Memory:
    one chunk plus an unfinished line of at most `limit` bytes; a longer one is dropped as it is
    read (`skipping`) and given as None once its end is reached.
    """
    read = stream.read
    carry = b""  # the start of a line not yet ended, at most `limit` bytes
    skipping = False  # inside a line already known to be too long
    while data := read(chunk):
        if skipping:
            end = data.find(b"\n")
            if end < 0:
                continue
            skipping = False
            yield [None]
            data = data[end + 1 :]
        if carry:
            data = carry + data
        last = data.rfind(b"\n")
        if last < 0:
            carry = data
        elif data.isspace():
            yield data.count(b"\n")
            carry = data[last + 1 :]
        else:
            lines: list[bytes | None] = data.split(b"\n")  # type: ignore[assignment]
            carry = lines.pop()  # type: ignore[assignment]
            if len(data) > limit and max(map(len, lines)) > limit:  # type: ignore[arg-type]
                lines = [None if len(line) > limit else line for line in lines]  # type: ignore[arg-type]
            yield lines
        if len(carry) > limit:
            carry, skipping = b"", True
    if skipping:
        yield [None]
    elif carry:
        yield [carry]


def quick_no_duplicates(text: bytes, obj: Any) -> bool:
    """True when `text` (decoded by orjson as `obj`) surely has no duplicate key: it has as
    many `"` bytes as `obj` written out again, and no `\\u0022`.

    Every `"` byte of JSON text is a string's opening or closing quote, or a quote character
    inside a string written `\\"`; orjson writes each key and string with two quotes and each
    quote character as `\\"`. So, with no quote character written `\\u0022` (no `"` byte for
    it), the text has exactly as many `"` bytes as `obj` written out, unless the decoder dropped
    something: a repeated key, quotes and all. False means: look closer (`duplicate_key`).
    Raises orjson.JSONEncodeError (nested too deep to write)."""
    return b"\\u0022" not in text and text.count(b'"') == orjson.dumps(obj).count(b'"')


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> None:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _Repeated(key)
        seen.add(key)


_PAIRS = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_float=str, parse_int=str)
_DEPTH = 1100  # as `records.exact_decode_at`


def duplicate_key(text: str | bytes) -> str | None:
    """The first key repeated within one object of the JSON `text`, or None (also when `text`
    is not valid JSON: that is reported on its own)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + _DEPTH)
    try:
        _PAIRS.raw_decode(text, len(text) - len(text.lstrip(" \t\r\n")))
    except _Repeated as exc:
        return exc.key
    except (ValueError, RecursionError):
        return None
    finally:
        sys.setrecursionlimit(limit)
    return None


def duplicate_reason(key: str) -> str:
    """The W950 reason for a repeated key."""
    shown = json.dumps(key)
    if len(shown) > 60:
        shown = shown[:56] + '..."'
    return f"duplicate key {shown}"
